/* report.c: zk-bench's results, as text for people or JSON for scripts
 * (integers only: nanoseconds, KiB, ops). */
#include <stdio.h>
#include "bench.h"
#include "json.h"
#include "log.h"

const char *bench_mode_name(const struct bench_opts *o)
{
	switch (o->mode) {
	case MODE_GET:
		return "get";
	case MODE_SET:
		return "set";
	case MODE_CREATE:
		return "create";
	case MODE_MIX:
		return "mix";
	default:
		return o->lat_op == OP_SETDATA ? "latency-set" : "latency-get";
	}
}

static uint64_t ops_per_sec(const struct bench_result *r)
{
	return r->secs > 0 ? (uint64_t)((double)r->ops / r->secs + 0.5) : 0;
}

/* Server CPU per op in ns; 0 when not measured. */
static uint64_t srv_cpu_ns(const struct bench_result *r, uint64_t *total_ns)
{
	uint64_t ticks;

	*total_ns = 0;
	if (!r->srv0.ok || !r->srv1.ok || r->srv1.cpu_ticks < r->srv0.cpu_ticks)
		return 0;
	ticks = r->srv1.cpu_ticks - r->srv0.cpu_ticks;
	*total_ns = ticks * (1000000000ull / (uint64_t)proc_hz());
	return r->ops ? *total_ns / r->ops : 0;
}

/* Machine busy time over the window, ns. */
static uint64_t mach_ns(const struct bench_result *r)
{
	if (r->mach1 <= r->mach0)
		return 0;
	return (r->mach1 - r->mach0) * (1000000000ull / (uint64_t)proc_hz());
}

void report_text(const struct bench_opts *o, const struct bench_result *r)
{
	const struct hist *h = &r->lat;
	uint64_t total;
	uint64_t cpu = srv_cpu_ns(r, &total);

	printf("zk-bench %s: %s:%d, %d conns x %d deep, %d B values",
	       bench_mode_name(o), o->host, o->port, o->conns, o->depth, o->size);
	if (o->mode != MODE_CREATE)
		printf(", %d keys", o->keys);
	if (o->mode == MODE_MIX)
		printf(", %d%% reads", o->read_pct);
	printf("\n");
	printf("  ops         %llu in %.2f s%s\n", (unsigned long long)r->ops, r->secs,
	       r->hit_cap ? " (stopped at the time limit)" : "");
	printf("  throughput  %llu ops/s\n", (unsigned long long)ops_per_sec(r));
	printf("  latency us  p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
	       (double)hist_pct(h, 0.5) / 1e3, (double)hist_pct(h, 0.99) / 1e3,
	       (double)hist_pct(h, 0.999) / 1e3, (double)h->max / 1e3);
	if (o->mode == MODE_MIX) {
		static const char *const name[3] = { "getData", "setData", "create" };
		for (int i = 0; i < 3; i++) {
			const struct hist *ho = &r->lat_op[i];
			if (!ho->n)
				continue;
			printf("    %-8s  %llu ops, p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
			       name[i], (unsigned long long)ho->n, (double)hist_pct(ho, 0.5) / 1e3,
			       (double)hist_pct(ho, 0.99) / 1e3, (double)hist_pct(ho, 0.999) / 1e3,
			       (double)ho->max / 1e3);
		}
	}
	printf("  errors      %llu", (unsigned long long)r->errors);
	if (r->first_err)
		printf(" (first: %s)", jute_err_name(r->first_err));
	if (r->lost)
		printf(", %llu connections lost", (unsigned long long)r->lost);
	printf("\n");
	if (o->npids) {
		if (r->srv1.ok)
			printf("  server      cpu %.1f us/op, rss %.1f MiB, peak %.1f MiB, "
			       "pss %.1f MiB, anon %.1f MiB (%d pids)\n",
			       (double)cpu / 1e3, (double)r->srv1.rss_kib / 1024.0,
			       (double)r->srv1.hwm_kib / 1024.0, (double)r->srv1.pss_kib / 1024.0,
			       (double)r->srv1.anon_kib / 1024.0, o->npids);
		else
			printf("  server      not measured (a pid could not be read)\n");
	}
	if (o->npids && r->settled && r->srv2.ok)
		printf("  settled     after %.1f s idle: rss %.1f MiB, pss %.1f MiB, anon %.1f MiB\n",
		       o->settle, (double)r->srv2.rss_kib / 1024.0,
		       (double)r->srv2.pss_kib / 1024.0, (double)r->srv2.anon_kib / 1024.0);
	if (o->npids && r->srv1.ok && r->ops && r->srv1.ctxsw >= r->srv0.ctxsw)
		printf("  switches    %.1f context switches/op in the server\n",
		       (double)(r->srv1.ctxsw - r->srv0.ctxsw) / (double)r->ops);
	printf("  client      cpu %.1f us/op\n",
	       r->ops ? (double)r->client_cpu_ns / (double)r->ops / 1e3 : 0.0);
	if (r->mach1 > r->mach0 && r->secs > 0) {
		uint64_t busy = mach_ns(r), own = total + r->client_cpu_ns;
		uint64_t rest = busy > own ? busy - own : 0;

		printf("  machine     %.2f CPUs busy, %.2f of them neither server nor zk-bench\n",
		       (double)busy / 1e9 / r->secs, (double)rest / 1e9 / r->secs);
	}
}

int report_json(const struct bench_opts *o, const struct bench_result *r)
{
	static char buf[8192];
	const struct hist *h = &r->lat;
	struct json j;
	uint64_t total;
	uint64_t cpu = srv_cpu_ns(r, &total);
	const char *s;

	json_init(&j, buf, sizeof buf);
	json_obj_begin(&j, NULL);
	json_str(&j, "mode", bench_mode_name(o));
	json_str(&j, "host", o->host);
	json_int(&j, "port", o->port);
	json_int(&j, "conns", o->conns);
	json_int(&j, "depth", o->depth);
	json_int(&j, "size", o->size);
	json_int(&j, "keys", o->mode == MODE_CREATE ? 0 : o->keys);
	json_int(&j, "read_pct", o->mode == MODE_MIX ? o->read_pct : -1);
	json_uint(&j, "ops", r->ops);
	json_uint(&j, "elapsed_us", (uint64_t)(r->secs * 1e6));
	json_uint(&j, "ops_per_sec", ops_per_sec(r));
	json_bool(&j, "hit_time_limit", r->hit_cap);
	json_uint(&j, "errors", r->errors);
	json_str(&j, "first_error", r->first_err ? jute_err_name(r->first_err) : "");
	json_uint(&j, "lost_connections", r->lost);
	json_obj_begin(&j, "latency_ns");
	json_uint(&j, "min", h->n ? h->min : 0);
	json_uint(&j, "mean", h->n ? h->sum / h->n : 0);
	json_uint(&j, "p50", hist_pct(h, 0.5));
	json_uint(&j, "p99", hist_pct(h, 0.99));
	json_uint(&j, "p999", hist_pct(h, 0.999));
	json_uint(&j, "max", h->max);
	json_obj_end(&j);
	/* Per operation: mix has getData and setData replies in one run. */
	json_obj_begin(&j, "by_op");
	for (int i = 0; i < 3; i++) {
		static const char *const name[3] = { "getData", "setData", "create" };
		const struct hist *ho = &r->lat_op[i];
		if (!ho->n)
			continue;
		json_obj_begin(&j, name[i]);
		json_uint(&j, "ops", ho->n);
		json_uint(&j, "p50", hist_pct(ho, 0.5));
		json_uint(&j, "p99", hist_pct(ho, 0.99));
		json_uint(&j, "p999", hist_pct(ho, 0.999));
		json_uint(&j, "max", ho->max);
		json_obj_end(&j);
	}
	json_obj_end(&j);
	json_obj_begin(&j, "server");
	json_arr_begin(&j, "pids");
	for (int i = 0; i < o->npids; i++)
		json_int(&j, NULL, o->pids[i]);
	json_arr_end(&j);
	json_bool(&j, "measured", o->npids > 0 && r->srv0.ok && r->srv1.ok);
	json_uint(&j, "cpu_ns_per_op", cpu);
	json_uint(&j, "cpu_ns_total", total);
	json_uint(&j, "rss_kib", r->srv1.rss_kib);
	json_uint(&j, "peak_rss_kib", r->srv1.hwm_kib);
	json_uint(&j, "pss_kib", r->srv1.pss_kib);
	json_uint(&j, "anon_kib", r->srv1.anon_kib);
	/* Per 1000 ops, to stay an integer. */
	json_uint(&j, "ctxsw_per_kop", r->ops && r->srv1.ctxsw >= r->srv0.ctxsw ?
		  (r->srv1.ctxsw - r->srv0.ctxsw) * 1000 / r->ops : 0);
	if (r->settled) {
		json_obj_begin(&j, "settled");
		json_uint(&j, "after_ms", (uint64_t)(o->settle * 1e3));
		json_bool(&j, "measured", r->srv2.ok);
		json_uint(&j, "rss_kib", r->srv2.rss_kib);
		json_uint(&j, "pss_kib", r->srv2.pss_kib);
		json_uint(&j, "anon_kib", r->srv2.anon_kib);
		json_obj_end(&j);
	}
	json_obj_end(&j);
	json_uint(&j, "client_cpu_ns_per_op", r->ops ? r->client_cpu_ns / r->ops : 0);
	json_uint(&j, "client_cpu_ns_total", r->client_cpu_ns);
	/* Everything that ran on the machine in the window; minus server and
	 * client, it shows interference from other processes. */
	json_uint(&j, "machine_busy_ns", mach_ns(r));
	json_obj_end(&j);
	s = json_done(&j);
	if (!s) {
		warnx("JSON report too long");
		return -1;
	}
	printf("%s\n", s);
	return 0;
}
