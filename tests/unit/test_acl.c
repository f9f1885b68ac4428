/* test_acl.c: ACL checks and fix-up as Apache's auth providers make them. */
#include <string.h>
#include "acl.h"
#include "unit.h"

static struct jute_acls acls_of(struct jute_buf *b, const struct jute_acl *arr, int n)
{
	struct jute_acls v = { n, arr, NULL, 0 }, out;
	struct jute_rd r;

	jute_buf_reset(b);
	jute_enc_acls(b, &v);
	jute_rd_init(&r, b->p, b->len, 0);
	jute_dec_acls(&r, &out);
	return out;
}

static struct jute_acl mk(int perms, const char *scheme, const char *id)
{
	struct jute_acl a;

	a.perms = perms;
	a.id.scheme = jute_cstr(scheme);
	a.id.id = jute_cstr(id);
	return a;
}

static void test_ip(void)
{
	CHECK_EQ_INT(acl_ip_match("127.0.0.1", 9, "127.0.0.1", 9), 1);
	CHECK_EQ_INT(acl_ip_match("127.0.0.0/8", 11, "127.1.2.3", 9), 1);
	CHECK_EQ_INT(acl_ip_match("10.0.0.0/9", 10, "10.128.0.1", 10), 0);
	CHECK_EQ_INT(acl_ip_match("10.0.0.0/9", 10, "10.127.0.1", 10), 1);
	CHECK_EQ_INT(acl_ip_match("127.0.0.1", 9, "127.0.0.2", 9), 0);
	CHECK_EQ_INT(acl_ip_match("::1", 3, "127.0.0.1", 9), 0);
	CHECK_EQ_INT(acl_ip_match("::1", 3, "::1", 3), 1);
	CHECK_EQ_INT(acl_ip_match("127.0.0.1/33", 12, "127.0.0.1", 9), 0);
	CHECK_EQ_INT(acl_ip_match("nonsense", 8, "127.0.0.1", 9), 0);
}

static void test_allowed(void)
{
	struct jute_buf b;
	struct jute_acl arr[2];
	struct jute_acls v;
	struct jute_id ids[2];

	jute_buf_init(&b, 0);
	ids[0].scheme = jute_cstr("ip");
	ids[0].id = jute_cstr("127.0.0.1");
	ids[1].scheme = jute_cstr("digest");
	ids[1].id = jute_cstr("u:h");
	arr[0] = mk(PERM_READ, "world", "anyone");
	arr[1] = mk(PERM_WRITE | PERM_ADMIN, "digest", "u:h");
	v = acls_of(&b, arr, 2);
	CHECK_EQ_INT(acl_allowed(&v, ids, 0, PERM_READ), 1);
	CHECK_EQ_INT(acl_allowed(&v, ids, 1, PERM_WRITE), 0);
	CHECK_EQ_INT(acl_allowed(&v, ids, 2, PERM_WRITE), 1);
	CHECK_EQ_INT(acl_allowed(&v, ids, 2, PERM_DELETE), 0);
	arr[1] = mk(PERM_ALL, "ip", "127.0.0.0/24");
	v = acls_of(&b, arr, 2);
	CHECK_EQ_INT(acl_allowed(&v, ids, 1, PERM_DELETE), 1);
	CHECK_EQ_INT(acl_allowed(&v, ids + 1, 1, PERM_DELETE), 0);
	/* an empty list allows everything; super bypasses */
	v = acls_of(&b, arr, 0);
	CHECK_EQ_INT(acl_allowed(&v, ids, 0, PERM_ADMIN), 1);
	arr[0] = mk(PERM_READ, "world", "anyone");
	v = acls_of(&b, arr, 1);
	ids[0].scheme = jute_cstr("super");
	ids[0].id = jute_cstr("");
	CHECK_EQ_INT(acl_allowed(&v, ids, 1, PERM_ADMIN), 1);
	jute_buf_free(&b);
}

static int fixup_n(const struct jute_acl *arr, int n, const struct jute_id *ids, int nids,
		   int32_t *count)
{
	struct jute_buf b, out;
	struct jute_acls v, res;
	struct jute_rd r;
	int rc;

	jute_buf_init(&b, 0);
	jute_buf_init(&out, 0);
	v = acls_of(&b, arr, n);
	rc = acl_fixup(&v, ids, nids, &out);
	*count = -99;
	if (rc == 0) {
		jute_rd_init(&r, out.p, out.len, 0);
		jute_dec_acls(&r, &res);
		*count = jute_rd_done(&r) == 0 ? res.n : -98;
	}
	jute_buf_free(&b);
	jute_buf_free(&out);
	return rc;
}

static void test_fixup(void)
{
	struct jute_acl arr[3];
	struct jute_id ids[2];
	int32_t n;

	ids[0].scheme = jute_cstr("ip");
	ids[0].id = jute_cstr("127.0.0.1");
	ids[1].scheme = jute_cstr("digest");
	ids[1].id = jute_cstr("u:h");
	arr[0] = mk(PERM_ALL, "world", "anyone");
	arr[1] = mk(PERM_ALL, "world", "anyone");
	CHECK_EQ_INT(fixup_n(arr, 2, ids, 2, &n), 0);
	CHECK_EQ_INT(n, 1);			/* duplicates dropped */
	CHECK_EQ_INT(fixup_n(arr, 0, ids, 2, &n), ZINVALIDACL);
	arr[0] = mk(PERM_ALL, "world", "other");
	CHECK_EQ_INT(fixup_n(arr, 1, ids, 2, &n), ZINVALIDACL);
	arr[0] = mk(PERM_ALL, "digest", "nocolon");
	CHECK_EQ_INT(fixup_n(arr, 1, ids, 2, &n), ZINVALIDACL);
	arr[0] = mk(PERM_ALL, "digest", "a:b:c");
	CHECK_EQ_INT(fixup_n(arr, 1, ids, 2, &n), ZINVALIDACL);
	arr[0] = mk(PERM_ALL, "digest", "a:b");
	CHECK_EQ_INT(fixup_n(arr, 1, ids, 2, &n), 0);
	arr[0] = mk(PERM_ALL, "ip", "10.0.0.0/8");
	CHECK_EQ_INT(fixup_n(arr, 1, ids, 2, &n), 0);
	arr[0] = mk(PERM_ALL, "ip", "10.0.0.0/40");
	CHECK_EQ_INT(fixup_n(arr, 1, ids, 2, &n), ZINVALIDACL);
	arr[0] = mk(PERM_ALL, "nosuch", "x");
	CHECK_EQ_INT(fixup_n(arr, 1, ids, 2, &n), ZINVALIDACL);
	/* auth: the caller's authenticated ids (digest), never ip */
	arr[0] = mk(PERM_ALL, "auth", "");
	CHECK_EQ_INT(fixup_n(arr, 1, ids, 1, &n), ZINVALIDACL);
	CHECK_EQ_INT(fixup_n(arr, 1, ids, 2, &n), 0);
	CHECK_EQ_INT(n, 1);
}

static void test_ids_codec(void)
{
	struct jute_buf b;
	struct jute_id in[2], out[4];

	in[0].scheme = jute_cstr("ip");
	in[0].id = jute_cstr("127.0.0.1");
	in[1].scheme = jute_cstr("super");
	in[1].id = jute_cstr("");
	jute_buf_init(&b, 0);
	acl_ids_encode(&b, in, 2);
	CHECK_EQ_INT(acl_ids_decode(b.p, b.len, out, 4), 2);
	CHECK(jute_bytes_eq(&out[0].id, "127.0.0.1"));
	CHECK(jute_bytes_eq(&out[1].scheme, "super"));
	CHECK_EQ_INT(acl_ids_decode(b.p, b.len, out, 1), 1);	/* capped */
	CHECK_EQ_INT(acl_ids_decode(b.p, b.len - 1, out, 4), -1);
	CHECK_EQ_INT(acl_ids_decode(NULL, 0, out, 4), 0);
	jute_buf_free(&b);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "ip", test_ip },
		{ "allowed", test_allowed },
		{ "fixup", test_fixup },
		{ "ids_codec", test_ids_codec },
		{ NULL, NULL }
	};
	return unit_run("acl", cases);
}
