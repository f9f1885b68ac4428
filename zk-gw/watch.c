/* watch.c: watch registry. Each registration is a node on two lists: its
 * entry's list for the table (to fire by path) and its connection's list
 * (to drop on close), so both are O(registrations touched). */
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "watch.h"

struct watch_node {
	struct watch_conn *wc;
	struct watch_entry *e;
	enum watch_kind kind;
	struct watch_node *e_next, *e_prev;	/* on e->list[kind] */
	struct watch_node *c_next, *c_prev;	/* on wc->head */
};

struct watch_entry {
	uint64_t hash;
	uint64_t lstamp;			/* last listing round that saw it */
	struct watch_node *list[WK_KINDS];
	size_t len;
	char path[];
};

#define TOMB ((struct watch_entry *)1)

static uint64_t hash_path(const char *p, size_t n)
{
	return hash_fnv1a(p, n);
}

int watch_init(struct watch_reg *r, size_t limit)
{
	memset(r, 0, sizeof(*r));
	r->cap = 64;
	r->slots = calloc(r->cap, sizeof(*r->slots));
	r->limit = limit;
	return r->slots ? 0 : -1;
}

void watch_free(struct watch_reg *r)
{
	size_t i;

	for (i = 0; i < r->cap; i++) {
		struct watch_entry *e = r->slots[i];
		int k;

		if (!e || e == TOMB)
			continue;
		for (k = 0; k < WK_KINDS; k++) {
			while (e->list[k]) {
				struct watch_node *n = e->list[k];

				e->list[k] = n->e_next;
				free(n);
			}
		}
		free(e);
	}
	free(r->slots);
	memset(r, 0, sizeof(*r));
}

/* Slot of path, or of the first free place to put it (*found 0). */
static size_t find_slot(const struct watch_reg *r, const char *p, size_t n,
			uint64_t h, int *found)
{
	size_t mask = r->cap - 1, i = h & mask, first_free = (size_t)-1;

	for (;;) {
		struct watch_entry *e = r->slots[i];

		if (!e) {
			*found = 0;
			return first_free != (size_t)-1 ? first_free : i;
		}
		if (e == TOMB) {
			if (first_free == (size_t)-1)
				first_free = i;
		} else if (e->hash == h && e->len == n && memcmp(e->path, p, n) == 0) {
			*found = 1;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static int grow(struct watch_reg *r)
{
	struct watch_entry **old = r->slots;
	size_t oldcap = r->cap, i;
	size_t ncap = r->used * 4 > r->cap ? r->cap * 2 : r->cap;

	r->slots = calloc(ncap, sizeof(*r->slots));
	if (!r->slots) {
		r->slots = old;
		return -1;
	}
	r->cap = ncap;
	r->tomb = 0;
	for (i = 0; i < oldcap; i++) {
		struct watch_entry *e = old[i];
		int found;

		if (e && e != TOMB)
			r->slots[find_slot(r, e->path, e->len, e->hash, &found)] = e;
	}
	free(old);
	return 0;
}

static struct watch_entry *lookup(const struct watch_reg *r, const char *p, size_t n)
{
	int found;
	size_t i = find_slot(r, p, n, hash_path(p, n), &found);

	return found ? r->slots[i] : NULL;
}

static void entry_maybe_free(struct watch_reg *r, struct watch_entry *e)
{
	int found, k;
	size_t i;

	for (k = 0; k < WK_KINDS; k++)
		if (e->list[k])
			return;
	i = find_slot(r, e->path, e->len, e->hash, &found);
	if (found) {
		r->slots[i] = TOMB;
		r->used--;
		r->tomb++;
	}
	free(e);
}

static void unlink_node(struct watch_reg *r, struct watch_node *n)
{
	struct watch_entry *e = n->e;

	if (n->e_prev)
		n->e_prev->e_next = n->e_next;
	else
		e->list[n->kind] = n->e_next;
	if (n->e_next)
		n->e_next->e_prev = n->e_prev;
	if (n->c_prev)
		n->c_prev->c_next = n->c_next;
	else
		n->wc->head = n->c_next;
	if (n->c_next)
		n->c_next->c_prev = n->c_prev;
	n->wc->count--;
	r->count--;
	if (n->kind == WK_RECURSIVE)
		r->nrec--;
}

static struct watch_node *find_node(struct watch_entry *e, const struct watch_conn *wc,
				    enum watch_kind kind)
{
	struct watch_node *n;

	/* Walk the shorter side: a connection usually holds few watches. */
	if (wc->count < 64) {
		for (n = wc->head; n; n = n->c_next)
			if (n->e == e && n->kind == kind)
				return n;
		return NULL;
	}
	for (n = e->list[kind]; n; n = n->e_next)
		if (n->wc == wc)
			return n;
	return NULL;
}

int watch_add(struct watch_reg *r, struct watch_conn *wc, const char *path,
	      size_t len, enum watch_kind kind)
{
	uint64_t h = hash_path(path, len);
	struct watch_entry *e;
	struct watch_node *n;
	int found;
	size_t i;

	if ((r->used + r->tomb + 1) * 2 > r->cap && grow(r) < 0)
		return -1;
	i = find_slot(r, path, len, h, &found);
	if (found) {
		e = r->slots[i];
		if (find_node(e, wc, kind))
			return 0;
	} else {
		e = NULL;
	}
	if (r->limit && r->count >= r->limit)
		return -1;
	if (!e) {
		e = malloc(sizeof(*e) + len + 1);
		if (!e)
			return -1;
		e->hash = h;
		e->lstamp = 0;
		memset(e->list, 0, sizeof(e->list));
		e->len = len;
		memcpy(e->path, path, len);
		e->path[len] = '\0';
		if (r->slots[i] == TOMB)
			r->tomb--;
		r->slots[i] = e;
		r->used++;
	}
	n = malloc(sizeof(*n));
	if (!n) {
		entry_maybe_free(r, e);
		return -1;
	}
	n->wc = wc;
	n->e = e;
	n->kind = kind;
	n->e_prev = NULL;
	n->e_next = e->list[kind];
	if (n->e_next)
		n->e_next->e_prev = n;
	e->list[kind] = n;
	n->c_prev = NULL;
	n->c_next = wc->head;
	if (n->c_next)
		n->c_next->c_prev = n;
	wc->head = n;
	wc->count++;
	r->count++;
	if (kind == WK_RECURSIVE)
		r->nrec++;
	return 0;
}

int watch_has(struct watch_reg *r, const struct watch_conn *wc, const char *path,
	      size_t len, enum watch_kind kind)
{
	struct watch_entry *e = lookup(r, path, len);

	return e && find_node(e, wc, kind) != NULL;
}

int watch_remove(struct watch_reg *r, struct watch_conn *wc, const char *path,
		 size_t len, enum watch_kind kind)
{
	struct watch_entry *e = lookup(r, path, len);
	struct watch_node *n;

	if (!e || !(n = find_node(e, wc, kind)))
		return 0;
	unlink_node(r, n);
	free(n);
	entry_maybe_free(r, e);
	return 1;
}

void watch_drop_conn(struct watch_reg *r, struct watch_conn *wc)
{
	while (wc->head) {
		struct watch_node *n = wc->head;
		struct watch_entry *e = n->e;

		unlink_node(r, n);
		free(n);
		entry_maybe_free(r, e);
	}
}

void watch_round(struct watch_reg *r)
{
	r->round++;
}

size_t watch_fire(struct watch_reg *r, const char *path, size_t len,
		  enum watch_kind kind, watch_cb cb, void *arg)
{
	struct watch_entry *e = lookup(r, path, len);
	size_t fired = 0;

	if (!e)
		return 0;
	if (kind >= WK_PERSIST) {
		struct watch_node *n;

		/* Persistent: stays. cb must not change the registry. */
		for (n = e->list[kind]; n; n = n->e_next) {
			if (n->wc->stamp == r->round)
				continue;
			n->wc->stamp = r->round;
			fired++;
			cb(arg, n->wc);
		}
		return fired;
	}
	while (e->list[kind]) {
		struct watch_node *n = e->list[kind];
		struct watch_conn *wc = n->wc;

		unlink_node(r, n);
		free(n);
		if (wc->stamp == r->round)
			continue;
		wc->stamp = r->round;
		fired++;
		cb(arg, wc);
	}
	entry_maybe_free(r, e);
	return fired;
}

size_t watch_fire_recursive(struct watch_reg *r, const char *path, size_t len,
			    watch_cb cb, void *arg)
{
	size_t fired = 0, i;

	if (r->nrec == 0 || len == 0)
		return 0;
	/* "/" then every proper prefix ending before a '/', then path. */
	fired += watch_fire(r, "/", 1, WK_RECURSIVE, cb, arg);
	for (i = 1; i < len; i++)
		if (path[i] == '/')
			fired += watch_fire(r, path, i, WK_RECURSIVE, cb, arg);
	if (len > 1)
		fired += watch_fire(r, path, len, WK_RECURSIVE, cb, arg);
	return fired;
}

size_t watch_paths(const struct watch_reg *r)
{
	return r->used;
}

int watch_in_table(enum watch_kind kind, enum watch_table t)
{
	/* addWatch puts both modes in both of Apache's tables. */
	return t == WTAB_DATA ? kind != WK_CHILD : kind != WK_DATA;
}

int watch_conn_each(struct watch_reg *r, struct watch_conn *wc,
		    enum watch_table t, watch_path_cb cb, void *arg)
{
	const struct watch_node *n;
	uint64_t round = ++r->lround;

	for (n = wc->head; n; n = n->c_next) {
		int rc;

		if (!watch_in_table(n->kind, t) || n->e->lstamp == round)
			continue;
		n->e->lstamp = round;
		if ((rc = cb(arg, n->e->path, n->e->len)) != 0)
			return rc;
	}
	return 0;
}

static int count_path(void *arg, const char *path, size_t len)
{
	(void)path;
	(void)len;
	(*(size_t *)arg)++;
	return 0;
}

size_t watch_conn_pairs(struct watch_reg *r, struct watch_conn *wc,
			enum watch_table t)
{
	size_t n = 0;

	(void)watch_conn_each(r, wc, t, count_path, &n);
	return n;
}

static int entry_in_table(const struct watch_entry *e, enum watch_table t)
{
	int k;

	for (k = 0; k < WK_KINDS; k++)
		if (e->list[k] && watch_in_table((enum watch_kind)k, t))
			return 1;
	return 0;
}

int watch_each(struct watch_reg *r, enum watch_table t,
	       watch_path_cb path_cb, watch_conn_cb conn_cb, void *arg)
{
	size_t i;

	for (i = 0; i < r->cap; i++) {
		const struct watch_entry *e = r->slots[i];
		uint64_t round;
		int k, rc;

		if (!e || e == TOMB || !entry_in_table(e, t))
			continue;
		if ((rc = path_cb(arg, e->path, e->len)) != 0)
			return rc;
		round = ++r->lround;
		for (k = 0; k < WK_KINDS; k++) {
			const struct watch_node *n;

			if (!watch_in_table((enum watch_kind)k, t))
				continue;
			for (n = e->list[k]; n; n = n->e_next) {
				if (n->wc->lstamp == round)
					continue;
				n->wc->lstamp = round;
				if ((rc = conn_cb(arg, n->wc)) != 0)
					return rc;
			}
		}
	}
	return 0;
}

size_t watch_table_paths(const struct watch_reg *r, enum watch_table t)
{
	size_t i, n = 0;

	for (i = 0; i < r->cap; i++)
		if (r->slots[i] && r->slots[i] != TOMB && entry_in_table(r->slots[i], t))
			n++;
	return n;
}
