/* treed.h: zk-treed's state, shared by main.c (the apply loop) and
 * snapmgr.c (when to snapshot and purge, restore at start). */
#ifndef ZK_TREED_H
#define ZK_TREED_H
#include <stdint.h>
#include "daemon.h"
#include "jute.h"
#include "snapshot.h"
#include "treedb.h"

#define TREED_BATCH_MAX		1024	/* commits per LMDB write txn */
#define TREED_SYNC_MS		1000	/* mdb_env_sync period when dirty */
#define TREED_HELLO_MS		500	/* resend TREE_HELLO while a gap lasts */
#define TREED_SNAPINFO_MS	5000	/* resend TREE_SNAPSHOT (a restarted zk-zabd) */

struct done {
	void *frame;		/* the ZAB_COMMIT frame (txn bytes live there) */
	struct msg msg;
	int32_t err;
	int session_txn;
	size_t body_off, body_len;
};

struct treed {
	struct daemon *d;
	char dir[4096];
	struct treedb tree;
	int64_t applied;
	int gap;			/* a gap was seen and not yet filled */
	int dirty;			/* commits since the last env sync */
	struct done batch[TREED_BATCH_MAX];
	struct jute_buf bodies;
	uint64_t txns, batches, dups, gaps, hellos, syncs, bad;
	uint64_t drops, drops_told;	/* TREE_APPLIED that could not leave */
	int64_t told_ms;

	/* snapshots */
	struct snapper snap;
	struct snap_list snaps;
	uint64_t since_snap;		/* txns applied since the last snapshot began */
	uint64_t since_bytes;		/* their encoded bytes (about the log's growth) */
	uint64_t snap_bytes;		/* size of the newest snapshot (0: none) */
	uint64_t snaps_taken, snap_failures, snaps_purged, purges;
	int64_t snap_last_zxid, snap_last_ms, restored_zxid;
	int64_t purged_ms;		/* last autopurge, -1 never */
};

/* snapmgr.c */
/* Opens the env (restoring a snapshot if it is missing or unusable). */
void treed_tree_open(struct treed *t, const char *snapdir);
/* Txns applied since the newest snapshot. */
uint64_t treed_since_newest(const struct treed *t);
/* Size of the newest snapshot file, 0 if none (or it cannot be read). */
uint64_t treed_newest_bytes(const struct treed *t);
/* Starts a snapshot when snapCount txns were applied since the last. */
void treed_snap_maybe(struct treed *t);
/* TREE_SNAPSHOT to zk-zabd; purge = 1 after a purge of snapshots. */
void treed_snap_tell(struct treed *t, int purge);
/* The snapshot thread's eventfd is readable. */
void treed_snap_done(void *arg, int fd, uint32_t events);
/* Every TREED_SNAPINFO_MS: autopurge when due, else TREE_SNAPSHOT. */
void treed_snapinfo_timer(void *arg);
/* zk-ctl commands: snapshot, purge. */
int treed_command(struct daemon *d, const char *cmd, size_t len, char *out, size_t outlen);

#endif
