/* log.c: one line per message on stderr, prefixed with the program name. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"

int log_level = LOG_LVL_INFO;
static const char *prog = "zk";

void log_init(const char *progname, int level)
{
	prog = progname;
	log_level = level;
}

int log_level_parse(const char *s)
{
	static const char *const n[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (strcmp(s, n[i]) == 0)
			return i;
	return -1;
}

static void vlog(const char *tag, int err, const char *fmt, va_list ap)
{
	char buf[2048];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		n = 0;
	if (err)
		fprintf(stderr, "%s: %s%s: %s\n", prog, tag, buf, strerror(err));
	else
		fprintf(stderr, "%s: %s%s\n", prog, tag, buf);
}

void warn(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog("", e, fmt, ap);
	va_end(ap);
	errno = e;
}

void warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("", 0, fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;
	if (log_level < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	vlog("", 0, fmt, ap);
	va_end(ap);
}

void debug_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("debug: ", 0, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog("fatal: ", e, fmt, ap);
	va_end(ap);
	exit(111);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("fatal: ", 0, fmt, ap);
	va_end(ap);
	exit(111);
}
