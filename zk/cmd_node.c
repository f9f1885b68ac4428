/* cmd_node.c: the single-node verbs: get, set, create, stat, exists, sync,
 * acl get/set. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "zk.h"

/* One positional PATH argument check shared by the verbs. */
static int need_path(int argc, char **argv, int at)
{
	if (at >= argc)
		return zk_usage("missing PATH");
	if (!zk_path_ok(argv[at]) && strcmp(argv[at], "/") != 0)
		return zk_usage("bad path '%s'", argv[at]);
	return 0;
}

int cmd_get(int argc, char **argv)
{
	static const struct option lo[] = { { "stat", no_argument, NULL, 'S' },
		ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	int ch, want_stat = 0, rc;
	struct zkc c;
	struct jute_bytes data;
	struct jute_stat st;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch == 'S')
			want_stat = 1;
		else if (!zk_common_opt(ch, optarg))
			return zk_usage("bad option");
	}
	if ((rc = need_path(argc, argv, optind)) || optind + 1 != argc)
		return rc ? rc : zk_usage("too many arguments");
	zk_connect(&c);
	rc = zkc_get(&c, argv[optind], 0, &data, &st);
	if (rc != ZOK) {
		rc = zk_fail(argv[optind], rc);
		zkc_close(&c);
		return rc;
	}
	if (zk_opt.json) {
		fputs("{\"path\":", stdout);
		zk_json_str(stdout, argv[optind], strlen(argv[optind]));
		fputc(',', stdout);
		zk_json_data(stdout, &data);
		fputs(",\"stat\":", stdout);
		zk_json_stat(stdout, &st);
		fputs("}\n", stdout);
	} else {
		/* Raw bytes, nothing added; the Stat goes to stderr so that
		 * stdout stays exactly the node's data. */
		if (data.len > 0)
			fwrite(data.p, 1, (size_t)data.len, stdout);
		if (want_stat)
			zk_print_stat_text(stderr, &st);
	}
	zk_out_flush();
	zkc_close(&c);
	return EXIT_OK;
}

int cmd_set(int argc, char **argv)
{
	static const struct option lo[] = { { "stat", no_argument, NULL, 'S' },
		{ "version", required_argument, NULL, 'v' },
		ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	int ch, want_stat = 0, rc;
	int32_t version = -1;
	struct zkc c;
	struct jute_stat st;
	uint8_t *data;
	size_t len;

	while ((ch = getopt_long(argc, argv, "v:", lo, NULL)) != -1) {
		if (ch == 'S')
			want_stat = 1;
		else if (ch == 'v')
			version = (int32_t)zk_num("-v", optarg, -1, INT32_MAX);
		else if (!zk_common_opt(ch, optarg))
			return zk_usage("bad option");
	}
	if ((rc = need_path(argc, argv, optind)))
		return rc;
	if (optind + 2 != argc)
		return zk_usage("want PATH and DATA (or - for stdin)");
	if (zk_data_arg(argv[optind + 1], &data, &len) < 0)
		return EXIT_USAGE;
	zk_connect(&c);
	rc = zkc_set(&c, argv[optind], data, (int32_t)len, version, &st);
	free(data);
	if (rc != ZOK) {
		rc = zk_fail(argv[optind], rc);
		zkc_close(&c);
		return rc;
	}
	if (zk_opt.json) {
		fputs("{\"path\":", stdout);
		zk_json_str(stdout, argv[optind], strlen(argv[optind]));
		fputs(",\"stat\":", stdout);
		zk_json_stat(stdout, &st);
		fputs("}\n", stdout);
	} else if (want_stat) {
		zk_print_stat_text(stdout, &st);
	}
	zkc_close(&c);
	return EXIT_OK;
}

int cmd_create(int argc, char **argv)
{
	static const struct option lo[] = { { "stat", no_argument, NULL, 'S' },
		{ "parents", no_argument, NULL, 'p' },
		{ "ephemeral", no_argument, NULL, 'e' },
		{ "sequential", no_argument, NULL, 's' },
		{ "container", no_argument, NULL, 'c' },
		{ "ttl", required_argument, NULL, 't' },
		{ "acl", required_argument, NULL, 'A' },
		ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	int ch, want_stat = 0, parents = 0, eph = 0, seq = 0, cont = 0, rc, nacl = 0;
	long long ttl = 0;
	const char *acl_text = NULL;
	struct jute_acl *acl = NULL;
	struct jute_acls acls;
	char *acl_store = NULL;
	char created[ZK_PATH_MAX];
	struct zkc c;
	struct jute_stat st;
	uint8_t *data = NULL;
	size_t len = 0;
	int flags;

	while ((ch = getopt_long(argc, argv, "pesct:", lo, NULL)) != -1) {
		switch (ch) {
		case 'S': want_stat = 1; break;
		case 'p': parents = 1; break;
		case 'e': eph = 1; break;
		case 's': seq = 1; break;
		case 'c': cont = 1; break;
		case 't': ttl = zk_num("-t", optarg, 1, 0xFFFFFFFFFFLL); break;
		case 'A': acl_text = optarg; break;
		default:
			if (!zk_common_opt(ch, optarg))
				return zk_usage("bad option");
		}
	}
	if (optind >= argc)
		return zk_usage("missing PATH");
	/* A sequential create may end in '/' ("/q/" makes "/q/0000000001"). */
	if (!zk_path_ok(argv[optind]) && !(seq && argv[optind][0] == '/'))
		return zk_usage("bad path '%s'", argv[optind]);
	if (optind + 2 < argc)
		return zk_usage("too many arguments");
	if ((eph && (cont || ttl)) || (cont && (seq || ttl)))
		return zk_usage("-e, -c and -t do not combine (except -s)");
	if (eph)
		flags = seq ? CM_EPHEMERAL_SEQUENTIAL : CM_EPHEMERAL;
	else if (cont)
		flags = CM_CONTAINER;
	else if (ttl)
		flags = seq ? CM_PERSISTENT_SEQUENTIAL_WITH_TTL : CM_PERSISTENT_WITH_TTL;
	else
		flags = seq ? CM_PERSISTENT_SEQUENTIAL : CM_PERSISTENT;
	if (acl_text && zk_acl_parse(acl_text, &acl, &nacl, &acl_store) < 0)
		return zk_usage("bad ACL '%s' (want scheme:id:perms[,...], perms of cdrwa)", acl_text);
	acls = (struct jute_acls){ nacl, acl, NULL, 0 };
	if (optind + 1 < argc && zk_data_arg(argv[optind + 1], &data, &len) < 0) {
		free(acl);
		free(acl_store);
		return EXIT_USAGE;
	}
	zk_connect(&c);
	rc = ZOK;
	if (parents)
		rc = zk_mkparents(&c, argv[optind]);
	if (rc == ZOK)
		rc = zkc_create(&c, argv[optind], data ? data : (const uint8_t *)"",
		    (int32_t)len, acl ? &acls : NULL, flags, ttl, created, sizeof created, &st);
	free(data);
	free(acl);
	free(acl_store);
	if (rc != ZOK) {
		rc = zk_fail(argv[optind], rc);
		zkc_close(&c);
		return rc;
	}
	if (zk_opt.json) {
		fputs("{\"path\":", stdout);
		zk_json_str(stdout, created, strlen(created));
		fputs(",\"stat\":", stdout);
		zk_json_stat(stdout, &st);
		fputs("}\n", stdout);
	} else {
		/* The name is only news when the server chose it. */
		if (seq)
			printf("%s\n", created);
		if (want_stat)
			zk_print_stat_text(stdout, &st);
	}
	zk_out_flush();
	zkc_close(&c);
	return EXIT_OK;
}

int cmd_stat(int argc, char **argv)
{
	static const struct option lo[] = { ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	int ch, rc;
	struct zkc c;
	struct jute_stat st;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1)
		if (!zk_common_opt(ch, optarg))
			return zk_usage("bad option");
	if ((rc = need_path(argc, argv, optind)) || optind + 1 != argc)
		return rc ? rc : zk_usage("too many arguments");
	zk_connect(&c);
	rc = zkc_exists(&c, argv[optind], 0, &st);
	if (rc != ZOK) {
		rc = zk_fail(argv[optind], rc);
		zkc_close(&c);
		return rc;
	}
	if (zk_opt.json) {
		zk_json_stat(stdout, &st);
		fputc('\n', stdout);
	} else {
		zk_print_stat_text(stdout, &st);
	}
	zkc_close(&c);
	return EXIT_OK;
}

int cmd_exists(int argc, char **argv)
{
	static const struct option lo[] = { ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	int ch, rc;
	struct zkc c;
	struct jute_stat st;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1)
		if (!zk_common_opt(ch, optarg))
			return zk_usage("bad option");
	if ((rc = need_path(argc, argv, optind)) || optind + 1 != argc)
		return rc ? rc : zk_usage("too many arguments");
	zk_connect(&c);
	rc = zkc_exists(&c, argv[optind], 0, &st);
	zkc_close(&c);
	if (rc != ZOK && rc != ZNONODE)
		return zk_fail(argv[optind], rc);
	/* The answer is the exit status; JSON users get it in words too. */
	if (zk_opt.json) {
		fputs("{\"path\":", stdout);
		zk_json_str(stdout, argv[optind], strlen(argv[optind]));
		printf(",\"exists\":%s}\n", rc == ZOK ? "true" : "false");
	}
	return rc == ZOK ? EXIT_OK : EXIT_NONODE;
}

int cmd_sync(int argc, char **argv)
{
	static const struct option lo[] = { ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	int ch, rc;
	struct zkc c;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1)
		if (!zk_common_opt(ch, optarg))
			return zk_usage("bad option");
	if ((rc = need_path(argc, argv, optind)) || optind + 1 != argc)
		return rc ? rc : zk_usage("too many arguments");
	zk_connect(&c);
	rc = zkc_sync(&c, argv[optind]);
	zkc_close(&c);
	return rc == ZOK ? EXIT_OK : zk_fail(argv[optind], rc);
}

int cmd_acl(int argc, char **argv)
{
	static const struct option lo[] = { { "version", required_argument, NULL, 'v' },
		ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	int ch, rc, nacl, set;
	int32_t version = -1;
	struct zkc c;
	struct jute_stat st;
	struct jute_acls acls;
	struct jute_acl *acl;
	char *store;

	if (argc < 2 || (strcmp(argv[1], "get") != 0 && strcmp(argv[1], "set") != 0))
		return zk_usage("want 'get' or 'set'");
	set = strcmp(argv[1], "set") == 0;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "v:", lo, NULL)) != -1) {
		if (ch == 'v')
			version = (int32_t)zk_num("-v", optarg, -1, INT32_MAX);
		else if (!zk_common_opt(ch, optarg))
			return zk_usage("bad option");
	}
	if ((rc = need_path(argc, argv, optind)))
		return rc;
	if (optind + 1 + set != argc)
		return zk_usage(set ? "want PATH ACL" : "want PATH");
	if (!set) {
		zk_connect(&c);
		rc = zkc_get_acl(&c, argv[optind], &acls, &st);
		if (rc != ZOK) {
			rc = zk_fail(argv[optind], rc);
		} else {
			zk_acl_print(stdout, &acls, zk_opt.json);
			if (zk_opt.json)
				fputc('\n', stdout);
		}
		zk_out_flush();
		zkc_close(&c);
		return rc;
	}
	if (zk_acl_parse(argv[optind + 1], &acl, &nacl, &store) < 0)
		return zk_usage("bad ACL '%s' (want scheme:id:perms[,...])", argv[optind + 1]);
	acls = (struct jute_acls){ nacl, acl, NULL, 0 };
	zk_connect(&c);
	rc = zkc_set_acl(&c, argv[optind], &acls, version, &st);
	free(acl);
	free(store);
	zkc_close(&c);
	return rc == ZOK ? EXIT_OK : zk_fail(argv[optind], rc);
}
