/* prep_int.h: what prep.c (context, node view, per-op checks) and
 * prep_req.c (multi, sessions, entry points) share. Internal to prep. */
#ifndef ZK_PREP_INT_H
#define ZK_PREP_INT_H
#include "acl.h"
#include "prep.h"
#include "prep_ov.h"
#include "txn.h"

#define CONTAINER_OWNER INT64_MIN

/* A node as prep sees it: tree + overlay. */
struct pnode {
	int32_t version, aversion, cversion, num_children;
	int64_t owner;
	struct jute_acls acl;
};

/* Paths up to this long have their tree lookup remembered (prep.last). */
#define PREP_LAST_PATH 256

struct prep {
	struct treedb *tree;
	size_t max_buffer;
	MDB_txn *rt;			/* read txn, reset between calls */
	struct ov ov;
	struct jute_id ids[ACL_IDS_MAX];
	int nids;
	struct jute_buf acl;		/* a fixed-up ACL list */
	struct jute_buf nacl;		/* the ACL a delete or setData op carries */
	struct jute_buf subs;		/* encoded multi sub-ops */
	struct jute_buf eacl;		/* a closeSession's ephemerals' ACLs */
	char *pathbuf;			/* a create's final path: max_buffer + 16 */
	int64_t zxid, now;		/* of the txn being built */
	int64_t session;
	int extended;			/* TTL nodes allowed (extendedTypesEnabled) */
	/* The tree's answer for the path looked up last: an op's check and
	 * its overlay update read the same node, and within one read txn the
	 * tree does not change. 0 = none; else 1 + the found flag. */
	int last_valid;
	size_t last_len;
	struct pnode last;
	char last_path[PREP_LAST_PATH];
};


/* The node at path as prep sees it (overlay, else tree): 1 found, 0 not,
 * -1 on failure. n->acl points into the overlay or the read txn. */
int prep_node(struct prep *p, const char *path, size_t len, struct pnode *n);

/* Read txn for one call (renewed; drops what the tree already has). */
int prep_begin(struct prep *p);
void prep_end(struct prep *p);
/* ZOK, ZUNKNOWNSESSION, ZSESSIONEXPIRED (closing), or -1. */
int prep_session_check(struct prep *p, int64_t id);
/* The overlay effect of a checked or logged op: 0; 1 if it does not fit
 * (its parent or node is missing: nothing changed); -1 on failure. */
int prep_apply_op(struct prep *p, const struct txn_op *op);

/* Per-op checks in Apache's order: ZOK with *op filled (pointing into the
 * request or p's buffers), an error code, or -1 (internal failure). They
 * do not change the overlay: the caller applies op after encoding it. */
int prep_check_create(struct prep *p, int32_t opcode, const struct jute_create_req *c,
		      struct txn_op *op, char *pathbuf);
int prep_check_delete(struct prep *p, const struct jute_path_version *d, struct txn_op *op);
int prep_check_set_data(struct prep *p, const struct jute_set_data_req *s, struct txn_op *op);
int prep_check_set_acl(struct prep *p, const struct jute_set_acl_req *s, struct txn_op *op);
int prep_check_delete_container(struct prep *p, const struct jute_bytes *path,
				struct txn_op *op);
int prep_check_check(struct prep *p, const struct jute_path_version *c, struct txn_op *op);

#endif
