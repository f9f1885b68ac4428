/* tree.c: zk-gw's read-only handle on the tree env (common/treedb.h),
 * opened lazily because zk-treed creates the env, and one read txn kept
 * for reuse (reset/renew) so reads do not allocate. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include "gw.h"
#include "log.h"
#include "treedb.h"

static struct treedb tdb;
static int opened;
static MDB_txn *rtxn;		/* reset when idle, renewed per use */
static int rtxn_live;

int tree_open(void)
{
	char dir[4200];
	struct stat st;

	if (opened)
		return 0;
	snprintf(dir, sizeof(dir), "%s/tree", gw.d->conf.data_dir);
	if (stat(dir, &st) < 0)
		return -1;
	if (treedb_open(&tdb, dir, 0) < 0)
		return -1;
	opened = 1;
	gw.tree = &tdb;
	info("tree env %s open (read-only)", dir);
	return 0;
}

MDB_txn *tree_rbegin(void)
{
	int rc;

	if (!opened && tree_open() < 0)
		return NULL;
	if (rtxn_live)
		return rtxn;
	if (rtxn) {
		rc = mdb_txn_renew(rtxn);
		if (rc != 0) {
			warnx("tree: renew read txn: %s", mdb_strerror(rc));
			mdb_txn_abort(rtxn);
			rtxn = NULL;
		}
	}
	if (!rtxn && treedb_rbegin(&tdb, &rtxn) < 0) {
		rtxn = NULL;
		return NULL;
	}
	rtxn_live = 1;
	return rtxn;
}

int tree_live(void)
{
	return rtxn_live;
}

void tree_rend(void)
{
	if (rtxn_live) {
		mdb_txn_reset(rtxn);
		rtxn_live = 0;
	}
}

int64_t tree_last_zxid(void)
{
	MDB_txn *t;
	int64_t z;
	int live = rtxn_live;

	if (!(t = tree_rbegin()))
		return -1;
	z = treedb_applied(&tdb, t);
	if (!live)
		tree_rend();
	return z;
}

int tree_session(int64_t id, int32_t *timeout, uint8_t *passwd)
{
	MDB_txn *t;
	int rc, live = rtxn_live;

	if (!(t = tree_rbegin()))
		return -1;
	rc = treedb_session_get(&tdb, t, id, timeout, passwd);
	if (!live)
		tree_rend();
	if (rc == 0)
		return 1;
	return rc == ZNONODE ? 0 : -1;
}

int64_t tree_node_count(void)
{
	MDB_txn *t;
	int64_t n;
	int live = rtxn_live;

	if (!(t = tree_rbegin()))
		return -1;
	n = treedb_count(&tdb, t);
	if (!live)
		tree_rend();
	/* Apache counts its "" alias of "/" too. */
	return n < 0 ? -1 : n + 1;
}

struct eph_count {
	MDB_txn *t;
	int64_t n;
};

static int count_one(void *arg, const char *path, size_t len)
{
	(void)path;
	(void)len;
	((struct eph_count *)arg)->n++;
	return 0;
}

static int count_session(void *arg, int64_t id, int32_t timeout, const uint8_t *passwd)
{
	struct eph_count *e = arg;

	(void)timeout;
	(void)passwd;
	return treedb_ephemerals(&tdb, e->t, id, count_one, e) < 0 ? 1 : 0;
}

int64_t tree_ephemerals_count(void)
{
	struct eph_count e = { NULL, 0 };
	int live = rtxn_live, rc;

	if (!(e.t = tree_rbegin()))
		return -1;
	/* O(ephemerals): only for 4lw, never on a request path. */
	rc = treedb_sessions(&tdb, e.t, count_session, &e);
	if (!live)
		tree_rend();
	return rc == 0 ? e.n : -1;
}

struct sess_walk {
	tree_session_cb cb;
	void *arg;
};

static int one_session(void *arg, int64_t id, int32_t timeout, const uint8_t *passwd)
{
	struct sess_walk *w = arg;

	(void)passwd;
	return w->cb(w->arg, id, timeout);
}

int tree_sessions(tree_session_cb cb, void *arg)
{
	struct sess_walk w = { cb, arg };
	MDB_txn *t;
	int rc, live = rtxn_live;

	if (!(t = tree_rbegin()))
		return -1;
	rc = treedb_sessions(&tdb, t, one_session, &w);
	if (!live)
		tree_rend();
	return rc;
}

int tree_session_ephemerals(int64_t id, int (*cb)(void *arg, const char *path, size_t len),
			    void *arg)
{
	MDB_txn *t;
	int rc, live = rtxn_live;

	if (!(t = tree_rbegin()))
		return -1;
	rc = treedb_ephemerals(&tdb, t, id, cb, arg);
	if (!live)
		tree_rend();
	return rc;
}
