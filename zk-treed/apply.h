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
 * Returns 0, or -1 on an LMDB failure (logged): abort w. */
int apply_txn(struct treedb *t, MDB_txn *w, const struct txn *x, int32_t *err,
	      struct jute_buf *body);

#endif
