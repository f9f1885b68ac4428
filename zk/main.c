/* main.c: zk, a ZooKeeper command-line tool: global options, the verb
 * table, connecting, and the mapping of errors to exit codes. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zk.h"

struct zk_opts zk_opt;

static const struct verb {
	const char *name;
	int (*fn)(int, char **);
	const char *synopsis;
} verbs[] = {
	{ "get", cmd_get, "get [--stat] PATH" },
	{ "set", cmd_set, "set [-v VERSION] [--stat] PATH DATA|-" },
	{ "create", cmd_create, "create [-p] [-e] [-s] [-c] [-t TTL_MS] [--acl ACL] [--stat] PATH [DATA|-]" },
	{ "rm", cmd_rm, "rm [-r] [-v VERSION] PATH" },
	{ "ls", cmd_ls, "ls [-R] [-l] PATH" },
	{ "stat", cmd_stat, "stat PATH" },
	{ "exists", cmd_exists, "exists PATH" },
	{ "watch", cmd_watch, "watch [--once] [--recursive [--rearm]] [--data] [--count N] [--timeout SECS] [-v] PATH [-- CMD...]" },
	{ "lock", cmd_lock, "lock [-n] [--timeout SECS] [--limit N] [--kill-after SECS] PATH -- CMD..." },
	{ "elect", cmd_elect, "elect [--id ID] [--timeout SECS] [--kill-after SECS] PATH -- CMD..." },
	{ "acl", cmd_acl, "acl get PATH | acl set [-v VERSION] PATH ACL" },
	{ "sync", cmd_sync, "sync PATH" },
	{ "dump", cmd_dump, "dump PATH" },
	{ "load", cmd_load, "load [--force] PATH [FILE|-]" },
	{ NULL, NULL, NULL }
};

static void usage(FILE *f)
{
	fprintf(f, "usage: zk [-s HOSTS] [--session-timeout MS] [--connect-timeout MS]\n"
	    "          [--auth USER:PASS | --auth-file FILE] [--json] VERB ARGS...\n"
	    "verbs:\n");
	for (const struct verb *v = verbs; v->name; v++)
		fprintf(f, "  zk %s\n", v->synopsis);
	fprintf(f, "HOSTS defaults to $ZK_HOSTS, then 127.0.0.1:2181. See zk(1).\n");
}

int zk_exit_code(int err)
{
	switch (err) {
	case ZOK:
		return EXIT_OK;
	case ZNONODE:
		return EXIT_NONODE;
	case ZBADVERSION:
		return EXIT_BADVERSION;
	case ZNODEEXISTS:
		return EXIT_EXISTS;
	case ZNOTEMPTY:
		return EXIT_NOTEMPTY;
	case ZNOAUTH: case ZAUTHFAILED:
		return EXIT_NOAUTH;
	case ZCONNECTIONLOSS: case ZOPERATIONTIMEOUT: case ZSESSIONEXPIRED:
	case ZSESSIONMOVED: case ZREQUESTTIMEOUT:
		return EXIT_CONN;
	default:
		return EXIT_SERVER;
	}
}

int zk_fail(const char *path, int err)
{
	fprintf(stderr, "zk: %s %s: %s\n", zk_opt.verb ? zk_opt.verb : "",
	    path ? path : "", jute_err_name(err));
	return zk_exit_code(err);
}

int zk_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "zk: %s: ", zk_opt.verb ? zk_opt.verb : "usage");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (const struct verb *v = verbs; v->name; v++)
		if (zk_opt.verb && strcmp(v->name, zk_opt.verb) == 0)
			fprintf(stderr, "usage: zk %s\n", v->synopsis);
	return EXIT_USAGE;
}

int zk_help(void)
{
	for (const struct verb *v = verbs; v->name; v++)
		if (zk_opt.verb && strcmp(v->name, zk_opt.verb) == 0)
			printf("usage: zk %s\nSee zk-%s(1).\n", v->synopsis, v->name);
	return EXIT_OK;
}

long long zk_num(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		exit(zk_usage("bad value for %s: '%s'", opt, s));
	return v;
}

static int read_auth_file(const char *file, char *out, size_t cap)
{
	FILE *f = fopen(file, "r");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "zk: auth file %s: %s\n", file, strerror(errno));
		return -1;
	}
	if (fgets(out, (int)cap, f) == NULL) {
		fprintf(stderr, "zk: auth file %s: empty\n", file);
		fclose(f);
		return -1;
	}
	fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	return 0;
}

int zk_connect_try(struct zkc *c)
{
	char cred[1024];
	const char *auth = zk_opt.auth;
	int rc;

	rc = zkc_open(c, zk_opt.hosts, zk_opt.session_timeout_ms, zk_opt.connect_timeout_ms);
	if (rc == ZBADARGUMENTS) {
		fprintf(stderr, "zk: bad server list '%s'\n", zk_opt.hosts);
		exit(EXIT_USAGE);
	}
	if (rc != ZOK) {
		zkc_close(c);
		return rc;
	}
	if (zk_opt.auth_file) {
		if (read_auth_file(zk_opt.auth_file, cred, sizeof cred) < 0) {
			zkc_close(c);
			exit(EXIT_USAGE);
		}
		auth = cred;
	}
	if (auth) {
		if (strchr(auth, ':') == NULL) {
			zkc_close(c);
			exit(zk_usage("--auth wants USER:PASS"));
		}
		rc = zkc_add_auth(c, "digest", auth, strlen(auth));
		if (rc != ZOK) {
			zkc_close(c);
			return rc;
		}
	}
	return ZOK;
}

void zk_connect(struct zkc *c)
{
	int rc = zk_connect_try(c);

	if (rc != ZOK) {
		fprintf(stderr, "zk: %s: cannot connect to %s: %s\n", zk_opt.verb,
		    zk_opt.hosts, jute_err_name(rc));
		exit(zk_exit_code(rc));
	}
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "session-timeout", required_argument, NULL, 'T' },
		{ "connect-timeout", required_argument, NULL, 'C' },
		{ "auth", required_argument, NULL, 'a' },
		{ "auth-file", required_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	/* Writes to a closed pipe come back as EPIPE; we exit quietly then. */
	signal(SIGPIPE, SIG_IGN);
	zk_opt.hosts = getenv("ZK_HOSTS");
	if (zk_opt.hosts == NULL || *zk_opt.hosts == '\0')
		zk_opt.hosts = "127.0.0.1:2181";
	zk_opt.session_timeout_ms = 10000;
	zk_opt.connect_timeout_ms = 2000;
	/* '+': global options end at the verb; verbs parse their own. */
	while ((ch = getopt_long(argc, argv, "+s:jh", lopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			zk_opt.hosts = optarg;
			break;
		case 'T':
			zk_opt.session_timeout_ms = (int)zk_num("--session-timeout", optarg, 1, 3600000);
			break;
		case 'C':
			zk_opt.connect_timeout_ms = (int)zk_num("--connect-timeout", optarg, 1, 600000);
			break;
		case 'a':
			zk_opt.auth = optarg;
			break;
		case 'A':
			zk_opt.auth_file = optarg;
			break;
		case 'j':
			zk_opt.json = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (const struct verb *v = verbs; v->name; v++) {
		if (strcmp(v->name, argv[optind]) == 0) {
			int rc;
			zk_opt.verb = v->name;
			argv += optind;
			argc -= optind;
			optind = 0;	/* full getopt reset for the verb */
			rc = v->fn(argc, argv);
			zk_out_flush();
			return rc;
		}
	}
	fprintf(stderr, "zk: unknown verb '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
