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
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include "apply.h"
#include "daemon.h"
#include "log.h"
#include "treed.h"
#include "txn.h"

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
	t->since_bytes += (uint64_t)x->msg.txn.len;
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
		treed_snap_maybe(t);
	}
	for (i = 0; i < n; i++) {
		publish(t, &t->batch[i]);
		ipc_release(t->batch[i].frame);
	}
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
	treed_tree_open(&t, snapdir);
	if (snapper_init(&t.snap, t.tree.env, t.dir) < 0)
		fatalx("cannot use the snapshot dir %s", snapdir);
	t.purged_ms = -1;
	t.since_snap = treed_since_newest(&t);
	t.snap_bytes = treed_newest_bytes(&t);
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
	    loop_add(&d.loop, t.snap.efd, EPOLLIN, treed_snap_done, &t) < 0 ||
	    loop_timer(&d.loop, TREED_SNAPINFO_MS, treed_snapinfo_timer, &t) < 0)
		fatal("event loop registration");
	snprintf(d.state, sizeof d.state, "applying");
	hello(&t);		/* zk-zabd replays what we lack */
	treed_snap_tell(&t, 0);
	daemon_ready(&d);
	sync_timer(&t);
	return daemon_run(&d);
}
