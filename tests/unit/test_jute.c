/* test_jute.c: the jute codec. Every record is encoded, decoded, re-encoded
 * and compared byte for byte; then every truncation and a trailing byte must
 * be rejected. Hostile lengths (negative, oversize, huge vector counts) too. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "jute.h"

static const uint8_t pw16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static struct jute_stat sample_stat(void)
{
	struct jute_stat s = {
		.czxid = 0x100000001LL, .mzxid = 0x100000002LL,
		.ctime = 1700000000000LL, .mtime = 1700000000001LL,
		.version = 3, .cversion = -1, .aversion = 2,
		.ephemeral_owner = (int64_t)0x8000000000000001ULL,
		.data_length = 5, .num_children = 7, .pzxid = -2,
	};
	return s;
}

static const struct jute_acl sample_acl[2] = {
	{ PERM_ALL, { { (const uint8_t *)"world", 5 }, { (const uint8_t *)"anyone", 6 } } },
	{ PERM_READ | PERM_ADMIN, { { (const uint8_t *)"digest", 6 },
	    { (const uint8_t *)"u:D/InIHSb7yEEbrWz8b9l71RjZJU=", 30 } } },
};

static const struct jute_bytes sample_strs[3] = {
	{ (const uint8_t *)"a", 1 }, { (const uint8_t *)"", 0 },
	{ (const uint8_t *)"/x/y", 4 },
};

/* A record kind: enc writes the sample, redo decodes from r and re-encodes
 * what it decoded into b (so a lossless decode reproduces the bytes). */
struct rec {
	const char *name;
	void (*enc)(struct jute_buf *b);
	void (*redo)(struct jute_rd *r, struct jute_buf *b);
	int trailing_ok;	/* 44-byte ConnectRequest: one more byte is readOnly */
	int short_ok;		/* 45/37-byte forms: without the last byte is valid */
};

/* Arguments are parenthesized (ENC as a statement expression) so their
 * commas do not split macro arguments. */
#define REC(nm, ENC, DECL, DEC, REENC) \
	static void enc_##nm(struct jute_buf *b) { ENC; } \
	static void redo_##nm(struct jute_rd *r, struct jute_buf *b) { DECL; DEC; REENC; }

REC(stat, ({ struct jute_stat s = sample_stat(); jute_enc_stat(b, &s); }), struct jute_stat s, (jute_dec_stat(r, &s)), (jute_enc_stat(b, &s)))
REC(acls, ({ struct jute_acls v = { 2, sample_acl, NULL, 0 }; jute_enc_acls(b, &v); }), struct jute_acls v, (jute_dec_acls(r, &v)), (jute_enc_acls(b, &v)))
REC(strs, ({ struct jute_strs v = { 3, sample_strs, NULL, 0 }; jute_enc_strs(b, &v); }), struct jute_strs v, (jute_dec_strs(r, &v)), (jute_enc_strs(b, &v)))
REC(connect_req, ({
	struct jute_connect_req c = { 0, 0x500000007LL, 30000, 0x0102030405060708LL,
	    { pw16, 16 }, 1, 1 };
	jute_enc_connect_req(b, &c); }), struct jute_connect_req c, (jute_dec_connect_req(r, &c)), (jute_enc_connect_req(b, &c)))
REC(connect_req44, ({
	struct jute_connect_req c = { 0, 0, 5000, 0, { pw16, 16 }, 0, 0 };
	jute_enc_connect_req(b, &c); }), struct jute_connect_req c, (jute_dec_connect_req(r, &c)), (jute_enc_connect_req(b, &c)))
REC(connect_resp, ({
	struct jute_connect_resp c = { 0, 4000, 0x7f00000000000001LL, { pw16, 16 }, 1, 0 };
	jute_enc_connect_resp(b, &c); }), struct jute_connect_resp c, (jute_dec_connect_resp(r, &c)), (jute_enc_connect_resp(b, &c)))
REC(req_hdr, ({ struct jute_req_hdr h = { 77, OP_GETDATA }; jute_enc_req_hdr(b, &h); }), struct jute_req_hdr h, (jute_dec_req_hdr(r, &h)), (jute_enc_req_hdr(b, &h)))
REC(reply_hdr, ({ struct jute_reply_hdr h = { -1, -1, ZNONODE }; jute_enc_reply_hdr(b, &h); }), struct jute_reply_hdr h, (jute_dec_reply_hdr(r, &h)), (jute_enc_reply_hdr(b, &h)))
REC(create_req, ({
	struct jute_create_req c = { jute_cstr("/a/b"), { (const uint8_t *)"\0\1\377", 3 },
	    { 2, sample_acl, NULL, 0 }, CM_EPHEMERAL_SEQUENTIAL, -1 };
	jute_enc_create_req(b, &c, 0); }), struct jute_create_req c, (jute_dec_create_req(r, &c, 0)), (jute_enc_create_req(b, &c, 0)))
REC(create_ttl_req, ({
	struct jute_create_req c = { jute_cstr("/t"), JUTE_NULL,
	    { 1, sample_acl, NULL, 0 }, CM_PERSISTENT_WITH_TTL, 12345 };
	jute_enc_create_req(b, &c, 1); }), struct jute_create_req c, (jute_dec_create_req(r, &c, 1)), (jute_enc_create_req(b, &c, 1)))
REC(path_version, ({ struct jute_path_version d = { jute_cstr("/d"), -1 }; jute_enc_path_version(b, &d); }), struct jute_path_version d, (jute_dec_path_version(r, &d)), (jute_enc_path_version(b, &d)))
REC(path_watch, ({ struct jute_path_watch p = { jute_cstr("/w"), 1 }; jute_enc_path_watch(b, &p); }), struct jute_path_watch p, (jute_dec_path_watch(r, &p)), (jute_enc_path_watch(b, &p)))
REC(path, ({ jute_enc_path(b, jute_cstr("/zookeeper/config")); }), struct jute_bytes p, (jute_dec_path(r, &p)), (jute_enc_path(b, p)))
REC(set_data_req, ({
	struct jute_set_data_req s = { jute_cstr("/s"), jute_mem("xyz", 3), 9 };
	jute_enc_set_data_req(b, &s); }), struct jute_set_data_req s, (jute_dec_set_data_req(r, &s)), (jute_enc_set_data_req(b, &s)))
REC(set_acl_req, ({
	struct jute_set_acl_req s = { jute_cstr("/s"), { 2, sample_acl, NULL, 0 }, 4 };
	jute_enc_set_acl_req(b, &s); }), struct jute_set_acl_req s, (jute_dec_set_acl_req(r, &s)), (jute_enc_set_acl_req(b, &s)))
REC(reconfig_req, ({
	struct jute_reconfig_req c = { jute_cstr("server.4=h:1:2"), jute_cstr(""),
	    jute_cstr("x"), -1 };
	jute_enc_reconfig_req(b, &c); }), struct jute_reconfig_req c, (jute_dec_reconfig_req(r, &c)), (jute_enc_reconfig_req(b, &c)))
REC(path_type, ({ struct jute_path_type p = { jute_cstr("/p"), AW_PERSISTENT_RECURSIVE };
	jute_enc_path_type(b, &p); }), struct jute_path_type p, (jute_dec_path_type(r, &p)), (jute_enc_path_type(b, &p)))
REC(set_watches, ({
	struct jute_set_watches s = { 42, { 3, sample_strs, NULL, 0 }, { 1, sample_strs, NULL, 0 },
	    { 0, NULL, NULL, 0 }, { 0, NULL, NULL, 0 }, { 0, NULL, NULL, 0 } };
	jute_enc_set_watches(b, &s, 0); }), struct jute_set_watches s, (jute_dec_set_watches(r, &s, 0)), (jute_enc_set_watches(b, &s, 0)))
REC(set_watches2, ({
	struct jute_set_watches s = { 42, { 1, sample_strs, NULL, 0 }, { 0, NULL, NULL, 0 },
	    { 2, sample_strs, NULL, 0 }, { 3, sample_strs, NULL, 0 }, { 1, sample_strs + 2, NULL, 0 } };
	jute_enc_set_watches(b, &s, 1); }), struct jute_set_watches s, (jute_dec_set_watches(r, &s, 1)), (jute_enc_set_watches(b, &s, 1)))
REC(auth, ({ struct jute_auth a = { 0, jute_cstr("digest"), jute_mem("u:p", 3) }; jute_enc_auth(b, &a); }), struct jute_auth a, (jute_dec_auth(r, &a)), (jute_enc_auth(b, &a)))
REC(buffer, ({ jute_enc_buffer(b, jute_mem("tok", 3)); }), struct jute_bytes t, (jute_dec_buffer(r, &t)), (jute_enc_buffer(b, t)))
REC(create2_resp, ({ struct jute_create2_resp c = { jute_cstr("/q/0000000007"), sample_stat() };
	jute_enc_create2_resp(b, &c); }), struct jute_create2_resp c, (jute_dec_create2_resp(r, &c)), (jute_enc_create2_resp(b, &c)))
REC(get_data_resp, ({ struct jute_get_data_resp g = { jute_mem("", 0), sample_stat() };
	jute_enc_get_data_resp(b, &g); }), struct jute_get_data_resp g, (jute_dec_get_data_resp(r, &g)), (jute_enc_get_data_resp(b, &g)))
REC(get_acl_resp, ({ struct jute_get_acl_resp g = { { 2, sample_acl, NULL, 0 }, sample_stat() };
	jute_enc_get_acl_resp(b, &g); }), struct jute_get_acl_resp g, (jute_dec_get_acl_resp(r, &g)), (jute_enc_get_acl_resp(b, &g)))
REC(children_resp, ({ struct jute_children_resp c = { { 3, sample_strs, NULL, 0 }, sample_stat() };
	jute_enc_children_resp(b, &c, 0); }), struct jute_children_resp c, (jute_dec_children_resp(r, &c, 0)), (jute_enc_children_resp(b, &c, 0)))
REC(children2_resp, ({ struct jute_children_resp c = { { 3, sample_strs, NULL, 0 }, sample_stat() };
	jute_enc_children_resp(b, &c, 1); }), struct jute_children_resp c, (jute_dec_children_resp(r, &c, 1)), (jute_enc_children_resp(b, &c, 1)))
REC(int_resp, ({ jute_enc_int_resp(b, 3); }), int32_t v, (jute_dec_int_resp(r, &v)), (jute_enc_int_resp(b, v)))
REC(whoami_resp, ({
	struct jute_id ids[2] = { { jute_cstr("ip"), jute_cstr("127.0.0.1") },
	    { jute_cstr("digest"), jute_cstr("alice") } };
	struct jute_whoami_resp w = { 2, ids, NULL, 0 };
	jute_enc_whoami_resp(b, &w); }), struct jute_whoami_resp w, (jute_dec_whoami_resp(r, &w)), (jute_enc_whoami_resp(b, &w)))
REC(watcher_event, ({ struct jute_watcher_event e = { EV_DATA_CHANGED, ST_SYNC_CONNECTED, jute_cstr("/w") };
	jute_enc_watcher_event(b, &e); }), struct jute_watcher_event e, (jute_dec_watcher_event(r, &e)), (jute_enc_watcher_event(b, &e)))
REC(multi_hdr, ({ struct jute_multi_hdr h = { OP_CHECK, 0, -1 }; jute_enc_multi_hdr(b, &h); }), struct jute_multi_hdr h, (jute_dec_multi_hdr(r, &h)), (jute_enc_multi_hdr(b, &h)))

static void enc_multi_req(struct jute_buf *b)
{
	struct jute_multi_op op;

	memset(&op, 0, sizeof op);
	op.op = OP_CREATE;
	op.u.create = (struct jute_create_req){ jute_cstr("/m"), jute_mem("d", 1),
	    { 1, sample_acl, NULL, 0 }, 0, -1 };
	jute_multi_put_op(b, &op);
	op.op = OP_CREATETTL;
	op.u.create.ttl = 99;
	op.u.create.flags = CM_PERSISTENT_WITH_TTL;
	jute_multi_put_op(b, &op);
	op.op = OP_SETDATA;
	op.u.set_data = (struct jute_set_data_req){ jute_cstr("/m"), JUTE_NULL, 0 };
	jute_multi_put_op(b, &op);
	op.op = OP_CHECK;
	op.u.pv = (struct jute_path_version){ jute_cstr("/m"), 1 };
	jute_multi_put_op(b, &op);
	op.op = OP_DELETE;
	jute_multi_put_op(b, &op);
	jute_multi_end(b);
}

static void redo_multi_req(struct jute_rd *r, struct jute_buf *b)
{
	struct jute_multi_op op;
	int bad, rc;

	while ((rc = jute_multi_next(r, 0, &op, &bad)) == 1)
		jute_multi_put_op(b, &op);
	if (rc == 0)
		jute_multi_end(b);
}

static void enc_multi_resp(struct jute_buf *b)
{
	struct jute_multi_result res;

	memset(&res, 0, sizeof res);
	res.type = OP_CREATE;
	res.u.path = jute_cstr("/m");
	jute_multi_put_result(b, &res);
	res.type = OP_CREATE2;
	res.u.create2 = (struct jute_create2_resp){ jute_cstr("/n"), sample_stat() };
	jute_multi_put_result(b, &res);
	res.type = OP_SETDATA;
	res.u.stat = sample_stat();
	jute_multi_put_result(b, &res);
	res.type = OP_DELETE;
	jute_multi_put_result(b, &res);
	res.type = OP_CHECK;
	jute_multi_put_result(b, &res);
	res.type = OP_GETDATA;
	res.u.get_data = (struct jute_get_data_resp){ JUTE_NULL, sample_stat() };
	jute_multi_put_result(b, &res);
	res.type = OP_GETCHILDREN;
	memset(&res.u, 0, sizeof res.u);
	res.u.children.children = (struct jute_strs){ 2, sample_strs, NULL, 0 };
	jute_multi_put_result(b, &res);
	res.type = OP_ERROR;
	res.err = ZBADVERSION;
	jute_multi_put_result(b, &res);
	jute_multi_end(b);
}

static void redo_multi_resp(struct jute_rd *r, struct jute_buf *b)
{
	struct jute_multi_result res;
	int rc;

	while ((rc = jute_multi_next_result(r, &res)) == 1)
		jute_multi_put_result(b, &res);
	if (rc == 0)
		jute_multi_end(b);
}

#define R(nm, t) { #nm, enc_##nm, redo_##nm, t, 0 }
static const struct rec recs[] = {
	R(stat, 0), R(acls, 0), R(strs, 0), { "connect_req", enc_connect_req, redo_connect_req, 0, 1 },
	R(connect_req44, 1),
	{ "connect_resp", enc_connect_resp, redo_connect_resp, 0, 1 }, R(req_hdr, 0), R(reply_hdr, 0), R(create_req, 0),
	R(create_ttl_req, 0), R(path_version, 0), R(path_watch, 0), R(path, 0),
	R(set_data_req, 0), R(set_acl_req, 0), R(reconfig_req, 0), R(path_type, 0),
	R(set_watches, 0), R(set_watches2, 0), R(auth, 0), R(buffer, 0),
	R(create2_resp, 0), R(get_data_resp, 0), R(get_acl_resp, 0),
	R(children_resp, 0), R(children2_resp, 0), R(int_resp, 0),
	R(whoami_resp, 0), R(watcher_event, 0), R(multi_hdr, 0),
	R(multi_req, 0), R(multi_resp, 0),
	{ NULL, NULL, NULL, 0, 0 }
};

/* Decode the first n bytes of a record; 0 if decoding consumed them exactly. */
static int decode_prefix(const struct rec *k, const uint8_t *p, size_t n, struct jute_buf *out)
{
	struct jute_rd r;

	jute_rd_init(&r, p, n, 0);
	jute_buf_reset(out);
	k->redo(&r, out);
	return jute_rd_done(&r);
}

static void test_round_trips(void)
{
	for (const struct rec *k = recs; k->name; k++) {
		struct jute_buf b, out;
		uint8_t *copy;

		jute_buf_init(&b, 0);
		jute_buf_init(&out, 0);
		k->enc(&b);
		CHECK(b.err == 0);
		CHECK(b.len > 0);
		/* Exact decode reproduces the bytes. */
		if (decode_prefix(k, b.p, b.len, &out) != 0 || out.len != b.len ||
		    memcmp(out.p, b.p, b.len) != 0) {
			fprintf(stderr, "round trip failed: %s\n", k->name);
			CHECK(0);
		}
		/* Every truncation fails (heap copy so ASan sees overreads). */
		for (size_t n = 0; n < b.len; n++) {
			copy = malloc(n ? n : 1);
			CHECK(copy != NULL);
			if (copy == NULL)
				break;
			memcpy(copy, b.p, n);
			if (decode_prefix(k, copy, n, &out) == 0 &&
			    !(k->short_ok && n == b.len - 1)) {
				fprintf(stderr, "%s: truncation to %zu accepted\n", k->name, n);
				CHECK(0);
			}
			free(copy);
		}
		/* Trailing bytes are left unconsumed (or rejected). */
		jute_put_byte(&b, 0x55);
		jute_put_byte(&b, 0x55);
		CHECK(decode_prefix(k, b.p, b.len, &out) != 0);
		if (!k->trailing_ok) {
			CHECK(decode_prefix(k, b.p, b.len - 1, &out) != 0);
		}
		jute_buf_free(&b);
		jute_buf_free(&out);
	}
}

/* Garbage and single-byte corruptions of valid records: decoders must stay
 * inside the input (ASan builds catch any overread) and never report a
 * cursor past the end. Deterministic: a fixed xorshift seed. */
static void test_garbage(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uint8_t in[512];

	for (const struct rec *k = recs; k->name; k++) {
		struct jute_buf b, out;

		jute_buf_init(&b, 0);
		jute_buf_init(&out, 0);
		for (int i = 0; i < 300; i++) {
			struct jute_rd r;
			size_t n;

			for (size_t j = 0; j < sizeof in; j++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				in[j] = (uint8_t)x;
			}
			n = (size_t)(x % sizeof in);
			jute_rd_init(&r, in, n, 0);
			jute_buf_reset(&out);
			k->redo(&r, &out);
			CHECK(r.off <= r.len);
		}
		k->enc(&b);
		for (size_t pos = 0; pos < b.len; pos++) {
			uint8_t *copy = malloc(b.len);
			struct jute_rd r;

			CHECK(copy != NULL);
			if (copy == NULL)
				break;
			memcpy(copy, b.p, b.len);
			copy[pos] ^= 0x80;
			jute_rd_init(&r, copy, b.len, 0);
			jute_buf_reset(&out);
			k->redo(&r, &out);
			CHECK(r.off <= r.len);
			free(copy);
		}
		jute_buf_free(&b);
		jute_buf_free(&out);
	}
}

static void test_known_bytes(void)
{
	struct jute_buf b;
	struct jute_stat s = sample_stat();
	struct jute_connect_req c = { 0, 0, 30000, 0, { pw16, 16 }, 1, 0 };
	struct jute_connect_resp cr = { 0, 30000, 1, { pw16, 16 }, 1, 0 };
	static const uint8_t hdr[] = { 0, 0, 0, 7, 0xff, 0xff, 0xff, 0x9b };

	jute_buf_init(&b, 0);
	jute_enc_stat(&b, &s);
	CHECK_EQ_INT(b.len, JUTE_STAT_LEN);
	jute_buf_reset(&b);
	jute_enc_connect_req(&b, &c);
	CHECK_EQ_INT(b.len, 45);
	c.has_readonly = 0;
	jute_buf_reset(&b);
	jute_enc_connect_req(&b, &c);
	CHECK_EQ_INT(b.len, 44);
	jute_buf_reset(&b);
	jute_enc_connect_resp(&b, &cr);
	CHECK_EQ_INT(b.len, 37);
	jute_buf_reset(&b);
	jute_put_int(&b, 7);
	jute_put_int(&b, -101);
	CHECK(b.len == sizeof hdr && memcmp(b.p, hdr, sizeof hdr) == 0);
	jute_buf_free(&b);
}

static void test_frame(void)
{
	struct jute_buf b;
	struct jute_req_hdr h = { 1, OP_EXISTS };
	struct jute_path_watch pw = { jute_cstr("/abc"), 0 };
	uint32_t len = 0;
	size_t off;

	jute_buf_init(&b, 0);
	off = jute_frame_begin(&b);
	jute_enc_req_hdr(&b, &h);
	jute_enc_path_watch(&b, &pw);
	jute_frame_end(&b, off);
	CHECK(b.err == 0);
	CHECK_EQ_INT(b.len, 4 + 8 + 4 + 4 + 1);
	CHECK_EQ_INT(jute_frame_peek(b.p, b.len, 0, &len), 0);
	CHECK_EQ_INT(len, 17);
	CHECK_EQ_INT(jute_frame_peek(b.p, b.len - 1, 0, &len), 1);
	CHECK_EQ_INT(jute_frame_peek(b.p, 3, 0, &len), 1);
	b.p[0] = 0x80;	/* negative */
	CHECK_EQ_INT(jute_frame_peek(b.p, b.len, 0, &len), -1);
	b.p[0] = 0x00;
	b.p[1] = 0x10;	/* 0x100011 > maxbuffer */
	CHECK_EQ_INT(jute_frame_peek(b.p, b.len, 0, &len), -1);
	/* "ruok" as a length is far above the limit. */
	CHECK_EQ_INT(jute_frame_peek("ruok", 4, 0, &len), -1);
	jute_buf_free(&b);
}

static void test_hostile_lengths(void)
{
	struct jute_rd r;
	struct jute_bytes v;
	struct jute_strs sv;
	struct jute_acls av;
	static const uint8_t neg2[] = { 0xff, 0xff, 0xff, 0xfe, 'a' };
	static const uint8_t null_buf[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t empty_buf[] = { 0, 0, 0, 0 };
	static const uint8_t big[] = { 0x7f, 0xff, 0xff, 0xff, 'a' };
	static const uint8_t over[] = { 0x00, 0x10, 0x00, 0x00, 'a' };
	static const uint8_t many[] = { 0x00, 0x00, 0x10, 0x00, 0, 0, 0, 0 };
	static const uint8_t capped[] = { 0, 0, 0, 3, 'a', 'b', 'c' };

	jute_rd_init(&r, neg2, sizeof neg2, 0);
	v = jute_get_buf(&r);
	CHECK(r.err);
	CHECK(v.len == -1 && v.p == NULL);

	jute_rd_init(&r, null_buf, sizeof null_buf, 0);
	v = jute_get_buf(&r);
	CHECK(jute_rd_done(&r) == 0);
	CHECK(v.len == -1 && v.p == NULL);

	jute_rd_init(&r, empty_buf, sizeof empty_buf, 0);
	v = jute_get_buf(&r);
	CHECK(jute_rd_done(&r) == 0);
	CHECK(v.len == 0 && v.p != NULL);

	jute_rd_init(&r, big, sizeof big, 0);
	(void)jute_get_str(&r);
	CHECK(r.err);
	jute_rd_init(&r, over, sizeof over, 0);
	(void)jute_get_str(&r);
	CHECK(r.err);
	jute_rd_init(&r, capped, sizeof capped, 2);	/* cap below the length */
	(void)jute_get_str(&r);
	CHECK(r.err);
	jute_rd_init(&r, capped, sizeof capped, 3);
	v = jute_get_str(&r);
	CHECK(jute_rd_done(&r) == 0 && jute_bytes_eq(&v, "abc"));

	/* A count of 4096 strings with 4 bytes of input: rejected up front. */
	jute_rd_init(&r, many, sizeof many, 0);
	jute_dec_strs(&r, &sv);
	CHECK(r.err);
	jute_rd_init(&r, many, sizeof many, 0);
	jute_dec_acls(&r, &av);
	CHECK(r.err);
	jute_rd_init(&r, neg2, sizeof neg2, 0);
	jute_dec_strs(&r, &sv);
	CHECK(r.err);
	/* A null vector decodes as n = -1 and re-encodes as empty. */
	jute_rd_init(&r, null_buf, sizeof null_buf, 0);
	jute_dec_strs(&r, &sv);
	CHECK(jute_rd_done(&r) == 0);
	CHECK_EQ_INT(sv.n, -1);
	/* Sticky error: later reads return zero values and keep err set. */
	jute_rd_init(&r, neg2, 2, 0);
	CHECK_EQ_INT(jute_get_int(&r), 0);
	CHECK(r.err);
	CHECK_EQ_INT(jute_get_byte(&r), 0);
	CHECK(r.err);
	CHECK_EQ_INT(jute_rd_left(&r), 0);
}

static void test_null_vs_empty(void)
{
	struct jute_buf b;
	struct jute_rd r;
	struct jute_set_data_req in = { jute_cstr("/n"), JUTE_NULL, -1 }, out;
	struct jute_strs sv;
	char s[8];

	jute_buf_init(&b, 0);
	jute_enc_set_data_req(&b, &in);
	jute_rd_init(&r, b.p, b.len, 0);
	jute_dec_set_data_req(&r, &out);
	CHECK(jute_rd_done(&r) == 0);
	CHECK_EQ_INT(out.data.len, -1);
	in.data = jute_mem("", 0);
	jute_buf_reset(&b);
	jute_enc_set_data_req(&b, &in);
	jute_rd_init(&r, b.p, b.len, 0);
	jute_dec_set_data_req(&r, &out);
	CHECK(jute_rd_done(&r) == 0);
	CHECK_EQ_INT(out.data.len, 0);
	CHECK(jute_bytes_eq(&out.path, "/n"));
	CHECK(jute_bytes_cstr(&out.path, s, sizeof s) == 0);
	CHECK_EQ_STR(s, "/n");
	CHECK(jute_bytes_cstr(&out.path, s, 2) == -1);	/* no room for NUL */
	/* Strings never go out null; vectors never go out null. */
	jute_buf_reset(&b);
	jute_put_str(&b, JUTE_NULL);
	sv = (struct jute_strs){ -1, NULL, NULL, 0 };
	jute_enc_strs(&b, &sv);
	CHECK_EQ_INT(b.len, 8);
	CHECK(memcmp(b.p, "\0\0\0\0\0\0\0\0", 8) == 0);
	jute_buf_free(&b);
}

static void test_vector_iter(void)
{
	struct jute_buf b;
	struct jute_rd r, vr;
	struct jute_get_acl_resp in = { { 2, sample_acl, NULL, 0 }, { 0 } }, out;
	struct jute_acl a;

	jute_buf_init(&b, 0);
	jute_enc_get_acl_resp(&b, &in);
	jute_rd_init(&r, b.p, b.len, 0);
	jute_dec_get_acl_resp(&r, &out);
	CHECK(jute_rd_done(&r) == 0);
	CHECK_EQ_INT(out.acl.n, 2);
	jute_vec_rd(&vr, out.acl.raw, out.acl.rawlen);
	jute_get_acl(&vr, &a);
	CHECK_EQ_INT(a.perms, PERM_ALL);
	CHECK(jute_bytes_eq(&a.id.scheme, "world"));
	CHECK(jute_bytes_eq(&a.id.id, "anyone"));
	jute_get_acl(&vr, &a);
	CHECK_EQ_INT(a.perms, PERM_READ | PERM_ADMIN);
	CHECK(jute_bytes_eq(&a.id.scheme, "digest"));
	CHECK(jute_rd_done(&vr) == 0);
	jute_buf_free(&b);
}

static void test_multi_rules(void)
{
	struct jute_buf b;
	struct jute_rd r;
	struct jute_multi_op op;
	struct jute_multi_hdr h = { OP_GETDATA, 0, -1 };
	struct jute_path_watch pw = { jute_cstr("/r"), 1 };
	int bad = 0;

	jute_buf_init(&b, 0);
	jute_enc_multi_hdr(&b, &h);
	jute_enc_path_watch(&b, &pw);
	jute_multi_end(&b);
	/* getData is fine in multiRead ... */
	jute_rd_init(&r, b.p, b.len, 0);
	CHECK_EQ_INT(jute_multi_next(&r, 1, &op, &bad), 1);
	CHECK_EQ_INT(op.op, OP_GETDATA);
	CHECK(jute_bytes_eq(&op.u.read.path, "/r"));
	CHECK_EQ_INT(jute_multi_next(&r, 1, &op, &bad), 0);
	CHECK(jute_rd_done(&r) == 0);
	/* ... but not in a write multi. */
	jute_rd_init(&r, b.p, b.len, 0);
	CHECK_EQ_INT(jute_multi_next(&r, 0, &op, &bad), -1);
	CHECK(bad);
	jute_buf_free(&b);
}

static void test_buf_limits(void)
{
	struct jute_buf b;
	uint8_t mem[6];

	jute_buf_init(&b, 10);
	jute_put_long(&b, 1);
	CHECK(!b.err);
	jute_put_int(&b, 1);
	CHECK(b.err);
	jute_put_byte(&b, 1);	/* sticky */
	CHECK(b.err);
	CHECK_EQ_INT(b.len, 8);
	jute_buf_reset(&b);
	CHECK(!b.err && b.len == 0);
	jute_buf_free(&b);

	jute_buf_init_fixed(&b, mem, sizeof mem);
	jute_put_int(&b, 1);
	jute_put_int(&b, 2);
	CHECK(b.err);
	jute_buf_free(&b);
}

static void test_names(void)
{
	CHECK_EQ_STR(jute_err_name(ZNONODE), "NoNode");
	CHECK_EQ_STR(jute_err_ident(ZNONODE), "NONODE");
	CHECK_EQ_STR(jute_err_name(ZBADVERSION), "BadVersion");
	CHECK_EQ_STR(jute_err_name(-126), "Unknown");
	CHECK_EQ_STR(jute_op_name(OP_CREATETTL), "createTTL");
	CHECK_EQ_STR(jute_event_name(EV_CHILDREN_CHANGED), "NodeChildrenChanged");
	CHECK_EQ_STR(jute_state_name(ST_EXPIRED), "Expired");
}

static const struct unit_case cases[] = {
	{ "round_trips", test_round_trips },
	{ "garbage", test_garbage },
	{ "known_bytes", test_known_bytes },
	{ "frame", test_frame },
	{ "hostile_lengths", test_hostile_lengths },
	{ "null_vs_empty", test_null_vs_empty },
	{ "vector_iter", test_vector_iter },
	{ "multi_rules", test_multi_rules },
	{ "buf_limits", test_buf_limits },
	{ "names", test_names },
	{ NULL, NULL }
};

int main(void)
{
	return unit_run("jute", cases);
}
