/* txnlog_epoch.c: the epoch file of the txn log dir, "currentEpoch
 * acceptedEpoch", replaced atomically (write, fsync, rename, fsync dir). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include "log.h"
#include "txnlog.h"

int txnlog_epoch_read(struct txnlog *l, int64_t *current, int64_t *accepted)
{
	char buf[128];
	long long c, a;
	ssize_t n;
	int fd = openat(l->dirfd, "epoch", O_RDONLY | O_CLOEXEC);

	*current = *accepted = 0;
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		warn("txnlog: open %s/epoch", l->dir);
		return -1;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		warn("txnlog: read %s/epoch", l->dir);
		return -1;
	}
	buf[n] = '\0';
	if (sscanf(buf, "%lld %lld", &c, &a) != 2 || c < 0 || a < c ||
	    c > UINT32_MAX || a > UINT32_MAX) {
		warnx("txnlog: %s/epoch: malformed", l->dir);
		return -1;
	}
	*current = c;
	*accepted = a;
	return 0;
}

int txnlog_epoch_write(struct txnlog *l, int64_t current, int64_t accepted)
{
	char buf[128];
	int n = snprintf(buf, sizeof buf, "%lld %lld\n", (long long)current,
			 (long long)accepted);
	int fd = openat(l->dirfd, "epoch.tmp", O_WRONLY | O_CREAT | O_TRUNC |
			O_CLOEXEC, 0640);

	if (fd < 0) {
		warn("txnlog: create %s/epoch.tmp", l->dir);
		return -1;
	}
	if (pwrite(fd, buf, (size_t)n, 0) != n || fsync(fd) < 0) {
		warn("txnlog: write %s/epoch.tmp", l->dir);
		close(fd);
		return -1;
	}
	close(fd);
	if (renameat(l->dirfd, "epoch.tmp", l->dirfd, "epoch") < 0 ||
	    fsync(l->dirfd) < 0) {
		warn("txnlog: replace %s/epoch", l->dir);
		return -1;
	}
	return 0;
}
