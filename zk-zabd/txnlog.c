/* txnlog.c: segment files, group commit, the open scan that cuts a torn
 * tail, the epoch file and sequential reading for replay (see txnlog.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "crc32c.h"
#include "log.h"
#include "txnlog.h"

#define SEG_PREFIX "log."
#define READ_CHUNK (1u << 20)
#define TXNLOG_DROP_ALIGN (64u << 10)	/* a multiple of any page size */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The CRC covers length and zxid too, so a header that points at the wrong
 * bytes fails as surely as damaged payload. */
static uint32_t rec_crc(const uint8_t *hdr, const uint8_t *payload, size_t len)
{
	uint32_t c = crc32c(0, hdr, 4);
	c = crc32c(c, hdr + 8, 8);
	return crc32c(c, payload, len);
}

void txnlog_seg_name(char *buf, size_t len, int64_t first)
{
	snprintf(buf, len, SEG_PREFIX "%016" PRIx64, (uint64_t)first);
}

static int seg_cmp(const void *a, const void *b)
{
	const struct txnlog_seg *x = a, *y = b;
	return x->first < y->first ? -1 : x->first > y->first;
}

static int seg_add(struct txnlog *l, int64_t first)
{
	if (l->nsegs == l->segcap) {
		size_t n = l->segcap ? l->segcap * 2 : 64;
		struct txnlog_seg *s;
		if (n > TXNLOG_SEGS_MAX)
			return -1;
		s = realloc(l->segs, n * sizeof *s);
		if (!s)
			return -1;
		l->segs = s;
		l->segcap = n;
	}
	l->segs[l->nsegs++] = (struct txnlog_seg){ first, 0, 0 };
	return 0;
}

static int list_segments(struct txnlog *l, char *err, size_t errlen)
{
	DIR *d = fdopendir(dup(l->dirfd));
	struct dirent *e;

	if (!d) {
		snprintf(err, errlen, "%s: %s", l->dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		const char *hex = e->d_name + strlen(SEG_PREFIX);
		char *end;
		unsigned long long v;

		if (strncmp(e->d_name, SEG_PREFIX, strlen(SEG_PREFIX)) != 0 ||
		    strlen(hex) != 16)
			continue;
		errno = 0;
		v = strtoull(hex, &end, 16);
		if (errno || *end)
			continue;
		if (seg_add(l, (int64_t)v) < 0) {
			snprintf(err, errlen, "%s: too many segments", l->dir);
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (l->nsegs > 1)
		qsort(l->segs, l->nsegs, sizeof *l->segs, seg_cmp);
	return 0;
}

/* --- reading ------------------------------------------------------------ */

/* Drops the page cache of [from, to) of fd; 0 or an errno value. Partial
 * pages at the ends are kept by the kernel, so callers advance from an
 * aligned offset. */
static int drop_cache(int fd, off_t from, off_t to)
{
	if (to <= from)
		return 0;
	/* posix_fadvise returns the error; it does not set errno */
	return posix_fadvise(fd, from, to - from, POSIX_FADV_DONTNEED);
}

/* The log works without dropping its cache: a failure is a warning, said
 * once per flag (the sync thread has its own). */
static void drop_done(struct txnlog *l, int rc, uint64_t *count, int *warned)
{
	if (rc == 0) {
		(*count)++;
		return;
	}
	if (!(*warned)++) {
		errno = rc;
		warn("txnlog: posix_fadvise(DONTNEED) %s (said once)", l->dir);
	}
}

static void iter_drop(struct txnlog_iter *it, off_t from, off_t to)
{
	struct txnlog *l = it->l;

	drop_done(l, drop_cache(it->fd, from, to), &l->drops, &l->drop_warned);
}

/* Once the reader is a step past the last drop, the bytes behind it go: a
 * record is read once, by the commit pump or a replay. The new mark is
 * rounded down so that the page the reader is in is dropped next time. */
static void iter_drop_behind(struct txnlog_iter *it, off_t behind)
{
	if (behind - it->dropped < (off_t)TXNLOG_DROP_STEP)
		return;
	behind &= ~(off_t)(TXNLOG_DROP_ALIGN - 1);
	iter_drop(it, it->dropped, behind);
	it->dropped = behind;
}

static int iter_open_seg(struct txnlog_iter *it)
{
	char name[64];

	txnlog_seg_name(name, sizeof name, it->l->segs[it->seg].first);
	it->fd = openat(it->l->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (it->fd < 0) {
		warn("txnlog: open %s/%s", it->l->dir, name);
		return -1;
	}
	it->off = 0;
	it->len = it->pos = 0;
	it->dropped = 0;
	return 0;
}

/* Makes need bytes at it->pos available, reading no further than limit.
 * 1: there; 0: the limit comes first; -1: read error. */
static int iter_fill(struct txnlog_iter *it, size_t need, off_t limit)
{
	off_t at;

	if (it->len - it->pos >= need)
		return 1;
	at = it->off + (off_t)it->pos;
	if (at + (off_t)need > limit)
		return 0;
	iter_drop_behind(it, at);
	if (it->pos > 0) {
		memmove(it->buf, it->buf + it->pos, it->len - it->pos);
		it->len -= it->pos;
		it->off += (off_t)it->pos;
		it->pos = 0;
	}
	if (need > it->cap) {
		size_t c = need < READ_CHUNK ? READ_CHUNK : need;
		uint8_t *b = realloc(it->buf, c);
		if (!b) {
			warnx("txnlog: no memory for a %zu-byte record", need);
			return -1;
		}
		it->buf = b;
		it->cap = c;
	}
	while (it->len < need) {
		off_t from = it->off + (off_t)it->len;
		size_t want = it->cap - it->len;
		ssize_t n;

		if ((off_t)want > limit - from)
			want = (size_t)(limit - from);
		n = pread(it->fd, it->buf + it->len, want, from);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			warn("txnlog: read %s", it->l->dir);
			return -1;
		}
		if (n == 0)
			return 0;	/* file shorter than limit */
		it->len += (size_t)n;
	}
	return 1;
}

enum { REC_OK, REC_END, REC_BAD, REC_ERR };

/* Reads the record at it->pos (limit: end of readable bytes) and checks it
 * against prev, the zxid before it. */
static int iter_rec(struct txnlog_iter *it, off_t limit, int64_t prev,
		    struct txnlog_rec *r, size_t *reclen)
{
	static const uint8_t zero[TXNLOG_HDR];
	const uint8_t *h;
	uint32_t len;
	int rc = iter_fill(it, TXNLOG_HDR, limit);

	if (rc < 0)
		return REC_ERR;
	if (rc == 0) {
		/* Fewer bytes than a header: the end, or a torn header. */
		off_t left = limit - (it->off + (off_t)it->pos);
		if (left <= 0)
			return REC_END;
		rc = iter_fill(it, (size_t)left, limit);
		if (rc < 0)
			return REC_ERR;
		if (rc == 0)
			return REC_END;	/* file shorter than limit */
		return memcmp(it->buf + it->pos, zero, (size_t)left) ? REC_BAD : REC_END;
	}
	h = it->buf + it->pos;
	if (memcmp(h, zero, TXNLOG_HDR) == 0)
		return REC_END;
	len = get32(h);
	if (len > TXNLOG_REC_MAX)
		return REC_BAD;
	rc = iter_fill(it, TXNLOG_HDR + len, limit);
	if (rc < 0)
		return REC_ERR;
	if (rc == 0)
		return REC_BAD;
	h = it->buf + it->pos;
	if (rec_crc(h, h + TXNLOG_HDR, len) != get32(h + 4))
		return REC_BAD;
	r->zxid = (int64_t)get64(h + 8);
	if (r->zxid <= prev)
		return REC_BAD;
	r->p = h + TXNLOG_HDR;
	r->len = len;
	*reclen = TXNLOG_HDR + len;
	return REC_OK;
}

/* Scans segment i from the start; sets its end and *last, *bad. */
static int scan_seg(struct txnlog *l, size_t i, int64_t *last, int *bad)
{
	struct txnlog_iter it = { .l = l, .seg = i, .fd = -1 };
	struct txnlog_rec r;
	struct stat st;
	size_t n;
	int rc = -1;

	*bad = 0;
	if (iter_open_seg(&it) < 0)
		return -1;
	if (fstat(it.fd, &st) < 0) {
		warn("txnlog: stat segment");
		goto out;
	}
	for (;;) {
		int k = iter_rec(&it, st.st_size, *last, &r, &n);
		if (k == REC_ERR)
			goto out;
		if (k != REC_OK) {
			*bad = k == REC_BAD;
			break;
		}
		*last = r.zxid;
		it.pos += n;
		l->found_records++;
	}
	l->segs[i].end = it.off + (off_t)it.pos;
	if (l->segs[i].end > 0)
		l->segs[i].last = *last;
	/* The scan reads the whole log once; a replay reads it again only
	 * after a restart of zk-treed, so keep none of it cached. */
	iter_drop(&it, it.dropped, st.st_size);
	if (*bad)
		l->dropped_bytes += (uint64_t)(st.st_size - l->segs[i].end);
	rc = 0;
out:
	txnlog_iter_end(&it);
	return rc;
}

int txnlog_iter_start(struct txnlog *l, struct txnlog_iter *it, int64_t after)
{
	memset(it, 0, sizeof *it);
	it->l = l;
	it->fd = -1;
	it->after = after;
	for (size_t i = 0; i < l->nsegs; i++)
		if (after == INT64_MAX || l->segs[i].first <= after + 1)
			it->seg = i;
	return 0;
}

int txnlog_iter_next(struct txnlog_iter *it, struct txnlog_rec *r)
{
	struct txnlog *l = it->l;

	for (;;) {
		size_t n;
		int k;

		if (it->seg >= l->nsegs)
			return 0;
		if (it->fd < 0 && iter_open_seg(it) < 0)
			return -1;
		/* Only synced bytes: segs[].end moves on each sync. */
		k = iter_rec(it, l->segs[it->seg].end, INT64_MIN, r, &n);
		if (k == REC_ERR)
			return -1;
		if (k == REC_BAD) {
			warnx("txnlog: bad record in segment %016" PRIx64 " at %lld",
			      (uint64_t)l->segs[it->seg].first,
			      (long long)(it->off + (off_t)it->pos));
			return -1;
		}
		if (k == REC_END) {
			if (it->seg + 1 >= l->nsegs)
				return 0;
			/* A later segment exists, so this one is complete:
			 * none of it is read again. */
			iter_drop(it, it->dropped, l->segs[it->seg].end);
			close(it->fd);
			it->fd = -1;
			it->seg++;
			continue;
		}
		it->pos += n;
		if (r->zxid <= it->after)
			continue;
		it->after = r->zxid;
		return 1;
	}
}

void txnlog_iter_end(struct txnlog_iter *it)
{
	if (it->fd >= 0)
		close(it->fd);
	it->fd = -1;
	free(it->buf);
	it->buf = NULL;
	it->cap = it->len = it->pos = 0;
}

/* --- open --------------------------------------------------------------- */

static int set_aside(struct txnlog *l, size_t i)
{
	char name[64], bad[80];

	txnlog_seg_name(name, sizeof name, l->segs[i].first);
	snprintf(bad, sizeof bad, "%s.bad", name);
	if (renameat(l->dirfd, name, l->dirfd, bad) < 0) {
		warn("txnlog: rename %s/%s", l->dir, name);
		return -1;
	}
	warnx("txnlog: %s/%s follows a bad record: kept aside as %s", l->dir, name, bad);
	return 0;
}

static int open_last(struct txnlog *l, char *err, size_t errlen)
{
	struct txnlog_seg *s = &l->segs[l->nsegs - 1];
	char name[64];
	struct stat st;

	txnlog_seg_name(name, sizeof name, s->first);
	l->fd = openat(l->dirfd, name, O_RDWR | O_CLOEXEC);
	if (l->fd < 0 || fstat(l->fd, &st) < 0) {
		snprintf(err, errlen, "%s/%s: %s", l->dir, name, strerror(errno));
		return -1;
	}
	/* Cut the torn tail (and the zero fill, refilled at the next sync)
	 * so that it can never be read as records. */
	if (st.st_size != s->end) {
		if (ftruncate(l->fd, s->end) < 0 || fdatasync(l->fd) < 0) {
			snprintf(err, errlen, "%s/%s: truncate: %s", l->dir, name,
				 strerror(errno));
			return -1;
		}
	}
	l->alloc_end = s->end;
	return 0;
}

int txnlog_open(struct txnlog *l, const char *dir, char *err, size_t errlen)
{
	int64_t last = 0;

	memset(l, 0, sizeof *l);
	l->fd = l->dirfd = l->efd = -1;
	l->seg_max = TXNLOG_SEG_MAX;
	if (snprintf(l->dir, sizeof l->dir, "%s", dir) >= (int)sizeof l->dir) {
		snprintf(err, errlen, "txn log dir: path too long");
		return -1;
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	l->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->dirfd < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (list_segments(l, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < l->nsegs; i++) {
		int bad;
		if (scan_seg(l, i, &last, &bad) < 0) {
			snprintf(err, errlen, "%s: cannot scan the log", dir);
			return -1;
		}
		if (!bad)
			continue;
		l->bad_tail = 1;
		warnx("txnlog: %s: torn or corrupt record after zxid 0x%" PRIx64
		      ": log cut there", dir, (uint64_t)last);
		/* A segment left without a record goes aside too. */
		for (size_t j = l->segs[i].end ? i + 1 : i; j < l->nsegs; j++)
			if (set_aside(l, j) < 0) {
				snprintf(err, errlen, "%s: cannot set aside a segment", dir);
				return -1;
			}
		l->nsegs = l->segs[i].end ? i + 1 : i;
		break;
	}
	/* A last segment without a record was made just before a crash:
	 * drop it so that the next sync names a new one by its first zxid. */
	while (l->nsegs > 0 && l->segs[l->nsegs - 1].end == 0) {
		char name[64];
		txnlog_seg_name(name, sizeof name, l->segs[l->nsegs - 1].first);
		if (unlinkat(l->dirfd, name, 0) < 0) {
			snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
			return -1;
		}
		l->nsegs--;
	}
	if (l->nsegs > 0 && open_last(l, err, errlen) < 0)
		return -1;
	if (fsync(l->dirfd) < 0) {
		snprintf(err, errlen, "%s: fsync: %s", dir, strerror(errno));
		return -1;
	}
	l->last_zxid = l->staged_last = last;
	if (txnlog_purged_read(l) < 0) {
		snprintf(err, errlen, "%s: cannot read the purge mark", dir);
		return -1;
	}
	return 0;
}

static int wait_done(struct txnlog *l);

void txnlog_close(struct txnlog *l)
{
	if (l->busy && wait_done(l) < 0)
		warnx("txnlog: the last batch failed");
	if (l->thr_started) {
		pthread_mutex_lock(&l->mu);
		l->stop = 1;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->thr, NULL);
		pthread_mutex_destroy(&l->mu);
		pthread_cond_destroy(&l->cv);
		l->thr_started = 0;
	}
	if (l->efd >= 0)
		close(l->efd);
	l->efd = -1;
	free(l->wbuf);
	l->wbuf = NULL;
	l->wcap = 0;
	if (l->fd >= 0)
		close(l->fd);
	if (l->dirfd >= 0)
		close(l->dirfd);
	free(l->segs);
	free(l->batch);
	l->fd = l->dirfd = -1;
	l->segs = NULL;
	l->batch = NULL;
	l->nsegs = l->segcap = l->batch_len = l->batch_cap = 0;
}

/* --- writing ------------------------------------------------------------ */

int txnlog_append(struct txnlog *l, int64_t zxid, const void *a, size_t alen,
		  const void *b, size_t blen)
{
	size_t len = alen + blen, need;
	uint8_t *h;

	if (zxid <= l->staged_last || len > TXNLOG_REC_MAX)
		return -1;
	need = l->batch_len + TXNLOG_HDR + len;
	if (need > l->batch_cap) {
		size_t c = l->batch_cap ? l->batch_cap : 1u << 20;
		uint8_t *p;
		while (c < need)
			c *= 2;
		p = realloc(l->batch, c);
		if (!p)
			return -1;
		l->batch = p;
		l->batch_cap = c;
	}
	h = l->batch + l->batch_len;
	put32(h, (uint32_t)len);
	put64(h + 8, (uint64_t)zxid);
	if (alen)
		memcpy(h + TXNLOG_HDR, a, alen);
	if (blen)
		memcpy(h + TXNLOG_HDR + alen, b, blen);
	put32(h + 4, rec_crc(h, h + TXNLOG_HDR, len));
	l->batch_len = need;
	l->batch_recs++;
	l->staged_last = zxid;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n, off_t at)
{
	while (n > 0) {
		ssize_t k = pwrite(fd, p, n, at);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
		at += k;
	}
	return 0;
}

/* The first staged record's zxid names a new segment. */
static int roll(struct txnlog *l)
{
	int64_t first = (int64_t)get64(l->batch + 8);
	char name[64];
	int fd;

	if (l->fd >= 0) {
		/* Its records are synced; the zero fill is only cosmetic. */
		if (ftruncate(l->fd, l->segs[l->nsegs - 1].end) < 0)
			warn("txnlog: trim segment");
		close(l->fd);
		l->fd = -1;
	}
	txnlog_seg_name(name, sizeof name, first);
	fd = openat(l->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		warn("txnlog: create %s/%s", l->dir, name);
		return -1;
	}
	/* The new name must be durable before any of its records counts. */
	if (fsync(l->dirfd) < 0 || seg_add(l, first) < 0) {
		warn("txnlog: add segment %s/%s", l->dir, name);
		close(fd);
		return -1;
	}
	l->fd = fd;
	l->alloc_end = 0;
	l->wdropped = 0;
	return 0;
}

static int prealloc(struct txnlog *l, off_t need)
{
	static const uint8_t zeros[64 << 10];
	off_t to = (need + TXNLOG_PREALLOC - 1) / TXNLOG_PREALLOC * TXNLOG_PREALLOC;

	while (l->alloc_end < to) {
		size_t n = sizeof zeros;
		if ((off_t)n > to - l->alloc_end)
			n = (size_t)(to - l->alloc_end);
		if (write_all(l->fd, zeros, n, l->alloc_end) < 0)
			return -1;
		l->alloc_end += (off_t)n;
	}
	return 0;
}

/* Synced bytes more than a step behind the write point go from the page
 * cache: the commit pump reads a batch right after its sync, so it finds
 * its records in the last step. Runs where write_batch runs (the sync
 * thread or the caller, one batch at a time), with its own fields. */
static void write_drop_behind(struct txnlog *l, off_t end)
{
	off_t to = (end - (off_t)TXNLOG_DROP_STEP) & ~(off_t)(TXNLOG_DROP_STEP - 1);

	if (to - l->wdropped < (off_t)TXNLOG_DROP_STEP)
		return;
	drop_done(l, drop_cache(l->fd, l->wdropped, to), &l->wdrops, &l->wdrop_warned);
	l->wdropped = to;
}

/* Zero fill ahead, write, fdatasync: the part the sync thread runs. */
static int write_batch(struct txnlog *l, const uint8_t *p, size_t len, off_t at)
{
	if (prealloc(l, at + (off_t)len) < 0 || write_all(l->fd, p, len, at) < 0) {
		warn("txnlog: write %s", l->dir);
		return -1;
	}
	if (fdatasync(l->fd) < 0) {
		warn("txnlog: fdatasync %s", l->dir);
		return -1;
	}
	write_drop_behind(l, at + (off_t)len);
	return 0;
}

/* The records of a written batch count from here on. */
static void batch_done(struct txnlog *l, off_t at, size_t len, size_t recs,
		       int64_t last, int64_t t0)
{
	uint64_t us = (uint64_t)(now_us() - t0);

	l->segs[l->nsegs - 1].end = at + (off_t)len;
	l->segs[l->nsegs - 1].last = last;
	l->last_zxid = last;
	l->drops += l->wdrops;	/* the thread is done with them */
	l->wdrops = 0;
	l->records += recs;
	l->bytes += len;
	l->syncs++;
	l->sync_us_total += us;
	if (us > l->sync_us_max)
		l->sync_us_max = us;
}

/* A new segment when there is none or the last one is full; only between
 * batches, as the thread uses fd. */
static int ready_segment(struct txnlog *l)
{
	if (l->fd < 0 || (size_t)l->segs[l->nsegs - 1].end >= l->seg_max)
		return roll(l);
	return 0;
}

int txnlog_sync(struct txnlog *l)
{
	int64_t t0;
	off_t end;

	if (l->busy && wait_done(l) < 0)
		return -1;
	if (l->batch_len == 0)
		return 0;
	t0 = now_us();
	if (ready_segment(l) < 0)
		return -1;
	end = l->segs[l->nsegs - 1].end;
	if (write_batch(l, l->batch, l->batch_len, end) < 0)
		return -1;
	batch_done(l, end, l->batch_len, l->batch_recs, l->staged_last, t0);
	l->batch_len = l->batch_recs = 0;
	/* Keep a big buffer from one burst from staying forever. */
	if (l->batch_cap > (8u << 20)) {
		free(l->batch);
		l->batch = NULL;
		l->batch_cap = 0;
	}
	return 0;
}

static void *sync_thread(void *arg)
{
	struct txnlog *l = arg;
	uint64_t one = 1;

	for (;;) {
		int err = 0;

		pthread_mutex_lock(&l->mu);
		while (!l->work && !l->stop)
			pthread_cond_wait(&l->cv, &l->mu);
		if (l->stop && !l->work) {
			pthread_mutex_unlock(&l->mu);
			return NULL;
		}
		l->work = 0;
		pthread_mutex_unlock(&l->mu);
		if (write_batch(l, l->wbuf, l->wlen, l->woff) < 0)
			err = errno ? errno : EIO;
		pthread_mutex_lock(&l->mu);
		l->werr = err;
		pthread_mutex_unlock(&l->mu);
		while (write(l->efd, &one, sizeof one) < 0 && errno == EINTR)
			;
	}
}

int txnlog_async_init(struct txnlog *l)
{
	if (l->thr_started)
		return l->efd;
	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->efd < 0) {
		warn("txnlog: eventfd");
		return -1;
	}
	if (pthread_mutex_init(&l->mu, NULL) != 0 || pthread_cond_init(&l->cv, NULL) != 0 ||
	    pthread_create(&l->thr, NULL, sync_thread, l) != 0) {
		warnx("txnlog: cannot start the sync thread");
		return -1;
	}
	l->thr_started = 1;
	return l->efd;
}

int txnlog_sync_start(struct txnlog *l)
{
	uint8_t *b;
	size_t c;

	if (!l->thr_started || l->busy || l->batch_len == 0)
		return 0;
	if (ready_segment(l) < 0)
		return -1;
	/* Swap buffers: the thread writes this batch, we stage the next. */
	b = l->wbuf;
	c = l->wcap;
	l->wbuf = l->batch;
	l->wcap = l->batch_cap;
	l->batch = b;
	l->batch_cap = c;
	l->wlen = l->batch_len;
	l->wrecs = l->batch_recs;
	l->wlast = l->staged_last;
	l->woff = l->segs[l->nsegs - 1].end;
	l->wt0 = now_us();
	l->batch_len = l->batch_recs = 0;
	l->busy = 1;
	pthread_mutex_lock(&l->mu);
	l->work = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	return 1;
}

int txnlog_sync_done(struct txnlog *l)
{
	uint64_t v;
	int err;

	if (!l->busy)
		return 0;
	if (read(l->efd, &v, sizeof v) < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	pthread_mutex_lock(&l->mu);
	err = l->werr;
	pthread_mutex_unlock(&l->mu);
	l->busy = 0;
	if (err) {
		errno = err;
		warn("txnlog: background sync of %s", l->dir);
		return -1;
	}
	batch_done(l, l->woff, l->wlen, l->wrecs, l->wlast, l->wt0);
	l->async_syncs++;
	if (l->wcap > (8u << 20)) {
		free(l->wbuf);
		l->wbuf = NULL;
		l->wcap = 0;
	}
	return 1;
}

static int wait_done(struct txnlog *l)
{
	while (l->busy) {
		struct pollfd p = { .fd = l->efd, .events = POLLIN };
		int k;

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return -1;
		k = txnlog_sync_done(l);
		if (k < 0)
			return -1;
	}
	return 0;
}
