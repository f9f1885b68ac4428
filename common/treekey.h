/* treekey.h: how treedb lays a znode out in LMDB: node keys and the node
 * value codec. Internal to treedb.c (and its unit test).
 *
 * Node key = H(parent path) (TK_HLEN bytes) + the length of the last
 * component (1 or 2 bytes, see below) + the component, so the children of
 * a path are the keys that start with H(path), one cursor range, and a key
 * stays far below LMDB's 511 bytes whatever the depth. The length first
 * orders siblings shortlex: all 2-byte names before all 3-byte ones, names
 * of one length bytewise. Names made from a counter (n9, n10, ..., item1,
 * item2, ...) and created one after another then arrive in key order.
 * LMDB splits a full leaf in the middle unless the new key goes last on
 * it, so in key order it fills each leaf before starting the next: about
 * 27 znodes of 100 B per 4 KiB page instead of 16 (creates interleaved by
 * many clients are still out of order and still split leaves midway).
 * A length below TK_LEN_2B is one byte; TK_LEN_2B up to TK_NAME_INLINE is
 * two: TK_LEN_2B | len >> 8, len & 0xff (0xf0 0xf0 up to 0xf1 0xe0), so
 * byte order is length order. A component longer than TK_NAME_INLINE is
 * keyed as TK_LEN_HASHED + H(name), after every inline name, and spelled
 * out in the value (the length byte 0xff is no inline length). The root's
 * key is TK_HLEN zero bytes. H is SipHash-2-4 run with two keys (96 of its
 * 128 bits kept), keyed per env so that no client can aim at a collision. */
#ifndef ZK_TREEKEY_H
#define ZK_TREEKEY_H
#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>
#include "treedb.h"

#define TK_HLEN		12
#define TK_KEY_MAX	511		/* LMDB's default */
#define TK_NAME_INLINE	480
#define TK_LEN_2B	0xf0		/* first length taking two bytes */
#define TK_LEN_HASHED	0xff		/* length byte of a hashed name */
#define TK_HDR_MAX	128		/* node header, without a long name */

/* hk: two SipHash keys (4 words). */
void tk_hash(const uint64_t *hk, const void *p, size_t n, uint8_t out[TK_HLEN]);

/* The node key of path ("" and "/" are the root). Returns its length, or
 * 0 if no node can have this path (no leading '/', a NUL byte). *name and
 * *nlen give the last component; *hashed is 1 when the key holds H(name)
 * instead of the name. */
size_t tk_node_key(const uint64_t *hk, const char *path, size_t len,
		   uint8_t key[TK_KEY_MAX], const char **name, size_t *nlen, int *hashed);

/* The prefix of the keys of path's children: H(path), "" being "/". */
void tk_child_prefix(const uint64_t *hk, const char *path, size_t len,
		     uint8_t out[TK_HLEN]);

/* The last component of a node key that is not the root's: 0 with *name
 * and *nlen set to the name inline in the key, 1 if the key holds a hashed
 * name (then the name is in the value), -1 if the key is malformed. */
int tk_key_name(const uint8_t *key, size_t klen, const uint8_t **name, size_t *nlen);

/* Node value: header (+ the name when hashed) then data. encode returns
 * the header length (at most TK_HDR_MAX + 10 + nlen); name is NULL unless
 * hashed. decode: 0, or -1 if malformed; *name is set (NULL if none). */
size_t tk_encode_hdr(const struct tree_node *n, const char *name, size_t nlen, uint8_t *p);
int tk_decode(const MDB_val *v, struct tree_node *n, const uint8_t **name, size_t *nlen);

#endif
