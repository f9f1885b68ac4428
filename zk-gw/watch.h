/* watch.h: the gateway's watch registry (pure: no IO). Standard one-shot
 * watches in two tables, data (exists/getData) and child (getChildren),
 * keyed by path; each registration is one (path, table, connection), so
 * a watch set many times fires once. Watches belong to a connection and
 * are dropped with it. */
#ifndef ZK_GW_WATCH_H
#define ZK_GW_WATCH_H
#include <stddef.h>
#include <stdint.h>

enum watch_kind { WK_DATA = 0, WK_CHILD = 1 };

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
/* Fire and remove every watch of kind at path, calling cb once per
 * connection not yet told in this round. Returns how many fired. */
size_t watch_fire(struct watch_reg *r, const char *path, size_t len,
		  enum watch_kind kind, watch_cb cb, void *arg);

/* Number of distinct paths with watches. */
size_t watch_paths(const struct watch_reg *r);

#endif
