/* test_gw_digest.c: SHA-1 and base64 as ZooKeeper's digest scheme uses them. */
#include <stdint.h>
#include "base64.h"
#include "sha1.h"
#include "unit.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void test_sha1_vectors(void)
{
	uint8_t h[SHA1_LEN];
	char x[41];
	struct sha1 s;
	int i;

	sha1("abc", 3, h);
	hex(h, sizeof(h), x);
	CHECK_EQ_STR(x, "a9993e364706816aba3e25717850c26c9cd0d89d");
	sha1("", 0, h);
	hex(h, sizeof(h), x);
	CHECK_EQ_STR(x, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	hex(h, sizeof(h), x);
	CHECK_EQ_STR(x, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	/* one million 'a', fed in uneven pieces */
	sha1_init(&s);
	for (i = 0; i < 1000000 / 8; i++)
		sha1_update(&s, "aaaaaaaa", 8);
	sha1_final(&s, h);
	hex(h, sizeof(h), x);
	CHECK_EQ_STR(x, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_base64_roundtrip(void)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char out[32];
	uint8_t back[32];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int n = base64_encode(v[i].in, strlen(v[i].in), out, sizeof(out));

		CHECK_EQ_INT(n, strlen(v[i].out));
		CHECK_EQ_STR(out, v[i].out);
		n = base64_decode(out, strlen(out), back, sizeof(back));
		CHECK_EQ_INT(n, strlen(v[i].in));
		CHECK(memcmp(back, v[i].in, strlen(v[i].in)) == 0);
	}
	CHECK_EQ_INT(base64_encode("abc", 3, out, 4), -1);
	CHECK_EQ_INT(base64_decode("Zm9", 3, back, sizeof(back)), -1);
	CHECK_EQ_INT(base64_decode("Z=9v", 4, back, sizeof(back)), -1);
	CHECK_EQ_INT(base64_decode("Zm9*", 4, back, sizeof(back)), -1);
}

/* ZooKeeper's documented example: super:test -> D/InIHSb7yEEbrWz8b9l71RjZJU= */
static void test_digest_id(void)
{
	uint8_t h[SHA1_LEN];
	char out[64];

	sha1("super:test", 10, h);
	CHECK(base64_encode(h, sizeof(h), out, sizeof(out)) == 28);
	CHECK_EQ_STR(out, "D/InIHSb7yEEbrWz8b9l71RjZJU=");
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "sha1_vectors", test_sha1_vectors },
		{ "base64_roundtrip", test_base64_roundtrip },
		{ "digest_id", test_digest_id },
		{ NULL, NULL }
	};
	return unit_run("gw_digest", cases);
}
