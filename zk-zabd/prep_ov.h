/* prep_ov.h: prep's overlay: the node and session changes of txns that
 * are built (logged) but not yet applied to the tree, by path / session id,
 * with an undo log so that a failed multi leaves no trace. Internal to
 * prep.c. */
#ifndef ZK_PREP_OV_H
#define ZK_PREP_OV_H
#include <stddef.h>
#include <stdint.h>
#include "jute.h"

/* Pending state of one node. */
struct ov_node {
	struct ov_node *hnext;		/* hash chain */
	struct ov_node *prev, *next;	/* list by last zxid, oldest first */
	int64_t zxid;			/* last txn that touched it */
	int exists;			/* 0: deleted by a pending txn */
	int32_t version, aversion, cversion, num_children;
	int64_t owner;
	uint8_t *acl;			/* encoded vector<ACL> (count + entries) */
	size_t acl_len;
	size_t plen;
	char path[];
};

/* Pending state of one session. */
enum { OVS_OPEN = 1, OVS_CLOSED = 2 };
struct ov_sess {
	struct ov_sess *hnext, *prev, *next;
	int64_t zxid;
	int64_t id;
	int state;
};

/* A saved node state (multi undo). */
struct ov_undo {
	struct ov_node *e;
	int was_new;			/* created by this multi: drop it */
	struct ov_node saved;		/* fields only (no path) */
};

struct ov {
	struct ov_node **tab;		/* buckets, power of two */
	size_t nbuckets, count;
	struct ov_node *head, *tail;
	struct ov_sess **stab;
	size_t nsbuckets, scount;
	struct ov_sess *shead, *stail;
	struct ov_undo *undo;		/* non-NULL inside a multi */
	size_t nundo, undo_cap;
	int in_multi;
};

int ov_init(struct ov *o);
void ov_free(struct ov *o);
void ov_clear(struct ov *o);

struct ov_node *ov_find(struct ov *o, const char *path, size_t len);
/* Finds or adds the entry of path and marks it touched by zxid (moves it
 * to the list tail). A new entry is zeroed with exists = 0; the caller
 * fills it. In a multi the old state is saved first. NULL on ENOMEM or
 * when the overlay is full. */
struct ov_node *ov_touch(struct ov *o, const char *path, size_t len, int64_t zxid);
/* Replace e's ACL by a copy of (acl, len). -1 on ENOMEM. */
int ov_set_acl(struct ov *o, struct ov_node *e, const uint8_t *acl, size_t len);

struct ov_sess *ov_sess_find(struct ov *o, int64_t id);
struct ov_sess *ov_sess_touch(struct ov *o, int64_t id, int64_t zxid);

/* Drops every entry whose last zxid is <= zxid. */
void ov_drop(struct ov *o, int64_t zxid);

/* Multi: begin saving states; commit keeps the changes; rollback restores
 * every entry touched since begin. */
void ov_multi_begin(struct ov *o);
void ov_multi_commit(struct ov *o);
void ov_multi_rollback(struct ov *o);

#endif
