/* trim.h: when zk-zabd drops its view of the tree map (treedb_trim).
 *
 * Prep reads the tree's LMDB env, a shared file mapping that zk-treed
 * writes. Under a random-order create load prep touches every leaf page,
 * so without trimming zk-zabd's RSS grows to the size of the tree and the
 * node's summed RSS counts the map twice. A timer every TRIM_TICK_MS asks
 * trim_decide() whether to trim:
 *   - cap: the process's resident file pages grew by more than
 *     TRIM_CAP_KB since the last trim (under load, at most once a tick);
 *   - idle: no write was prepared for TRIM_IDLE_MS and some was since
 *     the last trim (once per idle period).
 * A trim drops page-table references only; pages stay in the page cache
 * and the next touch maps them again (a minor fault). */
#ifndef ZK_TRIM_H
#define ZK_TRIM_H
#include <stdint.h>
#include "treedb.h"

#define TRIM_TICK_MS	250
#define TRIM_IDLE_MS	500
#define TRIM_CAP_KB	(16 << 10)
/* Without /proc/self/statm: prepared txns since the last trim standing in
 * for the pages they touched (a create touches about one new leaf page). */
#define TRIM_CAP_TXNS	(TRIM_CAP_KB / 4)

enum trim_why { TRIM_NO, TRIM_IDLE, TRIM_CAP };

struct trim {
	uint64_t seen;		/* prepared count at the last tick */
	uint64_t at_trim;	/* prepared count at the last trim */
	int64_t active_ms;	/* last tick that saw a newly prepared write */
	long base_kb;		/* resident file KiB right after the last trim */
	uint64_t idle, cap;	/* trims done, by reason */
	uint64_t failed;	/* trims that failed (the first is logged) */
};

void trim_init(struct trim *t, int64_t now_ms);

/* Pure: prepared is the count of writes prepared since start (it only
 * grows), file_kb the process's resident file-backed KiB or -1 if unknown.
 * Notes activity and says whether to trim now and why. */
enum trim_why trim_decide(struct trim *t, uint64_t prepared, int64_t now_ms, long file_kb);

/* After a trim for why: the new baseline (file_kb measured after it, or
 * -1) and the counters. */
void trim_done(struct trim *t, enum trim_why why, uint64_t prepared, long file_kb);

/* Resident file-backed KiB of this process (RssFile + RssShmem, the third
 * field of /proc/self/statm), or -1. */
long trim_file_kb(void);

/* One tick: measure, decide, trim tree if due. 1 trimmed, 0 not due, -1
 * the trim failed (logged once; the next due tick tries again). */
int trim_tick(struct trim *t, struct treedb *tree, uint64_t prepared, int64_t now_ms);

#endif
