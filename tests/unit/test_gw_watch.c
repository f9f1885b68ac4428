/* test_gw_watch.c: the gateway's watch registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* The Makefile links tests with libzk.a only: compile the module in. */
#include "../../zk-gw/watch.c"
#include "unit.h"

static int told[8];

static void cb(void *arg, struct watch_conn *wc)
{
	struct watch_conn *base = arg;

	told[wc - base]++;
}

#define P(s) s, sizeof(s) - 1

static void test_once_per_conn(void)
{
	struct watch_reg r;
	struct watch_conn wc[3] = { { 0 } };

	memset(told, 0, sizeof(told));
	CHECK(watch_init(&r, 0) == 0);
	CHECK(watch_add(&r, &wc[0], P("/a"), WK_DATA) == 0);
	CHECK(watch_add(&r, &wc[0], P("/a"), WK_DATA) == 0);	/* set twice */
	CHECK(watch_add(&r, &wc[1], P("/a"), WK_DATA) == 0);
	CHECK(watch_add(&r, &wc[2], P("/a"), WK_CHILD) == 0);
	CHECK_EQ_INT(r.count, 3);
	watch_round(&r);
	CHECK_EQ_INT(watch_fire(&r, P("/a"), WK_DATA, cb, wc), 2);
	CHECK_EQ_INT(told[0], 1);
	CHECK_EQ_INT(told[1], 1);
	CHECK_EQ_INT(told[2], 0);
	/* one-shot: fired watches are gone */
	watch_round(&r);
	CHECK_EQ_INT(watch_fire(&r, P("/a"), WK_DATA, cb, wc), 0);
	CHECK_EQ_INT(watch_fire(&r, P("/a"), WK_CHILD, cb, wc), 1);
	CHECK_EQ_INT(r.count, 0);
	CHECK_EQ_INT(watch_paths(&r), 0);
	CHECK(wc[0].head == NULL && wc[0].count == 0);
	watch_free(&r);
}

/* A delete fires both tables at P with NodeDeleted: once per connection. */
static void test_round_dedup(void)
{
	struct watch_reg r;
	struct watch_conn wc[2] = { { 0 } };

	memset(told, 0, sizeof(told));
	CHECK(watch_init(&r, 0) == 0);
	CHECK(watch_add(&r, &wc[0], P("/x"), WK_DATA) == 0);
	CHECK(watch_add(&r, &wc[0], P("/x"), WK_CHILD) == 0);
	CHECK(watch_add(&r, &wc[1], P("/x"), WK_CHILD) == 0);
	watch_round(&r);
	CHECK_EQ_INT(watch_fire(&r, P("/x"), WK_DATA, cb, wc), 1);
	CHECK_EQ_INT(watch_fire(&r, P("/x"), WK_CHILD, cb, wc), 1);
	CHECK_EQ_INT(told[0], 1);
	CHECK_EQ_INT(told[1], 1);
	CHECK_EQ_INT(r.count, 0);	/* the skipped child watch is consumed too */
	watch_free(&r);
}

static void test_drop_and_remove(void)
{
	struct watch_reg r;
	struct watch_conn wc[2] = { { 0 } };
	char path[32];
	int i;

	memset(told, 0, sizeof(told));
	CHECK(watch_init(&r, 0) == 0);
	for (i = 0; i < 1000; i++) {
		int n = snprintf(path, sizeof(path), "/n/%d", i);

		CHECK(watch_add(&r, &wc[i & 1], path, (size_t)n, WK_DATA) == 0);
	}
	CHECK_EQ_INT(watch_paths(&r), 1000);
	CHECK(watch_has(&r, &wc[0], P("/n/10"), WK_DATA));
	CHECK(!watch_has(&r, &wc[1], P("/n/10"), WK_DATA));
	CHECK(!watch_has(&r, &wc[0], P("/n/10"), WK_CHILD));
	CHECK_EQ_INT(watch_remove(&r, &wc[0], P("/n/10"), WK_DATA), 1);
	CHECK_EQ_INT(watch_remove(&r, &wc[0], P("/n/10"), WK_DATA), 0);
	watch_drop_conn(&r, &wc[0]);
	CHECK_EQ_INT(r.count, 500);
	CHECK_EQ_INT(watch_paths(&r), 500);
	watch_round(&r);
	CHECK_EQ_INT(watch_fire(&r, P("/n/11"), WK_DATA, cb, wc), 1);
	CHECK_EQ_INT(watch_fire(&r, P("/n/12"), WK_DATA, cb, wc), 0);
	watch_drop_conn(&r, &wc[1]);
	CHECK_EQ_INT(r.count, 0);
	CHECK_EQ_INT(watch_paths(&r), 0);
	/* reuse after heavy churn (tombstones) */
	for (i = 0; i < 5000; i++) {
		int n = snprintf(path, sizeof(path), "/m/%d", i);

		CHECK(watch_add(&r, &wc[0], path, (size_t)n, WK_CHILD) == 0);
		CHECK_EQ_INT(watch_remove(&r, &wc[0], path, (size_t)n, WK_CHILD), 1);
	}
	CHECK_EQ_INT(r.count, 0);
	watch_free(&r);
}

static void test_limit(void)
{
	struct watch_reg r;
	struct watch_conn wc = { 0 };

	CHECK(watch_init(&r, 2) == 0);
	CHECK(watch_add(&r, &wc, P("/a"), WK_DATA) == 0);
	CHECK(watch_add(&r, &wc, P("/b"), WK_DATA) == 0);
	CHECK(watch_add(&r, &wc, P("/a"), WK_DATA) == 0);	/* duplicate: fine */
	CHECK(watch_add(&r, &wc, P("/c"), WK_DATA) == -1);
	CHECK_EQ_INT(watch_paths(&r), 2);
	watch_drop_conn(&r, &wc);
	watch_free(&r);
}

/* addWatch: persistent watches stay; recursive ones see descendants. */
static void test_persistent_and_recursive(void)
{
	struct watch_reg r;
	struct watch_conn wc[3] = { { 0 } };

	memset(told, 0, sizeof(told));
	CHECK(watch_init(&r, 0) == 0);
	CHECK(watch_add(&r, &wc[0], P("/p"), WK_PERSIST) == 0);
	CHECK(watch_add(&r, &wc[0], P("/p"), WK_DATA) == 0);
	CHECK(watch_add(&r, &wc[1], P("/"), WK_RECURSIVE) == 0);
	CHECK(watch_add(&r, &wc[2], P("/p/q"), WK_RECURSIVE) == 0);
	CHECK_EQ_INT(r.nrec, 2);
	/* one event at /p: the standard and persistent watch tell wc[0] once */
	watch_round(&r);
	CHECK_EQ_INT(watch_fire(&r, P("/p"), WK_DATA, cb, wc), 1);
	CHECK_EQ_INT(watch_fire(&r, P("/p"), WK_PERSIST, cb, wc), 0);
	CHECK_EQ_INT(watch_fire_recursive(&r, P("/p"), cb, wc), 1);
	CHECK_EQ_INT(told[0], 1);
	CHECK_EQ_INT(told[1], 1);
	CHECK_EQ_INT(told[2], 0);
	CHECK(!watch_has(&r, &wc[0], P("/p"), WK_DATA));
	CHECK(watch_has(&r, &wc[0], P("/p"), WK_PERSIST));
	/* again: persistent ones fire again */
	watch_round(&r);
	CHECK_EQ_INT(watch_fire(&r, P("/p"), WK_PERSIST, cb, wc), 1);
	CHECK_EQ_INT(watch_fire_recursive(&r, P("/p/q/r"), cb, wc), 2);
	CHECK_EQ_INT(told[0], 2);
	CHECK_EQ_INT(told[1], 2);
	CHECK_EQ_INT(told[2], 1);
	/* "/p/qq" is not under "/p/q" */
	watch_round(&r);
	CHECK_EQ_INT(watch_fire_recursive(&r, P("/p/qq"), cb, wc), 1);
	CHECK_EQ_INT(told[2], 1);
	watch_drop_conn(&r, &wc[1]);
	watch_drop_conn(&r, &wc[2]);
	CHECK_EQ_INT(r.nrec, 0);
	CHECK_EQ_INT(watch_remove(&r, &wc[0], P("/p"), WK_PERSIST), 1);
	CHECK_EQ_INT(r.count, 0);
	watch_free(&r);
}

struct seen {
	char paths[8][8];
	int npaths;
	int conns[8];		/* per path: connections listed */
	int conn_hits[8][3];	/* per path, per connection */
	struct watch_conn *base;
	int stop_after;		/* stop after this many callbacks (0 = never) */
	int calls;
};

static int on_path(void *arg, const char *path, size_t len)
{
	struct seen *s = arg;

	CHECK(len < sizeof(s->paths[0]) && path[len] == '\0');
	snprintf(s->paths[s->npaths], sizeof(s->paths[0]), "%s", path);
	s->npaths++;
	return s->stop_after && ++s->calls >= s->stop_after ? 7 : 0;
}

static int on_conn(void *arg, const struct watch_conn *wc)
{
	struct seen *s = arg;

	s->conns[s->npaths - 1]++;
	s->conn_hits[s->npaths - 1][wc - s->base]++;
	return s->stop_after && ++s->calls >= s->stop_after ? 7 : 0;
}

static int find_path(const struct seen *s, const char *p)
{
	int i;

	for (i = 0; i < s->npaths; i++)
		if (strcmp(s->paths[i], p) == 0)
			return i;
	return -1;
}

/* Apache's tables: data = data, persistent, recursive; child = child,
 * persistent, recursive. A pair counts once whatever its kinds. */
static void test_listing(void)
{
	struct watch_reg r;
	struct watch_conn wc[3] = { { 0 } };
	struct seen s;
	int i;

	CHECK(watch_init(&r, 0) == 0);
	CHECK(watch_add(&r, &wc[0], P("/a"), WK_DATA) == 0);
	CHECK(watch_add(&r, &wc[0], P("/a"), WK_CHILD) == 0);
	CHECK(watch_add(&r, &wc[0], P("/b"), WK_PERSIST) == 0);
	CHECK(watch_add(&r, &wc[1], P("/a"), WK_DATA) == 0);
	CHECK(watch_add(&r, &wc[1], P("/a"), WK_RECURSIVE) == 0);
	CHECK(watch_add(&r, &wc[1], P("/c"), WK_CHILD) == 0);	/* child only */
	CHECK(watch_add(&r, &wc[2], P("/d"), WK_RECURSIVE) == 0);
	CHECK(watch_in_table(WK_DATA, WTAB_DATA) && !watch_in_table(WK_DATA, WTAB_CHILD));
	CHECK(watch_in_table(WK_CHILD, WTAB_CHILD) && !watch_in_table(WK_CHILD, WTAB_DATA));
	CHECK(watch_in_table(WK_PERSIST, WTAB_DATA) && watch_in_table(WK_PERSIST, WTAB_CHILD));
	CHECK(watch_in_table(WK_RECURSIVE, WTAB_DATA) && watch_in_table(WK_RECURSIVE, WTAB_CHILD));
	CHECK_EQ_INT(watch_conn_pairs(&r, &wc[0], WTAB_DATA), 2);	/* /a /b */
	CHECK_EQ_INT(watch_conn_pairs(&r, &wc[1], WTAB_DATA), 1);	/* /a once */
	CHECK_EQ_INT(watch_conn_pairs(&r, &wc[2], WTAB_DATA), 1);
	CHECK_EQ_INT(watch_conn_pairs(&r, &wc[0], WTAB_CHILD), 2);	/* /a /b */
	CHECK_EQ_INT(watch_conn_pairs(&r, &wc[1], WTAB_CHILD), 2);	/* /a /c */
	CHECK_EQ_INT(watch_table_paths(&r, WTAB_DATA), 3);		/* /a /b /d */
	CHECK_EQ_INT(watch_table_paths(&r, WTAB_CHILD), 4);
	CHECK_EQ_INT(watch_paths(&r), 4);

	memset(&s, 0, sizeof(s));
	s.base = wc;
	CHECK_EQ_INT(watch_conn_each(&r, &wc[1], WTAB_DATA, on_path, &s), 0);
	CHECK_EQ_INT(s.npaths, 1);
	CHECK(strcmp(s.paths[0], "/a") == 0);

	memset(&s, 0, sizeof(s));
	s.base = wc;
	CHECK_EQ_INT(watch_each(&r, WTAB_DATA, on_path, on_conn, &s), 0);
	CHECK_EQ_INT(s.npaths, 3);
	CHECK(find_path(&s, "/c") < 0);
	i = find_path(&s, "/a");
	CHECK(i >= 0);
	CHECK_EQ_INT(s.conns[i], 2);
	CHECK_EQ_INT(s.conn_hits[i][0], 1);
	CHECK_EQ_INT(s.conn_hits[i][1], 1);	/* data + recursive: once */
	i = find_path(&s, "/d");
	CHECK(i >= 0);
	CHECK_EQ_INT(s.conn_hits[i][2], 1);

	memset(&s, 0, sizeof(s));
	s.base = wc;
	CHECK_EQ_INT(watch_each(&r, WTAB_CHILD, on_path, on_conn, &s), 0);
	CHECK_EQ_INT(s.npaths, 4);
	CHECK(find_path(&s, "/c") >= 0);

	/* a non-zero callback stops the walk and is returned */
	memset(&s, 0, sizeof(s));
	s.base = wc;
	s.stop_after = 2;
	CHECK_EQ_INT(watch_each(&r, WTAB_DATA, on_path, on_conn, &s), 7);
	CHECK_EQ_INT(s.calls, 2);

	/* one-shot watches fired are gone from the listing */
	watch_round(&r);
	CHECK_EQ_INT(watch_fire(&r, P("/a"), WK_DATA, cb, wc), 2);
	CHECK_EQ_INT(watch_conn_pairs(&r, &wc[0], WTAB_DATA), 1);	/* /b */
	CHECK_EQ_INT(watch_conn_pairs(&r, &wc[1], WTAB_DATA), 1);	/* /a recursive */
	watch_drop_conn(&r, &wc[1]);
	CHECK_EQ_INT(watch_table_paths(&r, WTAB_DATA), 2);		/* /b /d */
	CHECK_EQ_INT(watch_conn_pairs(&r, &wc[1], WTAB_DATA), 0);
	watch_drop_conn(&r, &wc[0]);
	watch_drop_conn(&r, &wc[2]);
	CHECK_EQ_INT(watch_table_paths(&r, WTAB_DATA), 0);
	CHECK_EQ_INT(watch_each(&r, WTAB_DATA, on_path, on_conn, &s), 0);
	watch_free(&r);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "once_per_conn", test_once_per_conn },
		{ "round_dedup", test_round_dedup },
		{ "drop_and_remove", test_drop_and_remove },
		{ "limit", test_limit },
		{ "persistent_and_recursive", test_persistent_and_recursive },
		{ "listing", test_listing },
		{ NULL, NULL }
	};
	return unit_run("gw_watch", cases);
}
