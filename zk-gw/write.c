/* write.c: the write side of the gateway. Forwards client writes to
 * zk-zabd (GW_WRITE), and handles what comes back: TREE_APPLIED (fire the
 * watches of the txn first, then answer our request, so every client sees
 * an event before any reply that reflects the change) and ZAB_REPLY
 * (requests zk-zabd refused). Also batches session touches (GW_TOUCH). */
#include <stdlib.h>
#include <string.h>
#include "gw.h"
#include "log.h"
#include "treedb.h"
#include "txn.h"

#define TOUCH_BATCH 65536	/* ids per GW_TOUCH (field cap is 1 MiB) */

uint64_t write_new_corr(void)
{
	uint64_t c = ++gw.corr_next;

	return c ? c : ++gw.corr_next;
}

int write_forward(struct conn *c, struct pend *p, const uint8_t *body, size_t blen)
{
	struct msg m;
	uint64_t corr = write_new_corr();

	msg_init(&m, MSG_GW_WRITE, P_GW, corr);
	MSG_SET(&m, session, c->session);
	MSG_SET(&m, cxid, p->xid);
	MSG_SET(&m, op, p->op);
	MSG_SET(&m, origin, P_GW);
	if (p->op != OP_CLOSESESSION)
		MSG_SET_BYTES(&m, body, body, blen);
	/* prep checks write permissions against the connection's ids. */
	jute_buf_reset(&gw.authbuf);
	auth_ids_encode(c, &gw.authbuf);
	if (gw.authbuf.err) {
		warnx("%s: auth ids do not fit a write", c->peer);
		return -1;
	}
	MSG_SET_BYTES(&m, auth, gw.authbuf.p, gw.authbuf.len);
	if (map_put(gw.corrs, corr, p) < 0)
		return -1;
	if (ipc_send(&gw.d->ipc, P_ZABD, &m) < 0) {
		map_del(gw.corrs, corr);
		warnx("cannot queue a write for zk-zabd (queue full)");
		return -1;
	}
	p->corr = corr;
	p->st = PS_SENT;
	if (p->op == OP_CLOSESESSION) {
		/* Nothing after closeSession runs; close once it is answered. */
		p->close_after = 1;
		c->no_more_input = 1;
	}
	return 0;
}

/* ---- watch firing ---- */

/* Watch events need READ on the node they are about (Apache 3.8.4+, and
 * Debian's 3.8.0): the created, changed or deleted node, whose ACL the txn
 * carries, or the parent for NodeChildrenChanged, looked up in the tree on
 * the first delivery. A standard watch is used up even when its event is
 * withheld. */
enum { ACL_UNKNOWN, ACL_FROM_TXN, ACL_LOOKUP, ACL_LOOKED_UP };

struct fire_ctx {
	int type;
	struct jute_bytes path;
	int acl_state;
	struct jute_bytes acl_span;	/* ACL_FROM_TXN: vector<ACL> bytes */
	struct jute_acls acl;		/* decoded, once known */
	int began;			/* we opened the tree read txn */
};

/* 1 if the event may go to c. */
static int event_readable(struct fire_ctx *f, struct conn *c)
{
	if (c->super)
		return 1;
	if (f->acl_state == ACL_FROM_TXN) {
		struct jute_rd r;
		jute_rd_init(&r, f->acl_span.p, (size_t)f->acl_span.len, (size_t)f->acl_span.len);
		jute_dec_acls(&r, &f->acl);
		f->acl_state = r.err ? ACL_UNKNOWN : ACL_LOOKED_UP;
	} else if (f->acl_state == ACL_LOOKUP) {
		MDB_txn *t;
		struct tree_node n;
		int live = tree_live();

		f->acl_state = ACL_UNKNOWN;
		t = tree_rbegin();
		if (t) {
			f->began = !live;
			if (treedb_get(gw.tree, t, (const char *)f->path.p, (size_t)f->path.len, &n) == 0 &&
			    treedb_acl(gw.tree, t, n.acl, &f->acl) == 0)
				f->acl_state = ACL_LOOKED_UP;
		}
	}
	/* Unknown (the node left the tree, or an ephemeral of a session
	 * closed by a txn logged without ACLs): deliver, as before the READ
	 * rule. */
	return f->acl_state != ACL_LOOKED_UP || auth_check(c, &f->acl, PERM_READ);
}

static void notify(void *arg, struct watch_conn *wc)
{
	struct fire_ctx *f = arg;
	struct conn *c = (struct conn *)((char *)wc - offsetof(struct conn, w));
	uint8_t mem[4 + 16 + 12 + 4 + 1024];
	struct jute_buf b;
	struct jute_reply_hdr h = { XID_NOTIFICATION, -1, 0 };	/* 3.8: zxid -1 */
	struct jute_watcher_event ev = { f->type, ST_SYNC_CONNECTED, f->path };
	size_t off;

	if (c->dead || !event_readable(f, c))
		return;
	jute_buf_init(&b, 0);
	if ((size_t)f->path.len + 40 <= sizeof(mem))
		jute_buf_init_fixed(&b, mem, sizeof(mem));
	off = jute_frame_begin(&b);
	jute_enc_reply_hdr(&b, &h);
	jute_enc_watcher_event(&b, &ev);
	jute_frame_end(&b, off);
	if (!b.err) {
		c->sent++;
		gw.packets_sent++;
		(void)conn_write(c, b.p, b.len);
	}
	jute_buf_free(&b);
}

static struct jute_bytes parent_of(struct jute_bytes p)
{
	int32_t i;

	for (i = p.len - 1; i > 0; i--)
		if (p.p[i] == '/')
			break;
	p.len = i > 0 ? i : 1;	/* "/a" -> "/" */
	return p;
}

/* Event order within one change: data table at P, P's child table, then
 * the parent's child table. Persistent watches at P see P's events and
 * NodeChildrenChanged of P; recursive ones at P or above see every event
 * but NodeChildrenChanged. One event per connection per (path, type). */
static void fire_event(struct jute_bytes path, int type, struct jute_bytes acl)
{
	struct fire_ctx f = { type, path, ACL_UNKNOWN, acl, { 0 }, 0 };
	const char *p = (const char *)path.p;
	size_t n = (size_t)path.len;

	if (path.len < 0)
		return;
	if (type == EV_CHILDREN_CHANGED)
		f.acl_state = ACL_LOOKUP;
	else if (acl.len >= 4)
		f.acl_state = ACL_FROM_TXN;
	watch_round(&gw.watches);
	switch (type) {
	case EV_CREATED:
	case EV_DATA_CHANGED:
		watch_fire(&gw.watches, p, n, WK_DATA, notify, &f);
		break;
	case EV_DELETED:
		watch_fire(&gw.watches, p, n, WK_DATA, notify, &f);
		watch_fire(&gw.watches, p, n, WK_CHILD, notify, &f);
		break;
	case EV_CHILDREN_CHANGED:
		watch_fire(&gw.watches, p, n, WK_CHILD, notify, &f);
		watch_fire(&gw.watches, p, n, WK_PERSIST, notify, &f);
		if (f.began)
			tree_rend();
		return;
	}
	watch_fire(&gw.watches, p, n, WK_PERSIST, notify, &f);
	watch_fire_recursive(&gw.watches, p, n, notify, &f);
}

static void fire_op(int32_t type, struct jute_bytes path, struct jute_bytes acl)
{
	switch (type) {
	case OP_CREATE:
		fire_event(path, EV_CREATED, acl);
		fire_event(parent_of(path), EV_CHILDREN_CHANGED, JUTE_NULL);
		break;
	case OP_DELETE:
		fire_event(path, EV_DELETED, acl);
		fire_event(parent_of(path), EV_CHILDREN_CHANGED, JUTE_NULL);
		break;
	case OP_SETDATA:
		fire_event(path, EV_DATA_CHANGED, acl);
		break;
	default:
		break;
	}
}

static void close_session_conns(int64_t session, struct conn *keep)
{
	struct conn *c = map_get(gw.sessions, (uint64_t)session);

	if (c && c != keep)
		conn_close(c, NULL);
}

static void fire_txn(const struct txn *t, struct conn *closer)
{
	struct txn_iter it;

	switch (t->type) {
	case OP_CREATE:
	case OP_DELETE:
	case OP_SETDATA:
		fire_op(t->type, t->one.path, t->one.acl);
		break;
	case OP_MULTI: {
		struct txn_op op;

		txn_iter_init(&it, t);
		while (txn_sub_next(&it, &op) == 1)
			fire_op(op.type, op.path, op.acl);
		break;
	}
	case OP_CLOSESESSION: {
		struct jute_bytes p, acl;

		txn_iter_init(&it, t);
		while (txn_close_next(&it, &p, &acl) == 1)
			fire_op(OP_DELETE, p, acl);
		/* The session is gone: its connection closes without a word,
		 * unless it asked (it gets its reply first). */
		close_session_conns(t->session, closer);
		break;
	}
	default:
		break;
	}
}

static void answer(struct pend *p, int64_t zxid, int32_t err, const uint8_t *body, size_t blen)
{
	struct jute_buf *b = &gw.wscratch;
	struct jute_reply_hdr h = { p->xid, zxid, err };
	size_t off;

	jute_buf_reset(b);
	off = jute_frame_begin(b);
	jute_enc_reply_hdr(b, &h);
	if (err == 0 && blen)
		jute_put_raw(b, body, blen);
	jute_frame_end(b, off);
	if (b->err) {
		conn_close(p->c, "reply too large");
		return;
	}
	p->c->last_zxid = zxid;
	ops_write_done(p, b->p, b->len);
	if (b->cap > (4u << 20)) {	/* do not keep a huge reply's buffer */
		jute_buf_free(b);
		jute_buf_init(b, GW_OUT_HARD);
	}
}

static void on_applied(const struct msg *m)
{
	struct txn t;
	struct pend *p = NULL;
	struct conn *sc = NULL;
	int have_txn = txn_decode(m->txn.p, m->txn.len, &t) == 0;

	if (!have_txn)
		warnx("TREE_APPLIED 0x%llx: undecodable txn, no watches fired",
		      (unsigned long long)m->zxid);
	if (m->origin == P_GW && m->corr) {
		p = map_get(gw.corrs, m->corr);
		if (!p)
			sc = map_get(gw.sess_corrs, m->corr);
	}
	if (have_txn)
		fire_txn(&t, p ? p->c : NULL);
	if (m->zxid > gw.applied_zxid)
		gw.applied_zxid = m->zxid;
	if (p && !p->c->dead) {
		int32_t err = m->err;

		/* A multi answers err 0 with the per-op results in the body. */
		if (p->op == OP_MULTI && MSG_HAS(m, body) && m->body.len > 0)
			err = 0;
		answer(p, m->zxid, err, m->body.p, m->body.len);
	}
	if (sc && !sc->dead) {
		if (have_txn && t.type == OP_CREATESESSION && m->err == 0 &&
		    t.passwd.len == JUTE_PASSWD_LEN)
			hs_session_created(sc, t.session, t.timeout, t.passwd.p);
		else
			hs_session_failed(sc);
	}
}

static void on_zab_reply(const struct msg *m)
{
	struct pend *p = map_get(gw.corrs, m->corr);
	struct conn *sc;

	if (p) {
		if (!p->c->dead)
			answer(p, m->zxid, m->err, NULL, 0);
		return;
	}
	sc = map_get(gw.sess_corrs, m->corr);
	if (sc)
		hs_session_failed(sc);
}

static void handle(struct daemon *d, const struct msg *m)
{
	(void)d;
	switch (m->type) {
	case MSG_TREE_APPLIED:
		on_applied(m);
		break;
	case MSG_ZAB_REPLY:
		on_zab_reply(m);
		break;
	default:
		debug("ignoring %s", msg_type_name(m->type));
		break;
	}
}

/* daemon on_msg. Called from the loop (drain the rest of the inbox, then
 * advance FIFOs; the replies leave at the end of the turn) or nested from a
 * read that waits for TREE_APPLIED (just handle it). */
void write_on_msg(struct daemon *d, const struct msg *m)
{
	static int depth;
	int i;

	conn_reap();
	handle(d, m);
	if (depth > 0 || gw.in_read)
		return;
	depth++;
	for (i = 0; i < 4096; i++) {
		struct msg n;
		void *frame;
		int rc = ipc_recv(&d->ipc, d->ipc.in_sock, &n, &frame);

		if (rc == 0)
			break;
		if (rc < 0)
			continue;
		handle(d, &n);
		ipc_release(frame);
	}
	ops_run_ready();
	depth--;
}

void write_touch_timer(void *arg)
{
	static uint8_t buf[TOUCH_BATCH * 8];
	size_t n = 0;
	int fd;

	(void)arg;
	conn_reap();
	for (fd = 0; fd <= gw.maxfd - 1; fd++) {
		struct conn *c = gw.conns[fd];
		int i;

		if (c && !c->dead && c->st == CS_SESSION &&
		    gw_now_ms() - c->sess_asked_ms > (c->timeout > 10000 ? c->timeout : 10000)) {
			/* The createSession was lost (a daemon restarted): the
			 * client retries on a new connection. */
			conn_close(c, "no session from zk-sessiond in time");
			continue;
		}
		if (!c || c->dead || !c->touched || !c->session || c->st != CS_OPEN)
			continue;
		c->touched = 0;
		for (i = 0; i < 8; i++)
			buf[n * 8 + (size_t)i] = (uint8_t)((uint64_t)c->session >> (56 - 8 * i));
		if (++n == TOUCH_BATCH) {
			struct msg m;

			msg_init(&m, MSG_GW_TOUCH, P_GW, 0);
			MSG_SET_BYTES(&m, sessions, buf, n * 8);
			if (ipc_send(&gw.d->ipc, P_SESSIOND, &m) < 0)
				warnx("GW_TOUCH to zk-sessiond dropped");
			n = 0;
		}
	}
	if (n) {
		struct msg m;

		msg_init(&m, MSG_GW_TOUCH, P_GW, 0);
		MSG_SET_BYTES(&m, sessions, buf, n * 8);
		if (ipc_send(&gw.d->ipc, P_SESSIOND, &m) < 0)
			warnx("GW_TOUCH to zk-sessiond dropped");
	}
}
