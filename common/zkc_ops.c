/* zkc_ops.c: typed ZooKeeper operations on top of zkc_call(): encode the
 * request, decode the reply strictly, remember watches for reconnects. */
#include <string.h>
#include "zkclient.h"

static const struct jute_acl open_acl[1] = {
	{ PERM_ALL, { { (const uint8_t *)"world", 5 }, { (const uint8_t *)"anyone", 6 } } },
};

/* Reads are idempotent: after a connection loss (the client has already
 * reconnected with the same session) try once more. */
static int call_read(struct zkc *c, int32_t op, const struct jute_buf *b)
{
	int rc = zkc_call(c, op, b);

	if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT)
		rc = zkc_call(c, op, b);
	return rc;
}

static int body_done(struct jute_buf *b, int rc)
{
	jute_buf_free(b);
	return rc;
}

int zkc_get(struct zkc *c, const char *path, int watch, struct jute_bytes *data, struct jute_stat *st)
{
	struct jute_buf b;
	struct jute_path_watch pw = { jute_cstr(path), watch };
	struct jute_get_data_resp g;
	struct jute_rd r;
	int rc;

	jute_buf_init(&b, 0);
	jute_enc_path_watch(&b, &pw);
	rc = call_read(c, OP_GETDATA, &b);
	if (rc != ZOK)
		return body_done(&b, rc);
	zkc_reply_rd(c, &r);
	jute_dec_get_data_resp(&r, &g);
	if (jute_rd_done(&r) != 0)
		return body_done(&b, ZMARSHALLINGERROR);
	if (data)
		*data = g.data;
	if (st)
		*st = g.stat;
	if (watch && zkc_watch_note(c, path, ZKC_W_DATA) < 0)
		return body_done(&b, ZSYSTEMERROR);
	return body_done(&b, ZOK);
}

int zkc_exists(struct zkc *c, const char *path, int watch, struct jute_stat *st)
{
	struct jute_buf b;
	struct jute_path_watch pw = { jute_cstr(path), watch };
	struct jute_rd r;
	struct jute_stat s;
	int rc;

	jute_buf_init(&b, 0);
	jute_enc_path_watch(&b, &pw);
	rc = call_read(c, OP_EXISTS, &b);
	if (rc != ZOK && rc != ZNONODE)
		return body_done(&b, rc);
	/* exists sets a watch whether or not the node is there. */
	if (watch && zkc_watch_note(c, path, rc == ZOK ? ZKC_W_DATA : ZKC_W_EXIST) < 0)
		return body_done(&b, ZSYSTEMERROR);
	if (rc == ZNONODE)
		return body_done(&b, rc);
	zkc_reply_rd(c, &r);
	jute_dec_stat(&r, &s);
	if (jute_rd_done(&r) != 0)
		return body_done(&b, ZMARSHALLINGERROR);
	if (st)
		*st = s;
	return body_done(&b, ZOK);
}

int zkc_children(struct zkc *c, const char *path, int watch, struct jute_strs *kids, struct jute_stat *st)
{
	struct jute_buf b;
	struct jute_path_watch pw = { jute_cstr(path), watch };
	struct jute_children_resp cr;
	struct jute_rd r;
	int rc;

	jute_buf_init(&b, 0);
	jute_enc_path_watch(&b, &pw);
	rc = call_read(c, OP_GETCHILDREN2, &b);
	if (rc != ZOK)
		return body_done(&b, rc);
	zkc_reply_rd(c, &r);
	jute_dec_children_resp(&r, &cr, 1);
	if (jute_rd_done(&r) != 0 || cr.children.n < 0)
		return body_done(&b, ZMARSHALLINGERROR);
	if (kids)
		*kids = cr.children;
	if (st)
		*st = cr.stat;
	if (watch && zkc_watch_note(c, path, ZKC_W_CHILD) < 0)
		return body_done(&b, ZSYSTEMERROR);
	return body_done(&b, ZOK);
}

int zkc_create(struct zkc *c, const char *path, const void *data, int32_t len,
    const struct jute_acls *acl, int flags, int64_t ttl_ms, char *out, size_t cap,
    struct jute_stat *st)
{
	struct jute_buf b;
	struct jute_acls open = { 1, open_acl, NULL, 0 };
	struct jute_create_req cr;
	struct jute_create2_resp resp;
	struct jute_rd r;
	int32_t op;
	int rc;

	cr.path = jute_cstr(path);
	cr.data = data ? jute_mem(data, (size_t)(len < 0 ? 0 : len)) : JUTE_NULL;
	if (data && len < 0)
		return ZBADARGUMENTS;
	cr.acl = acl ? *acl : open;
	cr.flags = flags;
	cr.ttl = ttl_ms;
	if (flags == CM_PERSISTENT_WITH_TTL || flags == CM_PERSISTENT_SEQUENTIAL_WITH_TTL)
		op = OP_CREATETTL;
	else if (flags == CM_CONTAINER)
		op = OP_CREATECONTAINER;
	else
		op = OP_CREATE2;
	jute_buf_init(&b, 0);
	jute_enc_create_req(&b, &cr, op == OP_CREATETTL);
	rc = zkc_call(c, op, &b);
	if (rc != ZOK)
		return body_done(&b, rc);
	zkc_reply_rd(c, &r);
	jute_dec_create2_resp(&r, &resp);
	if (jute_rd_done(&r) != 0)
		return body_done(&b, ZMARSHALLINGERROR);
	if (out && jute_bytes_cstr(&resp.path, out, cap) < 0)
		return body_done(&b, ZMARSHALLINGERROR);
	if (st)
		*st = resp.stat;
	return body_done(&b, ZOK);
}

int zkc_delete(struct zkc *c, const char *path, int32_t version)
{
	struct jute_buf b;
	struct jute_path_version d = { jute_cstr(path), version };
	struct jute_rd r;
	int rc;

	jute_buf_init(&b, 0);
	jute_enc_path_version(&b, &d);
	rc = zkc_call(c, OP_DELETE, &b);
	if (rc == ZOK) {
		zkc_reply_rd(c, &r);
		if (jute_rd_done(&r) != 0)
			rc = ZMARSHALLINGERROR;
	}
	return body_done(&b, rc);
}

static int stat_reply(struct zkc *c, struct jute_stat *st)
{
	struct jute_rd r;
	struct jute_stat s;

	zkc_reply_rd(c, &r);
	jute_dec_stat(&r, &s);
	if (jute_rd_done(&r) != 0)
		return ZMARSHALLINGERROR;
	if (st)
		*st = s;
	return ZOK;
}

int zkc_set(struct zkc *c, const char *path, const void *data, int32_t len, int32_t version, struct jute_stat *st)
{
	struct jute_buf b;
	struct jute_set_data_req s;
	int rc;

	if (data && len < 0)
		return ZBADARGUMENTS;
	s.path = jute_cstr(path);
	s.data = data ? jute_mem(data, (size_t)len) : JUTE_NULL;
	s.version = version;
	jute_buf_init(&b, 0);
	jute_enc_set_data_req(&b, &s);
	rc = zkc_call(c, OP_SETDATA, &b);
	if (rc == ZOK)
		rc = stat_reply(c, st);
	return body_done(&b, rc);
}

int zkc_get_acl(struct zkc *c, const char *path, struct jute_acls *acl, struct jute_stat *st)
{
	struct jute_buf b;
	struct jute_get_acl_resp g;
	struct jute_rd r;
	int rc;

	jute_buf_init(&b, 0);
	jute_enc_path(&b, jute_cstr(path));
	rc = call_read(c, OP_GETACL, &b);
	if (rc != ZOK)
		return body_done(&b, rc);
	zkc_reply_rd(c, &r);
	jute_dec_get_acl_resp(&r, &g);
	if (jute_rd_done(&r) != 0 || g.acl.n < 0)
		return body_done(&b, ZMARSHALLINGERROR);
	if (acl)
		*acl = g.acl;
	if (st)
		*st = g.stat;
	return body_done(&b, ZOK);
}

int zkc_set_acl(struct zkc *c, const char *path, const struct jute_acls *acl, int32_t version, struct jute_stat *st)
{
	struct jute_buf b;
	struct jute_set_acl_req s = { jute_cstr(path), *acl, version };
	int rc;

	jute_buf_init(&b, 0);
	jute_enc_set_acl_req(&b, &s);
	rc = zkc_call(c, OP_SETACL, &b);
	if (rc == ZOK)
		rc = stat_reply(c, st);
	return body_done(&b, rc);
}

int zkc_sync(struct zkc *c, const char *path)
{
	struct jute_buf b;
	struct jute_bytes p;
	struct jute_rd r;
	int rc;

	jute_buf_init(&b, 0);
	jute_enc_path(&b, jute_cstr(path));
	rc = call_read(c, OP_SYNC, &b);
	if (rc == ZOK) {
		zkc_reply_rd(c, &r);
		jute_dec_path(&r, &p);
		if (jute_rd_done(&r) != 0)
			rc = ZMARSHALLINGERROR;
	}
	return body_done(&b, rc);
}

int zkc_add_watch(struct zkc *c, const char *path, int mode)
{
	struct jute_buf b;
	struct jute_path_type p = { jute_cstr(path), mode };
	int rc;

	jute_buf_init(&b, 0);
	jute_enc_path_type(&b, &p);
	rc = call_read(c, OP_ADDWATCH, &b);
	/* The reply body is an ErrorResponse (an int, 0); tolerate none. */
	if (rc == ZOK && zkc_watch_note(c, path, mode == AW_PERSISTENT_RECURSIVE ?
	    ZKC_W_PERSISTENT_RECURSIVE : ZKC_W_PERSISTENT) < 0)
		rc = ZSYSTEMERROR;
	return body_done(&b, rc);
}
