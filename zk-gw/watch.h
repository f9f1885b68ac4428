/* watch.h: the gateway's watch registry (pure: no IO). Standard one-shot
 * watches in two tables, data (exists/getData) and child (getChildren),
 * plus persistent and persistent-recursive watches (addWatch), keyed by
 * path; each registration is one (path, kind, connection), so a watch set
 * many times fires once. Watches belong to a connection and are dropped
 * with it. */
#ifndef ZK_GW_WATCH_H
#define ZK_GW_WATCH_H
#include <stddef.h>
#include <stdint.h>

enum watch_kind {
	WK_DATA = 0,		/* one-shot: exists, getData */
	WK_CHILD = 1,		/* one-shot: getChildren */
	WK_PERSIST = 2,		/* addWatch mode 0: data and child events at P */
	WK_RECURSIVE = 3,	/* addWatch mode 1: data events at P and below */
	WK_KINDS = 4
};

struct watch_node;
struct watch_entry;

/* Embedded in each connection. */
struct watch_conn {
	struct watch_node *head;	/* this connection's registrations */
	size_t count;
	uint64_t stamp;			/* last fire round that told this conn */
};

struct watch_reg {
	struct watch_entry **slots;	/* open addressing by path hash */
	size_t cap, used, tomb;
	size_t count;			/* registrations */
	size_t nrec;			/* WK_RECURSIVE registrations */
	size_t limit;			/* max registrations (0 = unlimited) */
	uint64_t round;
};

int watch_init(struct watch_reg *r, size_t limit);
void watch_free(struct watch_reg *r);

/* Register; a duplicate (same path, kind, connection) is a no-op.
 * 0, or -1 when the registry is at its limit or out of memory. */
int watch_add(struct watch_reg *r, struct watch_conn *wc, const char *path,
	      size_t len, enum watch_kind kind);

/* 1 if wc holds a watch of kind at path. */
int watch_has(struct watch_reg *r, const struct watch_conn *wc, const char *path,
	      size_t len, enum watch_kind kind);

/* Remove wc's watch of kind at path; 1 if there was one. */
int watch_remove(struct watch_reg *r, struct watch_conn *wc, const char *path,
		 size_t len, enum watch_kind kind);

/* Drop every registration of a connection. */
void watch_drop_conn(struct watch_reg *r, struct watch_conn *wc);

typedef void (*watch_cb)(void *arg, struct watch_conn *wc);

/* Start a fire round: connections told in the same round are told once
 * (e.g. a delete fires data and child tables with NodeDeleted). */
void watch_round(struct watch_reg *r);
/* Fire every watch of kind at path, calling cb once per connection not
 * yet told in this round; one-shot kinds are removed (even when the
 * connection was already told). Returns how many were told. */
size_t watch_fire(struct watch_reg *r, const char *path, size_t len,
		  enum watch_kind kind, watch_cb cb, void *arg);
/* Fire the recursive watches at path and at each of its ancestors. */
size_t watch_fire_recursive(struct watch_reg *r, const char *path, size_t len,
			    watch_cb cb, void *arg);

/* Number of distinct paths with watches. */
size_t watch_paths(const struct watch_reg *r);

#endif
