/* prep.c: turn a client write into a txn, in Apache ZooKeeper's check
 * order (fact sheet §6.2), against the tree plus the overlay of pending
 * txns (see prep.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "acl.h"
#include "log.h"
#include "prep.h"
#include "prep_int.h"
#include "prep_ov.h"
#include "txn.h"
#include "zpath.h"

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
	p->pathbuf = malloc(p->max_buffer + 16);
	if (p->pathbuf == NULL) {
		ov_free(&p->ov);
		free(p);
		return NULL;
	}
	jute_buf_init(&p->acl, 1u << 20);
	jute_buf_init(&p->nacl, 1u << 20);
	jute_buf_init(&p->subs, TXN_MAX);
	jute_buf_init(&p->eacl, TXN_MAX / 2);
	return p;
}

void prep_free(struct prep *p)
{
	if (p == NULL)
		return;
	if (p->rt)
		mdb_txn_abort(p->rt);
	ov_free(&p->ov);
	free(p->pathbuf);
	jute_buf_free(&p->acl);
	jute_buf_free(&p->nacl);
	jute_buf_free(&p->subs);
	jute_buf_free(&p->eacl);
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
int prep_begin(struct prep *p)
{
	int64_t applied;
	int rc;

	p->last_valid = 0;
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

void prep_end(struct prep *p)
{
	p->last_valid = 0;
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
	if (p->last_valid && p->last_len == len && memcmp(p->last_path, path, len) == 0) {
		*n = p->last;
		return p->last_valid - 1;
	}
	rc = treedb_get(p->tree, p->rt, path, len, &t);
	if (rc < 0 && rc != ZNONODE)
		return -1;
	if (rc == ZNONODE) {
		rc = 0;
	} else {
		n->version = t.version;
		n->aversion = t.aversion;
		n->cversion = t.cversion;
		n->num_children = t.num_children;
		n->owner = t.owner;
		/* the ACL points into the read txn, like the rest of last */
		if (treedb_acl(p->tree, p->rt, t.acl, &n->acl))
			return -1;
		rc = 1;
	}
	p->last_valid = 0;
	if (len <= sizeof(p->last_path)) {
		memcpy(p->last_path, path, len);
		p->last_len = len;
		if (rc)
			p->last = *n;
		p->last_valid = 1 + rc;
	}
	return rc;
}

int prep_node(struct prep *p, const char *path, size_t len, struct pnode *n)
{
	return node_get(p, path, len, n);
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
int prep_session_check(struct prep *p, int64_t id)
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

int prep_apply_op(struct prep *p, const struct txn_op *op)
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
			return 1;
		rc = node_get(p, path, (size_t)plen, &parent);
		if (rc <= 0)
			return rc < 0 ? -1 : 1;
		if (op->type == OP_DELETE) {
			/* check the node before changing anything */
			rc = node_get(p, path, len, &n);
			if (rc <= 0)
				return rc < 0 ? -1 : 1;
		}
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
		e = touch(p, path, len, &n);
		if (e == NULL)
			return -1;
		e->exists = 0;
		return 0;
	case OP_SETDATA:
	case OP_SETACL:
		rc = node_get(p, path, len, &n);
		if (rc <= 0)
			return rc < 0 ? -1 : 1;
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

/* The node's ACL as the vector<ACL> a DELETE or SETDATA op carries, so
 * that zk-gw can check READ before it sends a watch event about the node
 * (it may be gone from the tree by then). Valid until the next call; the
 * op is encoded before that. Null if it cannot be built. */
static struct jute_bytes node_acl(struct prep *p, const struct pnode *n)
{
	jute_buf_reset(&p->nacl);
	jute_enc_acls(&p->nacl, &n->acl);
	if (p->nacl.err || n->acl.n <= 0)
		return JUTE_NULL;
	return (struct jute_bytes){ p->nacl.p, (int32_t)p->nacl.len };
}

int prep_check_create(struct prep *p, int32_t opcode, const struct jute_create_req *c,
			struct txn_op *op, char *pathbuf)
{
	const char *path = (const char *)c->path.p;
	size_t len = c->path.len > 0 ? (size_t)c->path.len : 0;
	struct pnode parent, n;
	int ephemeral, sequential, ttl, plen, rc;
	size_t flen;

	/* createContainer is CONTAINER whatever the flags say */
	int32_t flags = opcode == OP_CREATECONTAINER ? CM_CONTAINER : c->flags;

	/* 1-3: mode; TTL modes need extended types; a ttl exactly for the
	 * TTL modes */
	if (flags < CM_PERSISTENT || flags > CM_PERSISTENT_SEQUENTIAL_WITH_TTL)
		return ZBADARGUMENTS;
	ttl = flags == CM_PERSISTENT_WITH_TTL || flags == CM_PERSISTENT_SEQUENTIAL_WITH_TTL;
	if (ttl && !p->extended)
		return ZUNIMPLEMENTED;
	if (ttl ? c->ttl <= 0 || c->ttl > TREE_TTL_MAX : c->ttl >= 0)
		return ZBADARGUMENTS;
	/* createTTL with another mode and ttl -1 passes Apache's checks but
	 * its txn cannot be applied (Apache 3.8 stops serving): refused. */
	if (!ttl && opcode == OP_CREATETTL)
		return ZBADARGUMENTS;
	/* 4: session */
	rc = prep_session_check(p, p->session);
	if (rc != ZOK)
		return rc;
	ephemeral = flags == CM_EPHEMERAL || flags == CM_EPHEMERAL_SEQUENTIAL;
	sequential = flags == CM_PERSISTENT_SEQUENTIAL || flags == CM_EPHEMERAL_SEQUENTIAL ||
		     flags == CM_PERSISTENT_SEQUENTIAL_WITH_TTL;
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
	/* 9-10: sequence suffix from the raw create counter, full check
	 * (pathbuf holds max_buffer + 16 bytes; the path came within
	 * max_buffer) */
	memcpy(pathbuf, path, len);
	flen = len;
	if (sequential)
		flen += (size_t)snprintf(pathbuf + len, 16, "%010d", parent.cversion);
	pathbuf[flen] = '\0';
	if (zpath_valid(pathbuf, flen) != 0)
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
		    flags == CM_CONTAINER ? CONTAINER_OWNER :
		    ttl ? (TREE_OWNER_TTL | c->ttl) : 0;
	op->version = (int32_t)((uint32_t)parent.cversion + 1);
	return ZOK;
}

int prep_check_delete(struct prep *p, const struct jute_path_version *d,
			struct txn_op *op)
{
	const char *path = (const char *)d->path.p;
	size_t len = d->path.len > 0 ? (size_t)d->path.len : 0;
	struct pnode parent, n;
	int plen, rc;

	rc = prep_session_check(p, p->session);
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
	op->acl = node_acl(p, &n);
	return ZOK;
}

/* deleteContainer from the reaper (prep_req.internal). As in Apache: no
 * session or ACL check, no version; any empty node that is not a
 * session's ephemeral goes (the reaper picked it; prep makes sure it is
 * still empty now that the writes before it are counted). Order: path
 * (-8), node (-101), children (-111), session ephemeral (-103). */
int prep_check_delete_container(struct prep *p, const struct jute_bytes *path_b,
				struct txn_op *op)
{
	const char *path = (const char *)path_b->p;
	size_t len = path_b->len > 0 ? (size_t)path_b->len : 0;
	struct pnode n;
	int rc;

	if (len == 0 || zpath_basic(path, len) != 0 || zpath_reserved(path, len) ||
	    zpath_parent_len(path, len) < 0)
		return ZBADARGUMENTS;
	rc = node_get(p, path, len, &n);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ZNONODE;
	if (n.num_children != 0)
		return ZNOTEMPTY;
	if (tree_owner_is_ephemeral(n.owner))
		return ZBADVERSION;
	memset(op, 0, sizeof(*op));
	op->type = OP_DELETE;
	op->op = OP_DELETECONTAINER;
	op->path = *path_b;
	return ZOK;
}

void prep_set_extended(struct prep *p, int on)
{
	p->extended = on != 0;
}

int prep_refresh(struct prep *p)
{
	if (prep_begin(p))
		return -1;
	prep_end(p);
	return 0;
}

int prep_has_pending(struct prep *p, const char *path, size_t len)
{
	return ov_find(&p->ov, path, len) != NULL;
}

int prep_check_set_data(struct prep *p, const struct jute_set_data_req *s,
			  struct txn_op *op)
{
	const char *path = (const char *)s->path.p;
	size_t len = s->path.len > 0 ? (size_t)s->path.len : 0;
	struct pnode n;
	int rc;

	rc = prep_session_check(p, p->session);
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
	op->acl = node_acl(p, &n);
	return ZOK;
}

int prep_check_set_acl(struct prep *p, const struct jute_set_acl_req *s,
			 struct txn_op *op)
{
	const char *path = (const char *)s->path.p;
	size_t len = s->path.len > 0 ? (size_t)s->path.len : 0;
	struct pnode n;
	int rc;

	rc = prep_session_check(p, p->session);
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

int prep_check_check(struct prep *p, const struct jute_path_version *c,
		       struct txn_op *op)
{
	const char *path = (const char *)c->path.p;
	size_t len = c->path.len > 0 ? (size_t)c->path.len : 0;
	struct pnode n;
	int rc;

	rc = prep_session_check(p, p->session);
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
