/* snapmgr.c: zk-treed's use of snapshots (snapshot.h): one every snapCount
 * applied txns, the purge (every autopurge.purgeInterval hours or on
 * `zk-ctl purge`) that keeps autopurge.snapRetainCount of them and lets
 * zk-zabd drop the log they no longer need, and the restore of an env
 * that is missing or unusable at start. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "treed.h"

/* A snapshot is due after snapCount txns (Apache's rule) and, once the
 * tree is past SNAP_CHEAP_BYTES, when the txns since the last one also
 * add up to the size of that one. A snapshot copies the whole tree, so
 * without the second rule a large tree under load is copied again and
 * again (a 700 MB tree every 100k txns of 1 KiB writes 7 bytes of
 * snapshot per byte of log); with it, snapshot writes stay at most about
 * the log's own, and the log kept between two snapshots is at most about
 * the tree's size. */
#define SNAP_CHEAP_BYTES	(64u << 20)

void treed_snap_maybe(struct treed *t)
{
	if (t->since_snap < (uint64_t)t->d->conf.snap_count)
		return;
	if (t->snap_bytes > SNAP_CHEAP_BYTES && t->since_bytes < t->snap_bytes)
		return;
	if (snapper_start(&t->snap) == 1) {
		t->since_snap = 0;
		t->since_bytes = 0;
	}
}

uint64_t treed_newest_bytes(const struct treed *t)
{
	char name[64];
	struct stat st;

	if (t->snaps.n == 0)
		return 0;
	snap_name(name, sizeof name, t->snaps.zxid[t->snaps.n - 1]);
	if (fstatat(t->snap.dirfd, name, &st, 0) < 0) {
		warn("snapshot: stat %s/%s", t->snap.dir, name);
		return 0;
	}
	return (uint64_t)st.st_size;
}

/* Tells zk-zabd which snapshots exist; purge = 1 after a snapshot purge. */
void treed_snap_tell(struct treed *t, int purge)
{
	struct msg m;

	msg_init(&m, MSG_TREE_SNAPSHOT, P_TREED, 0);
	MSG_SET(&m, zxid, t->snaps.n ? t->snaps.zxid[t->snaps.n - 1] : 0);
	MSG_SET(&m, oldest, t->snaps.n ? t->snaps.zxid[0] : 0);
	if (purge)
		MSG_SET(&m, purge, 1);
	if (ipc_send(&t->d->ipc, P_ZABD, &m) < 0)
		warnx("cannot send TREE_SNAPSHOT to zk-zabd");
}

void treed_snap_done(void *arg, int fd, uint32_t events)
{
	struct treed *t = arg;
	int64_t zxid = 0;
	int k = snapper_done(&t->snap, &zxid);

	(void)fd;
	(void)events;
	if (k == 0)
		return;
	if (k < 0) {
		t->snap_failures++;
		return;
	}
	t->snaps_taken++;
	t->snap_last_zxid = zxid;
	t->snap_last_ms = loop_now_ms() - t->snap.t0_ms;
	info("snapshot %s/snap.%016" PRIx64 " taken in %" PRId64 " ms",
	     t->snap.dir, (uint64_t)zxid, t->snap_last_ms);
	if (snap_list(t->snap.dirfd, &t->snaps) < 0)
		t->snaps.n = 0;
	t->snap_bytes = treed_newest_bytes(t);
	treed_snap_tell(t, 0);
}

/* Keeps the newest snapRetainCount snapshots, then has zk-zabd drop the
 * log the deleted ones needed. -1 if the purge failed. */
static int snap_purge_now(struct treed *t, int *removed)
{
	int n;

	*removed = 0;
	if (snap_list(t->snap.dirfd, &t->snaps) < 0)
		return -1;
	n = snap_purge(t->snap.dirfd, &t->snaps, t->d->conf.snap_retain);
	if (n < 0)
		return -1;
	*removed = n;
	t->snaps_purged += (uint64_t)n;
	t->purges++;
	if (n > 0)
		info("purge: removed %d snapshots, %zu kept", n, t->snaps.n);
	treed_snap_tell(t, 1);
	return 0;
}

void treed_snapinfo_timer(void *arg)
{
	struct treed *t = arg;
	int64_t every = (int64_t)t->d->conf.purge_hours * 3600 * 1000;
	int removed;

	if (every > 0 && (t->purged_ms < 0 || loop_now_ms() - t->purged_ms >= every)) {
		t->purged_ms = loop_now_ms();
		if (snap_purge_now(t, &removed) < 0)
			warnx("autopurge failed; trying again in %d hours", t->d->conf.purge_hours);
		return;
	}
	treed_snap_tell(t, 0);
}

/* zk-ctl commands: "snapshot" starts one now, "purge" runs one purge. */
int treed_command(struct daemon *d, const char *cmd, size_t len, char *out,
			 size_t outlen)
{
	struct treed *t = d->ctx;
	int removed;

	if (len == 8 && memcmp(cmd, "snapshot", 8) == 0) {
		int k = snapper_start(&t->snap);
		if (k < 0) {
			snprintf(out, outlen, "snapshot: cannot start (see zk-treed's log)");
			return EIO;
		}
		if (k == 1) {
			t->since_snap = 0;
			t->since_bytes = 0;
		}
		/* The one running (or just started) is number taken + 1. */
		snprintf(out, outlen, "%s seq=%" PRIu64 " failures=%" PRIu64,
			 k ? "started" : "running", t->snaps_taken + 1, t->snap_failures);
		return 0;
	}
	if (len == 5 && memcmp(cmd, "purge", 5) == 0) {
		if (snap_purge_now(t, &removed) < 0) {
			snprintf(out, outlen, "purge: failed (see zk-treed's log)");
			return EIO;
		}
		snprintf(out, outlen, "oldest_retained=0x%016" PRIx64 " snapshots_removed=%d "
			 "snapshots=%zu", (uint64_t)(t->snaps.n ? t->snaps.zxid[0] : 0), removed,
			 t->snaps.n);
		return 0;
	}
	snprintf(out, outlen, "unknown command (zk-treed knows: snapshot, purge)");
	return EINVAL;
}

/* Txns applied since the newest snapshot, so that restarts do not put the
 * next one off: the zxid distance within one epoch; across epochs (or
 * with no snapshot) the counter part of the applied zxid. */
uint64_t treed_since_newest(const struct treed *t)
{
	int64_t newest = t->snaps.n ? t->snaps.zxid[t->snaps.n - 1] : 0;

	if (newest > 0 && newest <= t->applied && newest >> 32 == t->applied >> 32)
		return (uint64_t)(t->applied - newest);
	return (uint64_t)(t->applied & 0xffffffff);
}

/* Opens the env and reads its applied zxid: 0, or -1 with nothing open. */
static int tree_try_open(struct treed *t)
{
	MDB_txn *r;

	if (treedb_open(&t->tree, t->dir, 1) < 0)
		return -1;
	if (treedb_rbegin(&t->tree, &r) < 0) {
		treedb_close(&t->tree);
		return -1;
	}
	t->applied = treedb_applied(&t->tree, r);
	mdb_txn_abort(r);
	if (t->applied < 0) {
		treedb_close(&t->tree);
		return -1;
	}
	return 0;
}

/* The env as it is, or, when it is missing or unusable and snapshots
 * exist, the newest snapshot that restores (zk-zabd replays the log after
 * it). With no snapshot a missing env starts fresh, to be rebuilt from
 * the log, which zk-zabd refuses if a purge deleted part of it. */
void treed_tree_open(struct treed *t, const char *snapdir)
{
	char data[4200];
	struct stat st;
	int dfd = open(snapdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	t->snaps.n = 0;
	if (dfd >= 0) {
		if (snap_list(dfd, &t->snaps) < 0)
			fatalx("cannot list the snapshots in %s", snapdir);
		close(dfd);
	} else if (errno != ENOENT) {
		fatal("open %s", snapdir);
	}
	daemon_path(data, sizeof data, "%s/data.mdb", t->dir);
	if (stat(data, &st) == 0 || t->snaps.n == 0) {
		if (tree_try_open(t) == 0)
			return;
		if (t->snaps.n == 0)
			fatalx("cannot open the tree in %s and there is no snapshot to restore; "
			       "moving it aside rebuilds it from the txn log if no segment was purged",
			       t->dir);
		warnx("tree env %s is unusable: restoring the newest snapshot", t->dir);
	} else {
		info("tree env %s has no data.mdb: restoring the newest snapshot", t->dir);
	}
	for (size_t i = t->snaps.n; i-- > 0;) {
		if (snap_restore(snapdir, t->dir, t->snaps.zxid[i]) == 0 && tree_try_open(t) == 0) {
			t->restored_zxid = t->snaps.zxid[i];
			return;
		}
		warnx("snapshot 0x%016" PRIx64 " did not restore; trying an older one",
		      (uint64_t)t->snaps.zxid[i]);
	}
	fatalx("no snapshot in %s restores the tree", snapdir);
}
