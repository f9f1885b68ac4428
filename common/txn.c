/* txn.c: binary txn encoding and bounded decoding (see txn.h). */
#include <string.h>
#include "txn.h"

/* A span of the input: an encoded vector<ACL> (count + entries). Empty
 * and null lists cannot be stored, so they are malformed here. */
static struct jute_bytes get_acl_span(struct jute_rd *r)
{
	struct jute_bytes v = JUTE_NULL;
	struct jute_acls a;
	size_t start = r->off;

	jute_dec_acls(r, &a);
	if (r->err)
		return v;
	if (a.n <= 0) {
		r->err = 1;
		return v;
	}
	v.p = r->p + start;
	v.len = (int32_t)(r->off - start);
	return v;
}

/* The ACL a DELETE or SETDATA op carries for zk-gw's READ check of watch
 * events (the node may be gone by the time zk-gw sees the txn). An empty
 * vector means "not known". */
static struct jute_bytes get_acl_opt(struct jute_rd *r)
{
	size_t start = r->off;
	int32_t n;
	struct jute_acls a;

	n = jute_get_int(r);
	if (r->err || n == 0)
		return JUTE_NULL;
	r->off = start;
	jute_dec_acls(r, &a);
	if (r->err || a.n <= 0) {
		r->err = 1;
		return JUTE_NULL;
	}
	return (struct jute_bytes){ r->p + start, (int32_t)(r->off - start) };
}

static void put_acl_span(struct jute_buf *b, struct jute_bytes acl);

static void put_acl_opt(struct jute_buf *b, struct jute_bytes acl)
{
	if (acl.len < 4)
		jute_put_int(b, 0);
	else
		put_acl_span(b, acl);
}

static void put_acl_span(struct jute_buf *b, struct jute_bytes acl)
{
	if (acl.len < 4) {
		b->err = 1;	/* not a vector: refuse to write a bad txn */
		return;
	}
	jute_put_raw(b, acl.p, (size_t)acl.len);
}

/* Body of one op of type op->type. */
static void put_body(struct jute_buf *b, const struct txn_op *op)
{
	switch (op->type) {
	case OP_CREATE:
		jute_put_str(b, op->path);
		jute_put_buf(b, op->data);
		put_acl_span(b, op->acl);
		jute_put_long(b, op->owner);
		jute_put_int(b, op->version);
		break;
	case OP_DELETE:
		jute_put_str(b, op->path);
		put_acl_opt(b, op->acl);
		break;
	case OP_SETDATA:
		jute_put_str(b, op->path);
		jute_put_buf(b, op->data);
		jute_put_int(b, op->version);
		put_acl_opt(b, op->acl);
		break;
	case OP_SETACL:
		jute_put_str(b, op->path);
		put_acl_span(b, op->acl);
		jute_put_int(b, op->version);
		break;
	case OP_CHECK:
		jute_put_str(b, op->path);
		jute_put_int(b, op->version);
		break;
	case OP_ERROR:
		jute_put_int(b, op->err);
		break;
	default:
		b->err = 1;
	}
}

/* Paths are never null; an empty path is malformed too. */
static struct jute_bytes get_path(struct jute_rd *r)
{
	struct jute_bytes s = jute_get_str(r);

	if (!r->err && s.len <= 0)
		r->err = 1;
	return s;
}

static void get_body(struct jute_rd *r, struct txn_op *op, int in_multi)
{
	memset(&op->path, 0, sizeof(*op) - offsetof(struct txn_op, path));
	op->data = JUTE_NULL;
	switch (op->type) {
	case OP_CREATE:
		op->path = get_path(r);
		op->data = jute_get_buf(r);
		op->acl = get_acl_span(r);
		op->owner = jute_get_long(r);
		op->version = jute_get_int(r);
		break;
	case OP_DELETE:
		op->path = get_path(r);
		op->acl = get_acl_opt(r);
		break;
	case OP_SETDATA:
		op->path = get_path(r);
		op->data = jute_get_buf(r);
		op->version = jute_get_int(r);
		op->acl = get_acl_opt(r);
		break;
	case OP_SETACL:
		if (in_multi) {
			r->err = 1;	/* not a multi op in ZooKeeper */
			break;
		}
		op->path = get_path(r);
		op->acl = get_acl_span(r);
		op->version = jute_get_int(r);
		break;
	case OP_CHECK:
		if (!in_multi) {
			r->err = 1;
			break;
		}
		op->path = get_path(r);
		op->version = jute_get_int(r);
		break;
	case OP_ERROR:
		op->err = jute_get_int(r);
		break;
	default:
		r->err = 1;
	}
}

void txn_encode_op(struct jute_buf *b, const struct txn_op *op)
{
	jute_put_int(b, op->type);
	jute_put_int(b, op->op);
	put_body(b, op);
}

void txn_encode(struct jute_buf *b, const struct txn *t)
{
	int32_t i;

	jute_put_int(b, TXN_VERSION);
	jute_put_int(b, t->type);
	jute_put_long(b, t->zxid);
	jute_put_long(b, t->time);
	jute_put_long(b, t->session);
	jute_put_int(b, t->cxid);
	jute_put_int(b, t->op);
	switch (t->type) {
	case OP_CREATE: case OP_DELETE: case OP_SETDATA: case OP_SETACL:
	case OP_ERROR:
		if (t->one.type != t->type) {
			b->err = 1;
			return;
		}
		put_body(b, &t->one);
		break;
	case OP_MULTI:
		jute_put_int(b, t->n);
		if (t->subs != NULL)
			for (i = 0; i < t->n; i++)
				txn_encode_op(b, &t->subs[i]);
		else if (t->raw != NULL)
			jute_put_raw(b, t->raw, t->rawlen);
		break;
	case OP_CREATESESSION:
		jute_put_int(b, t->timeout);
		jute_put_buf(b, t->passwd);
		break;
	case OP_CLOSESESSION:
		jute_put_int(b, t->n);
		if (t->paths != NULL)
			for (i = 0; i < t->n; i++)
				jute_put_str(b, t->paths[i]);
		else if (t->raw != NULL)
			jute_put_raw(b, t->raw, t->rawlen);
		if (t->acls != NULL)
			jute_put_raw(b, t->acls, t->aclslen);
		break;
	default:
		b->err = 1;
	}
}

int txn_decode(const uint8_t *p, size_t len, struct txn *t)
{
	struct jute_rd r;
	struct txn_op sub;
	size_t start;
	int32_t i;

	memset(t, 0, sizeof(*t));
	if (len > TXN_MAX)
		return -1;
	jute_rd_init(&r, p, len, TXN_MAX);
	if (jute_get_int(&r) != TXN_VERSION)
		return -1;
	t->type = jute_get_int(&r);
	t->zxid = jute_get_long(&r);
	t->time = jute_get_long(&r);
	t->session = jute_get_long(&r);
	t->cxid = jute_get_int(&r);
	t->op = jute_get_int(&r);
	if (r.err)
		return -1;
	switch (t->type) {
	case OP_CREATE: case OP_DELETE: case OP_SETDATA: case OP_SETACL:
	case OP_ERROR:
		t->one.type = t->type;
		t->one.op = t->op;
		get_body(&r, &t->one, 0);
		break;
	case OP_MULTI:
		t->n = jute_get_int(&r);
		if (r.err || t->n < 0 || t->n > TXN_MULTI_MAX)
			return -1;
		start = r.off;
		/* Walk every sub-op now so that iteration cannot fail. */
		for (i = 0; i < t->n && !r.err; i++) {
			sub.type = jute_get_int(&r);
			sub.op = jute_get_int(&r);
			if (sub.type == OP_MULTI)
				return -1;
			get_body(&r, &sub, 1);
		}
		t->raw = p + start;
		t->rawlen = r.off - start;
		break;
	case OP_CREATESESSION:
		t->timeout = jute_get_int(&r);
		t->passwd = jute_get_buf(&r);
		if (!r.err && t->passwd.len != JUTE_PASSWD_LEN)
			return -1;
		break;
	case OP_CLOSESESSION:
		t->n = jute_get_int(&r);
		if (r.err || t->n < 0 || t->n > TXN_CLOSE_MAX)
			return -1;
		start = r.off;
		for (i = 0; i < t->n && !r.err; i++)
			(void)get_path(&r);
		t->raw = p + start;
		t->rawlen = r.off - start;
		if (r.err || r.off == r.len)
			break;	/* logged without ACLs */
		start = r.off;
		for (i = 0; i < t->n && !r.err; i++)
			(void)get_acl_opt(&r);
		t->acls = p + start;
		t->aclslen = r.off - start;
		break;
	default:
		return -1;
	}
	return jute_rd_done(&r);
}

void txn_iter_init(struct txn_iter *it, const struct txn *t)
{
	jute_vec_rd(&it->r, t->raw, t->rawlen);
	it->has_acls = t->type == OP_CLOSESESSION && t->acls != NULL;
	if (it->has_acls)
		jute_vec_rd(&it->ra, t->acls, t->aclslen);
	it->left = t->n;
}

int txn_sub_next(struct txn_iter *it, struct txn_op *op)
{
	if (it->left <= 0 || it->r.err)
		return 0;
	it->left--;
	op->type = jute_get_int(&it->r);
	op->op = jute_get_int(&it->r);
	get_body(&it->r, op, 1);
	return it->r.err ? 0 : 1;
}

int txn_path_next(struct txn_iter *it, struct jute_bytes *path)
{
	if (it->left <= 0 || it->r.err)
		return 0;
	it->left--;
	*path = jute_get_str(&it->r);
	return it->r.err ? 0 : 1;
}

int txn_close_next(struct txn_iter *it, struct jute_bytes *path, struct jute_bytes *acl)
{
	if (!txn_path_next(it, path))
		return 0;
	*acl = JUTE_NULL;
	if (it->has_acls) {
		*acl = get_acl_opt(&it->ra);
		if (it->ra.err) {	/* cannot happen on a decoded txn */
			it->has_acls = 0;
			*acl = JUTE_NULL;
		}
	}
	return 1;
}
