/* main.c: zk-gw, the client gateway: speaks the ZooKeeper client protocol
 * on clientPort, answers reads from the tree (LMDB, read-only), forwards
 * writes to zk-zabd, keeps watches, sessions' connections and 4lw. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include "gw.h"
#include "log.h"
#include "treedb.h"

struct gw gw;

/* The end-of-turn hook daemon_open_ipc() installed (it sends the turn's
 * IPC frames); ours runs it after writing client output. */
static void (*ipc_end_of_turn)(void *);
static void *ipc_end_arg;

void gw_tick(void)
{
	gw.now_us = loop_now_us();
	gw.now_wall_ms = wall_now_ms();
	gw.clock_stale = 0;
}

/* Client output is written once per turn, after every callback of the
 * turn had its say; then what the turn sent to other daemons (writes
 * forwarded while output drained included) leaves. The next turn reads
 * the clock again. */
static void gw_end_of_turn(void *arg)
{
	(void)arg;
	ops_run_ready();
	conn_flush_dirty();
	ipc_end_of_turn(ipc_end_arg);
	gw.clock_stale = 1;
}

static void gw_status(struct daemon *d, struct json *j)
{
	(void)d;
	json_int(j, "connections", gw.nconns);
	json_int(j, "sessions", (int64_t)map_count(gw.sessions));
	json_int(j, "watches", (int64_t)gw.watches.count);
	json_int(j, "applied_zxid", gw.applied_zxid);
	json_int(j, "packets_received", (int64_t)gw.packets_recv);
	json_int(j, "packets_sent", (int64_t)gw.packets_sent);
	json_int(j, "writes_in_flight", (int64_t)map_count(gw.corrs));
	json_int(j, "closed_bad_clients", (int64_t)gw.bad_clients);
	json_int(j, "refused", (int64_t)gw.refused);
	json_int(j, "tree_open", gw.tree != NULL);
}

/* The tree env appears when zk-treed first starts: retry until it does.
 * When zk-treed restores a snapshot over it, the file we map is no longer
 * written: exit, and the supervisor starts us on the new one (clients
 * reconnect and keep their sessions). */
static void tree_timer(void *arg)
{
	(void)arg;
	if (gw.tree && treedb_replaced(gw.tree))
		fatalx("tree env was replaced (restored from a snapshot): exiting to open the new one");
	if (gw.tree)
		return;
	if (tree_open() == 0) {
		int64_t z = tree_last_zxid();

		/* Everything applied before we started has no watchers here. */
		if (z > gw.applied_zxid)
			gw.applied_zxid = z;
	}
}

static void reap_timer(void *arg)
{
	(void)arg;
	conn_reap();
	ops_run_ready();
	conn_flush_dirty();
}

int main(int argc, char **argv)
{
	static struct daemon d;
	const char *host;
	int port, touch_ms;
	struct rlimit rl;
	char treedir[4200];

	daemon_init(&d, P_GW, argc, argv);
	gw.d = &d;
	gw.max_buffer = d.conf.jute_maxbuffer > 0 ? d.conf.jute_maxbuffer : JUTE_MAXBUFFER;
	snprintf(gw.superdigest, sizeof gw.superdigest, "%s", d.conf.super_digest);
	daemon_path(treedir, sizeof(treedir), "%s/tree", d.conf.data_dir);
	{
		/* LMDB readers write the env's lock file, and the env may not
		 * exist yet (zk-treed creates it): allow dataDir. The dirs 4lw
		 * lists the txn log directory (sizes only). */
		const char *rw[] = { d.conf.data_dir, NULL };
		const char *ro[] = { d.conf.data_log_dir, NULL };

		daemon_lockdown(&d, rw, ro);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		fatal("getrlimit");
	gw.maxfd = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	gw.conns = calloc((size_t)gw.maxfd, sizeof(*gw.conns));
	gw.corrs = map_new();
	gw.sessions = map_new();
	gw.sess_corrs = map_new();
	gw.conn_ids = map_new();
	gw.per_ip = map_new();
	if (!gw.conns || !gw.corrs || !gw.sessions || !gw.sess_corrs || !gw.conn_ids ||
	    !gw.per_ip || watch_init(&gw.watches, 0) < 0)
		fatalx("out of memory");
	/* Keeps replies from an earlier incarnation from matching new requests. */
	gw.corr_next = (uint64_t)wall_now_ms() << 16;
	/* Apache does not limit outgoing replies (a big getChildren may pass
	 * jute.maxbuffer); ours stop at the per-connection output bound. */
	jute_buf_init(&gw.scratch, GW_OUT_HARD);
	jute_buf_init(&gw.wscratch, GW_OUT_HARD);
	jute_buf_init(&gw.authbuf, 64 << 10);
	gw_tick();
	gw.started_ms = loop_now_ms();

	conf_client_endpoint(&d.conf, &host, &port);
	gw.lfd = conn_listen(host, port);
	if (gw.lfd < 0)
		fatalx("cannot listen on %s:%d", host, port);
	if (tree_open() == 0)
		gw.applied_zxid = tree_last_zxid();

	d.on_msg = write_on_msg;
	d.on_status = gw_status;
	d.ctx = &gw;
	daemon_open_ipc(&d);
	if (!d.loop.end_of_turn)
		fatalx("event loop: no end-of-turn hook to chain");
	ipc_end_of_turn = d.loop.end_of_turn;
	ipc_end_arg = d.loop.end_arg;
	loop_on_end_of_turn(&d.loop, gw_end_of_turn, NULL);
	touch_ms = d.conf.tick_time / 2 > 0 ? d.conf.tick_time / 2 : 1;
	if (loop_add(&d.loop, gw.lfd, EPOLLIN, conn_accept_cb, NULL) < 0 ||
	    loop_timer(&d.loop, touch_ms, write_touch_timer, NULL) < 0 ||
	    loop_timer(&d.loop, 200, tree_timer, NULL) < 0 ||
	    loop_timer(&d.loop, 50, reap_timer, NULL) < 0)
		fatal("event loop registration");
	{
		/* Tell zk-sessiond we (re)started: our clients must reconnect,
		 * so their sessions get a fresh timeout. */
		struct msg m;

		msg_init(&m, MSG_GW_HELLO, P_GW, 0);
		if (ipc_send(&d.ipc, P_SESSIOND, &m) < 0)
			warnx("cannot send GW_HELLO to zk-sessiond");
	}
	info("serving clients on %s:%d", host, port);
	daemon_ready(&d);
	return daemon_run(&d);
}
