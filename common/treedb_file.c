/* treedb_file.c: the tree env's file, apart from the tree in it: the
 * applied zxid of a lone copy (a snapshot), whether the file a reader maps
 * was replaced under it (a restore), and a reader dropping its view of
 * the map (see treedb.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "log.h"
#include "treedb.h"

static int64_t meta64(const MDB_val *v)
{
	int64_t x;

	memcpy(&x, v->mv_data, 8);
	return x;
}

int treedb_file_applied(const char *path, int64_t *zxid)
{
	static const char *const keys[] = { "applied", "format", "hashkey" };
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi meta;
	MDB_val v[3];
	int rc, i, ret = -1;

	rc = mdb_env_create(&env);
	if (rc)
		{
		warnx("tree: env create: %s", mdb_strerror(rc));
		return -1;
	}
	/* MDB_NOLOCK: a lone file nobody else opens; no lock file beside it */
	if ((rc = mdb_env_set_maxdbs(env, 8)) ||
	    (rc = mdb_env_open(env, path, MDB_RDONLY | MDB_NOSUBDIR | MDB_NOLOCK, 0)) ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &meta))) {
		warnx("tree: %s: %s", path, mdb_strerror(rc));
		goto out;
	}
	for (i = 0; i < 3; i++) {
		MDB_val k = { strlen(keys[i]), (void *)keys[i] };
		rc = mdb_get(txn, meta, &k, &v[i]);
		if (rc) {
			warnx("tree: %s: meta %s: %s", path, keys[i], mdb_strerror(rc));
			goto out;
		}
	}
	if (v[0].mv_size != 8 || v[1].mv_size != 8 || meta64(&v[1]) != TREEDB_FORMAT ||
	    v[2].mv_size != 32 || meta64(&v[0]) < 0) {
		warnx("tree: %s: not a tree of format %d", path, TREEDB_FORMAT);
		goto out;
	}
	*zxid = meta64(&v[0]);
	ret = 0;
out:
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return ret;
}

int treedb_replaced(struct treedb *t)
{
	char path[4200];
	const char *dir;
	struct stat a, b;
	int fd;

	if (!t->env || mdb_env_get_path(t->env, &dir) != 0 ||
	    mdb_env_get_fd(t->env, &fd) != 0 || fstat(fd, &a) < 0)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >= sizeof(path))
		return 0;
	if (stat(path, &b) < 0)
		return errno == ENOENT;
	return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

/* Finds the env's data.mdb mapping in /proc/self/maps (LMDB does not say
 * where it mapped the file); cached, the mapping lasts as long as the env. */
static int find_map(struct treedb *t)
{
	char want[4200], line[4400];
	const char *dir;
	struct tree_node root;
	uintptr_t inside;
	MDB_txn *txn;
	FILE *f;
	int rc = mdb_env_get_path(t->env, &dir);

	if (rc) {
		warnx("tree: env path: %s", mdb_strerror(rc));
		return -1;
	}
	/* a pointer into this env's map tells it from another env's mapping
	 * of the same file in this process */
	if (treedb_rbegin(t, &txn) != 0)
		return -1;
	rc = treedb_get(t, txn, "/", 1, &root);
	inside = (uintptr_t)root.data;
	mdb_txn_abort(txn);
	if (rc != 0 || inside == 0)
		return -1;
	if ((size_t)snprintf(want, sizeof(want), "%s/data.mdb", dir) >= sizeof(want))
		return -1;
	f = fopen("/proc/self/maps", "r");
	if (f == NULL) {
		warn("tree: /proc/self/maps");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int off = 0;
		char *p;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &off) < 2 || off == 0)
			continue;
		p = line + off;
		if (strcmp(p, want) == 0 && lo <= inside && inside < hi) {
			t->map_base = (void *)lo;
			t->map_len = hi - lo;
			break;
		}
	}
	fclose(f);
	return t->map_base ? 0 : -1;
}

int treedb_trim(struct treedb *t)
{
	if (t->map_base == NULL && find_map(t) != 0)
		return -1;
	/* Shared file mapping: MADV_DONTNEED drops page-table entries only,
	 * never data (dirty pages stay dirty in the page cache). */
	if (madvise(t->map_base, t->map_len, MADV_DONTNEED) < 0) {
		warn("tree: madvise");
		return -1;
	}
	return 0;
}
