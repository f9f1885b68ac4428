/* fourlw.c: four-letter words on the client port, in the text formats
 * Apache ZooKeeper 3.8 prints, honouring 4lw.commands.whitelist. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "gw.h"
#include "log.h"

#define ZK_VERSION "3.8.0-zk"
#define ZK_FULL_VERSION ZK_VERSION ", built on 2026-12-01 00:00 UTC"

/* Every word Apache knows; the ones we do not implement (stmk, hash)
 * print nothing. */
static const char *const words[] = {
	"ruok", "srvr", "stat", "mntr", "conf", "cons", "isro", "envi",
	"wchs", "crst", "srst", "dirs", "gtmk", "dump", "wchc", "wchp",
	"stmk", "hash", NULL
};

/* An answer is built whole, then written: at most SB_MAX bytes (the
 * listings of wchc, wchp and dump grow with the watches and sessions).
 * A printf that would pass the bound is dropped whole and sets err, so
 * what was built is complete lines; fourlw_maybe() sends those and a
 * last line saying the answer was cut (Apache has no bound; a cut list
 * with a mark beats none at all, and a client must not make us build an
 * unbounded answer). The walks stop at the first dropped line. */
#define SB_MAX (16u << 20)
#define SB_CUT "(answer cut at 16 MiB)\n"

struct sb {
	char *p;
	size_t len, cap;
	int err;
};

static void sb_printf(struct sb *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			s->err = 1;
			return;
		}
		if ((size_t)n < s->cap - s->len) {
			s->len += (size_t)n;
			return;
		}
		{
			size_t cap = (s->cap ? s->cap : 1024) * 2;
			char *q;

			while (cap < s->len + (size_t)n + 1)
				cap *= 2;
			if (cap > SB_MAX || !(q = realloc(s->p, cap))) {
				s->err = 1;
				return;
			}
			s->p = q;
			s->cap = cap;
		}
	}
}

/* Apache rounds average latencies to 3 decimals and prints them with
 * Java's Double.toString: shortest text that reads back the same. */
static void java_double(char *buf, size_t len, double v)
{
	int prec;

	v = (double)(int64_t)(v * 1000.0 + 0.5) / 1000.0;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (!strchr(buf, '.') && !strchr(buf, 'e') && !strchr(buf, 'n'))
		strncat(buf, ".0", len - strlen(buf) - 1);
}

static int whitelisted(const char *w)
{
	const char *l = gw.d->conf.fourlw_whitelist;

	while (*l) {
		size_t n;

		while (*l == ',' || *l == ' ')
			l++;
		n = strcspn(l, ", ");
		if (n == 1 && *l == '*')
			return 1;
		if (n == 4 && memcmp(l, w, 4) == 0)
			return 1;
		l += n;
	}
	return 0;
}

static const char *op_abbrev(int op)
{
	switch (op) {
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER: case OP_CREATETTL:
		return "CREA";
	case OP_DELETE: return "DELE";
	case OP_EXISTS: return "EXIS";
	case OP_GETDATA: return "GETD";
	case OP_SETDATA: return "SETD";
	case OP_GETACL: return "GETA";
	case OP_SETACL: return "SETA";
	case OP_GETCHILDREN: return "GETC";
	case OP_GETCHILDREN2: return "GETC";
	case OP_SYNC: return "SYNC";
	case OP_PING: return "PING";
	case OP_MULTI: return "MULT";
	case OP_MULTIREAD: return "MLTR";
	case OP_AUTH: return "AUTH";
	case OP_SETWATCHES: case OP_SETWATCHES2: return "SETW";
	case OP_CLOSESESSION: return "CLOS";
	case OP_GETEPHEMERALS: return "GETE";
	case OP_GETALLCHILDRENNUMBER: return "GETACN";
	case OP_ADDWATCH: return "ADDW";
	case OP_WHOAMI: return "HOMI";
	default: return "NA";
	}
}

static int64_t zxid_now(void)
{
	int64_t t = tree_last_zxid();

	return t > gw.applied_zxid ? t : gw.applied_zxid;
}

static const struct conn *asking;	/* the 4lw connection itself */

static void conn_line(struct sb *s, const struct conn *c, int brief)
{
	/* interest ops as NIO shows them: 0 while being served, 1 reading */
	sb_printf(s, " /%s[%s](queued=%d,recved=%llu,sent=%llu", c->peer,
		  c == asking || !c->reading ? "0" : "1", c->npend,
		  (unsigned long long)c->recvd, (unsigned long long)c->sent);
	if (!brief && c->session) {
		char avg[32];

		snprintf(avg, sizeof(avg), "%lld", (long long)(c->lat_n ? c->lat_sum / c->lat_n : 0));
		sb_printf(s, ",sid=0x%llx,lop=%s,est=%lld,to=%d", (unsigned long long)c->session,
			  op_abbrev(c->last_op), (long long)c->established_ms, c->timeout);
		if (c->last_cxid >= 0)
			sb_printf(s, ",lcxid=0x%x", (unsigned)c->last_cxid);
		sb_printf(s, ",lzxid=0x%llx,lresp=%lld,llat=%lld,minlat=%lld,avglat=%s,maxlat=%lld",
			  (unsigned long long)c->last_zxid, (long long)c->last_resp_ms,
			  (long long)c->last_lat, (long long)(c->lat_min < 0 ? 0 : c->lat_min),
			  avg, (long long)c->lat_max);
	}
	sb_printf(s, ")\n");
}

static void all_conns(struct sb *s, int brief)
{
	int fd;

	for (fd = 0; fd < gw.maxfd; fd++)
		if (gw.conns[fd] && !gw.conns[fd]->dead)
			conn_line(s, gw.conns[fd], brief);
}

static int outstanding(void)
{
	int fd, n = 0;

	for (fd = 0; fd < gw.maxfd; fd++)
		if (gw.conns[fd])
			n += gw.conns[fd]->npend;
	return n;
}

static const char *mode(void)
{
	return conf_is_ensemble(&gw.d->conf) ? gw.d->state : "standalone";
}

static void srvr(struct sb *s, int with_clients)
{
	char avg[32];

	java_double(avg, sizeof(avg), gw.lat_n ? (double)gw.lat_sum / (double)gw.lat_n : 0.0);
	sb_printf(s, "Zookeeper version: %s\n", ZK_FULL_VERSION);
	if (with_clients) {
		sb_printf(s, "Clients:\n");
		all_conns(s, 1);
		sb_printf(s, "\n");
	}
	sb_printf(s, "Latency min/avg/max: %lld/%s/%lld\n", (long long)(gw.lat_n ? gw.lat_min : 0),
		  avg, (long long)gw.lat_max);
	sb_printf(s, "Received: %llu\nSent: %llu\nConnections: %d\nOutstanding: %d\n",
		  (unsigned long long)gw.packets_recv, (unsigned long long)gw.packets_sent,
		  gw.nconns, outstanding());
	sb_printf(s, "Zxid: 0x%llx\nMode: %s\nNode count: %lld\n",
		  (unsigned long long)zxid_now(), mode(), (long long)tree_node_count());
}

/* ---- watches: Apache's data table for wchs/wchc/wchp (see watch.h) ---- */

static const struct conn *conn_of(const struct watch_conn *wc)
{
	return (const struct conn *)(const void *)((const char *)wc - offsetof(struct conn, w));
}

static size_t watch_count_both(void)
{
	size_t n = 0;
	int fd;

	for (fd = 0; fd < gw.maxfd; fd++) {
		struct conn *c = gw.conns[fd];

		if (c && c->w.count)
			n += watch_conn_pairs(&gw.watches, &c->w, WTAB_DATA) +
			     watch_conn_pairs(&gw.watches, &c->w, WTAB_CHILD);
	}
	return n;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the DIR's own fd */
}

static void mntr(struct sb *s)
{
	struct rlimit rl;
	char avg[32];
	int64_t eph = tree_ephemerals_count();

	java_double(avg, sizeof(avg), gw.lat_n ? (double)gw.lat_sum / (double)gw.lat_n : 0.0);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		rl.rlim_cur = 0;
	sb_printf(s, "zk_version\t%s\n", ZK_FULL_VERSION);
	sb_printf(s, "zk_server_state\t%s\n", mode());
	sb_printf(s, "zk_avg_latency\t%s\n", avg);
	sb_printf(s, "zk_max_latency\t%lld\n", (long long)gw.lat_max);
	sb_printf(s, "zk_min_latency\t%lld\n", (long long)(gw.lat_n ? gw.lat_min : 0));
	sb_printf(s, "zk_packets_received\t%llu\n", (unsigned long long)gw.packets_recv);
	sb_printf(s, "zk_packets_sent\t%llu\n", (unsigned long long)gw.packets_sent);
	sb_printf(s, "zk_num_alive_connections\t%d\n", gw.nconns);
	sb_printf(s, "zk_outstanding_requests\t%d\n", outstanding());
	sb_printf(s, "zk_uptime\t%lld\n", (long long)(loop_now_ms() - gw.started_ms));
	sb_printf(s, "zk_znode_count\t%lld\n", (long long)tree_node_count());
	sb_printf(s, "zk_watch_count\t%zu\n", watch_count_both());
	sb_printf(s, "zk_ephemerals_count\t%lld\n", (long long)(eph < 0 ? 0 : eph));
	sb_printf(s, "zk_approximate_data_size\t0\n");
	sb_printf(s, "zk_global_sessions\t%zu\n", map_count(gw.sessions));
	sb_printf(s, "zk_local_sessions\t0\n");
	sb_printf(s, "zk_open_file_descriptor_count\t%d\n", count_fds());
	sb_printf(s, "zk_max_file_descriptor_count\t%llu\n", (unsigned long long)rl.rlim_cur);
	sb_printf(s, "zk_connection_drop_probability\t0.0\n");
	sb_printf(s, "zk_last_client_response_size\t-1\n");
	sb_printf(s, "zk_max_client_response_size\t-1\n");
	sb_printf(s, "zk_min_client_response_size\t-1\n");
	sb_printf(s, "zk_outstanding_tls_handshake\t0\n");
	sb_printf(s, "zk_auth_failed_count\t0\n");
	sb_printf(s, "zk_non_mtls_remote_conn_count\t0\n");
	sb_printf(s, "zk_non_mtls_local_conn_count\t0\n");
}

/* ---- dirs ---- */

/* Bytes on disk of the regular files directly in dir (Apache sums the
 * files of its snapshot and log directories). Allocated blocks, not the
 * apparent length: the tree's data.mdb is sparse, as long as the LMDB
 * map. -1 if the directory cannot be read (logged). */
static int64_t dir_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int64_t n = 0;

	if (!d) {
		warn("dirs: open %s", dir);
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)	/* a log segment removed meanwhile */
				warn("dirs: stat %s/%s", dir, e->d_name);
			continue;
		}
		if (S_ISREG(st.st_mode))
			n += (int64_t)st.st_blocks * 512;
	}
	closedir(d);
	return n;
}

/* zk's counterparts of Apache's snapshot and txn log directories: the
 * tree env and the txn log segments. */
static int64_t data_dir_bytes(void)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/tree", gw.d->conf.data_dir);
	return dir_bytes(path);
}

static int64_t log_dir_bytes(void)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/txlog", gw.d->conf.data_log_dir);
	return dir_bytes(path);
}

static void dirs(struct sb *s)
{
	sb_printf(s, "datadir_size: %lld\nlogdir_size: %lld\n",
		  (long long)data_dir_bytes(), (long long)log_dir_bytes());
}

static void conf_word(struct sb *s)
{
	const struct zk_conf *cf = &gw.d->conf;
	const char *host;
	int port;

	conf_client_endpoint(cf, &host, &port);
	sb_printf(s, "clientPort=%d\nsecureClientPort=-1\n", port);
	sb_printf(s, "dataDir=%s/version-2\ndataDirSize=%lld\n", cf->data_dir,
		  (long long)data_dir_bytes());
	sb_printf(s, "dataLogDir=%s/version-2\ndataLogSize=%lld\n", cf->data_log_dir,
		  (long long)log_dir_bytes());
	sb_printf(s, "tickTime=%d\nmaxClientCnxns=%d\n", cf->tick_time, cf->max_client_cnxns);
	sb_printf(s, "minSessionTimeout=%d\nmaxSessionTimeout=%d\n",
		  cf->min_session_timeout, cf->max_session_timeout);
	sb_printf(s, "clientPortListenBacklog=-1\nserverId=%d\n", cf->myid);
	if (conf_is_ensemble(cf))
		sb_printf(s, "initLimit=%d\nsyncLimit=%d\n", cf->init_limit, cf->sync_limit);
}

static void wchs(struct sb *s)
{
	size_t total = 0, n;
	int fd, conns = 0;

	for (fd = 0; fd < gw.maxfd; fd++) {
		struct conn *c = gw.conns[fd];

		if (!c || !c->w.count)
			continue;
		n = watch_conn_pairs(&gw.watches, &c->w, WTAB_DATA);
		total += n;
		conns += n > 0;
	}
	sb_printf(s, "%d connections watching %zu paths\nTotal watches:%zu\n",
		  conns, watch_table_paths(&gw.watches, WTAB_DATA), total);
}

static int print_path(void *arg, const char *path, size_t len)
{
	struct sb *s = arg;

	sb_printf(s, "\t%.*s\n", (int)len, path);
	return s->err;
}

/* wchc: each session with watches, then its watched paths. */
static void wchc(struct sb *s)
{
	int fd;

	for (fd = 0; fd < gw.maxfd && !s->err; fd++) {
		struct conn *c = gw.conns[fd];

		if (!c || !watch_conn_pairs(&gw.watches, &c->w, WTAB_DATA))
			continue;
		sb_printf(s, "0x%llx\n", (unsigned long long)c->session);
		(void)watch_conn_each(&gw.watches, &c->w, WTAB_DATA, print_path, s);
	}
	sb_printf(s, "\n");
}

static int wchp_path(void *arg, const char *path, size_t len)
{
	struct sb *s = arg;

	sb_printf(s, "%.*s\n", (int)len, path);
	return s->err;
}

static int wchp_conn(void *arg, const struct watch_conn *wc)
{
	struct sb *s = arg;

	sb_printf(s, "\t0x%llx\n", (unsigned long long)conn_of(wc)->session);
	return s->err;
}

/* wchp: each watched path, then the sessions watching it. */
static void wchp(struct sb *s)
{
	(void)watch_each(&gw.watches, WTAB_DATA, wchp_path, wchp_conn, s);
	sb_printf(s, "\n");
}

/* ---- dump ---- */

/* Sessions collected for the dump: more would not fit in SB_MAX anyway
 * (a line each of at least 20 bytes). */
#define DUMP_MAX_SESSIONS (1u << 20)
/* Apache's default for a connection without a session
 * (zookeeper.nio.sessionlessCnxnTimeout). */
#define SESSIONLESS_MS 10000

struct dump_sess {
	int64_t deadline;	/* wall clock ms, a tick multiple */
	int64_t id;
	int32_t timeout;
};

struct dump_list {
	struct dump_sess *v;
	size_t n, cap;
	int cut;		/* more than DUMP_MAX_SESSIONS, or no memory */
	int64_t now;		/* wall clock ms */
};

/* Apache's bucket: the next multiple of tickTime strictly after t (as
 * zk-sessiond rounds). */
static int64_t bucket(int64_t t)
{
	int64_t tick = gw.d->conf.tick_time > 0 ? gw.d->conf.tick_time : 1;

	return (t / tick + 1) * tick;
}

/* When zk-sessiond will expire a session, as far as zk-gw can tell: it
 * owns the timers, and it renews a session by its timeout at each
 * GW_TOUCH, which we send for every session with traffic. So a session
 * connected here expires a timeout after its last request (pings
 * included); one not connected here has no traffic, so it expires a
 * timeout from now at the latest, which is what we print. */
static int64_t session_deadline(int64_t id, int32_t timeout, int64_t now)
{
	const struct conn *c = map_get(gw.sessions, (uint64_t)id);

	if (c && !c->dead && c->st == CS_OPEN)
		return bucket(c->last_resp_ms + timeout);
	return bucket(now + timeout);
}

static int collect_session(void *arg, int64_t id, int32_t timeout)
{
	struct dump_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct dump_sess *v;

		if (cap > DUMP_MAX_SESSIONS || !(v = realloc(l->v, cap * sizeof(*v)))) {
			l->cut = 1;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].id = id;
	l->v[l->n].timeout = timeout;
	l->v[l->n].deadline = session_deadline(id, timeout, l->now);
	l->n++;
	return 0;
}

static int by_deadline(const void *a, const void *b)
{
	const struct dump_sess *x = a, *y = b;

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Java's Date.toString(), in UTC (the zone we run in). */
static void java_date(char *buf, size_t len, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, len, "%a %b %d %H:%M:%S UTC %Y", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)ms);
}

/* "Sets (buckets)/(members):" then each bucket in time order:
 * "<n> expire at <date>:" and its members. v is sorted by deadline. */
static void buckets(struct sb *s, const char *what, const struct dump_sess *v, size_t n,
		    void (*member)(struct sb *, const struct dump_sess *))
{
	size_t i, j, nb = 0;
	char date[64];

	for (i = 0; i < n; i++)
		nb += i == 0 || v[i].deadline != v[i - 1].deadline;
	sb_printf(s, "%s Sets (%zu)/(%zu):\n", what, nb, n);
	for (i = 0; i < n && !s->err; i = j) {
		for (j = i; j < n && v[j].deadline == v[i].deadline; j++)
			;
		java_date(date, sizeof(date), v[i].deadline);
		sb_printf(s, "%zu expire at %s:\n", j - i, date);
		for (; i < j && !s->err; i++)
			member(s, &v[i]);
	}
}

static void session_member(struct sb *s, const struct dump_sess *d)
{
	sb_printf(s, "\t0x%llx\n", (unsigned long long)d->id);
}

/* dump_sess.id of a connection entry: its fd (the conn is looked up). */
static void conn_member(struct sb *s, const struct dump_sess *d)
{
	const struct conn *c = gw.conns[d->id];

	sb_printf(s, "\tip: /%s sessionId: 0x%llx\n", c->peer, (unsigned long long)c->session);
}

/* Apache's "Connections dump": each connection under the time it would
 * be dropped: its session's expiry, or SESSIONLESS_MS after its last
 * traffic for one without a session (Apache's default). */
static void dump_conns(struct sb *s, int64_t now)
{
	struct dump_sess *v = calloc((size_t)gw.nconns + 1, sizeof(*v));
	size_t n = 0;
	int fd;

	if (!v) {
		s->err = 1;
		return;
	}
	for (fd = 0; fd < gw.maxfd && n <= (size_t)gw.nconns; fd++) {
		const struct conn *c = gw.conns[fd];

		if (!c || c->dead)
			continue;
		v[n].id = fd;
		if (c->session && c->st == CS_OPEN)
			v[n].deadline = session_deadline(c->session, c->timeout, now);
		else
			v[n].deadline = bucket(c->last_resp_ms + SESSIONLESS_MS);
		n++;
	}
	qsort(v, n, sizeof(*v), by_deadline);
	buckets(s, "Connections", v, n, conn_member);
	free(v);
}

/* Apache's "ephemeral nodes dump" lists only sessions with ephemerals:
 * the session's line goes out before its first path. */
struct eph_walk {
	struct sb *s;
	int64_t id;
	size_t n;
};

static int eph_path(void *arg, const char *path, size_t len)
{
	struct eph_walk *w = arg;

	if (w->n++ == 0)
		sb_printf(w->s, "0x%llx:\n", (unsigned long long)w->id);
	sb_printf(w->s, "\t%.*s\n", (int)len, path);
	return w->s->err;
}

static void dump(struct sb *s)
{
	int64_t now = wall_now_ms();
	struct dump_list l = { NULL, 0, 0, 0, now };
	int live = tree_live();
	size_t i, with = 0;
	struct sb eph = { 0 };

	/* One read txn: sessions and ephemerals from the same snapshot. */
	if (!tree_rbegin() || tree_sessions(collect_session, &l) < 0) {
		sb_printf(s, "zk-gw: cannot read the sessions table (see its log)\n");
		goto out;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_deadline);
	sb_printf(s, "SessionTracker dump:\n");
	buckets(s, "Session", l.v, l.n, session_member);
	for (i = 0; i < l.n && !eph.err; i++) {
		struct eph_walk w = { &eph, l.v[i].id, 0 };

		if (tree_session_ephemerals(l.v[i].id, eph_path, &w) < 0) {
			sb_printf(s, "zk-gw: cannot read the ephemerals (see its log)\n");
			goto out;
		}
		with += w.n > 0;
	}
	sb_printf(s, "ephemeral nodes dump:\nSessions with Ephemerals (%zu):\n", with);
	if (eph.len && !s->err)
		sb_printf(s, "%.*s", (int)eph.len, eph.p);
	if (eph.err || l.cut)
		s->err = 1;
	sb_printf(s, "Connections dump:\n");
	dump_conns(s, now);
out:
	if (!live)
		tree_rend();
	free(eph.p);
	free(l.v);
}

static void reset_stats(int conns_too)
{
	int fd;

	gw.packets_recv = gw.packets_sent = 0;
	gw.lat_min = gw.lat_max = gw.lat_sum = gw.lat_n = 0;
	if (!conns_too)
		return;
	for (fd = 0; fd < gw.maxfd; fd++) {
		struct conn *c = gw.conns[fd];

		if (!c)
			continue;
		c->recvd = c->sent = 0;
		c->lat_min = -1;
		c->lat_max = c->lat_sum = c->lat_n = 0;
	}
}

static void run_word(struct sb *s, const char *w)
{
	int serving = tree_last_zxid() >= 0;

	if (strcmp(w, "ruok") == 0) {
		sb_printf(s, "imok");
		return;
	}
	if (strcmp(w, "isro") == 0) {
		sb_printf(s, "%s", serving ? "rw" : "null");
		return;
	}
	if (strcmp(w, "conf") == 0) {
		conf_word(s);
		return;
	}
	if (strcmp(w, "gtmk") == 0) {
		sb_printf(s, "306");	/* Apache's default trace mask */
		return;
	}
	if (strcmp(w, "envi") == 0) {
		sb_printf(s, "Environment:\nzookeeper.version=%s\nhost.name=localhost\n"
			  "os.name=Linux\n", ZK_FULL_VERSION);
		return;
	}
	if (!serving) {
		sb_printf(s, "This ZooKeeper instance is not currently serving requests\n");
		return;
	}
	if (strcmp(w, "srvr") == 0)
		srvr(s, 0);
	else if (strcmp(w, "stat") == 0)
		srvr(s, 1);
	else if (strcmp(w, "mntr") == 0)
		mntr(s);
	else if (strcmp(w, "cons") == 0) {
		all_conns(s, 0);
		sb_printf(s, "\n");
	} else if (strcmp(w, "wchs") == 0) {
		wchs(s);
	} else if (strcmp(w, "wchc") == 0) {
		wchc(s);
	} else if (strcmp(w, "wchp") == 0) {
		wchp(s);
	} else if (strcmp(w, "dump") == 0) {
		dump(s);
	} else if (strcmp(w, "crst") == 0) {
		reset_stats(1);
		sb_printf(s, "Connection stats reset.\n");
	} else if (strcmp(w, "srst") == 0) {
		reset_stats(0);
		sb_printf(s, "Server stats reset.\n");
	} else if (strcmp(w, "dirs") == 0) {
		dirs(s);
	}
}

int fourlw_maybe(struct conn *c, const uint8_t *p)
{
	char w[5];
	struct sb s = { 0 };
	int i;

	memcpy(w, p, 4);
	w[4] = '\0';
	asking = c;
	for (i = 0; words[i]; i++)
		if (strcmp(words[i], w) == 0)
			break;
	if (!words[i])
		return 0;
	if (!whitelisted(w))
		sb_printf(&s, "%s is not executed because it is not in the whitelist.\n", w);
	else
		run_word(&s, w);
	/* A failed write has closed the connection: nothing more then. */
	if ((!s.len || conn_write(c, s.p, s.len) == 0) && s.err)
		(void)conn_write(c, SB_CUT, strlen(SB_CUT));
	free(s.p);
	conn_close_after_flush(c);
	return 1;
}
