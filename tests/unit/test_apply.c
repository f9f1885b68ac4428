/* test_apply.c: zk-treed's apply on hand-made txns: Stat updates, reply
 * bodies, sessions, and txns that do not fit the tree (nothing changes). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* The Makefile links tests with libzk.a only: compile the module in. */
#include "../../zk-treed/apply.c"
#include "unit.h"

static char dir[64];
static struct treedb tree;

static const uint8_t open_acl[] = {
	0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 5, 'w', 'o', 'r', 'l', 'd',
	0, 0, 0, 6, 'a', 'n', 'y', 'o', 'n', 'e'
};

static void setup(void)
{
	strcpy(dir, "/tmp/zk-test-apply-XXXXXX");
	if (mkdtemp(dir) == NULL || treedb_open(&tree, dir, 1) != 0)
		exit(1);
}

static void teardown(void)
{
	char p[128];

	treedb_close(&tree);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

static int32_t err;
static struct jute_buf body;
static int misfits;

/* Encode t, decode it back (as zk-treed gets it) and apply it. */
static void apply(struct txn *t)
{
	struct jute_buf b;
	struct txn d;
	struct apply_misfit mf;
	MDB_txn *w;
	int rc;

	jute_buf_init(&b, 0);
	txn_encode(&b, t);
	CHECK_EQ_INT(b.err, 0);
	CHECK_EQ_INT(txn_decode(b.p, b.len, &d), 0);
	jute_buf_reset(&body);
	CHECK_EQ_INT(mdb_txn_begin(tree.env, NULL, 0, &w), 0);
	rc = apply_txn(&tree, w, &d, &err, &body, &mf);
	CHECK(rc == 0 || rc == APPLY_MISFIT);
	if (rc == APPLY_MISFIT) {	/* as zk-treed does: nothing kept */
		mdb_txn_abort(w);
		jute_buf_reset(&body);
		apply_multi_failed(&d, &mf, &body);
		err = ZOK;
		misfits++;
		CHECK_EQ_INT(mdb_txn_begin(tree.env, NULL, 0, &w), 0);
	}
	CHECK_EQ_INT(treedb_set_applied(&tree, w, d.zxid), 0);
	CHECK_EQ_INT(mdb_txn_commit(w), 0);
	jute_buf_free(&b);
}

static struct txn_op create_op(const char *path, int op, int64_t owner, int32_t pcv)
{
	struct txn_op o;

	memset(&o, 0, sizeof(o));
	o.type = OP_CREATE;
	o.op = op;
	o.path = jute_cstr(path);
	o.data = jute_cstr("dd");
	o.acl = jute_mem(open_acl, sizeof(open_acl));
	o.owner = owner;
	o.version = pcv;
	return o;
}

static void one(struct txn *t, int64_t zxid, struct txn_op op)
{
	memset(t, 0, sizeof(*t));
	t->type = op.type;
	t->op = op.op;
	t->zxid = zxid;
	t->time = 5000 + zxid;
	t->session = 0x42;
	t->one = op;
}

static int get(const char *path, struct tree_node *n, struct jute_stat *s)
{
	MDB_txn *r;
	int rc;

	if (treedb_rbegin(&tree, &r))
		return -1;
	rc = treedb_get(&tree, r, path, strlen(path), n);
	if (rc == 0)
		tree_node_stat(n, s);
	mdb_txn_abort(r);
	return rc;
}

static void test_create_bodies(void)
{
	struct txn t;
	struct jute_rd r;
	struct jute_create2_resp c2;
	struct jute_bytes p;
	struct tree_node n;
	struct jute_stat s;

	setup();
	jute_buf_init(&body, 0);
	one(&t, 10, create_op("/a", OP_CREATE, 0, 1));
	apply(&t);
	CHECK_EQ_INT(err, ZOK);
	jute_rd_init(&r, body.p, body.len, 0);
	jute_dec_path(&r, &p);
	CHECK_EQ_INT(jute_rd_done(&r), 0);
	CHECK(jute_bytes_eq(&p, "/a"));
	one(&t, 11, create_op("/a/e", OP_CREATE2, 0x42, 1));
	apply(&t);
	CHECK_EQ_INT(err, ZOK);
	jute_rd_init(&r, body.p, body.len, 0);
	jute_dec_create2_resp(&r, &c2);
	CHECK_EQ_INT(jute_rd_done(&r), 0);
	CHECK(jute_bytes_eq(&c2.path, "/a/e"));
	CHECK_EQ_INT(c2.stat.czxid, 11);
	CHECK_EQ_INT(c2.stat.ctime, 5011);
	CHECK_EQ_INT(c2.stat.ephemeral_owner, 0x42);
	CHECK_EQ_INT(c2.stat.data_length, 2);
	CHECK_EQ_INT(get("/a", &n, &s), 0);
	CHECK_EQ_INT(n.cversion, 1);
	CHECK_EQ_INT(s.pzxid, 11);
	CHECK_EQ_INT(s.num_children, 1);
	CHECK_EQ_INT(s.mzxid, 10);
	/* a create that does not fit (parent missing, node there): no change */
	one(&t, 12, create_op("/x/y", OP_CREATE, 0, 1));
	apply(&t);
	CHECK_EQ_INT(err, ZNONODE);
	one(&t, 13, create_op("/a", OP_CREATE, 0, 2));
	apply(&t);
	CHECK_EQ_INT(err, ZNODEEXISTS);
	one(&t, 14, create_op("/a/e/kid", OP_CREATE, 0, 1));
	apply(&t);
	CHECK_EQ_INT(err, ZNOCHILDRENFOREPHEMERALS);
	CHECK_EQ_INT(get("/", &n, &s), 0);
	CHECK_EQ_INT(s.num_children, 2);
	jute_buf_free(&body);
	teardown();
}

static void test_set_delete_session(void)
{
	struct txn t;
	struct txn_op o;
	struct jute_rd r;
	struct jute_stat st, s;
	struct tree_node n;
	struct jute_bytes paths[1] = { jute_cstr("/e") };
	uint8_t pw[16] = { 1 };
	MDB_txn *rt;

	setup();
	jute_buf_init(&body, 0);
	memset(&t, 0, sizeof(t));
	t.type = t.op = OP_CREATESESSION;
	t.zxid = 1;
	t.session = 0x42;
	t.timeout = 9000;
	t.passwd = jute_mem(pw, 16);
	apply(&t);
	CHECK_EQ_INT(err, ZOK);
	CHECK_EQ_INT(body.len, 0);
	one(&t, 2, create_op("/e", OP_CREATE, 0x42, 1));
	apply(&t);
	one(&t, 3, create_op("/p", OP_CREATE, 0, 2));
	apply(&t);

	memset(&o, 0, sizeof(o));
	o.type = o.op = OP_SETDATA;
	o.path = jute_cstr("/p");
	o.data = JUTE_NULL;
	o.version = 1;
	one(&t, 4, o);
	apply(&t);
	CHECK_EQ_INT(err, ZOK);
	jute_rd_init(&r, body.p, body.len, 0);
	jute_dec_stat(&r, &st);
	CHECK_EQ_INT(jute_rd_done(&r), 0);
	CHECK_EQ_INT(st.version, 1);
	CHECK_EQ_INT(st.mzxid, 4);
	CHECK_EQ_INT(st.mtime, 5004);
	CHECK_EQ_INT(st.czxid, 3);
	CHECK_EQ_INT(get("/p", &n, &s), 0);
	CHECK_EQ_INT(n.data_len, -1);

	o.type = o.op = OP_SETACL;
	o.acl = jute_mem(open_acl, sizeof(open_acl));
	o.version = 1;
	one(&t, 5, o);
	apply(&t);
	CHECK_EQ_INT(err, ZOK);
	CHECK_EQ_INT(get("/p", &n, &s), 0);
	CHECK_EQ_INT(s.aversion, 1);
	CHECK_EQ_INT(s.mzxid, 4);	/* setACL leaves mzxid alone */

	memset(&o, 0, sizeof(o));
	o.type = o.op = OP_DELETE;
	o.path = jute_cstr("/p");
	one(&t, 6, o);
	apply(&t);
	CHECK_EQ_INT(err, ZOK);
	CHECK_EQ_INT(body.len, 0);
	CHECK_EQ_INT(get("/p", &n, &s), ZNONODE);
	CHECK_EQ_INT(get("/", &n, &s), 0);
	CHECK_EQ_INT(s.pzxid, 6);
	CHECK_EQ_INT(n.cversion, 2);

	memset(&t, 0, sizeof(t));
	t.type = t.op = OP_CLOSESESSION;
	t.zxid = 7;
	t.session = 0x42;
	t.n = 1;
	t.paths = paths;
	apply(&t);
	CHECK_EQ_INT(err, ZOK);
	CHECK_EQ_INT(get("/e", &n, &s), ZNONODE);
	CHECK_EQ_INT(treedb_rbegin(&tree, &rt), 0);
	CHECK_EQ_INT(treedb_session_get(&tree, rt, 0x42, NULL, NULL), ZNONODE);
	CHECK_EQ_INT(treedb_count(&tree, rt), 4);
	CHECK_EQ_INT(treedb_applied(&tree, rt), 7);
	mdb_txn_abort(rt);
	jute_buf_free(&body);
	teardown();
}

/* A multi whose op does not fit the tree is rolled back whole. */
static void test_multi_rollback(void)
{
	struct txn t;
	struct txn_op ops[3];
	struct jute_multi_result res;
	struct jute_rd r;
	struct tree_node n;
	struct jute_stat s;

	setup();
	jute_buf_init(&body, 0);
	ops[0] = create_op("/m", OP_CREATE, 0, 1);
	ops[1] = create_op("/m/k", OP_CREATE2, 0, 1);
	ops[2] = create_op("/nothere/k", OP_CREATE, 0, 1);
	memset(&t, 0, sizeof(t));
	t.type = t.op = OP_MULTI;
	t.zxid = 3;
	t.n = 3;
	t.subs = ops;
	misfits = 0;
	apply(&t);
	CHECK_EQ_INT(misfits, 1);
	CHECK_EQ_INT(err, ZOK);
	jute_rd_init(&r, body.p, body.len, 0);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.type, -1);
	CHECK_EQ_INT(res.err, 0);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.err, 0);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.err, ZNONODE);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 0);
	CHECK_EQ_INT(get("/m", &n, &s), ZNONODE);
	t.n = 2;
	apply(&t);
	CHECK_EQ_INT(get("/m/k", &n, &s), 0);
	jute_buf_free(&body);
	teardown();
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "create_bodies", test_create_bodies },
		{ "set_delete_session", test_set_delete_session },
		{ "multi_rollback", test_multi_rollback },
		{ NULL, NULL }
	};
	return unit_run("apply", cases);
}
