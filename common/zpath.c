/* zpath.c: znode path checks (see zpath.h). */
#include <stdint.h>
#include <string.h>
#include "zpath.h"

/* Decodes one UTF-8 sequence at p (n bytes left) into *cp; returns its
 * length, or 0 if malformed (overlong, truncated, surrogate-free check is
 * left to the caller's ranges). */
static size_t utf8_one(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0];
	size_t k, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		k = 2;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		k = 3;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		k = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (k > n)
		return 0;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((k == 2 && c < 0x80) || (k == 3 && c < 0x800) || (k == 4 && c < 0x10000))
		return 0;
	*cp = c;
	return k;
}

/* Characters Apache refuses in a path. Code points above the BMP cannot
 * appear either: Java sees them as surrogate pairs (U+D800-U+DFFF). */
static int bad_char(uint32_t c)
{
	return c == 0 || (c > 0 && c < 0x20) || (c >= 0x7f && c <= 0x9f) ||
	       (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff0 && c <= 0xffff) ||
	       c > 0xffff;
}

static int check(const char *s, size_t len, int seq)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, start, k;
	uint32_t c;

	if (len == 0 || p[0] != '/')
		return -1;
	if (len == 1)
		return 0;
	if (p[len - 1] == '/' && !seq)
		return -1;
	start = 1;		/* first byte of the current component */
	for (i = 1; i < len; i += k) {
		k = utf8_one(p + i, len - i, &c);
		if (k == 0 || bad_char(c))
			return -1;
		if (c == '/' || i + k == len) {
			size_t end = c == '/' ? i : i + k;
			size_t clen = end - start;

			if (c == '/' && clen == 0)
				return -1;	/* "//" */
			/* a sequential create appends digits to the last
			 * component, so "." and ".." are fine there */
			int last = c != '/' && seq;

			if (!last && clen == 1 && p[start] == '.')
				return -1;
			if (!last && clen == 2 && p[start] == '.' && p[start + 1] == '.')
				return -1;
			start = i + 1;
		}
	}
	return 0;
}

int zpath_valid(const char *p, size_t len)
{
	return check(p, len, 0);
}

int zpath_valid_seq(const char *p, size_t len)
{
	return check(p, len, 1);
}

int zpath_basic(const char *p, size_t len)
{
	if (memchr(p, '\0', len) != NULL || memchr(p, '/', len) == NULL)
		return -1;
	return 0;
}

int zpath_reserved(const char *p, size_t len)
{
	static const char *const r[] = {
		"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"
	};
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (strlen(r[i]) == len && memcmp(r[i], p, len) == 0)
			return 1;
	return 0;
}

int zpath_parent_len(const char *p, size_t len)
{
	size_t i = len;

	while (i > 0 && p[i - 1] != '/')
		i--;
	if (i == 0)
		return -1;
	/* i - 1 is the last '/': "/a" has parent "/" (length 1). */
	return i - 1 == 0 ? 1 : (int)(i - 1);
}
