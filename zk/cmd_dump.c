/* cmd_dump.c: zk dump PATH (a subtree as one JSON document on stdout) and
 * zk load PATH [FILE] (create it again, possibly elsewhere).
 *
 * Document: {"path": P, "name": N, "data"|"data_base64": ..., "acl": [...],
 * "stat": {...}, "children": [ nodes with "name" ]}. Ephemeral nodes belong
 * to sessions and are left out, as is the server's own /zookeeper. Load
 * creates nodes with open ACLs first and sets the dumped ACL after the
 * children exist, so a restrictive ACL cannot block its own subtree. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "base64.h"
#include "jparse.h"
#include "zk.h"

#define LOAD_MAX (256u << 20)	/* largest document load accepts */

static long skipped_ephemeral;

static int dump_node(FILE *f, struct zkc *c, const char *path, const char *name, int depth)
{
	struct jute_bytes data;
	struct jute_stat st;
	struct jute_acls acl;
	char **names;
	uint8_t *copy = NULL;
	int n, rc, first = 1;

	if (depth > 1000)
		return ZBADARGUMENTS;
	rc = zkc_get(c, path, 0, &data, &st);
	if (rc != ZOK)
		return rc;
	if (st.ephemeral_owner != 0 && depth > 0) {
		skipped_ephemeral++;
		return ZNONODE;	/* not part of the dump */
	}
	/* The reply buffer is reused by the next call: keep the data. */
	if (data.len > 0) {
		copy = malloc((size_t)data.len);
		if (copy == NULL)
			return ZSYSTEMERROR;
		memcpy(copy, data.p, (size_t)data.len);
		data.p = copy;
	}
	fputs("{\"path\":", f);
	zk_json_str(f, path, strlen(path));
	fputs(",\"name\":", f);
	zk_json_str(f, name, strlen(name));
	fputc(',', f);
	zk_json_data(f, &data);
	free(copy);
	rc = zkc_get_acl(c, path, &acl, NULL);
	if (rc == ZOK) {
		fputs(",\"acl\":", f);
		zk_acl_print(f, &acl, 1);
	} else if (rc != ZNOAUTH) {
		return rc;
	}
	fputs(",\"stat\":", f);
	zk_json_stat(f, &st);
	fputs(",\"children\":[", f);
	rc = zk_list(c, path, &names, &n);
	if (rc != ZOK)
		return rc;
	for (int i = 0; i < n && rc == ZOK; i++) {
		char full[ZK_PATH_MAX];
		if (zk_join(full, sizeof full, path, names[i]) < 0) {
			rc = ZBADARGUMENTS;
			break;
		}
		if (strcmp(full, "/zookeeper") == 0)
			continue;
		/* Peek: ephemeral children are skipped without a comma. */
		{
			struct jute_stat cst;
			int e = zkc_exists(c, full, 0, &cst);
			if (e == ZNONODE)
				continue;
			if (e != ZOK) {
				rc = e;
				break;
			}
			if (cst.ephemeral_owner != 0) {
				skipped_ephemeral++;
				continue;
			}
		}
		if (!first)
			fputc(',', f);
		first = 0;
		rc = dump_node(f, c, full, names[i], depth + 1);
		if (rc == ZNONODE) {
			/* Deleted between listing and reading: keep the JSON valid. */
			fputs("null", f);
			rc = ZOK;
		}
	}
	zk_list_free(names, n);
	fputs("]}", f);
	return rc;
}

int cmd_dump(int argc, char **argv)
{
	static const struct option lo[] = { ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	struct zkc c;
	const char *name;
	char *doc = NULL;
	size_t doclen = 0;
	FILE *f;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1)
		if (!zk_common_opt(ch, optarg))
			return zk_usage("bad option");
	if (optind + 1 != argc)
		return zk_usage("want one PATH");
	if (!zk_path_ok(argv[optind]))
		return zk_usage("bad path '%s'", argv[optind]);
	name = strrchr(argv[optind], '/') + 1;
	/* Built in memory and written only when complete: a failed dump
	 * leaves stdout empty. */
	f = open_memstream(&doc, &doclen);
	if (f == NULL) {
		fprintf(stderr, "zk: dump: %s\n", strerror(errno));
		return EXIT_SERVER;
	}
	zk_connect(&c);
	rc = dump_node(f, &c, argv[optind], name, 0);
	zkc_close(&c);
	fputc('\n', f);
	if (fclose(f) != 0) {
		free(doc);
		fprintf(stderr, "zk: dump: %s\n", strerror(errno));
		return EXIT_SERVER;
	}
	if (rc != ZOK) {
		free(doc);
		return zk_fail(argv[optind], rc);
	}
	fwrite(doc, 1, doclen, stdout);
	free(doc);
	zk_out_flush();
	if (skipped_ephemeral)
		fprintf(stderr, "zk: dump: left out %ld ephemeral node(s)\n", skipped_ephemeral);
	return EXIT_OK;
}

/* ---- load ---------------------------------------------------------------- */

struct load_ctx {
	struct zkc *c;
	int force;
	char failed[ZK_PATH_MAX];
};

static int node_data(const struct jv *node, uint8_t **out, int32_t *len)
{
	const struct jv *d = jv_get(node, "data"), *b = jv_get(node, "data_base64");
	int n;

	*out = NULL;
	*len = -1;
	if (b && b->type == JV_STR) {
		*out = malloc(b->len / 4 * 3 + 3);
		if (*out == NULL)
			return -1;
		n = base64_decode(b->str, b->len, *out, b->len / 4 * 3 + 3);
		if (n < 0)
			return -1;
		*len = n;
		return 0;
	}
	if (d && d->type == JV_STR) {
		*out = malloc(d->len + 1);
		if (*out == NULL)
			return -1;
		memcpy(*out, d->str, d->len);
		*len = (int32_t)d->len;
		return 0;
	}
	return (d == NULL || d->type == JV_NULL) ? 0 : -1;
}

/* ACL of a dumped node as jute ACL entries (strings point into the tree). */
static int node_acl(const struct jv *node, struct jute_acl **out, int *n)
{
	const struct jv *a = jv_get(node, "acl");

	*out = NULL;
	*n = 0;
	if (a == NULL)
		return 0;
	if (a->type != JV_ARR || a->n > 1024)
		return -1;
	*out = calloc((size_t)a->n + 1, sizeof **out);
	if (*out == NULL)
		return -1;
	for (int i = 0; i < a->n; i++) {
		const struct jv *s = jv_get(&a->items[i], "scheme");
		const struct jv *id = jv_get(&a->items[i], "id");
		const struct jv *p = jv_get(&a->items[i], "perms");
		if (!s || !id || !p || s->type != JV_STR || id->type != JV_STR || p->type != JV_STR ||
		    zk_perms_parse(p->str, &(*out)[i].perms) < 0) {
			free(*out);
			return -1;
		}
		(*out)[i].id.scheme = jute_mem(s->str, s->len);
		(*out)[i].id.id = jute_mem(id->str, id->len);
	}
	*n = a->n;
	return 0;
}

static int is_open_acl(const struct jute_acl *a, int n)
{
	return n == 1 && a[0].perms == PERM_ALL && jute_bytes_eq(&a[0].id.scheme, "world") &&
	    jute_bytes_eq(&a[0].id.id, "anyone");
}

static int load_node(struct load_ctx *x, const struct jv *node, const char *path, int depth)
{
	const struct jv *kids;
	struct jute_acl *acl;
	uint8_t *data;
	int32_t len;
	int nacl, rc, created = 0;

	if (depth > 1000 || node->type != JV_OBJ)
		return ZBADARGUMENTS;
	snprintf(x->failed, sizeof x->failed, "%s", path);
	if (node_data(node, &data, &len) < 0 || node_acl(node, &acl, &nacl) < 0) {
		free(data);
		fprintf(stderr, "zk: load: %s: bad node in the document\n", path);
		return ZMARSHALLINGERROR;
	}
	if (strcmp(path, "/") == 0) {
		rc = x->force ? zkc_set(x->c, path, data, len, -1, NULL) : ZOK;
	} else {
		rc = zkc_create(x->c, path, data, len, NULL, CM_PERSISTENT, 0, NULL, 0, NULL);
		created = rc == ZOK;
		if (rc == ZNODEEXISTS && x->force)
			rc = zkc_set(x->c, path, data, len, -1, NULL);
	}
	free(data);
	kids = jv_get(node, "children");
	if (rc == ZOK && kids && kids->type == JV_ARR) {
		for (int i = 0; i < kids->n && rc == ZOK; i++) {
			const struct jv *k = &kids->items[i], *nm;
			char full[ZK_PATH_MAX];
			if (k->type == JV_NULL)
				continue;
			nm = jv_get(k, "name");
			if (nm == NULL || nm->type != JV_STR || nm->len == 0 ||
			    memchr(nm->str, '/', nm->len) || strlen(nm->str) != nm->len ||
			    zk_join(full, sizeof full, path, nm->str) < 0) {
				fprintf(stderr, "zk: load: %s: child without a valid name\n", path);
				rc = ZMARSHALLINGERROR;
				break;
			}
			rc = load_node(x, k, full, depth + 1);
		}
	}
	/* Existing nodes (--force) keep their ACLs. */
	if (rc == ZOK && created && nacl > 0 && !is_open_acl(acl, nacl)) {
		struct jute_acls acls = { nacl, acl, NULL, 0 };
		snprintf(x->failed, sizeof x->failed, "%s", path);
		rc = zkc_set_acl(x->c, path, &acls, -1, NULL);
	}
	free(acl);
	return rc;
}

int cmd_load(int argc, char **argv)
{
	static const struct option lo[] = { { "force", no_argument, NULL, 'f' },
		ZK_COMMON_LOPTS, { NULL, 0, NULL, 0 } };
	struct load_ctx x;
	struct zkc c;
	struct jv doc;
	uint8_t *text;
	size_t len;
	FILE *f = stdin;
	int ch, rc;

	memset(&x, 0, sizeof x);
	while ((ch = getopt_long(argc, argv, "f", lo, NULL)) != -1) {
		if (ch == 'f')
			x.force = 1;
		else if (!zk_common_opt(ch, optarg))
			return zk_usage("bad option");
	}
	if (optind + 1 != argc && optind + 2 != argc)
		return zk_usage("want PATH [FILE]");
	if (!zk_path_ok(argv[optind]))
		return zk_usage("bad path '%s'", argv[optind]);
	if (optind + 2 == argc && strcmp(argv[optind + 1], "-") != 0) {
		f = fopen(argv[optind + 1], "r");
		if (f == NULL) {
			fprintf(stderr, "zk: load: %s: %s\n", argv[optind + 1], strerror(errno));
			return EXIT_USAGE;
		}
	}
	rc = zk_read_all(f, &text, &len, LOAD_MAX);
	if (f != stdin)
		fclose(f);
	if (rc < 0) {
		fprintf(stderr, "zk: load: reading the document: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	rc = jv_parse((const char *)text, len, &doc);
	free(text);
	if (rc < 0 || doc.type != JV_OBJ) {
		if (rc == 0)
			jv_free(&doc);
		fprintf(stderr, "zk: load: the input is not a zk dump document (JSON object)\n");
		return EXIT_USAGE;
	}
	zk_connect(&c);
	x.c = &c;
	rc = zk_mkparents(&c, argv[optind]);
	if (rc == ZOK)
		rc = load_node(&x, &doc, argv[optind], 0);
	jv_free(&doc);
	zkc_close(&c);
	return rc == ZOK ? EXIT_OK : zk_fail(x.failed, rc);
}
