/* prep.c: turn a client write into a txn, in Apache ZooKeeper's check
 * order (fact sheet §6.2), against the tree plus the overlay of pending
 * txns (see prep.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "acl.h"
#include "log.h"
#include "prep.h"
#include "prep_ov.h"
#include "txn.h"
#include "zpath.h"

#define CONTAINER_OWNER INT64_MIN

struct prep {
	struct treedb *tree;
	size_t max_buffer;
	MDB_txn *rt;			/* read txn, reset between calls */
	struct ov ov;
	struct jute_id ids[ACL_IDS_MAX];
	int nids;
	struct jute_buf acl;		/* a fixed-up ACL list */
	struct jute_buf subs;		/* encoded multi sub-ops */
	int64_t zxid, now;		/* of the txn being built */
	int64_t session;
};

/* A node as prep sees it: tree + overlay. */
struct pnode {
	int32_t version, aversion, cversion, num_children;
	int64_t owner;
	struct jute_acls acl;
};

struct prep *prep_new(struct treedb *tree, size_t max_buffer)
{
	struct prep *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if (ov_init(&p->ov)) {
		free(p);
		return NULL;
	}
	p->tree = tree;
	p->max_buffer = max_buffer ? max_buffer : JUTE_MAXBUFFER;
	jute_buf_init(&p->acl, 1u << 20);
	jute_buf_init(&p->subs, TXN_MAX);
	return p;
}

void prep_free(struct prep *p)
{
	if (p == NULL)
		return;
	if (p->rt)
		mdb_txn_abort(p->rt);
	ov_free(&p->ov);
	jute_buf_free(&p->acl);
	jute_buf_free(&p->subs);
	free(p);
}

void prep_reset(struct prep *p)
{
	ov_clear(&p->ov);
}

size_t prep_pending(const struct prep *p)
{
	return p->ov.count + p->ov.scount;
}

void prep_committed(struct prep *p, int64_t zxid)
{
	ov_drop(&p->ov, zxid);
}

/* Opens (renews) the read txn and drops what the tree already has. */
static int begin(struct prep *p)
{
	int64_t applied;
	int rc;

	if (p->rt == NULL)
		rc = mdb_txn_begin(p->tree->env, NULL, MDB_RDONLY, &p->rt);
	else
		rc = mdb_txn_renew(p->rt);
	if (rc) {
		warnx("prep: read txn: %s", mdb_strerror(rc));
		if (p->rt) {
			mdb_txn_abort(p->rt);
			p->rt = NULL;
		}
		return -1;
	}
	applied = treedb_applied(p->tree, p->rt);
	if (applied < 0) {
		mdb_txn_reset(p->rt);
		return -1;
	}
	ov_drop(&p->ov, applied);
	return 0;
}

static void end(struct prep *p)
{
	mdb_txn_reset(p->rt);
}

static void acls_from_bytes(const uint8_t *b, size_t len, struct jute_acls *a)
{
	struct jute_rd r;

	jute_rd_init(&r, b, len, len);
	jute_dec_acls(&r, a);
	if (r.err)
		a->n = 0;
}

/* 1 exists, 0 absent, -1 LMDB error. */
static int node_get(struct prep *p, const char *path, size_t len, struct pnode *n)
{
	struct ov_node *e = ov_find(&p->ov, path, len);
	struct tree_node t;
	int rc;

	if (len == 0)
		return node_get(p, "/", 1, n);
	if (e) {
		if (!e->exists)
			return 0;
		n->version = e->version;
		n->aversion = e->aversion;
		n->cversion = e->cversion;
		n->num_children = e->num_children;
		n->owner = e->owner;
		acls_from_bytes(e->acl, e->acl_len, &n->acl);
		return 1;
	}
	rc = treedb_get(p->tree, p->rt, path, len, &t);
	if (rc < 0 && rc != ZNONODE)
		return -1;
	if (rc == ZNONODE)
		return 0;
	n->version = t.version;
	n->aversion = t.aversion;
	n->cversion = t.cversion;
	n->num_children = t.num_children;
	n->owner = t.owner;
	if (treedb_acl(p->tree, p->rt, t.acl, &n->acl))
		return -1;
	return 1;
}

/* Overlay entry for path holding n's current state (so it can be
 * modified). NULL on failure. */
static struct ov_node *touch(struct prep *p, const char *path, size_t len,
			     const struct pnode *n)
{
	struct ov_node *e = ov_find(&p->ov, path, len);
	int fresh = e == NULL;
	struct jute_buf b;

	e = ov_touch(&p->ov, path, len, p->zxid);
	if (e == NULL)
		return NULL;
	if (fresh && n) {
		uint8_t tmp[4];

		e->exists = 1;
		e->version = n->version;
		e->aversion = n->aversion;
		e->cversion = n->cversion;
		e->num_children = n->num_children;
		e->owner = n->owner;
		/* keep the ACL as count + entries */
		jute_buf_init_fixed(&b, tmp, sizeof(tmp));
		jute_put_int(&b, n->acl.n < 0 ? 0 : n->acl.n);
		e->acl = malloc(4 + n->acl.rawlen);
		if (e->acl == NULL)
			return NULL;
		memcpy(e->acl, tmp, 4);
		if (n->acl.rawlen)
			memcpy(e->acl + 4, n->acl.raw, n->acl.rawlen);
		e->acl_len = 4 + n->acl.rawlen;
	}
	return e;
}

/* ---- session checks ---------------------------------------------------- */

/* ZOK, ZUNKNOWNSESSION, ZSESSIONEXPIRED (closing), or -1. */
static int session_check(struct prep *p, int64_t id)
{
	struct ov_sess *s = ov_sess_find(&p->ov, id);
	int rc;

	if (s)
		return s->state == OVS_OPEN ? ZOK : ZSESSIONEXPIRED;
	rc = treedb_session_get(p->tree, p->rt, id, NULL, NULL);
	if (rc < 0 && rc != ZNONODE)
		return -1;
	return rc == 0 ? ZOK : ZUNKNOWNSESSION;
}

/* ---- the ops ------------------------------------------------------------ */

/* Each op check returns ZOK with *op filled (pointing into the request or
 * into p's buffers) and the overlay updated, an error code, or -1. */

/* ---- overlay updates: the effect of a checked (or logged) op -------- */

static int apply_op(struct prep *p, const struct txn_op *op)
{
	const char *path = (const char *)op->path.p;
	size_t len = op->path.len > 0 ? (size_t)op->path.len : 0;
	struct pnode parent, n;
	struct ov_node *e;
	int plen, rc;

	switch (op->type) {
	case OP_CREATE:
	case OP_DELETE:
		plen = zpath_parent_len(path, len);
		if (plen < 0)
			return -1;
		rc = node_get(p, path, (size_t)plen, &parent);
		if (rc <= 0)
			return -1;
		e = touch(p, path, (size_t)plen, &parent);
		if (e == NULL)
			return -1;
		if (op->type == OP_CREATE) {
			e->cversion = op->version;
			e->num_children++;
			e = touch(p, path, len, NULL);
			if (e == NULL)
				return -1;
			e->exists = 1;
			e->version = e->aversion = e->cversion = e->num_children = 0;
			e->owner = op->owner;
			return ov_set_acl(&p->ov, e, op->acl.p, (size_t)op->acl.len);
		}
		e->num_children--;
		rc = node_get(p, path, len, &n);
		if (rc <= 0)
			return -1;
		e = touch(p, path, len, &n);
		if (e == NULL)
			return -1;
		e->exists = 0;
		return 0;
	case OP_SETDATA:
	case OP_SETACL:
		rc = node_get(p, path, len, &n);
		if (rc <= 0)
			return -1;
		e = touch(p, path, len, &n);
		if (e == NULL)
			return -1;
		if (op->type == OP_SETDATA) {
			e->version = op->version;
			return 0;
		}
		e->aversion = op->version;
		return ov_set_acl(&p->ov, e, op->acl.p, (size_t)op->acl.len);
	}
	return 0;	/* check, error: no effect */
}

static int check_create(struct prep *p, int32_t opcode, const struct jute_create_req *c,
			struct txn_op *op, char *pathbuf)
{
	const char *path = (const char *)c->path.p;
	size_t len = c->path.len > 0 ? (size_t)c->path.len : 0;
	struct pnode parent, n;
	int ephemeral, sequential, plen, rc;
	size_t flen;

	/* createContainer is CONTAINER whatever the flags say */
	int32_t flags = opcode == OP_CREATECONTAINER ? CM_CONTAINER : c->flags;

	/* 1-3: mode and TTL (TTL nodes are not enabled: Unimplemented) */
	if (flags < CM_PERSISTENT || flags > CM_PERSISTENT_SEQUENTIAL_WITH_TTL)
		return ZBADARGUMENTS;
	if (flags == CM_PERSISTENT_WITH_TTL || flags == CM_PERSISTENT_SEQUENTIAL_WITH_TTL)
		return ZUNIMPLEMENTED;
	if (opcode == OP_CREATETTL && c->ttl >= 0)
		return ZBADARGUMENTS;	/* a ttl with a mode that has none */
	/* 4: session */
	rc = session_check(p, p->session);
	if (rc != ZOK)
		return rc;
	ephemeral = flags == CM_EPHEMERAL || flags == CM_EPHEMERAL_SEQUENTIAL;
	sequential = flags == CM_PERSISTENT_SEQUENTIAL || flags == CM_EPHEMERAL_SEQUENTIAL;
	/* 5: path has a '/' and no NUL */
	if (c->path.len <= 0 || zpath_basic(path, len) != 0)
		return ZBADARGUMENTS;
	/* 6: ACL */
	jute_buf_reset(&p->acl);
	rc = acl_fixup(&c->acl, p->ids, p->nids, &p->acl);
	if (rc != 0 || p->acl.err)
		return p->acl.err ? -1 : rc;
	/* 7-8: parent exists, CREATE on it */
	plen = zpath_parent_len(path, len);
	if (plen < 0)
		return ZBADARGUMENTS;
	rc = node_get(p, path, (size_t)plen, &parent);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ZNONODE;
	if (!acl_allowed(&parent.acl, p->ids, p->nids, PERM_CREATE))
		return ZNOAUTH;
	/* 9-10: sequence suffix from the raw create counter, full check */
	if (len > TREEDB_PATH_MAX)
		return ZBADARGUMENTS;
	memcpy(pathbuf, path, len);
	flen = len;
	if (sequential)
		flen += (size_t)snprintf(pathbuf + len, 16, "%010d", parent.cversion);
	pathbuf[flen] = '\0';
	if (zpath_valid(pathbuf, flen) != 0 || flen > TREEDB_PATH_MAX)
		return ZBADARGUMENTS;
	/* 11-12: not there yet, parent not ephemeral */
	rc = node_get(p, pathbuf, flen, &n);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return ZNODEEXISTS;
	if (tree_owner_is_ephemeral(parent.owner))
		return ZNOCHILDRENFOREPHEMERALS;

	memset(op, 0, sizeof(*op));
	op->type = OP_CREATE;
	op->op = opcode;
	op->path = jute_mem(pathbuf, flen);
	op->data = c->data;
	op->acl = jute_mem(p->acl.p, p->acl.len);
	op->owner = ephemeral ? p->session :
		    flags == CM_CONTAINER ? CONTAINER_OWNER : 0;
	op->version = (int32_t)((uint32_t)parent.cversion + 1);
	return ZOK;
}

static int check_delete(struct prep *p, const struct jute_path_version *d,
			struct txn_op *op)
{
	const char *path = (const char *)d->path.p;
	size_t len = d->path.len > 0 ? (size_t)d->path.len : 0;
	struct pnode parent, n;
	int plen, rc;

	rc = session_check(p, p->session);
	if (rc != ZOK)
		return rc;
	if (len == 0 || zpath_basic(path, len) != 0 || zpath_reserved(path, len))
		return ZBADARGUMENTS;
	plen = zpath_parent_len(path, len);
	if (plen < 0)
		return ZBADARGUMENTS;
	rc = node_get(p, path, (size_t)plen, &parent);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ZNONODE;
	if (!acl_allowed(&parent.acl, p->ids, p->nids, PERM_DELETE))
		return ZNOAUTH;
	rc = node_get(p, path, len, &n);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ZNONODE;
	if (d->version != -1 && d->version != n.version)
		return ZBADVERSION;
	if (n.num_children != 0)
		return ZNOTEMPTY;

	memset(op, 0, sizeof(*op));
	op->type = OP_DELETE;
	op->op = OP_DELETE;
	op->path = d->path;
	return ZOK;
}

static int check_set_data(struct prep *p, const struct jute_set_data_req *s,
			  struct txn_op *op)
{
	const char *path = (const char *)s->path.p;
	size_t len = s->path.len > 0 ? (size_t)s->path.len : 0;
	struct pnode n;
	int rc;

	rc = session_check(p, p->session);
	if (rc != ZOK)
		return rc;
	if (zpath_valid(path, len) != 0)
		return ZBADARGUMENTS;
	rc = node_get(p, path, len, &n);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ZNONODE;
	if (!acl_allowed(&n.acl, p->ids, p->nids, PERM_WRITE))
		return ZNOAUTH;
	if (s->version != -1 && s->version != n.version)
		return ZBADVERSION;
	memset(op, 0, sizeof(*op));
	op->type = OP_SETDATA;
	op->op = OP_SETDATA;
	op->path = s->path;
	op->data = s->data;
	op->version = (int32_t)((uint32_t)n.version + 1);
	return ZOK;
}

static int check_set_acl(struct prep *p, const struct jute_set_acl_req *s,
			 struct txn_op *op)
{
	const char *path = (const char *)s->path.p;
	size_t len = s->path.len > 0 ? (size_t)s->path.len : 0;
	struct pnode n;
	int rc;

	rc = session_check(p, p->session);
	if (rc != ZOK)
		return rc;
	if (zpath_valid(path, len) != 0)
		return ZBADARGUMENTS;
	jute_buf_reset(&p->acl);
	rc = acl_fixup(&s->acl, p->ids, p->nids, &p->acl);
	if (rc != 0 || p->acl.err)
		return p->acl.err ? -1 : rc;
	rc = node_get(p, path, len, &n);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ZNONODE;
	if (!acl_allowed(&n.acl, p->ids, p->nids, PERM_ADMIN))
		return ZNOAUTH;
	if (s->version != -1 && s->version != n.aversion)
		return ZBADVERSION;
	memset(op, 0, sizeof(*op));
	op->type = OP_SETACL;
	op->op = OP_SETACL;
	op->path = s->path;
	op->acl = jute_mem(p->acl.p, p->acl.len);
	op->version = (int32_t)((uint32_t)n.aversion + 1);
	return ZOK;
}

static int check_check(struct prep *p, const struct jute_path_version *c,
		       struct txn_op *op)
{
	const char *path = (const char *)c->path.p;
	size_t len = c->path.len > 0 ? (size_t)c->path.len : 0;
	struct pnode n;
	int rc;

	rc = session_check(p, p->session);
	if (rc != ZOK)
		return rc;
	if (zpath_valid(path, len) != 0)
		return ZBADARGUMENTS;
	rc = node_get(p, path, len, &n);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ZNONODE;
	if (!acl_allowed(&n.acl, p->ids, p->nids, PERM_READ))
		return ZNOAUTH;
	if (c->version != -1 && c->version != n.version)
		return ZBADVERSION;
	memset(op, 0, sizeof(*op));
	op->type = OP_CHECK;
	op->op = OP_CHECK;
	op->path = c->path;
	op->version = c->version;
	return ZOK;
}


/* ---- multi --------------------------------------------------------------- */

/* One decoded sub-op: check it, record it in p->subs, update the overlay. */
static int multi_one(struct prep *p, const struct jute_multi_op *m, char *pathbuf)
{
	struct txn_op op;
	int rc;

	switch (m->op) {
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER: case OP_CREATETTL:
		rc = check_create(p, m->op, &m->u.create, &op, pathbuf);
		break;
	case OP_DELETE:
		rc = check_delete(p, &m->u.pv, &op);
		break;
	case OP_SETDATA:
		rc = check_set_data(p, &m->u.set_data, &op);
		break;
	case OP_CHECK:
		rc = check_check(p, &m->u.pv, &op);
		break;
	default:
		return ZMARSHALLINGERROR;
	}
	if (rc != ZOK)
		return rc;
	txn_encode_op(&p->subs, &op);
	return apply_op(p, &op) ? -1 : ZOK;
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
		if (++count > TXN_MULTI_MAX)
			return ZMARSHALLINGERROR;
		if ((m.op == OP_CREATE || m.op == OP_CREATE2 || m.op == OP_CREATECONTAINER ||
		     m.op == OP_CREATETTL) &&
		    (m.u.create.flags < 0 || m.u.create.flags > CM_PERSISTENT_SEQUENTIAL_WITH_TTL))
			return ZMARSHALLINGERROR;
	}
	if (k < 0 || jute_rd_done(&rd) != 0)
		return ZMARSHALLINGERROR;
	rc = session_check(p, p->session);
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
	if (c->n >= TXN_CLOSE_MAX)
		return 1;
	jute_put_str(&c->p->subs, jute_mem(path, len));
	c->n++;
	return c->p->subs.err ? 1 : 0;
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

/* closeSession: the session's ephemerals, tree + pending, into p->subs. */
static int collect_ephemerals(struct prep *p, int32_t *n)
{
	struct eph_collect c = { p, 0 };
	struct ov_node *e;
	struct tree_node t;
	int rc;

	jute_buf_reset(&p->subs);
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
		if (apply_op(p, &op))
			return -1;
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
	}
	if (jute_rd_done(&rd) != 0)
		return ZMARSHALLINGERROR;
	switch (r->op) {
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER: case OP_CREATETTL:
		rc = check_create(p, r->op, &q.c, &t->one, pathbuf);
		break;
	case OP_DELETE:
		rc = check_delete(p, &q.pv, &t->one);
		break;
	case OP_SETDATA:
		rc = check_set_data(p, &q.sd, &t->one);
		break;
	default:
		rc = check_set_acl(p, &q.sa, &t->one);
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
	return apply_op(p, &t->one) ? -1 : 0;
}

int prep_request(struct prep *p, const struct prep_req *r, int64_t zxid,
		 int64_t now_ms, struct jute_buf *out)
{
	char pathbuf[TREEDB_PATH_MAX + 16];
	struct ov_sess *s;
	struct txn t;
	size_t start = out->len;
	int rc = 0;

	switch (r->op) {
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER: case OP_CREATETTL:
	case OP_DELETE: case OP_SETDATA: case OP_SETACL: case OP_MULTI:
	case OP_CREATESESSION: case OP_CLOSESESSION:
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
	if (begin(p))
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
	end(p);
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
	if (begin(p))
		return -1;
	applied = treedb_applied(p->tree, p->rt);
	if (applied < 0 || t.zxid <= applied) {
		end(p);
		return applied < 0 ? -1 : 0;
	}
	p->zxid = t.zxid;
	p->session = t.session;
	switch (t.type) {
	case OP_CREATE: case OP_DELETE: case OP_SETDATA: case OP_SETACL:
		rc = apply_op(p, &t.one);
		break;
	case OP_MULTI:
		txn_iter_init(&it, &t);
		while (rc == 0 && txn_sub_next(&it, &op))
			rc = apply_op(p, &op);
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
	end(p);
	if (rc)
		warnx("prep: logged txn %llx does not fit the tree",
		      (unsigned long long)t.zxid);
	return rc;
}
