/* test_snapshot.c: zk-treed's snapshots: names, retention, the snapshot
 * dir, and a real take and restore of a tree env in a temp dir. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../zk-treed/snapshot.c"
#include "unit.h"

static char tmpl[64];

static const char *fresh_dir(void)
{
	return unit_tmpdir(tmpl, sizeof tmpl, "test_snapshot");
}

static void rm_dir(const char *dir)
{
	unit_rmdir(dir);
}

static void touch(const char *dir, const char *name)
{
	char p[4400];
	int fd;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
}

static int exists(const char *dir, const char *name)
{
	char p[4400];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

static void test_names(void)
{
	char buf[64];
	int64_t z = -1;

	snap_name(buf, sizeof buf, 0x100000426LL);
	CHECK_EQ_STR(buf, "snap.0000000100000426");
	CHECK_EQ_INT(snap_parse_name(buf, &z), 0);
	CHECK_EQ_INT(z, 0x100000426LL);
	snap_name(buf, sizeof buf, INT64_MAX);
	CHECK_EQ_INT(snap_parse_name(buf, &z), 0);
	CHECK_EQ_INT(z, INT64_MAX);
	CHECK_EQ_INT(snap_parse_name("snap.tmp", &z), -1);
	CHECK_EQ_INT(snap_parse_name("snap.000000010000042", &z), -1);
	CHECK_EQ_INT(snap_parse_name("snap.00000001000004260", &z), -1);
	CHECK_EQ_INT(snap_parse_name("snap.0000000100000426.tmp", &z), -1);
	CHECK_EQ_INT(snap_parse_name("snap.00000001000004AB", &z), -1);
	CHECK_EQ_INT(snap_parse_name("snap.8000000000000000", &z), -1);
	CHECK_EQ_INT(snap_parse_name("log.0000000100000426", &z), -1);
}

static void test_excess(void)
{
	CHECK_EQ_INT(snap_excess(0, 3), 0);
	CHECK_EQ_INT(snap_excess(2, 3), 0);
	CHECK_EQ_INT(snap_excess(3, 3), 0);
	CHECK_EQ_INT(snap_excess(4, 3), 1);
	CHECK_EQ_INT(snap_excess(10, 3), 7);
	CHECK_EQ_INT(snap_excess(10, 5), 5);
}

/* Listing sorts by zxid and skips anything else; a purge keeps the newest. */
static void test_list_and_purge(void)
{
	const char *dir = fresh_dir();
	static struct snap_list l;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	CHECK(dfd >= 0);
	touch(dir, "snap.0000000100000c46");
	touch(dir, "snap.0000000100000426");
	touch(dir, "snap.00000001000010a6");
	touch(dir, "snap.0000000100000826");
	touch(dir, "snap.0000000200000001");
	touch(dir, "snap.tmp");
	touch(dir, "notes.txt");
	CHECK_EQ_INT(snap_list(dfd, &l), 0);
	CHECK_EQ_INT(l.n, 5);
	CHECK_EQ_INT(l.zxid[0], 0x100000426LL);
	CHECK_EQ_INT(l.zxid[1], 0x100000826LL);
	CHECK_EQ_INT(l.zxid[4], 0x200000001LL);
	CHECK_EQ_INT(snap_purge(dfd, &l, 3), 2);
	CHECK_EQ_INT(l.n, 3);
	CHECK_EQ_INT(l.zxid[0], 0x100000c46LL);
	CHECK(!exists(dir, "snap.0000000100000426"));
	CHECK(!exists(dir, "snap.0000000100000826"));
	CHECK(exists(dir, "snap.0000000100000c46"));
	CHECK(exists(dir, "snap.0000000200000001"));
	CHECK(exists(dir, "snap.tmp"));		/* not ours to judge */
	CHECK_EQ_INT(snap_purge(dfd, &l, 3), 0);
	CHECK_EQ_INT(snap_list(dfd, &l), 0);
	CHECK_EQ_INT(l.n, 3);
	close(dfd);
	rm_dir(dir);
}

static void set_applied(struct treedb *t, int64_t zxid, const char *path)
{
	struct tree_node n;
	MDB_txn *w;

	memset(&n, 0, sizeof n);
	n.data = (const uint8_t *)"x";
	n.data_len = 1;
	n.acl = TREEDB_ACL_OPEN;
	n.czxid = n.mzxid = n.pzxid = zxid;
	CHECK_EQ_INT(mdb_txn_begin(t->env, NULL, 0, &w), 0);
	CHECK_EQ_INT(treedb_put(t, w, path, strlen(path), &n), 0);
	CHECK_EQ_INT(treedb_set_applied(t, w, zxid), 0);
	CHECK_EQ_INT(mdb_txn_commit(w), 0);
}

static int64_t applied_of(struct treedb *t, const char *path, int *found)
{
	struct tree_node n;
	MDB_txn *r;
	int64_t z;

	CHECK_EQ_INT(treedb_rbegin(t, &r), 0);
	z = treedb_applied(t, r);
	*found = treedb_get(t, r, path, strlen(path), &n) == 0;
	mdb_txn_abort(r);
	return z;
}

/* A snapshot of a live env, then the env lost or damaged: the restore
 * brings back the snapshot's state and its zxid. */
static void test_take_and_restore(void)
{
	const char *dir = fresh_dir();
	static struct snapper s;
	struct treedb t;
	int64_t z = 0;
	int found = 0, fd;
	char data[256];

	CHECK_EQ_INT(treedb_open(&t, dir, 1), 0);
	set_applied(&t, 0x100000007LL, "/a");
	CHECK_EQ_INT(snapper_init(&s, t.env, dir), 0);
	CHECK_EQ_INT(snap_take(t.env, s.dirfd, s.dir, &z), 0);
	CHECK_EQ_INT(z, 0x100000007LL);
	CHECK(exists(s.dir, "snap.0000000100000007"));
	CHECK(!exists(s.dir, SNAP_TMP));
	/* through the thread too */
	set_applied(&t, 0x100000009LL, "/b");
	CHECK_EQ_INT(snapper_start(&s), 1);
	CHECK_EQ_INT(snapper_start(&s), 0);		/* one at a time */
	for (int i = 0; i < 500 && s.running; i++) {
		int k = snapper_done(&s, &z);
		if (k != 0) {
			CHECK_EQ_INT(k, 1);
			break;
		}
		usleep(10000);
	}
	CHECK_EQ_INT(s.running, 0);
	CHECK_EQ_INT(z, 0x100000009LL);
	set_applied(&t, 0x10000000bLL, "/c");		/* after the snapshots */
	treedb_close(&t);

	/* removed env */
	snprintf(data, sizeof data, "%s/data.mdb", dir);
	CHECK_EQ_INT(unlink(data), 0);
	CHECK_EQ_INT(snap_restore(s.dir, dir, 0x100000009LL), 0);
	CHECK_EQ_INT(treedb_open(&t, dir, 1), 0);
	CHECK_EQ_INT(applied_of(&t, "/b", &found), 0x100000009LL);
	CHECK(found);
	applied_of(&t, "/c", &found);
	CHECK(!found);
	treedb_close(&t);

	/* damaged env: refused, then restored from the older snapshot; the
	 * damaged file is kept aside */
	fd = open(data, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK_EQ_INT(write(fd, "garbage, not an LMDB file", 25), 25);
	close(fd);
	CHECK(treedb_open(&t, dir, 1) < 0);
	CHECK_EQ_INT(snap_restore(s.dir, dir, 0x100000007LL), 0);
	CHECK(exists(dir, "data.mdb.bad"));
	CHECK(!exists(dir, "data.mdb.restore"));
	CHECK_EQ_INT(treedb_open(&t, dir, 1), 0);
	CHECK_EQ_INT(applied_of(&t, "/a", &found), 0x100000007LL);
	CHECK(found);
	applied_of(&t, "/b", &found);
	CHECK(!found);
	treedb_close(&t);

	/* a snapshot that is not a tree is refused and changes nothing */
	touch(s.dir, "snap.0000000100000010");
	CHECK(snap_restore(s.dir, dir, 0x100000010LL) < 0);
	CHECK_EQ_INT(treedb_open(&t, dir, 1), 0);
	CHECK_EQ_INT(applied_of(&t, "/a", &found), 0x100000007LL);
	treedb_close(&t);
	close(s.dirfd);
	close(s.efd);
	rm_dir(dir);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "names", test_names },
		{ "excess", test_excess },
		{ "list_and_purge", test_list_and_purge },
		{ "take_and_restore", test_take_and_restore },
		{ NULL, NULL },
	};
	return unit_run("snapshot", cases);
}
