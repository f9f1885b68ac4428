/* test_msg.c: the IPC message codec: round trips, and malformed, truncated,
 * wrong-sender and oversize input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cbor.h>
#include "msg.h"
#include "unit.h"

static uint8_t buf[1 << 16];

static size_t encode_write(struct msg *m)
{
	static const uint8_t body[] = { 0, 0, 0, 2, '/', 'a', 0xff };
	msg_init(m, MSG_GW_WRITE, P_GW, 0x1122334455667788ull);
	MSG_SET(m, session, -7);
	MSG_SET(m, cxid, 42);
	MSG_SET(m, op, -11);
	MSG_SET(m, origin, P_GW);
	MSG_SET_BYTES(m, body, body, sizeof body);
	return msg_encode(m, buf, sizeof buf);
}

static void round_trip(void)
{
	struct msg m, d;
	char err[160];
	size_t n = encode_write(&m);

	CHECK(n > 0);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), 0);
	CHECK_EQ_INT(d.type, MSG_GW_WRITE);
	CHECK_EQ_INT(d.sender, P_GW);
	CHECK(d.corr == 0x1122334455667788ull);
	CHECK_EQ_INT(d.session, -7);
	CHECK_EQ_INT(d.cxid, 42);
	CHECK_EQ_INT(d.op, -11);
	CHECK(MSG_HAS(&d, body));
	CHECK(!MSG_HAS(&d, passwd));
	CHECK_EQ_INT(d.body.len, 7);
	CHECK(d.body.len == 7 && memcmp(d.body.p, m.body.p, 7) == 0);
}

static void extremes(void)
{
	struct msg m, d;
	char err[160];
	size_t n;

	msg_init(&m, MSG_ZAB_COMMIT, P_ZABD, UINT64_MAX);
	MSG_SET(&m, zxid, INT64_MAX);
	MSG_SET(&m, prev, INT64_MIN);
	MSG_SET(&m, origin, INT32_MIN);
	MSG_SET_BYTES(&m, txn, "", 0);
	n = msg_encode(&m, buf, sizeof buf);
	CHECK(n > 0);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), 0);
	CHECK(d.zxid == INT64_MAX && d.prev == INT64_MIN && d.origin == INT32_MIN);
	CHECK(d.corr == UINT64_MAX);
	CHECK_EQ_INT(d.txn.len, 0);
}

/* TREE_SNAPSHOT: purge is optional; only zk-treed sends it. */
static void tree_snapshot(void)
{
	struct msg m, d;
	char err[160];
	size_t n;

	msg_init(&m, MSG_TREE_SNAPSHOT, P_TREED, 0);
	MSG_SET(&m, zxid, 0x100000826LL);
	MSG_SET(&m, oldest, 0x100000426LL);
	n = msg_encode(&m, buf, sizeof buf);
	CHECK(n > 0);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), 0);
	CHECK(d.zxid == 0x100000826LL && d.oldest == 0x100000426LL);
	CHECK(!MSG_HAS(&d, purge));
	MSG_SET(&m, purge, 1);
	n = msg_encode(&m, buf, sizeof buf);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), 0);
	CHECK(MSG_HAS(&d, purge) && d.purge == 1);
	msg_init(&m, MSG_TREE_SNAPSHOT, P_GW, 0);
	MSG_SET(&m, zxid, 1);
	MSG_SET(&m, oldest, 1);
	n = msg_encode(&m, buf, sizeof buf);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), -1);
	msg_init(&m, MSG_TREE_SNAPSHOT, P_TREED, 0);
	MSG_SET(&m, zxid, 1);
	CHECK_EQ_INT(msg_encode(&m, buf, sizeof buf), 0);	/* oldest missing */
}

static void every_truncation_fails(void)
{
	struct msg m, d;
	char err[160];
	size_t n = encode_write(&m);

	for (size_t k = 0; k < n; k++)
		CHECK_EQ_INT(msg_decode(buf, k, &d, err, sizeof err), -1);
}

static void trailing_bytes_fail(void)
{
	struct msg m, d;
	char err[160];
	size_t n = encode_write(&m);

	buf[n] = 0;
	CHECK_EQ_INT(msg_decode(buf, n + 1, &d, err, sizeof err), -1);
	CHECK(strstr(err, "left over") != NULL);
}

static void missing_required_field(void)
{
	struct msg m;
	msg_init(&m, MSG_ZAB_REPLY, P_ZABD, 1);
	MSG_SET(&m, zxid, 1);
	CHECK_EQ_INT(msg_encode(&m, buf, sizeof buf), 0);
}

/* Hand-built frames: [type, sender, corr, {fields}]. */
static size_t frame(uint64_t type, uint64_t sender, int nf, const uint64_t *keys,
		    const int64_t *vals)
{
	size_t o = 0;
	o += cbor_encode_array_start(4, buf + o, sizeof buf - o);
	o += cbor_encode_uint(type, buf + o, sizeof buf - o);
	o += cbor_encode_uint(sender, buf + o, sizeof buf - o);
	o += cbor_encode_uint(0, buf + o, sizeof buf - o);
	o += cbor_encode_map_start((size_t)nf, buf + o, sizeof buf - o);
	for (int i = 0; i < nf; i++) {
		o += cbor_encode_uint(keys[i], buf + o, sizeof buf - o);
		if (vals[i] >= 0)
			o += cbor_encode_uint((uint64_t)vals[i], buf + o, sizeof buf - o);
		else
			o += cbor_encode_negint((uint64_t)(-1 - vals[i]), buf + o, sizeof buf - o);
	}
	return o;
}

static void bad_frames(void)
{
	struct msg d;
	char err[160];
	uint64_t k[3] = { FLD_zxid, FLD_zxid, FLD_session };
	int64_t v[3] = { 1, 2, 3 };
	size_t n;

	/* unknown type */
	n = frame(63, P_TREED, 1, (uint64_t[]){ FLD_zxid }, v);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), -1);
	CHECK(strstr(err, "unknown message type") != NULL);
	/* wrong sender: TREE_HELLO only from zk-treed */
	n = frame(MSG_TREE_HELLO, P_GW, 1, (uint64_t[]){ FLD_zxid }, v);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), -1);
	CHECK(strstr(err, "sender") != NULL);
	/* good one */
	n = frame(MSG_TREE_HELLO, P_TREED, 1, (uint64_t[]){ FLD_zxid }, v);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), 0);
	/* duplicate field */
	n = frame(MSG_TREE_HELLO, P_TREED, 2, k, v);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), -1);
	/* field not allowed for the type */
	n = frame(MSG_TREE_HELLO, P_TREED, 2, (uint64_t[]){ FLD_zxid, FLD_session }, v);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), -1);
	/* unknown field id */
	n = frame(MSG_TREE_HELLO, P_TREED, 2, (uint64_t[]){ FLD_zxid, 31 }, v);
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), -1);
	/* i32 field out of range */
	n = frame(MSG_SESS_CREATE, P_GW, 1, (uint64_t[]){ FLD_timeout },
		  (int64_t[]){ (int64_t)INT32_MAX + 1 });
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), -1);
	n = frame(MSG_SESS_CREATE, P_GW, 1, (uint64_t[]){ FLD_timeout },
		  (int64_t[]){ INT32_MIN });
	CHECK_EQ_INT(msg_decode(buf, n, &d, err, sizeof err), 0);
	CHECK_EQ_INT(d.timeout, INT32_MIN);
	/* not an array at all */
	buf[0] = 0x01;
	CHECK_EQ_INT(msg_decode(buf, 1, &d, err, sizeof err), -1);
	CHECK_EQ_INT(msg_decode(buf, 0, &d, err, sizeof err), -1);
}

static void oversize_field(void)
{
	struct msg m, d;
	char err[160];
	static uint8_t big[64];
	size_t o = 0;

	/* passwd is capped at 16 bytes: encoder refuses 17 */
	msg_init(&m, MSG_GW_WRITE, P_SESSIOND, 0);
	MSG_SET(&m, session, 1);
	MSG_SET(&m, cxid, 0);
	MSG_SET(&m, op, -10);
	MSG_SET(&m, origin, P_GW);
	MSG_SET_BYTES(&m, passwd, big, 17);
	CHECK_EQ_INT(msg_encode(&m, buf, sizeof buf), 0);
	/* and the decoder refuses a hand-made one */
	o += cbor_encode_array_start(4, buf + o, sizeof buf - o);
	o += cbor_encode_uint(MSG_GW_WRITE, buf + o, sizeof buf - o);
	o += cbor_encode_uint(P_SESSIOND, buf + o, sizeof buf - o);
	o += cbor_encode_uint(0, buf + o, sizeof buf - o);
	o += cbor_encode_map_start(5, buf + o, sizeof buf - o);
	o += cbor_encode_uint(FLD_session, buf + o, sizeof buf - o);
	o += cbor_encode_uint(1, buf + o, sizeof buf - o);
	o += cbor_encode_uint(FLD_cxid, buf + o, sizeof buf - o);
	o += cbor_encode_uint(0, buf + o, sizeof buf - o);
	o += cbor_encode_uint(FLD_op, buf + o, sizeof buf - o);
	o += cbor_encode_negint(9, buf + o, sizeof buf - o);
	o += cbor_encode_uint(FLD_origin, buf + o, sizeof buf - o);
	o += cbor_encode_uint(P_GW, buf + o, sizeof buf - o);
	o += cbor_encode_uint(FLD_passwd, buf + o, sizeof buf - o);
	o += cbor_encode_bytestring_start(17, buf + o, sizeof buf - o);
	memset(buf + o, 7, 17);
	o += 17;
	CHECK_EQ_INT(msg_decode(buf, o, &d, err, sizeof err), -1);
	CHECK(strstr(err, "cap") != NULL);
}

static void random_garbage_never_crashes(void)
{
	struct msg d;
	char err[160];
	unsigned seed = 12345;
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand_r(&seed) % 64);
		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rand_r(&seed);
		(void)msg_decode(buf, n, &d, err, sizeof err);
	}
}

static void names(void)
{
	CHECK_EQ_STR(msg_type_name(MSG_GW_WRITE), "GW_WRITE");
	CHECK_EQ_STR(msg_type_name(0), "unknown");
	CHECK_EQ_STR(msg_type_name(9999), "unknown");
	CHECK_EQ_STR(msg_field_name(FLD_passwd), "passwd");
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "round_trip", round_trip },
		{ "extremes", extremes },
		{ "tree_snapshot", tree_snapshot },
		{ "every_truncation_fails", every_truncation_fails },
		{ "trailing_bytes_fail", trailing_bytes_fail },
		{ "missing_required_field", missing_required_field },
		{ "bad_frames", bad_frames },
		{ "oversize_field", oversize_field },
		{ "random_garbage_never_crashes", random_garbage_never_crashes },
		{ "names", names },
		{ NULL, NULL },
	};
	return unit_run("msg", cases);
}
