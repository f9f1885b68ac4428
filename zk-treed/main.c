/* zk-treed: applies committed txns to the tree in LMDB, in zxid order, and
 * publishes each result (TREE_APPLIED) to zk-gw and, for session txns, to
 * zk-sessiond. The only writer of the tree env.
 *
 * Batching: the inbox is read here (not by common/daemon.c) so that every
 * ZAB_COMMIT of one wake-up goes into one LMDB write txn; the results are
 * sent only after that txn commits, so a reader that sees a TREE_APPLIED
 * also sees its change in LMDB.
 *
 * Order: a commit whose prev is not our last applied zxid is a duplicate
 * (zxid <= applied: ignored) or follows a gap (lost message, zk-zabd
 * restart): we drop it and say TREE_HELLO{applied}, and zk-zabd replays
 * from there. The env is opened MDB_NOSYNC (see common/treedb.c); a timer
 * syncs it so that the replay after a machine crash stays short.
 *
 * Snapshots (snapshot.h): every snapCount applied txns a thread copies the
 * env; every autopurge.purgeInterval hours (or on `zk-ctl purge`) the
 * oldest beyond autopurge.snapRetainCount go and TREE_SNAPSHOT{purge}
 * lets zk-zabd drop the log segments only they needed. An env that cannot
 * be opened at start is restored from the newest snapshot. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include "apply.h"
#include "daemon.h"
#include "log.h"
#include "snapshot.h"
#include "treedb.h"
#include "txn.h"

#define TREED_BATCH_MAX		1024	/* commits per LMDB write txn */
#define TREED_SYNC_MS		1000	/* mdb_env_sync period when dirty */
#define TREED_HELLO_MS		500	/* resend TREE_HELLO while a gap lasts */
#define TREED_SNAPINFO_MS	5000	/* resend TREE_SNAPSHOT (a restarted zk-zabd) */

struct done {
	void *frame;		/* the ZAB_COMMIT frame (txn bytes live there) */
	struct msg msg;
	int32_t err;
	int session_txn;
	size_t body_off, body_len;
};

struct treed {
	struct daemon *d;
	char dir[4096];
	struct treedb tree;
	int64_t applied;
	int gap;			/* a gap was seen and not yet filled */
	int dirty;			/* commits since the last env sync */
	struct done batch[TREED_BATCH_MAX];
	struct jute_buf bodies;
	uint64_t txns, batches, dups, gaps, hellos, syncs, bad;
	uint64_t drops, drops_told;	/* TREE_APPLIED that could not leave */
	int64_t told_ms;

	/* snapshots */
	struct snapper snap;
	struct snap_list snaps;
	uint64_t since_snap;		/* txns applied since the last snapshot began */
	uint64_t snaps_taken, snap_failures, snaps_purged, purges;
	int64_t snap_last_zxid, snap_last_ms, restored_zxid;
	int64_t purged_ms;		/* last autopurge, -1 never */
};

static void hello(struct treed *t)
{
	struct msg m;

	msg_init(&m, MSG_TREE_HELLO, P_TREED, 0);
	MSG_SET(&m, zxid, t->applied);
	if (ipc_send(&t->d->ipc, P_ZABD, &m) < 0)
		warnx("cannot send TREE_HELLO to zk-zabd");
	t->hellos++;
}

static void publish(struct treed *t, struct done *x)
{
	struct msg m;

	msg_init(&m, MSG_TREE_APPLIED, P_TREED, x->msg.corr);
	MSG_SET(&m, zxid, x->msg.zxid);
	MSG_SET(&m, origin, x->msg.origin);
	MSG_SET(&m, err, x->err);
	MSG_SET_BYTES(&m, txn, x->msg.txn.p, x->msg.txn.len);
	if (x->err == ZOK && x->body_len > 0)
		MSG_SET_BYTES(&m, body, t->bodies.p + x->body_off, x->body_len);
	/* A peer that is down loses these (its queue is bounded); it rebuilds
	 * from the tree when it comes back. Said once per second at most. */
	if (ipc_send(&t->d->ipc, P_GW, &m) < 0)
		t->drops++;
	if (x->session_txn && ipc_send(&t->d->ipc, P_SESSIOND, &m) < 0)
		t->drops++;
	if (t->drops != t->drops_told && loop_now_ms() - t->told_ms >= 1000) {
		warnx("%" PRIu64 " TREE_APPLIED could not be sent (zk-gw or zk-sessiond down?)",
		      t->drops - t->drops_told);
		t->drops_told = t->drops;
		t->told_ms = loop_now_ms();
	}
}

/* Applies x inside w: 0, or APPLY_MISFIT (w must be aborted). */
static int apply_entry(struct treed *t, MDB_txn *w, struct done *x, struct txn *txn,
		       struct apply_misfit *mf)
{
	int rc;

	if (txn_decode(x->msg.txn.p, x->msg.txn.len, txn) != 0 || txn->zxid != x->msg.zxid)
		fatalx("ZAB_COMMIT %" PRIx64 " from zk-zabd: malformed txn", (uint64_t)x->msg.zxid);
	x->body_off = t->bodies.len;
	rc = apply_txn(&t->tree, w, txn, &x->err, &t->bodies, mf);
	if (rc < 0)
		fatalx("tree: cannot apply zxid %" PRIx64 "; exiting for a clean replay",
		       (uint64_t)x->msg.zxid);
	if (rc == APPLY_MISFIT)
		return rc;
	if (t->bodies.err)
		fatalx("tree: reply of zxid %" PRIx64 " too large", (uint64_t)x->msg.zxid);
	x->body_len = t->bodies.len - x->body_off;
	x->session_txn = txn->type == OP_CREATESESSION || txn->type == OP_CLOSESESSION;
	return 0;
}

/* Applies batch entry n (in zxid order) inside *w. A multi that does not
 * fit the tree (prep makes it impossible) has half changed *w: start a new
 * write txn, redo the entries before it, and answer it as a failed multi
 * that changed nothing, as Apache would. */
static void apply_one(struct treed *t, MDB_txn **w, int n)
{
	struct done *x = &t->batch[n];
	struct apply_misfit mf;
	struct txn txn;
	int i, rc;

	if (apply_entry(t, *w, x, &txn, &mf) == APPLY_MISFIT) {
		mdb_txn_abort(*w);
		rc = mdb_txn_begin(t->tree.env, NULL, 0, w);
		if (rc)
			fatalx("tree: write txn: %s", mdb_strerror(rc));
		jute_buf_reset(&t->bodies);
		for (i = 0; i < n; i++) {
			struct apply_misfit again;
			struct txn tx;

			if (apply_entry(t, *w, &t->batch[i], &tx, &again) != 0)
				fatalx("tree: zxid %" PRIx64 " does not apply twice the same way",
				       (uint64_t)t->batch[i].msg.zxid);
		}
		x->body_off = t->bodies.len;
		apply_multi_failed(&txn, &mf, &t->bodies);
		x->err = ZOK;
		x->body_len = t->bodies.len - x->body_off;
		x->session_txn = 0;
		t->bad++;
	}
	t->applied = x->msg.zxid;
	t->txns++;
}

static void treed_inbox(void *arg, int fd, uint32_t events)
{
	struct treed *t = arg;
	struct ipc *ipc = &t->d->ipc;
	MDB_txn *w = NULL;
	int n = 0, i, rc;

	(void)fd;
	(void)events;
	jute_buf_reset(&t->bodies);
	while (n < TREED_BATCH_MAX) {
		struct done *x = &t->batch[n];

		rc = ipc_recv(ipc, ipc->in_sock, &x->msg, &x->frame);
		if (rc == 0)
			break;
		if (rc < 0)
			continue;
		if (x->msg.type != MSG_ZAB_COMMIT) {
			warnx("unexpected %s from %s", msg_type_name(x->msg.type),
			      proc_name(x->msg.sender) ? proc_name(x->msg.sender) : "unknown");
			ipc_release(x->frame);
			continue;
		}
		if (x->msg.zxid <= t->applied) {
			t->dups++;
			ipc_release(x->frame);
			continue;
		}
		if (x->msg.prev != t->applied) {
			if (!t->gap) {
				t->gaps++;
				t->gap = 1;
				hello(t);
			}
			ipc_release(x->frame);
			continue;
		}
		if (w == NULL) {
			rc = mdb_txn_begin(t->tree.env, NULL, 0, &w);
			if (rc)
				fatalx("tree: write txn: %s", mdb_strerror(rc));
		}
		t->gap = 0;
		apply_one(t, &w, n);
		n++;
	}
	if (w) {
		if (treedb_set_applied(&t->tree, w, t->applied) < 0)
			fatalx("tree: cannot record the applied zxid");
		rc = mdb_txn_commit(w);
		if (rc)
			fatalx("tree: commit: %s", mdb_strerror(rc));
		t->batches++;
		t->dirty = 1;
		t->since_snap += (uint64_t)n;
		if (t->since_snap >= (uint64_t)t->d->conf.snap_count && snapper_start(&t->snap) == 1)
			t->since_snap = 0;
	}
	for (i = 0; i < n; i++) {
		publish(t, &t->batch[i]);
		ipc_release(t->batch[i].frame);
	}
}

/* Tells zk-zabd which snapshots exist; purge = 1 after a snapshot purge. */
static void snap_tell(struct treed *t, int purge)
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

static void snap_done(void *arg, int fd, uint32_t events)
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
	snap_tell(t, 0);
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
	snap_tell(t, 1);
	return 0;
}

static void snapinfo_timer(void *arg)
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
	snap_tell(t, 0);
}

/* zk-ctl commands: "snapshot" starts one now, "purge" runs one purge. */
static int treed_command(struct daemon *d, const char *cmd, size_t len, char *out,
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
		if (k == 1)
			t->since_snap = 0;
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

static void sync_timer(void *arg)
{
	struct treed *t = arg;
	int rc;

	if (!t->dirty)
		return;
	rc = mdb_env_sync(t->tree.env, 1);
	if (rc)
		warnx("tree: sync: %s", mdb_strerror(rc));
	else
		t->syncs++;
	t->dirty = 0;
}

static void hello_timer(void *arg)
{
	struct treed *t = arg;

	if (t->gap)
		hello(t);
}

static void treed_status(struct daemon *d, struct json *j)
{
	struct treed *t = d->ctx;
	MDB_txn *r;
	int64_t count = -1;

	if (treedb_rbegin(&t->tree, &r) == 0) {
		count = treedb_count(&t->tree, r);
		mdb_txn_abort(r);
	}
	json_int(j, "applied_zxid", t->applied);
	json_int(j, "znodes", count);
	json_uint(j, "txns", t->txns);
	json_uint(j, "batches", t->batches);
	json_uint(j, "duplicates", t->dups);
	json_uint(j, "gaps", t->gaps);
	json_uint(j, "hellos", t->hellos);
	json_uint(j, "syncs", t->syncs);
	json_uint(j, "misfits", t->bad);
	json_uint(j, "applied_drops", t->drops);
	json_uint(j, "snapshots_taken", t->snaps_taken);
	json_uint(j, "snapshot_failures", t->snap_failures);
	json_int(j, "snapshot_running", t->snap.running);
	json_int(j, "snapshot_last_zxid", t->snap_last_zxid);
	json_int(j, "snapshot_last_ms", t->snap_last_ms);
	json_uint(j, "snapshots", t->snaps.n);
	json_int(j, "snapshot_oldest_zxid", t->snaps.n ? t->snaps.zxid[0] : 0);
	json_uint(j, "snapshot_purges", t->purges);
	json_uint(j, "snapshots_purged", t->snaps_purged);
	json_int(j, "restored_from_zxid", t->restored_zxid);
}

/* Txns applied since the newest snapshot, so that restarts do not put the
 * next one off: the zxid distance within one epoch; across epochs (or
 * with no snapshot) the counter part of the applied zxid. */
static uint64_t since_newest(const struct treed *t)
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
static void tree_open(struct treed *t, const char *snapdir)
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

int main(int argc, char **argv)
{
	static struct daemon d;
	static struct treed t;
	const char *rw[2];
	char snapdir[4200];

	daemon_init(&d, P_TREED, argc, argv);
	t.d = &d;
	daemon_path(t.dir, sizeof t.dir, "%s/tree", d.conf.data_dir);
	daemon_own_dir(&d, t.dir);
	rw[0] = t.dir;
	rw[1] = NULL;
	daemon_lockdown(&d, rw, NULL);
	/* group zk reads the env and writes its lock file */
	umask(007);
	daemon_path(snapdir, sizeof snapdir, "%s/" SNAP_DIR, t.dir);
	tree_open(&t, snapdir);
	if (snapper_init(&t.snap, t.tree.env, t.dir) < 0)
		fatalx("cannot use the snapshot dir %s", snapdir);
	t.purged_ms = -1;
	t.since_snap = since_newest(&t);
	jute_buf_init(&t.bodies, 256u << 20);
	info("tree in %s: applied zxid %" PRIx64, t.dir, (uint64_t)t.applied);

	d.ctx = &t;
	d.on_status = treed_status;
	d.on_command = treed_command;
	daemon_open_ipc(&d);
	if (loop_del(&d.loop, d.ipc.in_fd) < 0 ||
	    loop_add(&d.loop, d.ipc.in_fd, EPOLLIN, treed_inbox, &t) < 0 ||
	    loop_timer(&d.loop, TREED_SYNC_MS, sync_timer, &t) < 0 ||
	    loop_timer(&d.loop, TREED_HELLO_MS, hello_timer, &t) < 0 ||
	    loop_add(&d.loop, t.snap.efd, EPOLLIN, snap_done, &t) < 0 ||
	    loop_timer(&d.loop, TREED_SNAPINFO_MS, snapinfo_timer, &t) < 0)
		fatal("event loop registration");
	snprintf(d.state, sizeof d.state, "applying");
	hello(&t);		/* zk-zabd replays what we lack */
	snap_tell(&t, 0);
	daemon_ready(&d);
	sync_timer(&t);
	return daemon_run(&d);
}
