/* apply.c: apply one txn to the tree (see apply.h). Stat rules follow
 * Apache ZooKeeper's DataTree: a create sets the parent's raw create
 * counter from the txn and its pzxid; a delete only moves the parent's
 * pzxid; setData sets version/mzxid/mtime; setACL only aversion. */
#include <string.h>
#include "apply.h"
#include "log.h"
#include "zpath.h"

/* Result of one op: its code and, for the reply, the new Stat and path. */
struct op_res {
	int32_t err;
	struct jute_stat stat;
};

static int do_create(struct treedb *t, MDB_txn *w, const struct txn *x,
		     const struct txn_op *op, struct op_res *res)
{
	const char *path = (const char *)op->path.p;
	size_t len = (size_t)op->path.len;
	struct tree_node parent, n;
	int plen, rc;
	uint32_t acl;

	plen = zpath_parent_len(path, len);
	if (plen < 0 || len <= 1) {
		res->err = ZBADARGUMENTS;
		return 0;
	}
	rc = treedb_get(t, w, path, (size_t)plen, &parent);
	if (rc < 0 && rc != ZNONODE)
		return -1;
	if (rc == ZNONODE) {
		res->err = ZNONODE;
		return 0;
	}
	rc = treedb_get(t, w, path, len, &n);
	if (rc < 0 && rc != ZNONODE)
		return -1;
	if (rc == 0) {
		res->err = ZNODEEXISTS;
		return 0;
	}
	if (tree_owner_is_ephemeral(parent.owner)) {
		res->err = ZNOCHILDRENFOREPHEMERALS;
		return 0;
	}
	/* Data returned by a get may move with any write of this txn: write
	 * the ACL first, then fetch the parent again and write it before the
	 * new node. */
	if (treedb_acl_intern(t, w, op->acl.p, (size_t)op->acl.len, &acl))
		return -1;
	if (treedb_get(t, w, path, (size_t)plen, &parent))
		return -1;
	parent.cversion = op->version;
	parent.pzxid = x->zxid;
	parent.num_children++;
	if (treedb_put(t, w, path, (size_t)plen, &parent))
		return -1;
	memset(&n, 0, sizeof(n));
	n.czxid = n.mzxid = n.pzxid = x->zxid;
	n.ctime = n.mtime = x->time;
	n.owner = op->owner;
	n.acl = acl;
	n.data = op->data.p;
	n.data_len = op->data.len;
	if (treedb_put(t, w, path, len, &n))
		return -1;
	if (tree_owner_indexed(n.owner) &&
	    treedb_ephem_put(t, w, n.owner, path, len))
		return -1;
	if (treedb_add_count(t, w, 1))
		return -1;
	tree_node_stat(&n, &res->stat);
	res->err = ZOK;
	return 0;
}

static int do_delete(struct treedb *t, MDB_txn *w, const struct txn *x,
		     const char *path, size_t len, struct op_res *res)
{
	struct tree_node parent, n;
	int plen, rc;

	plen = zpath_parent_len(path, len);
	if (plen < 0 || len <= 1) {
		res->err = ZBADARGUMENTS;
		return 0;
	}
	rc = treedb_get(t, w, path, len, &n);
	if (rc < 0 && rc != ZNONODE)
		return -1;
	if (rc == ZNONODE) {
		res->err = ZNONODE;
		return 0;
	}
	if (n.num_children > 0) {
		res->err = ZNOTEMPTY;
		return 0;
	}
	rc = treedb_get(t, w, path, (size_t)plen, &parent);
	if (rc < 0 && rc != ZNONODE)
		return -1;
	if (rc == ZNONODE) {
		res->err = ZNONODE;
		return 0;
	}
	/* the parent first: its data points into the map until a write */
	parent.num_children--;
	if (x->zxid > parent.pzxid)
		parent.pzxid = x->zxid;
	if (treedb_put(t, w, path, (size_t)plen, &parent))
		return -1;
	if (treedb_del(t, w, path, len))
		return -1;
	if (tree_owner_indexed(n.owner) &&
	    treedb_ephem_del(t, w, n.owner, path, len))
		return -1;
	if (treedb_add_count(t, w, -1))
		return -1;
	res->err = ZOK;
	return 0;
}

static int do_set(struct treedb *t, MDB_txn *w, const struct txn *x,
		  const struct txn_op *op, struct op_res *res)
{
	const char *path = (const char *)op->path.p;
	size_t len = (size_t)op->path.len;
	struct treedb_at at;
	struct tree_node n;
	uint32_t acl = 0;
	int rc;

	/* the ACL write comes before the get (see do_create) */
	if (op->type == OP_SETACL &&
	    treedb_acl_intern(t, w, op->acl.p, (size_t)op->acl.len, &acl))
		return -1;
	/* one B-tree walk: the cursor that finds the node rewrites it */
	rc = treedb_find(t, w, path, len, &n, &at);
	if (rc < 0 && rc != ZNONODE)
		goto fail;
	if (rc == ZNONODE) {
		treedb_at_close(&at);
		res->err = ZNONODE;
		return 0;
	}
	if (op->type == OP_SETDATA) {
		n.data = op->data.p;
		n.data_len = op->data.len;
		n.version = op->version;
		n.mzxid = x->zxid;
		n.mtime = x->time;
	} else {
		n.acl = acl;
		n.aversion = op->version;
	}
	if (treedb_put_at(t, &at, &n))
		goto fail;
	treedb_at_close(&at);
	tree_node_stat(&n, &res->stat);
	res->err = ZOK;
	return 0;
fail:
	treedb_at_close(&at);
	return -1;
}

static int do_check(struct treedb *t, MDB_txn *w, const struct txn_op *op,
		    struct op_res *res)
{
	struct tree_node n;
	int rc = treedb_get(t, w, (const char *)op->path.p, (size_t)op->path.len, &n);

	if (rc < 0 && rc != ZNONODE)
		return -1;
	if (rc == ZNONODE)
		res->err = ZNONODE;
	else if (op->version != -1 && op->version != n.version)
		res->err = ZBADVERSION;
	else
		res->err = ZOK;
	return 0;
}

/* One op of a plain txn or a multi. */
static int do_op(struct treedb *t, MDB_txn *w, const struct txn *x,
		 const struct txn_op *op, struct op_res *res)
{
	memset(res, 0, sizeof(*res));
	switch (op->type) {
	case OP_CREATE:
		return do_create(t, w, x, op, res);
	case OP_DELETE:
		return do_delete(t, w, x, (const char *)op->path.p,
				 (size_t)op->path.len, res);
	case OP_SETDATA:
	case OP_SETACL:
		return do_set(t, w, x, op, res);
	case OP_CHECK:
		return do_check(t, w, op, res);
	case OP_ERROR:
		res->err = op->err;
		return 0;
	}
	res->err = ZMARSHALLINGERROR;
	return 0;
}

/* The reply record of a successful single op. */
static void reply_body(const struct txn_op *op, const struct op_res *res,
		       struct jute_buf *body)
{
	struct jute_create2_resp c2;

	switch (op->type) {
	case OP_CREATE:
		if (op->op == OP_CREATE) {
			jute_enc_path(body, op->path);
		} else {
			c2.path = op->path;
			c2.stat = res->stat;
			jute_enc_create2_resp(body, &c2);
		}
		break;
	case OP_SETDATA:
	case OP_SETACL:
		jute_enc_stat(body, &res->stat);
		break;
	}
}

static void multi_result(const struct txn_op *op, const struct op_res *res,
			 struct jute_buf *body)
{
	struct jute_multi_result r;

	memset(&r, 0, sizeof(r));
	r.err = res->err;
	if (res->err != ZOK || op->type == OP_ERROR) {
		r.type = -1;
	} else if (op->type == OP_CREATE &&
		   (op->op == OP_CREATE || op->op == OP_CREATE2)) {
		/* Apache 3.8 answers a create2 inside a multi like a plain
		 * create: type 1 and the path, no Stat */
		r.type = OP_CREATE;
		r.u.path = op->path;
	} else if (op->type == OP_CREATE) {
		r.type = OP_CREATE2;	/* 15 for container and TTL */
		r.u.create2.path = op->path;
		r.u.create2.stat = res->stat;
	} else {
		r.type = op->type;
		if (op->type == OP_SETDATA)
			r.u.stat = res->stat;
	}
	jute_multi_put_result(body, &r);
}

/* The failed multi's layout: earlier ops 0, the failing one its code,
 * later ones RuntimeInconsistency. */
void apply_multi_failed(const struct txn *x, const struct apply_misfit *mf,
			struct jute_buf *body)
{
	struct txn_iter it;
	struct txn_op op;
	int i;

	txn_iter_init(&it, x);
	for (i = 0; txn_sub_next(&it, &op); i++) {
		struct jute_multi_result r = { .type = -1 };

		r.err = i < mf->at ? 0 : i == mf->at ? mf->err : ZRUNTIMEINCONSISTENCY;
		jute_multi_put_result(body, &r);
	}
	jute_multi_end(body);
}

/* All sub-ops in order, straight into w (LMDB has no nested txns with
 * MDB_WRITEMAP). A sub-op that does not fit the tree (prep makes that
 * impossible) leaves w half changed: APPLY_MISFIT tells the caller to
 * abort w and redo its batch with this multi as a failed one. */
static int do_multi(struct treedb *t, MDB_txn *w, const struct txn *x,
		    struct jute_buf *body, struct apply_misfit *mf)
{
	struct txn_iter it;
	struct txn_op op;
	struct op_res res;
	int i = 0;

	txn_iter_init(&it, x);
	while (txn_sub_next(&it, &op)) {
		if (do_op(t, w, x, &op, &res))
			return -1;
		if (res.err != ZOK && op.type != OP_ERROR) {
			mf->at = i;
			mf->err = res.err;
			warnx("tree: multi zxid %llx: op %d does not fit the tree (%s)",
			      (unsigned long long)x->zxid, i, jute_err_name(res.err));
			return APPLY_MISFIT;
		}
		multi_result(&op, &res, body);
		i++;
	}
	jute_multi_end(body);
	return 0;
}

static int do_close(struct treedb *t, MDB_txn *w, const struct txn *x)
{
	struct txn_iter it;
	struct jute_bytes p;
	struct op_res res;

	txn_iter_init(&it, x);
	while (txn_path_next(&it, &p)) {
		if (do_delete(t, w, x, (const char *)p.p, (size_t)p.len, &res))
			return -1;
		if (res.err != ZOK)
			warnx("tree: closeSession %016llx: %.*s: %s",
			      (unsigned long long)x->session, (int)p.len,
			      (const char *)p.p, jute_err_name(res.err));
	}
	return treedb_session_del(t, w, x->session);
}

int apply_txn(struct treedb *t, MDB_txn *w, const struct txn *x, int32_t *err,
	      struct jute_buf *body, struct apply_misfit *mf)
{
	struct op_res res;

	*err = ZOK;
	switch (x->type) {
	case OP_CREATE: case OP_DELETE: case OP_SETDATA: case OP_SETACL:
	case OP_ERROR:
		if (do_op(t, w, x, &x->one, &res))
			return -1;
		*err = res.err;
		if (res.err == ZOK)
			reply_body(&x->one, &res, body);
		return 0;
	case OP_MULTI:
		return do_multi(t, w, x, body, mf);
	case OP_CREATESESSION:
		return treedb_session_put(t, w, x->session, x->timeout, x->passwd.p);
	case OP_CLOSESESSION:
		return do_close(t, w, x);
	}
	*err = ZMARSHALLINGERROR;
	return 0;
}
