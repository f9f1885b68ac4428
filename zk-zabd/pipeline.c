/* pipeline.c: zk-zabd's write pipeline: take every waiting write, prep it,
 * stage it in the txn log, one sync, then the commit pump (see zabd.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include "log.h"
#include "txn.h"
#include "zabd.h"

#define HELLO_QUIET_MS 200	/* repeated TREE_HELLO{same zxid} ignored this long */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* zxids never go backwards: the next one is past the log, past the tree
 * and inside the current epoch. */
static void advance_next(struct zabd *z, int64_t seen)
{
	if (seen >= z->next_zxid)
		z->next_zxid = seen + 1;
	if ((z->next_zxid >> 32) < z->epoch)
		z->next_zxid = (z->epoch << 32) | 1;
}

static int new_epoch(struct zabd *z, int64_t epoch)
{
	if (epoch > UINT32_MAX - 1 || txnlog_epoch_write(&z->log, epoch, epoch) < 0)
		return -1;
	z->epoch = epoch;
	info("epoch %" PRId64, epoch);
	return 0;
}

int zab_start(struct zabd *z)
{
	char err[4400];
	int64_t cur, acc;

	if (txnlog_open(&z->log, z->logdir, err, sizeof err) < 0) {
		warnx("txn log: %s", err);
		return -1;
	}
	if (z->d->conf.txnlog_kb > 0)
		z->log.seg_max = (size_t)z->d->conf.txnlog_kb << 10;
	info("txn log %s: %" PRIu64 " records, last zxid 0x%" PRIx64 "%s%s",
	     z->logdir, z->log.found_records, (uint64_t)z->log.last_zxid,
	     z->log.bad_tail ? " (bad tail cut)" : "",
	     z->log.purged ? " (purged: starts after a snapshot)" : "");
	if (txnlog_epoch_read(&z->log, &cur, &acc) < 0)
		return -1;
	/* A standalone node starts at epoch 1; the log's own epoch wins if
	 * the epoch file is older than it. */
	cur = max64(max64(cur, 1), z->log.last_zxid >> 32);
	if (cur != acc || acc == 0) {
		if (new_epoch(z, cur) < 0)
			return -1;
	}
	z->epoch = cur;
	z->next_zxid = 0;
	advance_next(z, z->log.last_zxid);
	z->sent = z->log.last_zxid;
	z->hello_zxid = -1;
	z->sync_fd = txnlog_async_init(&z->log);
	if (z->sync_fd < 0)
		warnx("txn log: no sync thread; every batch is synced in line");
	jute_buf_init(&z->txn, TXN_MAX);
	return 0;
}

/* Feeds the prep overlay with what the log holds beyond the tree, so a
 * write prepped now is checked against txns not applied yet. */
static int feed_overlay(struct zabd *z, int64_t applied)
{
	struct txnlog_iter it;
	struct txnlog_rec r;
	uint64_t n = 0;
	int k;

	txnlog_iter_start(&z->log, &it, applied);
	while ((k = txnlog_iter_next(&it, &r)) == 1) {
		if (r.len < ZAB_PREFIX ||
		    prep_logged(z->prep, r.p + ZAB_PREFIX, r.len - ZAB_PREFIX) < 0) {
			/* Retried on the tree timer: say it once. */
			if (!z->feed_warned++)
				warnx("prep: cannot take logged txn 0x%" PRIx64
				      "; no writes until the tree has applied it",
				      (uint64_t)r.zxid);
			k = -1;
			break;
		}
		n++;
	}
	txnlog_iter_end(&it);
	if (n)
		info("%" PRIu64 " logged txns after the tree's zxid 0x%" PRIx64 " are pending",
		     n, (uint64_t)applied);
	return k;
}

int zab_open_tree(struct zabd *z)
{
	MDB_txn *txn;
	int64_t applied;

	if (z->prep)
		return 0;
	if (!z->tree_open) {
		if (treedb_open(&z->tree, z->treedir, 0) < 0)
			return -1;
		z->tree_open = 1;
	}
	if (treedb_rbegin(&z->tree, &txn) < 0)
		return -1;
	applied = treedb_applied(&z->tree, txn);
	mdb_txn_abort(txn);
	if (applied < 0)
		return -1;
	if (!z->tree_seen) {
		zab_check_gap(z, applied);
		z->tree_seen = 1;
		if (applied > z->log.last_zxid)
			warnx("tree zxid 0x%" PRIx64 " is past the txn log's 0x%" PRIx64,
			      (uint64_t)applied, (uint64_t)z->log.last_zxid);
		advance_next(z, applied);
		/* Replay what the tree lacks; nothing if it is up to date. */
		if (applied < z->sent)
			zab_on_hello(z, applied);
		info("tree at 0x%" PRIx64 ", log at 0x%" PRIx64 ", next zxid 0x%" PRIx64,
		     (uint64_t)applied, (uint64_t)z->log.last_zxid, (uint64_t)z->next_zxid);
	}
	/* A tree far behind (rebuilt from the log) would need a huge overlay:
	 * take writes only once the replay has brought it close. */
	if (applied < z->log.last_zxid && z->log.last_zxid - applied > ZAB_OVERLAY_FEED_MAX) {
		if (z->leader)
			snprintf(z->d->state, sizeof z->d->state, "catching up");
		return -1;
	}
	z->prep = prep_new(&z->tree, (size_t)z->d->conf.jute_maxbuffer);
	if (!z->prep)
		fatalx("prep: out of memory");
	prep_set_extended(z->prep, z->d->conf.extended_types);
	if (feed_overlay(z, applied) < 0) {
		prep_free(z->prep);
		z->prep = NULL;
		return -1;
	}
	if (z->leader)
		snprintf(z->d->state, sizeof z->d->state, "leader");
	info("taking writes: next zxid 0x%" PRIx64, (uint64_t)z->next_zxid);
	return 0;
}

void zab_tree_timer(void *arg)
{
	struct zabd *z = arg;

	/* zk-treed restored a snapshot over the env: this one is a file
	 * nobody writes any more; prep's view of it must not go on. */
	if (z->tree_open && treedb_replaced(&z->tree))
		fatalx("tree env %s was replaced (restored from a snapshot): exiting to open the new one",
		       z->treedir);
	if (!z->prep)
		zab_open_tree(z);
}

static void reply(struct zabd *z, const struct msg *m, int err)
{
	struct msg r;

	msg_init(&r, MSG_ZAB_REPLY, P_ZABD, m->corr);
	MSG_SET(&r, zxid, z->next_zxid - 1);
	MSG_SET(&r, err, err);
	MSG_SET(&r, session, m->session);
	MSG_SET(&r, cxid, m->cxid);
	z->replies++;
	if (ipc_send(&z->d->ipc, m->origin == P_SESSIOND ? P_SESSIOND : P_GW, &r) < 0)
		warnx("cannot send ZAB_REPLY to %s", proc_name(m->origin));
}

static void take_write(struct zabd *z, const struct msg *m)
{
	struct prep_req r = { 0 };
	int rc;

	z->writes++;
	if (!z->leader) {
		reply(z, m, ZCONNECTIONLOSS);
		return;
	}
	if (!z->prep && zab_open_tree(z) < 0) {
		reply(z, m, ZCONNECTIONLOSS);	/* zk-treed has not made the tree yet */
		return;
	}
	r.session = m->session;
	r.cxid = m->cxid;
	r.op = m->op;
	if (MSG_HAS(m, body)) {
		r.body = m->body.p;
		r.len = m->body.len;
	}
	if (MSG_HAS(m, timeout))
		r.timeout = m->timeout;
	if (MSG_HAS(m, auth)) {
		r.auth = m->auth.p;
		r.auth_len = m->auth.len;
	}
	if (MSG_HAS(m, passwd)) {
		if (m->passwd.len != 16) {
			reply(z, m, ZMARSHALLINGERROR);
			return;
		}
		r.passwd = m->passwd.p;
	}
	rc = zab_submit(z, &r, m->origin, m->corr);
	if (rc != 0)
		reply(z, m, rc);
}

int zab_submit(struct zabd *z, const struct prep_req *r, int32_t origin, uint64_t corr)
{
	uint8_t prefix[ZAB_PREFIX];
	int64_t zxid;
	int rc;

	zxid = z->next_zxid;
	z->prepared++;		/* prep reads the tree map: see trim.h */
	jute_buf_reset(&z->txn);
	rc = prep_request(z->prep, r, zxid, wall_now_ms(), &z->txn);
	if (rc == 0 && z->txn.err)
		fatalx("prep: txn of zxid 0x%" PRIx64 " over %u bytes", (uint64_t)zxid, TXN_MAX);
	if (rc != 0)
		return rc < 0 && rc != ZMARSHALLINGERROR && rc != ZUNIMPLEMENTED ?
		       ZSYSTEMERROR : rc;
	put32(prefix, (uint32_t)origin);
	put32(prefix + 4, (uint32_t)(corr >> 32));
	put32(prefix + 8, (uint32_t)corr);
	/* prep has taken zxid into its overlay: failing to stage it would
	 * leave the overlay ahead of the log, so it is fatal. */
	if (txnlog_append(&z->log, zxid, prefix, sizeof prefix, z->txn.p, z->txn.len) < 0)
		fatalx("txn log: cannot stage zxid 0x%" PRIx64, (uint64_t)zxid);
	z->next_zxid = zxid + 1;
	if ((z->next_zxid & 0xffffffffLL) == 0) {
		/* Counter exhausted: a new epoch, as a new leader would start. */
		if (new_epoch(z, z->epoch + 1) < 0)
			fatalx("cannot persist a new epoch");
		z->next_zxid = (z->epoch << 32) | 1;
	}
	return 0;
}

void zab_check_gap(struct zabd *z, int64_t applied)
{
	if (!txnlog_gap(&z->log, applied))
		return;
	/* Replaying from later would skip txns, from earlier is impossible:
	 * the tree needs a newer snapshot (zk-treed restores its newest) or
	 * the purged segments back. */
	fatalx("tree at zxid 0x%" PRIx64 " cannot be replayed: the txn log was purged "
	       "up to 0x%" PRIx64 " (first kept segment starts at 0x%" PRIx64 "); "
	       "restore a snapshot at or after 0x%" PRIx64 " into the tree env",
	       (uint64_t)applied, (uint64_t)z->log.purged,
	       (uint64_t)(z->log.nsegs ? z->log.segs[0].first : 0), (uint64_t)z->log.purged);
}

void zab_on_hello(struct zabd *z, int64_t zxid)
{
	int64_t now = loop_now_ms();

	z->hellos++;
	zab_check_gap(z, zxid);
	/* zk-treed says hello once per gap it sees; one rewind answers all
	 * the hellos a burst of lost commits causes. */
	if (zxid == z->hello_zxid && now - z->hello_ms < HELLO_QUIET_MS)
		return;
	z->hello_zxid = zxid;
	z->hello_ms = now;
	if (zxid > z->log.last_zxid) {
		warnx("zk-treed is at 0x%" PRIx64 ", past the txn log's 0x%" PRIx64,
		      (uint64_t)zxid, (uint64_t)z->log.last_zxid);
		advance_next(z, zxid);
		z->sent = z->log.last_zxid;
		return;
	}
	if (zxid != z->sent)
		info("zk-treed at 0x%" PRIx64 ": replaying from there", (uint64_t)zxid);
	z->sent = zxid;
	if (z->it_open) {
		txnlog_iter_end(&z->it);
		z->it_open = 0;
	}
}

void zab_pump(struct zabd *z)
{
	struct ipc_peer *tp = &z->d->ipc.peers[P_TREED];
	struct txnlog_rec r;
	int n = 0;

	if (z->sent >= z->log.last_zxid)
		return;
	if (!z->it_open) {
		txnlog_iter_start(&z->log, &z->it, z->sent);
		z->it_open = 1;
	}
	while (n < ZAB_PUMP_MAX && tp->qmsgs < ZAB_TREED_QUEUE_MAX) {
		struct msg m;
		uint64_t corr;
		int k = txnlog_iter_next(&z->it, &r);

		if (k == 0)
			break;
		if (k < 0 || r.len < ZAB_PREFIX)
			fatalx("txn log: unreadable record after 0x%" PRIx64, (uint64_t)z->sent);
		corr = (uint64_t)get32(r.p + 4) << 32 | get32(r.p + 8);
		msg_init(&m, MSG_ZAB_COMMIT, P_ZABD, corr);
		MSG_SET(&m, zxid, r.zxid);
		MSG_SET(&m, prev, z->sent);
		MSG_SET(&m, origin, (int32_t)get32(r.p));
		MSG_SET_BYTES(&m, txn, r.p + ZAB_PREFIX, r.len - ZAB_PREFIX);
		/* A commit that cannot leave is not retried here: zk-treed sees
		 * the gap at the next one and says TREE_HELLO. */
		if (ipc_send(&z->d->ipc, P_TREED, &m) < 0)
			z->commit_drops++;
		else
			z->commits_sent++;
		z->sent = r.zxid;
		n++;
	}
}

void zab_pump_timer(void *arg)
{
	zab_pump(arg);
}

/* Group commit. A small batch (light load) is synced in line, which is
 * the shortest round trip; a bigger one goes to the sync thread so that
 * the next batch is taken and prepped while this one is synced. One batch
 * at a time: the next starts when this one is done (zab_sync_cb). */
static void start_sync(struct zabd *z)
{
	size_t recs = z->log.batch_recs;

	if (txnlog_busy(&z->log) || !txnlog_staged(&z->log))
		return;
	z->batches++;
	if (recs > z->batch_max)
		z->batch_max = recs;
	if (recs < ZAB_INLINE_RECS || z->sync_fd < 0) {
		if (txnlog_sync(&z->log) < 0)
			fatalx("txn log: sync failed; exiting to reopen the log");
		zab_pump(z);
		return;
	}
	if (txnlog_sync_start(&z->log) < 0)
		fatalx("txn log: cannot start a segment");
}

/* The inbox, read here instead of by common/daemon.c so that the end of a
 * burst is known: that is when the batch is synced and committed. */
void zab_inbox(void *arg, int fd, uint32_t events)
{
	struct zabd *z = arg;
	struct ipc *ipc = &z->d->ipc;
	size_t taken = 0;

	(void)fd;
	(void)events;
	for (int i = 0; i < ZAB_TAKE_MAX && txnlog_staged(&z->log) < TXNLOG_BATCH_MAX; i++) {
		struct msg m;
		void *frame;
		int rc = ipc_recv(ipc, ipc->in_sock, &m, &frame);

		if (rc == 0)
			break;
		if (rc < 0)
			continue;
		switch (m.type) {
		case MSG_GW_WRITE:
			take_write(z, &m);
			taken++;
			break;
		case MSG_TREE_HELLO:
			zab_on_hello(z, m.zxid);
			break;
		case MSG_TREE_SNAPSHOT:
			zab_on_snapshot(z, &m);
			break;
		default:
			warnx("unexpected %s from %s", msg_type_name(m.type),
			      proc_name(m.sender) ? proc_name(m.sender) : "unknown");
		}
		ipc_release(frame);
	}
	(void)taken;
	start_sync(z);
	zab_pump(z);
}

/* The reaper's pass: each pick becomes a deleteContainer write of no
 * session, as Apache's ContainerManager submits it; its txn reaches
 * zk-gw (watches) but answers nobody (origin zk-zabd). */
void zab_reaper_timer(void *arg)
{
	struct zabd *z = arg;
	struct reaper *rp = &z->reaper;
	const char *path;
	int n, i;

	if (!z->leader || !z->prep || txnlog_staged(&z->log) >= TXNLOG_BATCH_MAX)
		return;
	n = reaper_pass(rp, &z->tree, z->prep, wall_now_ms(), loop_now_ms());
	for (i = 0, path = rp->paths; i < n; i++, path += strlen(path) + 1) {
		struct prep_req r = { 0 };
		int rc;

		r.op = OP_DELETECONTAINER;
		r.internal = 1;
		r.body = (const uint8_t *)path;	/* the path's bytes, no length */
		r.len = strlen(path);
		rc = zab_submit(z, &r, P_ZABD, 0);
		if (rc != 0)
			warnx("reaper: deleteContainer %s: %d", path, rc);
		else
			z->reaped++;
	}
	if (n > 0) {
		start_sync(z);
		zab_pump(z);
	}
}

/* Drops our view of the tree map when idle or over its cap (trim.h). */
void zab_trim_timer(void *arg)
{
	struct zabd *z = arg;

	if (z->tree_open)
		trim_tick(&z->trim, &z->tree, z->prepared, loop_now_ms());
}

/* The sync thread finished a batch: commit it, then sync what was staged
 * meanwhile. */
void zab_sync_cb(void *arg, int fd, uint32_t events)
{
	struct zabd *z = arg;
	int k = txnlog_sync_done(&z->log);

	(void)fd;
	(void)events;
	if (k < 0)
		fatalx("txn log: sync failed; exiting to reopen the log");
	if (k == 0)
		return;
	zab_pump(z);
	start_sync(z);
}
