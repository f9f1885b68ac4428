/* base64.h: standard base64 (RFC 4648 alphabet, '=' padding), as Java's
 * Base64 encoder writes it for ZooKeeper digest ids. */
#ifndef ZK_BASE64_H
#define ZK_BASE64_H
#include <stddef.h>
#include <stdint.h>

/* Characters needed for n input bytes, without the NUL. */
#define BASE64_LEN(n) (((n) + 2) / 3 * 4)

/* Writes the encoding of (p,n) and a NUL into out (cap bytes). Returns the
 * length written, or -1 if out is too small. */
int base64_encode(const void *p, size_t n, char *out, size_t cap);

/* Decodes padded base64 text (len chars) into out. Returns bytes written,
 * or -1 on a bad character, bad padding or too small out. */
int base64_decode(const char *s, size_t len, uint8_t *out, size_t cap);

#endif
