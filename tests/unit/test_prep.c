/* test_prep.c: the write path's pure core end to end: prep builds txns
 * against a temp tree plus its overlay, apply runs them; checks Apache's
 * error precedence, sequence names, Stat rules, multi and sessions. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* The Makefile links tests with libzk.a only: compile the modules in. */
#include "../../zk-zabd/prep_ov.c"
#include "../../zk-zabd/prep.c"
#include "../../zk-zabd/prep_req.c"
#include "../../zk-treed/apply.c"
#include "unit.h"

#define SESS 0x0100000000000001LL
#define SESS2 0x0100000000000002LL

static char dir[64];
static struct treedb tree;
static struct prep *prep;
static int64_t zxid;
static const uint8_t *auth;	/* current caller ids (vector<Id>) */
static size_t auth_len;

/* pending txns (built, not applied yet) */
static struct jute_buf pend[64];
static int npend;

static const uint8_t open_acl[] = {
	0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 5, 'w', 'o', 'r', 'l', 'd',
	0, 0, 0, 6, 'a', 'n', 'y', 'o', 'n', 'e'
};

static void setup(void)
{
	uint8_t pw[16] = { 0 };
	struct prep_req r;

	strcpy(dir, "/tmp/zk-test-prep-XXXXXX");
	if (mkdtemp(dir) == NULL || treedb_open(&tree, dir, 1) != 0)
		exit(1);
	prep = prep_new(&tree, 0);
	if (prep == NULL)
		exit(1);
	zxid = 0;
	npend = 0;
	auth = NULL;
	auth_len = 0;
	(void)r;
	(void)pw;
}

static void teardown(void)
{
	char p[128];

	prep_free(prep);
	treedb_close(&tree);
	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

/* prep one request; the txn is kept pending. Returns prep's code. */
static int submit(int64_t session, int op, const struct jute_buf *body)
{
	struct prep_req r;
	uint8_t pw[16] = { 7 };
	int rc;

	memset(&r, 0, sizeof(r));
	r.session = session;
	r.cxid = 1;
	r.op = op;
	r.body = body ? body->p : NULL;
	r.len = body ? body->len : 0;
	r.timeout = 10000;
	r.passwd = pw;
	r.auth = auth;
	r.auth_len = auth_len;
	jute_buf_init(&pend[npend], TXN_MAX);
	zxid++;
	rc = prep_request(prep, &r, zxid, 1000 + zxid, &pend[npend]);
	if (rc == 0)
		npend++;
	else
		jute_buf_free(&pend[npend]);
	return rc;
}

/* Apply every pending txn; the last one's result code and body. */
static int32_t last_err;
static uint8_t last_body[4096];
static size_t last_len;

static void apply_all(void)
{
	MDB_txn *w;
	struct txn t;
	struct jute_buf body;
	struct apply_misfit mf;
	int i;

	CHECK_EQ_INT(mdb_txn_begin(tree.env, NULL, 0, &w), 0);
	for (i = 0; i < npend; i++) {
		CHECK_EQ_INT(txn_decode(pend[i].p, pend[i].len, &t), 0);
		jute_buf_init(&body, 0);
		CHECK_EQ_INT(apply_txn(&tree, w, &t, &last_err, &body, &mf), 0);
		CHECK_EQ_INT(treedb_set_applied(&tree, w, t.zxid), 0);
		last_len = body.len < sizeof(last_body) ? body.len : sizeof(last_body);
		if (last_len)
			memcpy(last_body, body.p, last_len);
		jute_buf_free(&body);
		jute_buf_free(&pend[i]);
	}
	CHECK_EQ_INT(mdb_txn_commit(w), 0);
	npend = 0;
}

/* Result code of a single request applied at once. */
static int32_t run(int64_t session, int op, const struct jute_buf *body)
{
	int rc = submit(session, op, body);

	if (rc != 0)
		return 1000 + rc;	/* not a txn */
	apply_all();
	return last_err;
}

static int32_t create_acl(const char *path, const char *data, int flags,
			  const uint8_t *acl, size_t acl_len, int op)
{
	struct jute_buf b;
	struct jute_create_req c;
	struct jute_rd r;
	int32_t e;

	memset(&c, 0, sizeof(c));
	c.path = jute_cstr(path);
	c.data = data ? jute_cstr(data) : JUTE_NULL;
	jute_rd_init(&r, acl, acl_len, 0);
	jute_dec_acls(&r, &c.acl);
	c.flags = flags;
	jute_buf_init(&b, 0);
	jute_enc_create_req(&b, &c, 0);
	e = run(SESS, op, &b);
	jute_buf_free(&b);
	return e;
}

static int32_t create(const char *path, const char *data, int flags)
{
	return create_acl(path, data, flags, open_acl, sizeof(open_acl), OP_CREATE);
}

static int32_t del(const char *path, int version)
{
	struct jute_buf b;
	struct jute_path_version d = { jute_cstr(path), version };
	int32_t e;

	jute_buf_init(&b, 0);
	jute_enc_path_version(&b, &d);
	e = run(SESS, OP_DELETE, &b);
	jute_buf_free(&b);
	return e;
}

static int32_t set(const char *path, const char *data, int version)
{
	struct jute_buf b;
	struct jute_set_data_req s = { jute_cstr(path), jute_cstr(data), version };
	int32_t e;

	jute_buf_init(&b, 0);
	jute_enc_set_data_req(&b, &s);
	e = run(SESS, OP_SETDATA, &b);
	jute_buf_free(&b);
	return e;
}

static int get(const char *path, struct tree_node *n, struct jute_stat *s)
{
	MDB_txn *r;
	int rc;

	if (treedb_rbegin(&tree, &r))
		return -1;
	rc = treedb_get(&tree, r, path, strlen(path), n);
	if (rc == 0 && s)
		tree_node_stat(n, s);
	mdb_txn_abort(r);
	return rc;
}

static const char *last_path(void)
{
	static char p[512];
	struct jute_rd r;
	struct jute_bytes b;

	jute_rd_init(&r, last_body, last_len, 0);
	jute_dec_path(&r, &b);
	if (r.err || jute_bytes_cstr(&b, p, sizeof(p)))
		return "?";
	return p;
}

static void open_session(int64_t s)
{
	CHECK_EQ_INT(run(s, OP_CREATESESSION, NULL), 0);
}

static void test_create_stat(void)
{
	struct tree_node n;
	struct jute_stat s;

	setup();
	open_session(SESS);
	CHECK_EQ_INT(create("/a", "hello", 0), ZOK);
	CHECK_EQ_STR(last_path(), "/a");
	CHECK_EQ_INT(get("/a", &n, &s), 0);
	CHECK_EQ_INT(s.czxid, zxid);
	CHECK_EQ_INT(s.mzxid, zxid);
	CHECK_EQ_INT(s.pzxid, zxid);
	CHECK_EQ_INT(s.ctime, 1000 + zxid);
	CHECK_EQ_INT(s.data_length, 5);
	CHECK_EQ_INT(s.version, 0);
	CHECK_EQ_INT(s.ephemeral_owner, 0);
	CHECK_EQ_INT(get("/", &n, &s), 0);
	CHECK_EQ_INT(s.num_children, 2);
	CHECK_EQ_INT(s.cversion, 0);		/* 2*1 - 2 */
	CHECK_EQ_INT(s.pzxid, zxid);
	CHECK_EQ_INT(create("/a/null", NULL, 0), ZOK);
	CHECK_EQ_INT(get("/a/null", &n, &s), 0);
	CHECK_EQ_INT(n.data_len, -1);
	CHECK_EQ_INT(s.data_length, 0);
	CHECK_EQ_INT(set("/a", "x", -1), ZOK);
	CHECK_EQ_INT(get("/a", &n, &s), 0);
	CHECK_EQ_INT(s.version, 1);
	CHECK_EQ_INT(s.mzxid, zxid);
	CHECK(s.czxid != s.mzxid);
	CHECK_EQ_INT(set("/a", "y", 0), ZBADVERSION);
	CHECK_EQ_INT(set("/a", "y", 1), ZOK);
	CHECK_EQ_INT(del("/a/null", 3), ZBADVERSION);
	CHECK_EQ_INT(del("/a", -1), ZNOTEMPTY);
	CHECK_EQ_INT(del("/a/null", 0), ZOK);
	CHECK_EQ_INT(get("/a", &n, &s), 0);
	CHECK_EQ_INT(s.cversion, 2);		/* one create + one delete */
	CHECK_EQ_INT(s.pzxid, zxid);
	CHECK_EQ_INT(del("/a", 2), ZOK);
	CHECK_EQ_INT(get("/a", &n, &s), ZNONODE);
	teardown();
}

static void test_sequential(void)
{
	struct tree_node n;
	struct jute_stat s;

	setup();
	open_session(SESS);
	CHECK_EQ_INT(create("/q", "", 0), ZOK);
	CHECK_EQ_INT(create("/q/job-", "", CM_PERSISTENT_SEQUENTIAL), ZOK);
	CHECK_EQ_STR(last_path(), "/q/job-0000000000");
	CHECK_EQ_INT(create("/q/", "", CM_EPHEMERAL_SEQUENTIAL), ZOK);
	CHECK_EQ_STR(last_path(), "/q/0000000001");
	CHECK_EQ_INT(del("/q/job-0000000000", -1), ZOK);
	CHECK_EQ_INT(create("/q/x", "", 0), ZOK);	/* plain creates count too */
	CHECK_EQ_INT(create("/q/job-", "", CM_PERSISTENT_SEQUENTIAL), ZOK);
	CHECK_EQ_STR(last_path(), "/q/job-0000000003");
	CHECK_EQ_INT(get("/q", &n, &s), 0);
	CHECK_EQ_INT(n.cversion, 4);
	CHECK_EQ_INT(s.cversion, 2 * 4 - 3);
	CHECK_EQ_INT(get("/q/0000000001", &n, &s), 0);
	CHECK_EQ_INT(s.ephemeral_owner, SESS);
	teardown();
}

static void test_error_order(void)
{
	static const uint8_t bad_world[] = {
		0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 5, 'w', 'o', 'r', 'l', 'd',
		0, 0, 0, 5, 'o', 't', 'h', 'e', 'r'
	};
	static const uint8_t empty_acl[] = { 0, 0, 0, 0 };

	setup();
	open_session(SESS);
	CHECK_EQ_INT(create("/missing/x", "", 0), ZNONODE);
	CHECK_EQ_INT(create("/missing/x/", "", 0), ZNONODE);	/* parent first */
	CHECK_EQ_INT(create("noslash", "", 0), ZBADARGUMENTS);
	CHECK_EQ_INT(create("/a//b", "", 0), ZNONODE);
	CHECK_EQ_INT(create("/", "", 0), ZNODEEXISTS);
	CHECK_EQ_INT(create("/bad/", "", 0), ZNONODE);
	CHECK_EQ_INT(create("/trailing/", "", 0), ZNONODE);
	CHECK_EQ_INT(create("/zookeeper/", "", 0), ZBADARGUMENTS);
	CHECK_EQ_INT(create("/zookeeper/.", "", 0), ZBADARGUMENTS);
	CHECK_EQ_INT(create("/zookeeper/x", "", 7), ZBADARGUMENTS);
	CHECK_EQ_INT(create("/zookeeper/x", "", CM_PERSISTENT_WITH_TTL), ZUNIMPLEMENTED);
	CHECK_EQ_INT(create_acl("/missing/x", "", 0, bad_world, sizeof(bad_world), OP_CREATE),
		     ZINVALIDACL);
	CHECK_EQ_INT(create_acl("/x", "", 0, empty_acl, sizeof(empty_acl), OP_CREATE),
		     ZINVALIDACL);
	CHECK_EQ_INT(create("/e", "", CM_EPHEMERAL), ZOK);
	CHECK_EQ_INT(create("/e/child", "", 0), ZNOCHILDRENFOREPHEMERALS);
	CHECK_EQ_INT(create("/e", "", 0), ZNODEEXISTS);
	CHECK_EQ_INT(del("/zookeeper", -1), ZBADARGUMENTS);
	CHECK_EQ_INT(del("/", -1), ZBADARGUMENTS);
	CHECK_EQ_INT(del("/nothere", -1), ZNONODE);
	CHECK_EQ_INT(del("/nothere/x", -1), ZNONODE);
	CHECK_EQ_INT(set("/nothere", "", -1), ZNONODE);
	CHECK_EQ_INT(set("bad", "", -1), ZBADARGUMENTS);
	/* a session nobody created */
	{
		struct jute_buf b;
		struct jute_path_version d = { jute_cstr("/e"), -1 };

		jute_buf_init(&b, 0);
		jute_enc_path_version(&b, &d);
		CHECK_EQ_INT(run(SESS2, OP_DELETE, &b), ZUNKNOWNSESSION);
		jute_buf_free(&b);
	}
	/* undecodable body, not a write: no txn */
	{
		struct jute_buf b;

		jute_buf_init(&b, 0);
		jute_put_int(&b, 100);
		CHECK_EQ_INT(run(SESS, OP_SETDATA, &b), 1000 + ZMARSHALLINGERROR);
		CHECK_EQ_INT(run(SESS, OP_GETDATA, &b), 1000 + ZUNIMPLEMENTED);
		jute_buf_free(&b);
	}
	/* createContainer: Create2Response, ephemeralOwner hidden */
	{
		struct tree_node n;
		struct jute_stat s;

		CHECK_EQ_INT(create_acl("/c", "", 0, open_acl, sizeof(open_acl),
					OP_CREATECONTAINER), ZOK);
		CHECK_EQ_INT(get("/c", &n, &s), 0);
		CHECK_EQ_INT(n.owner, INT64_MIN);
		CHECK_EQ_INT(s.ephemeral_owner, 0);
		CHECK_EQ_INT(create("/c/kid", "", 0), ZOK);	/* containers may have children */
		/* a session id with the top byte set (myid 255) owns
		 * ephemerals; the TTL mark has the clock's bits at 0 */
		CHECK_EQ_INT(tree_owner_is_ephemeral((int64_t)0xff01a2b3c4d50001ull), 1);
		CHECK_EQ_INT(tree_owner_is_ephemeral((int64_t)0xff00000000000001ull), 0);
		CHECK_EQ_INT(tree_owner_is_ephemeral(INT64_MIN), 0);
		CHECK_EQ_INT(tree_owner_is_ephemeral(0), 0);
	}
	teardown();
}

/* Requests built while earlier txns are still unapplied see them. */
static void test_overlay(void)
{
	struct jute_buf b;
	struct jute_create_req c;
	struct jute_rd r;
	struct tree_node n;
	struct jute_stat s;
	int i;

	setup();
	open_session(SESS);
	memset(&c, 0, sizeof(c));
	jute_rd_init(&r, open_acl, sizeof(open_acl), 0);
	jute_dec_acls(&r, &c.acl);
	c.data = jute_cstr("d");
	jute_buf_init(&b, 0);
	c.path = jute_cstr("/p");
	jute_enc_create_req(&b, &c, 0);
	CHECK_EQ_INT(submit(SESS, OP_CREATE, &b), 0);
	for (i = 0; i < 3; i++) {
		jute_buf_reset(&b);
		c.path = jute_cstr("/p/s-");
		c.flags = CM_EPHEMERAL_SEQUENTIAL;
		jute_enc_create_req(&b, &c, 0);
		CHECK_EQ_INT(submit(SESS, OP_CREATE, &b), 0);
	}
	/* the same name again while pending: NodeExists as an error txn */
	jute_buf_reset(&b);
	c.path = jute_cstr("/p");
	c.flags = 0;
	jute_enc_create_req(&b, &c, 0);
	CHECK_EQ_INT(submit(SESS, OP_CREATE, &b), 0);
	CHECK(prep_pending(prep) > 0);
	apply_all();
	CHECK_EQ_INT(last_err, ZNODEEXISTS);
	CHECK_EQ_INT(get("/p/s-0000000002", &n, &s), 0);
	CHECK_EQ_INT(get("/p", &n, &s), 0);
	CHECK_EQ_INT(s.num_children, 3);
	/* close the session while its deletes are pending: the list includes
	 * pending ephemerals and drops pending deletes */
	{
		struct jute_path_version d = { jute_cstr("/p/s-0000000000"), -1 };

		jute_buf_reset(&b);
		jute_enc_path_version(&b, &d);
		CHECK_EQ_INT(submit(SESS, OP_DELETE, &b), 0);
	}
	jute_buf_reset(&b);
	c.path = jute_cstr("/p/s-");
	c.flags = CM_EPHEMERAL_SEQUENTIAL;
	jute_enc_create_req(&b, &c, 0);
	CHECK_EQ_INT(submit(SESS, OP_CREATE, &b), 0);
	CHECK_EQ_INT(submit(SESS, OP_CLOSESESSION, NULL), 0);
	{
		struct txn t;

		CHECK_EQ_INT(txn_decode(pend[npend - 1].p, pend[npend - 1].len, &t), 0);
		CHECK_EQ_INT(t.type, OP_CLOSESESSION);
		CHECK_EQ_INT(t.n, 3);	/* s-1, s-2 from the tree, s-3 pending */
	}
	/* the closing session can do nothing more */
	CHECK_EQ_INT(submit(SESS, OP_CREATE, &b), 0);
	apply_all();
	CHECK_EQ_INT(last_err, ZSESSIONEXPIRED);
	CHECK_EQ_INT(get("/p", &n, &s), 0);
	CHECK_EQ_INT(s.num_children, 0);
	CHECK_EQ_INT(s.cversion, 2 * 4 - 0);
	/* once applied, the session is unknown */
	CHECK_EQ_INT(run(SESS, OP_CREATE, &b), ZUNKNOWNSESSION);

	jute_buf_free(&b);
	teardown();
}

static void put_create_op(struct jute_buf *b, int op, const char *path, int flags)
{
	struct jute_multi_op m;
	struct jute_rd r;

	memset(&m, 0, sizeof(m));
	m.op = op;
	m.u.create.path = jute_cstr(path);
	m.u.create.data = jute_cstr("");
	jute_rd_init(&r, open_acl, sizeof(open_acl), 0);
	jute_dec_acls(&r, &m.u.create.acl);
	m.u.create.flags = flags;
	jute_multi_put_op(b, &m);
}

static void put_pv_op(struct jute_buf *b, int op, const char *path, int version)
{
	struct jute_multi_op m;

	memset(&m, 0, sizeof(m));
	m.op = op;
	m.u.pv.path = jute_cstr(path);
	m.u.pv.version = version;
	jute_multi_put_op(b, &m);
}

static void put_set_op(struct jute_buf *b, const char *path, const char *data, int version)
{
	struct jute_multi_op m;

	memset(&m, 0, sizeof(m));
	m.op = OP_SETDATA;
	m.u.set_data.path = jute_cstr(path);
	m.u.set_data.data = jute_cstr(data);
	m.u.set_data.version = version;
	jute_multi_put_op(b, &m);
}

static void test_multi(void)
{
	struct jute_buf b;
	struct jute_multi_result res;
	struct jute_rd r;
	struct tree_node n;
	struct jute_stat s;

	setup();
	open_session(SESS);
	/* success: sub-ops see earlier ones */
	jute_buf_init(&b, 0);
	put_create_op(&b, OP_CREATE, "/m", 0);
	put_create_op(&b, OP_CREATE2, "/m/s-", CM_PERSISTENT_SEQUENTIAL);
	put_create_op(&b, OP_CREATE, "/m/s-", CM_PERSISTENT_SEQUENTIAL);
	put_set_op(&b, "/m", "v", 0);
	put_pv_op(&b, OP_CHECK, "/m", 1);
	put_pv_op(&b, OP_DELETE, "/m/s-0000000000", 0);
	jute_multi_end(&b);
	CHECK_EQ_INT(run(SESS, OP_MULTI, &b), ZOK);
	jute_rd_init(&r, last_body, last_len, 0);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.type, OP_CREATE);
	CHECK(jute_bytes_eq(&res.u.path, "/m"));
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	/* Apache 3.8: create2 inside a multi answers like a plain create */
	CHECK_EQ_INT(res.type, OP_CREATE);
	CHECK(jute_bytes_eq(&res.u.path, "/m/s-0000000000"));
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK(jute_bytes_eq(&res.u.path, "/m/s-0000000001"));
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.type, OP_SETDATA);
	CHECK_EQ_INT(res.u.stat.version, 1);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.type, OP_CHECK);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.type, OP_DELETE);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 0);
	CHECK_EQ_INT(get("/m", &n, &s), 0);
	CHECK_EQ_INT(s.num_children, 1);
	CHECK_EQ_INT(s.version, 1);

	/* failure: nothing applied, 0 / code / -2 layout */
	jute_buf_reset(&b);
	put_create_op(&b, OP_CREATE, "/f", 0);
	put_set_op(&b, "/f", "v", 5);
	put_create_op(&b, OP_CREATE, "/g", 0);
	jute_multi_end(&b);
	CHECK_EQ_INT(run(SESS, OP_MULTI, &b), ZOK);
	jute_rd_init(&r, last_body, last_len, 0);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.type, -1);
	CHECK_EQ_INT(res.err, 0);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.type, -1);
	CHECK_EQ_INT(res.err, ZBADVERSION);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.err, ZRUNTIMEINCONSISTENCY);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 0);
	CHECK_EQ_INT(get("/f", &n, &s), ZNONODE);
	/* the rolled-back create left no trace in the overlay either */
	CHECK_EQ_INT(create("/f", "", 0), ZOK);
	/* a failing multi does not consume sequence numbers */
	jute_buf_reset(&b);
	put_create_op(&b, OP_CREATE, "/m/s-", CM_PERSISTENT_SEQUENTIAL);
	put_pv_op(&b, OP_CHECK, "/nothere", -1);
	jute_multi_end(&b);
	CHECK_EQ_INT(run(SESS, OP_MULTI, &b), ZOK);
	CHECK_EQ_INT(create("/m/s-", "", CM_PERSISTENT_SEQUENTIAL), ZOK);
	CHECK_EQ_STR(last_path(), "/m/s-0000000002");
	/* a bad flag fails its sub-op in place */
	jute_buf_reset(&b);
	put_create_op(&b, OP_CREATE, "/h", 0);
	put_create_op(&b, OP_CREATE, "/h2", 9);
	jute_multi_end(&b);
	CHECK_EQ_INT(run(SESS, OP_MULTI, &b), ZOK);
	jute_rd_init(&r, last_body, last_len, 0);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.err, 0);
	CHECK_EQ_INT(jute_multi_next_result(&r, &res), 1);
	CHECK_EQ_INT(res.err, ZBADARGUMENTS);
	CHECK_EQ_INT(get("/h", &n, &s), ZNONODE);
	/* a read op: MarshallingError for the whole request */
	jute_buf_reset(&b);
	put_pv_op(&b, OP_GETDATA, "/h", 0);
	jute_multi_end(&b);
	CHECK_EQ_INT(run(SESS, OP_MULTI, &b), 1000 + ZMARSHALLINGERROR);
	/* empty multi: just the terminator */
	jute_buf_reset(&b);
	jute_multi_end(&b);
	CHECK_EQ_INT(run(SESS, OP_MULTI, &b), ZOK);
	CHECK_EQ_INT(last_len, 9);
	jute_buf_free(&b);
	teardown();
}

/* prep remembers the tree's answer for the path it read last: ops on a
 * node that is in the tree but not the overlay must still see the ones
 * before them in the same request, and a failed multi's undo. */
static void test_repeat_node(void)
{
	struct jute_buf b;
	struct tree_node n;
	struct jute_stat s;

	setup();
	open_session(SESS);
	CHECK_EQ_INT(create("/t", "x", 0), ZOK);
	jute_buf_init(&b, 0);
	put_set_op(&b, "/t", "a", 0);
	put_set_op(&b, "/t", "b", 1);
	put_pv_op(&b, OP_CHECK, "/t", 2);
	jute_multi_end(&b);
	CHECK_EQ_INT(run(SESS, OP_MULTI, &b), ZOK);
	CHECK_EQ_INT(get("/t", &n, &s), 0);
	CHECK_EQ_INT(s.version, 2);
	/* the second set expects the version the first one leaves: fails,
	 * and the first one's overlay entry is undone */
	jute_buf_reset(&b);
	put_set_op(&b, "/t", "c", 2);
	put_set_op(&b, "/t", "d", 2);
	jute_multi_end(&b);
	CHECK_EQ_INT(submit(SESS, OP_MULTI, &b), 0);
	apply_all();
	CHECK_EQ_INT(get("/t", &n, &s), 0);
	CHECK_EQ_INT(s.version, 2);
	CHECK_EQ_INT(set("/t", "e", 2), ZOK);
	CHECK_EQ_INT(set("/t", "f", 2), ZBADVERSION);
	CHECK_EQ_INT(set("/t", "g", 3), ZOK);
	CHECK_EQ_INT(get("/t", &n, &s), 0);
	CHECK_EQ_INT(s.version, 4);
	jute_buf_free(&b);
	teardown();
}

static void test_acl(void)
{
	/* digest ACL for u:x (the id text, as stored) with all perms */
	static const uint8_t digest_acl[] = {
		0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 6, 'd', 'i', 'g', 'e', 's', 't',
		0, 0, 0, 3, 'u', ':', 'x'
	};
	static const uint8_t auth_acl[] = {
		0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 4, 'a', 'u', 't', 'h',
		0, 0, 0, 0
	};
	struct jute_buf ids;
	struct jute_id id[2];
	struct jute_ids_vec { int32_t n; } v;
	struct tree_node n;
	struct jute_acls acl;
	MDB_txn *rt;

	(void)v;
	setup();
	open_session(SESS);
	CHECK_EQ_INT(create_acl("/s", "", 0, digest_acl, sizeof(digest_acl), OP_CREATE), ZOK);
	CHECK_EQ_INT(set("/s", "v", -1), ZNOAUTH);
	CHECK_EQ_INT(create("/s/kid", "", 0), ZNOAUTH);
	CHECK_EQ_INT(create("/s", "", 0), ZNODEEXISTS);	/* root allows CREATE */
	CHECK_EQ_INT(create("/s/kid/x", "", 0), ZNONODE);
	/* "auth" without an authenticated id */
	CHECK_EQ_INT(create_acl("/t", "", 0, auth_acl, sizeof(auth_acl), OP_CREATE), ZINVALIDACL);

	id[0].scheme = jute_cstr("ip");
	id[0].id = jute_cstr("127.0.0.1");
	id[1].scheme = jute_cstr("digest");
	id[1].id = jute_cstr("u:x");
	jute_buf_init(&ids, 0);
	jute_put_int(&ids, 2);
	jute_enc_id(&ids, &id[0]);
	jute_enc_id(&ids, &id[1]);
	auth = ids.p;
	auth_len = ids.len;
	CHECK_EQ_INT(set("/s", "v", -1), ZOK);
	CHECK_EQ_INT(create("/s/kid", "", 0), ZOK);
	CHECK_EQ_INT(create_acl("/t", "", 0, auth_acl, sizeof(auth_acl), OP_CREATE), ZOK);
	CHECK_EQ_INT(get("/t", &n, NULL), 0);
	CHECK_EQ_INT(treedb_rbegin(&tree, &rt), 0);
	CHECK_EQ_INT(treedb_acl(&tree, rt, n.acl, &acl), 0);
	CHECK_EQ_INT(acl.n, 1);		/* the digest id only, not ip */
	CHECK_EQ_INT(acl_allowed(&acl, &id[1], 1, PERM_WRITE), 1);
	CHECK_EQ_INT(acl_allowed(&acl, &id[0], 1, PERM_WRITE), 0);
	mdb_txn_abort(rt);
	/* super bypasses everything */
	auth = NULL;
	auth_len = 0;
	CHECK_EQ_INT(set("/t", "v", -1), ZNOAUTH);
	jute_buf_reset(&ids);
	id[0].scheme = jute_cstr("super");
	id[0].id = jute_cstr("");
	jute_put_int(&ids, 1);
	jute_enc_id(&ids, &id[0]);
	auth = ids.p;
	auth_len = ids.len;
	CHECK_EQ_INT(set("/t", "v", -1), ZOK);
	auth = NULL;
	auth_len = 0;
	jute_buf_free(&ids);
	teardown();
}

/* A fresh prep (zk-zabd restarted) fed with logged but unapplied txns
 * checks new requests against them. */
static void test_logged(void)
{
	struct prep *fresh;
	struct jute_buf b;
	struct jute_create_req c;
	struct jute_rd r;
	struct prep_req q;
	struct txn t;
	int i;

	setup();
	open_session(SESS);
	memset(&c, 0, sizeof(c));
	jute_rd_init(&r, open_acl, sizeof(open_acl), 0);
	jute_dec_acls(&r, &c.acl);
	c.path = jute_cstr("/l");
	c.data = JUTE_NULL;
	jute_buf_init(&b, 0);
	jute_enc_create_req(&b, &c, 0);
	CHECK_EQ_INT(submit(SESS, OP_CREATE, &b), 0);
	fresh = prep_new(&tree, 0);
	CHECK(fresh != NULL);
	for (i = 0; i < npend; i++)
		CHECK_EQ_INT(prep_logged(fresh, pend[i].p, pend[i].len), 0);
	memset(&q, 0, sizeof(q));
	q.session = SESS;
	q.op = OP_CREATE;
	q.body = b.p;
	q.len = b.len;
	jute_buf_init(&pend[npend], TXN_MAX);
	CHECK_EQ_INT(prep_request(fresh, &q, ++zxid, 0, &pend[npend]), 0);
	CHECK_EQ_INT(txn_decode(pend[npend].p, pend[npend].len, &t), 0);
	CHECK_EQ_INT(t.type, OP_ERROR);
	CHECK_EQ_INT(t.one.err, ZNODEEXISTS);
	npend++;
	apply_all();
	CHECK_EQ_INT(prep_logged(fresh, b.p, b.len), -1);	/* not a txn */
	/* a logged txn that does not fit (its node is gone) is skipped */
	{
		struct jute_buf tb;
		struct txn d;

		memset(&d, 0, sizeof(d));
		d.type = d.op = OP_DELETE;
		d.zxid = zxid + 10;
		d.one.type = d.one.op = OP_DELETE;
		d.one.path = jute_cstr("/nothere");
		jute_buf_init(&tb, 0);
		txn_encode(&tb, &d);
		CHECK_EQ_INT(prep_logged(fresh, tb.p, tb.len), 0);
		jute_buf_free(&tb);
	}
	prep_free(fresh);
	jute_buf_free(&b);
	teardown();
}

/* Random and truncated bodies for every write opcode: each one is either
 * a txn that applies, or MarshallingError; nothing crashes. */
static void test_hostile_bodies(void)
{
	static const int ops[] = { OP_CREATE, OP_CREATE2, OP_CREATECONTAINER, OP_CREATETTL,
				   OP_DELETE, OP_SETDATA, OP_SETACL, OP_MULTI };
	struct jute_buf good;
	struct jute_create_req c;
	struct jute_rd r;
	uint8_t buf[200];
	unsigned seed = 7;
	int i, k, rc, bad = 0;

	setup();
	open_session(SESS);
	memset(&c, 0, sizeof(c));
	c.path = jute_cstr("/h");
	c.data = jute_cstr("x");
	jute_rd_init(&r, open_acl, sizeof(open_acl), 0);
	jute_dec_acls(&r, &c.acl);
	jute_buf_init(&good, 0);
	jute_enc_create_req(&good, &c, 0);
	for (i = 0; i < 4000; i++) {
		size_t n;
		struct jute_buf b;

		if (i % 2) {	/* a valid create, cut short or flipped */
			n = (size_t)rand_r(&seed) % good.len;
			memcpy(buf, good.p, good.len);
			buf[(size_t)rand_r(&seed) % good.len] ^= (uint8_t)rand_r(&seed);
		} else {
			n = (size_t)rand_r(&seed) % sizeof(buf);
			for (k = 0; k < (int)n; k++)
				buf[k] = (uint8_t)rand_r(&seed);
		}
		b.p = buf;
		b.len = n;
		rc = submit(SESS, ops[i % 8], &b);
		if (rc != 0 && rc != ZMARSHALLINGERROR)
			bad++;
		if (npend > 32)
			apply_all();
	}
	apply_all();
	CHECK_EQ_INT(bad, 0);
	/* the tree still answers sanely */
	CHECK_EQ_INT(create("/after", "", 0), ZOK);
	jute_buf_free(&good);
	teardown();
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "create_stat", test_create_stat },
		{ "sequential", test_sequential },
		{ "error_order", test_error_order },
		{ "overlay", test_overlay },
		{ "multi", test_multi },
		{ "repeat_node", test_repeat_node },
		{ "acl", test_acl },
		{ "logged", test_logged },
		{ "hostile_bodies", test_hostile_bodies },
		{ NULL, NULL }
	};
	return unit_run("prep", cases);
}
