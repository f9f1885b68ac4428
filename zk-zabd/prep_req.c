/* prep_req.c: prep's entry points: single writes, multi (all or nothing,
 * sub-ops see earlier ones), createSession/closeSession (the session's
 * ephemerals, tree + pending, listed into the txn), and logged txns. */
#include <string.h>
#include "log.h"
#include "prep_int.h"
#include "zpath.h"

/* ---- multi --------------------------------------------------------------- */

/* One decoded sub-op: check it, record it in p->subs, update the overlay. */
static int multi_one(struct prep *p, const struct jute_multi_op *m, char *pathbuf)
{
	struct txn_op op;
	int rc;

	switch (m->op) {
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER: case OP_CREATETTL:
		rc = prep_check_create(p, m->op, &m->u.create, &op, pathbuf);
		break;
	case OP_DELETE:
		rc = prep_check_delete(p, &m->u.pv, &op);
		break;
	case OP_SETDATA:
		rc = prep_check_set_data(p, &m->u.set_data, &op);
		break;
	case OP_CHECK:
		rc = prep_check_check(p, &m->u.pv, &op);
		break;
	default:
		return ZMARSHALLINGERROR;
	}
	if (rc != ZOK)
		return rc;
	txn_encode_op(&p->subs, &op);
	return prep_apply_op(p, &op) ? -1 : ZOK;
}

/* Builds a MULTI txn (sub-ops in p->subs, n of them), 0/-1/error code. */
static int prep_multi(struct prep *p, const struct prep_req *r, int32_t *n,
		      char *pathbuf)
{
	struct jute_multi_op m;
	struct jute_rd rd;
	int32_t count = 0, i, failed_at = -1;
	int k, bad, rc = ZOK;
	struct txn_op eop;

	/* Decode everything first: a bad op fails the whole request. */
	jute_rd_init(&rd, r->body, r->len, p->max_buffer);
	while ((k = jute_multi_next(&rd, 0, &m, &bad)) == 1) {
		/* a bad create flag fails its sub-op in place (BadArguments) */
		if (++count > TXN_MULTI_MAX)
			return ZMARSHALLINGERROR;
	}
	if (k < 0 || jute_rd_done(&rd) != 0)
		return ZMARSHALLINGERROR;
	rc = prep_session_check(p, p->session);
	if (rc != ZOK)
		return rc;

	jute_buf_reset(&p->subs);
	ov_multi_begin(&p->ov);
	jute_rd_init(&rd, r->body, r->len, p->max_buffer);
	for (i = 0; i < count; i++) {
		if (jute_multi_next(&rd, 0, &m, &bad) != 1) {
			rc = -1;	/* decoded fine a moment ago */
			break;
		}
		rc = multi_one(p, &m, pathbuf);
		if (rc != ZOK) {
			failed_at = i;
			break;
		}
	}
	if (rc == ZOK && !p->subs.err) {
		ov_multi_commit(&p->ov);
		*n = count;
		return ZOK;
	}
	ov_multi_rollback(&p->ov);
	if (rc == -1 || p->subs.err)
		return -1;
	/* all-or-nothing: earlier ops 0, the failing one its code, later -2 */
	jute_buf_reset(&p->subs);
	memset(&eop, 0, sizeof(eop));
	eop.type = OP_ERROR;
	eop.op = OP_ERROR;
	for (i = 0; i < count; i++) {
		eop.err = i < failed_at ? ZOK : i == failed_at ? rc : ZRUNTIMEINCONSISTENCY;
		txn_encode_op(&p->subs, &eop);
	}
	*n = count;
	return p->subs.err ? -1 : ZOK;
}

/* ---- sessions ------------------------------------------------------------ */

struct eph_collect {
	struct prep *p;
	int32_t n;
};

static int eph_add(struct eph_collect *c, const char *path, size_t len)
{
	struct prep *p = c->p;
	struct pnode n;

	if (c->n >= TXN_CLOSE_MAX)
		return 1;
	jute_put_str(&p->subs, jute_mem(path, len));
	/* Its ACL, for zk-gw's READ check of the NodeDeleted event; past
	 * the buffer's bound the txn goes without ACLs (see collect). */
	if (prep_node(p, path, len, &n) < 0)
		return 1;
	if (!p->eacl.err) {
		if (n.acl.n > 0)
			jute_enc_acls(&p->eacl, &n.acl);
		else
			jute_put_int(&p->eacl, 0);	/* not known */
	}
	c->n++;
	return p->subs.err ? 1 : 0;
}

/* An ephemeral of the tree, unless a pending txn deleted it. */
static int eph_tree_cb(void *arg, const char *path, size_t len)
{
	struct eph_collect *c = arg;
	struct ov_node *e = ov_find(&c->p->ov, path, len);

	if (e && (!e->exists || e->owner != c->p->session))
		return 0;
	return eph_add(c, path, len);
}

/* closeSession: the session's ephemerals, tree + pending, into p->subs,
 * their ACLs into p->eacl (p->eacl.err set if they do not all fit). */
static int collect_ephemerals(struct prep *p, int32_t *n)
{
	struct eph_collect c = { p, 0 };
	struct ov_node *e;
	struct tree_node t;
	int rc;

	jute_buf_reset(&p->subs);
	jute_buf_reset(&p->eacl);
	rc = treedb_ephemerals(p->tree, p->rt, p->session, eph_tree_cb, &c);
	if (rc != 0)
		return -1;
	for (e = p->ov.head; e; e = e->next) {
		if (!e->exists || e->owner != p->session)
			continue;
		rc = treedb_get(p->tree, p->rt, e->path, e->plen, &t);
		if (rc < 0 && rc != ZNONODE)
			return -1;
		if (rc == 0 && t.owner == p->session)
			continue;	/* listed from the tree already */
		if (eph_add(&c, e->path, e->plen))
			return -1;
	}
	if (p->subs.len + p->eacl.len + 1024 > TXN_MAX)
		p->eacl.err = 1;
	*n = c.n;
	return p->subs.err ? -1 : 0;
}

/* The overlay effect of closing a session: its ephemerals are gone. */
static int close_apply(struct prep *p, const uint8_t *raw, size_t rawlen, int32_t n)
{
	struct txn_iter it;
	struct txn t;
	struct txn_op op;

	memset(&t, 0, sizeof(t));
	t.raw = raw;
	t.rawlen = rawlen;
	t.n = n;
	txn_iter_init(&it, &t);
	memset(&op, 0, sizeof(op));
	op.type = OP_DELETE;
	while (txn_path_next(&it, &op.path))
		if (prep_apply_op(p, &op) < 0)
			return -1;	/* a path already gone (1) is skipped */
	return 0;
}

/* ---- entry points --------------------------------------------------------- */

static void put_error(struct jute_buf *out, struct txn *t, int32_t err)
{
	t->type = OP_ERROR;
	t->one.type = OP_ERROR;
	t->one.op = OP_ERROR;
	t->one.err = err;
	txn_encode(out, t);
}

/* One single-op write: check, encode, update the overlay. */
static int prep_single(struct prep *p, const struct prep_req *r, struct txn *t,
		       struct jute_buf *out, char *pathbuf)
{
	struct jute_rd rd;
	union {
		struct jute_create_req c;
		struct jute_path_version pv;
		struct jute_set_data_req sd;
		struct jute_set_acl_req sa;
		struct jute_bytes path;
	} q;
	int rc;

	jute_rd_init(&rd, r->body, r->len, p->max_buffer);
	switch (r->op) {
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER: case OP_CREATETTL:
		jute_dec_create_req(&rd, &q.c, r->op == OP_CREATETTL);
		break;
	case OP_DELETE:
		jute_dec_path_version(&rd, &q.pv);
		break;
	case OP_SETDATA:
		jute_dec_set_data_req(&rd, &q.sd);
		break;
	case OP_SETACL:
		jute_dec_set_acl_req(&rd, &q.sa);
		break;
	case OP_DELETECONTAINER:
		/* the body is the path itself (see prep_req.internal) */
		q.path = jute_mem(r->body, r->len);
		break;
	}
	if (r->op != OP_DELETECONTAINER && jute_rd_done(&rd) != 0)
		return ZMARSHALLINGERROR;
	switch (r->op) {
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER: case OP_CREATETTL:
		rc = prep_check_create(p, r->op, &q.c, &t->one, pathbuf);
		break;
	case OP_DELETE:
		rc = prep_check_delete(p, &q.pv, &t->one);
		break;
	case OP_SETDATA:
		rc = prep_check_set_data(p, &q.sd, &t->one);
		break;
	case OP_DELETECONTAINER:
		rc = r->internal ? prep_check_delete_container(p, &q.path, &t->one) :
		     ZBADARGUMENTS;
		break;
	default:
		rc = prep_check_set_acl(p, &q.sa, &t->one);
		break;
	}
	if (rc == -1)
		return -1;
	if (rc != ZOK) {
		put_error(out, t, rc);
		return 0;
	}
	t->type = t->one.type;
	t->one.op = r->op;
	txn_encode(out, t);
	return prep_apply_op(p, &t->one) ? -1 : 0;
}

int prep_request(struct prep *p, const struct prep_req *r, int64_t zxid,
		 int64_t now_ms, struct jute_buf *out)
{
	char *pathbuf = p->pathbuf;
	struct ov_sess *s;
	struct txn t;
	size_t start = out->len;
	int rc = 0;

	switch (r->op) {
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER: case OP_CREATETTL:
	case OP_DELETE: case OP_SETDATA: case OP_SETACL: case OP_MULTI:
	case OP_CREATESESSION: case OP_CLOSESESSION: case OP_DELETECONTAINER:
		break;
	default:
		return ZUNIMPLEMENTED;
	}
	if (r->op == OP_CREATESESSION &&
	    (r->passwd == NULL || r->timeout <= 0))
		return ZMARSHALLINGERROR;
	p->nids = acl_ids_decode(r->auth, r->auth_len, p->ids, ACL_IDS_MAX);
	if (p->nids < 0)
		return ZMARSHALLINGERROR;
	if (prep_begin(p))
		return -1;
	p->zxid = zxid;
	p->now = now_ms;
	p->session = r->session;
	memset(&t, 0, sizeof(t));
	t.zxid = zxid;
	t.time = now_ms;
	t.session = r->session;
	t.cxid = r->cxid;
	t.op = r->op;

	switch (r->op) {
	case OP_CREATESESSION:
		t.type = OP_CREATESESSION;
		t.timeout = r->timeout;
		t.passwd = jute_mem(r->passwd, JUTE_PASSWD_LEN);
		txn_encode(out, &t);
		s = ov_sess_touch(&p->ov, r->session, zxid);
		if (s == NULL)
			rc = -1;
		else
			s->state = OVS_OPEN;
		break;
	case OP_CLOSESESSION:
		/* No session check: closing an unknown session is a no-op txn. */
		if (collect_ephemerals(p, &t.n)) {
			rc = -1;
			break;
		}
		t.type = OP_CLOSESESSION;
		t.raw = p->subs.p;
		t.rawlen = p->subs.len;
		if (!p->eacl.err) {
			t.acls = p->eacl.p;
			t.aclslen = p->eacl.len;
		}
		txn_encode(out, &t);
		if (close_apply(p, p->subs.p, p->subs.len, t.n)) {
			rc = -1;
			break;
		}
		s = ov_sess_touch(&p->ov, r->session, zxid);
		if (s == NULL)
			rc = -1;
		else
			s->state = OVS_CLOSED;
		break;
	case OP_MULTI:
		rc = prep_multi(p, r, &t.n, pathbuf);
		if (rc == ZMARSHALLINGERROR || rc == -1)
			break;
		if (rc != ZOK) {	/* the session check */
			put_error(out, &t, rc);
			rc = 0;
			break;
		}
		t.type = OP_MULTI;
		t.raw = p->subs.p;
		t.rawlen = p->subs.len;
		txn_encode(out, &t);
		break;
	default:
		rc = prep_single(p, r, &t, out, pathbuf);
		break;
	}
	prep_end(p);
	if (rc == 0 && out->err)
		rc = -1;
	if (rc != 0)
		out->len = start;	/* nothing half-written */
	return rc;
}

int prep_logged(struct prep *p, const uint8_t *txn, size_t len)
{
	struct txn t;
	struct txn_iter it;
	struct txn_op op;
	struct ov_sess *s;
	int64_t applied;
	int rc = 0;

	if (txn_decode(txn, len, &t) != 0) {
		warnx("prep: a logged txn does not decode");
		return -1;
	}
	if (prep_begin(p))
		return -1;
	applied = treedb_applied(p->tree, p->rt);
	if (applied < 0 || t.zxid <= applied) {
		prep_end(p);
		return applied < 0 ? -1 : 0;
	}
	p->zxid = t.zxid;
	p->session = t.session;
	switch (t.type) {
	case OP_CREATE: case OP_DELETE: case OP_SETDATA: case OP_SETACL:
		rc = prep_apply_op(p, &t.one);
		break;
	case OP_MULTI:
		txn_iter_init(&it, &t);
		while (rc >= 0 && txn_sub_next(&it, &op)) {
			int k = prep_apply_op(p, &op);

			rc = k < 0 ? -1 : rc | k;
		}
		break;
	case OP_CREATESESSION:
	case OP_CLOSESESSION:
		if (t.type == OP_CLOSESESSION)
			rc = close_apply(p, t.raw, t.rawlen, t.n);
		s = ov_sess_touch(&p->ov, t.session, t.zxid);
		if (s == NULL)
			rc = -1;
		else
			s->state = t.type == OP_CREATESESSION ? OVS_OPEN : OVS_CLOSED;
		break;
	}
	prep_end(p);
	if (rc > 0) {
		/* The overlay is only a little off for this txn: keep going
		 * rather than refuse to start (zk-zabd exits on -1). */
		warnx("prep: logged txn %llx does not fit the tree",
		      (unsigned long long)t.zxid);
		return 0;
	}
	return rc;
}
