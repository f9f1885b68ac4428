/* reaper.h: the leader's container and TTL reaper (Apache's
 * ContainerManager). Every znode.container.checkIntervalMs the leader
 * lists candidates and submits a deleteContainer write for each through
 * the normal prep path, so a deletion races correctly with client writes:
 * prep checks the node again against the tree plus the txns in flight.
 *
 * Candidates come from the tree's index of containers and TTL nodes
 * (treedb_extended, kept by zk-treed), so a pass costs one index range
 * walk plus one node lookup per container or TTL node, never a tree scan.
 * A pass looks at no more than REAPER_SCAN_MAX index entries and picks
 * no more than the rate budget allows: maxPerMinute a minute, taken
 * evenly (a pass of checkIntervalMs gets that share of the minute, at
 * least one). Pure except for the clock the caller passes in. */
#ifndef ZK_REAPER_H
#define ZK_REAPER_H
#include <stddef.h>
#include <stdint.h>
#include "prep.h"
#include "treedb.h"

#define REAPER_SCAN_MAX		100000	/* index entries looked at per pass */
#define REAPER_PICK_MAX		10000	/* candidates per pass, whatever the rate */

struct reaper {
	int check_ms;			/* znode.container.checkIntervalMs */
	int max_per_min;		/* znode.container.maxPerMinute */
	int64_t never_used_ms;		/* znode.container.maxNeverUsedIntervalMs */
	double budget;			/* deletions allowed now */
	int64_t last_ms;		/* monotonic time of the last refill, 0 = none */
	/* the picked paths of one pass, NUL-separated */
	char *paths;
	size_t len, cap;
	int npicked;
	/* counters for status */
	uint64_t passes, picked, scanned;
};

/* 1 if a node is to be deleted now (wall clock now_ms), by Apache's rules:
 * no children; a container once had a child (raw create counter > 0), or
 * never did and never_used_ms > 0 and it is older than that (by mtime); a
 * TTL node's mtime is more than its ttl ago. 0 for any other node. */
int reaper_is_candidate(const struct tree_node *n, int64_t now_ms, int64_t never_used_ms);

int reaper_init(struct reaper *r, int check_ms, int max_per_min, int64_t never_used_ms);
void reaper_free(struct reaper *r);

/* One pass: refills the budget for the time since the last pass (mono_ms,
 * monotonic), then picks candidates from the tree (its own read txn),
 * skipping nodes with txns in flight (prep_has_pending; p may be NULL).
 * The picks are r->paths (r->npicked NUL-terminated strings back to
 * back); each costs one unit of budget. Returns the number picked, or -1
 * on an LMDB error (logged). */
int reaper_pass(struct reaper *r, struct treedb *tree, struct prep *p,
		int64_t now_ms, int64_t mono_ms);

#endif
