/* zk-sessiond: session creation (timeout negotiation, id, password),
 * liveness from the gateway's touches, and expiry as a closeSession txn.
 *
 * Timers live in memory only; the sessions table in the tree env is the
 * truth. At start, and every RECONCILE_MS after, the table is read: a
 * session there that we do not track gets a fresh full timeout (so a
 * restart of this daemon expires nobody early), and a closing session no
 * longer there is forgotten (its TREE_APPLIED may have been lost). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "daemon.h"
#include "expiry.h"
#include "log.h"
#include "treedb.h"
#include "txn.h"

#define SESS_MAX		(1u << 20)	/* tracked sessions */
#define POLL_MS			50		/* expiry check; buckets are a tick wide */
#define RECONCILE_MS		5000
#define EXPIRE_BATCH		1024		/* closeSessions sent per poll */

struct sessiond {
	struct daemon *d;
	struct expiry exp;
	struct treedb tree;
	int tree_open;
	char treedir[4096];
	uint64_t next_id;		/* next session id to hand out */
	int64_t *ids;			/* scratch: ids of a reconcile or GW_HELLO */
	size_t nids, idcap;
	int64_t last_reconcile;
	uint8_t *seen;			/* scratch for reconcile */
	/* counters */
	uint64_t created, expired, closed, touches, touch_unknown, rejects;
	uint64_t rebuilt, forgotten, gw_hellos;
};

/* Apache's layout: top byte = server id (1 standalone), then milliseconds
 * of the clock at start, then a counter in the low 16 bits. The wall clock
 * (not a monotonic one) keeps ids unique across reboots, since sessions
 * outlive this process in the sessions table. */
static uint64_t first_id(int myid)
{
	uint64_t ms = (uint64_t)wall_now_ms();
	uint64_t sid = (uint64_t)(myid > 0 ? myid : 1) & 0xff;

	return (sid << 56) | ((ms << 24) >> 8);
}

static int64_t take_id(struct sessiond *s)
{
	for (;;) {
		int64_t id = (int64_t)s->next_id++;
		/* Never 0 (the top byte is not 0) nor one we already track. */
		if (id != 0 && expiry_get(&s->exp, id, NULL, NULL, NULL) < 0)
			return id;
	}
}

static int32_t negotiate(const struct zk_conf *c, int32_t t)
{
	if (t < c->min_session_timeout)
		t = c->min_session_timeout;
	if (t > c->max_session_timeout)
		t = c->max_session_timeout;
	return t;
}

static void on_create(struct sessiond *s, const struct msg *m)
{
	struct msg w;
	uint8_t passwd[16];
	int32_t t = negotiate(&s->d->conf, m->timeout);
	int64_t id = take_id(s);
	size_t got = 0;

	while (got < sizeof passwd) {
		ssize_t n = getrandom(passwd + got, sizeof passwd - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fatal("getrandom");
		got += (size_t)n;
	}
	msg_init(&w, MSG_GW_WRITE, P_SESSIOND, m->corr);
	MSG_SET(&w, session, id);
	MSG_SET(&w, cxid, 0);
	MSG_SET(&w, op, OP_CREATESESSION);
	MSG_SET(&w, origin, P_GW);	/* zk-gw answers the client */
	MSG_SET(&w, timeout, t);
	MSG_SET_BYTES(&w, passwd, passwd, sizeof passwd);
	if (ipc_send(&s->d->ipc, P_ZABD, &w) < 0) {
		warnx("cannot submit createSession 0x%" PRIx64, (uint64_t)id);
		return;
	}
	s->created++;
	debug("createSession 0x%" PRIx64 " timeout %d", (uint64_t)id, t);
}

static void send_close(struct sessiond *s, int64_t id)
{
	struct msg w;

	msg_init(&w, MSG_GW_WRITE, P_SESSIOND, 0);
	MSG_SET(&w, session, id);
	MSG_SET(&w, cxid, 0);
	MSG_SET(&w, op, OP_CLOSESESSION);
	MSG_SET(&w, origin, P_SESSIOND);
	if (ipc_send(&s->d->ipc, P_ZABD, &w) < 0)
		warnx("cannot submit closeSession 0x%" PRIx64 " (will retry)", (uint64_t)id);
}

static void on_touch(struct sessiond *s, const struct msg *m)
{
	int64_t now = loop_now_ms();

	if (m->sessions.len % 8) {
		warnx("GW_TOUCH: %zu bytes is not a list of ids", m->sessions.len);
		return;
	}
	for (size_t i = 0; i < m->sessions.len; i += 8) {
		const uint8_t *p = m->sessions.p + i;
		uint64_t id = 0;
		for (int k = 0; k < 8; k++)
			id = id << 8 | p[k];
		s->touches++;
		if (expiry_renew(&s->exp, (int64_t)id, now) < 0)
			s->touch_unknown++;
	}
}

/* A client resumed its session: it now expires by the new timeout. The
 * gateway found the session in the table, so one we do not track yet (we
 * restarted and have not read the table) is added; a closing one stays
 * closing. */
static void on_renew(struct sessiond *s, const struct msg *m)
{
	int closing = 0;

	if (expiry_get(&s->exp, m->session, NULL, &closing, NULL) == 0 && closing)
		return;
	if (expiry_touch(&s->exp, m->session, m->timeout, loop_now_ms()) < 0)
		warnx("session 0x%" PRIx64 ": cannot renew", (uint64_t)m->session);
}

/* createSession / closeSession results from zk-treed. */
static void on_applied(struct sessiond *s, const struct msg *m)
{
	struct txn t;

	if (txn_decode(m->txn.p, m->txn.len, &t) < 0) {
		warnx("TREE_APPLIED 0x%" PRIx64 ": undecodable txn", (uint64_t)m->zxid);
		return;
	}
	if (t.type == OP_CREATESESSION && m->err == 0) {
		if (expiry_touch(&s->exp, t.session, t.timeout, loop_now_ms()) < 0)
			warnx("session 0x%" PRIx64 ": too many sessions to track",
			      (uint64_t)t.session);
	} else if (t.type == OP_CLOSESESSION || t.op == OP_CLOSESESSION) {
		if (expiry_remove(&s->exp, t.session) == 0)
			s->closed++;
	}
}

static int grow_ids(struct sessiond *s, size_t need)
{
	if (need <= s->idcap)
		return 0;
	size_t cap = s->idcap ? s->idcap : 1024;
	while (cap < need)
		cap *= 2;
	int64_t *p = realloc(s->ids, cap * sizeof *p);
	if (!p)
		return -1;
	s->ids = p;
	uint8_t *q = realloc(s->seen, cap);
	if (!q)
		return -1;
	s->seen = q;
	s->idcap = cap;
	return 0;
}

static void collect(void *arg, const struct expiry_ent *e)
{
	struct sessiond *s = arg;
	if (s->nids < s->idcap)
		s->ids[s->nids++] = e->id;
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

struct reconcile {
	struct sessiond *s;
	int64_t now;
};

static int table_row(void *arg, int64_t id, int32_t timeout, const uint8_t *passwd)
{
	struct reconcile *r = arg;
	struct sessiond *s = r->s;
	int64_t *hit;

	(void)passwd;
	/* Never hand out an id an earlier run of ours already gave out. */
	if ((uint64_t)id >> 56 == s->next_id >> 56 && (uint64_t)id >= s->next_id)
		s->next_id = (uint64_t)id + 1;
	hit = bsearch(&id, s->ids, s->nids, sizeof *s->ids, id_cmp);
	if (hit) {
		s->seen[hit - s->ids] = 1;
		return 0;
	}
	/* In the table, not tracked: a full timeout from now. */
	if (expiry_touch(&s->exp, id, timeout, r->now) < 0) {
		warnx("session 0x%" PRIx64 ": too many sessions to track", (uint64_t)id);
		return 0;
	}
	s->rebuilt++;
	return 0;
}

static void reconcile(struct sessiond *s)
{
	struct reconcile r = { s, loop_now_ms() };
	MDB_txn *txn;

	if (!s->tree_open) {
		if (treedb_open(&s->tree, s->treedir, 0) < 0)
			return;
		s->tree_open = 1;
		info("tree open: rebuilding session timers");
	}
	if (grow_ids(s, expiry_count(&s->exp) + 1) < 0) {
		warnx("reconcile: out of memory");
		return;
	}
	s->nids = 0;
	expiry_each(&s->exp, collect, s);
	qsort(s->ids, s->nids, sizeof *s->ids, id_cmp);
	memset(s->seen, 0, s->nids);
	if (treedb_rbegin(&s->tree, &txn) < 0)
		return;
	if (treedb_sessions(&s->tree, txn, table_row, &r) < 0) {
		mdb_txn_abort(txn);
		return;
	}
	mdb_txn_abort(txn);
	for (size_t i = 0; i < s->nids; i++) {
		int closing = 0;
		if (s->seen[i])
			continue;
		/* Tracked but gone from the table. A session we track but
		 * zk-treed has not stored yet is never closing, so only a
		 * closing one (its close applied, the news lost) goes. */
		if (expiry_get(&s->exp, s->ids[i], NULL, &closing, NULL) == 0 && closing) {
			expiry_remove(&s->exp, s->ids[i]);
			s->forgotten++;
		}
	}
}

/* Every 100 ms until the tree env opens, then every RECONCILE_MS. */
static void reconcile_timer(void *arg)
{
	struct sessiond *s = arg;
	int64_t now = loop_now_ms();

	/* zk-treed restored a snapshot over the env: ours is a dead file;
	 * the supervisor restarts us on the new one (timers are rebuilt). */
	if (s->tree_open && treedb_replaced(&s->tree))
		fatalx("tree env %s was replaced (restored from a snapshot): exiting to open the new one",
		       s->treedir);
	if (s->tree_open && now - s->last_reconcile < RECONCILE_MS)
		return;
	s->last_reconcile = now;
	reconcile(s);
}

/* zk-gw restarted: its clients must reconnect, so every session gets a
 * full timeout from now, as Apache gives them after a server restart. */
static void on_gw_hello(struct sessiond *s)
{
	int64_t now = loop_now_ms();

	s->gw_hellos++;
	if (grow_ids(s, expiry_count(&s->exp) + 1) < 0) {
		warnx("GW_HELLO: out of memory");
		return;
	}
	s->nids = 0;
	expiry_each(&s->exp, collect, s);
	for (size_t i = 0; i < s->nids; i++)
		expiry_renew(&s->exp, s->ids[i], now);
	info("zk-gw started: %zu sessions get a fresh timeout", s->nids);
}

static void poll_timer(void *arg)
{
	struct sessiond *s = arg;
	int64_t ids[EXPIRE_BATCH];
	size_t n;

	/* Before the tree is read we do not know every session: expire none. */
	if (!s->tree_open)
		return;
	n = expiry_poll(&s->exp, loop_now_ms(), ids, EXPIRE_BATCH);
	for (size_t i = 0; i < n; i++) {
		info("session 0x%" PRIx64 " expired", (uint64_t)ids[i]);
		s->expired++;
		send_close(s, ids[i]);
	}
}

static void sessiond_on_msg(struct daemon *d, const struct msg *m)
{
	struct sessiond *s = d->ctx;

	switch (m->type) {
	case MSG_SESS_CREATE:
		on_create(s, m);
		break;
	case MSG_GW_TOUCH:
		on_touch(s, m);
		break;
	case MSG_TREE_APPLIED:
		on_applied(s, m);
		break;
	case MSG_GW_HELLO:
		on_gw_hello(s);
		break;
	case MSG_SESS_RENEW:
		on_renew(s, m);
		break;
	case MSG_ZAB_REPLY:
		/* A closeSession zk-zabd could not take: the retry resends it. */
		s->rejects++;
		break;
	default:
		warnx("unexpected %s from %s", msg_type_name(m->type),
		      proc_name(m->sender) ? proc_name(m->sender) : "unknown");
	}
}

static void sessiond_status(struct daemon *d, struct json *j)
{
	struct sessiond *s = d->ctx;

	json_int(j, "sessions", (int64_t)expiry_count(&s->exp));
	json_int(j, "tick_ms", d->conf.tick_time);
	json_int(j, "min_session_timeout", d->conf.min_session_timeout);
	json_int(j, "max_session_timeout", d->conf.max_session_timeout);
	json_uint(j, "created", s->created);
	json_uint(j, "expired", s->expired);
	json_uint(j, "closed", s->closed);
	json_uint(j, "touches", s->touches);
	json_uint(j, "touch_unknown", s->touch_unknown);
	json_uint(j, "zab_rejects", s->rejects);
	json_uint(j, "rebuilt_from_table", s->rebuilt);
	json_uint(j, "forgotten", s->forgotten);
	json_uint(j, "gw_hellos", s->gw_hellos);
	json_int(j, "tree_open", s->tree_open);
	json_uint(j, "zabd_queue", d->ipc.peers[P_ZABD].qmsgs);
}

int main(int argc, char **argv)
{
	static struct daemon d;
	static struct sessiond s;
	const char *rw[2];

	daemon_init(&d, P_SESSIOND, argc, argv);
	s.d = &d;
	daemon_path(s.treedir, sizeof s.treedir, "%s/tree", d.conf.data_dir);
	/* Read-only tree env, but an LMDB reader writes the lock file, and the
	 * env may appear only after lock-down: dataDir is in the rw list. */
	rw[0] = d.conf.data_dir;
	rw[1] = NULL;
	daemon_lockdown(&d, rw, NULL);
	if (expiry_init(&s.exp, d.conf.tick_time, d.conf.max_session_timeout,
			SESS_MAX, loop_now_ms()) < 0)
		fatalx("session timers: bad tickTime %d / maxSessionTimeout %d",
		       d.conf.tick_time, d.conf.max_session_timeout);
	s.next_id = first_id(d.conf.myid);
	reconcile(&s);
	d.ctx = &s;
	d.on_msg = sessiond_on_msg;
	d.on_status = sessiond_status;
	daemon_open_ipc(&d);
	if (loop_timer(&d.loop, POLL_MS, poll_timer, &s) < 0 ||
	    loop_timer(&d.loop, 100, reconcile_timer, &s) < 0)
		fatal("event loop registration");
	daemon_ready(&d);
	return daemon_run(&d);
}
