/* jute_rec.c: jute records of the client protocol (Stat, ACL, handshake,
 * headers, every request and response, watcher events, multi). */
#include <string.h>
#include "jute.h"

/* ---- Stat, Id, ACL, vectors -------------------------------------------- */

void jute_enc_stat(struct jute_buf *b, const struct jute_stat *s)
{
	jute_put_long(b, s->czxid);
	jute_put_long(b, s->mzxid);
	jute_put_long(b, s->ctime);
	jute_put_long(b, s->mtime);
	jute_put_int(b, s->version);
	jute_put_int(b, s->cversion);
	jute_put_int(b, s->aversion);
	jute_put_long(b, s->ephemeral_owner);
	jute_put_int(b, s->data_length);
	jute_put_int(b, s->num_children);
	jute_put_long(b, s->pzxid);
}

void jute_dec_stat(struct jute_rd *r, struct jute_stat *s)
{
	s->czxid = jute_get_long(r);
	s->mzxid = jute_get_long(r);
	s->ctime = jute_get_long(r);
	s->mtime = jute_get_long(r);
	s->version = jute_get_int(r);
	s->cversion = jute_get_int(r);
	s->aversion = jute_get_int(r);
	s->ephemeral_owner = jute_get_long(r);
	s->data_length = jute_get_int(r);
	s->num_children = jute_get_int(r);
	s->pzxid = jute_get_long(r);
}

void jute_enc_id(struct jute_buf *b, const struct jute_id *id)
{
	jute_put_str(b, id->scheme);
	jute_put_str(b, id->id);
}

void jute_dec_id(struct jute_rd *r, struct jute_id *id)
{
	id->scheme = jute_get_str(r);
	id->id = jute_get_str(r);
}

void jute_enc_acl(struct jute_buf *b, const struct jute_acl *a)
{
	jute_put_int(b, a->perms);
	jute_enc_id(b, &a->id);
}

void jute_dec_acl(struct jute_rd *r, struct jute_acl *a)
{
	a->perms = jute_get_int(r);
	jute_dec_id(r, &a->id);
}

void jute_vec_rd(struct jute_rd *r, const uint8_t *raw, size_t rawlen)
{
	/* The span was validated with the decoder's cap; no cap is needed. */
	jute_rd_init(r, raw, rawlen, SIZE_MAX);
}

enum vec_kind { VEC_ACL, VEC_STR, VEC_ID };

/* Read a vector count and walk its elements to find the span they occupy.
 * The count is bounded by the bytes left (every element is at least 4
 * bytes), so a huge count cannot make us loop long. */
static void dec_vec(struct jute_rd *r, enum vec_kind k, int32_t *n,
    const uint8_t **raw, size_t *rawlen)
{
	int32_t c = jute_get_int(r);
	size_t start;

	*n = 0;
	*raw = NULL;
	*rawlen = 0;
	if (r->err)
		return;
	if (c == -1) {
		*n = -1;
		return;
	}
	if (c < -1 || (size_t)c > r->max || (size_t)c > jute_rd_left(r) / 4) {
		r->err = 1;
		return;
	}
	start = r->off;
	for (int32_t i = 0; i < c && !r->err; i++) {
		struct jute_acl a;
		struct jute_bytes s;
		switch (k) {
		case VEC_ACL:
			jute_dec_acl(r, &a);
			break;
		case VEC_STR:
			s = jute_get_str(r);
			(void)s;
			break;
		case VEC_ID:
			jute_dec_id(r, &a.id);
			break;
		}
	}
	if (r->err)
		return;
	*n = c;
	*raw = r->p + start;
	*rawlen = r->off - start;
}

static void enc_vec_raw(struct jute_buf *b, int32_t n, const uint8_t *raw, size_t rawlen)
{
	jute_put_int(b, n < 0 ? 0 : n);
	if (n > 0)
		jute_put_raw(b, raw, rawlen);
}

void jute_enc_acls(struct jute_buf *b, const struct jute_acls *v)
{
	if (v->arr == NULL) {
		enc_vec_raw(b, v->n, v->raw, v->rawlen);
		return;
	}
	jute_put_int(b, v->n < 0 ? 0 : v->n);
	for (int32_t i = 0; i < v->n; i++)
		jute_enc_acl(b, &v->arr[i]);
}

void jute_dec_acls(struct jute_rd *r, struct jute_acls *v)
{
	v->arr = NULL;
	dec_vec(r, VEC_ACL, &v->n, &v->raw, &v->rawlen);
}

void jute_enc_strs(struct jute_buf *b, const struct jute_strs *v)
{
	if (v->arr == NULL) {
		enc_vec_raw(b, v->n, v->raw, v->rawlen);
		return;
	}
	jute_put_int(b, v->n < 0 ? 0 : v->n);
	for (int32_t i = 0; i < v->n; i++)
		jute_put_str(b, v->arr[i]);
}

void jute_dec_strs(struct jute_rd *r, struct jute_strs *v)
{
	v->arr = NULL;
	dec_vec(r, VEC_STR, &v->n, &v->raw, &v->rawlen);
}

/* ---- handshake and headers ---------------------------------------------- */

void jute_enc_connect_req(struct jute_buf *b, const struct jute_connect_req *c)
{
	jute_put_int(b, c->protocol_version);
	jute_put_long(b, c->last_zxid_seen);
	jute_put_int(b, c->timeout);
	jute_put_long(b, c->session_id);
	jute_put_buf(b, c->passwd);
	if (c->has_readonly)
		jute_put_bool(b, c->readonly);
}

void jute_dec_connect_req(struct jute_rd *r, struct jute_connect_req *c)
{
	c->protocol_version = jute_get_int(r);
	c->last_zxid_seen = jute_get_long(r);
	c->timeout = jute_get_int(r);
	c->session_id = jute_get_long(r);
	c->passwd = jute_get_buf(r);
	/* The readOnly byte is optional: present iff exactly one byte is left. */
	c->has_readonly = jute_rd_left(r) > 0;
	c->readonly = c->has_readonly ? jute_get_bool(r) : 0;
	if (jute_rd_left(r) > 0)
		r->err = 1;
}

void jute_enc_connect_resp(struct jute_buf *b, const struct jute_connect_resp *c)
{
	jute_put_int(b, c->protocol_version);
	jute_put_int(b, c->timeout);
	jute_put_long(b, c->session_id);
	jute_put_buf(b, c->passwd);
	if (c->has_readonly)
		jute_put_bool(b, c->readonly);
}

void jute_dec_connect_resp(struct jute_rd *r, struct jute_connect_resp *c)
{
	c->protocol_version = jute_get_int(r);
	c->timeout = jute_get_int(r);
	c->session_id = jute_get_long(r);
	c->passwd = jute_get_buf(r);
	c->has_readonly = jute_rd_left(r) > 0;
	c->readonly = c->has_readonly ? jute_get_bool(r) : 0;
	if (jute_rd_left(r) > 0)
		r->err = 1;
}

void jute_enc_req_hdr(struct jute_buf *b, const struct jute_req_hdr *h)
{
	jute_put_int(b, h->xid);
	jute_put_int(b, h->type);
}

void jute_dec_req_hdr(struct jute_rd *r, struct jute_req_hdr *h)
{
	h->xid = jute_get_int(r);
	h->type = jute_get_int(r);
}

void jute_enc_reply_hdr(struct jute_buf *b, const struct jute_reply_hdr *h)
{
	jute_put_int(b, h->xid);
	jute_put_long(b, h->zxid);
	jute_put_int(b, h->err);
}

void jute_dec_reply_hdr(struct jute_rd *r, struct jute_reply_hdr *h)
{
	h->xid = jute_get_int(r);
	h->zxid = jute_get_long(r);
	h->err = jute_get_int(r);
}

/* ---- requests ----------------------------------------------------------- */

void jute_enc_create_req(struct jute_buf *b, const struct jute_create_req *c, int with_ttl)
{
	jute_put_str(b, c->path);
	jute_put_buf(b, c->data);
	jute_enc_acls(b, &c->acl);
	jute_put_int(b, c->flags);
	if (with_ttl)
		jute_put_long(b, c->ttl);
}

void jute_dec_create_req(struct jute_rd *r, struct jute_create_req *c, int with_ttl)
{
	c->path = jute_get_str(r);
	c->data = jute_get_buf(r);
	jute_dec_acls(r, &c->acl);
	c->flags = jute_get_int(r);
	c->ttl = with_ttl ? jute_get_long(r) : -1;
}

void jute_enc_path_version(struct jute_buf *b, const struct jute_path_version *d)
{
	jute_put_str(b, d->path);
	jute_put_int(b, d->version);
}

void jute_dec_path_version(struct jute_rd *r, struct jute_path_version *d)
{
	d->path = jute_get_str(r);
	d->version = jute_get_int(r);
}

void jute_enc_path_watch(struct jute_buf *b, const struct jute_path_watch *p)
{
	jute_put_str(b, p->path);
	jute_put_bool(b, p->watch);
}

void jute_dec_path_watch(struct jute_rd *r, struct jute_path_watch *p)
{
	p->path = jute_get_str(r);
	p->watch = jute_get_bool(r);
}

void jute_enc_path(struct jute_buf *b, struct jute_bytes path)
{
	jute_put_str(b, path);
}

void jute_dec_path(struct jute_rd *r, struct jute_bytes *path)
{
	*path = jute_get_str(r);
}

void jute_enc_set_data_req(struct jute_buf *b, const struct jute_set_data_req *s)
{
	jute_put_str(b, s->path);
	jute_put_buf(b, s->data);
	jute_put_int(b, s->version);
}

void jute_dec_set_data_req(struct jute_rd *r, struct jute_set_data_req *s)
{
	s->path = jute_get_str(r);
	s->data = jute_get_buf(r);
	s->version = jute_get_int(r);
}

void jute_enc_set_acl_req(struct jute_buf *b, const struct jute_set_acl_req *s)
{
	jute_put_str(b, s->path);
	jute_enc_acls(b, &s->acl);
	jute_put_int(b, s->version);
}

void jute_dec_set_acl_req(struct jute_rd *r, struct jute_set_acl_req *s)
{
	s->path = jute_get_str(r);
	jute_dec_acls(r, &s->acl);
	s->version = jute_get_int(r);
}

void jute_enc_reconfig_req(struct jute_buf *b, const struct jute_reconfig_req *c)
{
	jute_put_str(b, c->joining);
	jute_put_str(b, c->leaving);
	jute_put_str(b, c->new_members);
	jute_put_long(b, c->cur_config_id);
}

void jute_dec_reconfig_req(struct jute_rd *r, struct jute_reconfig_req *c)
{
	c->joining = jute_get_str(r);
	c->leaving = jute_get_str(r);
	c->new_members = jute_get_str(r);
	c->cur_config_id = jute_get_long(r);
}

void jute_enc_path_type(struct jute_buf *b, const struct jute_path_type *p)
{
	jute_put_str(b, p->path);
	jute_put_int(b, p->type);
}

void jute_dec_path_type(struct jute_rd *r, struct jute_path_type *p)
{
	p->path = jute_get_str(r);
	p->type = jute_get_int(r);
}

void jute_enc_set_watches(struct jute_buf *b, const struct jute_set_watches *s, int v2)
{
	jute_put_long(b, s->relative_zxid);
	jute_enc_strs(b, &s->data);
	jute_enc_strs(b, &s->exist);
	jute_enc_strs(b, &s->child);
	if (v2) {
		jute_enc_strs(b, &s->persistent);
		jute_enc_strs(b, &s->persistent_recursive);
	}
}

void jute_dec_set_watches(struct jute_rd *r, struct jute_set_watches *s, int v2)
{
	memset(s, 0, sizeof *s);
	s->relative_zxid = jute_get_long(r);
	jute_dec_strs(r, &s->data);
	jute_dec_strs(r, &s->exist);
	jute_dec_strs(r, &s->child);
	if (v2) {
		jute_dec_strs(r, &s->persistent);
		jute_dec_strs(r, &s->persistent_recursive);
	}
}

void jute_enc_auth(struct jute_buf *b, const struct jute_auth *a)
{
	jute_put_int(b, a->type);
	jute_put_str(b, a->scheme);
	jute_put_buf(b, a->auth);
}

void jute_dec_auth(struct jute_rd *r, struct jute_auth *a)
{
	a->type = jute_get_int(r);
	a->scheme = jute_get_str(r);
	a->auth = jute_get_buf(r);
}

void jute_enc_buffer(struct jute_buf *b, struct jute_bytes token)
{
	jute_put_buf(b, token);
}

void jute_dec_buffer(struct jute_rd *r, struct jute_bytes *token)
{
	*token = jute_get_buf(r);
}

/* ---- responses ---------------------------------------------------------- */

void jute_enc_create2_resp(struct jute_buf *b, const struct jute_create2_resp *c)
{
	jute_put_str(b, c->path);
	jute_enc_stat(b, &c->stat);
}

void jute_dec_create2_resp(struct jute_rd *r, struct jute_create2_resp *c)
{
	c->path = jute_get_str(r);
	jute_dec_stat(r, &c->stat);
}

void jute_enc_get_data_resp(struct jute_buf *b, const struct jute_get_data_resp *g)
{
	jute_put_buf(b, g->data);
	jute_enc_stat(b, &g->stat);
}

void jute_dec_get_data_resp(struct jute_rd *r, struct jute_get_data_resp *g)
{
	g->data = jute_get_buf(r);
	jute_dec_stat(r, &g->stat);
}

void jute_enc_get_acl_resp(struct jute_buf *b, const struct jute_get_acl_resp *g)
{
	jute_enc_acls(b, &g->acl);
	jute_enc_stat(b, &g->stat);
}

void jute_dec_get_acl_resp(struct jute_rd *r, struct jute_get_acl_resp *g)
{
	jute_dec_acls(r, &g->acl);
	jute_dec_stat(r, &g->stat);
}

void jute_enc_children_resp(struct jute_buf *b, const struct jute_children_resp *c, int with_stat)
{
	jute_enc_strs(b, &c->children);
	if (with_stat)
		jute_enc_stat(b, &c->stat);
}

void jute_dec_children_resp(struct jute_rd *r, struct jute_children_resp *c, int with_stat)
{
	memset(&c->stat, 0, sizeof c->stat);
	jute_dec_strs(r, &c->children);
	if (with_stat)
		jute_dec_stat(r, &c->stat);
}

void jute_enc_int_resp(struct jute_buf *b, int32_t v)
{
	jute_put_int(b, v);
}

void jute_dec_int_resp(struct jute_rd *r, int32_t *v)
{
	*v = jute_get_int(r);
}

void jute_enc_whoami_resp(struct jute_buf *b, const struct jute_whoami_resp *w)
{
	if (w->arr == NULL) {
		enc_vec_raw(b, w->n, w->raw, w->rawlen);
		return;
	}
	jute_put_int(b, w->n < 0 ? 0 : w->n);
	for (int32_t i = 0; i < w->n; i++)
		jute_enc_id(b, &w->arr[i]);
}

void jute_dec_whoami_resp(struct jute_rd *r, struct jute_whoami_resp *w)
{
	w->arr = NULL;
	dec_vec(r, VEC_ID, &w->n, &w->raw, &w->rawlen);
}

void jute_enc_watcher_event(struct jute_buf *b, const struct jute_watcher_event *e)
{
	jute_put_int(b, e->type);
	jute_put_int(b, e->state);
	jute_put_str(b, e->path);
}

void jute_dec_watcher_event(struct jute_rd *r, struct jute_watcher_event *e)
{
	e->type = jute_get_int(r);
	e->state = jute_get_int(r);
	e->path = jute_get_str(r);
}

/* ---- multi -------------------------------------------------------------- */

void jute_enc_multi_hdr(struct jute_buf *b, const struct jute_multi_hdr *h)
{
	jute_put_int(b, h->type);
	jute_put_bool(b, h->done);
	jute_put_int(b, h->err);
}

void jute_dec_multi_hdr(struct jute_rd *r, struct jute_multi_hdr *h)
{
	h->type = jute_get_int(r);
	h->done = jute_get_bool(r);
	h->err = jute_get_int(r);
}

void jute_multi_put_op(struct jute_buf *b, const struct jute_multi_op *op)
{
	struct jute_multi_hdr h = { op->op, 0, -1 };

	jute_enc_multi_hdr(b, &h);
	switch (op->op) {
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER:
		jute_enc_create_req(b, &op->u.create, 0);
		break;
	case OP_CREATETTL:
		jute_enc_create_req(b, &op->u.create, 1);
		break;
	case OP_DELETE: case OP_CHECK:
		jute_enc_path_version(b, &op->u.pv);
		break;
	case OP_SETDATA:
		jute_enc_set_data_req(b, &op->u.set_data);
		break;
	case OP_GETDATA: case OP_GETCHILDREN:
		jute_enc_path_watch(b, &op->u.read);
		break;
	default:
		b->err = 1;	/* caller bug: no such sub-op */
		break;
	}
}

void jute_multi_end(struct jute_buf *b)
{
	struct jute_multi_hdr h = { -1, 1, -1 };

	jute_enc_multi_hdr(b, &h);
}

int jute_multi_next(struct jute_rd *r, int read_only, struct jute_multi_op *op, int *bad_type)
{
	struct jute_multi_hdr h;
	int ok;

	*bad_type = 0;
	jute_dec_multi_hdr(r, &h);
	if (r->err)
		return -1;
	if (h.done)
		return 0;
	memset(op, 0, sizeof *op);
	op->op = h.type;
	if (read_only)
		ok = h.type == OP_GETDATA || h.type == OP_GETCHILDREN;
	else
		ok = h.type == OP_CREATE || h.type == OP_CREATE2 ||
		    h.type == OP_CREATECONTAINER || h.type == OP_CREATETTL ||
		    h.type == OP_DELETE || h.type == OP_SETDATA ||
		    h.type == OP_CHECK;
	if (!ok) {
		*bad_type = 1;
		return -1;
	}
	switch (h.type) {
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER:
		jute_dec_create_req(r, &op->u.create, 0);
		break;
	case OP_CREATETTL:
		jute_dec_create_req(r, &op->u.create, 1);
		break;
	case OP_DELETE: case OP_CHECK:
		jute_dec_path_version(r, &op->u.pv);
		break;
	case OP_SETDATA:
		jute_dec_set_data_req(r, &op->u.set_data);
		break;
	default:
		jute_dec_path_watch(r, &op->u.read);
		break;
	}
	return r->err ? -1 : 1;
}

void jute_multi_put_result(struct jute_buf *b, const struct jute_multi_result *res)
{
	struct jute_multi_hdr h = { res->type, 0, res->err };

	if (res->type == OP_ERROR) {
		jute_enc_multi_hdr(b, &h);
		jute_enc_int_resp(b, res->err);
		return;
	}
	h.err = 0;
	jute_enc_multi_hdr(b, &h);
	switch (res->type) {
	case OP_CREATE:
		jute_enc_path(b, res->u.path);
		break;
	case OP_CREATE2:
		jute_enc_create2_resp(b, &res->u.create2);
		break;
	case OP_SETDATA:
		jute_enc_stat(b, &res->u.stat);
		break;
	case OP_GETDATA:
		jute_enc_get_data_resp(b, &res->u.get_data);
		break;
	case OP_GETCHILDREN:
		jute_enc_children_resp(b, &res->u.children, 0);
		break;
	case OP_DELETE: case OP_CHECK:
		break;
	default:
		b->err = 1;
		break;
	}
}

int jute_multi_next_result(struct jute_rd *r, struct jute_multi_result *res)
{
	struct jute_multi_hdr h;

	jute_dec_multi_hdr(r, &h);
	if (r->err)
		return -1;
	if (h.done)
		return 0;
	memset(res, 0, sizeof *res);
	res->type = h.type;
	res->err = h.err;
	switch (h.type) {
	case OP_ERROR:
		jute_dec_int_resp(r, &res->err);
		break;
	case OP_CREATE:
		jute_dec_path(r, &res->u.path);
		break;
	case OP_CREATE2: case OP_CREATECONTAINER: case OP_CREATETTL:
		res->type = OP_CREATE2;
		jute_dec_create2_resp(r, &res->u.create2);
		break;
	case OP_SETDATA:
		jute_dec_stat(r, &res->u.stat);
		break;
	case OP_GETDATA:
		jute_dec_get_data_resp(r, &res->u.get_data);
		break;
	case OP_GETCHILDREN:
		jute_dec_children_resp(r, &res->u.children, 0);
		break;
	case OP_DELETE: case OP_CHECK:
		break;
	default:
		r->err = 1;
		break;
	}
	return r->err ? -1 : 1;
}
