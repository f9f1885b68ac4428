/* procstat.c: the server's CPU time and memory, read from /proc for pids the
 * caller names (never looked up by name: the bench must account exactly the
 * processes it started). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bench.h"
#include "log.h"

long proc_hz(void)
{
	long hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? hz : 100;
}

int proc_parse_stat(const char *line, uint64_t *ticks)
{
	/* comm (field 2) may hold spaces and parentheses: fields are counted
	 * from the last ')'. Field 3 is state; utime and stime are 14 and 15. */
	const char *p = strrchr(line, ')');
	unsigned long long ut = 0, st = 0;
	int field = 2;

	if (!p)
		return -1;
	p++;
	while (*p && field < 15) {
		char *end;
		unsigned long long v;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		field++;
		errno = 0;
		if (field == 3) {
			/* the state letter */
			while (*p && *p != ' ')
				p++;
			continue;
		}
		v = strtoull(p, &end, 10);
		if (end == p || errno) {
			/* Fields before 14 are numbers too; anything else is
			 * not a stat line. */
			return -1;
		}
		if (field == 14)
			ut = v;
		else if (field == 15)
			st = v;
		p = end;
	}
	if (field < 15)
		return -1;
	*ticks = ut + st;
	return 0;
}

int proc_parse_cpu_line(const char *text, uint64_t *busy)
{
	/* "cpu  user nice system idle iowait irq softirq steal guest guest_nice":
	 * guest time is already inside user, and steal is time the hypervisor
	 * gave to other guests, so busy is user+nice+system+irq+softirq. */
	unsigned long long v[8] = { 0 };
	const char *p = text;
	int n;

	if (strncmp(p, "cpu ", 4) != 0)
		return -1;
	p += 4;
	for (n = 0; n < 8; n++) {
		char *end;

		errno = 0;
		v[n] = strtoull(p, &end, 10);
		if (end == p || errno)
			break;
		p = end;
	}
	/* Kernels since 2.6.11 print at least eight fields. */
	if (n < 8)
		return -1;
	*busy = v[0] + v[1] + v[2] + v[5] + v[6];
	return 0;
}

int proc_machine_busy(uint64_t *busy)
{
	char buf[1024];
	int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	/* The first line fits; the rest (per-CPU lines) is not needed. */
	n = read(fd, buf, sizeof buf - 1);
	if (close(fd) < 0 || n <= 0)
		return -1;
	buf[n] = 0;
	return proc_parse_cpu_line(buf, busy);
}

int proc_parse_status_kib(const char *text, const char *key, uint64_t *kib)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(p + kl + 1, &end, 10);
			if (end == p + kl + 1 || errno)
				return -1;
			*kib = v;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* Whole small /proc file into buf (NUL-terminated); -1 on error. */
static int read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -1;
	while (len + 1 < cap) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	if (close(fd) < 0)
		return -1;
	return 0;
}

/* Context switches of all threads of pid (threads that exit meanwhile are
 * simply not counted). */
static uint64_t thread_ctxsw(pid_t pid)
{
	char path[64], file[sizeof path + 256 + 16], buf[4096];
	uint64_t sum = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		uint64_t v, n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof file, "%s/%s/status", path, de->d_name);
		if (read_small(file, buf, sizeof buf) < 0)
			continue;
		if (proc_parse_status_kib(buf, "voluntary_ctxt_switches", &v) == 0 &&
		    proc_parse_status_kib(buf, "nonvoluntary_ctxt_switches", &n) == 0)
			sum += v + n;
	}
	if (closedir(d) < 0)
		warn("closedir %s", path);
	return sum;
}

void proc_sample_take(const pid_t *pids, int n, struct proc_sample *s)
{
	char path[64], buf[8192];

	memset(s, 0, sizeof *s);
	s->ok = 1;
	for (int i = 0; i < n; i++) {
		uint64_t t, rss, hwm, anon, pss;

		snprintf(path, sizeof path, "/proc/%d/stat", (int)pids[i]);
		if (read_small(path, buf, sizeof buf) < 0 ||
		    proc_parse_stat(buf, &t) < 0) {
			warnx("cannot read CPU time of pid %d", (int)pids[i]);
			s->ok = 0;
			continue;
		}
		s->cpu_ticks += t;
		snprintf(path, sizeof path, "/proc/%d/status", (int)pids[i]);
		if (read_small(path, buf, sizeof buf) < 0 ||
		    proc_parse_status_kib(buf, "VmRSS", &rss) < 0 ||
		    proc_parse_status_kib(buf, "VmHWM", &hwm) < 0) {
			warnx("cannot read memory of pid %d", (int)pids[i]);
			s->ok = 0;
			continue;
		}
		s->rss_kib += rss;
		s->hwm_kib += hwm;
		if (proc_parse_status_kib(buf, "RssAnon", &anon) == 0)
			s->anon_kib += anon;
		s->ctxsw += thread_ctxsw(pids[i]);
		snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pids[i]);
		if (read_small(path, buf, sizeof buf) == 0 &&
		    proc_parse_status_kib(buf, "Pss", &pss) == 0)
			s->pss_kib += pss;
	}
}
