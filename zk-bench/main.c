/* main.c: zk-bench command line. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: zk-bench [options] MODE\n"
"  MODE: get | set | create | mix | latency\n"
"  -s, --server HOST:PORT   server (default 127.0.0.1:2181)\n"
"  -c, --conns N            connections, each its own session (default 16)\n"
"  -d, --depth N            requests in flight per connection (default 32)\n"
"  -n, --ops N              stop after N replies (bounded by -t, default 600 s)\n"
"  -t, --time SECS          measure for SECS (default 10 without -n)\n"
"  -w, --warmup SECS        unrecorded load first (default 0)\n"
"      --size BYTES         value size (default 1024)\n"
"      --keys N             znodes read/written by get, set, mix (default 1000)\n"
"      --read-pct P         mix: percent of reads (default 90)\n"
"      --op get|set         latency: the operation (default get)\n"
"      --prefix PATH        parent znode of everything created (default /zk-bench)\n"
"      --pids PID,...       server processes: CPU per op and RSS from /proc\n"
"      --settle SECS        with --pids: sample memory again after SECS idle\n"
"      --json               one JSON object on stdout\n"
"latency mode is 1 connection, 1 request in flight: the round trip.\n");
}

/* A bad option is a permanent failure: exit 100, not fatalx's 111. */
static void __attribute__((noreturn, format(printf, 1, 2))) bad_arg(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	warnx("%s", msg);
	exit(100);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_secs(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 86400)
		return -1;
	*out = v;
	return 0;
}

static int parse_server(const char *s, struct bench_opts *o)
{
	const char *colon = strrchr(s, ':');
	size_t hl = colon ? (size_t)(colon - s) : strlen(s);
	long port = 2181;

	if (hl == 0 || hl >= sizeof o->host)
		return -1;
	if (colon && parse_long(colon + 1, 1, 65535, &port) < 0)
		return -1;
	memcpy(o->host, s, hl);
	o->host[hl] = 0;
	o->port = (int)port;
	return 0;
}

static int parse_pids(const char *s, struct bench_opts *o)
{
	char buf[1024], *save = NULL, *tok;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long v;
		if (o->npids == BENCH_MAX_PIDS || parse_long(tok, 1, INT_MAX, &v) < 0)
			return -1;
		o->pids[o->npids++] = (pid_t)v;
	}
	return o->npids > 0 ? 0 : -1;
}

static int parse_mode(const char *s, struct bench_opts *o)
{
	static const struct { const char *name; enum bench_mode m; } t[] = {
		{ "get", MODE_GET }, { "set", MODE_SET }, { "create", MODE_CREATE },
		{ "mix", MODE_MIX }, { "latency", MODE_LATENCY },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(s, t[i].name) == 0) {
			o->mode = t[i].m;
			return 0;
		}
	return -1;
}

/* A znode path we can append "/k123" to: absolute, no trailing or double
 * slash, not the root. */
static int valid_prefix(const char *p)
{
	size_t n = strlen(p);

	if (n < 2 || n > BENCH_PATH_MAX - 48 || p[0] != '/' || p[n - 1] == '/')
		return 0;
	return strstr(p, "//") == NULL;
}

enum { O_SIZE = 256, O_KEYS, O_READ, O_OP, O_PREFIX, O_PIDS, O_JSON, O_SETTLE };

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "server", required_argument, NULL, 's' },
		{ "conns", required_argument, NULL, 'c' },
		{ "depth", required_argument, NULL, 'd' },
		{ "ops", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "size", required_argument, NULL, O_SIZE },
		{ "keys", required_argument, NULL, O_KEYS },
		{ "read-pct", required_argument, NULL, O_READ },
		{ "op", required_argument, NULL, O_OP },
		{ "prefix", required_argument, NULL, O_PREFIX },
		{ "pids", required_argument, NULL, O_PIDS },
		{ "json", no_argument, NULL, O_JSON },
		{ "settle", required_argument, NULL, O_SETTLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o;
	struct bench_result *r;
	int ch, have_time = 0;
	long v;

	log_init("zk-bench", LOG_LVL_WARN);
	memset(&o, 0, sizeof o);
	strcpy(o.host, "127.0.0.1");
	o.port = 2181;
	o.conns = 16;
	o.depth = 32;
	o.size = 1024;
	o.keys = 1000;
	o.read_pct = 90;
	o.lat_op = OP_GETDATA;
	o.session_ms = 30000;
	o.connect_ms = 10000;
	strcpy(o.prefix, "/zk-bench");

	while ((ch = getopt_long(argc, argv, "s:c:d:n:t:w:h", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (parse_server(optarg, &o) < 0)
				bad_arg("bad server %s (HOST:PORT)", optarg);
			break;
		case 'c':
			if (parse_long(optarg, 1, BENCH_MAX_CONNS, &v) < 0)
				bad_arg("bad connection count %s (1..%d)", optarg, BENCH_MAX_CONNS);
			o.conns = (int)v;
			break;
		case 'd':
			if (parse_long(optarg, 1, BENCH_MAX_DEPTH, &v) < 0)
				bad_arg("bad depth %s (1..%d)", optarg, BENCH_MAX_DEPTH);
			o.depth = (int)v;
			break;
		case 'n':
			if (parse_long(optarg, 1, LONG_MAX, &v) < 0)
				bad_arg("bad op count %s", optarg);
			o.ops = (uint64_t)v;
			break;
		case 't':
			if (parse_secs(optarg, &o.secs) < 0 || o.secs <= 0)
				bad_arg("bad time %s (seconds, at most 86400)", optarg);
			have_time = 1;
			break;
		case 'w':
			if (parse_secs(optarg, &o.warmup) < 0)
				bad_arg("bad warm-up %s (seconds)", optarg);
			break;
		case O_SIZE:
			if (parse_long(optarg, 0, BENCH_MAX_SIZE - 4096, &v) < 0)
				bad_arg("bad size %s (0..%d)", optarg, BENCH_MAX_SIZE - 4096);
			o.size = (int)v;
			break;
		case O_KEYS:
			if (parse_long(optarg, 1, BENCH_MAX_KEYS, &v) < 0)
				bad_arg("bad key count %s (1..%d)", optarg, BENCH_MAX_KEYS);
			o.keys = (int)v;
			break;
		case O_READ:
			if (parse_long(optarg, 0, 100, &v) < 0)
				bad_arg("bad read percentage %s (0..100)", optarg);
			o.read_pct = (int)v;
			break;
		case O_OP:
			if (strcmp(optarg, "get") == 0)
				o.lat_op = OP_GETDATA;
			else if (strcmp(optarg, "set") == 0)
				o.lat_op = OP_SETDATA;
			else
				bad_arg("bad --op %s (get or set)", optarg);
			break;
		case O_PREFIX:
			if (!valid_prefix(optarg))
				bad_arg("bad prefix %s", optarg);
			strcpy(o.prefix, optarg);
			break;
		case O_PIDS:
			if (parse_pids(optarg, &o) < 0)
				bad_arg("bad --pids %s (PID,PID,... at most %d)", optarg,
				       BENCH_MAX_PIDS);
			break;
		case O_SETTLE:
			if (parse_secs(optarg, &o.settle) < 0 || o.settle > 600)
				bad_arg("bad settle time %s (seconds, at most 600)", optarg);
			break;
		case O_JSON:
			o.json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 100;
		}
	}
	if (optind != argc - 1 || parse_mode(argv[optind], &o) < 0) {
		usage(stderr);
		return 100;
	}
	if (o.mode == MODE_LATENCY) {
		/* One request in flight: each reply time is a full round trip. */
		o.conns = 1;
		o.depth = 1;
	}
	if (!have_time)
		o.secs = o.ops ? BENCH_DEFAULT_CAP_SECS : 10.0;
	/* The server may close a connection mid-send; that is reported as a
	 * lost connection, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	r = malloc(sizeof *r);
	if (!r)
		fatalx("out of memory");
	if (bench_run(&o, r) < 0) {
		free(r);
		return 1;
	}
	if (o.json) {
		if (report_json(&o, r) < 0) {
			free(r);
			return 1;
		}
	} else {
		report_text(&o, r);
	}
	free(r);
	return 0;
}
