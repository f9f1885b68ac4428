/* conf.c: the zoo.cfg parser. One table row per plain key (type, range,
 * default, field); server.N and user.<daemon> are the two key families with
 * their own parsers. Whole-file rules (dataDir required, derived defaults,
 * myid against the server lines) run after the last line. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include "conf.h"
#include "log.h"

#define CONF_LINE_MAX 8192		/* longest line, newline included */
#define CONF_MAX_LINES 100000		/* a bigger file is not a zoo.cfg */

enum conf_type {
	CT_INT,		/* int in [min, max] */
	CT_LONG,	/* long in [min, max] */
	CT_HOST,	/* host name or address: no spaces */
	CT_PATH,	/* absolute path */
	CT_LEVEL,	/* error|warn|info|debug */
	CT_ONOFF,	/* on|off */
	CT_WORDS,	/* comma list of four-letter words, or "*" */
	CT_BOOL,	/* true|false, any case (Java's Boolean.parseBoolean) */
	CT_DIGEST,	/* user:base64 of a SHA-1 (28 characters) */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	long min, max;
	long def;		/* numeric default (CT_INT, CT_LONG, CT_LEVEL, CT_ONOFF) */
	const char *sdef;	/* string default, NULL = "" or derived later */
	size_t off, size;	/* field in struct zk_conf */
};

#define F(field) offsetof(struct zk_conf, field), sizeof(((struct zk_conf *)0)->field)

/* Session timeouts and the paths derived from dataDir get their defaults
 * after the whole file is read (they depend on other keys); their "unset"
 * value here is -1 or "". */
static const struct conf_key conf_keys[] = {
	{ "tickTime", CT_INT, 1, 600000, 3000, NULL, F(tick_time) },
	{ "initLimit", CT_INT, 1, 100000, 10, NULL, F(init_limit) },
	{ "syncLimit", CT_INT, 1, 100000, 5, NULL, F(sync_limit) },
	{ "dataDir", CT_PATH, 0, 0, 0, NULL, F(data_dir) },
	{ "dataLogDir", CT_PATH, 0, 0, 0, NULL, F(data_log_dir) },
	{ "clientPort", CT_INT, 1, 65535, 2181, NULL, F(client_port) },
	{ "clientPortAddress", CT_HOST, 0, 0, 0, "0.0.0.0", F(client_port_address) },
	{ "maxClientCnxns", CT_INT, 0, 1000000, 60, NULL, F(max_client_cnxns) },
	/* -1 (Apache's own "unset") or 0 mean the tickTime-derived default. */
	{ "minSessionTimeout", CT_INT, -1, 86400000, -1, NULL, F(min_session_timeout) },
	{ "maxSessionTimeout", CT_INT, -1, 86400000, -1, NULL, F(max_session_timeout) },
	{ "4lw.commands.whitelist", CT_WORDS, 0, 0, 0, "srvr", F(fourlw_whitelist) },
	{ "jute.maxbuffer", CT_LONG, 1024, 1L << 30, 1048575, NULL, F(jute_maxbuffer) },
	{ "ipcDir", CT_PATH, 0, 0, 0, NULL, F(ipc_dir) },
	{ "logLevel", CT_LEVEL, 0, 0, LOG_LVL_INFO, NULL, F(log_level) },
	{ "sandbox", CT_ONOFF, 0, 0, 1, NULL, F(sandbox) },
	/* Apache reads these as Java system properties; zoo.cfg here. */
	{ "extendedTypesEnabled", CT_BOOL, 0, 0, 0, NULL, F(extended_types) },
	{ "znode.container.checkIntervalMs", CT_INT, 1, 86400000, 60000, NULL,
	  F(container_check_ms) },
	{ "znode.container.maxPerMinute", CT_INT, 1, 100000000, 10000, NULL,
	  F(container_max_per_min) },
	{ "znode.container.maxNeverUsedIntervalMs", CT_LONG, 0, LONG_MAX, 0, NULL,
	  F(container_never_used_ms) },
	/* Snapshots and purge (zk-treed snapshots its env, zk-zabd purges
	 * the txn log): Apache's names, defaults and units. */
	{ "snapCount", CT_INT, 2, INT_MAX, 100000, NULL, F(snap_count) },
	{ "autopurge.snapRetainCount", CT_INT, 1, 1000000, 3, NULL, F(snap_retain) },
	{ "autopurge.purgeInterval", CT_INT, 0, 876000, 0, NULL, F(purge_hours) },
	/* Apache's zookeeper.txnLogSizeLimitInKb; -1 or 0: our 64 MiB. */
	{ "txnLogSizeLimitInKb", CT_LONG, -1, 4L << 20, -1, NULL, F(txnlog_kb) },
	{ "DigestAuthenticationProvider.superDigest", CT_DIGEST, 0, 0, 0, NULL,
	  F(super_digest) },
};
#define NKEYS (sizeof conf_keys / sizeof conf_keys[0])

/* Real Apache ZooKeeper keys that zk accepts and ignores. A name ending in
 * '.' matches every key with that prefix. */
static const char *const conf_ignored[] = {
	"snapSizeLimitInKb", "preAllocSize", "globalOutstandingLimit", "admin.", "standaloneEnabled",
	"reconfigEnabled", "electionAlg", "electionPortBindRetry", "leaderServes",
	"cnxTimeout", "quorumListenOnAllIPs", "syncEnabled", "secureClientPort",
	"secureClientPortAddress", "metricsProvider.", "authProvider.", "ssl.",
	"sslQuorum", "sslQuorumReloadCertFiles", "skipACL", "forceSync",
	"localSessionsEnabled", "localSessionsUpgradingEnabled", "peerType",
	"dynamicConfigFile", "maxCnxns", "fsync.warningthresholdms",
	"zookeeper.", "quorum.", "group.", "weight.", "clientPortListenBacklog",
	"connectToLearnerMasterLimit", "commitLogCount", "snapshot.",
	"audit.enable", "serverCnxnFactory", "portUnification",
	"client.portUnification", "multiAddress.", "tcpKeepAlive",
	"maxResponseCacheSize", "maxGetChildrenResponseCacheSize",
	"learner.", "digest.enabled", "jute.maxbuffer.extrasize", "enforceQuota",
	"throttledOpWaitTime", "largeRequestMaxBytes", "largeRequestThreshold",
	"flushDelay", "maxWriteQueuePollTime", "maxBatchSize",
	"requestThrottle", "closeSessionTxn.enabled", "sessionRequireClientSASLAuth",
	"enforce.auth.", "kerberos.", "X509AuthenticationProvider.",
	"DigestAuthenticationProvider.", "sasl.", "jaasLoginRenew",
	"newFileSystemLayout", "serializeLastProcessedZxid.enabled",
	"netty.", "fips-mode",
};
#define NIGNORED (sizeof conf_ignored / sizeof conf_ignored[0])

/* Parser state across lines. */
struct conf_parse {
	struct zk_conf *c;
	const char *file;
	int line;
	char *err;
	size_t errlen;
	int key_line[NKEYS];		/* line each table key was set on, 0 = unset */
	int server_line[ZK_MAX_SERVERS];
	int user_line[P_COUNT];
};

static int conf_fail(struct conf_parse *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "file:line: key: what" (line 0: "file: key: what"). */
static int conf_fail(struct conf_parse *p, const char *key, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(p->err, p->errlen, "%s:%d: %s: %s", p->file, p->line, key, what);
	else
		snprintf(p->err, p->errlen, "%s: %s: %s", p->file, key, what);
	return -1;
}

static char *conf_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f' || *s == '\v')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
			 e[-1] == '\n' || e[-1] == '\f' || e[-1] == '\v'))
		*--e = '\0';
	return s;
}

/* Decimal integer, the whole string, in [min, max]. */
static int conf_num(struct conf_parse *p, const char *key, const char *v,
		    long min, long max, long *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)v[0]) && !(v[0] == '-' && isdigit((unsigned char)v[1])))
		return conf_fail(p, key, "not a number: \"%s\"", v);
	errno = 0;
	n = strtol(v, &end, 10);
	if (*end != '\0')
		return conf_fail(p, key, "not a number: \"%s\"", v);
	if (errno == ERANGE || n < min || n > max)
		return conf_fail(p, key, "%s out of range %ld..%ld", v, min, max);
	*out = n;
	return 0;
}

static int conf_str(struct conf_parse *p, const char *key, const char *v,
		    char *dst, size_t size)
{
	size_t n = strlen(v);

	if (n >= size)
		return conf_fail(p, key, "too long (%zu bytes, max %zu)", n, size - 1);
	memcpy(dst, v, n + 1);
	return 0;
}

static int conf_has_space(const char *v)
{
	for (; *v; v++)
		if (isspace((unsigned char)*v))
			return 1;
	return 0;
}

/* "user:" + 27 base64 characters + "=" (20 bytes); user non-empty. */
static int conf_digest_ok(const char *v)
{
	const char *colon = strrchr(v, ':'), *b;
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (colon == NULL || colon == v || strlen(colon + 1) != 28 || conf_has_space(v))
		return 0;
	for (b = colon + 1; b < colon + 28; b++)
		if (*b == '\0' || strchr(b64, *b) == NULL)
			return 0;
	return colon[28] == '=';
}

/* "srvr, ruok,stat" -> "srvr,ruok,stat"; "*" alone means every word. */
static int conf_words(struct conf_parse *p, const char *key, const char *v,
		      char *dst, size_t size)
{
	char buf[CONF_LINE_MAX], out[CONF_LINE_MAX] = "";
	char *tok, *save = NULL;
	size_t n = 0;

	if (strcmp(v, "*") == 0)
		return conf_str(p, key, v, dst, size);
	snprintf(buf, sizeof buf, "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *w = conf_trim(tok);
		if (strlen(w) != 4 || !islower((unsigned char)w[0]) ||
		    !islower((unsigned char)w[1]) || !islower((unsigned char)w[2]) ||
		    !islower((unsigned char)w[3]))
			return conf_fail(p, key, "not a four-letter word: \"%s\"", w);
		n += snprintf(out + n, sizeof out - n, "%s%s", n ? "," : "", w);
	}
	if (n == 0)
		return conf_fail(p, key, "empty list");
	return conf_str(p, key, out, dst, size);
}

static int conf_set_key(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	char *field = (char *)p->c + k->off;
	long n;
	int lvl;

	switch (k->type) {
	case CT_INT:
		if (conf_num(p, k->name, v, k->min, k->max, &n) < 0)
			return -1;
		*(int *)field = (int)n;
		return 0;
	case CT_LONG:
		if (conf_num(p, k->name, v, k->min, k->max, &n) < 0)
			return -1;
		*(long *)field = n;
		return 0;
	case CT_HOST:
		if (conf_has_space(v))
			return conf_fail(p, k->name, "spaces in a host: \"%s\"", v);
		return conf_str(p, k->name, v, field, k->size);
	case CT_DIGEST:
		/* A malformed digest would never match: say so now rather
		 * than leave the operator locked out. */
		if (!conf_digest_ok(v))
			return conf_fail(p, k->name, "not user:base64-of-SHA-1 (28 characters): \"%s\"", v);
		return conf_str(p, k->name, v, field, k->size);
	case CT_PATH:
		/* Daemons drop privileges and confine themselves to their
		 * paths; a relative path would depend on each one's cwd. */
		if (v[0] != '/')
			return conf_fail(p, k->name, "not an absolute path: \"%s\"", v);
		return conf_str(p, k->name, v, field, k->size);
	case CT_LEVEL:
		lvl = log_level_parse(v);
		if (lvl < 0)
			return conf_fail(p, k->name, "\"%s\" is not error, warn, info or debug", v);
		*(int *)field = lvl;
		return 0;
	case CT_ONOFF:
		if (strcmp(v, "on") == 0)
			*(int *)field = 1;
		else if (strcmp(v, "off") == 0)
			*(int *)field = 0;
		else
			return conf_fail(p, k->name, "\"%s\" is not on or off", v);
		return 0;
	case CT_WORDS:
		return conf_words(p, k->name, v, field, k->size);
	case CT_BOOL:
		if (strcasecmp(v, "true") == 0)
			*(int *)field = 1;
		else if (strcasecmp(v, "false") == 0)
			*(int *)field = 0;
		else
			return conf_fail(p, k->name, "\"%s\" is not true or false", v);
		return 0;
	}
	return conf_fail(p, k->name, "internal error: bad key type");
}

/* A TCP port, the whole string. */
static int conf_port(struct conf_parse *p, const char *key, const char *what,
		     const char *v, int *out)
{
	long n;
	char *end;

	errno = 0;
	n = strtol(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno == ERANGE ||
	    n < 1 || n > 65535)
		return conf_fail(p, key, "bad %s \"%s\" (want 1..65535)", what, v);
	*out = (int)n;
	return 0;
}

/* Splits "host:rest" or "[v6host]:rest"; returns rest or NULL. */
static char *conf_host_split(char *s, char **host)
{
	char *c;

	if (s[0] == '[') {
		c = strchr(s, ']');
		if (!c || c[1] != ':')
			return NULL;
		*c = '\0';
		*host = s + 1;
		return c + 2;
	}
	c = strchr(s, ':');
	if (!c)
		return NULL;
	*c = '\0';
	*host = s;
	return c + 1;
}

#define SERVER_FORM "host:quorumPort:electionPort[:participant|observer][;[clientAddr:]clientPort]"

/* server.N=host:quorumPort:electionPort[:participant|observer][;[clientAddr:]clientPort] */
static int conf_server(struct conf_parse *p, const char *key, const char *v)
{
	struct zk_conf *c = p->c;
	struct zk_server *s;
	char buf[CONF_LINE_MAX], *host, *rest, *client, *qp, *ep, *role;
	long id;
	int i;

	if (conf_num(p, key, key + 7, 1, 255, &id) < 0)
		return conf_fail(p, key, "server id \"%s\" is not 1..255", key + 7);
	for (i = 0; i < c->nservers; i++)
		if (c->servers[i].id == id)
			return conf_fail(p, key, "duplicate key (first at line %d)",
					 p->server_line[i]);
	if (c->nservers >= ZK_MAX_SERVERS)
		return conf_fail(p, key, "too many servers (max %d)", ZK_MAX_SERVERS);
	if (strchr(v, '|'))
		return conf_fail(p, key, "multiple addresses per server are not supported");
	if (conf_has_space(v))
		return conf_fail(p, key, "spaces in \"%s\", want " SERVER_FORM, v);
	snprintf(buf, sizeof buf, "%s", v);
	s = &c->servers[c->nservers];
	memset(s, 0, sizeof *s);
	s->id = (int)id;

	client = strchr(buf, ';');
	if (client)
		*client++ = '\0';
	rest = conf_host_split(buf, &host);
	if (!rest || !*host)
		return conf_fail(p, key, "\"%s\" is not " SERVER_FORM, v);
	qp = rest;
	ep = strchr(qp, ':');
	if (!ep)
		return conf_fail(p, key, "\"%s\" is not " SERVER_FORM, v);
	*ep++ = '\0';
	role = strchr(ep, ':');
	if (role)
		*role++ = '\0';
	if (conf_str(p, key, host, s->host, sizeof s->host) < 0 ||
	    conf_port(p, key, "quorum port", qp, &s->quorum_port) < 0 ||
	    conf_port(p, key, "election port", ep, &s->election_port) < 0)
		return -1;
	if (s->quorum_port == s->election_port)
		return conf_fail(p, key, "quorum and election ports are both %d", s->quorum_port);
	if (role) {
		if (strcmp(role, "observer") == 0)
			s->observer = 1;
		else if (strcmp(role, "participant") != 0)
			return conf_fail(p, key, "role \"%s\" is not participant or observer", role);
	}
	if (client) {
		char *chost = NULL, *cport = client;
		const char *orig = strchr(v, ';') + 1;
		if (strchr(client, ':') || client[0] == '[') {
			cport = conf_host_split(client, &chost);
			if (!cport || !*chost)
				return conf_fail(p, key, "bad client address \"%s\", want [clientAddr:]clientPort", orig);
			if (conf_str(p, key, chost, s->client_host, sizeof s->client_host) < 0)
				return -1;
		}
		if (conf_port(p, key, "client port", cport, &s->client_port) < 0)
			return -1;
	}
	/* Two servers on one host cannot share a port. */
	for (i = 0; i < c->nservers; i++) {
		const struct zk_server *o = &c->servers[i];
		int ports[2] = { s->quorum_port, s->election_port };
		if (strcmp(o->host, s->host) != 0)
			continue;
		for (int k = 0; k < 2; k++)
			if (ports[k] == o->quorum_port || ports[k] == o->election_port)
				return conf_fail(p, key, "port %d on %s already used by server.%d",
						 ports[k], s->host, o->id);
	}
	p->server_line[c->nservers] = p->line;
	c->nservers++;
	return 0;
}

/* user.zk-gw=NAME: the account a daemon drops to when started as root. */
static int conf_user(struct conf_parse *p, const char *key, const char *v)
{
	int id = proc_id(key + 5);
	size_t n = strlen(v);

	if (id < P_FIRST_DAEMON || id > P_LAST_DAEMON)
		return conf_fail(p, key, "unknown daemon \"%s\"", key + 5);
	if (p->user_line[id])
		return conf_fail(p, key, "duplicate key (first at line %d)", p->user_line[id]);
	if (n == 0 || n >= sizeof p->c->user[id] || n > 32)
		return conf_fail(p, key, "user name must be 1..32 bytes");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (!(islower(ch) || ch == '_' || (i > 0 && (isdigit(ch) || ch == '-'))))
			return conf_fail(p, key, "bad user name \"%s\"", v);
	}
	memcpy(p->c->user[id], v, n + 1);
	p->user_line[id] = p->line;
	return 0;
}

static int conf_is_ignored(const char *key)
{
	for (size_t i = 0; i < NIGNORED; i++) {
		size_t n = strlen(conf_ignored[i]);
		if (conf_ignored[i][n - 1] == '.' ? strncmp(key, conf_ignored[i], n) == 0 && key[n]
						 : strcmp(key, conf_ignored[i]) == 0)
			return 1;
	}
	return 0;
}

static int conf_line(struct conf_parse *p, char *text)
{
	char *s = conf_trim(text), *eq, *key, *v;

	if (*s == '\0' || *s == '#' || *s == '!')
		return 0;
	eq = strchr(s, '=');
	if (!eq)
		return conf_fail(p, s, "expected key=value");
	*eq = '\0';
	key = conf_trim(s);
	v = conf_trim(eq + 1);
	if (*key == '\0')
		return conf_fail(p, "(empty key)", "expected key=value");
	if (*v == '\0')
		return conf_fail(p, key, "empty value");
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(key, conf_keys[i].name) != 0)
			continue;
		if (p->key_line[i])
			return conf_fail(p, key, "duplicate key (first at line %d)", p->key_line[i]);
		p->key_line[i] = p->line;
		return conf_set_key(p, &conf_keys[i], v);
	}
	if (strncmp(key, "server.", 7) == 0)
		return conf_server(p, key, v);
	if (strncmp(key, "user.", 5) == 0)
		return conf_user(p, key, v);
	if (conf_is_ignored(key)) {
		warnx("%s:%d: %s: ignored (not implemented)", p->file, p->line, key);
		return 0;
	}
	return conf_fail(p, key, "unknown key");
}

static void conf_defaults(struct zk_conf *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct conf_key *k = &conf_keys[i];
		char *field = (char *)c + k->off;
		switch (k->type) {
		case CT_INT: case CT_LEVEL: case CT_ONOFF: case CT_BOOL:
			*(int *)field = (int)k->def;
			break;
		case CT_LONG:
			*(long *)field = k->def;
			break;
		default:
			snprintf(field, k->size, "%s", k->sdef ? k->sdef : "");
			break;
		}
	}
	for (int id = P_FIRST_DAEMON; id <= P_LAST_DAEMON; id++)
		snprintf(c->user[id], sizeof c->user[id], "%s", proc_name(id));
}

/* <dataDir>/myid: absent = 0; present = 1..255. */
static int conf_myid(struct conf_parse *p)
{
	char path[4200], buf[64], *s;
	FILE *f;
	size_t n;
	long id;
	char *end;

	snprintf(path, sizeof path, "%s/myid", p->c->data_dir);
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		return conf_fail(p, "myid", "%s: %s", path, strerror(errno));
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		return conf_fail(p, "myid", "%s: %s", path, strerror(e));
	}
	fclose(f);
	buf[n] = '\0';
	s = conf_trim(buf);
	errno = 0;
	id = strtol(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno || id < 1 || id > 255)
		return conf_fail(p, "myid", "%s: \"%s\" is not a server id 1..255", path, s);
	p->c->myid = (int)id;
	return 0;
}

/* The rules that need the whole file. */
static int conf_finish(struct conf_parse *p)
{
	struct zk_conf *c = p->c;
	/* nanomsg's ipc:// address must fit a sockaddr_un; the longest name
	 * we bind is "<ipcDir>/zk-sessiond.ctl". */
	size_t ipc_max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1 -
			 strlen("/zk-sessiond.ctl");
	const struct conf_key *ipc_key = NULL;
	int ipc_idx = 0;

	p->line = 0;
	if (c->data_dir[0] == '\0')
		return conf_fail(p, "dataDir", "missing (required)");
	if (c->data_log_dir[0] == '\0')
		snprintf(c->data_log_dir, sizeof c->data_log_dir, "%s", c->data_dir);
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(conf_keys[i].name, "ipcDir") == 0) {
			ipc_key = &conf_keys[i];
			ipc_idx = (int)i;
		}
	if (c->ipc_dir[0] == '\0') {
		if (strlen(c->data_dir) + strlen("/ipc") > ipc_max)
			return conf_fail(p, "ipcDir", "default %s/ipc is longer than %zu bytes (unix socket limit); set ipcDir",
					 c->data_dir, ipc_max);
		if (snprintf(c->ipc_dir, sizeof c->ipc_dir, "%s/ipc", c->data_dir) >=
		    (int)sizeof c->ipc_dir)
			return conf_fail(p, "ipcDir", "default %s/ipc is too long; set ipcDir",
					 c->data_dir);
	} else if (strlen(c->ipc_dir) > ipc_max) {
		p->line = p->key_line[ipc_idx];
		return conf_fail(p, ipc_key ? ipc_key->name : "ipcDir",
				 "longer than %zu bytes (unix socket limit)", ipc_max);
	}
	if (c->min_session_timeout <= 0)
		c->min_session_timeout = 2 * c->tick_time;
	if (c->max_session_timeout <= 0)
		c->max_session_timeout = 20 * c->tick_time;
	if (c->min_session_timeout > c->max_session_timeout)
		return conf_fail(p, "maxSessionTimeout", "%d is less than minSessionTimeout %d",
				 c->max_session_timeout, c->min_session_timeout);
	/* As Apache: fewer than 3 retained snapshots is raised to 3. */
	if (c->snap_retain < 3) {
		warnx("%s: autopurge.snapRetainCount: %d is below the minimum 3: using 3",
		      p->file, c->snap_retain);
		c->snap_retain = 3;
	}
	if (conf_myid(p) < 0)
		return -1;
	if (c->nservers >= 2) {
		if (c->myid == 0)
			return conf_fail(p, "myid", "%s/myid missing (required with %d server lines)",
					 c->data_dir, c->nservers);
		if (!conf_self(c))
			return conf_fail(p, "myid", "%d (from %s/myid) matches no server line",
					 c->myid, c->data_dir);
		if (conf_voters(c) == 0)
			return conf_fail(p, "server", "every server is an observer");
	}
	/* A TTL node's stored owner has the top byte 0xff, which is then no
	 * session id's (session ids start with the server id), as in Apache. */
	if (c->extended_types && c->myid == 255)
		return conf_fail(p, "myid", "255 is not allowed with extendedTypesEnabled (max 254)");
	return 0;
}

int conf_load(struct zk_conf *c, const char *path, char *err, size_t errlen)
{
	struct conf_parse p;
	char line[CONF_LINE_MAX];
	FILE *f;
	int rc = 0;

	memset(c, 0, sizeof *c);
	memset(&p, 0, sizeof p);
	p.c = c;
	p.file = path;
	p.err = err;
	p.errlen = errlen;
	if (errlen)
		err[0] = '\0';
	conf_defaults(c);
	if (strlen(path) >= sizeof c->path) {
		snprintf(err, errlen, "%.100s...: path too long", path);
		return -1;
	}
	snprintf(c->path, sizeof c->path, "%s", path);
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		p.line++;
		if (p.line > CONF_MAX_LINES) {
			rc = conf_fail(&p, "file", "more than %d lines", CONF_MAX_LINES);
			break;
		}
		if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(f)) {
			rc = conf_fail(&p, "line", "longer than %d bytes", CONF_LINE_MAX - 2);
			break;
		}
		if (conf_line(&p, line) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	if (rc == 0)
		rc = conf_finish(&p);
	return rc;
}

const struct zk_server *conf_self(const struct zk_conf *c)
{
	if (c->myid == 0)
		return NULL;
	for (int i = 0; i < c->nservers; i++)
		if (c->servers[i].id == c->myid)
			return &c->servers[i];
	return NULL;
}

void conf_client_endpoint(const struct zk_conf *c, const char **host, int *port)
{
	const struct zk_server *s = conf_self(c);

	if (s && s->client_port) {
		*host = s->client_host[0] ? s->client_host : c->client_port_address;
		*port = s->client_port;
		return;
	}
	*host = c->client_port_address;
	*port = c->client_port;
}

int conf_is_ensemble(const struct zk_conf *c)
{
	return c->nservers >= 2;
}

int conf_voters(const struct zk_conf *c)
{
	int n = 0;

	for (int i = 0; i < c->nservers; i++)
		if (!c->servers[i].observer)
			n++;
	return n;
}
