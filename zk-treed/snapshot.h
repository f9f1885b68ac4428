/* snapshot.h: zk-treed's snapshots of the tree env, their retention and
 * the restore of an unusable env.
 *
 * <tree dir>/snapshots/snap.<zxid, 16 hex> is a compact copy of the env
 * (mdb_env_copyfd2 with MDB_CP_COMPACT, which reads through its own LMDB
 * read txn, so the apply loop goes on meanwhile) holding every txn up to
 * that zxid, the tree's applied zxid in the copy. A snapshot is written
 * as snap.tmp by one background thread, fsynced, its zxid read back from
 * the copy (which also checks it opens as a tree), renamed into place and
 * the dir fsynced: a snap.<zxid> file is always whole. One at a time.
 *
 * Retention: snapshots accumulate until a purge keeps the newest N
 * (autopurge.snapRetainCount, at least 3); the txn log then needs only
 * the records after the oldest kept one (zk-zabd/txnlog.h).
 *
 * Restore: when the env cannot be used, the newest snapshot that opens is
 * copied to <tree dir>/data.mdb.restore, fsynced and renamed over
 * data.mdb (an unusable data.mdb is kept as data.mdb.bad); lock.mdb is
 * removed so that LMDB rebuilds its reader table from the new file instead
 * of the old file's txn id. Readers still mapping the old file see that it
 * was replaced (treedb_replaced) and restart. */
#ifndef ZK_SNAPSHOT_H
#define ZK_SNAPSHOT_H
#include <lmdb.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP_DIR	"snapshots"
#define SNAP_TMP	"snap.tmp"
#define SNAP_LIST_MAX	1024	/* snapshots looked at; more is an operator's mess */

/* ---- pure ---- */

/* "snap.<zxid, 16 lower-case hex>" into buf. */
void snap_name(char *buf, size_t len, int64_t zxid);
/* 0 with *zxid if name is exactly a snapshot's name, else -1. */
int snap_parse_name(const char *name, int64_t *zxid);
/* How many of n snapshots (oldest first) a purge deletes to keep retain. */
size_t snap_excess(size_t n, int retain);

/* ---- the snapshot dir ---- */

struct snap_list {
	int64_t zxid[SNAP_LIST_MAX];	/* ascending */
	size_t n;
	int truncated;			/* more files than SNAP_LIST_MAX */
};

/* Lists the snapshots in dirfd, oldest first. 0 or -1 (logged). */
int snap_list(int dirfd, struct snap_list *l);
/* Deletes the oldest snapshots beyond `retain`, then fsyncs the dir.
 * Returns how many went, or -1 (logged). l is updated. */
int snap_purge(int dirfd, struct snap_list *l, int retain);

/* Takes one snapshot of env into dirfd now (the thread's work): 0 with
 * *zxid, or -1 (logged; snap.tmp removed). */
int snap_take(MDB_env *env, int dirfd, const char *dir, int64_t *zxid);

/* Restores snapshot zxid from snapdir into env dir envdir (see above). The
 * env must not be open in this process. 0 or -1 (logged). */
int snap_restore(const char *snapdir, const char *envdir, int64_t zxid);

/* ---- the background thread ---- */

struct snapper {
	MDB_env *env;
	int dirfd;
	char dir[4200];
	int efd;		/* eventfd: readable when a snapshot is done */
	int running;
	pthread_t thr;
	int rc;			/* the thread's result */
	int64_t zxid;
	int64_t t0_ms;
};

/* Opens (creating) the snapshot dir under envdir and removes a stale
 * snap.tmp. 0 or -1 (logged). */
int snapper_init(struct snapper *s, MDB_env *env, const char *envdir);
/* 1 started, 0 one is running already, -1 could not start (logged). */
int snapper_start(struct snapper *s);
/* When efd is readable: joins the thread. 1 with *zxid (a new snapshot),
 * -1 it failed (logged), 0 not done yet or nothing was running. */
int snapper_done(struct snapper *s, int64_t *zxid);

#endif
