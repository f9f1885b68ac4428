/* prep_ov.c: prep's overlay of pending changes (see prep_ov.h). */
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "prep.h"
#include "prep_ov.h"

static uint64_t hash_path(const char *p, size_t n)
{
	return hash_fnv1a(p, n);
}

static uint64_t hash_id(int64_t id)
{
	uint64_t x = (uint64_t)id;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

int ov_init(struct ov *o)
{
	memset(o, 0, sizeof(*o));
	o->nbuckets = 1024;
	o->nsbuckets = 256;
	o->tab = calloc(o->nbuckets, sizeof(*o->tab));
	o->stab = calloc(o->nsbuckets, sizeof(*o->stab));
	if (o->tab == NULL || o->stab == NULL) {
		free(o->tab);
		free(o->stab);
		return -1;
	}
	return 0;
}

static void list_unlink(struct ov *o, struct ov_node *e)
{
	if (e->prev) e->prev->next = e->next; else o->head = e->next;
	if (e->next) e->next->prev = e->prev; else o->tail = e->prev;
	e->prev = e->next = NULL;
}

static void list_append(struct ov *o, struct ov_node *e)
{
	e->prev = o->tail;
	e->next = NULL;
	if (o->tail) o->tail->next = e; else o->head = e;
	o->tail = e;
}

static void slist_unlink(struct ov *o, struct ov_sess *s)
{
	if (s->prev) s->prev->next = s->next; else o->shead = s->next;
	if (s->next) s->next->prev = s->prev; else o->stail = s->prev;
	s->prev = s->next = NULL;
}

static void slist_append(struct ov *o, struct ov_sess *s)
{
	s->prev = o->stail;
	s->next = NULL;
	if (o->stail) o->stail->next = s; else o->shead = s;
	o->stail = s;
}

static void node_remove(struct ov *o, struct ov_node *e)
{
	struct ov_node **pp = &o->tab[hash_path(e->path, e->plen) & (o->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	list_unlink(o, e);
	o->count--;
	free(e->acl);
	free(e);
}

static void sess_remove(struct ov *o, struct ov_sess *s)
{
	struct ov_sess **pp = &o->stab[hash_id(s->id) & (o->nsbuckets - 1)];

	while (*pp != s)
		pp = &(*pp)->hnext;
	*pp = s->hnext;
	slist_unlink(o, s);
	o->scount--;
	free(s);
}

void ov_clear(struct ov *o)
{
	while (o->head)
		node_remove(o, o->head);
	while (o->shead)
		sess_remove(o, o->shead);
	o->nundo = 0;
	o->in_multi = 0;
}

void ov_free(struct ov *o)
{
	ov_clear(o);
	free(o->tab);
	free(o->stab);
	free(o->undo);
	memset(o, 0, sizeof(*o));
}

struct ov_node *ov_find(struct ov *o, const char *path, size_t len)
{
	struct ov_node *e = o->tab[hash_path(path, len) & (o->nbuckets - 1)];

	for (; e; e = e->hnext)
		if (e->plen == len && memcmp(e->path, path, len) == 0)
			return e;
	return NULL;
}

/* Doubles the bucket array when the load passes 1 (a failure to grow only
 * makes chains longer). */
static void grow(struct ov *o)
{
	size_t n = o->nbuckets * 2, i;
	struct ov_node **t = calloc(n, sizeof(*t)), *e, *nx;

	if (t == NULL)
		return;
	for (i = 0; i < o->nbuckets; i++)
		for (e = o->tab[i]; e; e = nx) {
			nx = e->hnext;
			e->hnext = t[hash_path(e->path, e->plen) & (n - 1)];
			t[hash_path(e->path, e->plen) & (n - 1)] = e;
		}
	free(o->tab);
	o->tab = t;
	o->nbuckets = n;
}

static int save_undo(struct ov *o, struct ov_node *e, int was_new)
{
	struct ov_undo *u;

	if (o->nundo == o->undo_cap) {
		size_t cap = o->undo_cap ? o->undo_cap * 2 : 64;
		struct ov_undo *nu = realloc(o->undo, cap * sizeof(*nu));

		if (nu == NULL)
			return -1;
		o->undo = nu;
		o->undo_cap = cap;
	}
	u = &o->undo[o->nundo++];
	u->e = e;
	u->was_new = was_new;
	memcpy(&u->saved, e, sizeof(*e));
	/* the saved state owns its ACL copy until commit or rollback */
	if (!was_new && e->acl) {
		u->saved.acl = malloc(e->acl_len);
		if (u->saved.acl == NULL) {
			o->nundo--;
			return -1;
		}
		memcpy(u->saved.acl, e->acl, e->acl_len);
	}
	return 0;
}

struct ov_node *ov_touch(struct ov *o, const char *path, size_t len, int64_t zxid)
{
	struct ov_node *e = ov_find(o, path, len);
	size_t b;

	if (e) {
		if (o->in_multi && save_undo(o, e, 0))
			return NULL;
		list_unlink(o, e);
		list_append(o, e);
		e->zxid = zxid;
		return e;
	}
	if (o->count >= PREP_OVERLAY_MAX)
		return NULL;
	e = calloc(1, sizeof(*e) + len + 1);
	if (e == NULL)
		return NULL;
	memcpy(e->path, path, len);
	e->plen = len;
	e->zxid = zxid;
	if (o->in_multi && save_undo(o, e, 1)) {
		free(e);
		return NULL;
	}
	if (o->count >= o->nbuckets)
		grow(o);
	b = hash_path(path, len) & (o->nbuckets - 1);
	e->hnext = o->tab[b];
	o->tab[b] = e;
	list_append(o, e);
	o->count++;
	return e;
}

int ov_set_acl(struct ov *o, struct ov_node *e, const uint8_t *acl, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	if (c == NULL)
		return -1;
	memcpy(c, acl, len);
	free(e->acl);
	e->acl = c;
	e->acl_len = len;
	return 0;
}

struct ov_sess *ov_sess_find(struct ov *o, int64_t id)
{
	struct ov_sess *s = o->stab[hash_id(id) & (o->nsbuckets - 1)];

	for (; s; s = s->hnext)
		if (s->id == id)
			return s;
	return NULL;
}

struct ov_sess *ov_sess_touch(struct ov *o, int64_t id, int64_t zxid)
{
	struct ov_sess *s = ov_sess_find(o, id);
	size_t b;

	if (s == NULL) {
		if (o->scount >= PREP_OVERLAY_MAX)
			return NULL;
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return NULL;
		s->id = id;
		b = hash_id(id) & (o->nsbuckets - 1);
		s->hnext = o->stab[b];
		o->stab[b] = s;
		o->scount++;
	} else {
		slist_unlink(o, s);
	}
	slist_append(o, s);
	s->zxid = zxid;
	return s;
}

void ov_drop(struct ov *o, int64_t zxid)
{
	/* Entries are in order of last touch, so the zxids increase along
	 * the list except after a multi rollback restored an older zxid; such
	 * an entry just stays a little longer, which is harmless: it still
	 * describes the tree as the pending txns leave it. */
	while (o->head && o->head->zxid <= zxid)
		node_remove(o, o->head);
	while (o->shead && o->shead->zxid <= zxid)
		sess_remove(o, o->shead);
}

void ov_multi_begin(struct ov *o)
{
	o->nundo = 0;
	o->in_multi = 1;
}

void ov_multi_commit(struct ov *o)
{
	size_t i;

	for (i = 0; i < o->nundo; i++)
		if (!o->undo[i].was_new)
			free(o->undo[i].saved.acl);
	o->nundo = 0;
	o->in_multi = 0;
}

void ov_multi_rollback(struct ov *o)
{
	size_t i = o->nundo;

	/* newest first, so an entry touched twice ends in its first state */
	while (i-- > 0) {
		struct ov_undo *u = &o->undo[i];
		struct ov_node *e = u->e;

		if (u->was_new) {
			node_remove(o, e);
			continue;
		}
		free(e->acl);
		e->acl = u->saved.acl;
		e->acl_len = u->saved.acl_len;
		e->zxid = u->saved.zxid;
		e->exists = u->saved.exists;
		e->version = u->saved.version;
		e->aversion = u->saved.aversion;
		e->cversion = u->saved.cversion;
		e->num_children = u->saved.num_children;
		e->owner = u->saved.owner;
	}
	o->nundo = 0;
	o->in_multi = 0;
}
