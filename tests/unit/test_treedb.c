/* test_treedb.c: the tree's LMDB layout: fresh tree, node round trip,
 * node keys and their order, children ranges, descendants, sessions and
 * ephemerals. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "treedb.h"
#include "treekey.h"
#include "unit.h"

static char dir[64];

static void mkenv(struct treedb *t)
{
	strcpy(dir, "/tmp/zk-test-treedb-XXXXXX");
	if (mkdtemp(dir) == NULL || treedb_open(t, dir, 1) != 0) {
		fprintf(stderr, "cannot open a temp env\n");
		exit(1);
	}
}

static void rmenv(struct treedb *t)
{
	char p[128];

	treedb_close(t);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

struct names { char buf[1024]; int n; char items[16][64]; };

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Collects names, and keeps buf as their sorted comma-separated list
 * (the tree gives them in no useful order). */
static int collect(void *arg, const char *name, size_t len)
{
	struct names *c = arg;
	int i;

	if (c->n >= 16 || len >= 64)
		return 1;
	snprintf(c->items[c->n++], 64, "%.*s", (int)len, name);
	qsort(c->items, (size_t)c->n, 64, cmp);
	c->buf[0] = '\0';
	for (i = 0; i < c->n; i++) {
		if (i)
			strcat(c->buf, ",");
		strcat(c->buf, c->items[i]);	/* 16 x 64 fits 1024 */
	}
	return 0;
}

static void test_fresh(void)
{
	struct treedb t, ro;
	struct tree_node n;
	struct jute_stat s;
	struct jute_acls acl;
	struct names c = { "", 0, { "" } };
	MDB_txn *txn;

	mkenv(&t);
	CHECK_EQ_INT(treedb_rbegin(&t, &txn), 0);
	CHECK_EQ_INT(treedb_applied(&t, txn), 0);
	CHECK_EQ_INT(treedb_count(&t, txn), 4);
	CHECK_EQ_INT(treedb_get(&t, txn, "/", 1, &n), 0);
	tree_node_stat(&n, &s);
	CHECK_EQ_INT(s.cversion, -1);
	CHECK_EQ_INT(s.num_children, 1);
	CHECK_EQ_INT(n.data_len, 0);
	CHECK(n.data != NULL);
	CHECK_EQ_INT(treedb_get(&t, txn, "", 0, &n), 0);	/* "" is "/" */
	CHECK_EQ_INT(treedb_get(&t, txn, "/zookeeper", 10, &n), 0);
	tree_node_stat(&n, &s);
	CHECK_EQ_INT(s.cversion, -2);
	CHECK_EQ_INT(treedb_get(&t, txn, "/zookeeper/config", 17, &n), 0);
	CHECK_EQ_INT(n.aversion, -1);
	CHECK_EQ_INT(n.acl, TREEDB_ACL_READ);
	CHECK_EQ_INT(treedb_acl(&t, txn, n.acl, &acl), 0);
	CHECK_EQ_INT(acl.n, 1);
	CHECK_EQ_INT(treedb_get(&t, txn, "/zookeeper/", 11, &n), ZNONODE);
	CHECK_EQ_INT(treedb_get(&t, txn, "zookeeper", 9, &n), ZNONODE);
	CHECK_EQ_INT(treedb_children(&t, txn, "/", 1, collect, &c), 0);
	CHECK_EQ_STR(c.buf, "zookeeper");
	c.buf[0] = 0; c.n = 0;
	CHECK_EQ_INT(treedb_children(&t, txn, "/zookeeper", 10, collect, &c), 0);
	CHECK_EQ_STR(c.buf, "config,quota");
	CHECK_EQ_INT(treedb_descendants(&t, txn, "/", 1), 3);
	CHECK_EQ_INT(treedb_descendants(&t, txn, "/zookeeper", 10), 2);
	mdb_txn_abort(txn);

	/* a read-only opener sees the same, also after a trim that happens
	 * while its read txn holds pointers into the map */
	CHECK_EQ_INT(treedb_open(&ro, dir, 0), 0);
	CHECK_EQ_INT(treedb_rbegin(&ro, &txn), 0);
	CHECK_EQ_INT(treedb_get(&ro, txn, "/zookeeper/config", 17, &n), 0);
	CHECK_EQ_INT(treedb_trim(&ro), 0);
	CHECK_EQ_INT(n.aversion, -1);
	CHECK_EQ_INT(n.data_len, 0);
	CHECK(n.data != NULL);
	CHECK_EQ_INT(treedb_count(&ro, txn), 4);
	mdb_txn_abort(txn);
	treedb_close(&ro);
	rmenv(&t);
}

static int put_kids;	/* numChildren of the next put */

static void put(struct treedb *t, MDB_txn *txn, const char *path, const char *data)
{
	struct tree_node n;

	memset(&n, 0, sizeof(n));
	n.num_children = put_kids;
	put_kids = 0;
	n.czxid = 5;
	n.acl = TREEDB_ACL_OPEN;
	n.data = (const uint8_t *)data;
	n.data_len = data ? (int32_t)strlen(data) : -1;
	CHECK_EQ_INT(treedb_put(t, txn, path, strlen(path), &n), 0);
}

static void test_nodes_children(void)
{
	struct treedb t;
	struct tree_node n;
	struct names c = { "", 0, { "" } };
	MDB_txn *txn;

	mkenv(&t);
	CHECK_EQ_INT(mdb_txn_begin(t.env, NULL, 0, &txn), 0);
	put_kids = 3;
	put(&t, txn, "/a", NULL);
	put_kids = 1;
	put(&t, txn, "/a/x", "1");
	put(&t, txn, "/a/y", "");
	put(&t, txn, "/a/x/deep", "2");
	put(&t, txn, "/ab", "3");
	put(&t, txn, "/a b", "4");
	put(&t, txn, "/a/x0", "5");
	CHECK_EQ_INT(treedb_get(&t, txn, "/a", 2, &n), 0);
	CHECK_EQ_INT(n.data_len, -1);
	CHECK(n.data == NULL);
	CHECK_EQ_INT(treedb_get(&t, txn, "/a/y", 4, &n), 0);
	CHECK_EQ_INT(n.data_len, 0);
	CHECK_EQ_INT(treedb_get(&t, txn, "/a/x", 4, &n), 0);
	CHECK_EQ_INT(n.data_len, 1);
	CHECK(memcmp(n.data, "1", 1) == 0);
	CHECK_EQ_INT(n.czxid, 5);
	CHECK_EQ_INT(treedb_children(&t, txn, "/a", 2, collect, &c), 0);
	CHECK_EQ_STR(c.buf, "x,x0,y");
	CHECK_EQ_INT(treedb_descendants(&t, txn, "/a", 2), 4);
	CHECK_EQ_INT(treedb_descendants(&t, txn, "/a/x", 4), 1);
	CHECK_EQ_INT(treedb_del(&t, txn, "/a/x0", 5), 0);
	CHECK_EQ_INT(treedb_get(&t, txn, "/a/x0", 5, &n), ZNONODE);
	c.buf[0] = 0; c.n = 0;
	CHECK_EQ_INT(treedb_children(&t, txn, "/", 1, collect, &c), 0);
	CHECK_EQ_STR(c.buf, "a,a b,ab,zookeeper");
	CHECK_EQ_INT(treedb_set_applied(&t, txn, 99), 0);
	CHECK_EQ_INT(treedb_add_count(&t, txn, 6), 0);
	CHECK_EQ_INT(mdb_txn_commit(txn), 0);
	CHECK_EQ_INT(treedb_rbegin(&t, &txn), 0);
	CHECK_EQ_INT(treedb_applied(&t, txn), 99);
	CHECK_EQ_INT(treedb_count(&t, txn), 10);
	mdb_txn_abort(txn);
	rmenv(&t);
}

static int count_sess(void *arg, int64_t id, int32_t timeout, const uint8_t *pw)
{
	(*(int *)arg)++;
	return 0;
}

static void test_sessions_acls(void)
{
	static const uint8_t acl[] = {
		0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 6, 'd', 'i', 'g', 'e', 's', 't',
		0, 0, 0, 3, 'u', ':', 'x'
	};
	struct treedb t;
	struct names c = { "", 0, { "" } };
	uint8_t pw[16] = { 9, 8, 7 }, got[16];
	int32_t to;
	uint32_t id, id2;
	int ns = 0;
	MDB_txn *txn;

	mkenv(&t);
	CHECK_EQ_INT(mdb_txn_begin(t.env, NULL, 0, &txn), 0);
	CHECK_EQ_INT(treedb_session_put(&t, txn, 0x0100000000000001LL, 4000, pw), 0);
	CHECK_EQ_INT(treedb_session_put(&t, txn, 0x0200000000000001LL, 6000, pw), 0);
	CHECK_EQ_INT(treedb_ephem_put(&t, txn, 0x0100000000000001LL, "/e1", 3), 0);
	CHECK_EQ_INT(treedb_ephem_put(&t, txn, 0x0100000000000001LL, "/d/e2", 5), 0);
	CHECK_EQ_INT(treedb_ephem_put(&t, txn, 0x0200000000000001LL, "/e3", 3), 0);
	CHECK_EQ_INT(treedb_acl_intern(&t, txn, acl, sizeof(acl), &id), 0);
	CHECK_EQ_INT(treedb_acl_intern(&t, txn, acl, sizeof(acl), &id2), 0);
	CHECK_EQ_INT(id, id2);
	CHECK(id > TREEDB_ACL_READ);
	CHECK_EQ_INT(mdb_txn_commit(txn), 0);

	CHECK_EQ_INT(treedb_rbegin(&t, &txn), 0);
	CHECK_EQ_INT(treedb_session_get(&t, txn, 0x0100000000000001LL, &to, got), 0);
	CHECK_EQ_INT(to, 4000);
	CHECK(memcmp(got, pw, 16) == 0);
	CHECK_EQ_INT(treedb_session_get(&t, txn, 7, &to, got), ZNONODE);
	CHECK_EQ_INT(treedb_sessions(&t, txn, count_sess, &ns), 0);
	CHECK_EQ_INT(ns, 2);
	CHECK_EQ_INT(treedb_ephemerals(&t, txn, 0x0100000000000001LL, collect, &c), 0);
	CHECK_EQ_STR(c.buf, "/d/e2,/e1");
	mdb_txn_abort(txn);

	CHECK_EQ_INT(mdb_txn_begin(t.env, NULL, 0, &txn), 0);
	CHECK_EQ_INT(treedb_ephem_del(&t, txn, 0x0100000000000001LL, "/e1", 3), 0);
	CHECK_EQ_INT(treedb_session_del(&t, txn, 0x0100000000000001LL), 0);
	CHECK_EQ_INT(mdb_txn_commit(txn), 0);
	CHECK_EQ_INT(treedb_rbegin(&t, &txn), 0);
	CHECK_EQ_INT(treedb_session_get(&t, txn, 0x0100000000000001LL, &to, got), ZNONODE);
	c.buf[0] = 0; c.n = 0;
	CHECK_EQ_INT(treedb_ephemerals(&t, txn, 0x0100000000000001LL, collect, &c), 0);
	CHECK_EQ_STR(c.buf, "/d/e2");
	mdb_txn_abort(txn);
	rmenv(&t);
}

/* Every field away from its usual value survives the compact encoding. */
static void test_node_encoding(void)
{
	struct treedb t;
	struct tree_node n, g;
	MDB_txn *txn;

	mkenv(&t);
	memset(&n, 0, sizeof(n));
	n.czxid = 0x100000001LL;
	n.mzxid = 0x7fffffffffffffffLL;
	n.pzxid = 3;
	n.ctime = -5;
	n.mtime = 1796121268147LL;
	n.owner = (int64_t)0x8000000000000000ull;
	n.version = -1;
	n.aversion = INT32_MIN;
	n.cversion = INT32_MAX;
	n.num_children = 7;
	n.acl = 0xfffffff0u;
	n.data = NULL;
	n.data_len = -1;
	CHECK_EQ_INT(mdb_txn_begin(t.env, NULL, 0, &txn), 0);
	CHECK_EQ_INT(treedb_put(&t, txn, "/n", 2, &n), 0);
	CHECK_EQ_INT(treedb_get(&t, txn, "/n", 2, &g), 0);
	CHECK_EQ_INT(g.czxid, n.czxid);
	CHECK_EQ_INT(g.mzxid, n.mzxid);
	CHECK_EQ_INT(g.pzxid, n.pzxid);
	CHECK_EQ_INT(g.ctime, n.ctime);
	CHECK_EQ_INT(g.mtime, n.mtime);
	CHECK_EQ_INT(g.owner, n.owner);
	CHECK_EQ_INT(g.version, -1);
	CHECK_EQ_INT(g.aversion, INT32_MIN);
	CHECK_EQ_INT(g.cversion, INT32_MAX);
	CHECK_EQ_INT(g.num_children, 7);
	CHECK_EQ_INT(g.acl, 0xfffffff0u);
	CHECK_EQ_INT(g.data_len, -1);
	CHECK(g.data == NULL);
	/* the usual values, with data whose bytes look like a header */
	memset(&n, 0, sizeof(n));
	n.czxid = n.mzxid = n.pzxid = 9;
	n.acl = TREEDB_ACL_OPEN;
	n.data = (const uint8_t *)"\xff\x80\x01";
	n.data_len = 3;
	CHECK_EQ_INT(treedb_put(&t, txn, "/m", 2, &n), 0);
	CHECK_EQ_INT(treedb_get(&t, txn, "/m", 2, &g), 0);
	CHECK_EQ_INT(g.mzxid, 9);
	CHECK_EQ_INT(g.pzxid, 9);
	CHECK_EQ_INT(g.owner, 0);
	CHECK_EQ_INT(g.acl, TREEDB_ACL_OPEN);
	CHECK_EQ_INT(g.data_len, 3);
	CHECK(memcmp(g.data, "\xff\x80\x01", 3) == 0);
	mdb_txn_abort(txn);
	rmenv(&t);
}

static int sum_len(void *arg, const char *name, size_t len)
{
	*(size_t *)arg += len;
	return 0;
}

/* Any name length and depth: LMDB keys stay short. */
static void test_long_paths(void)
{
	static char path[40000];
	struct treedb t;
	struct tree_node n;
	MDB_txn *txn;
	size_t len;
	int i;

	mkenv(&t);
	CHECK_EQ_INT(mdb_txn_begin(t.env, NULL, 0, &txn), 0);
	/* a 10000-byte name under /l, and a sibling sharing its first 480 */
	put_kids = 2;
	put(&t, txn, "/l", "");
	memcpy(path, "/l/", 3);
	memset(path + 3, 'n', 10000);
	path[10003] = '\0';
	put(&t, txn, path, "L");
	path[10002] = 'm';
	CHECK_EQ_INT(treedb_get(&t, txn, path, 10003, &n), ZNONODE);
	put(&t, txn, path, "M");
	CHECK_EQ_INT(treedb_get(&t, txn, path, 10003, &n), 0);
	CHECK_EQ_INT(n.data_len, 1);
	CHECK(memcmp(n.data, "M", 1) == 0);
	path[10002] = 'n';
	CHECK_EQ_INT(treedb_get(&t, txn, path, 10003, &n), 0);
	CHECK(memcmp(n.data, "L", 1) == 0);
	len = 0;
	CHECK_EQ_INT(treedb_children(&t, txn, "/l", 2, sum_len, &len), 0);
	CHECK_EQ_INT(len, 20000);	/* both names, spelled out */
	/* 300 levels */
	len = 0;
	for (i = 0; i < 300; i++) {
		len += (size_t)sprintf(path + len, "/d%d", i);
		put_kids = i < 299 ? 1 : 0;
		put(&t, txn, path, "D");
	}
	CHECK_EQ_INT(treedb_get(&t, txn, path, len, &n), 0);
	CHECK_EQ_INT(treedb_descendants(&t, txn, "/d0", 3), 299);
	CHECK_EQ_INT(treedb_del(&t, txn, path, len), 0);
	CHECK_EQ_INT(treedb_get(&t, txn, path, len, &n), ZNONODE);
	/* a long ephemeral path comes back whole */
	CHECK_EQ_INT(treedb_ephem_put(&t, txn, 5, path, len), 0);

	{
		size_t el = 0;

		CHECK_EQ_INT(treedb_ephemerals(&t, txn, 5, sum_len, &el), 0);
		CHECK_EQ_INT(el, len);
	}
	mdb_txn_abort(txn);
	rmenv(&t);
}

/* LMDB's default key order: bytewise, a prefix first. */
static int keycmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : (al > bl) - (al < bl);
}

/* Names from a counter arrive in key order: each key of /p/n0 .. /p/n1000
 * is greater than every one before it, so LMDB appends them and fills
 * its leaves. */
static void test_key_order(void)
{
	static const uint64_t hk[4] = { 1, 2, 3, 4 };
	uint8_t prev[TK_KEY_MAX], key[TK_KEY_MAX], prefix[TK_HLEN];
	const uint8_t *kn;
	const char *name;
	size_t plen = 0, klen, nlen, knlen;
	char path[32];
	int i, hashed, n;

	tk_child_prefix(hk, "/p", 2, prefix);
	for (i = 0; i <= 1000; i++) {
		n = snprintf(path, sizeof(path), "/p/n%d", i);
		klen = tk_node_key(hk, path, (size_t)n, key, &name, &nlen, &hashed);
		CHECK_EQ_INT(klen, TK_HLEN + 1 + (size_t)n - 3);
		CHECK_EQ_INT(hashed, 0);
		CHECK(memcmp(key, prefix, TK_HLEN) == 0);
		CHECK_EQ_INT(tk_key_name(key, klen, &kn, &knlen), 0);
		CHECK(knlen == (size_t)n - 3 && memcmp(kn, path + 3, knlen) == 0);
		if (i > 0 && keycmp(prev, plen, key, klen) >= 0) {
			CHECK(!"a counter's key sorts before the one before it");
			break;
		}
		memcpy(prev, key, klen);
		plen = klen;
	}
	/* fixed-width names keep their bytewise order */
	tk_node_key(hk, "/p/seq0000000009", 16, prev, &name, &nlen, &hashed);
	klen = tk_node_key(hk, "/p/seq0000000010", 16, key, &name, &nlen, &hashed);
	CHECK(keycmp(prev, klen, key, klen) < 0);
}

/* The length boundaries: one length byte below 240, two from 240 to 480,
 * a hashed name (marked 0xff) beyond; shortlex order across all of them. */
static void test_key_lengths(void)
{
	static const uint64_t hk[4] = { 5, 6, 7, 8 };
	static const struct { size_t n; size_t klen; int kind; } c[] = {
		{ 1, TK_HLEN + 2, 0 }, { 239, TK_HLEN + 1 + 239, 0 },
		{ 240, TK_HLEN + 2 + 240, 0 }, { 255, TK_HLEN + 2 + 255, 0 },
		{ 256, TK_HLEN + 2 + 256, 0 }, { 480, TK_HLEN + 2 + 480, 0 },
		{ 481, 2 * TK_HLEN + 1, 1 }, { 5000, 2 * TK_HLEN + 1, 1 },
	};
	static char path[5100];
	uint8_t prev[TK_KEY_MAX], key[TK_KEY_MAX], bad[TK_KEY_MAX];
	const uint8_t *kn;
	const char *name;
	size_t i, klen, plen = 0, nlen, knlen;
	int hashed;

	memcpy(path, "/q/", 3);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		/* 'z' for the shorter, 'a' for the longer: length comes first */
		memset(path + 3, i % 2 ? 'a' : 'z', c[i].n);
		klen = tk_node_key(hk, path, 3 + c[i].n, key, &name, &nlen, &hashed);
		CHECK_EQ_INT(klen, c[i].klen);
		CHECK(klen <= TK_KEY_MAX);
		CHECK_EQ_INT(hashed, c[i].kind);
		CHECK_EQ_INT(nlen, c[i].n);
		CHECK_EQ_INT(tk_key_name(key, klen, &kn, &knlen), c[i].kind);
		if (c[i].kind == 0) {
			CHECK_EQ_INT(knlen, c[i].n);
			CHECK(memcmp(kn, path + 3, knlen) == 0);
			/* a key whose length bytes disagree with it is refused */
			memcpy(bad, key, klen);
			CHECK_EQ_INT(tk_key_name(bad, klen - 1, &kn, &knlen), -1);
			CHECK_EQ_INT(tk_key_name(bad, TK_HLEN, &kn, &knlen), -1);
		} else {
			CHECK_EQ_INT(key[TK_HLEN], TK_LEN_HASHED);
		}
		if (i > 0)
			CHECK(keycmp(prev, plen, key, klen) < 0);
		memcpy(prev, key, klen);
		plen = klen;
	}
	/* 240 is the first two-byte length: 0xf0 0xf0; 480 is 0xf1 0xe0 */
	klen = tk_node_key(hk, path, 3 + 240, key, &name, &nlen, &hashed);
	CHECK(key[TK_HLEN] == 0xf0 && key[TK_HLEN + 1] == 0xf0);
	klen = tk_node_key(hk, path, 3 + 480, key, &name, &nlen, &hashed);
	CHECK(key[TK_HLEN] == 0xf1 && key[TK_HLEN + 1] == 0xe0);
	/* two-byte spellings of lengths tk_node_key writes in one byte, or
	 * past TK_NAME_INLINE, are not keys */
	memset(bad, 'x', sizeof(bad));
	bad[TK_HLEN] = 0xf0;
	bad[TK_HLEN + 1] = 10;
	CHECK_EQ_INT(tk_key_name(bad, TK_HLEN + 2 + 10, &kn, &knlen), -1);
	bad[TK_HLEN] = 0xf1;
	bad[TK_HLEN + 1] = 0xe1;
	CHECK_EQ_INT(tk_key_name(bad, TK_HLEN + 2 + 481, &kn, &knlen), -1);
}

/* Child listing gives back every name exactly, each once, in shortlex
 * order: n0 .. n1000, and names at the length boundaries. */
struct kids { int next; int bad; size_t longs; int nlong; };

static int kid_seq(void *arg, const char *name, size_t len)
{
	struct kids *k = arg;
	char want[32];
	int n = snprintf(want, sizeof(want), "n%d", k->next);

	if ((size_t)n != len || memcmp(want, name, len) != 0)
		k->bad++;
	k->next++;
	return 0;
}

static int kid_long(void *arg, const char *name, size_t len)
{
	struct kids *k = arg;
	size_t i;

	for (i = 0; i < len; i++)
		if (name[i] != (char)('a' + len % 26))
			k->bad++;
	/* shortlex: each inline name longer than the one before; hashed
	 * names after all of them, in their hashes' order */
	if (len <= k->longs && len <= TK_NAME_INLINE)
		k->bad++;
	if (len > k->longs)
		k->longs = len;
	k->nlong++;
	return 0;
}

static void test_children_exact(void)
{
	static const size_t lens[] = { 1, 239, 240, 480, 481, 3000 };
	static char path[3100];
	struct treedb t;
	struct tree_node n;
	struct kids k = { 0, 0, 0, 0 };
	MDB_txn *txn;
	size_t i;
	int j, len;

	mkenv(&t);
	CHECK_EQ_INT(mdb_txn_begin(t.env, NULL, 0, &txn), 0);
	put_kids = 1001;
	put(&t, txn, "/p", "");
	for (j = 1000; j >= 0; j--) {	/* any put order: the keys order them */
		len = snprintf(path, sizeof(path), "/p/n%d", j);
		CHECK_EQ_INT(len, (int)strlen(path));
		put(&t, txn, path, "v");
	}
	CHECK_EQ_INT(treedb_children(&t, txn, "/p", 2, kid_seq, &k), 0);
	CHECK_EQ_INT(k.next, 1001);
	CHECK_EQ_INT(k.bad, 0);
	CHECK_EQ_INT(treedb_get(&t, txn, "/p/n1000", 8, &n), 0);
	CHECK_EQ_INT(treedb_descendants(&t, txn, "/p", 2), 1001);
	put_kids = 6;
	put(&t, txn, "/q", "");
	memcpy(path, "/q/", 3);
	for (i = sizeof(lens) / sizeof(lens[0]); i-- > 0;) {
		memset(path + 3, 'a' + (int)(lens[i] % 26), lens[i]);
		path[3 + lens[i]] = '\0';
		put(&t, txn, path, "L");
		CHECK_EQ_INT(treedb_get(&t, txn, path, 3 + lens[i], &n), 0);
	}
	memset(&k, 0, sizeof(k));
	CHECK_EQ_INT(treedb_children(&t, txn, "/q", 2, kid_long, &k), 0);
	CHECK_EQ_INT(k.nlong, 6);
	CHECK_EQ_INT(k.bad, 0);
	mdb_txn_abort(txn);
	rmenv(&t);
}

/* An env written in an older layout is refused, not misread. */
static void test_old_format(void)
{
	struct treedb t;
	MDB_txn *txn;
	MDB_val key = { 6, (void *)"format" }, val;
	int64_t old = 3;

	mkenv(&t);
	CHECK_EQ_INT(mdb_txn_begin(t.env, NULL, 0, &txn), 0);
	val.mv_size = 8;
	val.mv_data = &old;
	CHECK_EQ_INT(mdb_put(txn, t.meta, &key, &val, 0), 0);
	CHECK_EQ_INT(mdb_txn_commit(txn), 0);
	treedb_close(&t);
	CHECK_EQ_INT(treedb_open(&t, dir, 1), -1);
	CHECK_EQ_INT(treedb_open(&t, dir, 0), -1);
	rmenv(&t);
}

/* treedb_find + treedb_put_at: one cursor reads and rewrites a node, with
 * the data the same size, bigger (an overflow page), smaller, null, left in
 * the old record (data NULL, dlen 0: only the header changes), and under
 * long (hashed) names. */
static void rewrite(struct treedb *t, MDB_txn *txn, const char *path, size_t len,
		    const uint8_t *data, int32_t dlen, int32_t version)
{
	static uint8_t kept[5000];
	struct treedb_at at;
	struct tree_node n;

	CHECK_EQ_INT(treedb_find(t, txn, path, len, &n, &at), 0);
	if (data == NULL && dlen == 0) {
		/* n.data still points into the record being rewritten */
		CHECK(n.data_len <= (int32_t)sizeof(kept));
		if (n.data_len > 0)
			memcpy(kept, n.data, (size_t)n.data_len);
		data = kept;
		dlen = n.data_len;
	} else {
		n.data = data;
		n.data_len = dlen;
	}
	n.version = version;
	n.mzxid = 100 + version;
	CHECK_EQ_INT(treedb_put_at(t, &at, &n), 0);
	treedb_at_close(&at);
	CHECK_EQ_INT(treedb_get(t, txn, path, len, &n), 0);
	CHECK_EQ_INT(n.version, version);
	CHECK_EQ_INT(n.mzxid, 100 + version);
	CHECK_EQ_INT(n.czxid, 5);
	CHECK_EQ_INT(n.data_len, dlen);
	CHECK(dlen <= 0 || memcmp(n.data, data, (size_t)dlen) == 0);
}

static void test_rewrite(void)
{
	static uint8_t big[5000], path[1200];
	static const size_t names[] = { 1, 200, 1000 };
	struct treedb t;
	struct treedb_at at;
	struct tree_node n;
	MDB_txn *txn;
	size_t i, len;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	mkenv(&t);
	CHECK_EQ_INT(mdb_txn_begin(t.env, NULL, 0, &txn), 0);
	CHECK_EQ_INT(treedb_find(&t, txn, "/r", 2, &n, &at), ZNONODE);
	treedb_at_close(&at);
	put_kids = 3;
	put(&t, txn, "/r", "");
	for (i = 0; i < 3; i++) {
		len = 3;
		memcpy(path, "/r/", 3);
		memset(path + len, 'a' + (int)i, names[i]);
		len += names[i];
		put(&t, txn, "/q", "q");
		put(&t, txn, "/s", "s");
		CHECK_EQ_INT(treedb_put(&t, txn, (const char *)path, len,
				&(struct tree_node){ .czxid = 5, .acl = TREEDB_ACL_OPEN,
						     .data = (const uint8_t *)"abc",
						     .data_len = 3 }), 0);
		rewrite(&t, txn, (const char *)path, len, big + 1, 3, 1);
		rewrite(&t, txn, (const char *)path, len, big, 1024, 2);
		rewrite(&t, txn, (const char *)path, len, big + 3, 1024, 3);
		rewrite(&t, txn, (const char *)path, len, big, 4500, 4);
		rewrite(&t, txn, (const char *)path, len, NULL, 0, 5);
		rewrite(&t, txn, (const char *)path, len, big + 9, 4000, 6);
		rewrite(&t, txn, (const char *)path, len, big + 2, 10, 7);
		rewrite(&t, txn, (const char *)path, len, NULL, 0, 8);
		rewrite(&t, txn, (const char *)path, len, NULL, -1, 9);
		rewrite(&t, txn, (const char *)path, len, NULL, 0, 10);
		CHECK_EQ_INT(treedb_get(&t, txn, (const char *)path, len, &n), 0);
		CHECK_EQ_INT(n.data_len, -1);
		CHECK_EQ_INT(treedb_get(&t, txn, "/q", 2, &n), 0);
		CHECK(n.data_len == 1 && memcmp(n.data, "q", 1) == 0);
		CHECK_EQ_INT(treedb_get(&t, txn, "/s", 2, &n), 0);
		CHECK(n.data_len == 1 && memcmp(n.data, "s", 1) == 0);
	}
	CHECK_EQ_INT(mdb_txn_commit(txn), 0);
	rmenv(&t);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "fresh", test_fresh },
		{ "nodes_children", test_nodes_children },
		{ "sessions_acls", test_sessions_acls },
		{ "node_encoding", test_node_encoding },
		{ "long_paths", test_long_paths },
		{ "key_order", test_key_order },
		{ "key_lengths", test_key_lengths },
		{ "children_exact", test_children_exact },
		{ "old_format", test_old_format },
		{ "rewrite", test_rewrite },
		{ NULL, NULL }
	};
	return unit_run("treedb", cases);
}
