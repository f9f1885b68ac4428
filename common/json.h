/* json.h: a small JSON writer into a bounded buffer, for status documents
 * and machine output. Errors (overflow) are sticky and reported at the end. */
#ifndef ZK_JSON_H
#define ZK_JSON_H
#include <stddef.h>
#include <stdint.h>

struct json {
	char *buf;
	size_t cap, len;
	int err;		/* overflow */
	int need_comma;
};

void json_init(struct json *j, char *buf, size_t cap);
void json_obj_begin(struct json *j, const char *key);	/* key NULL at top level or in arrays */
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, int v);
void json_str(struct json *j, const char *key, const char *s);
/* Any bytes, escaped as JSON string content (invalid UTF-8 is the caller's
 * concern: see json_utf8_valid). */
void json_strn(struct json *j, const char *key, const char *s, size_t n);
int json_utf8_valid(const uint8_t *p, size_t n);
/* NUL-terminated result, or NULL after an overflow. */
const char *json_done(struct json *j);

#endif
