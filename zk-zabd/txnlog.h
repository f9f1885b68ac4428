/* txnlog.h: the txn log, the durable record of every txn of this node.
 *
 * <dir>/log.<first zxid, 16 hex digits> are append-only segment files.
 * Each record is a 16-byte header then the payload:
 *   u32 payload length | u32 CRC-32C of (length, zxid, payload) | i64 zxid
 * all big-endian. zxids strictly increase through the whole log.
 *
 * Group commit: txnlog_append() only stages a record in memory;
 * txnlog_sync() writes every staged record with one write and makes them
 * durable with one fdatasync. A record counts as logged (and may be
 * acknowledged) only after txnlog_sync() returned 0.
 *
 * Segments are preallocated with zeros so that the fdatasync of a batch
 * rarely has file size metadata to write. On open, every segment is
 * scanned; the log ends at the first all-zero header, and a record with a
 * bad length, a bad CRC or a zxid that does not increase (a torn or
 * corrupt write) ends it too: the segment is truncated there and any later
 * segment is set aside as <name>.bad, so a damaged record is never read.
 *
 * Retention: zk-treed's LMDB env is not synced per txn (MDB_NOSYNC, see
 * common/treedb.c): it may lag the log, and a crash of the machine may
 * even damage it. The log replays what it lacks. zk-treed snapshots its
 * env every snapCount txns (zk-treed/snapshot.h) and restores the newest
 * snapshot when the env is unusable, so the log needs only the records
 * after the oldest retained snapshot. A purge (txnlog_purge, run when
 * zk-treed says it purged its snapshots) deletes the oldest segments that
 * hold only records below that snapshot's zxid; never the last segment,
 * never one with a record at or above it. Until the first purge every
 * segment is kept and a removed env is rebuilt from zxid 0.
 *
 * The purge mark <dir>/purged ("<zxid, 16 hex>\n", replaced atomically
 * before any segment goes) is the last record a purge deleted: a tree
 * whose zxid is below it cannot be replayed (txnlog_gap()).
 *
 * Page cache: a log record is read back once (the commit pump, a replay)
 * and then never again, so the log drops its own pages from the page
 * cache (posix_fadvise DONTNEED) in steps of TXNLOG_DROP_STEP: behind
 * every reader, and after a sync behind the write point, keeping the last
 * step for the commit pump. Otherwise the cache of a log that is never
 * purged grows with every write, and the kernel pays for it in reclaim.
 *
 * The epoch file <dir>/epoch holds "currentEpoch acceptedEpoch", replaced
 * atomically (write, fsync, rename, fsync dir). */
#ifndef ZK_TXNLOG_H
#define ZK_TXNLOG_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TXNLOG_HDR		16
#define TXNLOG_REC_MAX		(17u << 20)	/* payload cap: a txn plus a prefix */
#define TXNLOG_SEG_MAX		(64u << 20)	/* start a new segment past this */
#define TXNLOG_PREALLOC		(4u << 20)	/* zero-fill ahead in this step */
#define TXNLOG_BATCH_MAX	(64u << 20)	/* staged bytes before a forced sync */
#define TXNLOG_SEGS_MAX		65536
#define TXNLOG_DROP_STEP	(4u << 20)	/* page cache dropped in this step */

struct txnlog_seg {
	int64_t first;		/* zxid in the name (first record, if any) */
	off_t end;		/* end of the valid records */
	int64_t last;		/* zxid of the last valid record, 0 if none */
};

struct txnlog {
	char dir[4096];
	int dirfd;
	int fd;			/* last segment, -1 until the first sync */
	off_t alloc_end;	/* file size: valid data then zeros */
	struct txnlog_seg *segs;
	size_t nsegs, segcap;
	int64_t last_zxid;	/* last durable record, 0 if none */
	int64_t staged_last;	/* last staged record, or last_zxid */
	uint8_t *batch;		/* staged records, encoded */
	size_t batch_len, batch_cap, batch_recs;
	size_t seg_max;		/* TXNLOG_SEG_MAX; tests make it small */

	/* counters for status */
	uint64_t records;	/* synced records since open */
	uint64_t syncs;		/* fdatasync calls for batches */
	uint64_t bytes;		/* synced bytes since open */
	uint64_t sync_us_total;	/* time in write+fdatasync */
	uint64_t sync_us_max;
	uint64_t async_syncs;	/* of which done by the sync thread */
	uint64_t found_records;	/* valid records found by the open scan */
	uint64_t dropped_bytes;	/* bad tail bytes cut by the open scan */
	int bad_tail;		/* the open scan found a torn/corrupt record */
	int64_t purged;		/* the purge mark: last deleted zxid, 0 if none */
	uint64_t purges;	/* txnlog_purge calls that deleted something */
	uint64_t segs_purged;	/* segments deleted since open */
	uint64_t drops;		/* page cache drops (posix_fadvise calls) */
	int drop_warned;	/* a failed one was logged (once) */

	/* Background sync: one batch at a time is written and synced by a
	 * thread while the caller stages the next one. The thread touches
	 * only fd, alloc_end and the w* fields, and only while busy. */
	int efd;		/* eventfd, readable when a batch is done */
	int busy;		/* a batch is with the thread */
	int thr_started, work, stop, werr;
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *wbuf;		/* the batch being written */
	size_t wlen, wcap, wrecs;
	off_t woff;
	int64_t wlast, wt0;
	off_t wdropped;		/* page cache before this was dropped */
	uint64_t wdrops;	/* drops by write_batch, not yet in drops */
	int wdrop_warned;
};

/* Opens (creating dir's files as needed) and scans the log in dir, cutting
 * a bad tail. Returns 0, or -1 with a reason in err. */
int txnlog_open(struct txnlog *l, const char *dir, char *err, size_t errlen);
void txnlog_close(struct txnlog *l);

/* Stages a record whose payload is a then b (b may be NULL). zxid must be
 * greater than every earlier one. Returns 0, or -1 (bad zxid, too big, no
 * memory) and nothing is staged. */
int txnlog_append(struct txnlog *l, int64_t zxid, const void *a, size_t alen,
		  const void *b, size_t blen);
/* Bytes staged and not yet synced. */
static inline size_t txnlog_staged(const struct txnlog *l) { return l->batch_len; }

/* Writes and fdatasyncs everything staged. Returns 0, or -1 (logged): the
 * log can no longer be trusted and the caller must exit and reopen it. */
int txnlog_sync(struct txnlog *l);

/* Background sync, for a caller with an event loop:
 * txnlog_async_init() starts the sync thread and returns an fd that is
 * readable when a batch is done (-1 on failure, logged).
 * txnlog_sync_start() hands everything staged to the thread and returns at
 * once: 1 started, 0 nothing staged or a batch is already with the thread.
 * txnlog_sync_done(), when the fd is readable: 1 the batch is durable (its
 * records count as logged from now), 0 not done yet, -1 it failed (the log
 * can no longer be trusted: exit and reopen). txnlog_sync() and
 * txnlog_close() wait for a batch the thread holds. */
int txnlog_async_init(struct txnlog *l);
int txnlog_sync_start(struct txnlog *l);
int txnlog_sync_done(struct txnlog *l);
static inline int txnlog_busy(const struct txnlog *l) { return l->busy; }

/* "log.<first, 16 hex>" into buf. */
void txnlog_seg_name(char *buf, size_t len, int64_t first);

/* --- purge (txnlog_purge.c) ---
 * txnlog_purgeable(): how many segments, from the oldest, hold only records
 * below snap_zxid (the oldest retained snapshot's zxid): 0 when snap_zxid
 * <= 0 (no snapshot); never the last segment (the one being written); the
 * segment holding snap_zxid or anything above it stays. Pure. */
size_t txnlog_purgeable(const struct txnlog_seg *segs, size_t nsegs, int64_t snap_zxid);
/* Deletes those segments: the purge mark first (durable), then the files
 * oldest first, then fsync of the dir. Safe while the sync thread holds
 * a batch (it writes the last segment only). Open iterators index the
 * segment list: restart them. Returns the number deleted, or -1 (logged;
 * what was deleted so far is gone and accounted, the log stays
 * consistent). */
int txnlog_purge(struct txnlog *l, int64_t snap_zxid);
/* Reads the purge mark into l->purged (0 when absent). 0 or -1 (logged). */
int txnlog_purged_read(struct txnlog *l);
/* 1 if a tree at zxid `applied` cannot be replayed: a purge deleted a
 * record after it. */
static inline int txnlog_gap(const struct txnlog *l, int64_t applied)
{
	return applied < l->purged;
}

/* Epoch file: 0 with both values (0 0 when absent), or -1 (logged). */
int txnlog_epoch_read(struct txnlog *l, int64_t *current, int64_t *accepted);
int txnlog_epoch_write(struct txnlog *l, int64_t current, int64_t accepted);

/* Reading synced records in zxid order, for replay. */
struct txnlog_iter {
	struct txnlog *l;
	size_t seg;		/* index in l->segs */
	int fd;			/* open segment, or -1 */
	off_t off;		/* file offset of buf[0] */
	uint8_t *buf;
	size_t len, pos, cap;
	int64_t after;		/* skip records up to this zxid */
	off_t dropped;		/* page cache before this offset was dropped */
};

struct txnlog_rec {
	int64_t zxid;
	const uint8_t *p;	/* payload, valid until the next call */
	size_t len;
};

/* Positions it on the first record with zxid > after. 0 or -1. */
int txnlog_iter_start(struct txnlog *l, struct txnlog_iter *it, int64_t after);
/* 1 with the next durable record, 0 at the end of the synced log (call
 * again later for more), -1 on a read error or a bad record (logged). */
int txnlog_iter_next(struct txnlog_iter *it, struct txnlog_rec *r);
void txnlog_iter_end(struct txnlog_iter *it);

#endif
