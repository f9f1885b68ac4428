/* cmd_watch.c: zk watch: print one line per change of a node (its data,
 * existence and child list), or of a whole subtree with --recursive.
 *
 * Standard ZooKeeper watches fire once; the continuous mode re-arms them by
 * reading the node again. Changes between the event and the re-arming are
 * not reported one by one, but the read shows the final state: when the
 * versions jumped by more than one, or the node's existence differs from
 * what the event said, the line is marked "coalesced" (and a synthetic
 * line reports the final state), so the last line always matches the
 * server. --recursive uses a persistent recursive watch (addWatch), and
 * falls back to re-arming over the subtree on servers without it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "zk.h"

#define MAX_KNOWN 10000		/* nodes tracked by the re-arming fallback */
#define ENV_DATA_MAX 65536	/* ZK_DATA is passed only below this size */

struct watch_args {
	const char *path;
	int once, recursive, with_data, verbose, rearm;
	long long count;	/* 0: unlimited */
	int64_t timeout_ms;	/* -1: none */
	char **cmd;
};

struct wstate {
	int exists;
	struct jute_stat st;
};

static long long printed;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_text_data(const struct jute_bytes *d)
{
	/* One line per event: escape what would break the line. */
	for (int32_t i = 0; i < d->len; i++) {
		unsigned char ch = d->p[i];
		if (ch == '\\')
			fputs("\\\\", stdout);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '\t')
			fputs("\\t", stdout);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\x%02x", ch);
		else
			fputc(ch, stdout);
	}
}

static void run_cmd(struct zkc *c, char **cmd, const char *type, const char *path,
    const char *zxid, const struct jute_bytes *data)
{
	char e_type[64], e_path[ZK_PATH_MAX + 16], e_zxid[64];
	char *e_data = NULL;
	char *env[5];
	int k = 0;
	struct zk_child ch;

	snprintf(e_type, sizeof e_type, "ZK_EVENT=%s", type);
	snprintf(e_path, sizeof e_path, "ZK_PATH=%s", path);
	snprintf(e_zxid, sizeof e_zxid, "ZK_ZXID=%s", zxid);
	env[k++] = e_type;
	env[k++] = e_path;
	env[k++] = e_zxid;
	if (data && data->len >= 0 && data->len < ENV_DATA_MAX &&
	    memchr(data->p, 0, (size_t)data->len) == NULL) {
		e_data = malloc((size_t)data->len + 9);
		if (e_data) {
			memcpy(e_data, "ZK_DATA=", 8);
			memcpy(e_data + 8, data->p, (size_t)data->len);
			e_data[8 + data->len] = '\0';
			env[k++] = e_data;
		}
	}
	env[k] = NULL;
	if (zk_child_start(&ch, cmd, env) < 0) {
		fprintf(stderr, "zk: watch: fork: %s\n", strerror(errno));
	} else {
		/* Keep the session alive while the command runs. */
		while (!zk_child_poll(&ch)) {
			if (zkc_idle(c, 100) != ZOK) {
				zk_child_stop(&ch, 2000);
				break;
			}
		}
	}
	free(e_data);
}

static void emit(struct zkc *c, const struct watch_args *a, int type, const char *path,
    int64_t zxid, int coalesced, const struct jute_bytes *data)
{
	char zx[32];

	if (zxid > 0)
		snprintf(zx, sizeof zx, "0x%llx", (unsigned long long)zxid);
	else
		snprintf(zx, sizeof zx, "-");
	if (zk_opt.json) {
		fputs("{\"event\":", stdout);
		zk_json_str(stdout, jute_event_name(type), strlen(jute_event_name(type)));
		fputs(",\"path\":", stdout);
		zk_json_str(stdout, path, strlen(path));
		if (zxid > 0)
			printf(",\"zxid\":%lld", (long long)zxid);
		else
			fputs(",\"zxid\":null", stdout);
		printf(",\"coalesced\":%s", coalesced ? "true" : "false");
		if (a->with_data && data) {
			fputc(',', stdout);
			zk_json_data(stdout, data);
		}
		fputs("}\n", stdout);
	} else {
		printf("%s %s %s%s", jute_event_name(type), path, zx, coalesced ? " coalesced" : "");
		if (a->with_data && data) {
			fputc('\t', stdout);
			print_text_data(data);
		}
		fputc('\n', stdout);
	}
	zk_out_flush();
	printed++;
	if (a->cmd)
		run_cmd(c, a->cmd, jute_event_name(type), path, zx, data);
}

/* Read the node and (unless once) set its data and child watches. On ZOK
 * *data points into the client's reply buffer (valid until the next call). */
static int arm(struct zkc *c, const char *path, int watch, struct wstate *s, struct jute_bytes *data)
{
	for (int attempt = 0; attempt < 10; attempt++) {
		struct jute_stat st;
		int rc;

		rc = watch ? zkc_children(c, path, 1, NULL, NULL) : ZOK;
		if (rc == ZNONODE) {
			rc = zkc_exists(c, path, watch, NULL);
			if (rc == ZOK)
				continue;	/* created in between: read again */
			if (rc != ZNONODE)
				return rc;
			s->exists = 0;
			memset(&s->st, 0, sizeof s->st);
			*data = JUTE_NULL;
			return ZOK;
		}
		if (rc != ZOK)
			return rc;
		rc = zkc_get(c, path, watch, data, &st);
		if (rc == ZNONODE)
			continue;	/* deleted in between */
		if (rc != ZOK)
			return rc;
		s->exists = 1;
		s->st = st;
		return ZOK;
	}
	return ZCONNECTIONLOSS;
}

/* One event on the watched node: print it, re-arm, report coalescing. */
static int on_event(struct zkc *c, const struct watch_args *a, struct wstate *cur, const struct zkc_event *ev)
{
	struct wstate old = *cur;
	struct jute_bytes data = JUTE_NULL;
	int64_t zxid = ev->zxid;
	int co = 0, rc;

	rc = arm(c, a->path, !a->once, cur, &data);
	if (rc != ZOK)
		return rc;
	/* The zxid shown is that of the state just read (so the last line
	 * names the final state even when changes were coalesced); the
	 * event's own zxid only when the node is gone. */
	switch (ev->type) {
	case EV_CREATED:
		if (cur->exists)
			zxid = cur->st.czxid;
		break;
	case EV_DATA_CHANGED:
		if (cur->exists)
			zxid = cur->st.mzxid;
		co = cur->exists && old.exists && cur->st.version > old.st.version + 1;
		break;
	case EV_CHILDREN_CHANGED:
		if (cur->exists)
			zxid = cur->st.pzxid;
		co = cur->exists && old.exists && cur->st.cversion > old.st.cversion + 1;
		break;
	default:
		break;
	}
	emit(c, a, ev->type, a->path, zxid, co, ev->type == EV_DELETED ? NULL : &data);
	if (a->once)
		return ZOK;
	/* The final state disagrees with the event: say what it is now. */
	if (ev->type == EV_DELETED && cur->exists)
		emit(c, a, EV_CREATED, a->path, cur->st.czxid, 1, &data);
	else if (ev->type != EV_DELETED && !cur->exists)
		emit(c, a, EV_DELETED, a->path, -1, 1, NULL);
	return ZOK;
}

/* ---- recursive fallback: re-arm every node of the subtree ---------------- */

static char *known[MAX_KNOWN];
static int nknown;

static int known_find(const char *p)
{
	for (int i = 0; i < nknown; i++)
		if (strcmp(known[i], p) == 0)
			return i;
	return -1;
}

static void known_drop_tree(const char *p)
{
	size_t n = strlen(p);

	for (int i = 0; i < nknown; i++) {
		if (strncmp(known[i], p, n) == 0 && (known[i][n] == '\0' || known[i][n] == '/' ||
		    strcmp(p, "/") == 0)) {
			free(known[i]);
			known[i--] = known[--nknown];
		}
	}
}

/* Arm watches on path and everything under it; report nodes new to us. */
static int walk_arm(struct zkc *c, const struct watch_args *a, const char *path, int report, int depth)
{
	struct wstate s;
	struct jute_bytes data;
	char **names;
	int n, rc;

	if (depth > 1000)
		return ZBADARGUMENTS;
	rc = arm(c, path, 1, &s, &data);
	if (rc != ZOK)
		return rc;
	if (!s.exists)
		return ZOK;
	if (known_find(path) < 0) {
		if (nknown == MAX_KNOWN) {
			fprintf(stderr, "zk: watch: more than %d nodes under %s\n", MAX_KNOWN, a->path);
			return ZSYSTEMERROR;
		}
		known[nknown] = strdup(path);
		if (known[nknown] == NULL)
			return ZSYSTEMERROR;
		nknown++;
		if (report)
			emit(c, a, EV_CREATED, path, s.st.czxid, 0, &data);
	}
	rc = zk_list(c, path, &names, &n);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	for (int i = 0; i < n && rc == ZOK; i++) {
		char full[ZK_PATH_MAX];
		if (zk_join(full, sizeof full, path, names[i]) < 0)
			continue;
		if (known_find(full) < 0)
			rc = walk_arm(c, a, full, report, depth + 1);
	}
	zk_list_free(names, n);
	return rc;
}

static int on_event_fallback(struct zkc *c, const struct watch_args *a, const struct zkc_event *ev)
{
	struct wstate s;
	struct jute_bytes data = JUTE_NULL;
	int rc;

	switch (ev->type) {
	case EV_CHILDREN_CHANGED:
		/* New children are reported by the walk; deleted ones by their
		 * own NodeDeleted. */
		return walk_arm(c, a, ev->path, 1, 0);
	case EV_DELETED:
		emit(c, a, EV_DELETED, ev->path, ev->zxid, 0, NULL);
		known_drop_tree(ev->path);
		if (strcmp(ev->path, a->path) == 0)
			return arm(c, a->path, 1, &s, &data);	/* wait for re-creation */
		return ZOK;
	case EV_CREATED:
		return walk_arm(c, a, ev->path, 1, 0);
	case EV_DATA_CHANGED:
		rc = arm(c, ev->path, 1, &s, &data);
		if (rc != ZOK)
			return rc;
		emit(c, a, EV_DATA_CHANGED, ev->path, ev->zxid > 0 ? ev->zxid : s.st.mzxid, 0,
		    s.exists ? &data : NULL);
		if (!s.exists) {
			emit(c, a, EV_DELETED, ev->path, -1, 1, NULL);
			known_drop_tree(ev->path);
		}
		return ZOK;
	default:
		return ZOK;
	}
}

/* A persistent recursive watch event: add the zxid (and data) by a read. */
static int on_event_recursive(struct zkc *c, const struct watch_args *a, const struct zkc_event *ev)
{
	struct jute_bytes data = JUTE_NULL;
	struct jute_stat st;
	int64_t zxid = ev->zxid;
	int rc = ZNONODE;

	if (ev->type != EV_DELETED && (a->with_data || zxid <= 0)) {
		rc = zkc_get(c, ev->path, 0, &data, &st);
		if (rc != ZOK && rc != ZNONODE)
			return rc;
		if (rc == ZOK && zxid <= 0)
			zxid = ev->type == EV_CREATED ? st.czxid : st.mzxid;
	}
	emit(c, a, ev->type, ev->path, zxid, 0, rc == ZOK ? &data : NULL);
	return ZOK;
}

/* The session is gone (expired, or no server answered in time): start a
 * new one, set the watches again and report what changed meanwhile as
 * coalesced lines, so the final state is still never missed. Returns ZOK,
 * an error, or 1 when told to stop (signal, closed stdout, deadline). */
static int new_session(struct zkc *c, const struct watch_args *a, int mode,
    struct wstate *cur, int64_t deadline, int why)
{
	struct timespec pause = { 1, 0 };
	struct wstate old = *cur;
	struct jute_bytes data;
	int rc;

	fprintf(stderr, "zk: watch %s: %s; starting a new session\n", a->path, jute_err_name(why));
	for (;;) {
		zkc_close(c);
		if (zk_got_signal || zk_stdout_gone() || (deadline >= 0 && mono_ms() >= deadline))
			return 1;
		if (zk_connect_try(c) == ZOK)
			break;
		nanosleep(&pause, NULL);
	}
	if (mode == 1 || mode == 2) {
		fprintf(stderr, "zk: watch %s: changes made without a session were not reported\n",
		    a->path);
		if (mode == 1)
			return zkc_add_watch(c, a->path, AW_PERSISTENT_RECURSIVE);
		known_drop_tree("/");
		return walk_arm(c, a, a->path, 0, 0);
	}
	rc = arm(c, a->path, 1, cur, &data);
	if (rc != ZOK)
		return rc;
	if (old.exists && (!cur->exists || cur->st.czxid != old.st.czxid))
		emit(c, a, EV_DELETED, a->path, -1, 1, NULL);
	if (cur->exists && (!old.exists || cur->st.czxid != old.st.czxid)) {
		emit(c, a, EV_CREATED, a->path, cur->st.czxid, 1, &data);
	} else if (cur->exists) {
		if (cur->st.mzxid != old.st.mzxid)
			emit(c, a, EV_DATA_CHANGED, a->path, cur->st.mzxid, 1, &data);
		if (cur->st.pzxid != old.st.pzxid)
			emit(c, a, EV_CHILDREN_CHANGED, a->path, cur->st.pzxid, 1, &data);
	}
	return ZOK;
}

static int watch_loop(struct zkc *c, const struct watch_args *a, int mode)
{
	int64_t deadline = a->timeout_ms < 0 ? -1 : mono_ms() + a->timeout_ms;
	struct wstate cur;
	struct jute_bytes data;
	int rc, disconnected = 0;

	memset(&cur, 0, sizeof cur);

	if (mode == 0)
		rc = arm(c, a->path, 1, &cur, &data);
	else if (mode == 1)
		rc = ZOK;	/* addWatch was sent by the caller */
	else
		rc = walk_arm(c, a, a->path, 0, 0);
	if (mode == 2 && rc == ZOK && known_find(a->path) < 0)
		rc = arm(c, a->path, 1, &cur, &data);
	if (rc != ZOK)
		return zk_fail(a->path, rc);
	/* Scripts (and tests) can wait for this instead of sleeping. */
	if (a->verbose)
		fprintf(stderr, "zk: watch %s: armed\n", a->path);
	for (;;) {
		struct zkc_event ev;
		int64_t left = deadline < 0 ? 200 : deadline - mono_ms();

		if ((a->count && printed >= a->count) || (a->once && printed > 0))
			return EXIT_OK;
		if (zk_got_signal)
			return EXIT_OK;
		if (zk_stdout_gone())
			return EXIT_OK;	/* `| head -1` finished: quietly done */
		if (deadline >= 0 && left <= 0)
			return (a->count || a->once) ? EXIT_CONN : EXIT_OK;
		rc = zkc_next_event(c, &ev, left > 200 ? 200 : (int)left);
		if (rc == 0)
			continue;
		if (rc == 1 && ev.type == EV_NONE) {
			if (ev.state == ST_DISCONNECTED)
				disconnected = 1;
			if (ev.state == ST_SYNC_CONNECTED && disconnected && mode == 1)
				fprintf(stderr, "zk: watch %s: reconnected; changes made while "
				    "disconnected were not reported\n", a->path);
			if (ev.state == ST_SYNC_CONNECTED)
				disconnected = 0;
			zkc_event_free(&ev);
			continue;
		}
		if (rc == 1) {
			if (mode == 0)
				rc = strcmp(ev.path, a->path) == 0 ? on_event(c, a, &cur, &ev) : ZOK;
			else if (mode == 1)
				rc = on_event_recursive(c, a, &ev);
			else
				rc = on_event_fallback(c, a, &ev);
			zkc_event_free(&ev);
		}
		/* From waiting or from re-reading: the session is gone. */
		if (rc == ZSESSIONEXPIRED || rc == ZCONNECTIONLOSS) {
			rc = new_session(c, a, mode, &cur, deadline, rc);
			if (rc < 0)
				return zk_fail(a->path, rc);
			continue;	/* 1 (stop) is handled at the top */
		}
		if (rc != ZOK)
			return zk_fail(a->path, rc);
	}
}

int cmd_watch(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "once", no_argument, NULL, '1' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "data", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "rearm", no_argument, NULL, 'R' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	struct watch_args a = { NULL, 0, 0, 0, 0, 0, 0, -1, NULL };
	struct zkc c;
	int ch, dd, rc, mode;

	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	if (dd < argc) {
		if (dd == argc - 1)
			return zk_usage("missing COMMAND after --");
		a.cmd = argv + dd + 1;
	}
	while ((ch = getopt_long(dd, argv, "rdvn:", lo, NULL)) != -1) {
		switch (ch) {
		case '1': a.once = 1; break;
		case 'r': a.recursive = 1; break;
		case 'd': a.with_data = 1; break;
		case 'v': a.verbose = 1; break;
		case 'R': a.rearm = 1; break;
		case 'n': a.count = zk_num("--count", optarg, 1, 1LL << 60); break;
		case 'T': {
			char *end;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || v < 0 || v > 1e7)
				return zk_usage("bad value for --timeout: '%s' (seconds)", optarg);
			a.timeout_ms = (int64_t)(v * 1000);
			break;
		}
		default:
			if (!zk_common_opt(ch, optarg))
				return zk_usage("bad option");
		}
	}
	if (optind + 1 != dd)
		return zk_usage("want one PATH");
	a.path = argv[optind];
	if (!zk_path_ok(a.path))
		return zk_usage("bad path '%s'", a.path);
	if (a.once && a.recursive)
		return zk_usage("--once and --recursive do not combine");
	if (a.rearm && !a.recursive)
		return zk_usage("--rearm goes with --recursive");
	zk_signals();
	zk_connect(&c);
	mode = 0;
	if (a.recursive && a.rearm) {
		mode = 2;
	} else if (a.recursive) {
		mode = 1;
		rc = zkc_add_watch(&c, a.path, AW_PERSISTENT_RECURSIVE);
		if (rc == ZUNIMPLEMENTED) {
			fprintf(stderr, "zk: watch: server lacks addWatch; re-arming over the subtree\n");
			mode = 2;
		} else if (rc != ZOK) {
			rc = zk_fail(a.path, rc);
			zkc_close(&c);
			return rc;
		}
	}
	rc = watch_loop(&c, &a, mode);
	zkc_close(&c);
	return rc;
}
