/* treedb.c: the tree's LMDB environment: layout, fresh tree, reads and the
 * writes zk-treed makes (see treedb.h for the layout).
 *
 * Durability: zk-treed opens the env with MDB_NOSYNC. A txn committed to
 * LMDB is in the page cache at once, so kill -9 of any process (or of all
 * of them) loses nothing. A crash of the whole machine may lose the last
 * txns, and since the file system does not keep the order of unsynced
 * writes it may even damage the env. Both are safe because the txn log
 * (zk-zabd) is the durable record: zk-zabd replays to zk-treed every txn
 * after the tree's last applied zxid, which is stored in the same LMDB txn
 * as the changes. A removed or unusable env comes back from zk-treed's
 * newest snapshot (fsynced copies, zk-treed/snapshot.h) plus the log after
 * it, or from zxid 0 while no log segment has been purged. zk-treed calls
 * mdb_env_sync() every second to keep the window short. */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "log.h"
#include "treedb.h"
#include "treekey.h"

#define KEY_MAX TK_KEY_MAX
_Static_assert(TREEDB_KEY_MAX == TK_KEY_MAX, "struct treedb_at holds a node key");
#define CONTAINER_OWNER ((int64_t)INT64_MIN)

static int64_t get64(const uint8_t *p) { int64_t v; memcpy(&v, p, 8); return v; }
static int32_t get32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }
static void put32(uint8_t *p, int32_t v) { memcpy(p, &v, 4); }

/* Stored owners as in Apache with extended types: a container has
 * INT64_MIN; a TTL node 0xff in the top byte, 0 in the next two (the
 * extended kind: TTL) and its ttl (1 ms or more) in the low 40 bits. A
 * session id is the server id in the top byte, then 40 bits of the ms
 * clock at start: one of server 255 has the clock's bits 24-39, non-zero
 * but for 4.7 hours every 35 years, where the TTL mark has 0. So a
 * server 255 keeps its sessions' ephemerals (as in Apache without
 * extended types; with them, conf.c refuses myid 255 as Apache does). */
int64_t tree_owner_ttl(int64_t owner)
{
	if (((uint64_t)owner >> 56) != 0xff || (((uint64_t)owner >> 40) & 0xffff) != 0)
		return 0;
	return (int64_t)((uint64_t)owner & TREE_TTL_MAX);
}

int tree_owner_is_ephemeral(int64_t owner)
{
	return owner != 0 && owner != CONTAINER_OWNER && tree_owner_ttl(owner) == 0;
}

static int lmdb_fail(const char *what, int rc)
{
	warnx("tree: %s: %s", what, mdb_strerror(rc));
	return -1;
}

/* ---- open ------------------------------------------------------------ */

static int put_meta64(struct treedb *t, MDB_txn *txn, const char *k, int64_t v)
{
	MDB_val key = { strlen(k), (void *)k }, val = { 8, &v };
	int rc = mdb_put(txn, t->meta, &key, &val, 0);

	return rc ? lmdb_fail("put meta", rc) : 0;
}

static int64_t get_meta64(struct treedb *t, MDB_txn *txn, const char *k)
{
	MDB_val key = { strlen(k), (void *)k }, val;
	int rc = mdb_get(txn, t->meta, &key, &val);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return lmdb_fail("get meta", rc);
	if (val.mv_size != 8) {
		warnx("tree: meta %s: bad size %zu", k, val.mv_size);
		return -1;
	}
	return get64(val.mv_data);
}

/* The znodes of a fresh server, with Apache's Stat values (all zero;
 * /zookeeper/config gets aversion -1 and READ for everyone). */
static int fresh_tree(struct treedb *t, MDB_txn *txn)
{
	static const uint8_t open_acl[] = {
		0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 5, 'w', 'o', 'r', 'l', 'd',
		0, 0, 0, 6, 'a', 'n', 'y', 'o', 'n', 'e'
	};
	static const uint8_t read_acl[] = {
		0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 5, 'w', 'o', 'r', 'l', 'd',
		0, 0, 0, 6, 'a', 'n', 'y', 'o', 'n', 'e'
	};
	static const struct { const char *path; int nchild; int conf; } z[] = {
		{ "/", 1, 0 }, { "/zookeeper", 2, 0 },
		{ "/zookeeper/quota", 0, 0 }, { "/zookeeper/config", 0, 1 },
	};
	struct tree_node n;
	uint32_t id;
	size_t i;
	MDB_val hk = { 7, (void *)"hashkey" }, hv = { sizeof(t->hkey), t->hkey };
	int rc;

	/* the key of node key hashing: fixed for the life of the env */
	if (getrandom(t->hkey, sizeof(t->hkey), 0) != (ssize_t)sizeof(t->hkey)) {
		warn("tree: getrandom");
		return -1;
	}
	rc = mdb_put(txn, t->meta, &hk, &hv, 0);
	if (rc)
		return lmdb_fail("put hashkey", rc);
	if (treedb_acl_intern(t, txn, open_acl, sizeof(open_acl), &id) || id != TREEDB_ACL_OPEN ||
	    treedb_acl_intern(t, txn, read_acl, sizeof(read_acl), &id) || id != TREEDB_ACL_READ) {
		warnx("tree: cannot store the initial ACLs");
		return -1;
	}
	for (i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		memset(&n, 0, sizeof(n));
		n.num_children = z[i].nchild;
		n.acl = z[i].conf ? TREEDB_ACL_READ : TREEDB_ACL_OPEN;
		n.aversion = z[i].conf ? -1 : 0;
		n.data = (const uint8_t *)"";
		n.data_len = 0;
		if (treedb_put(t, txn, z[i].path, strlen(z[i].path), &n))
			return -1;
	}
	if (put_meta64(t, txn, "count", 4) || put_meta64(t, txn, "applied", 0) ||
	    put_meta64(t, txn, "format", TREEDB_FORMAT))
		return -1;
	return 0;
}

static int open_dbs(struct treedb *t, MDB_txn *txn, unsigned flags)
{
	static const char *const names[] = { "nodes", "acls", "aclidx", "sessions", "ephem", "meta" };
	MDB_dbi *dbi[] = { &t->nodes, &t->acls, &t->aclidx, &t->sessions, &t->ephem, &t->meta };
	size_t i;
	int rc;

	for (i = 0; i < 6; i++) {
		rc = mdb_dbi_open(txn, names[i], flags, dbi[i]);
		if (rc)
			return lmdb_fail(names[i], rc);
	}
	return 0;
}

int treedb_open(struct treedb *t, const char *dir, int rw)
{
	MDB_txn *txn = NULL;
	MDB_val key = { 7, (void *)"applied" }, val;
	int rc;

	memset(t, 0, sizeof(*t));
	t->rdonly = !rw;
	rc = mdb_env_create(&t->env);
	if (rc)
		return lmdb_fail("env create", rc);
	if ((rc = mdb_env_set_maxdbs(t->env, 8)) ||
	    (rc = mdb_env_set_mapsize(t->env, TREEDB_MAPSIZE)) ||
	    (rc = mdb_env_set_maxreaders(t->env, 256))) {
		lmdb_fail("env setup", rc);
		goto fail;
	}
	/* MDB_NOSYNC: see the top of this file. MDB_WRITEMAP: commits write
	 * the map instead of calling pwrite per dirty page (a single-put
	 * commit costs about 0.7 us of CPU instead of 6); the file is then
	 * as large as the map, sparse. MDB_NOTLS: a reader may keep a reset
	 * txn and renew it. */
	rc = mdb_env_open(t->env, dir, rw ? MDB_NOSYNC | MDB_WRITEMAP | MDB_NOTLS :
			  MDB_RDONLY | MDB_NOTLS, 0660);
	if (rc) {
		if (rc == ENOENT && !rw) {
			errno = ENOENT;	/* not created yet: caller retries */
			goto fail;
		}
		warnx("tree: open %s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	rc = mdb_txn_begin(t->env, NULL, rw ? 0 : MDB_RDONLY, &txn);
	if (rc) {
		lmdb_fail("begin", rc);
		goto fail;
	}
	if (open_dbs(t, txn, rw ? MDB_CREATE : 0))
		goto fail;
	if (rw) {
		rc = mdb_get(txn, t->meta, &key, &val);
		if (rc == MDB_NOTFOUND) {
			if (fresh_tree(t, txn))
				goto fail;
			info("tree: created a fresh tree in %s", dir);
		} else if (rc) {
			lmdb_fail("get applied", rc);
			goto fail;
		}
	}
	if (rw || mdb_get(txn, t->meta, &key, &val) == 0) {
		int64_t f = get_meta64(t, txn, "format");

		MDB_val hk = { 7, (void *)"hashkey" }, hv;

		if (f != TREEDB_FORMAT) {
			/* zk-treed restores a snapshot, or the log rebuilds it */
			warnx("tree: %s has format %lld, this build reads %d",
			      dir, (long long)f, TREEDB_FORMAT);
			goto fail;
		}
		if (mdb_get(txn, t->meta, &hk, &hv) != 0 || hv.mv_size != sizeof(t->hkey)) {
			warnx("tree: %s: no hash key", dir);
			goto fail;
		}
		memcpy(t->hkey, hv.mv_data, sizeof(t->hkey));
		/* trees made before containers were indexed get them now */
		if (rw && treedb_index_upgrade(t, txn))
			goto fail;
	}
	rc = mdb_txn_commit(txn);	/* keeps the dbi handles */
	txn = NULL;
	if (rc) {
		lmdb_fail("commit", rc);
		goto fail;
	}
	return 0;
fail:
	rc = errno;
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(t->env);
	t->env = NULL;
	errno = rc;
	return -1;
}

void treedb_close(struct treedb *t)
{
	if (t->env) {
		mdb_env_close(t->env);
		t->env = NULL;
	}
	free(t->scratch);
	t->scratch = NULL;
	t->scratch_cap = 0;
}

int treedb_rbegin(struct treedb *t, MDB_txn **txn)
{
	int rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, txn);

	return rc ? lmdb_fail("read begin", rc) : 0;
}

/* ---- nodes ------------------------------------------------------------ */

/* Decodes the record val found for path; 0, ZNONODE or -1. */
static int node_decode(const MDB_val *val, const char *path, size_t len,
		       const char *name, size_t nlen, int hashed, struct tree_node *n)
{
	const uint8_t *vname;
	size_t vlen;

	if (tk_decode(val, n, &vname, &vlen) != 0) {
		warnx("tree: node %.*s: malformed value", (int)(len > 200 ? 200 : len), path);
		return -1;
	}
	/* a hashed name is checked against the one spelled out */
	if (hashed && (vname == NULL || vlen != nlen || memcmp(vname, name, nlen) != 0))
		return ZNONODE;
	return 0;
}

int treedb_get(struct treedb *t, MDB_txn *txn, const char *path, size_t len,
	       struct tree_node *n)
{
	uint8_t kb[KEY_MAX];
	const char *name;
	size_t nlen;
	MDB_val key, val;
	int rc, hashed;

	key.mv_size = tk_node_key(t->hkey, path, len, kb, &name, &nlen, &hashed);
	if (key.mv_size == 0)
		return ZNONODE;
	key.mv_data = kb;
	rc = mdb_get(txn, t->nodes, &key, &val);
	if (rc == MDB_NOTFOUND)
		return ZNONODE;
	if (rc)
		return lmdb_fail("get node", rc);
	return node_decode(&val, path, len, name, nlen, hashed, n);
}

int treedb_find(struct treedb *t, MDB_txn *txn, const char *path, size_t len,
		struct tree_node *n, struct treedb_at *at)
{
	MDB_val key;
	int rc;

	at->c = NULL;
	key.mv_size = tk_node_key(t->hkey, path, len, at->kb, &at->name, &at->nlen,
				  &at->hashed);
	at->klen = key.mv_size;
	if (key.mv_size == 0)
		return ZNONODE;
	key.mv_data = at->kb;
	rc = mdb_cursor_open(txn, t->nodes, &at->c);
	if (rc) {
		at->c = NULL;
		return lmdb_fail("node cursor", rc);
	}
	rc = mdb_cursor_get(at->c, &key, &at->old, MDB_SET_KEY);
	if (rc == MDB_NOTFOUND)
		return ZNONODE;
	if (rc)
		return lmdb_fail("find node", rc);
	return node_decode(&at->old, path, len, at->name, at->nlen, at->hashed, n);
}

void treedb_at_close(struct treedb_at *at)
{
	if (at->c)
		mdb_cursor_close(at->c);
	at->c = NULL;
}

void tree_node_stat(const struct tree_node *n, struct jute_stat *s)
{
	s->czxid = n->czxid;
	s->mzxid = n->mzxid;
	s->ctime = n->ctime;
	s->mtime = n->mtime;
	s->version = n->version;
	/* creates + deletes of children, as Apache exposes it */
	s->cversion = (int32_t)((uint32_t)n->cversion * 2u - (uint32_t)n->num_children);
	s->aversion = n->aversion;
	s->ephemeral_owner = tree_owner_is_ephemeral(n->owner) ? n->owner : 0;
	s->data_length = n->data_len > 0 ? n->data_len : 0;
	s->num_children = n->num_children;
	s->pzxid = n->pzxid;
}

int treedb_acl(struct treedb *t, MDB_txn *txn, uint32_t id, struct jute_acls *out)
{
	MDB_val key = { 4, &id }, val;
	struct jute_rd r;
	int rc = mdb_get(txn, t->acls, &key, &val);

	if (rc)
		return lmdb_fail("get acl", rc);
	jute_rd_init(&r, val.mv_data, val.mv_size, val.mv_size);
	jute_dec_acls(&r, out);
	if (jute_rd_done(&r) != 0) {
		warnx("tree: acl %u: corrupt", id);
		return -1;
	}
	return 0;
}

/* Calls cb(arg, name, len) for each child key of the prefix (12 bytes of
 * H(parent)), in key order (shortlex, see treekey.h); the name follows the
 * key's length bytes, or a hashed name is read from the value. *count
 * counts them. */
static int scan_children(MDB_txn *txn, MDB_dbi dbi, const uint8_t *prefix,
			 treedb_name_cb cb, void *arg, int64_t *count)
{
	MDB_cursor *c;
	MDB_val key = { TK_HLEN, (void *)prefix }, val;
	struct tree_node n;
	const uint8_t *vname;
	size_t vlen;
	int rc, r = 0, kind;

	rc = mdb_cursor_open(txn, dbi, &c);
	if (rc)
		return lmdb_fail("cursor", rc);
	rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
	while (rc == 0) {
		const uint8_t *k = key.mv_data;

		if (key.mv_size < TK_HLEN || memcmp(k, prefix, TK_HLEN) != 0)
			break;
		if (count)
			(*count)++;
		if (cb) {
			kind = tk_key_name(k, key.mv_size, &vname, &vlen);
			if (kind == 1 && (tk_decode(&val, &n, &vname, &vlen) != 0 || vname == NULL)) {
				warnx("tree: a hashed child key without its name");
				r = -1;
				break;
			}
			if (kind < 0) {
				warnx("tree: a malformed child key (%zu bytes)", key.mv_size);
				r = -1;
				break;
			}
			r = cb(arg, (const char *)vname, vlen);
			if (r)
				break;
		}
		rc = mdb_cursor_get(c, &key, &val, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return lmdb_fail("cursor get", rc);
	return r;
}

int treedb_children(struct treedb *t, MDB_txn *txn, const char *path, size_t len,
		    treedb_name_cb cb, void *arg)
{
	uint8_t prefix[TK_HLEN];

	tk_child_prefix(t->hkey, path, len, prefix);
	return scan_children(txn, t->nodes, prefix, cb, arg, NULL);
}

/* Depth-first walk for treedb_descendants: the path being visited grows
 * and shrinks in one buffer; children are counted one range at a time. */
#define WALK_DEPTH_MAX 1000	/* levels below the path (stack bound) */

struct walk {
	struct treedb *t;
	MDB_txn *txn;
	char *path;
	size_t len, cap;
	int64_t n;
	int err;
	int depth;
};

static int walk_level(struct walk *w);

static int walk_child(void *arg, const char *name, size_t nlen)
{
	struct walk *w = arg;
	struct tree_node n;
	size_t keep = w->len;
	int rc;

	w->n++;
	if (w->len + 1 + nlen > w->cap) {
		size_t cap = (w->len + 1 + nlen) * 2;
		char *np = realloc(w->path, cap);

		if (np == NULL) {
			w->err = 1;
			return 1;
		}
		w->path = np;
		w->cap = cap;
	}
	if (!(w->len == 1 && w->path[0] == '/'))
		w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, nlen);
	w->len += nlen;
	rc = treedb_get(w->t, w->txn, w->path, w->len, &n);
	if (rc == 0 && n.num_children > 0) {
		if (++w->depth > WALK_DEPTH_MAX) {
			warnx("tree: descendants: deeper than %d levels", WALK_DEPTH_MAX);
			w->err = 1;
			return 1;
		}
		rc = walk_level(w);
		w->depth--;
	}
	else if (rc == ZNONODE)
		rc = 0;
	w->len = keep;
	if (rc) {
		w->err = 1;
		return 1;
	}
	return 0;
}

static int walk_level(struct walk *w)
{
	return treedb_children(w->t, w->txn, w->path, w->len, walk_child, w) ? -1 : 0;
}

int64_t treedb_descendants(struct treedb *t, MDB_txn *txn, const char *path, size_t len)
{
	struct walk w = { t, txn, NULL, 0, 0, 0, 0, 0 };
	int64_t n;

	if (len == 0 || (len == 1 && path[0] == '/')) {
		n = treedb_count(t, txn);
		return n < 0 ? -1 : n - 1;
	}
	w.cap = len + 256;
	w.path = malloc(w.cap);
	if (w.path == NULL)
		return -1;
	memcpy(w.path, path, len);
	w.len = len;
	/* Recursion depth is the depth below path, capped (-1 beyond). */
	if (walk_level(&w) != 0 || w.err)
		w.n = -1;
	free(w.path);
	return w.n;
}

int64_t treedb_applied(struct treedb *t, MDB_txn *txn)
{
	return get_meta64(t, txn, "applied");
}

int64_t treedb_count(struct treedb *t, MDB_txn *txn)
{
	return get_meta64(t, txn, "count");
}

/* ---- sessions ---------------------------------------------------------- */

int treedb_session_get(struct treedb *t, MDB_txn *txn, int64_t id,
		       int32_t *timeout, uint8_t *passwd)
{
	uint64_t k = htobe64((uint64_t)id);
	MDB_val key = { 8, &k }, val;
	int rc = mdb_get(txn, t->sessions, &key, &val);

	if (rc == MDB_NOTFOUND)
		return ZNONODE;
	if (rc)
		return lmdb_fail("get session", rc);
	if (val.mv_size != 4 + JUTE_PASSWD_LEN) {
		warnx("tree: session %016llx: bad record", (unsigned long long)id);
		return -1;
	}
	if (timeout)
		*timeout = get32(val.mv_data);
	if (passwd)
		memcpy(passwd, (uint8_t *)val.mv_data + 4, JUTE_PASSWD_LEN);
	return 0;
}

int treedb_sessions(struct treedb *t, MDB_txn *txn, treedb_session_cb cb, void *arg)
{
	MDB_cursor *c;
	MDB_val key, val;
	uint64_t k;
	int rc, r = 0;

	rc = mdb_cursor_open(txn, t->sessions, &c);
	if (rc)
		return lmdb_fail("cursor", rc);
	rc = mdb_cursor_get(c, &key, &val, MDB_FIRST);
	while (rc == 0) {
		if (key.mv_size == 8 && val.mv_size == 4 + JUTE_PASSWD_LEN) {
			memcpy(&k, key.mv_data, 8);
			r = cb(arg, (int64_t)be64toh(k), get32(val.mv_data),
			       (const uint8_t *)val.mv_data + 4);
			if (r)
				break;
		}
		rc = mdb_cursor_get(c, &key, &val, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return lmdb_fail("cursor get", rc);
	return r;
}

/* Ephemeral index key: session (big-endian) + H(path); the value is the
 * path itself. */
static size_t ephem_key(struct treedb *t, int64_t session, const char *path, size_t len,
			uint8_t *kb)
{
	uint64_t k = htobe64((uint64_t)session);

	memcpy(kb, &k, 8);
	tk_hash(t->hkey, path, len, kb + 8);
	return 8 + TK_HLEN;
}

int treedb_ephemerals(struct treedb *t, MDB_txn *txn, int64_t session,
		      treedb_name_cb cb, void *arg)
{
	uint64_t k = htobe64((uint64_t)session);
	MDB_cursor *c;
	MDB_val key = { 8, &k }, val;
	int rc, r = 0;

	rc = mdb_cursor_open(txn, t->ephem, &c);
	if (rc)
		return lmdb_fail("cursor", rc);
	rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
	while (rc == 0) {
		if (key.mv_size < 8 || memcmp(key.mv_data, &k, 8) != 0)
			break;
		r = cb(arg, val.mv_data, val.mv_size);
		if (r)
			break;
		rc = mdb_cursor_get(c, &key, &val, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return lmdb_fail("cursor get", rc);
	return r;
}

/* ---- writes ------------------------------------------------------------ */

/* The node value for n in t->scratch (built there because n->data may
 * point into the very page a put rewrites); its length, 0 on failure. */
static size_t build_value(struct treedb *t, const struct tree_node *n,
			  const char *name, size_t nlen, int hashed)
{
	size_t dlen = n->data_len > 0 ? (size_t)n->data_len : 0, hlen;
	size_t need = TK_HDR_MAX + 10 + (hashed ? nlen : 0) + dlen;
	uint8_t *p;

	if (t->scratch_cap < need) {
		size_t cap = need + 4096;
		uint8_t *np = realloc(t->scratch, cap);

		if (np == NULL) {
			warnx("tree: put: out of memory");
			return 0;
		}
		t->scratch = np;
		t->scratch_cap = cap;
	}
	p = t->scratch;
	hlen = tk_encode_hdr(n, hashed ? name : NULL, nlen, p);
	if (dlen)
		memcpy(p + hlen, n->data, dlen);
	return hlen + dlen;
}

int treedb_put(struct treedb *t, MDB_txn *txn, const char *path, size_t len,
	       const struct tree_node *n)
{
	uint8_t kb[KEY_MAX];
	MDB_val key, val;
	size_t nlen;
	const char *name;
	int rc, hashed;

	key.mv_size = tk_node_key(t->hkey, path, len, kb, &name, &nlen, &hashed);
	if (key.mv_size == 0) {
		warnx("tree: put: bad path %.*s", (int)(len > 200 ? 200 : len), path);
		return -1;
	}
	key.mv_data = kb;
	val.mv_size = build_value(t, n, name, nlen, hashed);
	if (val.mv_size == 0)
		return -1;
	val.mv_data = t->scratch;
	rc = mdb_put(txn, t->nodes, &key, &val, 0);
	return rc ? lmdb_fail("put node", rc) : 0;
}

/* Names longer than this go through scratch in treedb_put_at. */
#define AT_NAME_MAX 256

int treedb_put_at(struct treedb *t, struct treedb_at *at, const struct tree_node *n)
{
	const uint8_t *d = n->data;
	uintptr_t old = (uintptr_t)at->old.mv_data, dp = (uintptr_t)d;
	size_t dlen = n->data_len > 0 ? (size_t)n->data_len : 0, hlen;
	uint8_t hdr[TK_HDR_MAX + 10 + AT_NAME_MAX];
	MDB_val key = { at->klen, at->kb }, val;
	int rc;

	/* Data from elsewhere (a setData's new value) is written straight
	 * into the record LMDB reserves: one copy of it fewer. Data still in
	 * the old record goes through scratch, since the put moves or
	 * overwrites that record. */
	if ((dlen && dp + dlen > old && dp < old + at->old.mv_size) ||
	    (at->hashed && at->nlen > AT_NAME_MAX)) {
		val.mv_size = build_value(t, n, at->name, at->nlen, at->hashed);
		if (val.mv_size == 0)
			return -1;
		val.mv_data = t->scratch;
		rc = mdb_cursor_put(at->c, &key, &val, MDB_CURRENT);
		return rc ? lmdb_fail("put node", rc) : 0;
	}
	hlen = tk_encode_hdr(n, at->hashed ? at->name : NULL, at->nlen, hdr);
	val.mv_size = hlen + dlen;
	val.mv_data = NULL;
	rc = mdb_cursor_put(at->c, &key, &val, MDB_CURRENT | MDB_RESERVE);
	if (rc)
		return lmdb_fail("put node", rc);
	memcpy(val.mv_data, hdr, hlen);
	if (dlen)
		memcpy((uint8_t *)val.mv_data + hlen, d, dlen);
	return 0;
}

int treedb_del(struct treedb *t, MDB_txn *txn, const char *path, size_t len)
{
	uint8_t kb[KEY_MAX];
	const char *name;
	size_t nlen;
	MDB_val key;
	int rc, hashed;

	key.mv_size = tk_node_key(t->hkey, path, len, kb, &name, &nlen, &hashed);
	if (key.mv_size == 0)
		return -1;
	key.mv_data = kb;
	rc = mdb_del(txn, t->nodes, &key, NULL);
	return rc ? lmdb_fail("del node", rc) : 0;
}

int treedb_acl_intern(struct treedb *t, MDB_txn *txn, const uint8_t *acl,
		      size_t len, uint32_t *id)
{
	MDB_val key = { len, (void *)acl }, val, ik;
	int64_t next;
	uint32_t nid;
	int rc, dedup = len > 0 && len <= KEY_MAX;

	if (dedup) {
		rc = mdb_get(txn, t->aclidx, &key, &val);
		if (rc == 0 && val.mv_size == 4) {
			memcpy(id, val.mv_data, 4);
			return 0;
		}
		if (rc && rc != MDB_NOTFOUND)
			return lmdb_fail("get aclidx", rc);
	}
	next = get_meta64(t, txn, "aclnext");
	if (next < 0)
		return -1;
	if (next == 0)
		next = 1;
	if (next > UINT32_MAX) {
		warnx("tree: out of ACL ids");
		return -1;
	}
	nid = (uint32_t)next;
	ik.mv_size = 4;
	ik.mv_data = &nid;
	val.mv_size = len;
	val.mv_data = (void *)acl;
	rc = mdb_put(txn, t->acls, &ik, &val, 0);
	if (rc)
		return lmdb_fail("put acl", rc);
	if (dedup) {
		val.mv_size = 4;
		val.mv_data = &nid;
		rc = mdb_put(txn, t->aclidx, &key, &val, 0);
		if (rc)
			return lmdb_fail("put aclidx", rc);
	}
	if (put_meta64(t, txn, "aclnext", next + 1))
		return -1;
	*id = nid;
	return 0;
}

int treedb_session_put(struct treedb *t, MDB_txn *txn, int64_t id,
		       int32_t timeout, const uint8_t *passwd)
{
	uint64_t k = htobe64((uint64_t)id);
	uint8_t v[4 + JUTE_PASSWD_LEN];
	MDB_val key = { 8, &k }, val = { sizeof(v), v };
	int rc;

	put32(v, timeout);
	memcpy(v + 4, passwd, JUTE_PASSWD_LEN);
	rc = mdb_put(txn, t->sessions, &key, &val, 0);
	return rc ? lmdb_fail("put session", rc) : 0;
}

int treedb_session_del(struct treedb *t, MDB_txn *txn, int64_t id)
{
	uint64_t k = htobe64((uint64_t)id);
	MDB_val key = { 8, &k };
	int rc = mdb_del(txn, t->sessions, &key, NULL);

	if (rc == MDB_NOTFOUND)
		return 0;
	return rc ? lmdb_fail("del session", rc) : 0;
}

int treedb_ephem_put(struct treedb *t, MDB_txn *txn, int64_t session,
		     const char *path, size_t len)
{
	uint8_t kb[8 + TK_HLEN];
	MDB_val key = { ephem_key(t, session, path, len, kb), kb };
	MDB_val val = { len, (void *)path };
	int rc = mdb_put(txn, t->ephem, &key, &val, 0);

	return rc ? lmdb_fail("put ephem", rc) : 0;
}

int treedb_ephem_del(struct treedb *t, MDB_txn *txn, int64_t session,
		     const char *path, size_t len)
{
	uint8_t kb[8 + TK_HLEN];
	MDB_val key = { ephem_key(t, session, path, len, kb), kb };
	int rc = mdb_del(txn, t->ephem, &key, NULL);

	if (rc == MDB_NOTFOUND)
		return 0;
	return rc ? lmdb_fail("del ephem", rc) : 0;
}

int treedb_set_applied(struct treedb *t, MDB_txn *txn, int64_t zxid)
{
	return put_meta64(t, txn, "applied", zxid);
}

int treedb_add_count(struct treedb *t, MDB_txn *txn, int64_t delta)
{
	int64_t n = get_meta64(t, txn, "count");

	if (n < 0)
		return -1;
	return put_meta64(t, txn, "count", n + delta);
}
