/* cmd_tree.c: verbs over a subtree: ls (-R, -l) and rm (-r); and the
 * sorted child listing they share with dump. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "zk.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int zk_list(struct zkc *c, const char *path, char ***names, int *n)
{
	struct jute_strs kids;
	struct jute_rd r;
	char **v;
	int rc;

	*names = NULL;
	*n = 0;
	rc = zkc_children(c, path, 0, &kids, NULL);
	if (rc != ZOK)
		return rc;
	v = calloc((size_t)kids.n + 1, sizeof *v);
	if (v == NULL)
		return ZSYSTEMERROR;
	jute_vec_rd(&r, kids.raw, kids.rawlen);
	for (int32_t i = 0; i < kids.n; i++) {
		struct jute_bytes s = jute_get_str(&r);
		v[i] = malloc((size_t)(s.len > 0 ? s.len : 0) + 1);
		if (v[i] == NULL || jute_bytes_cstr(&s, v[i], (size_t)(s.len > 0 ? s.len : 0) + 1) < 0) {
			*names = v;
			*n = i + (v[i] != NULL);
			zk_list_free(*names, *n);
			return ZMARSHALLINGERROR;
		}
	}
	qsort(v, (size_t)kids.n, sizeof *v, cmp_str);
	*names = v;
	*n = kids.n;
	return ZOK;
}

void zk_list_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int zk_join(char *out, size_t cap, const char *dir, const char *name)
{
	int w = snprintf(out, cap, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name);

	return (w < 0 || (size_t)w >= cap) ? -1 : 0;
}

/* ---- ls ----------------------------------------------------------------- */

struct ls_ctx {
	struct zkc *c;
	int recursive, longfmt, first;
};

static void ls_line(struct ls_ctx *x, const char *full, const char *name, const struct jute_stat *st)
{
	const char *shown = x->recursive ? full : name;

	if (zk_opt.json) {
		fputs(x->first ? "" : ",", stdout);
		x->first = 0;
		if (!x->longfmt) {
			zk_json_str(stdout, shown, strlen(shown));
			return;
		}
		fputs("{\"path\":", stdout);
		zk_json_str(stdout, full, strlen(full));
		fputs(",\"name\":", stdout);
		zk_json_str(stdout, name, strlen(name));
		fputs(",\"stat\":", stdout);
		zk_json_stat(stdout, st);
		fputc('}', stdout);
		return;
	}
	if (x->longfmt) {
		char when[32];
		time_t t = (time_t)(st->mtime / 1000);
		struct tm tm;
		if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			snprintf(when, sizeof when, "-");
		printf("%c %8d %6d %6d %s %s\n", st->ephemeral_owner ? 'e' : '-',
		    st->data_length, st->num_children, st->version, when, shown);
	} else {
		printf("%s\n", shown);
	}
}

static int ls_dir(struct ls_ctx *x, const char *path, int depth)
{
	char **names;
	int n, rc;

	if (depth > 1000)
		return ZBADARGUMENTS;
	rc = zk_list(x->c, path, &names, &n);
	if (rc != ZOK)
		return rc;
	for (int i = 0; i < n && rc == ZOK; i++) {
		char full[ZK_PATH_MAX];
		struct jute_stat st;

		if (zk_join(full, sizeof full, path, names[i]) < 0) {
			rc = ZBADARGUMENTS;
			break;
		}
		memset(&st, 0, sizeof st);
		if (x->longfmt) {
			int e = zkc_exists(x->c, full, 0, &st);
			if (e == ZNONODE)
				continue;	/* deleted meanwhile */
			if (e != ZOK) {
				rc = e;
				break;
			}
		}
		ls_line(x, full, names[i], &st);
		if (x->recursive) {
			int e = ls_dir(x, full, depth + 1);
			if (e != ZOK && e != ZNONODE)
				rc = e;
		}
		if (zk_stdout_gone())
			break;
	}
	zk_list_free(names, n);
	return rc;
}

int cmd_ls(int argc, char **argv)
{
	static const struct option lo[] = { { "recursive", no_argument, NULL, 'R' },
		{ "long", no_argument, NULL, 'l' },
		ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	struct ls_ctx x = { NULL, 0, 0, 1 };
	struct zkc c;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "Rl", lo, NULL)) != -1) {
		if (ch == 'R')
			x.recursive = 1;
		else if (ch == 'l')
			x.longfmt = 1;
		else if (!zk_common_opt(ch, optarg))
			return zk_usage("bad option");
	}
	if (optind + 1 != argc)
		return zk_usage("want one PATH");
	if (!zk_path_ok(argv[optind]))
		return zk_usage("bad path '%s'", argv[optind]);
	zk_connect(&c);
	x.c = &c;
	if (zk_opt.json)
		fputc('[', stdout);
	rc = ls_dir(&x, argv[optind], 0);
	if (zk_opt.json)
		fputs("]\n", stdout);
	zk_out_flush();
	zkc_close(&c);
	return rc == ZOK ? EXIT_OK : zk_fail(argv[optind], rc);
}

/* ---- rm ----------------------------------------------------------------- */

/* Depth first. Children that vanish meanwhile are fine; new ones make the
 * parent's delete fail with NotEmpty, retried a few times. *failed gets the
 * path of the first failure. */
static int rm_tree(struct zkc *c, const char *path, int depth, char *failed)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		char **names;
		int n, rc;

		if (depth > 1000)
			return ZBADARGUMENTS;
		rc = zk_list(c, path, &names, &n);
		if (rc != ZOK) {
			snprintf(failed, ZK_PATH_MAX, "%s", path);
			return rc;
		}
		for (int i = 0; i < n && rc == ZOK; i++) {
			char full[ZK_PATH_MAX];
			if (zk_join(full, sizeof full, path, names[i]) < 0) {
				rc = ZBADARGUMENTS;
				snprintf(failed, ZK_PATH_MAX, "%s", path);
				break;
			}
			/* "/" itself and /zookeeper are the server's own. */
			if (strcmp(full, "/zookeeper") == 0)
				continue;
			rc = rm_tree(c, full, depth + 1, failed);
			if (rc == ZNONODE)
				rc = ZOK;
		}
		zk_list_free(names, n);
		if (rc != ZOK)
			return rc;
		if (strcmp(path, "/") == 0)
			return ZOK;
		rc = zkc_delete(c, path, -1);
		if (rc != ZNOTEMPTY) {
			if (rc != ZOK && rc != ZNONODE)
				snprintf(failed, ZK_PATH_MAX, "%s", path);
			return rc;
		}
	}
	snprintf(failed, ZK_PATH_MAX, "%s", path);
	return ZNOTEMPTY;
}

int cmd_rm(int argc, char **argv)
{
	static const struct option lo[] = { { "recursive", no_argument, NULL, 'r' },
		{ "version", required_argument, NULL, 'v' },
		ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	int ch, rc, recursive = 0;
	int32_t version = -1;
	char failed[ZK_PATH_MAX];
	struct zkc c;

	while ((ch = getopt_long(argc, argv, "rRv:", lo, NULL)) != -1) {
		if (ch == 'r' || ch == 'R')
			recursive = 1;
		else if (ch == 'v')
			version = (int32_t)zk_num("-v", optarg, -1, INT32_MAX);
		else if (!zk_common_opt(ch, optarg))
			return zk_usage("bad option");
	}
	if (optind + 1 != argc)
		return zk_usage("want one PATH");
	if (!zk_path_ok(argv[optind]))
		return zk_usage("bad path '%s'", argv[optind]);
	if (recursive && version != -1)
		return zk_usage("-r and -v do not combine");
	zk_connect(&c);
	snprintf(failed, sizeof failed, "%s", argv[optind]);
	if (recursive) {
		rc = rm_tree(&c, argv[optind], 0, failed);
	} else {
		rc = zkc_delete(&c, argv[optind], version);
	}
	zkc_close(&c);
	return rc == ZOK ? EXIT_OK : zk_fail(failed, rc);
}
