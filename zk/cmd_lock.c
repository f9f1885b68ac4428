/* cmd_lock.c: zk lock and zk elect: run a command while holding a lock (or
 * a permit of a semaphore, or the leadership of an election).
 *
 * Recipe: an EPHEMERAL_SEQUENTIAL node PATH/<prefix><session>-NNNNNNNNNN;
 * the holders are the `limit` lowest sequence numbers. A waiter watches only
 * its predecessor (no herd effect); with --limit > 1 it watches the child
 * list instead, since any holder leaving can let it in. The session id in
 * the name lets us find our node again after a connection loss during the
 * create. The node's czxid is the fencing token: it grows with every grant.
 * The command is killed (TERM, then KILL) if the session is lost or our
 * node is deleted, and it cannot outlive zk itself (PDEATHSIG). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "zk.h"

#define KILL_GRACE_MS 5000

struct lock_args {
	const char *path;
	int nonblock;
	int64_t timeout_ms;	/* -1: wait forever */
	int limit;
	const char *prefix;
	const char *data;
	char **cmd;
	int grace_ms;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t secs_ms(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 1e7)
		exit(zk_usage("bad value for %s: '%s' (seconds)", opt, s));
	return (int64_t)(v * 1000);
}

/* Sequence suffix (the last 10 characters) of a lock node name. */
static long long seq_of(const char *name)
{
	size_t n = strlen(name);

	return n >= 10 ? atoll(name + n - 10) : -1;
}

static int cmp_seq(const void *a, const void *b)
{
	long long x = seq_of(*(char *const *)a), y = seq_of(*(char *const *)b);

	return x < y ? -1 : x > y;
}

/* Our contenders only: names starting with our prefix. */
static int list_contenders(struct zkc *c, const struct lock_args *a, char ***names, int *n)
{
	int rc = zk_list(c, a->path, names, n), k = 0;
	size_t pl = strlen(a->prefix);

	if (rc != ZOK)
		return rc;
	for (int i = 0; i < *n; i++) {
		if (strncmp((*names)[i], a->prefix, pl) == 0)
			(*names)[k++] = (*names)[i];
		else
			free((*names)[i]);
	}
	*n = k;
	qsort(*names, (size_t)k, sizeof **names, cmp_seq);
	return ZOK;
}

/* Create our node; after a connection loss, look for it by session id. */
static int make_node(struct zkc *c, const struct lock_args *a, char *mine, size_t cap)
{
	char base[ZK_PATH_MAX], tag[40];
	int rc = ZCONNECTIONLOSS;

	snprintf(tag, sizeof tag, "%s%016llx-", a->prefix, (unsigned long long)c->session_id);
	if (zk_join(base, sizeof base, a->path, tag) < 0)
		return ZBADARGUMENTS;
	for (int attempt = 0; attempt < 3 && rc == ZCONNECTIONLOSS; attempt++) {
		char **names;
		int n;

		rc = zkc_create(c, base, a->data, (int32_t)strlen(a->data), NULL,
		    CM_EPHEMERAL_SEQUENTIAL, 0, mine, cap, NULL);
		if (rc != ZCONNECTIONLOSS)
			break;
		if (list_contenders(c, a, &names, &n) != ZOK)
			continue;
		for (int i = 0; i < n; i++) {
			if (strncmp(names[i], tag, strlen(tag)) == 0 &&
			    zk_join(mine, cap, a->path, names[i]) == 0)
				rc = ZOK;
		}
		zk_list_free(names, n);
	}
	return rc;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

enum { WAIT_GOT, WAIT_EVENT, WAIT_TIMEOUT, WAIT_SIGNAL, WAIT_LOST };

/* Wait for any event (or the deadline, or a signal). */
static int wait_event(struct zkc *c, int64_t deadline)
{
	for (;;) {
		struct zkc_event ev;
		int64_t left = deadline < 0 ? 200 : deadline - mono_ms();
		int rc;

		if (zk_got_signal)
			return WAIT_SIGNAL;
		if (deadline >= 0 && left <= 0)
			return WAIT_TIMEOUT;
		rc = zkc_next_event(c, &ev, left > 200 ? 200 : (int)left);
		if (rc < 0)
			return WAIT_LOST;
		if (rc == 1) {
			int type = ev.type, state = ev.state;
			zkc_event_free(&ev);
			if (state == ST_EXPIRED)
				return WAIT_LOST;
			if (type != EV_NONE)
				return WAIT_EVENT;
		}
	}
}

/* Block until we hold one of the `limit` slots. WAIT_GOT, or why not. */
static int acquire(struct zkc *c, const struct lock_args *a, const char *mine, char *holder, size_t hcap)
{
	int64_t deadline = a->timeout_ms < 0 ? -1 : mono_ms() + a->timeout_ms;

	for (;;) {
		char **names;
		int n, i, rc, w;

		if ((rc = list_contenders(c, a, &names, &n)) != ZOK)
			return WAIT_LOST;
		for (i = 0; i < n && strcmp(names[i], base_name(mine)) != 0; i++)
			;
		if (i == n) {
			zk_list_free(names, n);
			return WAIT_LOST;	/* our node is gone: session lost */
		}
		if (i < a->limit) {
			zk_list_free(names, n);
			return WAIT_GOT;
		}
		snprintf(holder, hcap, "%s", names[0]);
		if (a->nonblock) {
			zk_list_free(names, n);
			return WAIT_TIMEOUT;
		}
		if (a->limit == 1) {
			char pred[ZK_PATH_MAX];
			rc = zk_join(pred, sizeof pred, a->path, names[i - 1]) < 0 ? ZBADARGUMENTS :
			    zkc_exists(c, pred, 1, NULL);
		} else {
			rc = zkc_children(c, a->path, 1, NULL, NULL);
		}
		zk_list_free(names, n);
		if (rc == ZNONODE)
			continue;	/* predecessor left already */
		if (rc != ZOK)
			return WAIT_LOST;
		w = wait_event(c, deadline);
		if (w != WAIT_EVENT)
			return w;
	}
}

static int run_locked(struct lock_args *a)
{
	struct zkc c;
	struct zk_child ch;
	struct jute_stat st;
	char mine[ZK_PATH_MAX], holder[ZK_PATH_MAX] = "";
	char env_path[ZK_PATH_MAX + 32], env_token[64], env_seq[64], env_id[1100];
	char *env[5];
	int rc, lost = 0;

	zk_signals();
	zk_connect(&c);
	rc = zk_mkparents(&c, a->path);
	if (rc == ZOK) {
		rc = zkc_create(&c, a->path, "", 0, NULL, CM_PERSISTENT, 0, NULL, 0, NULL);
		if (rc == ZNODEEXISTS)
			rc = ZOK;
	}
	if (rc == ZOK)
		rc = make_node(&c, a, mine, sizeof mine);
	if (rc != ZOK) {
		rc = zk_fail(a->path, rc);
		zkc_close(&c);
		return rc;
	}
	rc = acquire(&c, a, mine, holder, sizeof holder);
	if (rc != WAIT_GOT) {
		int code = EXIT_CONN;
		if (rc == WAIT_TIMEOUT) {
			fprintf(stderr, "zk: %s %s: %s (held by %s)\n", zk_opt.verb, a->path,
			    a->nonblock ? "busy" : "timed out", holder);
			code = EXIT_BUSY;
		} else if (rc == WAIT_SIGNAL) {
			code = 128 + zk_got_signal;
		} else {
			fprintf(stderr, "zk: %s %s: session lost while waiting\n", zk_opt.verb, a->path);
		}
		(void)zkc_delete(&c, mine, -1);
		zkc_close(&c);
		return code;
	}
	/* Watch our own node: if it is deleted, we no longer hold anything. */
	rc = zkc_exists(&c, mine, 1, &st);
	if (rc != ZOK) {
		rc = zk_fail(mine, rc);
		zkc_close(&c);
		return rc;
	}
	snprintf(env_path, sizeof env_path, "ZK_LOCK_NODE=%s", mine);
	snprintf(env_token, sizeof env_token, "ZK_FENCING_TOKEN=%lld", (long long)st.czxid);
	snprintf(env_seq, sizeof env_seq, "ZK_LOCK_SEQ=%lld", seq_of(mine));
	snprintf(env_id, sizeof env_id, "ZK_LOCK_PATH=%s", a->path);
	env[0] = env_path;
	env[1] = env_token;
	env[2] = env_seq;
	env[3] = env_id;
	env[4] = NULL;
	if (zk_child_start(&ch, a->cmd, env) < 0) {
		fprintf(stderr, "zk: %s: fork: %s\n", zk_opt.verb, strerror(errno));
		(void)zkc_delete(&c, mine, -1);
		zkc_close(&c);
		return EXIT_SERVER;
	}
	while (!zk_child_poll(&ch)) {
		struct zkc_event ev;

		if (zk_got_signal) {
			/* Pass INT/TERM/HUP on; we release when it exits. */
			kill(ch.pid, zk_got_signal);
			zk_got_signal = 0;
		}
		rc = zkc_next_event(&c, &ev, 100);
		if (rc < 0 || zkc_session_overdue(&c)) {
			if (rc == 1)
				zkc_event_free(&ev);
			lost = 1;
			break;
		}
		if (rc == 1) {
			if (ev.state == ST_EXPIRED ||
			    (ev.type == EV_DELETED && strcmp(ev.path, mine) == 0))
				lost = 1;
			else if (ev.type != EV_NONE && strcmp(ev.path, mine) == 0)
				(void)zkc_exists(&c, mine, 1, NULL);	/* re-arm */
			zkc_event_free(&ev);
			if (lost)
				break;
		}
	}
	if (lost) {
		fprintf(stderr, "zk: %s %s: session or lock node lost; stopping the command\n",
		    zk_opt.verb, a->path);
		zk_child_stop(&ch, a->grace_ms);
		zkc_close(&c);
		return EXIT_CONN;
	}
	(void)zkc_delete(&c, mine, -1);
	zkc_close(&c);
	return zk_child_code(&ch);
}

/* Shared option parsing for lock and elect. */
static int parse(int argc, char **argv, struct lock_args *a, int elect)
{
	static const struct option lo[] = {
		{ "timeout", required_argument, NULL, 'T' },
		{ "limit", required_argument, NULL, 'L' },
		{ "nonblock", no_argument, NULL, 'n' },
		{ "id", required_argument, NULL, 'I' },
		{ "kill-after", required_argument, NULL, 'K' },
		ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	int ch, dd;

	/* Only what comes before "--" is ours; the rest is the command. */
	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	while ((ch = getopt_long(dd, argv, "n", lo, NULL)) != -1) {
		switch (ch) {
		case 'T': a->timeout_ms = secs_ms("--timeout", optarg); break;
		case 'L':
			if (elect)
				return zk_usage("--limit is for lock");
			a->limit = (int)zk_num("--limit", optarg, 1, 100000);
			break;
		case 'n': a->nonblock = 1; break;
		case 'I': a->data = optarg; break;
		case 'K': a->grace_ms = (int)secs_ms("--kill-after", optarg); break;
		default:
			if (!zk_common_opt(ch, optarg))
				return zk_usage("bad option");
		}
	}
	if (dd >= argc - 1)
		return zk_usage("missing -- COMMAND");
	a->cmd = argv + dd + 1;
	if (optind + 1 != dd)
		return zk_usage("want one PATH before --");
	a->path = argv[optind];
	if (!zk_path_ok(a->path) || strcmp(a->path, "/") == 0)
		return zk_usage("bad path '%s'", a->path);
	return 0;
}

int cmd_lock(int argc, char **argv)
{
	struct lock_args a = { NULL, 0, -1, 1, "lock-", "", NULL, KILL_GRACE_MS };
	int rc = parse(argc, argv, &a, 0);

	return rc ? rc : run_locked(&a);
}

int cmd_elect(int argc, char **argv)
{
	static char id[300];
	struct lock_args a = { NULL, 0, -1, 1, "n_", NULL, NULL, KILL_GRACE_MS };
	char host[256];
	int rc = parse(argc, argv, &a, 1);

	if (rc)
		return rc;
	if (a.data == NULL) {
		/* The candidate's identity, readable with `zk get` on its node. */
		if (gethostname(host, sizeof host) < 0)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		snprintf(id, sizeof id, "%s:%ld", host, (long)getpid());
		a.data = id;
	}
	return run_locked(&a);
}
