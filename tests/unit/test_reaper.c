/* test_reaper.c: containers and TTL nodes end to end in the write path's
 * pure core: prep's createTTL and deleteContainer checks, the tree's index
 * of containers and TTL nodes, the reaper's candidate rules, its rate
 * budget, and that it leaves nodes with txns in flight alone. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* The Makefile links tests with libzk.a only: compile the modules in. */
#include "../../zk-zabd/prep_ov.c"
#include "../../zk-zabd/prep.c"
#include "../../zk-zabd/prep_req.c"
#include "../../zk-zabd/reaper.c"
#include "../../zk-treed/apply.c"
#include "unit.h"

#define SESS 0x0100000000000001LL
#define T0 1000000		/* txn time of zxid 0; zxid n has T0 + n */

static char dir[64];
static struct treedb tree;
static struct prep *prep;
static int64_t zxid;
static struct jute_buf pend[16];
static int npend;
static int internal;	/* requests come from the leader itself */

static const uint8_t open_acl[] = {
	0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 5, 'w', 'o', 'r', 'l', 'd',
	0, 0, 0, 6, 'a', 'n', 'y', 'o', 'n', 'e'
};

static void setup(void)
{
	strcpy(dir, "/tmp/zk-test-reaper-XXXXXX");
	if (mkdtemp(dir) == NULL || treedb_open(&tree, dir, 1) != 0)
		exit(1);
	prep = prep_new(&tree, 0);
	if (prep == NULL)
		exit(1);
	zxid = 0;
	npend = 0;
}

static void teardown(void)
{
	char p[128];

	prep_free(prep);
	treedb_close(&tree);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

/* prep one request (kept pending); prep's code. */
static int submit(int64_t session, int op, const struct jute_buf *body)
{
	struct prep_req r;
	uint8_t pw[16] = { 7 };
	int rc;

	memset(&r, 0, sizeof(r));
	r.session = session;
	r.cxid = 1;
	r.op = op;
	r.body = body ? body->p : NULL;
	r.len = body ? body->len : 0;
	r.timeout = 10000;
	r.passwd = pw;
	r.internal = internal;
	jute_buf_init(&pend[npend], TXN_MAX);
	zxid++;
	rc = prep_request(prep, &r, zxid, T0 + zxid, &pend[npend]);
	if (rc == 0)
		npend++;
	else
		jute_buf_free(&pend[npend]);
	return rc;
}

static int32_t last_err;
static uint8_t last_body[4096];
static size_t last_len;

static void apply_all(void)
{
	MDB_txn *w;
	struct txn t;
	struct jute_buf body;
	struct apply_misfit mf;

	CHECK_EQ_INT(mdb_txn_begin(tree.env, NULL, 0, &w), 0);
	for (int i = 0; i < npend; i++) {
		CHECK_EQ_INT(txn_decode(pend[i].p, pend[i].len, &t), 0);
		jute_buf_init(&body, 0);
		CHECK_EQ_INT(apply_txn(&tree, w, &t, &last_err, &body, &mf), 0);
		CHECK_EQ_INT(treedb_set_applied(&tree, w, t.zxid), 0);
		last_len = body.len < sizeof(last_body) ? body.len : sizeof(last_body);
		if (last_len)
			memcpy(last_body, body.p, last_len);
		jute_buf_free(&body);
		jute_buf_free(&pend[i]);
	}
	CHECK_EQ_INT(mdb_txn_commit(w), 0);
	npend = 0;
}

static int32_t run(int64_t session, int op, const struct jute_buf *body)
{
	int rc = submit(session, op, body);

	if (rc != 0)
		return 1000 + rc;	/* not a txn */
	apply_all();
	return last_err;
}

static void create_body(struct jute_buf *b, const char *path, int flags, int64_t ttl,
			int with_ttl)
{
	struct jute_create_req c;
	struct jute_rd r;

	memset(&c, 0, sizeof(c));
	c.path = jute_cstr(path);
	c.data = jute_cstr("");
	jute_rd_init(&r, open_acl, sizeof(open_acl), 0);
	jute_dec_acls(&r, &c.acl);
	c.flags = flags;
	c.ttl = ttl;
	jute_buf_init(b, 0);
	jute_enc_create_req(b, &c, with_ttl);
}

static int32_t create_op(int op, const char *path, int flags, int64_t ttl)
{
	struct jute_buf b;
	int32_t e;

	create_body(&b, path, flags, ttl, op == OP_CREATETTL);
	e = run(SESS, op, &b);
	jute_buf_free(&b);
	return e;
}

static int32_t create(const char *path, int flags)
{
	return create_op(OP_CREATE, path, flags, -1);
}

static int32_t del(int op, int64_t session, const char *path)
{
	struct jute_buf b;
	struct jute_path_version d = { jute_cstr(path), -1 };
	int32_t e;

	jute_buf_init(&b, 0);
	if (op == OP_DELETE)
		jute_enc_path_version(&b, &d);
	else
		jute_put_raw(&b, path, strlen(path));	/* the path's bytes */
	internal = op == OP_DELETECONTAINER;
	e = run(session, op, &b);
	internal = 0;
	jute_buf_free(&b);
	return e;
}

static int get(const char *path, struct tree_node *n)
{
	MDB_txn *r;
	int rc;

	if (treedb_rbegin(&tree, &r))
		return -1;
	rc = treedb_get(&tree, r, path, strlen(path), n);
	mdb_txn_abort(r);
	return rc;
}

static void test_rules(void)
{
	struct tree_node n;
	int64_t now = 100000;

	memset(&n, 0, sizeof(n));
	n.owner = TREE_OWNER_CONTAINER;
	n.mtime = now - 50000;
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 0), 0);	/* never used */
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 60000), 0);	/* not that old */
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 40000), 1);
	n.cversion = 1;
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 0), 1);	/* had a child */
	n.num_children = 1;
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 0), 0);
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 40000), 0);

	memset(&n, 0, sizeof(n));
	n.owner = TREE_OWNER_TTL | 500;
	n.mtime = now - 500;
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 0), 0);	/* not more than ttl */
	n.mtime = now - 501;
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 0), 1);
	n.cversion = 3;
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 0), 1);
	n.num_children = 1;
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 0), 0);

	/* persistent, ephemeral, an unknown extended kind: never */
	memset(&n, 0, sizeof(n));
	n.cversion = 5;
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 1), 0);
	n.owner = SESS;
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 1), 0);
	n.owner = (int64_t)0xff00010000000010ULL;
	CHECK_EQ_INT(reaper_is_candidate(&n, now, 1), 0);

	CHECK_EQ_INT(tree_owner_ttl(TREE_OWNER_TTL | TREE_TTL_MAX), TREE_TTL_MAX);
	CHECK_EQ_INT(tree_owner_ttl(SESS), 0);
	CHECK_EQ_INT(tree_owner_ttl(TREE_OWNER_CONTAINER), 0);
	CHECK_EQ_INT(tree_owner_is_ephemeral(TREE_OWNER_TTL | 5), 0);
	CHECK_EQ_INT(tree_owner_is_ephemeral(TREE_OWNER_CONTAINER), 0);
	CHECK_EQ_INT(tree_owner_is_ephemeral(SESS), 1);
	CHECK_EQ_INT(tree_owner_is_ephemeral((int64_t)0xfe00000000000001ULL), 1);
	CHECK_EQ_INT(tree_owner_is_ephemeral((int64_t)0xff01a2b3c4d50001ULL), 1);
	CHECK_EQ_INT(tree_owner_ttl((int64_t)0xff01a2b3c4d50001ULL), 0);
}

static void test_create_ttl(void)
{
	struct tree_node n;
	struct jute_stat st;

	setup();
	CHECK_EQ_INT(run(SESS, OP_CREATESESSION, NULL), 0);
	/* off: Unimplemented, after the flag check */
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t", CM_PERSISTENT_WITH_TTL, 100), ZUNIMPLEMENTED);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t", 7, 100), ZBADARGUMENTS);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t", CM_PERSISTENT, 100), ZBADARGUMENTS);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t", CM_PERSISTENT, -1), ZBADARGUMENTS);
	prep_set_extended(prep, 1);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t", CM_PERSISTENT_WITH_TTL, 0), ZBADARGUMENTS);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t", CM_PERSISTENT_WITH_TTL, TREE_TTL_MAX + 1),
		     ZBADARGUMENTS);
	CHECK_EQ_INT(create_op(OP_CREATE2, "/t", CM_PERSISTENT_WITH_TTL, -1), ZBADARGUMENTS);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t", CM_EPHEMERAL, 100), ZBADARGUMENTS);
	/* the ttl check comes before the parent */
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/no/t", CM_PERSISTENT_WITH_TTL, 0), ZBADARGUMENTS);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/no/t", CM_PERSISTENT_WITH_TTL, 9), ZNONODE);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t", CM_PERSISTENT_WITH_TTL, TREE_TTL_MAX), ZOK);
	CHECK_EQ_INT(get("/t", &n), 0);
	CHECK_EQ_INT(n.owner, TREE_OWNER_TTL | TREE_TTL_MAX);
	tree_node_stat(&n, &st);
	CHECK_EQ_INT(st.ephemeral_owner, 0);
	/* TTL nodes may have children; sequential TTL names */
	CHECK_EQ_INT(create("/t/kid", 0), ZOK);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t/s-", CM_PERSISTENT_SEQUENTIAL_WITH_TTL, 5), ZOK);
	CHECK_EQ_INT(get("/t/s-0000000001", &n), 0);
	CHECK_EQ_INT(n.owner, TREE_OWNER_TTL | 5);
	/* createTTL with another mode: refused even with ttl -1 (Apache
	 * takes it, then cannot apply it) */
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/p", CM_PERSISTENT, -1), ZBADARGUMENTS);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/p", CM_CONTAINER, -1), ZBADARGUMENTS);
	CHECK_EQ_INT(get("/p", &n), ZNONODE);
	teardown();
}

static void test_delete_container(void)
{
	struct tree_node n;

	setup();
	CHECK_EQ_INT(run(SESS, OP_CREATESESSION, NULL), 0);
	CHECK_EQ_INT(create("/full", 0), ZOK);
	CHECK_EQ_INT(create("/full/kid", 0), ZOK);
	CHECK_EQ_INT(create("/eph", CM_EPHEMERAL), ZOK);
	CHECK_EQ_INT(create("/plain", 0), ZOK);
	CHECK_EQ_INT(create_op(OP_CREATECONTAINER, "/c", CM_CONTAINER, -1), ZOK);
	/* from a client: always BadArguments, as a txn (Apache reads the
	 * path from the whole frame, header and all) */
	{
		struct jute_buf b;

		jute_buf_init(&b, 0);
		jute_put_raw(&b, "/plain", 6);
		CHECK_EQ_INT(run(SESS, OP_DELETECONTAINER, &b), ZBADARGUMENTS);
		jute_buf_free(&b);
		CHECK_EQ_INT(get("/plain", &n), 0);
	}
	/* no session is needed (the reaper has none) */
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "noslash"), ZBADARGUMENTS);
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "/"), ZBADARGUMENTS);
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "/zookeeper/quota"), ZBADARGUMENTS);
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "/missing"), ZNONODE);
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "/full"), ZNOTEMPTY);
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "/eph"), ZBADVERSION);
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "/plain"), ZOK);
	CHECK_EQ_INT(last_len, 0);		/* no reply record */
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "/c"), ZOK);
	CHECK_EQ_INT(get("/c", &n), ZNONODE);
	CHECK_EQ_INT(get("/plain", &n), ZNONODE);
	CHECK_EQ_INT(get("/", &n), 0);
	CHECK_EQ_INT(n.num_children, 3);	/* zookeeper, full, eph */
	/* not inside a multi (Apache's multi takes no deleteContainer) */
	teardown();
}

struct entries {
	char e[8][64];
	int n;
};

static int collect(void *arg, int64_t owner, const char *path, size_t len)
{
	struct entries *l = arg;

	if (l->n == 8)
		return 1;
	snprintf(l->e[l->n++], 64, "%.*s=%llx", (int)len, path, (unsigned long long)owner);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The index, sorted (keys are hashed with a per-tree random key, so
 * nodes of one owner come in no fixed order). */
static const char *index_list(void)
{
	static char out[600];
	struct entries l;
	MDB_txn *r;
	size_t n = 0;

	l.n = 0;
	if (treedb_rbegin(&tree, &r))
		return "?";
	if (treedb_extended(&tree, r, collect, &l) != 0)
		l.n = 0;
	mdb_txn_abort(r);
	qsort(l.e, (size_t)l.n, sizeof(l.e[0]), cmp_str);
	out[0] = '\0';
	for (int i = 0; i < l.n; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", i ? " " : "", l.e[i]);
	return out;
}

static int count_one(void *arg, const char *path, size_t len)
{
	(void)path;
	(void)len;
	(*(int *)arg)++;
	return 0;
}

/* the picked paths of the last pass, space-separated */
static const char *picks(const struct reaper *r)
{
	static char out[512];
	const char *p = r->paths;
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < r->npicked; i++, p += strlen(p) + 1)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", i ? " " : "", p);
	return out;
}

static void test_index_and_pass(void)
{
	struct reaper r;

	setup();
	prep_set_extended(prep, 1);
	CHECK_EQ_INT(run(SESS, OP_CREATESESSION, NULL), 0);
	CHECK_EQ_INT(create_op(OP_CREATECONTAINER, "/used", CM_CONTAINER, -1), ZOK);
	CHECK_EQ_INT(create("/used/kid", 0), ZOK);
	CHECK_EQ_INT(create_op(OP_CREATECONTAINER, "/unused", CM_CONTAINER, -1), ZOK);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t10", CM_PERSISTENT_WITH_TTL, 10), ZOK);
	CHECK_EQ_INT(create_op(OP_CREATETTL, "/t99", CM_PERSISTENT_WITH_TTL, 99999), ZOK);
	CHECK_EQ_INT(create("/plain", 0), ZOK);
	CHECK_EQ_INT(create("/e", CM_EPHEMERAL), ZOK);
	/* containers and TTL nodes; no plain or ephemeral node */
	CHECK_EQ_STR(index_list(), "/t10=ff0000000000000a /t99=ff0000000001869f "
		     "/unused=8000000000000000 /used=8000000000000000");

	CHECK_EQ_INT(reaper_init(&r, 200, 10000, 0), 0);
	/* nothing yet: /used has a child, /t10 is young */
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0 + 10, 1), 0);
	CHECK_EQ_INT(del(OP_DELETE, SESS, "/used/kid"), ZOK);
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0 + 10000, 2), 2);
	CHECK_EQ_STR(picks(&r), "/used /t10");	/* containers come first */
	/* a write in flight on /used: left for the next pass */
	CHECK_EQ_INT(submit(SESS, OP_SETDATA, NULL), ZMARSHALLINGERROR);
	{
		struct jute_buf b;

		create_body(&b, "/used/again", 0, -1, 0);
		CHECK_EQ_INT(submit(SESS, OP_CREATE, &b), 0);
		jute_buf_free(&b);
	}
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0 + 10000, 3000), 1);
	CHECK_EQ_STR(picks(&r), "/t10");
	apply_all();	/* /used has a child again */
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0 + 10000, 6000), 1);
	CHECK_EQ_STR(picks(&r), "/t10");
	/* the picks go through prep like any write */
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "/t10"), ZOK);
	CHECK_EQ_STR(index_list(), "/t99=ff0000000001869f "
		     "/unused=8000000000000000 /used=8000000000000000");
	/* never-used containers only with maxNeverUsedIntervalMs */
	r.never_used_ms = 5000;
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0 + 10000, 9000), 1);
	CHECK_EQ_STR(picks(&r), "/unused");
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "/unused"), ZOK);
	CHECK_EQ_INT(del(OP_DELETE, SESS, "/used/again"), ZOK);
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0 + 10000, 12000), 1);
	CHECK_EQ_INT(del(OP_DELETECONTAINER, 0, "/used"), ZOK);
	CHECK_EQ_STR(index_list(), "/t99=ff0000000001869f");
	reaper_free(&r);
	teardown();
}

/* maxPerMinute=60 with a 1 s period: one deletion a second at most. */
static void test_rate(void)
{
	struct reaper r;
	char path[32];

	setup();
	CHECK_EQ_INT(run(SESS, OP_CREATESESSION, NULL), 0);
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/c%d", i);
		CHECK_EQ_INT(create_op(OP_CREATECONTAINER, path, CM_CONTAINER, -1), ZOK);
		snprintf(path, sizeof(path), "/c%d/k", i);
		CHECK_EQ_INT(create(path, 0), ZOK);
		CHECK_EQ_INT(del(OP_DELETE, SESS, path), ZOK);
	}
	CHECK_EQ_INT(reaper_init(&r, 1000, 60, 0), 0);
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0, 1000), 1);
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0, 1500), 0);	/* half a token */
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0, 2000), 1);
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0, 60000), 1);	/* no hoarding */
	/* 600 a minute, 1 s period: 10 a pass */
	reaper_free(&r);
	CHECK_EQ_INT(reaper_init(&r, 1000, 600, 0), 0);
	CHECK_EQ_INT(reaper_pass(&r, &tree, prep, T0, 1000), 5);
	CHECK_EQ_INT(r.passes, 1);
	CHECK_EQ_INT(r.scanned, 5);
	reaper_free(&r);
	teardown();
}

/* A tree from before the index: its containers are indexed at open. */
static void test_upgrade(void)
{
	MDB_txn *w;
	MDB_val key = { 6, (void *)"xindex" };
	const char *deep = "/a/b/c";

	setup();
	CHECK_EQ_INT(run(SESS, OP_CREATESESSION, NULL), 0);
	CHECK_EQ_INT(create("/a", 0), ZOK);
	CHECK_EQ_INT(create("/a/b", 0), ZOK);
	CHECK_EQ_INT(create_op(OP_CREATECONTAINER, deep, CM_CONTAINER, -1), ZOK);
	CHECK_EQ_INT(create_op(OP_CREATECONTAINER, "/top", CM_CONTAINER, -1), ZOK);
	CHECK_EQ_INT(create("/e", CM_EPHEMERAL), ZOK);
	for (int i = 0; i < 300; i++) {	/* enough names to move the queue */
		char p[64];

		snprintf(p, sizeof(p), "/a/b/c/with-a-rather-long-name-%03d", i);
		CHECK_EQ_INT(create(p, 0), ZOK);
	}
	CHECK_EQ_STR(index_list(), "/a/b/c=8000000000000000 /top=8000000000000000");
	/* as an older build left it: no containers in the index, no mark */
	CHECK_EQ_INT(mdb_txn_begin(tree.env, NULL, 0, &w), 0);
	CHECK_EQ_INT(treedb_ephem_del(&tree, w, TREE_OWNER_CONTAINER, deep, strlen(deep)), 0);
	CHECK_EQ_INT(treedb_ephem_del(&tree, w, TREE_OWNER_CONTAINER, "/top", 4), 0);
	CHECK_EQ_INT(mdb_del(w, tree.meta, &key, NULL), 0);
	CHECK_EQ_INT(mdb_txn_commit(w), 0);
	CHECK_EQ_STR(index_list(), "");
	prep_free(prep);
	treedb_close(&tree);
	CHECK_EQ_INT(treedb_open(&tree, dir, 1), 0);
	prep = prep_new(&tree, 0);
	CHECK_EQ_STR(index_list(), "/a/b/c=8000000000000000 /top=8000000000000000");
	/* the ephemeral stays indexed under its session, once */
	{
		MDB_txn *r;
		int n = 0;

		CHECK_EQ_INT(treedb_rbegin(&tree, &r), 0);
		CHECK_EQ_INT(treedb_ephemerals(&tree, r, SESS, count_one, &n), 0);
		mdb_txn_abort(r);
		CHECK_EQ_INT(n, 1);
	}
	teardown();
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "rules", test_rules },
		{ "create_ttl", test_create_ttl },
		{ "delete_container", test_delete_container },
		{ "index_and_pass", test_index_and_pass },
		{ "rate", test_rate },
		{ "upgrade", test_upgrade },
		{ NULL, NULL }
	};
	return unit_run("reaper", cases);
}
