/* acl.c: ACL permission checks and create/setACL fix-up, as Apache
 * ZooKeeper's PrepRequestProcessor and its auth providers make them. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "acl.h"

static int bytes_is(const struct jute_bytes *b, const char *s)
{
	size_t n = strlen(s);

	return b->len >= 0 && (size_t)b->len == n && memcmp(b->p, s, n) == 0;
}

static int bytes_eq(const struct jute_bytes *a, const struct jute_bytes *b)
{
	return a->len == b->len && (a->len <= 0 || memcmp(a->p, b->p, (size_t)a->len) == 0);
}

/* Parses "a.b.c.d" or an IPv6 text into 16 bytes (v4: 4 bytes used).
 * Returns 4, 16, or 0 if not an address. */
static int parse_addr(const char *s, size_t len, uint8_t out[16])
{
	char buf[64];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, out) == 1)
		return 16;
	return 0;
}

/* Splits "addr/bits". Returns the address length (4/16) or 0 if invalid;
 * bits is the prefix length (the whole address when absent). */
static int parse_ip_acl(const char *s, size_t len, uint8_t addr[16], int *bits)
{
	const char *slash = memchr(s, '/', len);
	int alen;

	alen = parse_addr(s, slash ? (size_t)(slash - s) : len, addr);
	if (alen == 0)
		return 0;
	*bits = alen * 8;
	if (slash) {
		size_t i, n = len - (size_t)(slash - s) - 1;
		int v = 0;

		if (n == 0 || n > 3)
			return 0;
		for (i = 0; i < n; i++) {
			char c = slash[1 + i];

			if (c < '0' || c > '9')
				return 0;
			v = v * 10 + (c - '0');
		}
		if (v > alen * 8)
			return 0;
		*bits = v;
	}
	return alen;
}

int acl_ip_match(const char *aclid, size_t alen, const char *addr, size_t len)
{
	uint8_t a[16], b[16];
	int bits, n, m, i;

	n = parse_ip_acl(aclid, alen, a, &bits);
	m = parse_addr(addr, len, b);
	if (n == 0 || n != m)
		return 0;	/* v4 never matches v6 */
	for (i = 0; i < bits / 8; i++)
		if (a[i] != b[i])
			return 0;
	if (bits % 8) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));

		if ((a[i] & mask) != (b[i] & mask))
			return 0;
	}
	return 1;
}

/* Does caller id c match ACL id a (same scheme, provider rule)? */
static int id_matches(const struct jute_id *a, const struct jute_id *c)
{
	if (!bytes_eq(&a->scheme, &c->scheme))
		return 0;
	if (bytes_is(&a->scheme, "ip"))
		return a->id.len > 0 && c->id.len > 0 &&
		       acl_ip_match((const char *)a->id.p, (size_t)a->id.len,
				    (const char *)c->id.p, (size_t)c->id.len);
	if (bytes_is(&a->scheme, "digest") || bytes_is(&a->scheme, "x509") ||
	    bytes_is(&a->scheme, "sasl"))
		return bytes_eq(&a->id, &c->id);
	return 0;	/* no provider for this scheme */
}

int acl_allowed(const struct jute_acls *acl, const struct jute_id *ids, int nids,
		int perm)
{
	struct jute_rd r;
	struct jute_acl a;
	int32_t i;
	int k;

	if (acl->n <= 0)
		return 1;
	for (k = 0; k < nids; k++)
		if (bytes_is(&ids[k].scheme, "super"))
			return 1;
	jute_vec_rd(&r, acl->raw, acl->rawlen);
	for (i = 0; i < acl->n; i++) {
		jute_dec_acl(&r, &a);
		if (r.err)
			return 0;
		if ((a.perms & perm) == 0)
			continue;
		if (bytes_is(&a.id.scheme, "world") && bytes_is(&a.id.id, "anyone"))
			return 1;
		for (k = 0; k < nids; k++)
			if (id_matches(&a.id, &ids[k]))
				return 1;
	}
	return 0;
}

int acl_allowed_raw(const uint8_t *acl, size_t len, const struct jute_id *ids,
		    int nids, int perm)
{
	struct jute_rd r;
	struct jute_acls v;

	jute_rd_init(&r, acl, len, len);
	jute_dec_acls(&r, &v);
	if (jute_rd_done(&r) != 0)
		return 0;
	return acl_allowed(&v, ids, nids, perm);
}

/* Is this ACL id valid for its scheme (Apache's provider isValid)? */
static int id_valid(const struct jute_id *id)
{
	if (bytes_is(&id->scheme, "world"))
		return bytes_is(&id->id, "anyone");
	if (bytes_is(&id->scheme, "digest")) {
		/* exactly two parts when split on ':' (Java drops a trailing
		 * empty part, so "u:" is one part) */
		const uint8_t *c;
		size_t n;

		if (id->id.len <= 0)
			return 0;
		n = (size_t)id->id.len;
		c = memchr(id->id.p, ':', n);
		if (c == NULL || c == id->id.p + n - 1)
			return 0;
		return memchr(c + 1, ':', n - (size_t)(c + 1 - id->id.p)) == NULL;
	}
	if (bytes_is(&id->scheme, "ip")) {
		uint8_t a[16];
		int bits;

		/* Apache 3.8's ip provider validates IPv4 only (addr or addr/bits). */
		return id->id.len > 0 &&
		       parse_ip_acl((const char *)id->id.p, (size_t)id->id.len, a, &bits) == 4;
	}
	return 0;
}

/* Caller ids that the "auth" pseudo-scheme expands to: those of providers
 * that authenticate (digest, sasl, x509), not ip. */
static int id_authenticated(const struct jute_id *id)
{
	return bytes_is(&id->scheme, "digest") || bytes_is(&id->scheme, "sasl") ||
	       bytes_is(&id->scheme, "x509");
}

static int acl_eq(const struct jute_acl *a, const struct jute_acl *b)
{
	return a->perms == b->perms && bytes_eq(&a->id.scheme, &b->id.scheme) &&
	       bytes_eq(&a->id.id, &b->id.id);
}

static int add_unique(struct jute_acl *out, int *n, int cap, const struct jute_acl *a)
{
	int i;

	for (i = 0; i < *n; i++)
		if (acl_eq(&out[i], a))
			return 0;
	if (*n >= cap)
		return -1;
	out[(*n)++] = *a;
	return 0;
}

int acl_fixup(const struct jute_acls *in, const struct jute_id *ids, int nids,
	      struct jute_buf *out)
{
	struct jute_acl small[8], *list = small, a;
	struct jute_acls res;
	struct jute_rd r;
	int32_t i;
	int n = 0, k, added, cap;

	if (in->n <= 0)
		return ZINVALIDACL;
	if (in->n > ACL_LIST_MAX)
		return ZINVALIDACL;
	/* every entry gives one, an "auth" entry one per caller id */
	cap = in->n * (nids > 1 ? nids : 1);
	if (cap > ACL_LIST_MAX)
		cap = ACL_LIST_MAX;
	if (cap > (int)(sizeof(small) / sizeof(small[0]))) {
		list = malloc(sizeof(*list) * (size_t)cap);
		if (list == NULL) {
			out->err = 1;
			return ZINVALIDACL;
		}
	}
	jute_vec_rd(&r, in->raw, in->rawlen);
	for (i = 0; i < in->n; i++) {
		jute_dec_acl(&r, &a);
		if (r.err)
			goto bad;
		if (bytes_is(&a.id.scheme, "auth")) {
			added = 0;
			for (k = 0; k < nids; k++) {
				struct jute_acl x;

				if (!id_authenticated(&ids[k]))
					continue;
				x.perms = a.perms;
				x.id = ids[k];
				if (add_unique(list, &n, cap, &x) != 0)
					goto bad;
				added = 1;
			}
			if (!added)
				goto bad;
			continue;
		}
		if (!id_valid(&a.id))
			goto bad;
		if (add_unique(list, &n, cap, &a) != 0)
			goto bad;
	}
	res.n = n;
	res.arr = list;
	res.raw = NULL;
	res.rawlen = 0;
	jute_enc_acls(out, &res);
	if (list != small)
		free(list);
	return 0;
bad:
	if (list != small)
		free(list);
	return ZINVALIDACL;
}

void acl_ids_encode(struct jute_buf *b, const struct jute_id *ids, int nids)
{
	int i;

	jute_put_int(b, nids < 0 ? 0 : nids);
	for (i = 0; i < nids; i++)
		jute_enc_id(b, &ids[i]);
}

int acl_ids_decode(const uint8_t *p, size_t len, struct jute_id *ids, int max)
{
	struct jute_rd r;
	int32_t n, i;

	if (p == NULL || len == 0)
		return 0;
	jute_rd_init(&r, p, len, len);
	n = jute_get_int(&r);
	if (r.err || n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct jute_id id;

		jute_dec_id(&r, &id);
		if (r.err || id.scheme.len < 0 || id.id.len < 0)
			return -1;
		if (i < max)
			ids[i] = id;
	}
	if (jute_rd_done(&r) != 0)
		return -1;
	return n < max ? n : max;
}
