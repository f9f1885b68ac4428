/* test_conf: zoo.cfg parsing: every key, defaults, server line shapes, myid,
 * warnings for Apache keys we ignore, and the exact error messages. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "conf.h"
#include "log.h"
#include "unit.h"

static char tmpdir[256];
static char cfgpath[512];
static char datadir[512];
static char errbuf[1024];
static char warnings[4096];	/* what conf_load printed on stderr */

/* Writes text (with "@D" replaced by the data dir) to cfgpath and loads it,
 * capturing stderr into warnings[]. */
static int load(struct zk_conf *c, const char *text)
{
	char body[8192], *o = body;
	const char *s;
	FILE *f;
	int saved, fd, rc;
	ssize_t n;
	char wpath[600];

	for (s = text; *s && o < body + sizeof body - 600; s++) {
		if (s[0] == '@' && s[1] == 'D') {
			o += sprintf(o, "%s", datadir);
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	f = fopen(cfgpath, "w");
	if (!f || fputs(body, f) == EOF || fclose(f) != 0) {
		perror(cfgpath);
		exit(1);
	}
	snprintf(wpath, sizeof wpath, "%s/stderr", tmpdir);
	fd = open(wpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(wpath);
		exit(1);
	}
	fflush(stderr);
	saved = dup(2);
	if (saved < 0 || dup2(fd, 2) < 0) {
		perror("dup");
		exit(1);
	}
	rc = conf_load(c, cfgpath, errbuf, sizeof errbuf);
	fflush(stderr);
	if (dup2(saved, 2) < 0) {
		perror("dup2");
		exit(1);
	}
	close(saved);
	n = pread(fd, warnings, sizeof warnings - 1, 0);
	warnings[n > 0 ? n : 0] = '\0';
	close(fd);
	return rc;
}

static void write_myid(const char *text)
{
	char p[600];
	FILE *f;

	snprintf(p, sizeof p, "%s/myid", datadir);
	if (!text) {
		unlink(p);
		return;
	}
	f = fopen(p, "w");
	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
}

/* The error expected for the config text, without the "file:" prefix. */
static void expect_err(const char *text, const char *msg)
{
	struct zk_conf c;
	char want[1200];

	snprintf(want, sizeof want, "%s:%s", cfgpath, msg);
	CHECK_EQ_INT(load(&c, text), -1);
	CHECK_EQ_STR(errbuf, want);
}

static void t_defaults(void)
{
	struct zk_conf c;
	char want[700];

	write_myid(NULL);
	CHECK_EQ_INT(load(&c, "dataDir=@D\n"), 0);
	CHECK_EQ_STR(errbuf, "");
	CHECK_EQ_STR(warnings, "");
	CHECK_EQ_STR(c.path, cfgpath);
	CHECK_EQ_INT(c.tick_time, 3000);
	CHECK_EQ_INT(c.init_limit, 10);
	CHECK_EQ_INT(c.sync_limit, 5);
	CHECK_EQ_STR(c.data_dir, datadir);
	CHECK_EQ_STR(c.data_log_dir, datadir);
	CHECK_EQ_INT(c.client_port, 2181);
	CHECK_EQ_STR(c.client_port_address, "0.0.0.0");
	CHECK_EQ_INT(c.max_client_cnxns, 60);
	CHECK_EQ_INT(c.min_session_timeout, 6000);
	CHECK_EQ_INT(c.max_session_timeout, 60000);
	CHECK_EQ_STR(c.fourlw_whitelist, "srvr");
	CHECK_EQ_INT(c.myid, 0);
	CHECK_EQ_INT(c.nservers, 0);
	CHECK_EQ_INT(c.jute_maxbuffer, 1048575);
	snprintf(want, sizeof want, "%s/ipc", datadir);
	CHECK_EQ_STR(c.ipc_dir, want);
	CHECK_EQ_INT(c.log_level, LOG_LVL_INFO);
	for (int id = P_FIRST_DAEMON; id <= P_LAST_DAEMON; id++)
		CHECK_EQ_STR(c.user[id], proc_name(id));
	CHECK_EQ_INT(c.sandbox, 1);
	CHECK(conf_self(&c) == NULL);
	CHECK_EQ_INT(conf_is_ensemble(&c), 0);
}

static void t_every_key(void)
{
	struct zk_conf c;
	const char *h;
	int port;

	write_myid(NULL);
	CHECK_EQ_INT(load(&c,
		"# a comment\n"
		"\n"
		"   tickTime = 2000  \n"
		"initLimit=7\n"
		"syncLimit=3\n"
		"dataDir=@D\n"
		"dataLogDir=/var/log/zk-txlog\n"
		"clientPort=12181\n"
		"clientPortAddress=127.0.0.1\n"
		"maxClientCnxns=0\n"
		"minSessionTimeout=3000\n"
		"maxSessionTimeout=90000\n"
		"4lw.commands.whitelist=srvr, ruok ,mntr\n"
		"jute.maxbuffer=4194304\n"
		"ipcDir=/run/zk/n1\n"
		"logLevel=debug\n"
		"user.zk-gw=gwuser\n"
		"user.treed=tree_1\n"
		"sandbox=off\n"), 0);
	CHECK_EQ_STR(errbuf, "");
	CHECK_EQ_INT(c.tick_time, 2000);
	CHECK_EQ_INT(c.init_limit, 7);
	CHECK_EQ_INT(c.sync_limit, 3);
	CHECK_EQ_STR(c.data_log_dir, "/var/log/zk-txlog");
	CHECK_EQ_INT(c.client_port, 12181);
	CHECK_EQ_STR(c.client_port_address, "127.0.0.1");
	CHECK_EQ_INT(c.max_client_cnxns, 0);
	CHECK_EQ_INT(c.min_session_timeout, 3000);
	CHECK_EQ_INT(c.max_session_timeout, 90000);
	CHECK_EQ_STR(c.fourlw_whitelist, "srvr,ruok,mntr");
	CHECK_EQ_INT(c.jute_maxbuffer, 4194304);
	CHECK_EQ_STR(c.ipc_dir, "/run/zk/n1");
	CHECK_EQ_INT(c.log_level, LOG_LVL_DEBUG);
	CHECK_EQ_STR(c.user[P_GW], "gwuser");
	CHECK_EQ_STR(c.user[P_TREED], "tree_1");
	CHECK_EQ_STR(c.user[P_ZABD], "zk-zabd");
	CHECK_EQ_INT(c.sandbox, 0);
	conf_client_endpoint(&c, &h, &port);
	CHECK_EQ_STR(h, "127.0.0.1");
	CHECK_EQ_INT(port, 12181);
}

static void t_derived(void)
{
	struct zk_conf c;

	write_myid(NULL);
	/* Session bounds follow tickTime wherever it appears in the file. */
	CHECK_EQ_INT(load(&c, "maxSessionTimeout=-1\ndataDir=@D\ntickTime=500\n"), 0);
	CHECK_EQ_INT(c.min_session_timeout, 1000);
	CHECK_EQ_INT(c.max_session_timeout, 10000);
	CHECK_EQ_INT(load(&c, "dataDir=@D\n4lw.commands.whitelist=*\nlogLevel=error\n"), 0);
	CHECK_EQ_STR(c.fourlw_whitelist, "*");
	CHECK_EQ_INT(c.log_level, LOG_LVL_ERROR);
	/* No trailing newline on the last line. */
	CHECK_EQ_INT(load(&c, "dataDir=@D\nclientPort=3000"), 0);
	CHECK_EQ_INT(c.client_port, 3000);
}

static void t_servers(void)
{
	struct zk_conf c;
	const char *h;
	int port;

	write_myid("2\n");
	CHECK_EQ_INT(load(&c,
		"dataDir=@D\n"
		"clientPort=2181\n"
		"server.1=127.0.0.1:2888:3888\n"
		"server.2=127.0.0.2:2888:3888:participant;2182\n"
		"server.3=[::1]:2889:3889:observer;127.0.0.3:2183\n"
		"server.17=zk17.example:1:2;[::1]:2184\n"), 0);
	CHECK_EQ_STR(errbuf, "");
	CHECK_EQ_INT(c.nservers, 4);
	CHECK_EQ_INT(c.myid, 2);
	CHECK_EQ_INT(c.servers[0].id, 1);
	CHECK_EQ_STR(c.servers[0].host, "127.0.0.1");
	CHECK_EQ_INT(c.servers[0].quorum_port, 2888);
	CHECK_EQ_INT(c.servers[0].election_port, 3888);
	CHECK_EQ_INT(c.servers[0].observer, 0);
	CHECK_EQ_INT(c.servers[0].client_port, 0);
	CHECK_EQ_STR(c.servers[0].client_host, "");
	CHECK_EQ_INT(c.servers[1].client_port, 2182);
	CHECK_EQ_STR(c.servers[1].client_host, "");
	CHECK_EQ_STR(c.servers[2].host, "::1");
	CHECK_EQ_INT(c.servers[2].observer, 1);
	CHECK_EQ_STR(c.servers[2].client_host, "127.0.0.3");
	CHECK_EQ_INT(c.servers[2].client_port, 2183);
	CHECK_EQ_INT(c.servers[3].id, 17);
	CHECK_EQ_STR(c.servers[3].host, "zk17.example");
	CHECK_EQ_INT(c.servers[3].quorum_port, 1);
	CHECK_EQ_INT(c.servers[3].election_port, 2);
	CHECK_EQ_STR(c.servers[3].client_host, "::1");
	CHECK_EQ_INT(c.servers[3].client_port, 2184);
	CHECK(conf_self(&c) == &c.servers[1]);
	CHECK_EQ_INT(conf_is_ensemble(&c), 1);
	CHECK_EQ_INT(conf_voters(&c), 3);
	/* The server line's client port wins over clientPort. */
	conf_client_endpoint(&c, &h, &port);
	CHECK_EQ_STR(h, "0.0.0.0");
	CHECK_EQ_INT(port, 2182);

	write_myid("3");
	CHECK_EQ_INT(load(&c, "dataDir=@D\nserver.1=127.0.0.1:2888:3888\n"
			  "server.3=127.0.0.1:2889:3889;127.0.0.9:2999\n"), 0);
	conf_client_endpoint(&c, &h, &port);
	CHECK_EQ_STR(h, "127.0.0.9");
	CHECK_EQ_INT(port, 2999);

	/* One server line and no myid: standalone. */
	write_myid(NULL);
	CHECK_EQ_INT(load(&c, "dataDir=@D\nserver.1=127.0.0.1:2888:3888\n"), 0);
	CHECK_EQ_INT(c.myid, 0);
	CHECK_EQ_INT(conf_is_ensemble(&c), 0);
	CHECK(conf_self(&c) == NULL);
	conf_client_endpoint(&c, &h, &port);
	CHECK_EQ_INT(port, 2181);
}

static void t_ignored_keys(void)
{
	struct zk_conf c;
	char want[2048];

	write_myid(NULL);
	CHECK_EQ_INT(load(&c, "dataDir=@D\nsnapSizeLimitInKb=1\n"
			  "preAllocSize=100000\nstandaloneEnabled=false\n"), 0);
	snprintf(want, sizeof want,
		 "zk: %s:2: snapSizeLimitInKb: ignored (not implemented)\n"
		 "zk: %s:3: preAllocSize: ignored (not implemented)\n"
		 "zk: %s:4: standaloneEnabled: ignored (not implemented)\n",
		 cfgpath, cfgpath, cfgpath);
	CHECK_EQ_STR(warnings, want);
	CHECK_EQ_INT(load(&c, "dataDir=@D\nadmin.enableServer=false\nssl.keyStore.location=/x\n"
			  "metricsProvider.className=x\nreconfigEnabled=true\n"), 0);
}

/* snapCount and autopurge.* as in Apache: defaults, and a retain count
 * below 3 raised to 3 with a warning. */
static void t_snapshot_keys(void)
{
	struct zk_conf c;
	char want[1024];

	write_myid(NULL);
	CHECK_EQ_INT(load(&c, "dataDir=@D\n"), 0);
	CHECK_EQ_INT(c.snap_count, 100000);
	CHECK_EQ_INT(c.snap_retain, 3);
	CHECK_EQ_INT(c.purge_hours, 0);
	CHECK_EQ_INT(c.txnlog_kb, -1);
	CHECK_EQ_STR(warnings, "");
	CHECK_EQ_INT(load(&c, "dataDir=@D\nsnapCount=1000\nautopurge.snapRetainCount=5\n"
			  "autopurge.purgeInterval=24\ntxnLogSizeLimitInKb=512\n"), 0);
	CHECK_EQ_INT(c.snap_count, 1000);
	CHECK_EQ_INT(c.snap_retain, 5);
	CHECK_EQ_INT(c.purge_hours, 24);
	CHECK_EQ_INT(c.txnlog_kb, 512);
	CHECK_EQ_STR(warnings, "");
	CHECK_EQ_INT(load(&c, "dataDir=@D\nautopurge.snapRetainCount=1\n"), 0);
	CHECK_EQ_INT(c.snap_retain, 3);
	snprintf(want, sizeof want,
		 "zk: %s: autopurge.snapRetainCount: 1 is below the minimum 3: using 3\n",
		 cfgpath);
	CHECK_EQ_STR(warnings, want);
	expect_err("dataDir=@D\nsnapCount=1\n", "2: snapCount: 1 out of range 2..2147483647");
	expect_err("dataDir=@D\nautopurge.purgeInterval=-1\n",
		   "2: autopurge.purgeInterval: -1 out of range 0..876000");
	expect_err("dataDir=@D\nautopurge.bogus=1\n", "2: autopurge.bogus: unknown key");
}

/* DigestAuthenticationProvider.superDigest: kept as given when it is
 * user:base64(SHA-1); anything else names the key. */
static void t_super_digest(void)
{
	struct zk_conf c;
	const char *bad[] = {
		"0bX78nEegDzJM3ju0iLBEJdWzjg=",		/* no user */
		":0bX78nEegDzJM3ju0iLBEJdWzjg=",	/* empty user */
		"super:0bX78nEegDzJM3ju0iLBEJdWzj=",	/* 27 characters */
		"super:0bX78nEegDzJM3ju0iLBEJdWzjgg",	/* no padding */
		"super:0bX78nEegDzJM3ju0iLBEJdW*jg=",	/* not base64 */
		"super:pw",				/* a password, not a digest */
	};
	char text[256], msg[256];

	write_myid(NULL);
	CHECK_EQ_INT(load(&c, "dataDir=@D\n"), 0);
	CHECK_EQ_STR(c.super_digest, "");
	CHECK_EQ_INT(load(&c, "dataDir=@D\nDigestAuthenticationProvider.superDigest="
			  "super:0bX78nEegDzJM3ju0iLBEJdWzjg=\n"), 0);
	CHECK_EQ_STR(c.super_digest, "super:0bX78nEegDzJM3ju0iLBEJdWzjg=");
	CHECK_EQ_STR(warnings, "");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text,
			 "dataDir=@D\nDigestAuthenticationProvider.superDigest=%s\n", bad[i]);
		snprintf(msg, sizeof msg, "2: DigestAuthenticationProvider.superDigest: "
			 "not user:base64-of-SHA-1 (28 characters): \"%s\"", bad[i]);
		expect_err(text, msg);
	}
}

static void t_errors(void)
{
	write_myid(NULL);
	expect_err("", " dataDir: missing (required)");
	expect_err("# only a comment\nclientPort=1\n", " dataDir: missing (required)");
	expect_err("dataDir=@D\nbogusKey=1\n", "2: bogusKey: unknown key");
	expect_err("dataDir=@D\nautopurge=1\n", "2: autopurge: unknown key");
	expect_err("dataDir=@D\njust some words\n", "2: just some words: expected key=value");
	expect_err("dataDir=@D\n=5\n", "2: (empty key): expected key=value");
	expect_err("dataDir=@D\nclientPort=\n", "2: clientPort: empty value");
	expect_err("dataDir=@D\nclientPort=abc\n", "2: clientPort: not a number: \"abc\"");
	expect_err("dataDir=@D\nclientPort=21x\n", "2: clientPort: not a number: \"21x\"");
	expect_err("dataDir=@D\nclientPort=+5\n", "2: clientPort: not a number: \"+5\"");
	expect_err("dataDir=@D\nclientPort=0\n", "2: clientPort: 0 out of range 1..65535");
	expect_err("dataDir=@D\nclientPort=70000\n", "2: clientPort: 70000 out of range 1..65535");
	expect_err("dataDir=@D\ntickTime=99999999999999999999\n",
		   "2: tickTime: 99999999999999999999 out of range 1..600000");
	expect_err("dataDir=@D\ninitLimit=0\n", "2: initLimit: 0 out of range 1..100000");
	expect_err("dataDir=@D\nmaxClientCnxns=-1\n", "2: maxClientCnxns: -1 out of range 0..1000000");
	expect_err("dataDir=@D\njute.maxbuffer=10\n", "2: jute.maxbuffer: 10 out of range 1024..1073741824");
	expect_err("dataDir=@D\nclientPort=1\n\nclientPort=2\n",
		   "4: clientPort: duplicate key (first at line 2)");
	expect_err("dataDir=relative/dir\n", "1: dataDir: not an absolute path: \"relative/dir\"");
	expect_err("dataDir=@D\nclientPortAddress=a b\n", "2: clientPortAddress: spaces in a host: \"a b\"");
	expect_err("dataDir=@D\nlogLevel=loud\n", "2: logLevel: \"loud\" is not error, warn, info or debug");
	expect_err("dataDir=@D\nsandbox=yes\n", "2: sandbox: \"yes\" is not on or off");
	expect_err("dataDir=@D\n4lw.commands.whitelist=srvr,stats\n",
		   "2: 4lw.commands.whitelist: not a four-letter word: \"stats\"");
	expect_err("dataDir=@D\n4lw.commands.whitelist=,\n", "2: 4lw.commands.whitelist: empty list");
	expect_err("dataDir=@D\nminSessionTimeout=5000\nmaxSessionTimeout=4000\n",
		   " maxSessionTimeout: 4000 is less than minSessionTimeout 5000");
	expect_err("dataDir=@D\nuser.zk-nope=x\n", "2: user.zk-nope: unknown daemon \"zk-nope\"");
	expect_err("dataDir=@D\nuser.zk-ctl=x\n", "2: user.zk-ctl: unknown daemon \"zk-ctl\"");
	expect_err("dataDir=@D\nuser.zk-gw=Root\n", "2: user.zk-gw: bad user name \"Root\"");
	expect_err("dataDir=@D\nuser.zk-gw=a\nuser.gw=b\n", "3: user.gw: duplicate key (first at line 2)");
	expect_err("dataDir=@D\nipcDir=/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		   "2: ipcDir: longer than 91 bytes (unix socket limit)");
}

static void t_server_errors(void)
{
	const char *form = "host:quorumPort:electionPort[:participant|observer][;[clientAddr:]clientPort]";
	char want[512];

	write_myid(NULL);
	expect_err("dataDir=@D\nserver.x=h:1:2\n", "2: server.x: server id \"x\" is not 1..255");
	expect_err("dataDir=@D\nserver.0=h:1:2\n", "2: server.0: server id \"0\" is not 1..255");
	expect_err("dataDir=@D\nserver.256=h:1:2\n", "2: server.256: server id \"256\" is not 1..255");
	expect_err("dataDir=@D\nserver.=h:1:2\n", "2: server.: server id \"\" is not 1..255");
	snprintf(want, sizeof want, "2: server.1: \"h\" is not %s", form);
	expect_err("dataDir=@D\nserver.1=h\n", want);
	snprintf(want, sizeof want, "2: server.1: \"h:1\" is not %s", form);
	expect_err("dataDir=@D\nserver.1=h:1\n", want);
	snprintf(want, sizeof want, "2: server.1: \":1:2\" is not %s", form);
	expect_err("dataDir=@D\nserver.1=:1:2\n", want);
	expect_err("dataDir=@D\nserver.1=h:x:2\n", "2: server.1: bad quorum port \"x\" (want 1..65535)");
	expect_err("dataDir=@D\nserver.1=h:1:70000\n", "2: server.1: bad election port \"70000\" (want 1..65535)");
	expect_err("dataDir=@D\nserver.1=h:1:\n", "2: server.1: bad election port \"\" (want 1..65535)");
	expect_err("dataDir=@D\nserver.1=h:5:5\n", "2: server.1: quorum and election ports are both 5");
	expect_err("dataDir=@D\nserver.1=h:1:2:leader\n",
		   "2: server.1: role \"leader\" is not participant or observer");
	expect_err("dataDir=@D\nserver.1=h:1:2;x\n", "2: server.1: bad client port \"x\" (want 1..65535)");
	expect_err("dataDir=@D\nserver.1=h:1:2;:5\n",
		   "2: server.1: bad client address \":5\", want [clientAddr:]clientPort");
	expect_err("dataDir=@D\nserver.1=h:1:2;a:0\n", "2: server.1: bad client port \"0\" (want 1..65535)");
	expect_err("dataDir=@D\nserver.1=h:1:2|g:1:2\n",
		   "2: server.1: multiple addresses per server are not supported");
	expect_err("dataDir=@D\nserver.1=h:1:2\nserver.1=g:1:2\n",
		   "3: server.1: duplicate key (first at line 2)");
	expect_err("dataDir=@D\nserver.1=h:1:2\nserver.2=h:3:1\n",
		   "3: server.2: port 1 on h already used by server.1");
}

/* myid messages name the data dir, so they are checked with it filled in. */
static void t_myid(void)
{
	struct zk_conf c;
	const char *two = "dataDir=@D\nserver.1=h:1:2\nserver.2=g:1:2\n";
	char want[1200];

	write_myid("3\n");
	CHECK_EQ_INT(load(&c, two), -1);
	snprintf(want, sizeof want, "%s: myid: 3 (from %s/myid) matches no server line", cfgpath, datadir);
	CHECK_EQ_STR(errbuf, want);
	write_myid("two\n");
	CHECK_EQ_INT(load(&c, two), -1);
	snprintf(want, sizeof want, "%s: myid: %s/myid: \"two\" is not a server id 1..255", cfgpath, datadir);
	CHECK_EQ_STR(errbuf, want);
	write_myid("");
	CHECK_EQ_INT(load(&c, two), -1);
	snprintf(want, sizeof want, "%s: myid: %s/myid: \"\" is not a server id 1..255", cfgpath, datadir);
	CHECK_EQ_STR(errbuf, want);
	write_myid(NULL);
	CHECK_EQ_INT(load(&c, two), -1);
	snprintf(want, sizeof want, "%s: myid: %s/myid missing (required with 2 server lines)", cfgpath, datadir);
	CHECK_EQ_STR(errbuf, want);
	write_myid(" 1 \n");
	CHECK_EQ_INT(load(&c, two), 0);
	CHECK_EQ_INT(c.myid, 1);
	write_myid("1");
	CHECK_EQ_INT(load(&c, "dataDir=@D\nserver.1=h:1:2:observer\nserver.2=g:1:2:observer\n"), -1);
	snprintf(want, sizeof want, "%s: server: every server is an observer", cfgpath);
	CHECK_EQ_STR(errbuf, want);
	write_myid(NULL);
}

static void t_file_errors(void)
{
	struct zk_conf c;
	char want[1200], path[600], line[9000];
	FILE *f;

	snprintf(path, sizeof path, "%s/absent.cfg", tmpdir);
	CHECK_EQ_INT(conf_load(&c, path, errbuf, sizeof errbuf), -1);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	CHECK_EQ_STR(errbuf, want);

	/* A line longer than the bound is refused, not split. */
	memset(line, 'a', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	memcpy(line, "dataDir=/", 9);
	f = fopen(cfgpath, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "clientPort=5\n%s\n", line);
	fclose(f);
	CHECK_EQ_INT(conf_load(&c, cfgpath, errbuf, sizeof errbuf), -1);
	snprintf(want, sizeof want, "%s:2: line: longer than 8190 bytes", cfgpath);
	CHECK_EQ_STR(errbuf, want);

	/* The error is truncated to the caller's buffer, never overflows it. */
	char small[16];
	memset(small, 'X', sizeof small);
	CHECK_EQ_INT(conf_load(&c, path, small, 8), -1);
	CHECK_EQ_INT(strlen(small), 7);
	CHECK(small[8] == 'X');
}

/* Apache's system properties for TTL nodes and the container reaper. */
static void t_extended(void)
{
	struct zk_conf c;

	write_myid(NULL);
	CHECK_EQ_INT(load(&c, "dataDir=@D\n"), 0);
	CHECK_EQ_INT(c.extended_types, 0);
	CHECK_EQ_INT(c.container_check_ms, 60000);
	CHECK_EQ_INT(c.container_max_per_min, 10000);
	CHECK_EQ_INT(c.container_never_used_ms, 0);
	CHECK_EQ_INT(load(&c, "dataDir=@D\nextendedTypesEnabled=TRUE\n"
			  "znode.container.checkIntervalMs=200\n"
			  "znode.container.maxPerMinute=5\n"
			  "znode.container.maxNeverUsedIntervalMs=30000\n"), 0);
	CHECK_EQ_STR(errbuf, "");
	CHECK_EQ_INT(c.extended_types, 1);
	CHECK_EQ_INT(c.container_check_ms, 200);
	CHECK_EQ_INT(c.container_max_per_min, 5);
	CHECK_EQ_INT(c.container_never_used_ms, 30000);
	CHECK_EQ_INT(load(&c, "dataDir=@D\nextendedTypesEnabled=false\n"), 0);
	CHECK_EQ_INT(c.extended_types, 0);
	expect_err("dataDir=@D\nextendedTypesEnabled=yes\n",
		   "2: extendedTypesEnabled: \"yes\" is not true or false");
	expect_err("dataDir=@D\nznode.container.checkIntervalMs=0\n",
		   "2: znode.container.checkIntervalMs: 0 out of range 1..86400000");
	/* server id 255 would look like a TTL owner */
	write_myid("255\n");
	expect_err("dataDir=@D\nextendedTypesEnabled=true\n",
		   " myid: 255 is not allowed with extendedTypesEnabled (max 254)");
	CHECK_EQ_INT(load(&c, "dataDir=@D\n"), 0);
	write_myid(NULL);
}

static const struct unit_case cases[] = {
	{ "defaults", t_defaults },
	{ "every_key", t_every_key },
	{ "derived", t_derived },
	{ "servers", t_servers },
	{ "ignored_keys", t_ignored_keys },
	{ "snapshot_keys", t_snapshot_keys },
	{ "super_digest", t_super_digest },
	{ "errors", t_errors },
	{ "server_errors", t_server_errors },
	{ "myid", t_myid },
	{ "file_errors", t_file_errors },
	{ "extended", t_extended },
	{ NULL, NULL },
};

int main(void)
{
	int rc;

	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_conf.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cfgpath, sizeof cfgpath, "%s/zoo.cfg", tmpdir);
	snprintf(datadir, sizeof datadir, "%s/data", tmpdir);
	if (mkdir(datadir, 0700) < 0) {
		perror(datadir);
		return 1;
	}
	rc = unit_run("conf", cases);
	write_myid(NULL);
	unlink(cfgpath);
	{
		char p[600];
		snprintf(p, sizeof p, "%s/stderr", tmpdir);
		unlink(p);
	}
	rmdir(datadir);
	rmdir(tmpdir);
	return rc;
}
