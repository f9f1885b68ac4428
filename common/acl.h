/* acl.h: ZooKeeper ACL checks and create/setACL ACL fix-up, for prep
 * (write permissions) and the gateway (read permissions).
 *
 * Caller ids come as an array of jute_id (scheme, id), e.g. ("ip",
 * "127.0.0.1"), ("digest", "user:base64sha1"); ("super", "") bypasses
 * every check. Schemes known: world, ip, digest, auth (pseudo), super. */
#ifndef ZK_ACL_H
#define ZK_ACL_H
#include <stddef.h>
#include <stdint.h>
#include "jute.h"

#define ACL_IDS_MAX	64	/* caller ids considered */
#define ACL_LIST_MAX	1024	/* entries in one ACL list */

/* 1 if the caller may do perm (PERM_x) on a node with this ACL list (a
 * decoded vector: raw span), else 0. An empty list allows everything. */
int acl_allowed(const struct jute_acls *acl, const struct jute_id *ids, int nids,
		int perm);

/* Same, with the list as encoded bytes (count + entries). */
int acl_allowed_raw(const uint8_t *acl, size_t len, const struct jute_id *ids,
		    int nids, int perm);

/* Apache's fixupACL: validates each entry (world must be "anyone"; ip an
 * address or address/bits; digest exactly one ':'; unknown schemes are
 * invalid), replaces "auth" entries by the caller's authenticated ids
 * (digest), drops duplicates, and writes the resulting vector<ACL> to out.
 * Returns 0, or ZINVALIDACL (empty/null list, bad entry, "auth" without an
 * authenticated id). */
int acl_fixup(const struct jute_acls *in, const struct jute_id *ids, int nids,
	      struct jute_buf *out);

/* Encodes ids as a jute vector<Id> (count + {scheme, id} pairs): the
 * caller-ids form prep takes (struct prep_req.auth). */
void acl_ids_encode(struct jute_buf *b, const struct jute_id *ids, int nids);

/* Decodes a jute vector<Id> (count + pairs) into ids (at most max). Returns
 * the count, or -1 if malformed. Strings point into p. */
int acl_ids_decode(const uint8_t *p, size_t len, struct jute_id *ids, int max);

/* Does an ip ACL id ("a.b.c.d", "a.b.c.d/bits", IPv6 forms) match addr? */
int acl_ip_match(const char *aclid, size_t alen, const char *addr, size_t len);

#endif
