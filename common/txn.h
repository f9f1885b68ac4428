/* txn.h: the binary txn: what zk-zabd logs and ships in ZAB_COMMIT, what
 * zk-treed applies and what zk-gw reads in TREE_APPLIED to fire watches.
 * Everything a txn changes is in it, so applying it needs no other input
 * than the tree (deterministic replay).
 *
 * Encoding (jute primitives, big-endian):
 *   header: int version (TXN_VERSION), int type, long zxid, long time (ms),
 *           long session, int cxid, int op (the client opcode)
 *   body by type:
 *     OP_CREATE        ustring path, buffer data (-1 = null),
 *                      vector<ACL> acl (as stored), long owner (stored
 *                      ephemeralOwner), int parent_cversion (parent's new
 *                      raw create counter)
 *     OP_DELETE        ustring path
 *     OP_SETDATA       ustring path, buffer data, int version (the new one)
 *     OP_SETACL        ustring path, vector<ACL> acl, int version (new
 *                      aversion)
 *     OP_CHECK         ustring path, int version (only inside a multi)
 *     OP_ERROR         int err
 *     OP_MULTI         int n, then n sub-ops, each: int type, int op, then
 *                      the body of that type (CREATE, DELETE, SETDATA,
 *                      CHECK, ERROR). A failed multi has n ERROR sub-ops:
 *                      0 before the failing op, its code, then -2 after.
 *     OP_CREATESESSION int timeout, buffer passwd (16 bytes)
 *     OP_CLOSESESSION  vector<ustring> ephemeral paths to delete, then
 *                      (optional) one ACL per path, each an int 0 (not
 *                      known) or the node's vector<ACL>, so that zk-gw can
 *                      withhold NodeDeleted from clients without READ.
 *                      Txns logged before the ACLs were added end after
 *                      the paths; they decode with no ACLs.
 * `op` tells the reply form: a create txn made by create2 has op 15.
 *
 * Decoding is bounded: lengths are capped, the vectors are validated once
 * and kept as raw spans (iterate with txn_sub_next / txn_path_next, which
 * cannot fail on a decoded txn), and trailing bytes are an error. */
#ifndef ZK_TXN_H
#define ZK_TXN_H
#include <stddef.h>
#include <stdint.h>
#include "jute.h"

#define TXN_VERSION	1
#define TXN_MAX		(16u << 20)	/* bytes of one encoded txn */
#define TXN_MULTI_MAX	65536		/* sub-ops of one multi */
#define TXN_CLOSE_MAX	(1 << 20)	/* ephemerals of one session */

/* One operation: a whole txn's body or one multi sub-op. */
struct txn_op {
	int32_t type;		/* OP_CREATE ... OP_ERROR, see above */
	int32_t op;		/* client opcode (reply form) */
	struct jute_bytes path;
	struct jute_bytes data;		/* CREATE, SETDATA */
	struct jute_bytes acl;		/* CREATE, SETACL: vector<ACL> bytes; DELETE,
				 * SETDATA: the node's ACL, or null if unknown */
	int64_t owner;			/* CREATE */
	int32_t version;		/* SETDATA, SETACL, CHECK; CREATE: parent cversion */
	int32_t err;			/* ERROR */
};

struct txn {
	int32_t type;
	int64_t zxid, time, session;
	int32_t cxid, op;
	struct txn_op one;	/* CREATE, DELETE, SETDATA, SETACL, ERROR */
	int32_t timeout;	/* CREATESESSION */
	struct jute_bytes passwd;
	/* MULTI sub-ops / CLOSESESSION paths: encode from subs or paths
	 * (n entries); decode gives a raw span (raw, rawlen) of n entries. */
	int32_t n;
	const struct txn_op *subs;
	const struct jute_bytes *paths;
	const uint8_t *raw;
	size_t rawlen;
	/* CLOSESESSION: the n ACLs after the paths (encoded as above), or
	 * NULL if the txn has none */
	const uint8_t *acls;
	size_t aclslen;
};

/* Appends the encoding of t to b (check b->err after). */
void txn_encode(struct jute_buf *b, const struct txn *t);

/* Decodes (p, len) into t; strings point into p. 0, or -1 if malformed. */
int txn_decode(const uint8_t *p, size_t len, struct txn *t);

/* Iteration over a decoded MULTI or CLOSESESSION span. */
struct txn_iter {
	struct jute_rd r;
	struct jute_rd ra;	/* CLOSESESSION ACLs, when the txn has them */
	int has_acls;
	int32_t left;
};
void txn_iter_init(struct txn_iter *it, const struct txn *t);
/* 1 with the next sub-op (MULTI) / path (CLOSESESSION), 0 at the end. */
int txn_sub_next(struct txn_iter *it, struct txn_op *op);
int txn_path_next(struct txn_iter *it, struct jute_bytes *path);
/* CLOSESESSION: 1 with the next path and its node's ACL (null when the
 * txn carries none or it was not known), 0 at the end. */
int txn_close_next(struct txn_iter *it, struct jute_bytes *path, struct jute_bytes *acl);

/* Encodes one sub-op (for builders that stream a multi: write the header
 * and count with txn_encode of a MULTI whose n is set and subs NULL, then
 * append each sub-op). */
void txn_encode_op(struct jute_buf *b, const struct txn_op *op);

#endif
