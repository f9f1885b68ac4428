/* mkservice.c: `zk-ctl mkservice -c zoo.cfg -o DIR` writes the runit service
 * set of one node: DIR/<daemon>/run, DIR/<daemon>/log/run and log/main for
 * the five daemons, with absolute paths to the binaries (next to zk-ctl) and
 * to the config, so that `runsvdir DIR` runs the node. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "conf.h"
#include "ctl.h"
#include "proc.h"

/* snprintf that reports truncation: -1 when the result does not fit. */
static int mk_fmt(char *dst, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int mk_fmt(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "zk-ctl: mkservice: path or text too long: %.80s...\n", dst);
		return -1;
	}
	return 0;
}

static void mk_usage(void)
{
	fprintf(stderr, "usage: zk-ctl mkservice -c zoo.cfg -o DIR\n");
}

/* mkdir that accepts an existing directory. */
static int mk_dir(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	fprintf(stderr, "zk-ctl: mkservice: mkdir %s: %s\n", path, strerror(errno));
	return -1;
}

/* Writes path atomically (temp file + rename), so a runsv that starts the
 * script at this moment never sees half of it. */
static int mk_file(const char *path, const char *text, mode_t mode)
{
	char tmp[PATH_MAX];
	FILE *f;
	size_t n = strlen(text);

	if (mk_fmt(tmp, sizeof tmp, "%s.tmp", path) < 0)
		return -1;
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "zk-ctl: mkservice: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (fwrite(text, 1, n, f) != n || fflush(f) != 0 || fchmod(fileno(f), mode) != 0) {
		fprintf(stderr, "zk-ctl: mkservice: write %s: %s\n", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "zk-ctl: mkservice: close %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "zk-ctl: mkservice: rename %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Single-quotes s for sh; refuses characters a run script cannot carry. */
static int mk_quote(char *dst, size_t len, const char *s)
{
	size_t o = 0;

	if (len < 3)
		return -1;
	dst[o++] = '\'';
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r')
			return -1;
		if (*s == '\'') {
			if (o + 5 >= len)
				return -1;
			memcpy(dst + o, "'\\''", 4);
			o += 4;
		} else {
			if (o + 2 >= len)
				return -1;
			dst[o++] = *s;
		}
	}
	dst[o++] = '\'';
	dst[o] = '\0';
	return 0;
}

/* The directory holding this program's own binary (and its siblings). */
static int mk_bindir(char *dst, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n < 0) {
		fprintf(stderr, "zk-ctl: mkservice: readlink /proc/self/exe: %s\n", strerror(errno));
		return -1;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash || (size_t)(slash - exe) >= len) {
		fprintf(stderr, "zk-ctl: mkservice: odd executable path %s\n", exe);
		return -1;
	}
	*slash = '\0';
	return mk_fmt(dst, len, "%s", exe[0] ? exe : "/");
}

static int mk_service(const char *outdir, int id, const char *bindir, const char *cfg)
{
	const char *name = proc_name(id);
	char dir[PATH_MAX], path[PATH_MAX], bin[PATH_MAX], qbin[2 * PATH_MAX],
	     qcfg[2 * PATH_MAX], text[5 * PATH_MAX];
	struct stat st;

	if (mk_fmt(dir, sizeof dir, "%s/%s", outdir, name) < 0 ||
	    mk_fmt(bin, sizeof bin, "%s/%s", bindir, name) < 0)
		return -1;
	if (stat(bin, &st) != 0 || !S_ISREG(st.st_mode) || access(bin, X_OK) != 0) {
		fprintf(stderr, "zk-ctl: mkservice: %s: not an executable file (build it first)\n", bin);
		return -1;
	}
	if (mk_quote(qbin, sizeof qbin, bin) < 0 || mk_quote(qcfg, sizeof qcfg, cfg) < 0) {
		fprintf(stderr, "zk-ctl: mkservice: %s or %s cannot be quoted for sh\n", bin, cfg);
		return -1;
	}
	if (mk_dir(dir, 0755) < 0)
		return -1;
	/* stderr joins stdout so that the log service gets every line. */
	if (mk_fmt(text, sizeof text,
		   "#!/bin/sh\n"
		   "# %s of the node described by %s (written by zk-ctl mkservice)\n"
		   "exec 2>&1\n"
		   "exec %s -c %s\n", name, qcfg, qbin, qcfg) < 0 ||
	    mk_fmt(path, sizeof path, "%s/run", dir) < 0 ||
	    mk_file(path, text, 0755) < 0 ||
	    mk_fmt(path, sizeof path, "%s/log", dir) < 0 ||
	    mk_dir(path, 0755) < 0 ||
	    mk_fmt(path, sizeof path, "%s/log/main", dir) < 0 ||
	    mk_dir(path, 0755) < 0)
		return -1;
	/* svlogd rotates by size and keeps a bounded number of files. */
	if (mk_fmt(text, sizeof text,
		   "#!/bin/sh\n"
		   "# log service of %s: svlogd keeps ./main/current and rotated files\n"
		   "exec svlogd -tt ./main\n", name) < 0 ||
	    mk_fmt(path, sizeof path, "%s/log/run", dir) < 0 ||
	    mk_file(path, text, 0755) < 0)
		return -1;
	return 0;
}

int mkservice_main(int argc, char **argv)
{
	const char *cfg = NULL, *out = NULL;
	char abscfg[PATH_MAX], absout[PATH_MAX], bindir[PATH_MAX], err[8400];
	struct zk_conf *conf;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			cfg = argv[++i];
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else {
			mk_usage();
			return 2;
		}
	}
	if (!cfg || !out) {
		mk_usage();
		return 2;
	}
	/* struct zk_conf is large; keep it off the stack. */
	conf = calloc(1, sizeof *conf);
	if (!conf) {
		fprintf(stderr, "zk-ctl: mkservice: out of memory\n");
		return 1;
	}
	if (conf_load(conf, cfg, err, sizeof err) < 0) {
		fprintf(stderr, "zk-ctl: %s\n", err);
		free(conf);
		return 1;
	}
	free(conf);
	if (!realpath(cfg, abscfg)) {
		fprintf(stderr, "zk-ctl: mkservice: %s: %s\n", cfg, strerror(errno));
		return 1;
	}
	if (mk_dir(out, 0755) < 0)
		return 1;
	if (!realpath(out, absout)) {
		fprintf(stderr, "zk-ctl: mkservice: %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (mk_bindir(bindir, sizeof bindir) < 0)
		return 1;
	for (int id = P_FIRST_DAEMON; id <= P_LAST_DAEMON; id++)
		if (mk_service(absout, id, bindir, abscfg) < 0)
			return 1;
	return 0;
}
