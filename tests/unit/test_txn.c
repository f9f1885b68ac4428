/* test_txn.c: txn encoding round trips and rejection of malformed input. */
#include <stdlib.h>
#include <string.h>
#include "txn.h"
#include "unit.h"

static const uint8_t open_acl[] = {
	0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 5, 'w', 'o', 'r', 'l', 'd',
	0, 0, 0, 6, 'a', 'n', 'y', 'o', 'n', 'e'
};

static void hdr(struct txn *t, int type, int op)
{
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->op = op;
	t->zxid = 0x100000007LL;
	t->time = 1700000000123LL;
	t->session = 0x0100000000000042LL;
	t->cxid = 17;
}

static void test_create_roundtrip(void)
{
	struct jute_buf b;
	struct txn t, d;

	hdr(&t, OP_CREATE, OP_CREATE2);
	t.one.type = OP_CREATE;
	t.one.op = OP_CREATE2;
	t.one.path = jute_cstr("/a/b0000000003");
	t.one.data = JUTE_NULL;
	t.one.acl = jute_mem(open_acl, sizeof(open_acl));
	t.one.owner = t.session;
	t.one.version = 4;
	jute_buf_init(&b, 0);
	txn_encode(&b, &t);
	CHECK_EQ_INT(b.err, 0);
	CHECK_EQ_INT(txn_decode(b.p, b.len, &d), 0);
	CHECK_EQ_INT(d.type, OP_CREATE);
	CHECK_EQ_INT(d.op, OP_CREATE2);
	CHECK_EQ_INT(d.zxid, t.zxid);
	CHECK_EQ_INT(d.time, t.time);
	CHECK_EQ_INT(d.session, t.session);
	CHECK_EQ_INT(d.cxid, 17);
	CHECK(jute_bytes_eq(&d.one.path, "/a/b0000000003"));
	CHECK_EQ_INT(d.one.data.len, -1);
	CHECK_EQ_INT(d.one.acl.len, sizeof(open_acl));
	CHECK(memcmp(d.one.acl.p, open_acl, sizeof(open_acl)) == 0);
	CHECK_EQ_INT(d.one.owner, t.session);
	CHECK_EQ_INT(d.one.version, 4);
	/* every truncation is rejected, and so is a trailing byte */
	for (size_t n = 0; n < b.len; n++)
		CHECK_EQ_INT(txn_decode(b.p, n, &d), -1);
	jute_put_byte(&b, 0);
	CHECK_EQ_INT(txn_decode(b.p, b.len, &d), -1);
	jute_buf_free(&b);
}

/* DELETE and SETDATA carry the node's ACL for zk-gw's READ check of
 * watch events; an unknown ACL travels as an empty vector and decodes as
 * null. */
static void test_node_acl_roundtrip(void)
{
	struct jute_buf b;
	struct txn t, d;

	for (int known = 0; known < 2; known++) {
		for (int type = OP_DELETE; type <= OP_SETDATA; type += OP_SETDATA - OP_DELETE) {
			hdr(&t, type, type);
			t.one.type = type;
			t.one.op = type;
			t.one.path = jute_cstr("/n");
			t.one.data = jute_cstr("v");
			t.one.version = 2;
			t.one.acl = known ? jute_mem(open_acl, sizeof(open_acl)) : JUTE_NULL;
			jute_buf_init(&b, 0);
			txn_encode(&b, &t);
			CHECK_EQ_INT(b.err, 0);
			CHECK_EQ_INT(txn_decode(b.p, b.len, &d), 0);
			CHECK(jute_bytes_eq(&d.one.path, "/n"));
			if (known) {
				CHECK_EQ_INT(d.one.acl.len, sizeof(open_acl));
				CHECK(memcmp(d.one.acl.p, open_acl, sizeof(open_acl)) == 0);
			} else {
				CHECK_EQ_INT(d.one.acl.len, -1);
			}
			for (size_t n = 0; n < b.len; n++)
				CHECK_EQ_INT(txn_decode(b.p, n, &d), -1);
			jute_buf_free(&b);
		}
	}
}

static void test_multi_roundtrip(void)
{
	struct txn_op ops[3], o;
	struct jute_buf b;
	struct txn t, d;
	struct txn_iter it;

	memset(ops, 0, sizeof(ops));
	ops[0].type = OP_CREATE; ops[0].op = OP_CREATE;
	ops[0].path = jute_cstr("/x"); ops[0].data = jute_cstr("hi");
	ops[0].acl = jute_mem(open_acl, sizeof(open_acl)); ops[0].version = 1;
	ops[1].type = OP_SETDATA; ops[1].op = OP_SETDATA;
	ops[1].path = jute_cstr("/x"); ops[1].data = jute_cstr(""); ops[1].version = 1;
	ops[2].type = OP_CHECK; ops[2].op = OP_CHECK;
	ops[2].path = jute_cstr("/x"); ops[2].version = 1;
	hdr(&t, OP_MULTI, OP_MULTI);
	t.n = 3;
	t.subs = ops;
	jute_buf_init(&b, 0);
	txn_encode(&b, &t);
	CHECK_EQ_INT(b.err, 0);
	CHECK_EQ_INT(txn_decode(b.p, b.len, &d), 0);
	CHECK_EQ_INT(d.n, 3);
	txn_iter_init(&it, &d);
	CHECK_EQ_INT(txn_sub_next(&it, &o), 1);
	CHECK_EQ_INT(o.type, OP_CREATE);
	CHECK(jute_bytes_eq(&o.data, "hi"));
	CHECK_EQ_INT(txn_sub_next(&it, &o), 1);
	CHECK_EQ_INT(o.type, OP_SETDATA);
	CHECK_EQ_INT(o.data.len, 0);
	CHECK_EQ_INT(txn_sub_next(&it, &o), 1);
	CHECK_EQ_INT(o.type, OP_CHECK);
	CHECK_EQ_INT(txn_sub_next(&it, &o), 0);
	for (size_t n = 0; n < b.len; n++)
		CHECK_EQ_INT(txn_decode(b.p, n, &d), -1);
	jute_buf_free(&b);
}

static void test_sessions_and_errors(void)
{
	struct jute_bytes paths[2] = { jute_cstr("/e1"), jute_cstr("/q/e2") }, p;
	struct jute_buf b;
	struct txn t, d;
	struct txn_iter it;
	uint8_t pw[16] = { 1, 2, 3 };

	jute_buf_init(&b, 0);
	hdr(&t, OP_CREATESESSION, OP_CREATESESSION);
	t.timeout = 30000;
	t.passwd = jute_mem(pw, 16);
	txn_encode(&b, &t);
	CHECK_EQ_INT(txn_decode(b.p, b.len, &d), 0);
	CHECK_EQ_INT(d.timeout, 30000);
	CHECK_EQ_INT(d.passwd.len, 16);
	CHECK(memcmp(d.passwd.p, pw, 16) == 0);

	jute_buf_reset(&b);
	hdr(&t, OP_CLOSESESSION, OP_CLOSESESSION);
	t.n = 2;
	t.paths = paths;
	txn_encode(&b, &t);
	CHECK_EQ_INT(txn_decode(b.p, b.len, &d), 0);
	txn_iter_init(&it, &d);
	CHECK_EQ_INT(txn_path_next(&it, &p), 1);
	CHECK(jute_bytes_eq(&p, "/e1"));
	CHECK_EQ_INT(txn_path_next(&it, &p), 1);
	CHECK(jute_bytes_eq(&p, "/q/e2"));
	CHECK_EQ_INT(txn_path_next(&it, &p), 0);

	jute_buf_reset(&b);
	hdr(&t, OP_ERROR, OP_SETDATA);
	t.one.type = OP_ERROR;
	t.one.err = ZBADVERSION;
	txn_encode(&b, &t);
	CHECK_EQ_INT(txn_decode(b.p, b.len, &d), 0);
	CHECK_EQ_INT(d.one.err, ZBADVERSION);
	CHECK_EQ_INT(d.op, OP_SETDATA);
	jute_buf_free(&b);
}

/* A closeSession carries one ACL per ephemeral (0 = not known); one
 * logged before ACLs were carried (paths only) still decodes, without. */
static void test_close_acls(void)
{
	struct jute_bytes paths[2] = { jute_cstr("/e1"), jute_cstr("/q/e2") }, p, a;
	struct jute_buf b, acls;
	struct txn t, d;
	struct txn_iter it;

	jute_buf_init(&b, 0);
	jute_buf_init(&acls, 0);
	jute_put_raw(&acls, open_acl, sizeof(open_acl));
	jute_put_int(&acls, 0);
	hdr(&t, OP_CLOSESESSION, OP_CLOSESESSION);
	t.n = 2;
	t.paths = paths;
	t.acls = acls.p;
	t.aclslen = acls.len;
	txn_encode(&b, &t);
	CHECK_EQ_INT(b.err, 0);
	CHECK_EQ_INT(txn_decode(b.p, b.len, &d), 0);
	CHECK(d.acls != NULL);
	txn_iter_init(&it, &d);
	CHECK_EQ_INT(txn_close_next(&it, &p, &a), 1);
	CHECK(jute_bytes_eq(&p, "/e1"));
	CHECK_EQ_INT(a.len, sizeof(open_acl));
	CHECK(memcmp(a.p, open_acl, sizeof(open_acl)) == 0);
	CHECK_EQ_INT(txn_close_next(&it, &p, &a), 1);
	CHECK(jute_bytes_eq(&p, "/q/e2"));
	CHECK_EQ_INT(a.len, -1);
	CHECK_EQ_INT(txn_close_next(&it, &p, &a), 0);
	/* paths alone: the iterators still work, every ACL is null */
	txn_iter_init(&it, &d);
	CHECK_EQ_INT(txn_path_next(&it, &p), 1);
	CHECK_EQ_INT(txn_path_next(&it, &p), 1);
	CHECK_EQ_INT(txn_path_next(&it, &p), 0);
	/* every truncation is refused but the one that ends after the paths */
	for (size_t n = 0; n < b.len; n++) {
		int rc = txn_decode(b.p, n, &d);

		if (n == b.len - acls.len) {
			CHECK_EQ_INT(rc, 0);
			CHECK(d.acls == NULL);
			txn_iter_init(&it, &d);
			CHECK_EQ_INT(txn_close_next(&it, &p, &a), 1);
			CHECK_EQ_INT(a.len, -1);
		} else {
			CHECK_EQ_INT(rc, -1);
		}
	}
	/* an empty vector as an ACL is malformed; trailing bytes too */
	jute_buf_reset(&acls);
	jute_put_int(&acls, 0);
	jute_put_int(&acls, 0);
	jute_put_int(&acls, 7);
	t.acls = acls.p;
	t.aclslen = acls.len;
	jute_buf_reset(&b);
	txn_encode(&b, &t);
	CHECK_EQ_INT(txn_decode(b.p, b.len, &d), -1);
	jute_buf_free(&acls);
	jute_buf_free(&b);
}

static void test_hostile(void)
{
	uint8_t buf[256];
	struct txn d;
	unsigned seed = 1;
	int i;

	/* a check outside a multi, an unknown type, random bytes */
	struct jute_buf b;
	struct txn t;

	jute_buf_init(&b, 0);
	hdr(&t, OP_CHECK, OP_CHECK);
	t.one.type = OP_CHECK;
	t.one.path = jute_cstr("/x");
	txn_encode(&b, &t);
	CHECK(b.err != 0 || txn_decode(b.p, b.len, &d) == -1);
	jute_buf_free(&b);
	for (i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(buf)), k;

		for (k = 0; k < n; k++)
			buf[k] = (uint8_t)rand_r(&seed);
		if (n >= 8) {	/* a valid version and type, to reach the bodies */
			memset(buf, 0, 8);
			buf[3] = TXN_VERSION;
			buf[7] = (uint8_t)(rand_r(&seed) % 8);
		}
		(void)txn_decode(buf, n, &d);	/* must not crash */
	}

}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "create_roundtrip", test_create_roundtrip },
		{ "node_acl_roundtrip", test_node_acl_roundtrip },
		{ "multi_roundtrip", test_multi_roundtrip },
		{ "sessions_and_errors", test_sessions_and_errors },
		{ "close_acls", test_close_acls },
		{ "hostile", test_hostile },
		{ NULL, NULL }
	};
	return unit_run("txn", cases);
}
