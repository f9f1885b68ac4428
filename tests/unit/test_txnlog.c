/* test_txnlog.c: the txn log against a temp dir: group commit, reopen,
 * replay reading, segments, torn or corrupt tails cut by the scan, and the
 * page cache dropped behind readers and the writer. */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../zk-zabd/crc32c.c"
#include "../../zk-zabd/txnlog.c"
#include "../../zk-zabd/txnlog_epoch.c"
#include "../../zk-zabd/txnlog_purge.c"
#include "unit.h"

static char tmpl[64];

static const char *fresh_dir(void)
{
	return unit_tmpdir(tmpl, sizeof tmpl, "test_txnlog");
}

static void rm_dir(const char *dir)
{
	unit_rmdir(dir);
}

static void payload(int64_t zxid, char *buf, size_t len)
{
	snprintf(buf, len, "txn-%" PRId64 "-%s", zxid, zxid % 3 ? "abc" : "a longer payload");
}

static int put(struct txnlog *l, int64_t zxid)
{
	char p[64];
	payload(zxid, p, sizeof p);
	/* two parts, as zk-zabd passes prefix and txn */
	return txnlog_append(l, zxid, p, 4, p + 4, strlen(p) - 4);
}

/* Reads every record after `after`; checks payloads; returns the count
 * and the zxids in out. */
static int read_all(struct txnlog *l, int64_t after, int64_t *out, int cap)
{
	struct txnlog_iter it;
	struct txnlog_rec r;
	int n = 0, k;

	CHECK_EQ_INT(txnlog_iter_start(l, &it, after), 0);
	while ((k = txnlog_iter_next(&it, &r)) == 1) {
		char p[64];
		payload(r.zxid, p, sizeof p);
		CHECK_EQ_INT(r.len, strlen(p));
		CHECK(memcmp(r.p, p, r.len) == 0);
		if (n < cap)
			out[n] = r.zxid;
		n++;
	}
	CHECK_EQ_INT(k, 0);
	txnlog_iter_end(&it);
	return n;
}

static void open_ok(struct txnlog *l, const char *dir)
{
	char err[256] = "";
	int rc = txnlog_open(l, dir, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "txnlog_open: %s\n", err);
	CHECK_EQ_INT(rc, 0);
}

/* Path of the only (or last) segment file. */
static void last_seg_path(struct txnlog *l, char *buf, size_t len)
{
	char name[64];
	txnlog_seg_name(name, sizeof name, l->segs[l->nsegs - 1].first);
	snprintf(buf, len, "%s/%s", l->dir, name);
}

static void test_crc32c_vectors(void)
{
	uint8_t z[32] = { 0 }, big[1000];

	CHECK_EQ_INT(crc32c(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ_INT(crc32c(0, z, sizeof z), 0x8A9136AAu);
	memset(z, 0xff, sizeof z);
	CHECK_EQ_INT(crc32c(0, z, sizeof z), 0x62A8AB43u);
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	/* odd starts and lengths exercise the unaligned head and tail */
	for (size_t off = 0; off < 9; off++)
		CHECK_EQ_INT(crc32c(0, big + off, sizeof big - off - 3),
			     crc32c_table_only(0, big + off, sizeof big - off - 3));
	/* continuing a CRC equals one pass */
	CHECK_EQ_INT(crc32c(crc32c(0, big, 100), big + 100, 900), crc32c(0, big, 1000));
}

static void test_empty_log(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	int64_t z[4];

	open_ok(&l, dir);
	CHECK_EQ_INT(l.last_zxid, 0);
	CHECK_EQ_INT(l.nsegs, 0);
	CHECK_EQ_INT(read_all(&l, 0, z, 4), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);	/* nothing staged: no file */
	CHECK_EQ_INT(l.nsegs, 0);
	txnlog_close(&l);
	rm_dir(dir);
}

static void test_append_sync_reopen(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	int64_t z[16];

	open_ok(&l, dir);
	for (int64_t i = 1; i <= 3; i++)
		CHECK_EQ_INT(put(&l, (1LL << 32) | i), 0);
	CHECK_EQ_INT(l.last_zxid, 0);		/* staged is not logged */
	CHECK_EQ_INT(read_all(&l, 0, z, 16), 0);	/* nor readable */
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	CHECK_EQ_INT(l.syncs, 1);
	CHECK_EQ_INT(l.last_zxid, (1LL << 32) | 3);
	CHECK_EQ_INT(read_all(&l, 0, z, 16), 3);
	CHECK_EQ_INT(z[0], (1LL << 32) | 1);
	CHECK_EQ_INT(z[2], (1LL << 32) | 3);
	/* zxids must increase */
	CHECK_EQ_INT(put(&l, (1LL << 32) | 3), -1);
	CHECK_EQ_INT(put(&l, (1LL << 32) | 2), -1);
	txnlog_close(&l);

	open_ok(&l, dir);
	CHECK_EQ_INT(l.bad_tail, 0);
	CHECK_EQ_INT(l.found_records, 3);
	CHECK_EQ_INT(l.last_zxid, (1LL << 32) | 3);
	CHECK_EQ_INT(read_all(&l, (1LL << 32) | 1, z, 16), 2);
	CHECK_EQ_INT(z[0], (1LL << 32) | 2);
	CHECK_EQ_INT(read_all(&l, (1LL << 32) | 3, z, 16), 0);
	/* continue after reopen */
	CHECK_EQ_INT(put(&l, (1LL << 32) | 4), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	txnlog_close(&l);
	open_ok(&l, dir);
	CHECK_EQ_INT(l.last_zxid, (1LL << 32) | 4);
	CHECK_EQ_INT(read_all(&l, 0, z, 16), 4);
	txnlog_close(&l);
	rm_dir(dir);
}

static void test_unsynced_is_lost(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	int64_t z[8];

	open_ok(&l, dir);
	CHECK_EQ_INT(put(&l, 1), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	CHECK_EQ_INT(put(&l, 2), 0);
	txnlog_close(&l);		/* like a crash before the sync */
	open_ok(&l, dir);
	CHECK_EQ_INT(l.last_zxid, 1);
	CHECK_EQ_INT(read_all(&l, 0, z, 8), 1);
	txnlog_close(&l);
	rm_dir(dir);
}

/* --- page cache --------------------------------------------------------- */

#define BIG_PAYLOAD 60000
#define BIG_RECS 200		/* about 12 MiB: three drop steps */
#define BIG_SEG (8u << 20)	/* two segments */

static void big_payload(int64_t zxid, uint8_t *p)
{
	for (size_t i = 0; i < BIG_PAYLOAD; i++)
		p[i] = (uint8_t)(zxid * 131 + i);
}

/* 1: the page of segment `first` at off is in the page cache, 0: not, -1:
 * cannot tell. mincore on a shared file mapping reports the page cache. */
static int cached(const char *dir, int64_t first, off_t off)
{
	char path[256];
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char v = 0;
	void *m;
	int fd, rc;

	snprintf(path, sizeof path, "%s/log.%016" PRIx64, dir, (uint64_t)first);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	off -= off % pg;
	m = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd, off);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	rc = mincore(m, (size_t)pg, &v) == 0 ? (v & 1) : -1;
	munmap(m, (size_t)pg);
	return rc;
}

/* Reads a whole file, so that every page of it is cached. */
static void read_file(const char *dir, int64_t first)
{
	static uint8_t buf[1 << 16];
	char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/log.%016" PRIx64, dir, (uint64_t)first);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	while (fd >= 0 && read(fd, buf, sizeof buf) > 0)
		;
	if (fd >= 0)
		close(fd);
}

/* Offset of record zxid in its segment (records are all the same size). */
static off_t big_off(const struct txnlog *l, int64_t zxid)
{
	int64_t first = zxid >= l->segs[1].first ? l->segs[1].first : 1;
	return (off_t)(zxid - first) * (TXNLOG_HDR + BIG_PAYLOAD);
}

/* A reader drops the cache behind itself in steps and a finished segment
 * whole, and still returns every record; the writer keeps the last step
 * for the commit pump and drops what is behind it. */
static void test_cache_dropped_behind(void)
{
	const char *dir = fresh_dir();
	uint8_t *p = malloc(BIG_PAYLOAD), *want = malloc(BIG_PAYLOAD);
	struct txnlog l;
	struct txnlog_iter it;
	struct txnlog_rec r;
	int64_t next = 1, seg1;
	uint64_t wdrops;
	int k, can_drop = 0;

	CHECK(p && want);
	if (!p || !want)
		goto out;
	open_ok(&l, dir);
	l.seg_max = BIG_SEG;
	for (int64_t z = 1; z <= BIG_RECS; z++) {
		big_payload(z, p);
		CHECK_EQ_INT(txnlog_append(&l, z, p, 12, p + 12, BIG_PAYLOAD - 12), 0);
		if (z % 16 == 0 || z == BIG_RECS)
			CHECK_EQ_INT(txnlog_sync(&l), 0);
	}
	CHECK_EQ_INT(l.nsegs, 2);
	if (l.nsegs != 2)
		goto close;
	seg1 = l.segs[1].first;
	/* The writer dropped segment 0 up to a step boundary at least one
	 * step behind its end, and kept the rest. A file system whose cache
	 * cannot be dropped (tmpfs) only skips the residency checks. */
	can_drop = cached(dir, 1, 0) == 0;
	if (!can_drop)
		fprintf(stderr, "test_txnlog: page cache not dropped here; "
			"residency not checked\n");
	if (can_drop) {
		CHECK(l.drops >= 1);	/* all by the writer so far */
		CHECK_EQ_INT(cached(dir, 1, l.segs[0].end - 1), 1);
	}

	wdrops = l.drops;
	/* Everything cached again, then a replay from the start. */
	read_file(dir, 1);
	read_file(dir, seg1);
	CHECK_EQ_INT(cached(dir, 1, 0), 1);
	CHECK_EQ_INT(txnlog_iter_start(&l, &it, 0), 0);
	while ((k = txnlog_iter_next(&it, &r)) == 1) {
		CHECK_EQ_INT(r.zxid, next);
		CHECK_EQ_INT(r.len, BIG_PAYLOAD);
		big_payload(r.zxid, want);
		CHECK(r.len == BIG_PAYLOAD && memcmp(r.p, want, BIG_PAYLOAD) == 0);
		if (can_drop && big_off(&l, r.zxid) >= (off_t)(2 * TXNLOG_DROP_STEP) &&
		    r.zxid < seg1) {
			/* a step behind: gone; where it reads: kept */
			CHECK_EQ_INT(cached(dir, 1, 0), 0);
			CHECK_EQ_INT(cached(dir, 1, big_off(&l, r.zxid)), 1);
		}
		if (can_drop && r.zxid == seg1) {
			/* the first segment is done: none of it stays */
			CHECK_EQ_INT(cached(dir, 1, l.segs[0].end - 1), 0);
			CHECK_EQ_INT(cached(dir, seg1, 0), 1);
		}
		next++;
	}
	CHECK_EQ_INT(k, 0);
	CHECK_EQ_INT(next, BIG_RECS + 1);
	if (can_drop)
		CHECK(l.drops >= wdrops + 2);
	CHECK_EQ_INT(l.drop_warned, 0);
	CHECK_EQ_INT(l.wdrop_warned, 0);
	txnlog_iter_end(&it);
close:
	txnlog_close(&l);
	/* The open scan reads the whole log and keeps none of it cached. */
	open_ok(&l, dir);
	CHECK_EQ_INT(l.last_zxid, BIG_RECS);
	if (can_drop)
		CHECK_EQ_INT(cached(dir, 1, 0), 0);
	txnlog_close(&l);
out:
	free(p);
	free(want);
	rm_dir(dir);
}

static void test_iter_follows_live_tail(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	struct txnlog_iter it;
	struct txnlog_rec r;

	open_ok(&l, dir);
	l.seg_max = 200;	/* roll while an iterator is at the end */
	CHECK_EQ_INT(put(&l, 1), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	CHECK_EQ_INT(txnlog_iter_start(&l, &it, 0), 0);
	CHECK_EQ_INT(txnlog_iter_next(&it, &r), 1);
	CHECK_EQ_INT(r.zxid, 1);
	CHECK_EQ_INT(txnlog_iter_next(&it, &r), 0);
	for (int64_t z = 2; z <= 30; z++) {
		CHECK_EQ_INT(put(&l, z), 0);
		CHECK_EQ_INT(txnlog_iter_next(&it, &r), 0);	/* staged only */
		CHECK_EQ_INT(txnlog_sync(&l), 0);
		CHECK_EQ_INT(txnlog_iter_next(&it, &r), 1);
		CHECK_EQ_INT(r.zxid, z);
		CHECK_EQ_INT(txnlog_iter_next(&it, &r), 0);
	}
	CHECK(l.nsegs > 3);
	txnlog_iter_end(&it);
	txnlog_close(&l);
	rm_dir(dir);
}

/* Opens a log in dir with small segments and writes zxids 1..100, four
 * to a sync; returns how many segments that made (more than 5). */
static size_t write_segments(struct txnlog *l, const char *dir)
{
	open_ok(l, dir);
	l->seg_max = 300;
	for (int64_t i = 1; i <= 100; i++) {
		CHECK_EQ_INT(put(l, i), 0);
		if (i % 4 == 0)
			CHECK_EQ_INT(txnlog_sync(l), 0);
	}
	CHECK_EQ_INT(txnlog_sync(l), 0);
	CHECK(l->nsegs > 5);
	return l->nsegs;
}

static void test_segments(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	int64_t z[200];
	size_t nsegs;

	nsegs = write_segments(&l, dir);
	txnlog_close(&l);
	open_ok(&l, dir);
	CHECK_EQ_INT(l.nsegs, nsegs);
	CHECK_EQ_INT(l.last_zxid, 100);
	CHECK_EQ_INT(read_all(&l, 0, z, 200), 100);
	for (int i = 0; i < 100; i++)
		CHECK_EQ_INT(z[i], i + 1);
	/* every start point, including segment boundaries */
	for (int64_t a = 0; a <= 100; a += 7) {
		CHECK_EQ_INT(read_all(&l, a, z, 200), 100 - a);
		if (a < 100)
			CHECK_EQ_INT(z[0], a + 1);
	}
	txnlog_close(&l);
	rm_dir(dir);
}

/* Cuts the last record in half, as a crash during its write would. */
static void test_torn_tail(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	char path[4200];
	int64_t z[16];
	struct stat st;

	open_ok(&l, dir);
	for (int64_t i = 1; i <= 5; i++)
		CHECK_EQ_INT(put(&l, i), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	last_seg_path(&l, path, sizeof path);
	off_t end = l.segs[0].end;
	txnlog_close(&l);
	CHECK_EQ_INT(truncate(path, end - 7), 0);

	open_ok(&l, dir);
	CHECK_EQ_INT(l.bad_tail, 1);
	CHECK_EQ_INT(l.last_zxid, 4);
	CHECK_EQ_INT(read_all(&l, 0, z, 16), 4);
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK(st.st_size < end - 7);		/* the torn bytes are gone */
	/* zxid 5 may be used again: it was never durable */
	CHECK_EQ_INT(put(&l, 5), 0);
	CHECK_EQ_INT(put(&l, 6), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	txnlog_close(&l);
	open_ok(&l, dir);
	CHECK_EQ_INT(l.bad_tail, 0);
	CHECK_EQ_INT(l.last_zxid, 6);
	CHECK_EQ_INT(read_all(&l, 0, z, 16), 6);
	txnlog_close(&l);
	rm_dir(dir);
}

/* A header torn after a few bytes, followed by the zero fill. */
static void test_torn_header(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	char path[4200];
	int64_t z[16];
	int fd;

	open_ok(&l, dir);
	for (int64_t i = 1; i <= 3; i++)
		CHECK_EQ_INT(put(&l, i), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	last_seg_path(&l, path, sizeof path);
	off_t end = l.segs[0].end;
	txnlog_close(&l);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ_INT(pwrite(fd, "\0\0\0\x09\x12", 5, end), 5);
	close(fd);
	open_ok(&l, dir);
	CHECK_EQ_INT(l.bad_tail, 1);
	CHECK_EQ_INT(l.last_zxid, 3);
	CHECK_EQ_INT(read_all(&l, 0, z, 16), 3);
	txnlog_close(&l);
	rm_dir(dir);
}

/* One flipped payload byte in the last record: the CRC catches it. */
static void test_corrupt_last_record(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	char path[4200], p[64];
	int64_t z[16];
	uint8_t b;
	int fd;

	open_ok(&l, dir);
	for (int64_t i = 1; i <= 4; i++)
		CHECK_EQ_INT(put(&l, i), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	last_seg_path(&l, path, sizeof path);
	off_t end = l.segs[0].end;
	txnlog_close(&l);
	payload(4, p, sizeof p);
	fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ_INT(pread(fd, &b, 1, end - 2), 1);
	b ^= 0x20;
	CHECK_EQ_INT(pwrite(fd, &b, 1, end - 2), 1);
	close(fd);
	open_ok(&l, dir);
	CHECK_EQ_INT(l.bad_tail, 1);
	CHECK_EQ_INT(l.last_zxid, 3);
	CHECK_EQ_INT(read_all(&l, 0, z, 16), 3);
	CHECK(l.dropped_bytes >= TXNLOG_HDR + strlen(p));
	txnlog_close(&l);
	rm_dir(dir);
}

/* Damage in an earlier segment: the log ends there, later segments are
 * set aside (renamed, not deleted) and never read. */
static void test_corrupt_middle_segment(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	char path[4200], name[64];
	int64_t z[64], first2;
	uint8_t b;
	int fd;

	open_ok(&l, dir);
	l.seg_max = 100;
	for (int64_t i = 1; i <= 30; i++) {
		CHECK_EQ_INT(put(&l, i), 0);
		CHECK_EQ_INT(txnlog_sync(&l), 0);
	}
	CHECK(l.nsegs >= 4);
	first2 = l.segs[1].first;
	txnlog_seg_name(name, sizeof name, first2);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	txnlog_close(&l);
	fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ_INT(pread(fd, &b, 1, 17), 1);	/* first record's payload */
	b ^= 1;
	CHECK_EQ_INT(pwrite(fd, &b, 1, 17), 1);
	close(fd);
	open_ok(&l, dir);
	CHECK_EQ_INT(l.bad_tail, 1);
	CHECK_EQ_INT(l.last_zxid, first2 - 1);
	CHECK_EQ_INT(read_all(&l, 0, z, 64), first2 - 1);
	/* segment 2 was emptied, so it is gone; segment 3 is kept aside */
	CHECK_EQ_INT(l.nsegs, 1);
	txnlog_seg_name(name, sizeof name, first2);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	CHECK(access(path, F_OK) != 0);
	txnlog_close(&l);
	{
		char cmd[4300];
		snprintf(cmd, sizeof cmd, "ls %s/*.bad >/dev/null 2>&1", dir);
		CHECK_EQ_INT(system(cmd), 0);
	}
	rm_dir(dir);
}

/* A crash right after a new segment was created leaves it empty: the
 * open drops it and the next sync names a new one. */
static void test_empty_last_segment(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	char path[4200];
	int64_t z[16];
	int fd;

	open_ok(&l, dir);
	for (int64_t i = 1; i <= 3; i++)
		CHECK_EQ_INT(put(&l, i), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	txnlog_close(&l);
	snprintf(path, sizeof path, "%s/log.0000000000000004", dir);
	fd = open(path, O_RDWR | O_CREAT, 0640);
	CHECK(fd >= 0);
	CHECK_EQ_INT(ftruncate(fd, 1 << 20), 0);	/* zero fill, no record */
	close(fd);
	open_ok(&l, dir);
	CHECK_EQ_INT(l.bad_tail, 0);
	CHECK_EQ_INT(l.nsegs, 1);
	CHECK_EQ_INT(l.last_zxid, 3);
	CHECK(access(path, F_OK) != 0);
	l.seg_max = 1;		/* the next sync starts a segment */
	CHECK_EQ_INT(put(&l, 4), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	CHECK_EQ_INT(l.nsegs, 2);
	txnlog_close(&l);
	open_ok(&l, dir);
	CHECK_EQ_INT(read_all(&l, 0, z, 16), 4);
	txnlog_close(&l);
	rm_dir(dir);
}

static void test_big_record(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	struct txnlog_iter it;
	struct txnlog_rec r;
	size_t n = 3u << 20;
	uint8_t *big = malloc(n);

	CHECK(big != NULL);
	if (!big)
		return;
	for (size_t i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 31);
	open_ok(&l, dir);
	CHECK_EQ_INT(txnlog_append(&l, 1, big, n, NULL, 0), 0);
	CHECK_EQ_INT(txnlog_append(&l, 2, big, TXNLOG_REC_MAX + 1, NULL, 0), -1);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	txnlog_close(&l);
	open_ok(&l, dir);
	CHECK_EQ_INT(l.last_zxid, 1);
	CHECK_EQ_INT(txnlog_iter_start(&l, &it, 0), 0);
	CHECK_EQ_INT(txnlog_iter_next(&it, &r), 1);
	CHECK_EQ_INT(r.len, n);
	CHECK(memcmp(r.p, big, n) == 0);
	txnlog_iter_end(&it);
	txnlog_close(&l);
	free(big);
	rm_dir(dir);
}

static void test_epoch_file(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	int64_t c, a;

	open_ok(&l, dir);
	CHECK_EQ_INT(txnlog_epoch_read(&l, &c, &a), 0);
	CHECK_EQ_INT(c, 0);
	CHECK_EQ_INT(a, 0);
	CHECK_EQ_INT(txnlog_epoch_write(&l, 3, 4), 0);
	txnlog_close(&l);
	open_ok(&l, dir);
	CHECK_EQ_INT(txnlog_epoch_read(&l, &c, &a), 0);
	CHECK_EQ_INT(c, 3);
	CHECK_EQ_INT(a, 4);
	txnlog_close(&l);
	rm_dir(dir);
}

/* The purge decision: segments [first, last] as the log lists them. */
static void test_purgeable(void)
{
	static const struct txnlog_seg s[] = {
		{ 1, 100, 10 }, { 11, 100, 20 }, { 21, 100, 30 }, { 31, 50, 35 },
	};

	/* no snapshot: nothing goes */
	CHECK_EQ_INT(txnlog_purgeable(s, 4, 0), 0);
	CHECK_EQ_INT(txnlog_purgeable(s, 4, -1), 0);
	/* the segment holding the snapshot's zxid stays */
	CHECK_EQ_INT(txnlog_purgeable(s, 4, 1), 0);
	CHECK_EQ_INT(txnlog_purgeable(s, 4, 10), 0);
	CHECK_EQ_INT(txnlog_purgeable(s, 4, 15), 1);
	/* a snapshot at a segment's first zxid: only what precedes it goes */
	CHECK_EQ_INT(txnlog_purgeable(s, 4, 11), 1);
	CHECK_EQ_INT(txnlog_purgeable(s, 4, 21), 2);
	CHECK_EQ_INT(txnlog_purgeable(s, 4, 30), 2);
	CHECK_EQ_INT(txnlog_purgeable(s, 4, 31), 3);
	/* the last segment (being written) always stays */
	CHECK_EQ_INT(txnlog_purgeable(s, 4, 35), 3);
	CHECK_EQ_INT(txnlog_purgeable(s, 4, 1000), 3);
	CHECK_EQ_INT(txnlog_purgeable(s, 1, 1000), 0);
	CHECK_EQ_INT(txnlog_purgeable(s, 0, 1000), 0);
}

/* Purge on disk: files gone, the mark durable, replay after the snapshot
 * intact, and a tree from before the mark refused. */
static void test_purge(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	int64_t z[200], first2, mark;
	size_t nsegs;
	char path[256];
	struct stat st;

	nsegs = write_segments(&l, dir);
	CHECK_EQ_INT(l.purged, 0);
	CHECK_EQ_INT(txnlog_gap(&l, 0), 0);
	CHECK_EQ_INT(txnlog_purge(&l, 0), 0);		/* no snapshot */
	CHECK_EQ_INT(l.nsegs, nsegs);
	/* a snapshot at the third segment's first zxid: two segments go */
	first2 = l.segs[2].first;
	mark = l.segs[1].last;
	CHECK_EQ_INT(mark, first2 - 1);
	CHECK_EQ_INT(txnlog_purge(&l, first2), 2);
	CHECK_EQ_INT(l.nsegs, nsegs - 2);
	CHECK_EQ_INT(l.segs[0].first, first2);
	CHECK_EQ_INT(l.purged, mark);
	CHECK_EQ_INT(l.segs_purged, 2);
	snprintf(path, sizeof path, "%s/log.%016" PRIx64, dir, (uint64_t)1);
	CHECK(stat(path, &st) < 0);
	/* the log still serves a tree at or after the mark, and appends */
	CHECK_EQ_INT(read_all(&l, first2 - 1, z, 200), 100 - (first2 - 1));
	CHECK_EQ_INT(put(&l, 101), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	txnlog_close(&l);

	open_ok(&l, dir);
	CHECK_EQ_INT(l.purged, mark);
	CHECK_EQ_INT(l.segs[0].first, first2);
	CHECK_EQ_INT(l.last_zxid, 101);
	CHECK_EQ_INT(txnlog_gap(&l, 0), 1);
	CHECK_EQ_INT(txnlog_gap(&l, mark - 1), 1);
	CHECK_EQ_INT(txnlog_gap(&l, mark), 0);
	CHECK_EQ_INT(txnlog_gap(&l, 101), 0);
	CHECK_EQ_INT(read_all(&l, mark, z, 200), 101 - mark);
	CHECK_EQ_INT(z[0], mark + 1);
	/* a snapshot past everything: all but the last segment go */
	CHECK(txnlog_purge(&l, 1000) > 0);
	CHECK_EQ_INT(l.nsegs, 1);
	CHECK_EQ_INT(l.last_zxid, 101);
	txnlog_close(&l);
	rm_dir(dir);
}

static int wait_fd(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 5000);
}

/* The sync thread writes one batch while the next is staged. */
static void test_background_sync(void)
{
	const char *dir = fresh_dir();
	struct txnlog l;
	int64_t z[64];
	int fd, k;

	open_ok(&l, dir);
	l.seg_max = 400;
	fd = txnlog_async_init(&l);
	CHECK(fd >= 0);
	CHECK_EQ_INT(txnlog_sync_start(&l), 0);		/* nothing staged */
	for (int64_t i = 1; i <= 5; i++)
		CHECK_EQ_INT(put(&l, i), 0);
	CHECK_EQ_INT(txnlog_sync_start(&l), 1);
	CHECK_EQ_INT(txnlog_busy(&l), 1);
	CHECK_EQ_INT(txnlog_staged(&l), 0);
	/* stage more while the first batch is with the thread */
	for (int64_t i = 6; i <= 9; i++)
		CHECK_EQ_INT(put(&l, i), 0);
	CHECK_EQ_INT(txnlog_sync_start(&l), 0);		/* one at a time */
	CHECK_EQ_INT(wait_fd(fd), 1);
	CHECK_EQ_INT(txnlog_sync_done(&l), 1);
	CHECK_EQ_INT(l.last_zxid, 5);
	CHECK_EQ_INT(read_all(&l, 0, z, 64), 5);	/* only the synced batch */
	CHECK_EQ_INT(txnlog_sync_done(&l), 0);		/* nothing in flight */
	/* many batches, rolling segments between them */
	for (int64_t i = 10; i <= 40; i++) {
		CHECK_EQ_INT(put(&l, i), 0);
		if (txnlog_sync_start(&l) == 0 && txnlog_busy(&l)) {
			CHECK_EQ_INT(wait_fd(fd), 1);
			CHECK_EQ_INT(txnlog_sync_done(&l), 1);
		}
	}
	while (txnlog_busy(&l) || txnlog_staged(&l)) {
		if (!txnlog_busy(&l))
			CHECK_EQ_INT(txnlog_sync_start(&l), 1);
		CHECK_EQ_INT(wait_fd(fd), 1);
		k = txnlog_sync_done(&l);
		CHECK_EQ_INT(k, 1);
		if (k < 0)
			break;
	}
	CHECK_EQ_INT(l.last_zxid, 40);
	CHECK(l.nsegs > 2);
	CHECK(l.async_syncs >= 3);
	/* txnlog_sync waits for a batch with the thread, then syncs inline */
	CHECK_EQ_INT(put(&l, 41), 0);
	CHECK_EQ_INT(txnlog_sync_start(&l), 1);
	CHECK_EQ_INT(put(&l, 42), 0);
	CHECK_EQ_INT(txnlog_sync(&l), 0);
	CHECK_EQ_INT(l.last_zxid, 42);
	/* close waits for the thread's batch: it must be on disk */
	CHECK_EQ_INT(put(&l, 43), 0);
	CHECK_EQ_INT(txnlog_sync_start(&l), 1);
	txnlog_close(&l);
	open_ok(&l, dir);
	CHECK_EQ_INT(l.last_zxid, 43);
	CHECK_EQ_INT(read_all(&l, 0, z, 64), 43);
	for (int i = 0; i < 43; i++)
		CHECK_EQ_INT(z[i], i + 1);
	txnlog_close(&l);
	rm_dir(dir);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "crc32c_vectors", test_crc32c_vectors },
		{ "empty_log", test_empty_log },
		{ "append_sync_reopen", test_append_sync_reopen },
		{ "unsynced_is_lost", test_unsynced_is_lost },
		{ "iter_follows_live_tail", test_iter_follows_live_tail },
		{ "cache_dropped_behind", test_cache_dropped_behind },
		{ "segments", test_segments },
		{ "torn_tail", test_torn_tail },
		{ "torn_header", test_torn_header },
		{ "corrupt_last_record", test_corrupt_last_record },
		{ "corrupt_middle_segment", test_corrupt_middle_segment },
		{ "empty_last_segment", test_empty_last_segment },
		{ "big_record", test_big_record },
		{ "epoch_file", test_epoch_file },
		{ "background_sync", test_background_sync },
		{ "purgeable", test_purgeable },
		{ "purge", test_purge },
		{ NULL, NULL }
	};
	return unit_run("txnlog", cases);
}
