/* trim.c: the decision to trim zk-zabd's view of the tree map, and the
 * tick that measures, decides and trims (see trim.h).
 *
 * How the map's resident pages are measured: the growth of the process's
 * resident file-backed pages (the "shared" field of /proc/self/statm) over
 * its value right after the last trim. The kernel keeps that count per
 * process, so reading it is one small read, whatever the map's size; the
 * other file pages (libraries) hardly change between ticks, so the growth
 * is the map's pages touched since the trim. mincore() would not do: on a
 * shared file mapping it reports whether a page is in the page cache, not
 * whether this process maps it, so it would count every page zk-treed
 * keeps cached. A count of prepared txns is only a guess (a set touches
 * no new page, a random-order create about one); it stands in only when
 * statm cannot be read. */
#include <stdio.h>
#include <unistd.h>
#include "log.h"
#include "trim.h"

void trim_init(struct trim *t, int64_t now_ms)
{
	*t = (struct trim){ .active_ms = now_ms, .base_kb = -1 };
}

enum trim_why trim_decide(struct trim *t, uint64_t prepared, int64_t now_ms, long file_kb)
{
	if (prepared != t->seen) {
		t->seen = prepared;
		t->active_ms = now_ms;
	}
	if (file_kb >= 0 && t->base_kb >= 0) {
		if (file_kb - t->base_kb > TRIM_CAP_KB)
			return TRIM_CAP;
	} else if (prepared - t->at_trim > TRIM_CAP_TXNS) {
		return TRIM_CAP;
	}
	/* Idle: once per idle period, and only if writes touched the map
	 * since the last trim (an idle node is not trimmed every tick). */
	if (prepared != t->at_trim && now_ms - t->active_ms >= TRIM_IDLE_MS)
		return TRIM_IDLE;
	return TRIM_NO;
}

void trim_done(struct trim *t, enum trim_why why, uint64_t prepared, long file_kb)
{
	t->at_trim = prepared;
	t->base_kb = file_kb;
	if (why == TRIM_IDLE)
		t->idle++;
	else if (why == TRIM_CAP)
		t->cap++;
}

long trim_file_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size, resident, shared = -1;
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld %ld", &size, &resident, &shared) != 3)
		shared = -1;
	if (fclose(f) != 0)
		shared = -1;
	return shared < 0 || page_kb <= 0 ? -1 : shared * page_kb;
}

int trim_tick(struct trim *t, struct treedb *tree, uint64_t prepared, int64_t now_ms)
{
	long kb = trim_file_kb();
	enum trim_why why;

	/* No baseline yet (first tick, or statm failed after a trim): growth
	 * counts from now. */
	if (t->base_kb < 0)
		t->base_kb = kb;
	why = trim_decide(t, prepared, now_ms, kb);
	if (why == TRIM_NO)
		return 0;
	if (treedb_trim(tree) != 0) {
		if (!t->failed++)
			warnx("tree: cannot trim the map view (said once)");
		/* A new baseline, so a failing trim is retried only after
		 * more growth, not on every tick. */
		trim_done(t, TRIM_NO, prepared, kb);
		return -1;
	}
	trim_done(t, why, prepared, trim_file_kb());
	return 1;
}
