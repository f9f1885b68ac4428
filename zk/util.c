/* util.c: shared routines of zk: input data, output (text and JSON), Stat and
 * ACL formatting and parsing, path checks, parent creation. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base64.h"
#include "json.h"
#include "sha1.h"
#include "zk.h"

int zk_common_opt(int ch, const char *arg)
{
	switch (ch) {
	case 1000:
		zk_opt.json = 1;
		return 1;
	case 1001:
		zk_opt.hosts = arg;
		return 1;
	case 1002:
		zk_opt.auth = arg;
		return 1;
	case 1003:
		zk_opt.auth_file = arg;
		return 1;
	case 1004:
		zk_opt.session_timeout_ms = (int)zk_num("--session-timeout", arg, 1, 3600000);
		return 1;
	case 1005:
		zk_opt.connect_timeout_ms = (int)zk_num("--connect-timeout", arg, 1, 600000);
		return 1;
	case 1006:
		exit(zk_help());
	default:
		return 0;
	}
}

int zk_path_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || p[0] != '/' || n >= ZK_PATH_MAX)
		return 0;
	if (n > 1 && p[n - 1] == '/')
		return 0;
	return strstr(p, "//") == NULL;
}

int zk_read_all(FILE *f, uint8_t **out, size_t *len, size_t max)
{
	size_t cap = 65536, n = 0;
	uint8_t *p = malloc(cap);

	if (p == NULL)
		return -1;
	for (;;) {
		size_t r;
		if (n == cap) {
			uint8_t *np;
			if (cap > max) {
				free(p);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			np = realloc(p, cap);
			if (np == NULL) {
				free(p);
				return -1;
			}
			p = np;
		}
		r = fread(p + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				free(p);
				return -1;
			}
			break;
		}
	}
	if (n > max) {
		free(p);
		errno = EFBIG;
		return -1;
	}
	*out = p;
	*len = n;
	return 0;
}

int zk_data_arg(const char *arg, uint8_t **out, size_t *len)
{
	if (strcmp(arg, "-") == 0) {
		if (zk_read_all(stdin, out, len, ZK_DATA_MAX) < 0) {
			fprintf(stderr, "zk: %s: reading stdin: %s\n", zk_opt.verb,
			    errno == EFBIG ? "data larger than 1048575 bytes" : strerror(errno));
			return -1;
		}
		return 0;
	}
	*len = strlen(arg);
	*out = malloc(*len + 1);
	if (*out == NULL)
		return -1;
	memcpy(*out, arg, *len + 1);
	return 0;
}

/* ---- output ------------------------------------------------------------- */

void zk_out_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			_exit(EXIT_OK);	/* reader went away: quiet, like coreutils */
		fprintf(stderr, "zk: %s: writing output: %s\n", zk_opt.verb ? zk_opt.verb : "",
		    strerror(errno));
		_exit(EXIT_SERVER);
	}
}

/* A pipe whose reader has gone reports POLLERR on the writing end. */
int zk_stdout_gone(void)
{
	struct pollfd p = { STDOUT_FILENO, 0, 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

void zk_print_stat_text(FILE *f, const struct jute_stat *st)
{
	fprintf(f, "czxid=0x%llx\nmzxid=0x%llx\npzxid=0x%llx\nctime=%lld\nmtime=%lld\n"
	    "version=%d\ncversion=%d\naversion=%d\nephemeralOwner=0x%llx\n"
	    "dataLength=%d\nnumChildren=%d\n",
	    (unsigned long long)st->czxid, (unsigned long long)st->mzxid,
	    (unsigned long long)st->pzxid, (long long)st->ctime, (long long)st->mtime,
	    st->version, st->cversion, st->aversion,
	    (unsigned long long)st->ephemeral_owner, st->data_length, st->num_children);
}

void zk_json_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void zk_json_stat(FILE *f, const struct jute_stat *st)
{
	fprintf(f, "{\"czxid\":%lld,\"mzxid\":%lld,\"pzxid\":%lld,\"ctime\":%lld,"
	    "\"mtime\":%lld,\"version\":%d,\"cversion\":%d,\"aversion\":%d,"
	    "\"ephemeralOwner\":%lld,\"dataLength\":%d,\"numChildren\":%d}",
	    (long long)st->czxid, (long long)st->mzxid, (long long)st->pzxid,
	    (long long)st->ctime, (long long)st->mtime, st->version, st->cversion,
	    st->aversion, (long long)st->ephemeral_owner, st->data_length,
	    st->num_children);
}

void zk_json_data(FILE *f, const struct jute_bytes *d)
{
	char *b64;
	size_t cap;

	if (d->len < 0) {
		fputs("\"data\":null", f);
		return;
	}
	/* Text when it is valid UTF-8 without NUL; base64 otherwise. */
	if (json_utf8_valid(d->p, (size_t)d->len) && memchr(d->p, 0, (size_t)d->len) == NULL) {
		fputs("\"data\":", f);
		zk_json_str(f, (const char *)d->p, (size_t)d->len);
		return;
	}
	cap = BASE64_LEN((size_t)d->len) + 1;
	b64 = malloc(cap);
	if (b64 == NULL || base64_encode(d->p, (size_t)d->len, b64, cap) < 0) {
		free(b64);
		fputs("\"data\":null", f);
		return;
	}
	fprintf(f, "\"data_base64\":\"%s\"", b64);
	free(b64);
}

/* ---- ACLs --------------------------------------------------------------- */

void zk_perms_str(int32_t perms, char out[6])
{
	int i = 0;

	if (perms & PERM_CREATE) out[i++] = 'c';
	if (perms & PERM_DELETE) out[i++] = 'd';
	if (perms & PERM_READ) out[i++] = 'r';
	if (perms & PERM_WRITE) out[i++] = 'w';
	if (perms & PERM_ADMIN) out[i++] = 'a';
	out[i] = '\0';
}

int zk_perms_parse(const char *s, int32_t *perms)
{
	*perms = 0;
	for (; *s; s++) {
		switch (*s) {
		case 'c': *perms |= PERM_CREATE; break;
		case 'd': *perms |= PERM_DELETE; break;
		case 'r': *perms |= PERM_READ; break;
		case 'w': *perms |= PERM_WRITE; break;
		case 'a': *perms |= PERM_ADMIN; break;
		default: return -1;
		}
	}
	return 0;
}

/* "scheme:id:perms,...". The id may contain ':' (digest user:hash, IPv6);
 * perms follow the last ':'. Pseudo-scheme "userpass:USER:PASS:perms" is
 * turned into the digest id USER:base64(sha1(USER:PASS)). Strings of the
 * result point into *store (free it, and *out, when done). */
int zk_acl_parse(const char *text, struct jute_acl **out, int *n, char **store)
{
	size_t tlen = strlen(text);
	int max = 1, k = 0;
	char *buf, *save = NULL, *tok;
	struct jute_acl *acl;

	for (const char *p = text; *p; p++)
		if (*p == ',')
			max++;
	/* Room for the text and for up to `max` expanded digest ids. */
	buf = malloc(tlen + 1 + (size_t)max * 64);
	acl = calloc((size_t)max, sizeof *acl);
	if (buf == NULL || acl == NULL || max > 1024) {
		free(buf);
		free(acl);
		return -1;
	}
	memcpy(buf, text, tlen + 1);
	char *extra = buf + tlen + 1;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *c1 = strchr(tok, ':'), *cl = strrchr(tok, ':');
		if (c1 == NULL || cl == c1) {
			free(buf);
			free(acl);
			return -1;
		}
		*c1 = '\0';
		*cl = '\0';
		if (zk_perms_parse(cl + 1, &acl[k].perms) < 0) {
			free(buf);
			free(acl);
			return -1;
		}
		if (strcmp(tok, "userpass") == 0) {
			uint8_t h[SHA1_LEN];
			char *user_end = strchr(c1 + 1, ':');
			size_t ulen;
			if (user_end == NULL) {
				free(buf);
				free(acl);
				return -1;
			}
			ulen = (size_t)(user_end - (c1 + 1));
			sha1(c1 + 1, strlen(c1 + 1), h);
			if (ulen > 30) {
				free(buf);
				free(acl);
				return -1;
			}
			memcpy(extra, c1 + 1, ulen);
			extra[ulen] = ':';
			if (base64_encode(h, sizeof h, extra + ulen + 1, 64 - ulen - 1) < 0) {
				free(buf);
				free(acl);
				return -1;
			}
			acl[k].id.scheme = jute_cstr("digest");
			acl[k].id.id = jute_cstr(extra);
			extra += 64;
		} else {
			acl[k].id.scheme = jute_cstr(tok);
			acl[k].id.id = jute_cstr(c1 + 1);
		}
		k++;
	}
	if (k == 0) {
		free(buf);
		free(acl);
		return -1;
	}
	*out = acl;
	*n = k;
	*store = buf;
	return 0;
}

void zk_acl_print(FILE *f, const struct jute_acls *acl, int json)
{
	struct jute_rd r;
	struct jute_acl a;
	char perms[6];

	jute_vec_rd(&r, acl->raw, acl->rawlen);
	if (json)
		fputc('[', f);
	for (int32_t i = 0; i < acl->n; i++) {
		jute_get_acl(&r, &a);
		zk_perms_str(a.perms, perms);
		if (json) {
			fputs(i ? ",{\"scheme\":" : "{\"scheme\":", f);
			zk_json_str(f, (const char *)a.id.scheme.p, (size_t)(a.id.scheme.len > 0 ? a.id.scheme.len : 0));
			fputs(",\"id\":", f);
			zk_json_str(f, (const char *)a.id.id.p, (size_t)(a.id.id.len > 0 ? a.id.id.len : 0));
			fprintf(f, ",\"perms\":\"%s\"}", perms);
		} else {
			fprintf(f, "%.*s:%.*s:%s\n", a.id.scheme.len > 0 ? (int)a.id.scheme.len : 0,
			    (const char *)a.id.scheme.p, a.id.id.len > 0 ? (int)a.id.id.len : 0,
			    (const char *)a.id.id.p, perms);
		}
	}
	if (json)
		fputc(']', f);
}

/* ---- parents ------------------------------------------------------------ */

int zk_mkparents(struct zkc *c, const char *path)
{
	char buf[ZK_PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof buf)
		return ZBADARGUMENTS;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		int rc;
		*p = '\0';
		rc = zkc_create(c, buf, "", 0, NULL, CM_PERSISTENT, 0, NULL, 0, NULL);
		*p = '/';
		if (rc != ZOK && rc != ZNODEEXISTS)
			return rc;
	}
	return ZOK;
}
