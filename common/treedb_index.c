/* treedb_index.c: the containers and TTL nodes in the tree's ephem index
 * (see treedb.h): listing them for the leader's reaper, and indexing the
 * containers of a tree made before they were indexed. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "treedb.h"

static int index_fail(const char *what, int rc)
{
	warnx("tree: index: %s: %s", what, mdb_strerror(rc));
	return -1;
}

/* Containers are the keys of owner INT64_MIN (0x80 then seven 0 bytes),
 * TTL nodes those starting with 0xff 0x00 0x00: two short key ranges. */
int treedb_extended(struct treedb *t, MDB_txn *txn, treedb_owner_cb cb, void *arg)
{
	static const uint8_t starts[2][8] = {
		{ 0x80, 0, 0, 0, 0, 0, 0, 0 }, { 0xff, 0, 0, 0, 0, 0, 0, 0 }
	};
	MDB_cursor *c;
	MDB_val key, val;
	int rc, r = 0;

	rc = mdb_cursor_open(txn, t->ephem, &c);
	if (rc)
		return index_fail("cursor", rc);
	for (int i = 0; i < 2 && r == 0; i++) {
		key.mv_size = 8;
		key.mv_data = (void *)starts[i];
		rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
		while (rc == 0) {
			uint64_t owner;

			if (key.mv_size < 8)
				break;
			memcpy(&owner, key.mv_data, 8);
			owner = be64toh(owner);
			if (i == 0 && (int64_t)owner != TREE_OWNER_CONTAINER)
				break;
			/* past the TTL marks: sessions of a server 255 */
			if (i == 1 && tree_owner_ttl((int64_t)owner) == 0)
				break;
			r = cb(arg, (int64_t)owner, val.mv_data, val.mv_size);
			if (r)
				break;
			rc = mdb_cursor_get(c, &key, &val, MDB_NEXT);
		}
		if (rc && rc != MDB_NOTFOUND)
			break;
		rc = 0;
	}
	mdb_cursor_close(c);
	if (rc)
		return index_fail("cursor get", rc);
	return r;
}

/* ---- upgrade: one breadth-first walk ----------------------------------- */

/* Paths still to visit, NUL-terminated, back to back; head is the next. */
struct walk {
	char *buf;
	size_t head, tail, cap;
	const char *parent;	/* of the names being added */
	size_t plen;
	int err;
};

static int walk_add(void *arg, const char *name, size_t len)
{
	struct walk *w = arg;
	size_t need = w->plen + 1 + len + 1;

	if (len == 0)
		return 0;	/* not a name (the walk must not loop) */
	if (w->tail + need > w->cap) {
		if (w->head > 0) {	/* drop what was visited first */
			memmove(w->buf, w->buf + w->head, w->tail - w->head);
			w->tail -= w->head;
			w->parent -= w->head;
			w->head = 0;
		}
		if (w->tail + need > w->cap) {
			size_t cap = (w->cap + need) * 2;
			size_t poff = (size_t)(w->parent - w->buf);
			char *nb = realloc(w->buf, cap);

			if (nb == NULL) {
				w->err = 1;
				return 1;
			}
			w->buf = nb;
			w->cap = cap;
			w->parent = nb + poff;
		}
	}
	/* "/" + name under the root, parent + "/" + name elsewhere */
	memcpy(w->buf + w->tail, w->parent, w->plen);
	w->tail += w->plen;
	if (w->plen != 1)
		w->buf[w->tail++] = '/';
	memcpy(w->buf + w->tail, name, len);
	w->tail += len;
	w->buf[w->tail++] = '\0';
	return 0;
}

int treedb_index_upgrade(struct treedb *t, MDB_txn *txn)
{
	MDB_val key = { 6, (void *)"xindex" }, val;
	int64_t one = 1;
	uint64_t nodes = 0, added = 0;
	struct walk w = { NULL, 0, 0, 0, NULL, 0, 0 };
	int rc;

	rc = mdb_get(txn, t->meta, &key, &val);
	if (rc == 0)
		return 0;
	if (rc != MDB_NOTFOUND)
		return index_fail("get xindex", rc);
	w.cap = 4096;
	w.buf = malloc(w.cap);
	if (w.buf == NULL)
		return -1;
	memcpy(w.buf, "/", 2);
	w.tail = 2;
	while (w.head < w.tail) {
		struct tree_node n;
		size_t len = strlen(w.buf + w.head);

		w.parent = w.buf + w.head;
		w.plen = len;
		rc = treedb_get(t, txn, w.parent, len, &n);
		if (rc == 0 && n.owner == TREE_OWNER_CONTAINER) {
			if (treedb_ephem_put(t, txn, n.owner, w.parent, len))
				break;
			added++;
		}
		if (rc == 0 && n.num_children > 0) {
			/* walk_add may move the queue: w.parent follows */
			if (treedb_children(t, txn, w.parent, len, walk_add, &w) != 0)
				break;
		} else if (rc < 0 && rc != ZNONODE) {
			break;
		}
		nodes++;
		w.head = (size_t)(w.parent - w.buf) + len + 1;
	}
	rc = w.head < w.tail || w.err;
	free(w.buf);
	if (rc) {
		warnx("tree: cannot index the containers (%llu nodes walked)",
		      (unsigned long long)nodes);
		return -1;
	}
	val.mv_size = 8;
	val.mv_data = &one;
	rc = mdb_put(txn, t->meta, &key, &val, 0);
	if (rc)
		return index_fail("put xindex", rc);
	if (added)
		info("tree: %llu containers indexed (%llu nodes walked)",
		     (unsigned long long)added, (unsigned long long)nodes);
	return 0;
}
