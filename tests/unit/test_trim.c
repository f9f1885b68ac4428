/* test_trim.c: when zk-zabd trims its view of the tree map: idle after
 * writes, over the cap under load, the txn-count stand-in without statm,
 * and that statm's file pages measure a shared file mapping. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../zk-zabd/trim.c"
#include "unit.h"

#define BASE_KB 4000L	/* libraries and such, before any map page */

static void quiet_node_never_trims(void)
{
	struct trim t;

	trim_init(&t, 0);
	for (int64_t now = 0; now <= 10000; now += TRIM_TICK_MS)
		CHECK_EQ_INT(trim_decide(&t, 0, now, BASE_KB), TRIM_NO);
}

static void idle_after_writes(void)
{
	struct trim t;
	int64_t now = 1000;

	trim_init(&t, 0);
	t.base_kb = BASE_KB;
	/* writes on this tick: active, no trim */
	CHECK_EQ_INT(trim_decide(&t, 5, now, BASE_KB + 100), TRIM_NO);
	now += TRIM_TICK_MS;
	CHECK_EQ_INT(trim_decide(&t, 5, now, BASE_KB + 100), TRIM_NO);
	now += TRIM_TICK_MS;	/* TRIM_IDLE_MS without a new write */
	CHECK_EQ_INT(trim_decide(&t, 5, now, BASE_KB + 100), TRIM_IDLE);
	trim_done(&t, TRIM_IDLE, 5, BASE_KB);
	CHECK_EQ_INT(t.idle, 1);
	CHECK_EQ_INT(t.cap, 0);
	/* once per idle period */
	for (int i = 0; i < 20; i++) {
		now += TRIM_TICK_MS;
		CHECK_EQ_INT(trim_decide(&t, 5, now, BASE_KB), TRIM_NO);
	}
	/* one more write, then idle again: one more trim */
	now += TRIM_TICK_MS;
	CHECK_EQ_INT(trim_decide(&t, 6, now, BASE_KB + 4), TRIM_NO);
	now += TRIM_IDLE_MS;
	CHECK_EQ_INT(trim_decide(&t, 6, now, BASE_KB + 4), TRIM_IDLE);
}

static void busy_under_cap_waits(void)
{
	struct trim t;
	uint64_t prepared = 0;
	int64_t now = 0;

	trim_init(&t, 0);
	t.base_kb = BASE_KB;
	/* writes every tick, 1 MiB of new pages each: no idle trim, and a
	 * cap trim only once the growth passes 16 MiB */
	for (int i = 1; i <= 16; i++) {
		now += TRIM_TICK_MS;
		prepared += 10000;
		CHECK_EQ_INT(trim_decide(&t, prepared, now, BASE_KB + i * 1024L), TRIM_NO);
	}
	now += TRIM_TICK_MS;
	prepared += 10000;
	CHECK_EQ_INT(trim_decide(&t, prepared, now, BASE_KB + 17 * 1024L), TRIM_CAP);
	trim_done(&t, TRIM_CAP, prepared, BASE_KB + 64);
	CHECK_EQ_INT(t.cap, 1);
	CHECK_EQ_INT(t.idle, 0);
	/* growth counts from the new baseline */
	now += TRIM_TICK_MS;
	prepared += 10000;
	CHECK_EQ_INT(trim_decide(&t, prepared, now, BASE_KB + 64 + TRIM_CAP_KB), TRIM_NO);
	now += TRIM_TICK_MS;
	prepared += 10000;
	CHECK_EQ_INT(trim_decide(&t, prepared, now, BASE_KB + 65 + TRIM_CAP_KB), TRIM_CAP);
}

static void sets_touch_no_new_pages(void)
{
	struct trim t;
	uint64_t prepared = 0;
	int64_t now = 0;

	/* a set load rewrites the same nodes: many txns, flat RSS, no trim
	 * until it stops */
	trim_init(&t, 0);
	t.base_kb = BASE_KB;
	for (int i = 0; i < 100; i++) {
		now += TRIM_TICK_MS;
		prepared += 20000;
		CHECK_EQ_INT(trim_decide(&t, prepared, now, BASE_KB + 2048), TRIM_NO);
	}
	now += TRIM_IDLE_MS;
	CHECK_EQ_INT(trim_decide(&t, prepared, now, BASE_KB + 2048), TRIM_IDLE);
}

static void no_statm_counts_txns(void)
{
	struct trim t;
	int64_t now = 0;

	trim_init(&t, 0);
	CHECK_EQ_INT(trim_decide(&t, TRIM_CAP_TXNS, now += TRIM_TICK_MS, -1), TRIM_NO);
	CHECK_EQ_INT(trim_decide(&t, TRIM_CAP_TXNS + 1, now += TRIM_TICK_MS, -1), TRIM_CAP);
	trim_done(&t, TRIM_CAP, TRIM_CAP_TXNS + 1, -1);
	CHECK_EQ_INT(trim_decide(&t, TRIM_CAP_TXNS + 2, now += TRIM_TICK_MS, -1), TRIM_NO);
	now += TRIM_IDLE_MS;
	CHECK_EQ_INT(trim_decide(&t, TRIM_CAP_TXNS + 2, now, -1), TRIM_IDLE);
}

/* The measure: touching a shared file mapping raises statm's file pages,
 * and madvise(MADV_DONTNEED), what treedb_trim does, lowers them again. */
static void statm_sees_a_shared_map(void)
{
	char path[] = "/tmp/test_trim.XXXXXX";
	size_t len = 32u << 20;
	long before, touched, after;
	volatile uint8_t sum = 0;
	uint8_t *m;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	unlink(path);
	CHECK_EQ_INT(ftruncate(fd, (off_t)len), 0);
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED) {
		close(fd);
		return;
	}
	before = trim_file_kb();
	CHECK(before > 0);
	for (size_t i = 0; i < len; i += 4096)
		sum += m[i];
	touched = trim_file_kb();
	CHECK(touched - before >= 30L << 10);
	CHECK_EQ_INT(madvise(m, len, MADV_DONTNEED), 0);
	after = trim_file_kb();
	CHECK(touched - after >= 30L << 10);
	(void)sum;
	munmap(m, len);
	close(fd);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "quiet_node_never_trims", quiet_node_never_trims },
		{ "idle_after_writes", idle_after_writes },
		{ "busy_under_cap_waits", busy_under_cap_waits },
		{ "sets_touch_no_new_pages", sets_touch_no_new_pages },
		{ "no_statm_counts_txns", no_statm_counts_txns },
		{ "statm_sees_a_shared_map", statm_sees_a_shared_map },
		{ NULL, NULL },
	};
	return unit_run("trim", cases);
}
