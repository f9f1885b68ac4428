/* test_gw_auth.c: the gateway's auth ids and ACL checks (ip and digest
 * schemes as Apache's providers match them). */
#include <arpa/inet.h>
#include "unit.h"
/* auth.c is pure apart from gw.superdigest; link the module in. */
#include "../../zk-gw/auth.c"

struct gw gw;

static struct conn *new_conn(const char *ip)
{
	static struct conn c;
	struct in_addr a;

	memset(&c, 0, sizeof(c));
	snprintf(c.peer_ip, sizeof(c.peer_ip), "%s", ip);
	inet_pton(AF_INET, ip, &a);
	c.peer_v4 = ntohl(a.s_addr);
	auth_init_conn(&c);
	return &c;
}

static struct jute_acl acl(int perms, const char *scheme, const char *id)
{
	struct jute_acl a = { perms, { jute_cstr(scheme), jute_cstr(id) } };

	return a;
}

static int allowed(const struct conn *c, const struct jute_acl *arr, int n, int perm)
{
	struct jute_acls v = { n, arr, NULL, 0 };

	return auth_check(c, &v, perm);
}

static void test_world_and_empty(void)
{
	struct conn *c = new_conn("127.0.0.1");
	struct jute_acl open[] = { acl(PERM_ALL, "world", "anyone") };
	struct jute_acl ro[] = { acl(PERM_READ, "world", "anyone") };
	struct jute_acl other[] = { acl(PERM_ALL, "world", "other") };

	CHECK(allowed(c, open, 1, PERM_WRITE));
	CHECK(allowed(c, ro, 1, PERM_READ));
	CHECK(!allowed(c, ro, 1, PERM_WRITE));
	CHECK(!allowed(c, other, 1, PERM_READ));
	CHECK(allowed(c, NULL, 0, PERM_ADMIN));	/* empty ACL: anyone */
	CHECK_EQ_INT(c->nauth, 1);
	CHECK_EQ_STR(c->auth[0].scheme, "ip");
	CHECK_EQ_STR(c->auth[0].id, "127.0.0.1");
}

static void test_ip_masks(void)
{
	struct conn *c = new_conn("10.1.2.3");
	struct jute_acl exact[] = { acl(PERM_READ, "ip", "10.1.2.3") };
	struct jute_acl net[] = { acl(PERM_READ, "ip", "10.1.0.0/16") };
	struct jute_acl wrong[] = { acl(PERM_READ, "ip", "10.2.0.0/16") };
	struct jute_acl all[] = { acl(PERM_READ, "ip", "0.0.0.0/0") };
	struct jute_acl bad[] = { acl(PERM_READ, "ip", "10.1.2.3/33") };
	struct jute_acl v6[] = { acl(PERM_READ, "ip", "::1") };

	CHECK(allowed(c, exact, 1, PERM_READ));
	CHECK(allowed(c, net, 1, PERM_READ));
	CHECK(!allowed(c, wrong, 1, PERM_READ));
	CHECK(allowed(c, all, 1, PERM_READ));
	CHECK(!allowed(c, bad, 1, PERM_READ));
	CHECK(!allowed(c, v6, 1, PERM_READ));
}

static void test_digest(void)
{
	struct conn *c = new_conn("127.0.0.1");
	struct jute_bytes digest = jute_cstr("digest"), cred = jute_cstr("super:test");
	struct jute_bytes bogus = jute_cstr("kerberos");
	struct jute_acl mine[] = {
		acl(PERM_READ, "ip", "192.168.0.1"),
		acl(PERM_ALL, "digest", "super:D/InIHSb7yEEbrWz8b9l71RjZJU="),
	};
	char id[128];

	CHECK(auth_digest_id((const uint8_t *)"super:test", 10, id, sizeof(id)) == 0);
	CHECK_EQ_STR(id, "super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
	CHECK(!allowed(c, mine, 2, PERM_READ));
	CHECK_EQ_INT(auth_add(c, &bogus, &cred), ZAUTHFAILED);
	CHECK_EQ_INT(auth_add(c, &digest, &cred), 0);
	CHECK_EQ_INT(auth_add(c, &digest, &cred), 0);	/* once only */
	CHECK_EQ_INT(c->nauth, 2);
	CHECK(allowed(c, mine, 2, PERM_DELETE));
	CHECK(!c->super);
	/* superDigest configured: the same credential is super */
	snprintf(gw.superdigest, sizeof(gw.superdigest), "%s", id);
	c = new_conn("127.0.0.1");
	CHECK_EQ_INT(auth_add(c, &digest, &cred), 0);
	CHECK(c->super);
	CHECK(allowed(c, (struct jute_acl[]){ acl(PERM_READ, "world", "nobody") }, 1, PERM_ADMIN));
	gw.superdigest[0] = '\0';
}

/* A raw (decoded) vector, as the tree returns ACLs. */
static void test_raw_vector(void)
{
	struct conn *c = new_conn("127.0.0.1");
	struct jute_acl arr[] = {
		acl(PERM_READ, "digest", "bob:xxx"),
		acl(PERM_WRITE, "ip", "127.0.0.0/8"),
	};
	struct jute_acls v = { 2, arr, NULL, 0 }, d;
	struct jute_buf b;
	struct jute_rd r;

	jute_buf_init(&b, 0);
	jute_enc_acls(&b, &v);
	CHECK(!b.err);
	jute_rd_init(&r, b.p, b.len, 0);
	jute_dec_acls(&r, &d);
	CHECK(jute_rd_done(&r) == 0);
	CHECK(d.arr == NULL && d.n == 2);
	CHECK(!auth_check(c, &d, PERM_READ));
	CHECK(auth_check(c, &d, PERM_WRITE));
	jute_buf_free(&b);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "world_and_empty", test_world_and_empty },
		{ "ip_masks", test_ip_masks },
		{ "digest", test_digest },
		{ "raw_vector", test_raw_vector },
		{ NULL, NULL }
	};
	return unit_run("gw_auth", cases);
}
