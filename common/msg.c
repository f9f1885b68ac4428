/* msg.c: CBOR encoding and strict decoding of the messages in msg.def.
 * Decoding walks the frame one CBOR item at a time with libcbor's streaming
 * decoder, so nothing is allocated and byte fields point into the frame. */
#include <stdio.h>
#include <string.h>
#include <cbor.h>
#include "msg.h"

#define S(p) (1u << (p))
#define S_DAEMONS (S(P_ELECTD) | S(P_ZABD) | S(P_TREED) | S(P_SESSIOND) | S(P_GW))
#define F(name) (1u << FLD_##name)

enum kind { K_I64 = 1, K_I32, K_BYTES, K_STR };

struct field_desc {
	const char *name;
	enum kind kind;
	size_t cap;
};

static const struct field_desc fields[FLD_MAX] = {
#define FIELD(id, fname, fkind, fcap) [id] = { #fname, K_##fkind, fcap },
#include "msg.def"
#undef FIELD
};

struct msg_desc {
	const char *name;
	uint32_t senders, req, opt;
};

static const struct msg_desc msgs[MSG_TYPE_MAX] = {
#define MSG(mname, num, snd, rq, op) [num] = { #mname, snd, rq, op },
#include "msg.def"
#undef MSG
};

const char *msg_type_name(int type)
{
	if (type <= 0 || type >= MSG_TYPE_MAX || !msgs[type].name)
		return "unknown";
	return msgs[type].name;
}

const char *msg_field_name(int field)
{
	if (field <= 0 || field >= FLD_MAX || !fields[field].name)
		return "unknown";
	return fields[field].name;
}

void msg_init(struct msg *m, int type, int sender, uint64_t corr)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	m->sender = sender;
	m->corr = corr;
}

/* Pointers to the storage of each field inside struct msg. */
static void *field_ptr(struct msg *m, int id)
{
	switch (id) {
#define FIELD(fid, fname, fkind, fcap) case fid: return &m->fname;
#include "msg.def"
#undef FIELD
	default:
		return NULL;
	}
}

size_t msg_encoded_max(const struct msg *m)
{
	size_t n = 64;
	for (int id = 1; id < FLD_MAX; id++) {
		if (!((m->has >> id) & 1u) || !fields[id].name)
			continue;
		n += 18;
		if (fields[id].kind == K_BYTES || fields[id].kind == K_STR)
			n += ((const struct msg_bytes *)field_ptr((struct msg *)m, id))->len;
	}
	return n;
}

static size_t enc_int(int64_t v, uint8_t *p, size_t cap)
{
	if (v >= 0)
		return cbor_encode_uint((uint64_t)v, p, cap);
	return cbor_encode_negint((uint64_t)(-(v + 1)), p, cap);
}

size_t msg_encode(const struct msg *m, uint8_t *buf, size_t cap)
{
	size_t off = 0, n;
	int nfields = 0;

	if (m->type <= 0 || m->type >= MSG_TYPE_MAX || !msgs[m->type].name)
		return 0;
	if ((m->has & msgs[m->type].req) != msgs[m->type].req)
		return 0;
	for (int id = 1; id < FLD_MAX; id++)
		if ((m->has >> id) & 1u)
			nfields++;

#define PUT(expr) do { n = (expr); if (n == 0) return 0; off += n; } while (0)
	PUT(cbor_encode_array_start(4, buf + off, cap - off));
	PUT(cbor_encode_uint((uint64_t)m->type, buf + off, cap - off));
	PUT(cbor_encode_uint((uint64_t)m->sender, buf + off, cap - off));
	PUT(cbor_encode_uint(m->corr, buf + off, cap - off));
	PUT(cbor_encode_map_start((size_t)nfields, buf + off, cap - off));
	for (int id = 1; id < FLD_MAX; id++) {
		if (!((m->has >> id) & 1u))
			continue;
		if (!fields[id].name)
			return 0;
		const void *fp = field_ptr((struct msg *)m, id);
		PUT(cbor_encode_uint((uint64_t)id, buf + off, cap - off));
		switch (fields[id].kind) {
		case K_I64:
			PUT(enc_int(*(const int64_t *)fp, buf + off, cap - off));
			break;
		case K_I32:
			PUT(enc_int(*(const int32_t *)fp, buf + off, cap - off));
			break;
		case K_BYTES:
		case K_STR: {
			const struct msg_bytes *b = fp;
			if (b->len > fields[id].cap)
				return 0;
			if (fields[id].kind == K_BYTES)
				PUT(cbor_encode_bytestring_start(b->len, buf + off, cap - off));
			else
				PUT(cbor_encode_string_start(b->len, buf + off, cap - off));
			if (cap - off < b->len)
				return 0;
			if (b->len)
				memcpy(buf + off, b->p, b->len);
			off += b->len;
			break;
		}
		}
	}
#undef PUT
	return off;
}

/* One decoded CBOR item. */
enum tok { T_NONE, T_UINT, T_NEG, T_BYTES, T_STR, T_ARRAY, T_MAP, T_OTHER };

struct item {
	enum tok t;
	uint64_t u;		/* value, or -1-value for T_NEG, or count */
	const uint8_t *p;
	size_t len;
};

static void cb_u8(void *c, uint8_t v) { *(struct item *)c = (struct item){ T_UINT, v, 0, 0 }; }
static void cb_u16(void *c, uint16_t v) { *(struct item *)c = (struct item){ T_UINT, v, 0, 0 }; }
static void cb_u32(void *c, uint32_t v) { *(struct item *)c = (struct item){ T_UINT, v, 0, 0 }; }
static void cb_u64(void *c, uint64_t v) { *(struct item *)c = (struct item){ T_UINT, v, 0, 0 }; }
static void cb_n8(void *c, uint8_t v) { *(struct item *)c = (struct item){ T_NEG, v, 0, 0 }; }
static void cb_n16(void *c, uint16_t v) { *(struct item *)c = (struct item){ T_NEG, v, 0, 0 }; }
static void cb_n32(void *c, uint32_t v) { *(struct item *)c = (struct item){ T_NEG, v, 0, 0 }; }
static void cb_n64(void *c, uint64_t v) { *(struct item *)c = (struct item){ T_NEG, v, 0, 0 }; }
static void cb_bytes(void *c, cbor_data d, size_t n) { *(struct item *)c = (struct item){ T_BYTES, 0, d, n }; }
static void cb_str(void *c, cbor_data d, size_t n) { *(struct item *)c = (struct item){ T_STR, 0, d, n }; }
static void cb_array(void *c, size_t n) { *(struct item *)c = (struct item){ T_ARRAY, n, 0, 0 }; }
static void cb_map(void *c, size_t n) { *(struct item *)c = (struct item){ T_MAP, n, 0, 0 }; }
static void cb_other(void *c) { ((struct item *)c)->t = T_OTHER; }
static void cb_other64(void *c, uint64_t v) { (void)v; ((struct item *)c)->t = T_OTHER; }
static void cb_otherf(void *c, float v) { (void)v; ((struct item *)c)->t = T_OTHER; }
static void cb_otherd(void *c, double v) { (void)v; ((struct item *)c)->t = T_OTHER; }
static void cb_otherb(void *c, bool v) { (void)v; ((struct item *)c)->t = T_OTHER; }

static const struct cbor_callbacks cbs = {
	.uint8 = cb_u8, .uint16 = cb_u16, .uint32 = cb_u32, .uint64 = cb_u64,
	.negint8 = cb_n8, .negint16 = cb_n16, .negint32 = cb_n32, .negint64 = cb_n64,
	.byte_string = cb_bytes, .byte_string_start = cb_other,
	.string = cb_str, .string_start = cb_other,
	.array_start = cb_array, .indef_array_start = cb_other,
	.map_start = cb_map, .indef_map_start = cb_other,
	.tag = cb_other64, .float2 = cb_otherf, .float4 = cb_otherf,
	.float8 = cb_otherd, .undefined = cb_other, .null = cb_other,
	.boolean = cb_otherb, .indef_break = cb_other,
};

struct cursor {
	const uint8_t *buf;
	size_t len, off;
};

static int next(struct cursor *c, struct item *it)
{
	struct cbor_decoder_result r;

	if (c->off >= c->len)
		return -1;
	it->t = T_NONE;
	r = cbor_stream_decode(c->buf + c->off, c->len - c->off, &cbs, it);
	if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || it->t == T_NONE)
		return -1;
	c->off += r.read;
	return 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int msg_decode(const uint8_t *buf, size_t len, struct msg *m, char *err, size_t errlen)
{
	size_t used;

	if (msg_decode_one(buf, len, m, &used, err, errlen) < 0)
		return -1;
	if (used != len)
		FAIL("%zu bytes left over", len - used);
	return 0;
}

int msg_decode_one(const uint8_t *buf, size_t len, struct msg *m, size_t *used,
		   char *err, size_t errlen)
{
	struct cursor c = { buf, len, 0 };
	struct item it;
	uint64_t nfields;

	memset(m, 0, sizeof *m);
	if (next(&c, &it) < 0 || it.t != T_ARRAY || it.u != 4)
		FAIL("not a message envelope");
	if (next(&c, &it) < 0 || it.t != T_UINT || it.u == 0 ||
	    it.u >= MSG_TYPE_MAX || !msgs[it.u].name)
		FAIL("unknown message type");
	m->type = (int)it.u;
	if (next(&c, &it) < 0 || it.t != T_UINT || it.u >= P_COUNT)
		FAIL("bad sender");
	m->sender = (int)it.u;
	if (!((msgs[m->type].senders >> m->sender) & 1u))
		FAIL("sender not allowed for this type");
	if (next(&c, &it) < 0 || it.t != T_UINT)
		FAIL("bad correlation id");
	m->corr = it.u;
	if (next(&c, &it) < 0 || it.t != T_MAP || it.u >= FLD_MAX)
		FAIL("bad field map");
	nfields = it.u;
	for (uint64_t i = 0; i < nfields; i++) {
		int id;
		void *fp;
		if (next(&c, &it) < 0 || it.t != T_UINT || it.u == 0 ||
		    it.u >= FLD_MAX || !fields[it.u].name)
			FAIL("unknown field");
		id = (int)it.u;
		if (!(((msgs[m->type].req | msgs[m->type].opt) >> id) & 1u))
			FAIL("field %s not allowed", fields[id].name);
		if ((m->has >> id) & 1u)
			FAIL("field %s twice", fields[id].name);
		if (next(&c, &it) < 0)
			FAIL("field %s: truncated", fields[id].name);
		fp = field_ptr(m, id);
		switch (fields[id].kind) {
		case K_I64:
			if (it.t == T_UINT && it.u <= (uint64_t)INT64_MAX)
				*(int64_t *)fp = (int64_t)it.u;
			else if (it.t == T_NEG && it.u <= (uint64_t)INT64_MAX)
				*(int64_t *)fp = -1 - (int64_t)it.u;
			else
				FAIL("field %s: not a 64-bit integer", fields[id].name);
			break;
		case K_I32:
			if (it.t == T_UINT && it.u <= (uint64_t)INT32_MAX)
				*(int32_t *)fp = (int32_t)it.u;
			else if (it.t == T_NEG && it.u <= (uint64_t)INT32_MAX)
				*(int32_t *)fp = (int32_t)(-1 - (int64_t)it.u);
			else
				FAIL("field %s: not a 32-bit integer", fields[id].name);
			break;
		case K_BYTES:
		case K_STR:
			if (it.t != (fields[id].kind == K_BYTES ? T_BYTES : T_STR))
				FAIL("field %s: wrong type", fields[id].name);
			if (it.len > fields[id].cap)
				FAIL("field %s: %zu bytes over cap %zu", fields[id].name,
				     it.len, fields[id].cap);
			((struct msg_bytes *)fp)->p = it.p;
			((struct msg_bytes *)fp)->len = it.len;
			break;
		}
		m->has |= 1u << id;
	}
	if ((m->has & msgs[m->type].req) != msgs[m->type].req)
		FAIL("required field missing");
	*used = c.off;
	return 0;
}
