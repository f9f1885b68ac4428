/* auth.c: per-connection auth ids (ip at accept, digest from AuthPacket)
 * and the ACL check for reads and watch delivery, as Apache's ip and
 * digest providers do it. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base64.h"
#include "gw.h"
#include "log.h"
#include "sha1.h"

static int has_id(const struct conn *c, const char *scheme, const char *id)
{
	int i;

	for (i = 0; i < c->nauth; i++)
		if (strcmp(c->auth[i].scheme, scheme) == 0 && strcmp(c->auth[i].id, id) == 0)
			return 1;
	return 0;
}

static int add_id(struct conn *c, const char *scheme, const char *id)
{
	if (has_id(c, scheme, id))
		return 0;
	if (c->nauth >= GW_MAX_AUTH || strlen(id) >= GW_AUTH_ID_MAX)
		return -1;
	snprintf(c->auth[c->nauth].scheme, sizeof(c->auth[0].scheme), "%s", scheme);
	snprintf(c->auth[c->nauth].id, sizeof(c->auth[0].id), "%s", id);
	c->nauth++;
	return 0;
}

void auth_init_conn(struct conn *c)
{
	c->nauth = 0;
	c->super = 0;
	(void)add_id(c, "ip", c->peer_ip);
}

/* "user:" + base64(SHA1("user:password")), Apache's digest id. */
int auth_digest_id(const uint8_t *p, size_t n, char *out, size_t cap)
{
	uint8_t h[SHA1_LEN];
	char b64[BASE64_LEN(SHA1_LEN) + 1];
	const uint8_t *colon = memchr(p, ':', n);
	size_t ulen = colon ? (size_t)(colon - p) : n;

	sha1(p, n, h);
	if (base64_encode(h, sizeof(h), b64, sizeof(b64)) < 0)
		return -1;
	if (ulen + 1 + strlen(b64) + 1 > cap)
		return -1;
	memcpy(out, p, ulen);
	out[ulen] = ':';
	strcpy(out + ulen + 1, b64);
	return 0;
}

int auth_add(struct conn *c, const struct jute_bytes *scheme, const struct jute_bytes *authb)
{
	char id[GW_AUTH_ID_MAX];

	if (jute_bytes_eq(scheme, "ip"))
		return add_id(c, "ip", c->peer_ip) < 0 ? ZAUTHFAILED : 0;
	if (!jute_bytes_eq(scheme, "digest"))
		return ZAUTHFAILED;
	if (authb->len < 0 || (size_t)authb->len > GW_AUTH_ID_MAX - 32 ||
	    memchr(authb->p, '\0', (size_t)authb->len))
		return ZAUTHFAILED;
	if (auth_digest_id(authb->p, (size_t)authb->len, id, sizeof(id)) < 0)
		return ZAUTHFAILED;
	if (add_id(c, "digest", id) < 0)
		return ZAUTHFAILED;
	if (gw.superdigest[0] && strcmp(gw.superdigest, id) == 0) {
		c->super = 1;
		(void)add_id(c, "super", "");
	}
	return 0;
}

/* ip ACL ids: "a.b.c.d" or "a.b.c.d/bits"; IPv4 only (clients are on
 * loopback IPv4 here; a v6 id never matches a v4 client). */
static int ip_match(const char *acl_id, size_t len, uint32_t ip)
{
	char buf[64], *slash;
	struct in_addr a;
	int bits = 32;
	uint32_t mask;

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, acl_id, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash) {
		char *end;
		long b;

		*slash = '\0';
		b = strtol(slash + 1, &end, 10);
		if (*end || b < 0 || b > 32)
			return 0;
		bits = (int)b;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return 0;
	mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	return (ntohl(a.s_addr) & mask) == (ip & mask);
}

static int id_matches(const struct conn *c, const struct jute_id *id)
{
	int i;

	if (jute_bytes_eq(&id->scheme, "world"))
		return jute_bytes_eq(&id->id, "anyone");
	if (jute_bytes_eq(&id->scheme, "ip"))
		return id->id.len > 0 && ip_match((const char *)id->id.p, (size_t)id->id.len, c->peer_v4);
	for (i = 0; i < c->nauth; i++) {
		if (!jute_bytes_eq(&id->scheme, c->auth[i].scheme))
			continue;
		if (jute_bytes_eq(&id->id, c->auth[i].id))
			return 1;
	}
	return 0;
}

int auth_check(const struct conn *c, const struct jute_acls *acl, int perm)
{
	struct jute_rd r;
	int32_t i;

	if (c->super || acl->n <= 0)
		return 1;
	if (acl->arr) {
		for (i = 0; i < acl->n; i++)
			if ((acl->arr[i].perms & perm) && id_matches(c, &acl->arr[i].id))
				return 1;
		return 0;
	}
	jute_vec_rd(&r, acl->raw, acl->rawlen);
	for (i = 0; i < acl->n; i++) {
		struct jute_acl a;

		jute_get_acl(&r, &a);
		if (r.err)
			return 0;
		if ((a.perms & perm) && id_matches(c, &a.id))
			return 1;
	}
	return 0;
}

/* The connection's ids as a jute vector<Id>, the form zk-zabd's prep
 * checks write permissions with (see zk-zabd/prep.h, prep_req.auth). */
void auth_ids_encode(const struct conn *c, struct jute_buf *b)
{
	int i;

	jute_put_int(b, c->nauth);
	for (i = 0; i < c->nauth; i++) {
		jute_put_cstr(b, c->auth[i].scheme);
		jute_put_cstr(b, c->auth[i].id);
	}
}
