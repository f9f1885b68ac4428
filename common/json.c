/* json.c: bounded JSON writer. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "json.h"

void json_init(struct json *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->err = cap == 0;
	j->need_comma = 0;
	if (cap)
		buf[0] = '\0';
}

static void put(struct json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	if (j->len + n + 1 > j->cap) {
		j->err = 1;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void puts_(struct json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void escaped(struct json *j, const char *s, size_t n)
{
	put(j, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[8];
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			put(j, e, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(e, sizeof e, "\\u%04x", c);
			put(j, e, 6);
		} else {
			put(j, (const char *)&s[i], 1);
		}
	}
	put(j, "\"", 1);
}

static void key(struct json *j, const char *k)
{
	if (j->need_comma)
		put(j, ",", 1);
	j->need_comma = 1;
	if (k) {
		escaped(j, k, strlen(k));
		put(j, ":", 1);
	}
}

void json_obj_begin(struct json *j, const char *k)
{
	key(j, k);
	put(j, "{", 1);
	j->need_comma = 0;
}

void json_obj_end(struct json *j)
{
	put(j, "}", 1);
	j->need_comma = 1;
}

void json_arr_begin(struct json *j, const char *k)
{
	key(j, k);
	put(j, "[", 1);
	j->need_comma = 0;
}

void json_arr_end(struct json *j)
{
	put(j, "]", 1);
	j->need_comma = 1;
}

void json_int(struct json *j, const char *k, int64_t v)
{
	char b[32];
	key(j, k);
	snprintf(b, sizeof b, "%" PRId64, v);
	puts_(j, b);
}

void json_uint(struct json *j, const char *k, uint64_t v)
{
	char b[32];
	key(j, k);
	snprintf(b, sizeof b, "%" PRIu64, v);
	puts_(j, b);
}

void json_bool(struct json *j, const char *k, int v)
{
	key(j, k);
	puts_(j, v ? "true" : "false");
}

void json_str(struct json *j, const char *k, const char *s)
{
	key(j, k);
	if (!s)
		puts_(j, "null");
	else
		escaped(j, s, strlen(s));
}

void json_strn(struct json *j, const char *k, const char *s, size_t n)
{
	key(j, k);
	escaped(j, s, n);
}

int json_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		size_t extra;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			extra = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			extra = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		for (size_t k = 1; k <= extra; k++) {
			if (i + k >= n || (p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Reject overlong forms, surrogates and values past U+10FFFF. */
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += extra + 1;
	}
	return 1;
}

const char *json_done(struct json *j)
{
	return j->err ? NULL : j->buf;
}
