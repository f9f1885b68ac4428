/* treedb.h: the data tree, sessions table and last applied zxid in one LMDB
 * environment (<dataDir>/tree). zk-treed is its only writer; zk-gw, zk-zabd
 * and zk-sessiond open it read-only (MDB_RDONLY) and read straight from
 * the map: node data and ACLs returned here point into LMDB pages and stay
 * valid until the read txn ends (no copy).
 *
 * Layout (named databases):
 *   nodes    key = H(parent path) + length of the last component + the
 *            component (common/treekey.h): the children of a path are one
 *            contiguous key range, in shortlex order, and paths
 *            of any length and depth fit LMDB's 511-byte keys. Value: a
 *            compact header (varints; fields equal to their usual value
 *            are left out) then the data bytes.
 *   acls     key = u32 ACL id (native order), value = the ACL list as a
 *            jute vector<ACL> (count + entries), deduplicated through
 *   aclidx   key = the encoded list (when it fits a key), value = u32 id.
 *            ACL lists are never deleted: they are few and shared.
 *   sessions key = session id (8 bytes big-endian), value = i32 timeout
 *            (native) + 16-byte password.
 *   ephem    key = owner (8 bytes big-endian) + H(path), value = the
 *            path: the ephemerals of a session are one key range; the
 *            containers (owner INT64_MIN) and TTL nodes (top byte 0xff)
 *            are indexed the same way, for the leader's reaper.
 *   meta     "applied" -> i64 last applied zxid, "count" -> i64 znodes,
 *            "aclnext" -> u32 next ACL id, "format" -> i64 layout version,
 *            "hashkey" -> the 32-byte key of H, "xindex" -> i64 1 once
 *            containers and TTL nodes are in ephem. */
#ifndef ZK_TREEDB_H
#define ZK_TREEDB_H
#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>
#include "jute.h"

/* Not a limit of the tree (any path fits): a size below which zk-gw
 * builds a synthesized event on its stack. */
#define TREEDB_PATH_MAX		500
#define TREEDB_KEY_MAX		511	/* LMDB's default; = TK_KEY_MAX */
/* Layout version, in the meta db: 1 fixed node header; 2 compact header,
 * path keys; 3 hashed parent keys; 4 a name length before the name
 * (shortlex sibling order). */
#define TREEDB_FORMAT		4
#define TREEDB_MAPSIZE		(8ull << 30)	/* sparse */
#define TREEDB_ACL_OPEN		1u	/* id of [ALL, world:anyone] */
#define TREEDB_ACL_READ		2u	/* id of [READ, world:anyone] */

struct treedb {
	MDB_env *env;
	MDB_dbi nodes, acls, aclidx, sessions, ephem, meta;
	int rdonly;
	uint64_t hkey[4];	/* node key hashing (common/treekey.h) */
	void *map_base;		/* the data.mdb mapping, once treedb_trim found it */
	size_t map_len;
	uint8_t *scratch;	/* writes: a node value being built */
	size_t scratch_cap;
};

/* Opens the environment in directory dir (which must exist). rw: create
 * databases and the fresh tree ("/", "/zookeeper", "/zookeeper/quota",
 * "/zookeeper/config") when empty, and open with MDB_NOSYNC (see
 * treedb.c for why that is safe). Read-only: MDB_RDONLY; fails with ENOENT
 * if the env has not been created yet (retry later). Returns 0 or -1
 * (logged). */
int treedb_open(struct treedb *t, const char *dir, int rw);
void treedb_close(struct treedb *t);

/* The applied zxid of a lone env file (a snapshot: mdb_env_copy output),
 * checking that it is a tree of this build's format. 0 or -1 (logged). */
int treedb_file_applied(const char *path, int64_t *zxid);

/* Readers: 1 if <dir>/data.mdb is gone or is no longer the file this env
 * maps (zk-treed restored a snapshot into place); such an env shows a
 * file nobody writes any more and must be closed and opened again. 0
 * otherwise (also when it cannot tell). One stat(). */
int treedb_replaced(struct treedb *t);

/* Drops this process's page-table references to the map (madvise
 * MADV_DONTNEED on the shared mapping): the pages stay in the page cache,
 * data pointers stay valid and the next touch maps a page again. For
 * readers that touch much of the tree but need little of it resident
 * (zk-zabd's prep under a create load), so that the map's pages count in
 * the RSS of the writer only, once, as PSS counts them. 0 or -1. */
int treedb_trim(struct treedb *t);

/* Read txn: 0 or -1 (logged). End it with mdb_txn_abort(), or keep it for
 * mdb_txn_reset()/mdb_txn_renew() to save allocations on hot paths. */
int treedb_rbegin(struct treedb *t, MDB_txn **txn);

/* ---- nodes ---------------------------------------------------------- */

struct tree_node {
	int64_t czxid, mzxid, pzxid, ctime, mtime;
	int64_t owner;		/* as stored: 0, session id, INT64_MIN (container)
				 * or 0xff00.. | ttl (TTL node) */
	int32_t version, aversion;
	int32_t cversion;	/* raw: children ever created (sequence counter) */
	int32_t num_children;
	uint32_t acl;		/* ACL id */
	const uint8_t *data;	/* into the map; NULL when data_len is -1 */
	int32_t data_len;	/* -1 = null data */
};

#define TREE_OWNER_CONTAINER	INT64_MIN
#define TREE_OWNER_TTL		((int64_t)0xff00000000000000ULL)
#define TREE_TTL_MAX		0xffffffffffLL	/* ms, the low 40 bits */

/* 1 if owner marks a session ephemeral (not persistent, container, TTL). */
int tree_owner_is_ephemeral(int64_t owner);
/* The ttl (ms) of a TTL node's owner, 0 if owner is not a TTL mark. */
int64_t tree_owner_ttl(int64_t owner);
/* 1 if the node with this owner is in the ephem index (ephemerals,
 * containers, TTL nodes). */
static inline int tree_owner_indexed(int64_t owner) { return owner != 0; }

/* Looks up path (len bytes, not NUL-terminated needed). 0 found, ZNONODE
 * if absent (also for a malformed path; "" is "/"), -1 on an LMDB error
 * (logged). */
int treedb_get(struct treedb *t, MDB_txn *txn, const char *path, size_t len,
	       struct tree_node *n);

/* The Stat clients see: exposed cversion = 2 * raw - numChildren,
 * ephemeralOwner 0 for containers and TTL nodes. */
void tree_node_stat(const struct tree_node *n, struct jute_stat *s);

/* The ACL list with this id, as a decoded jute vector (raw span into the
 * map). 0, or -1 if missing/corrupt (logged). */
int treedb_acl(struct treedb *t, MDB_txn *txn, uint32_t id, struct jute_acls *out);

/* Calls cb(arg, name, len) for each child name of path, shortlex (by
 * length, then bytewise; hashed names over 480 bytes last, in no useful
 * order). Apache promises no order either, so callers must not rely on it.
 * cb returns 0 to go on, non-zero to stop (that value is returned).
 * Returns 0 at the end, or -1 on an LMDB error. Does not check that path
 * exists. */
typedef int (*treedb_name_cb)(void *arg, const char *name, size_t len);
int treedb_children(struct treedb *t, MDB_txn *txn, const char *path, size_t len,
		    treedb_name_cb cb, void *arg);

/* Calls cb(arg, owner, path, len) for every container and TTL node (the
 * index ranges of their owner marks), containers first. Same return rules
 * as treedb_children. */
typedef int (*treedb_owner_cb)(void *arg, int64_t owner, const char *path, size_t len);
int treedb_extended(struct treedb *t, MDB_txn *txn, treedb_owner_cb cb, void *arg);

/* zk-treed (treedb_open, rw): a tree whose meta has no "xindex" (made
 * before containers were indexed) gets its containers added to the index
 * by one walk of the whole tree, then "xindex" = 1. 0 or -1 (logged). */
int treedb_index_upgrade(struct treedb *t, MDB_txn *txn);

/* Number of descendants of path (the node itself excluded), or -1 (also
 * when the subtree is more than 1000 levels deep). */
int64_t treedb_descendants(struct treedb *t, MDB_txn *txn, const char *path, size_t len);

/* Last applied zxid (0 on a fresh tree) and znode count (without any
 * alias: a fresh tree has 4). -1 on an LMDB error. */
int64_t treedb_applied(struct treedb *t, MDB_txn *txn);
int64_t treedb_count(struct treedb *t, MDB_txn *txn);

/* ---- sessions -------------------------------------------------------- */

/* 0 with timeout and passwd (16 bytes, may be NULL) filled, ZNONODE if the
 * session is not in the table, -1 on an LMDB error. */
int treedb_session_get(struct treedb *t, MDB_txn *txn, int64_t id,
		       int32_t *timeout, uint8_t *passwd);
/* Calls cb(arg, id, timeout, passwd) for every session. Same return rules
 * as treedb_children. */
typedef int (*treedb_session_cb)(void *arg, int64_t id, int32_t timeout,
				 const uint8_t *passwd);
int treedb_sessions(struct treedb *t, MDB_txn *txn, treedb_session_cb cb, void *arg);
/* Calls cb(arg, path, len) for each ephemeral of session (no useful order). */
int treedb_ephemerals(struct treedb *t, MDB_txn *txn, int64_t session,
		      treedb_name_cb cb, void *arg);

/* ---- writes (zk-treed only) -------------------------------------------
 * All take a write txn from mdb_txn_begin(t->env, NULL, 0, &txn) and return
 * 0 or -1 (logged; the caller aborts the txn). */

/* Stores node n at path (data from n->data/n->data_len), overwriting. */
int treedb_put(struct treedb *t, MDB_txn *txn, const char *path, size_t len,
	       const struct tree_node *n);
int treedb_del(struct treedb *t, MDB_txn *txn, const char *path, size_t len);

/* A node looked up for a rewrite: the cursor stays on its record, so the
 * rewrite (treedb_put_at) walks the B-tree once instead of twice. */
struct treedb_at {
	MDB_cursor *c;
	const char *name;	/* a hashed key's name, into the path given */
	size_t nlen;
	int hashed;
	MDB_val old;		/* the record found (into the map) */
	size_t klen;
	uint8_t kb[TREEDB_KEY_MAX]; /* its key (a put may move the map's copy) */
};
/* treedb_get for a write txn, leaving at on the node: 0 found, ZNONODE,
 * -1 (logged). Call treedb_at_close after either, whatever the result. */
int treedb_find(struct treedb *t, MDB_txn *txn, const char *path, size_t len,
		struct tree_node *n, struct treedb_at *at);
/* Overwrites the node treedb_find found with n (same rules as
 * treedb_put); n->data may still point into the old record. */
int treedb_put_at(struct treedb *t, struct treedb_at *at, const struct tree_node *n);
void treedb_at_close(struct treedb_at *at);
/* Id of an encoded vector<ACL> (count + entries), adding it if new. */
int treedb_acl_intern(struct treedb *t, MDB_txn *txn, const uint8_t *acl,
		      size_t len, uint32_t *id);
int treedb_session_put(struct treedb *t, MDB_txn *txn, int64_t id,
		       int32_t timeout, const uint8_t *passwd);
int treedb_session_del(struct treedb *t, MDB_txn *txn, int64_t id);
int treedb_ephem_put(struct treedb *t, MDB_txn *txn, int64_t session,
		     const char *path, size_t len);
int treedb_ephem_del(struct treedb *t, MDB_txn *txn, int64_t session,
		     const char *path, size_t len);
int treedb_set_applied(struct treedb *t, MDB_txn *txn, int64_t zxid);
int treedb_add_count(struct treedb *t, MDB_txn *txn, int64_t delta);

#endif
