/* jparse.h: a small strict JSON parser (for zk load). */
#ifndef ZK_JPARSE_H
#define ZK_JPARSE_H
#include <stddef.h>

enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	int type;
	double num;		/* JV_NUM, JV_BOOL (0/1) */
	char *str;		/* JV_STR: decoded UTF-8, NUL-terminated */
	size_t len;		/* JV_STR length (may contain NUL bytes) */
	struct jv *items;	/* JV_ARR, JV_OBJ */
	char **keys;		/* JV_OBJ keys (NULL entries in arrays) */
	int n;
};

/* Parse all of s (n bytes); 0 or -1. Free with jv_free. */
int jv_parse(const char *s, size_t n, struct jv *out);
void jv_free(struct jv *v);
/* Member of an object, or NULL. */
const struct jv *jv_get(const struct jv *obj, const char *key);

#endif
