/* zabd.h: state of zk-zabd shared by its files.
 *
 * The write pipeline of a leader (standalone is an ensemble of one):
 *   inbox: every waiting GW_WRITE is prepped (zxid assigned, txn built,
 *          error txns included) and staged in the txn log;
 *   sync:  one write + one fdatasync for all of them (group commit), by
 *          a thread for big batches so the next batch is prepped meanwhile;
 *   commit: the commit pump reads the synced log after `sent` and sends
 *          ZAB_COMMIT{zxid, prev, origin, corr, txn} to zk-treed in zxid
 *          order, a bounded number per loop turn.
 * Live commits and replay are the same pump: TREE_HELLO{zxid} (zk-treed
 * started or saw a gap) only moves `sent` back to the tree's zxid.
 *
 * A log record's payload is a 12-byte prefix, i32 origin then u64 corr
 * (big-endian), then the txn (common/txn.h). The prefix lets a replayed
 * commit still answer its request when the gateway is the same process. */
#ifndef ZK_ZABD_H
#define ZK_ZABD_H
#include <stdint.h>
#include "daemon.h"
#include "jute.h"
#include "prep.h"
#include "reaper.h"
#include "treedb.h"
#include "trim.h"
#include "txnlog.h"

#define ZAB_PREFIX		12
#define ZAB_TAKE_MAX		4096	/* inbox messages per loop turn */
#define ZAB_PUMP_MAX		4096	/* commits sent per loop turn */
#define ZAB_TREED_QUEUE_MAX	8192	/* stop pumping while this many wait */
#define ZAB_INLINE_RECS		8	/* smaller batches are synced in line */
#define ZAB_OVERLAY_FEED_MAX	65536	/* logged txns past the tree fed to prep */

struct zabd {
	struct daemon *d;
	struct txnlog log;
	int sync_fd;			/* the log's sync thread is done: readable */
	char logdir[4096];
	char treedir[4096];

	struct treedb tree;
	int tree_open;
	int tree_seen;			/* its applied zxid was read once */
	int feed_warned;
	struct prep *prep;		/* NULL until the tree env opens */
	struct jute_buf txn;		/* scratch for one prepped txn */

	int leader;
	int64_t epoch;			/* current epoch (persisted) */
	int64_t next_zxid;		/* the next zxid to assign */

	/* commit pump */
	struct txnlog_iter it;
	int it_open;
	int64_t sent;			/* last zxid sent to zk-treed */
	int64_t hello_zxid;		/* zxid of the last TREE_HELLO, -1 none */
	int64_t hello_ms;		/* when it was acted on */

	struct reaper reaper;		/* containers and TTL nodes */
	struct trim trim;		/* when to drop our view of the tree map */
	uint64_t prepared;		/* writes handed to prep since start */

	/* zk-treed's snapshots, from TREE_SNAPSHOT (0: none known) */
	int64_t snap_oldest, snap_newest;
	uint64_t snap_msgs;

	/* counters */
	uint64_t reaped;		/* deleteContainer txns the reaper made */
	uint64_t writes, replies, batches, commits_sent, commit_drops;
	uint64_t hellos, replayed;
	size_t batch_max;
	int64_t sync_us_last;
};

/* pipeline.c */
int zab_start(struct zabd *z);
int zab_open_tree(struct zabd *z);
void zab_tree_timer(void *arg);
void zab_pump_timer(void *arg);
void zab_inbox(void *arg, int fd, uint32_t events);
void zab_sync_cb(void *arg, int fd, uint32_t events);
void zab_pump(struct zabd *z);
void zab_on_hello(struct zabd *z, int64_t zxid);
/* Preps r and stages its txn with this origin and corr in the log prefix:
 * 0, or the code to answer with (nothing staged). */
int zab_submit(struct zabd *z, const struct prep_req *r, int32_t origin, uint64_t corr);
void zab_reaper_timer(void *arg);
/* Refuses (fatal, exit 111) a tree at `applied` that the log cannot
 * replay because a purge deleted records after it. */
void zab_check_gap(struct zabd *z, int64_t applied);

/* purge.c */
void zab_on_snapshot(struct zabd *z, const struct msg *m);
int zab_command(struct daemon *d, const char *cmd, size_t len, char *out, size_t outlen);
void zab_trim_timer(void *arg);

#endif
