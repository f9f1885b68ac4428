/* unit.h: the tiny unit-test harness. One function per case, a table of cases,
 * and a closing line "NAME: N passed, N failed" that tests/run.sh adds up. */
#ifndef UNIT_H
#define UNIT_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failed_checks;

#define CHECK(e) do { if (!(e)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #e); \
	unit_failed_checks++; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) { fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", \
	__FILE__, __LINE__, #a, #b, a_, b_); unit_failed_checks++; } } while (0)
#define CHECK_EQ_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) { fprintf(stderr, \
	"%s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b, \
	a_ ? a_ : "(null)", b_ ? b_ : "(null)"); unit_failed_checks++; } } while (0)

struct unit_case { const char *name; void (*fn)(void); };

static inline int unit_run(const char *suite, const struct unit_case *c)
{
	int pass = 0, fail = 0;
	for (; c->name; c++) {
		int before = unit_failed_checks;
		c->fn();
		if (unit_failed_checks == before) {
			pass++;
		} else {
			fail++;
			fprintf(stderr, "FAIL %s.%s\n", suite, c->name);
		}
	}
	printf("%s: %d passed, %d failed\n", suite, pass, fail);
	return fail ? 1 : 0;
}

/* A fresh directory /tmp/<name>.XXXXXX in tmpl (64 bytes); exits on
 * failure, since no case can run without it. */
static inline const char *unit_tmpdir(char *tmpl, size_t len, const char *name)
{
	snprintf(tmpl, len, "/tmp/%s.XXXXXX", name);
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		exit(1);
	}
	return tmpl;
}

/* Removes a directory made by unit_tmpdir, with everything in it. */
static inline void unit_rmdir(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}
#endif
