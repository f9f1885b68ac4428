/* zk-zabd: the txn log and the commit pipeline of this node. A standalone
 * node is leader at once; ensembles (followers, proposals to peers) are not
 * implemented yet, so a node with several voting servers takes no write. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include "daemon.h"
#include "log.h"
#include "zabd.h"

static void zabd_status(struct daemon *d, struct json *j)
{
	struct zabd *z = d->ctx;
	struct txnlog *l = &z->log;

	json_int(j, "leader", z->leader);
	json_int(j, "epoch", z->epoch);
	json_int(j, "last_zxid", l->last_zxid);
	json_int(j, "next_zxid", z->next_zxid);
	json_int(j, "committed_zxid", z->sent);
	json_uint(j, "writes", z->writes);
	json_uint(j, "replies", z->replies);
	json_uint(j, "txns_logged", l->records);
	json_uint(j, "log_bytes", l->bytes);
	json_uint(j, "syncs", l->syncs);
	json_uint(j, "thread_syncs", l->async_syncs);
	json_uint(j, "batches", z->batches);
	json_int(j, "avg_batch_x100", l->syncs ? (int64_t)(l->records * 100 / l->syncs) : 0);
	json_uint(j, "batch_max", z->batch_max);
	json_int(j, "avg_sync_us", l->syncs ? (int64_t)(l->sync_us_total / l->syncs) : 0);
	json_uint(j, "max_sync_us", l->sync_us_max);
	json_uint(j, "segments", l->nsegs);
	json_uint(j, "found_records", l->found_records);
	json_int(j, "bad_tail_cut", l->bad_tail);
	json_uint(j, "dropped_tail_bytes", l->dropped_bytes);
	json_uint(j, "log_cache_drops", l->drops);
	json_uint(j, "commits_sent", z->commits_sent);
	json_uint(j, "commit_drops", z->commit_drops);
	json_uint(j, "tree_hellos", z->hellos);
	json_uint(j, "treed_queue", d->ipc.peers[P_TREED].qmsgs);
	json_uint(j, "gw_queue", d->ipc.peers[P_GW].qmsgs);
	json_int(j, "tree_open", z->prep != NULL);
	json_uint(j, "prep_pending", z->prep ? prep_pending(z->prep) : 0);
	json_uint(j, "reaper_passes", z->reaper.passes);
	json_uint(j, "reaper_scanned", z->reaper.scanned);
	json_uint(j, "reaper_deletes", z->reaped);
	json_int(j, "snapshot_oldest_zxid", z->snap_oldest);
	json_int(j, "snapshot_newest_zxid", z->snap_newest);
	json_uint(j, "log_purges", l->purges);
	json_uint(j, "segments_purged", l->segs_purged);
	json_int(j, "log_purged_zxid", l->purged);
	json_uint(j, "tree_trims_idle", z->trim.idle);
	json_uint(j, "tree_trims_cap", z->trim.cap);
	json_uint(j, "tree_trim_failures", z->trim.failed);
}

int main(int argc, char **argv)
{
	static struct daemon d;
	static struct zabd z;
	const char *rw[3];

	daemon_init(&d, P_ZABD, argc, argv);
	z.d = &d;
	daemon_path(z.logdir, sizeof z.logdir, "%s/txlog", d.conf.data_log_dir);
	daemon_path(z.treedir, sizeof z.treedir, "%s/tree", d.conf.data_dir);
	daemon_own_dir(&d, z.logdir);
	/* The tree env is read-only for us, but an LMDB reader writes the lock
	 * file, and zk-treed may create the env only after we lock down, so
	 * the whole dataDir is in the rw list (landlock skips missing paths). */
	rw[0] = z.logdir;
	rw[1] = d.conf.data_dir;
	rw[2] = NULL;
	daemon_lockdown(&d, rw, NULL);
	if (zab_start(&z) < 0)
		fatalx("cannot open the txn log in %s", z.logdir);
	z.leader = conf_voters(&d.conf) <= 1;
	if (z.leader)
		snprintf(d.state, sizeof d.state, "leader");
	else
		snprintf(d.state, sizeof d.state, "not serving (ensembles not implemented)");
	if (reaper_init(&z.reaper, d.conf.container_check_ms, d.conf.container_max_per_min,
			d.conf.container_never_used_ms) < 0)
		fatalx("reaper: out of memory");
	zab_open_tree(&z);		/* zk-treed may not have made it yet */
	trim_init(&z.trim, loop_now_ms());

	d.ctx = &z;
	d.on_status = zabd_status;
	d.on_command = zab_command;
	daemon_open_ipc(&d);
	/* Read the inbox ourselves: the end of a burst is when we sync. */
	if (loop_del(&d.loop, d.ipc.in_fd) < 0 ||
	    loop_add(&d.loop, d.ipc.in_fd, EPOLLIN, zab_inbox, &z) < 0 ||
	    (z.sync_fd >= 0 && loop_add(&d.loop, z.sync_fd, EPOLLIN, zab_sync_cb, &z) < 0) ||
	    loop_timer(&d.loop, 5, zab_pump_timer, &z) < 0 ||
	    loop_timer(&d.loop, 100, zab_tree_timer, &z) < 0 ||
	    loop_timer(&d.loop, z.reaper.check_ms, zab_reaper_timer, &z) < 0 ||
	    loop_timer(&d.loop, TRIM_TICK_MS, zab_trim_timer, &z) < 0)
		fatal("event loop registration");
	daemon_ready(&d);
	return daemon_run(&d);
}
