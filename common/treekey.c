/* treekey.c: node keys and the node value codec (see treekey.h). */
#include <string.h>
#include "treekey.h"

/* ---- SipHash-2-4 (Aumasson, Bernstein) --------------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t siphash(uint64_t k0, uint64_t k1, const uint8_t *p, size_t n)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	uint64_t b = (uint64_t)n << 56, m;
	size_t i, left = n & 7;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&m, p + i, 8);	/* little-endian hosts only (x86, arm64) */
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < left; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* hk: two SipHash keys (4 words). */
void tk_hash(const uint64_t *hk, const void *p, size_t n, uint8_t out[TK_HLEN])
{
	uint64_t a = siphash(hk[0], hk[1], p, n);
	uint64_t b = siphash(hk[2], hk[3], p, n);

	memcpy(out, &a, 8);
	memcpy(out + 8, &b, TK_HLEN - 8);
}

/* ---- keys ----------------------------------------------------------------- */

static int is_root(const char *path, size_t len)
{
	return len == 0 || (len == 1 && path[0] == '/');
}

void tk_child_prefix(const uint64_t *hk, const char *path, size_t len,
		     uint8_t out[TK_HLEN])
{
	if (is_root(path, len))
		tk_hash(hk, "/", 1, out);
	else
		tk_hash(hk, path, len, out);
}

size_t tk_node_key(const uint64_t *hk, const char *path, size_t len,
		   uint8_t key[TK_KEY_MAX], const char **name, size_t *nlen, int *hashed)
{
	uint8_t *k;
	size_t s;

	*hashed = 0;
	if (is_root(path, len)) {
		memset(key, 0, TK_HLEN);
		*name = "";
		*nlen = 0;
		return TK_HLEN;
	}
	if (path[0] != '/' || memchr(path, '\0', len))
		return 0;
	for (s = len - 1; path[s] != '/'; s--)
		;
	tk_child_prefix(hk, path, s, key);
	*name = path + s + 1;
	*nlen = len - s - 1;
	k = key + TK_HLEN;
	if (*nlen < TK_LEN_2B) {
		*k++ = (uint8_t)*nlen;
	} else if (*nlen <= TK_NAME_INLINE) {
		*k++ = (uint8_t)(TK_LEN_2B | *nlen >> 8);
		*k++ = (uint8_t)(*nlen & 0xff);
	} else {
		*hashed = 1;
		*k++ = TK_LEN_HASHED;
		tk_hash(hk, *name, *nlen, k);
		return (size_t)(k + TK_HLEN - key);
	}
	memcpy(k, *name, *nlen);
	return (size_t)(k + *nlen - key);
}

/* the longest inline key fits LMDB, its length's high bits fit the low
 * nibble of the first byte, and the hashed mark follows every such byte */
_Static_assert(TK_HLEN + 2 + TK_NAME_INLINE <= TK_KEY_MAX, "inline key too long");
_Static_assert((TK_LEN_2B | TK_NAME_INLINE >> 8) < TK_LEN_HASHED, "length bytes overlap");

int tk_key_name(const uint8_t *key, size_t klen, const uint8_t **name, size_t *nlen)
{
	const uint8_t *k = key + TK_HLEN;
	size_t n;

	if (klen <= TK_HLEN)
		return -1;
	if (*k == TK_LEN_HASHED)
		return klen == 2 * TK_HLEN + 1 ? 1 : -1;
	if (*k < TK_LEN_2B) {
		n = *k++;
	} else {
		if (klen < TK_HLEN + 2)
			return -1;
		n = (size_t)(k[0] & 0x0f) << 8 | k[1];
		k += 2;
		if (n < TK_LEN_2B || n > TK_NAME_INLINE)
			return -1;	/* not how tk_node_key spells it */
	}
	if (klen != (size_t)(k - key) + n)
		return -1;
	*name = k;
	*nlen = n;
	return 0;
}

/* ---- values -----------------------------------------------------------------
 * Most znodes have mzxid = pzxid = czxid, mtime = ctime, no owner, the open
 * ACL and zero versions and children, so those are left out (a flag says
 * which are present): a fresh leaf's header is about 12 bytes instead of
 * 72, which matters at a million znodes. Integers are zigzag LEB128
 * varints; the owner is 8 raw bytes (session ids use all 64 bits). */
enum {
	NF_NULL = 1,		/* data is null (not empty) */
	NF_MZXID = 2,		/* mzxid != czxid follows */
	NF_PZXID = 4,		/* pzxid != czxid follows */
	NF_MTIME = 8,		/* mtime != ctime follows */
	NF_OWNER = 16,		/* owner != 0 follows */
	NF_ACL = 32,		/* acl != TREEDB_ACL_OPEN follows */
	NF_COUNTS = 64,		/* version, aversion, cversion, numChildren follow */
	NF_NAME = 128		/* length + the name of a hashed key follow */
};

static uint64_t zz(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static int64_t unzz(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static uint8_t *put_v(uint8_t *p, int64_t sv)
{
	uint64_t v = zz(sv);

	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* NULL on a truncated or overlong varint. */
static const uint8_t *get_v(const uint8_t *p, const uint8_t *end, int64_t *out)
{
	uint64_t v = 0;
	int shift = 0;

	while (p < end && shift < 64) {
		uint8_t b = *p++;

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = unzz(v);
			return p;
		}
		shift += 7;
	}
	return NULL;
}

size_t tk_encode_hdr(const struct tree_node *n, const char *name, size_t nlen, uint8_t *p)
{
	uint8_t *q = p + 1, f = 0;

	if (n->data_len < 0)
		f |= NF_NULL;
	q = put_v(q, n->czxid);
	q = put_v(q, n->ctime);
	if (n->mzxid != n->czxid) {
		f |= NF_MZXID;
		q = put_v(q, n->mzxid);
	}
	if (n->pzxid != n->czxid) {
		f |= NF_PZXID;
		q = put_v(q, n->pzxid);
	}
	if (n->mtime != n->ctime) {
		f |= NF_MTIME;
		q = put_v(q, n->mtime);
	}
	if (n->owner != 0) {
		f |= NF_OWNER;
		memcpy(q, &n->owner, 8);
		q += 8;
	}
	if (n->acl != TREEDB_ACL_OPEN) {
		f |= NF_ACL;
		q = put_v(q, n->acl);
	}
	if (n->version || n->aversion || n->cversion || n->num_children) {
		f |= NF_COUNTS;
		q = put_v(q, n->version);
		q = put_v(q, n->aversion);
		q = put_v(q, n->cversion);
		q = put_v(q, n->num_children);
	}
	if (name) {
		f |= NF_NAME;
		q = put_v(q, (int64_t)nlen);
		memcpy(q, name, nlen);
		q += nlen;
	}
	p[0] = f;
	return (size_t)(q - p);
}

int tk_decode(const MDB_val *v, struct tree_node *n, const uint8_t **name, size_t *nlen)
{
	const uint8_t *p = v->mv_data, *end = p + v->mv_size;
	int64_t x;
	uint8_t f;

	*name = NULL;
	*nlen = 0;
	if (v->mv_size < 1)
		return -1;
	f = *p++;
	if (!(p = get_v(p, end, &n->czxid)) || !(p = get_v(p, end, &n->ctime)))
		return -1;
	n->mzxid = n->pzxid = n->czxid;
	n->mtime = n->ctime;
	if ((f & NF_MZXID) && !(p = get_v(p, end, &n->mzxid)))
		return -1;
	if ((f & NF_PZXID) && !(p = get_v(p, end, &n->pzxid)))
		return -1;
	if ((f & NF_MTIME) && !(p = get_v(p, end, &n->mtime)))
		return -1;
	n->owner = 0;
	if (f & NF_OWNER) {
		if (end - p < 8)
			return -1;
		memcpy(&n->owner, p, 8);
		p += 8;
	}
	n->acl = TREEDB_ACL_OPEN;
	if (f & NF_ACL) {
		if (!(p = get_v(p, end, &x)) || x < 0 || x > UINT32_MAX)
			return -1;
		n->acl = (uint32_t)x;
	}
	n->version = n->aversion = n->cversion = n->num_children = 0;
	if (f & NF_COUNTS) {
		int64_t c[4];
		int i;

		for (i = 0; i < 4; i++)
			if (!(p = get_v(p, end, &c[i])) || c[i] < INT32_MIN || c[i] > INT32_MAX)
				return -1;
		n->version = (int32_t)c[0];
		n->aversion = (int32_t)c[1];
		n->cversion = (int32_t)c[2];
		n->num_children = (int32_t)c[3];
	}
	if (f & NF_NAME) {
		if (!(p = get_v(p, end, &x)) || x < 0 || x > end - p)
			return -1;
		*name = p;
		*nlen = (size_t)x;
		p += x;
	}
	if (f & NF_NULL) {
		if (p != end)
			return -1;
		n->data = NULL;
		n->data_len = -1;
	} else {
		n->data = p;
		n->data_len = (int32_t)(end - p);
	}
	return 0;
}
