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
	uint64_t lstamp;		/* last listing round that saw it */
};

struct watch_reg {
	struct watch_entry **slots;	/* open addressing by path hash */
	size_t cap, used, tomb;
	size_t count;			/* registrations */
	size_t nrec;			/* WK_RECURSIVE registrations */
	size_t limit;			/* max registrations (0 = unlimited) */
	uint64_t round;
	uint64_t lround;		/* listing rounds (dedup in watch_each) */
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

/* Listing, for the four-letter words (O(registrations): never on a
 * request path). Apache 3.8 keeps two tables: a data table (exists,
 * getData and both addWatch modes) and a child table (getChildren and
 * both addWatch modes). A (path, connection) pair is one watch of a table,
 * whatever kinds make it up: a connection with a data and a recursive
 * watch at P has one data-table watch at P. wchs, wchc and wchp list the
 * data table only; mntr's zk_watch_count adds up the pairs of both.
 * The listing calls stamp entries and connections to visit each pair once
 * (a counter of their own, apart from the fire rounds), hence non-const. */
enum watch_table {
	WTAB_DATA = 0,
	WTAB_CHILD = 1
};

/* 1 if a watch of this kind is in table t. */
int watch_in_table(enum watch_kind kind, enum watch_table t);

/* Pairs of table t that connection wc holds (= its distinct paths). */
size_t watch_conn_pairs(struct watch_reg *r, struct watch_conn *wc,
			enum watch_table t);

/* Calls cb(arg, path, len) once for each path wc watches in table t (no
 * useful order; path is NUL-terminated). cb returns 0 to go on, non-zero
 * to stop: that value is returned; 0 at the end. cb must not change the
 * registry. */
typedef int (*watch_path_cb)(void *arg, const char *path, size_t len);
int watch_conn_each(struct watch_reg *r, struct watch_conn *wc,
		    enum watch_table t, watch_path_cb cb, void *arg);

/* For each path with a watch in table t (no useful order): path_cb(arg,
 * path, len), then conn_cb(arg, wc) once for each connection watching it
 * there. Same return rules as watch_conn_each. */
typedef int (*watch_conn_cb)(void *arg, const struct watch_conn *wc);
int watch_each(struct watch_reg *r, enum watch_table t,
	       watch_path_cb path_cb, watch_conn_cb conn_cb, void *arg);

/* Number of distinct paths with a watch in table t (walks the table). */
size_t watch_table_paths(const struct watch_reg *r, enum watch_table t);

#endif
