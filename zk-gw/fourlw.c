/* fourlw.c: four-letter words on the client port, in the text formats
 * Apache ZooKeeper 3.8 prints, honouring 4lw.commands.whitelist. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "gw.h"
#include "log.h"

#define ZK_VERSION "3.8.0-zk"
#define ZK_FULL_VERSION ZK_VERSION ", built on 2026-12-01 00:00 UTC"

/* Every word Apache knows; the ones we do not implement print nothing. */
static const char *const words[] = {
	"ruok", "srvr", "stat", "mntr", "conf", "cons", "isro", "envi",
	"wchs", "crst", "srst", "dirs", "gtmk", "dump", "wchc", "wchp",
	"stmk", "hash", NULL
};

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
			if (cap > (16u << 20) || !(q = realloc(s->p, cap))) {
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
	sb_printf(s, "zk_watch_count\t%zu\n", gw.watches.count);
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

static void conf_word(struct sb *s)
{
	const struct zk_conf *cf = &gw.d->conf;
	const char *host;
	int port;

	conf_client_endpoint(cf, &host, &port);
	sb_printf(s, "clientPort=%d\nsecureClientPort=-1\n", port);
	sb_printf(s, "dataDir=%s/version-2\ndataDirSize=0\n", cf->data_dir);
	sb_printf(s, "dataLogDir=%s/version-2\ndataLogSize=0\n", cf->data_log_dir);
	sb_printf(s, "tickTime=%d\nmaxClientCnxns=%d\n", cf->tick_time, cf->max_client_cnxns);
	sb_printf(s, "minSessionTimeout=%d\nmaxSessionTimeout=%d\n",
		  cf->min_session_timeout, cf->max_session_timeout);
	sb_printf(s, "clientPortListenBacklog=-1\nserverId=%d\n", cf->myid);
	if (conf_is_ensemble(cf))
		sb_printf(s, "initLimit=%d\nsyncLimit=%d\n", cf->init_limit, cf->sync_limit);
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
		int fd, n = 0;

		for (fd = 0; fd < gw.maxfd; fd++)
			if (gw.conns[fd] && gw.conns[fd]->w.count)
				n++;
		sb_printf(s, "%d connections watching %zu paths\nTotal watches:%zu\n",
			  n, watch_paths(&gw.watches), gw.watches.count);
	} else if (strcmp(w, "crst") == 0) {
		reset_stats(1);
		sb_printf(s, "Connection stats reset.\n");
	} else if (strcmp(w, "srst") == 0) {
		reset_stats(0);
		sb_printf(s, "Server stats reset.\n");
	} else if (strcmp(w, "dirs") == 0) {
		sb_printf(s, "datadir_size: 0\nlogdir_size: 0\n");
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
	if (!s.err && s.len)
		(void)conn_write(c, s.p, s.len);
	free(s.p);
	conn_close_after_flush(c);
	return 1;
}
