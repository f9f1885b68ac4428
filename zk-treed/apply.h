/* apply.h: apply one txn to the tree inside an LMDB write txn (pure: no
 * IPC, no clock), giving the txn's result code and the jute reply body the
 * client gets. */
#ifndef ZK_APPLY_H
#define ZK_APPLY_H
#include <stdint.h>
#include "jute.h"
#include "treedb.h"
#include "txn.h"

/* Applies x within write txn w (the caller records the applied zxid and
 * commits). *err is the result code (ZOK; the code of an error txn; for a
 * multi always ZOK, the per-op results are in the body). body receives the
 * reply record for ZOK: CreateResponse / Create2Response, Stat (setData,
 * setACL), MultiResponse; nothing for the others.
 * A txn that does not fit the tree (which prep makes impossible, e.g. a
 * create under a missing parent) changes nothing and gets that error code.
 * Returns 0; -1 on an LMDB failure (logged): abort w; or APPLY_MISFIT: a
 * multi sub-op did not fit, w is half changed and must be aborted, *mf
 * says which op and why: redo the earlier txns of the batch in a new w and
 * answer this multi with apply_multi_failed() (it changes nothing). */
#define APPLY_MISFIT 1

struct apply_misfit {
	int at;			/* index of the sub-op */
	int32_t err;		/* its code */
};

int apply_txn(struct treedb *t, MDB_txn *w, const struct txn *x, int32_t *err,
	      struct jute_buf *body, struct apply_misfit *mf);
void apply_multi_failed(const struct txn *x, const struct apply_misfit *mf,
			struct jute_buf *body);

#endif
