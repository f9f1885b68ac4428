/* reaper.c: picking the containers and TTL nodes to delete (see reaper.h). */
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "reaper.h"

int reaper_is_candidate(const struct tree_node *n, int64_t now_ms, int64_t never_used_ms)
{
	int64_t ttl;

	if (n->num_children != 0)
		return 0;
	if (n->owner == TREE_OWNER_CONTAINER) {
		/* A container made just before a pass must not go before its
		 * first child arrives: only once used, or once too old. */
		if (n->cversion > 0)
			return 1;
		return never_used_ms > 0 && now_ms - n->mtime > never_used_ms;
	}
	ttl = tree_owner_ttl(n->owner);
	return ttl > 0 && now_ms - n->mtime > ttl;
}

int reaper_init(struct reaper *r, int check_ms, int max_per_min, int64_t never_used_ms)
{
	memset(r, 0, sizeof(*r));
	r->check_ms = check_ms > 0 ? check_ms : 60000;
	r->max_per_min = max_per_min > 0 ? max_per_min : 10000;
	r->never_used_ms = never_used_ms;
	r->cap = 4096;
	r->paths = malloc(r->cap);
	return r->paths ? 0 : -1;
}

void reaper_free(struct reaper *r)
{
	free(r->paths);
	r->paths = NULL;
}

/* The most one pass may take: its interval's share of maxPerMinute. */
static double pass_cap(const struct reaper *r)
{
	double cap = (double)r->max_per_min * r->check_ms / 60000.0;

	if (cap < 1)
		cap = 1;
	return cap > REAPER_PICK_MAX ? REAPER_PICK_MAX : cap;
}

struct pick_ctx {
	struct reaper *r;
	struct treedb *tree;
	MDB_txn *txn;
	struct prep *p;
	int64_t now;
	uint64_t seen;
	int err;
};

static int pick_one(void *arg, int64_t owner, const char *path, size_t len)
{
	struct pick_ctx *c = arg;
	struct reaper *r = c->r;
	struct tree_node n;
	int rc;

	(void)owner;
	if (++c->seen > REAPER_SCAN_MAX || r->budget < 1)
		return 1;
	rc = treedb_get(c->tree, c->txn, path, len, &n);
	if (rc == ZNONODE)
		return 0;	/* an index entry without its node: not ours to fix */
	if (rc < 0) {
		c->err = 1;
		return 1;
	}
	if (!reaper_is_candidate(&n, c->now, r->never_used_ms))
		return 0;
	if (c->p && prep_has_pending(c->p, path, len))
		return 0;	/* being changed: look again next pass */
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap * 2 > r->len + len + 1 ? r->cap * 2 : r->len + len + 1;
		char *np = realloc(r->paths, cap);

		if (np == NULL) {
			c->err = 1;
			return 1;
		}
		r->paths = np;
		r->cap = cap;
	}
	memcpy(r->paths + r->len, path, len);
	r->paths[r->len + len] = '\0';
	r->len += len + 1;
	r->npicked++;
	r->budget -= 1;
	return 0;
}

int reaper_pass(struct reaper *r, struct treedb *tree, struct prep *p,
		int64_t now_ms, int64_t mono_ms)
{
	struct pick_ctx c = { r, tree, NULL, p, now_ms, 0, 0 };
	double cap = pass_cap(r);
	int rc;

	/* Refill at maxPerMinute a minute; the first pass starts full. */
	if (r->last_ms == 0)
		r->budget = cap;
	else if (mono_ms > r->last_ms)
		r->budget += (double)(mono_ms - r->last_ms) * r->max_per_min / 60000.0;
	if (r->budget > cap)
		r->budget = cap;
	r->last_ms = mono_ms;
	r->len = 0;
	r->npicked = 0;
	r->passes++;
	/* overlay entries linger until the next write drops them */
	if (p && prep_refresh(p) < 0)
		return -1;
	if (treedb_rbegin(tree, &c.txn) < 0)
		return -1;
	rc = treedb_extended(tree, c.txn, pick_one, &c);
	mdb_txn_abort(c.txn);
	r->scanned += c.seen;
	if (rc < 0 || c.err) {
		warnx("reaper: cannot read the container index");
		return -1;
	}
	r->picked += (uint64_t)r->npicked;
	return r->npicked;
}
