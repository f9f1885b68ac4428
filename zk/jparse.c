/* jparse.c: a small strict JSON parser for `zk load` (RFC 8259 values into
 * a tree; depth and size bounded by the caller's input limit). */
#include <stdlib.h>
#include <string.h>
#include "jparse.h"

struct jp {
	const char *s;
	size_t n, i;
	int depth;
};

#define JP_MAX_DEPTH 2000

static void ws(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
	    p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static int lit(struct jp *p, const char *w)
{
	size_t k = strlen(w);

	if (p->n - p->i < k || memcmp(p->s + p->i, w, k) != 0)
		return -1;
	p->i += k;
	return 0;
}

static int hex4(struct jp *p, unsigned *v)
{
	*v = 0;
	if (p->n - p->i < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		char c = p->s[p->i++];
		*v <<= 4;
		if (c >= '0' && c <= '9') *v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') *v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') *v |= (unsigned)(c - 'A' + 10);
		else return -1;
	}
	return 0;
}

static size_t utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The decoded string is never longer than its escaped form. */
static int str(struct jp *p, char **out, size_t *len)
{
	size_t start, o = 0;
	char *b;

	if (p->i >= p->n || p->s[p->i] != '"')
		return -1;
	start = ++p->i;
	while (p->i < p->n && p->s[p->i] != '"') {
		if (p->s[p->i] == '\\')
			p->i++;
		p->i++;
	}
	if (p->i >= p->n)
		return -1;
	b = malloc(p->i - start + 1);
	if (b == NULL)
		return -1;
	p->i = start;
	while (p->s[p->i] != '"') {
		unsigned char c = (unsigned char)p->s[p->i++];
		unsigned cp, lo;
		if (c < 0x20)
			goto bad;
		if (c != '\\') {
			b[o++] = (char)c;
			continue;
		}
		c = (unsigned char)p->s[p->i++];
		switch (c) {
		case '"': b[o++] = '"'; break;
		case '\\': b[o++] = '\\'; break;
		case '/': b[o++] = '/'; break;
		case 'b': b[o++] = '\b'; break;
		case 'f': b[o++] = '\f'; break;
		case 'n': b[o++] = '\n'; break;
		case 'r': b[o++] = '\r'; break;
		case 't': b[o++] = '\t'; break;
		case 'u':
			if (hex4(p, &cp) < 0)
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (lit(p, "\\u") < 0 || hex4(p, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				goto bad;
			}
			o += utf8_put(b + o, cp);
			break;
		default:
			goto bad;
		}
	}
	p->i++;
	b[o] = '\0';
	*out = b;
	*len = o;
	return 0;
bad:
	free(b);
	return -1;
}

static int value(struct jp *p, struct jv *v);

static int push(struct jv *v, struct jv *item, char *key)
{
	if ((v->n & (v->n - 1)) == 0 || v->n == 0) {
		size_t cap = v->n ? (size_t)v->n * 2 : 4;
		struct jv *ni = realloc(v->items, cap * sizeof *ni);
		char **nk;
		if (ni == NULL)
			return -1;
		v->items = ni;
		nk = realloc(v->keys, cap * sizeof *nk);
		if (nk == NULL)
			return -1;
		v->keys = nk;
	}
	v->items[v->n] = *item;
	v->keys[v->n] = key;
	v->n++;
	return 0;
}

static int container(struct jp *p, struct jv *v, int obj)
{
	char close = obj ? '}' : ']';

	if (++p->depth > JP_MAX_DEPTH)
		return -1;
	p->i++;
	ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return 0;
	}
	for (;;) {
		struct jv item;
		char *key = NULL;
		size_t klen;

		ws(p);
		if (obj) {
			if (str(p, &key, &klen) < 0)
				return -1;
			ws(p);
			if (p->i >= p->n || p->s[p->i] != ':') {
				free(key);
				return -1;
			}
			p->i++;
		}
		memset(&item, 0, sizeof item);
		if (value(p, &item) < 0 || push(v, &item, key) < 0) {
			jv_free(&item);
			free(key);
			return -1;
		}
		ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			p->depth--;
			return 0;
		}
		return -1;
	}
}

static int value(struct jp *p, struct jv *v)
{
	memset(v, 0, sizeof *v);
	ws(p);
	if (p->i >= p->n)
		return -1;
	switch (p->s[p->i]) {
	case '{':
		v->type = JV_OBJ;
		return container(p, v, 1);
	case '[':
		v->type = JV_ARR;
		return container(p, v, 0);
	case '"':
		v->type = JV_STR;
		return str(p, &v->str, &v->len);
	case 't':
		v->type = JV_BOOL;
		v->num = 1;
		return lit(p, "true");
	case 'f':
		v->type = JV_BOOL;
		return lit(p, "false");
	case 'n':
		v->type = JV_NULL;
		return lit(p, "null");
	default: {
		char *end;
		char buf[64];
		size_t k = 0;
		while (p->i + k < p->n && k < sizeof buf - 1 &&
		    strchr("+-0123456789.eE", p->s[p->i + k]))
			k++;
		memcpy(buf, p->s + p->i, k);
		buf[k] = '\0';
		if (k == 0)
			return -1;
		v->type = JV_NUM;
		v->num = strtod(buf, &end);
		if (*end)
			return -1;
		p->i += k;
		return 0;
	}
	}
}

int jv_parse(const char *s, size_t n, struct jv *out)
{
	struct jp p = { s, n, 0, 0 };

	if (value(&p, out) < 0) {
		jv_free(out);
		return -1;
	}
	ws(&p);
	if (p.i != n) {
		jv_free(out);
		return -1;
	}
	return 0;
}

void jv_free(struct jv *v)
{
	for (int i = 0; i < v->n; i++) {
		jv_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof *v);
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
	if (obj->type != JV_OBJ)
		return NULL;
	for (int i = 0; i < obj->n; i++)
		if (obj->keys[i] && strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}
