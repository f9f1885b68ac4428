/* treekey.h: how treedb lays a znode out in LMDB: node keys and the node
 * value codec. Internal to treedb.c (and its unit test).
 *
 * Node key = H(parent path) (TK_HLEN bytes) + last component, so the
 * children of a path are the keys that start with H(path), one cursor
 * range, and a key stays far below LMDB's 511 bytes whatever the depth.
 * A component longer than TK_NAME_INLINE is keyed as 0xFF + H(name) (no
 * valid UTF-8 name starts with 0xFF) and spelled out in the value. The
 * root's key is TK_HLEN zero bytes. H is SipHash-2-4 run with two keys
 * (96 of its 128 bits kept), keyed per env so that no client can aim at
 * a collision. */
#ifndef ZK_TREEKEY_H
#define ZK_TREEKEY_H
#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>
#include "treedb.h"

#define TK_HLEN		12
#define TK_KEY_MAX	511		/* LMDB's default */
#define TK_NAME_INLINE	480
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

/* 1 if a node key holds a hashed name (then the name is in the value). */
int tk_key_hashed(const uint8_t *key, size_t klen);

/* Node value: header (+ the name when hashed) then data. encode returns
 * the header length (at most TK_HDR_MAX + 10 + nlen); name is NULL unless
 * hashed. decode: 0, or -1 if malformed; *name is set (NULL if none). */
size_t tk_encode_hdr(const struct tree_node *n, const char *name, size_t nlen, uint8_t *p);
int tk_decode(const MDB_val *v, struct tree_node *n, const uint8_t **name, size_t *nlen);

#endif
