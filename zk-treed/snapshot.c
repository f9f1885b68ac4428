/* snapshot.c: snapshots of the tree env, retention and restore (see
 * snapshot.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "loop.h"
#include "snapshot.h"
#include "treedb.h"

#define SNAP_PREFIX "snap."
#define COPY_CHUNK (1u << 20)

void snap_name(char *buf, size_t len, int64_t zxid)
{
	snprintf(buf, len, SNAP_PREFIX "%016" PRIx64, (uint64_t)zxid);
}

int snap_parse_name(const char *name, int64_t *zxid)
{
	const char *hex = name + strlen(SNAP_PREFIX);
	uint64_t v = 0;

	if (strncmp(name, SNAP_PREFIX, strlen(SNAP_PREFIX)) != 0 || strlen(hex) != 16)
		return -1;
	for (int i = 0; i < 16; i++) {
		char c = hex[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (v > INT64_MAX)
		return -1;
	*zxid = (int64_t)v;
	return 0;
}

size_t snap_excess(size_t n, int retain)
{
	return retain >= 0 && n > (size_t)retain ? n - (size_t)retain : 0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int snap_list(int dirfd, struct snap_list *l)
{
	DIR *d;
	struct dirent *e;
	int fd = dup(dirfd);

	l->n = 0;
	l->truncated = 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		warn("snapshot: list dir");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		int64_t z;

		if (snap_parse_name(e->d_name, &z) < 0)
			continue;
		if (l->n == SNAP_LIST_MAX) {
			l->truncated = 1;
			continue;
		}
		l->zxid[l->n++] = z;
	}
	closedir(d);
	qsort(l->zxid, l->n, sizeof l->zxid[0], cmp64);
	if (l->truncated)
		warnx("snapshot: more than %d snapshots; the newest may be left out",
		      SNAP_LIST_MAX);
	return 0;
}

int snap_purge(int dirfd, struct snap_list *l, int retain)
{
	size_t n = snap_excess(l->n, retain), i;

	for (i = 0; i < n; i++) {
		char name[64];

		snap_name(name, sizeof name, l->zxid[i]);
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT) {
			warn("snapshot: remove %s", name);
			break;
		}
	}
	memmove(l->zxid, l->zxid + i, (l->n - i) * sizeof l->zxid[0]);
	l->n -= i;
	if (i > 0 && fsync(dirfd) < 0)
		warn("snapshot: fsync the snapshot dir");
	return i < n ? -1 : (int)i;
}

int snap_take(MDB_env *env, int dirfd, const char *dir, int64_t *zxid)
{
	char tmp[4300], name[64];
	int fd, rc;

	fd = openat(dirfd, SNAP_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		warn("snapshot: create %s/" SNAP_TMP, dir);
		return -1;
	}
	rc = mdb_env_copyfd2(env, fd, MDB_CP_COMPACT);
	if (rc) {
		warnx("snapshot: copy the env to %s/" SNAP_TMP ": %s", dir, mdb_strerror(rc));
		goto fail;
	}
	if (fsync(fd) < 0) {
		warn("snapshot: fsync %s/" SNAP_TMP, dir);
		goto fail;
	}
	/* A snapshot is read again only by a restore: keep it out of the
	 * page cache, where it would push out the tree. Only advice. */
	rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (rc)
		debug("snapshot: fadvise %s/" SNAP_TMP ": %s", dir, strerror(rc));
	close(fd);
	fd = -1;
	/* The zxid of the copy's read txn is only in the copy. */
	snprintf(tmp, sizeof tmp, "%s/" SNAP_TMP, dir);
	if (treedb_file_applied(tmp, zxid) < 0)
		goto fail;
	snap_name(name, sizeof name, *zxid);
	if (renameat(dirfd, SNAP_TMP, dirfd, name) < 0) {
		warn("snapshot: rename %s/" SNAP_TMP " to %s", dir, name);
		goto fail;
	}
	if (fsync(dirfd) < 0) {
		warn("snapshot: fsync %s", dir);
		return -1;	/* the file is whole; only its name may not last */
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, SNAP_TMP, 0);
	return -1;
}

/* Copies src to a new file dst (whole, fsynced). 0 or -1 (logged). */
static int copy_file(const char *src, const char *dst)
{
	char *buf = malloc(COPY_CHUNK);
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;

	if (!buf || in < 0) {
		warn("restore: open %s", src);
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
	if (out < 0) {
		warn("restore: create %s", dst);
		goto out;
	}
	for (;;) {
		ssize_t n = read(in, buf, COPY_CHUNK), w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			warn("restore: read %s", src);
			goto out;
		}
		if (n == 0)
			break;
		while (w < n) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				warn("restore: write %s", dst);
				goto out;
			}
			w += k;
		}
	}
	if (fsync(out) < 0) {
		warn("restore: fsync %s", dst);
		goto out;
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && rc == 0) {
		warn("restore: close %s", dst);
		rc = -1;
	}
	free(buf);
	return rc;
}

int snap_restore(const char *snapdir, const char *envdir, int64_t zxid)
{
	char name[64], src[4400], tmp[4400], data[4400], bad[4400], lock[4400];
	int64_t got;
	int dfd;

	snap_name(name, sizeof name, zxid);
	if ((size_t)snprintf(src, sizeof src, "%s/%s", snapdir, name) >= sizeof src ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s/data.mdb.restore", envdir) >= sizeof tmp ||
	    (size_t)snprintf(data, sizeof data, "%s/data.mdb", envdir) >= sizeof data ||
	    (size_t)snprintf(bad, sizeof bad, "%s/data.mdb.bad", envdir) >= sizeof bad ||
	    (size_t)snprintf(lock, sizeof lock, "%s/lock.mdb", envdir) >= sizeof lock) {
		warnx("restore: path too long");
		return -1;
	}
	if (treedb_file_applied(src, &got) < 0 || got != zxid) {
		warnx("restore: %s is not a usable snapshot", src);
		return -1;
	}
	if (copy_file(src, tmp) < 0) {
		unlink(tmp);
		return -1;
	}
	/* An unusable env is kept for a post-mortem (one, the latest). */
	if (rename(data, bad) < 0 && errno != ENOENT) {
		warn("restore: keep %s aside", data);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, data) < 0) {
		warn("restore: rename %s", tmp);
		unlink(tmp);
		return -1;
	}
	/* A lock file that other processes still hold would make LMDB trust
	 * its txn id, the old file's, instead of the new file's meta pages. */
	if (unlink(lock) < 0 && errno != ENOENT) {
		warn("restore: remove %s", lock);
		return -1;
	}
	dfd = open(envdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		warn("restore: fsync %s", envdir);
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	close(dfd);
	info("restore: tree env %s restored from snapshot %s (zxid 0x%" PRIx64 ")",
	     envdir, name, (uint64_t)zxid);
	return 0;
}

/* ---- the thread ---- */

int snapper_init(struct snapper *s, MDB_env *env, const char *envdir)
{
	memset(s, 0, sizeof *s);
	s->env = env;
	s->dirfd = s->efd = -1;
	if ((size_t)snprintf(s->dir, sizeof s->dir, "%s/" SNAP_DIR, envdir) >= sizeof s->dir) {
		warnx("snapshot: dir path too long");
		return -1;
	}
	if (mkdir(s->dir, 0750) < 0 && errno != EEXIST) {
		warn("snapshot: mkdir %s", s->dir);
		return -1;
	}
	s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		warn("snapshot: open %s", s->dir);
		return -1;
	}
	if (unlinkat(s->dirfd, SNAP_TMP, 0) < 0 && errno != ENOENT)
		warn("snapshot: remove a stale %s/" SNAP_TMP, s->dir);
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		warn("snapshot: eventfd");
		return -1;
	}
	return 0;
}

static void *snap_thread(void *arg)
{
	struct snapper *s = arg;
	uint64_t one = 1;

	s->rc = snap_take(s->env, s->dirfd, s->dir, &s->zxid);
	while (write(s->efd, &one, sizeof one) < 0 && errno == EINTR)
		;
	return NULL;
}

int snapper_start(struct snapper *s)
{
	int rc;

	if (s->running)
		return 0;
	s->t0_ms = loop_now_ms();
	rc = pthread_create(&s->thr, NULL, snap_thread, s);
	if (rc) {
		errno = rc;
		warn("snapshot: start the thread");
		return -1;
	}
	s->running = 1;
	return 1;
}

int snapper_done(struct snapper *s, int64_t *zxid)
{
	uint64_t v;

	if (!s->running)
		return 0;
	if (read(s->efd, &v, sizeof v) < 0)
		return 0;	/* EAGAIN: not yet */
	pthread_join(s->thr, NULL);
	s->running = 0;
	if (s->rc < 0)
		return -1;
	*zxid = s->zxid;
	return 1;
}
