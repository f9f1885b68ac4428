/* conf.h: one zoo.cfg per node, read by every daemon and by zk-ctl.
 *
 * Apache ZooKeeper's keys keep their meaning (tickTime, initLimit, syncLimit,
 * dataDir, dataLogDir, clientPort, clientPortAddress, maxClientCnxns,
 * minSessionTimeout, maxSessionTimeout, server.N, 4lw.commands.whitelist,
 * jute.maxbuffer); myid comes from <dataDir>/myid. Our own keys: ipcDir,
 * logLevel, user.<daemon>, sandbox; extendedTypesEnabled, znode.container.*
 * and txnLogSizeLimitInKb (Java system properties in Apache). snapCount and
 * autopurge.* keep Apache's meaning. Apache keys we do not implement are
 * accepted with a warning; any other key is an error. */
#ifndef ZK_CONF_H
#define ZK_CONF_H

#include <stddef.h>
#include "proc.h"

#define ZK_MAX_SERVERS 32

struct zk_server {
	int id;				/* N of server.N, 1..255 */
	char host[256];
	int quorum_port, election_port;
	int observer;			/* 1 for ":observer" */
	char client_host[256];		/* "" when absent */
	int client_port;		/* 0 if absent */
};

struct zk_conf {
	char path[4096];		/* the file read */
	int tick_time;			/* ms, default 3000 */
	int init_limit, sync_limit;	/* ticks, defaults 10 and 5 */
	char data_dir[4096];		/* required */
	char data_log_dir[4096];	/* default: data_dir */
	int client_port;		/* default 2181 */
	char client_port_address[256];	/* default "0.0.0.0" */
	int max_client_cnxns;		/* per IP, default 60, 0 = unlimited */
	int min_session_timeout, max_session_timeout; /* ms; default 2*tick, 20*tick */
	char fourlw_whitelist[512];	/* 4lw.commands.whitelist, default "srvr"; "*" = all */
	int myid;			/* from <dataDir>/myid; 0 when absent (standalone) */
	struct zk_server servers[ZK_MAX_SERVERS];
	int nservers;
	long jute_maxbuffer;		/* key jute.maxbuffer, default 1048575 */
	char ipc_dir[4096];		/* key ipcDir, default <dataDir>/ipc */
	int log_level;			/* key logLevel: error|warn|info|debug (LOG_LVL_*), default info */
	char user[P_COUNT][64];		/* keys user.zk-electd=NAME ...; default: the daemon's own name */
	int sandbox;			/* key sandbox=on|off, default on (off = debugging only) */
	/* Apache's system properties of the same names, as zoo.cfg keys:
	 * TTL nodes (createTTL) are on only with extendedTypesEnabled=true;
	 * the leader's container/TTL reaper runs every checkIntervalMs and
	 * deletes at most maxPerMinute nodes a minute; a container that never
	 * had a child goes only after maxNeverUsedIntervalMs (0 = never). */
	int extended_types;		/* extendedTypesEnabled, default false */
	int container_check_ms;		/* znode.container.checkIntervalMs, default 60000 */
	int container_max_per_min;	/* znode.container.maxPerMinute, default 10000 */
	long container_never_used_ms;	/* znode.container.maxNeverUsedIntervalMs, default 0 */
	/* zk-treed snapshots its env every snapCount applied txns; every
	 * autopurge.purgeInterval hours (0 = never) it keeps the newest
	 * autopurge.snapRetainCount snapshots (at least 3) and zk-zabd drops
	 * the log segments those no longer need. txnLogSizeLimitInKb: a new
	 * log segment starts past this size (<= 0: 64 MiB). */
	int snap_count;			/* snapCount, default 100000 */
	int snap_retain;		/* autopurge.snapRetainCount, default 3, min 3 */
	int purge_hours;		/* autopurge.purgeInterval, default 0 = off */
	long txnlog_kb;			/* txnLogSizeLimitInKb, default -1 */
	/* DigestAuthenticationProvider.superDigest: "user:base64(SHA-1(user:
	 * password))"; a client that adds this digest auth passes every ACL
	 * check. Apache takes it as the system property of the same name
	 * (which its zoo.cfg also sets). Default "" = none. */
	char super_digest[256];
};

/* Reads path into c. Returns 0, or -1 with err = "file:line: key: what is
 * wrong" (or "file: ..." for I/O and whole-file problems such as a missing
 * dataDir or a myid that matches no server line). Apache keys we accept but
 * do not implement are reported with warnx() as
 * "file:line: key: ignored (not implemented)". */
int conf_load(struct zk_conf *c, const char *path, char *err, size_t errlen);

/* Client address and port this node serves: the servers[] entry for myid
 * if it has ";[addr:]clientPort", else clientPortAddress/clientPort. */
void conf_client_endpoint(const struct zk_conf *c, const char **host, int *port);

/* The servers[] entry for myid, or NULL (standalone). */
const struct zk_server *conf_self(const struct zk_conf *c);

/* 1 when the node is part of an ensemble (two or more server lines). */
int conf_is_ensemble(const struct zk_conf *c);

/* Number of voting (non-observer) servers. */
int conf_voters(const struct zk_conf *c);

#endif
