/* test_bench_stats.c: zk-bench's pure parts: the latency histogram and the
 * /proc parsers that give server CPU and memory. */
#include <stdint.h>
#include "unit.h"
#include "../../zk-bench/hist.c"
#include "../../zk-bench/procstat.c"

static struct hist h;

static void t_index_contiguous(void)
{
	/* Every bucket's upper bound + 1 starts the next bucket. */
	for (unsigned i = 0; i + 1 < HIST_BUCKETS; i++) {
		uint64_t u = hist_upper(i);
		CHECK_EQ_INT(hist_index(u), i);
		CHECK_EQ_INT(hist_index(u + 1), i + 1);
	}
	CHECK_EQ_INT(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
	CHECK(hist_upper(HIST_BUCKETS - 1) == UINT64_MAX);
}

static void t_index_precision(void)
{
	/* Any value is within 1/32 of its bucket's upper bound. */
	static const uint64_t v[] = { 0, 1, 63, 64, 65, 100, 1000, 123456, 189000,
				      405000, 1ull << 40, (1ull << 62) + 12345 };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint64_t u = hist_upper(hist_index(v[i]));
		CHECK(u >= v[i]);
		CHECK(u - v[i] <= v[i] / 32);
	}
}

static void t_percentiles(void)
{
	hist_reset(&h);
	CHECK_EQ_INT(hist_pct(&h, 0.5), 0);
	/* 1..1000 us: p50 near 500 us, p99 near 990 us, max exact. */
	for (uint64_t i = 1; i <= 1000; i++)
		hist_add(&h, i * 1000);
	CHECK_EQ_INT(h.n, 1000);
	CHECK_EQ_INT(h.min, 1000);
	CHECK_EQ_INT(h.max, 1000000);
	CHECK(hist_pct(&h, 0.5) >= 500000 && hist_pct(&h, 0.5) <= 500000 + 500000 / 32);
	CHECK(hist_pct(&h, 0.99) >= 990000 && hist_pct(&h, 0.99) <= 1000000);
	/* The 999th value, in its bucket; the top one only at 100%. */
	CHECK(hist_pct(&h, 0.999) >= 999000 && hist_pct(&h, 0.999) < 1000000);
	CHECK_EQ_INT(hist_pct(&h, 1.0), 1000000);
	CHECK_EQ_INT(hist_pct(&h, 0.0), 1000);
}

static void t_pct_outlier(void)
{
	/* One slow reply in 1000 shows in max and p99.9 only, not in p99. */
	hist_reset(&h);
	for (int i = 0; i < 999; i++)
		hist_add(&h, 200000);
	hist_add(&h, 50000000);
	CHECK(hist_pct(&h, 0.99) <= 200000 + 200000 / 32);
	CHECK(hist_pct(&h, 0.999) <= 200000 + 200000 / 32);
	CHECK_EQ_INT(hist_pct(&h, 0.9995), 50000000);
	CHECK_EQ_INT(h.max, 50000000);
}

static void t_stat_line(void)
{
	/* comm with spaces and a ')' inside: fields count from the last ')'. */
	static const char line[] =
		"1234 (java (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 "
		"1500 250 0 0 20 0 30 0 12345 999 100 18446744073709551615\n";
	uint64_t t = 0;

	CHECK_EQ_INT(proc_parse_stat(line, &t), 0);
	CHECK_EQ_INT(t, 1750);
	CHECK_EQ_INT(proc_parse_stat("1234 (x) S 1 2 3", &t), -1);
	CHECK_EQ_INT(proc_parse_stat("no paren at all", &t), -1);
	CHECK_EQ_INT(proc_parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 zz 1", &t), -1);
}

static void t_status_text(void)
{
	static const char text[] =
		"Name:\tzk-gw\nVmPeak:\t  20000 kB\nVmHWM:\t    5120 kB\n"
		"VmRSS:\t    4096 kB\nThreads:\t1\n";
	uint64_t v = 0;

	CHECK_EQ_INT(proc_parse_status_kib(text, "VmRSS", &v), 0);
	CHECK_EQ_INT(v, 4096);
	CHECK_EQ_INT(proc_parse_status_kib(text, "VmHWM", &v), 0);
	CHECK_EQ_INT(v, 5120);
	/* A key must match whole: "VmHW" is not "VmHWM". */
	CHECK_EQ_INT(proc_parse_status_kib(text, "VmHW", &v), -1);
	CHECK_EQ_INT(proc_parse_status_kib(text, "VmSwap", &v), -1);
}

static void t_cpu_line(void)
{
	/* user nice system idle iowait irq softirq steal guest guest_nice:
	 * busy leaves out idle, iowait and steal; guest is inside user. */
	uint64_t b = 0;

	CHECK_EQ_INT(proc_parse_cpu_line("cpu  100 2 30 5000 70 4 5 6 50 0\ncpu0 1 2\n", &b), 0);
	CHECK_EQ_INT(b, 100 + 2 + 30 + 4 + 5);
	CHECK_EQ_INT(proc_parse_cpu_line("cpu0 1 2 3 4 5 6 7 8\n", &b), -1);
	CHECK_EQ_INT(proc_parse_cpu_line("cpu  1 2 3 4\n", &b), -1);
	CHECK_EQ_INT(proc_machine_busy(&b), 0);
	CHECK(b > 0);
}

static void t_sample_self(void)
{
	/* Our own process: readable, non-zero memory. A dead pid is not ok. */
	struct proc_sample s;
	pid_t me = getpid(), none = 0x7ffffff0;

	/* Sleeping is a voluntary context switch, so ctxsw cannot be 0. */
	CHECK_EQ_INT(usleep(2000), 0);
	proc_sample_take(&me, 1, &s);
	CHECK(s.ok);
	CHECK(s.rss_kib > 0 && s.hwm_kib >= s.rss_kib);
	CHECK(s.anon_kib > 0 && s.anon_kib <= s.rss_kib);
	CHECK(s.pss_kib > 0 && s.pss_kib <= s.rss_kib);
	CHECK(s.ctxsw > 0);
	proc_sample_take(&none, 1, &s);
	CHECK(!s.ok);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "index_contiguous", t_index_contiguous },
		{ "index_precision", t_index_precision },
		{ "percentiles", t_percentiles },
		{ "pct_outlier", t_pct_outlier },
		{ "stat_line", t_stat_line },
		{ "status_text", t_status_text },
		{ "cpu_line", t_cpu_line },
		{ "sample_self", t_sample_self },
		{ NULL, NULL },
	};
	log_init("test_bench_stats", LOG_LVL_ERROR);
	return unit_run("bench_stats", cases);
}
