/* bench.h: zk-bench, a load generator that speaks the ZooKeeper client wire
 * protocol. One thread, epoll, many connections, each with up to `depth`
 * requests in flight (replies come back FIFO per connection, so a ring of
 * send times per connection gives each reply's latency). */
#ifndef ZK_BENCH_H
#define ZK_BENCH_H
#include <stdint.h>
#include <sys/types.h>
#include "jute.h"

#define BENCH_MAX_CONNS 1024
#define BENCH_MAX_DEPTH 4096
#define BENCH_MAX_PIDS 64
#define BENCH_MAX_SIZE (1 << 20)
#define BENCH_MAX_KEYS 10000000
#define BENCH_PATH_MAX 256
/* Runs stop at this many seconds even when an op count was asked for. */
#define BENCH_DEFAULT_CAP_SECS 600.0

enum bench_mode { MODE_GET, MODE_SET, MODE_CREATE, MODE_MIX, MODE_LATENCY };
enum bench_lat { LAT_GET, LAT_SET, LAT_CREATE };

struct bench_opts {
	char host[128];
	int port;
	enum bench_mode mode;
	int lat_op;			/* latency mode: OP_GETDATA or OP_SETDATA */
	int conns, depth;
	uint64_t ops;			/* 0: run for secs */
	double secs;			/* time limit of the measured run */
	double warmup;			/* seconds of unrecorded load first */
	double settle;			/* seconds idle after the run before
					 * memory is sampled again (0: no) */
	int size;			/* value bytes */
	int keys;			/* znodes read/written by get/set/mix */
	int read_pct;			/* mix: percent of gets */
	char prefix[BENCH_PATH_MAX];	/* parent of every znode we touch */
	pid_t pids[BENCH_MAX_PIDS];	/* server processes to account */
	int npids;
	int json;
	int session_ms;
	int connect_ms;			/* bound on connect + handshake */
};

/* ---- hist.c: log-linear latency histogram ------------------------------ */

/* Values below 64 are exact; above, each power of two is split into 32
 * buckets (about 3% relative error), up to 2^64 ns. */
#define HIST_SUB 64
#define HIST_HALF 32
#define HIST_BUCKETS ((64 - 5) * HIST_HALF + HIST_HALF)

struct hist {
	uint64_t n, sum, min, max;
	uint64_t b[HIST_BUCKETS];
};

void hist_reset(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
/* Smallest bucket upper bound under which a fraction p (0..1) of the values
 * lie, capped by the exact max; 0 when empty. */
uint64_t hist_pct(const struct hist *h, double p);
/* Bucket index of v, and the largest value that maps to bucket i. */
unsigned hist_index(uint64_t v);
uint64_t hist_upper(unsigned i);

/* ---- procstat.c: server CPU and memory from /proc ---------------------- */

struct proc_sample {
	uint64_t cpu_ticks;		/* utime + stime, summed over pids */
	uint64_t rss_kib, hwm_kib;	/* VmRSS, VmHWM summed */
	uint64_t anon_kib;		/* RssAnon summed: private memory */
	/* Pss summed (smaps_rollup): pages mapped by several of the pids,
	 * such as a shared LMDB map, count once in total instead of once
	 * per process as in rss_kib. 0 if the kernel lacks smaps_rollup. */
	uint64_t pss_kib;
	/* Context switches (voluntary + not) of every thread of the pids:
	 * each hand-off between threads or daemons shows up here. */
	uint64_t ctxsw;
	int ok;				/* every pid could be read */
};

/* Busy time of the whole machine (all CPUs, ticks): /proc/stat's first
 * line minus idle, iowait and steal. Shows how much else ran in a window. */
int proc_parse_cpu_line(const char *text, uint64_t *busy);
int proc_machine_busy(uint64_t *busy);
/* Parse the utime+stime of one /proc/PID/stat line; -1 if malformed. */
int proc_parse_stat(const char *line, uint64_t *ticks);
/* Value in KiB of "Key:" in a /proc/PID/status text; -1 if absent. */
int proc_parse_status_kib(const char *text, const char *key, uint64_t *kib);
void proc_sample_take(const pid_t *pids, int n, struct proc_sample *s);
/* Clock ticks per second (sysconf). */
long proc_hz(void);

/* ---- run.c: connections and the load loop ------------------------------ */

struct bench_result {
	uint64_t ops;			/* replies counted in the measured window */
	uint64_t errors;		/* replies with err != 0, and bad bodies */
	int32_t first_err;		/* first error code seen (0 if none) */
	uint64_t lost;			/* connections that died */
	double secs;
	int hit_cap;			/* stopped by the time limit, not -n */
	struct hist lat;		/* ns */
	/* The same per operation (mix has both), indexed by enum bench_lat. */
	struct hist lat_op[3];
	struct proc_sample srv0, srv1;
	struct proc_sample srv2;	/* after --settle seconds idle */
	int settled;
	uint64_t client_cpu_ns;
	uint64_t mach0, mach1;		/* machine busy ticks; both 0 if unknown */
};

/* Connect, set up znodes, warm up, measure, close. 0 or -1 (reported). */
int bench_run(const struct bench_opts *o, struct bench_result *r);

/* ---- report.c --------------------------------------------------------- */

const char *bench_mode_name(const struct bench_opts *o);
void report_text(const struct bench_opts *o, const struct bench_result *r);
int report_json(const struct bench_opts *o, const struct bench_result *r);

#endif
