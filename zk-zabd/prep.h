/* prep.h: the prep stage of the write path (zk-zabd's leader). It turns
 * one client write (a GW_WRITE) into a txn (common/txn.h), validating it in
 * Apache ZooKeeper's check order against the tree (LMDB read txn) plus the
 * txns still in flight: an overlay of pending node and session changes,
 * like ZooKeeper's outstanding changes. Pure: no IPC, no clock (the caller
 * passes zxid and time), one LMDB read txn per call.
 *
 * Overlay life: every txn prep builds (or is fed with prep_logged) updates
 * the overlay; an entry is dropped once the tree's last applied zxid has
 * reached the last txn that touched it (prep reads that zxid itself at each
 * call; prep_committed only makes it sooner). */
#ifndef ZK_PREP_H
#define ZK_PREP_H
#include <stddef.h>
#include <stdint.h>
#include "jute.h"
#include "treedb.h"

#define PREP_OVERLAY_MAX	(1u << 20)	/* pending node entries */

struct prep;

struct prep_req {
	int64_t session;
	int32_t cxid;
	int32_t op;			/* opcode: 1 2 5 7 14 15 19 20 21, -10, -11 */
	const uint8_t *body;		/* jute request record (after the header) */
	size_t len;
	int32_t timeout;		/* createSession: negotiated, ms */
	const uint8_t *passwd;		/* createSession: 16 bytes */
	/* The connection's auth ids as a jute vector<Id> (count + {scheme,
	 * id} pairs), e.g. [("ip","127.0.0.1"), ("digest","u:b64")]; an
	 * Id ("super","") bypasses ACLs. NULL = no ids. */
	const uint8_t *auth;
	size_t auth_len;
	/* 1 for the leader's own deleteContainer (the reaper), whose body is
	 * the path's bytes, as Apache's ContainerManager sends it. A client's
	 * deleteContainer is always BadArguments: Apache takes the path from
	 * the whole request frame, whose header always holds NUL bytes. */
	int internal;
};

/* tree: opened read-only (or read-write) by the caller; max_buffer is
 * jute.maxbuffer (caps strings in request bodies). NULL on ENOMEM. */
struct prep *prep_new(struct treedb *tree, size_t max_buffer);
void prep_free(struct prep *p);

/* TTL nodes (createTTL, modes 5 and 6) are refused with Unimplemented
 * unless on (extendedTypesEnabled); off after prep_new. */
void prep_set_extended(struct prep *p, int on);

/* Drops the overlay entries the tree has applied (prep_request does it
 * too; this is for a reader between writes). 0 or -1 (logged). */
int prep_refresh(struct prep *p);

/* 1 if a txn in flight touches path (created, deleted or changed it, or
 * one of its children): the reaper leaves such a node for its next pass. */
int prep_has_pending(struct prep *p, const char *path, size_t len);

/* Builds the txn of request r with this zxid and time (ms since the epoch)
 * and appends its encoding to out. Returns:
 *   0                  a txn is in out; it may be an error txn (type
 *                      OP_ERROR, or a failed multi) that still takes zxid;
 *   ZMARSHALLINGERROR  the body does not decode (nothing in out; answer
 *                      ZAB_REPLY with this code, no zxid used);
 *   ZUNIMPLEMENTED     not a write opcode (same);
 *   -1                 internal failure: LMDB error or overlay full
 *                      (logged; nothing used, the caller may retry). */
int prep_request(struct prep *p, const struct prep_req *r, int64_t zxid,
		 int64_t now_ms, struct jute_buf *out);

/* Feeds a txn that is in the log but may not be applied to the tree yet
 * (zk-zabd restart, a follower that becomes leader), in zxid order, so
 * that later requests are checked against it. 0, or -1 if malformed or
 * on internal failure. Txns at or below the tree's applied zxid are
 * ignored. */
int prep_logged(struct prep *p, const uint8_t *txn, size_t len);

/* The tree has applied everything up to zxid: drop older overlay entries. */
void prep_committed(struct prep *p, int64_t zxid);

/* Forget the whole overlay (leadership lost). */
void prep_reset(struct prep *p);

/* Pending entries (for status). */
size_t prep_pending(const struct prep *p);

#endif
