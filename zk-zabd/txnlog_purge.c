/* txnlog_purge.c: deleting the log segments that the oldest retained
 * snapshot of the tree makes redundant, and the purge mark that lets a
 * replay from before it be refused (see txnlog.h, "Retention"). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "txnlog.h"

#define PURGED "purged"
#define PURGED_TMP "purged.tmp"

size_t txnlog_purgeable(const struct txnlog_seg *segs, size_t nsegs, int64_t snap_zxid)
{
	size_t n = 0;

	if (snap_zxid <= 0)
		return 0;
	/* Segment i holds records below segs[i + 1].first only; the last
	 * segment is being written and always stays. */
	while (n + 1 < nsegs && segs[n + 1].first <= snap_zxid)
		n++;
	return n;
}

int txnlog_purged_read(struct txnlog *l)
{
	char buf[64], *end;
	unsigned long long v;
	ssize_t n;
	int fd = openat(l->dirfd, PURGED, O_RDONLY | O_CLOEXEC);

	l->purged = 0;
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		warn("txnlog: open %s/" PURGED, l->dir);
		return -1;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		warn("txnlog: read %s/" PURGED, l->dir);
		return -1;
	}
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 16);
	if (n != 17 || errno || *end != '\n' || v > INT64_MAX) {
		warnx("txnlog: %s/" PURGED ": malformed", l->dir);
		return -1;
	}
	l->purged = (int64_t)v;
	return 0;
}

/* The mark is durable before any segment goes, so a crash in the middle
 * never leaves a log that looks whole but is not. */
static int purged_write(struct txnlog *l, int64_t zxid)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%016" PRIx64 "\n", (uint64_t)zxid);
	int fd = openat(l->dirfd, PURGED_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

	if (fd < 0) {
		warn("txnlog: create %s/" PURGED_TMP, l->dir);
		return -1;
	}
	if (pwrite(fd, buf, (size_t)n, 0) != n || fsync(fd) < 0) {
		warn("txnlog: write %s/" PURGED_TMP, l->dir);
		close(fd);
		return -1;
	}
	close(fd);
	if (renameat(l->dirfd, PURGED_TMP, l->dirfd, PURGED) < 0 || fsync(l->dirfd) < 0) {
		warn("txnlog: replace %s/" PURGED, l->dir);
		return -1;
	}
	l->purged = zxid;
	return 0;
}

int txnlog_purge(struct txnlog *l, int64_t snap_zxid)
{
	size_t n = txnlog_purgeable(l->segs, l->nsegs, snap_zxid), i;
	int64_t mark = l->purged;
	int rc = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (l->segs[i].last > mark)
			mark = l->segs[i].last;
	if (mark > l->purged && purged_write(l, mark) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char name[64];

		txnlog_seg_name(name, sizeof name, l->segs[i].first);
		if (unlinkat(l->dirfd, name, 0) < 0 && errno != ENOENT) {
			warn("txnlog: purge %s/%s", l->dir, name);
			rc = -1;
			break;
		}
	}
	/* i segments are gone: drop them from the list (readers' iterators
	 * index it, so the caller restarts them). */
	memmove(l->segs, l->segs + i, (l->nsegs - i) * sizeof *l->segs);
	l->nsegs -= i;
	l->segs_purged += i;
	if (i > 0)
		l->purges++;
	if (fsync(l->dirfd) < 0) {
		warn("txnlog: fsync %s", l->dir);
		rc = -1;
	}
	return rc < 0 ? -1 : (int)i;
}
