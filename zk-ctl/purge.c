/* purge.c: `zk-ctl purge` (one purge now, what Apache's zkCleanup.sh does:
 * zk-treed keeps the newest autopurge.snapRetainCount snapshots, then
 * zk-zabd deletes the log segments only the deleted ones needed) and
 * `zk-ctl snapshot` (zk-treed takes one now; waits until it is written). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "conf.h"
#include "ctl.h"
#include "ipc.h"
#include "log.h"
#include "msg.h"

#define CALL_TIMEOUT_MS	5000
#define WAIT_STEP_MS	50
#define PURGE_WAIT_MS	5000	/* zk-zabd hearing of zk-treed's purge */
#define SNAP_WAIT_MS	600000	/* a snapshot of a big tree takes a while */

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Sends "cmd" to daemon id: 0 with the answer in out, -1 when the daemon
 * is down; *err is its error code. */
static int command(const struct zk_conf *c, int id, const char *cmd, char *out,
		   size_t outlen, int *err)
{
	struct msg req, rep;
	void *frame = NULL;

	msg_init(&req, MSG_CTL_COMMAND, P_CTL, 0);
	MSG_SET_BYTES(&req, text, cmd, strlen(cmd));
	if (ipc_ctl_call(c->ipc_dir, id, &req, CALL_TIMEOUT_MS, &rep, &frame) < 0) {
		fprintf(stderr, "zk-ctl: %s is down\n", proc_name(id));
		return -1;
	}
	if (rep.type != MSG_CTL_DONE) {
		fprintf(stderr, "zk-ctl: %s: unexpected %s\n", proc_name(id),
			msg_type_name(rep.type));
		ipc_release(frame);
		return -1;
	}
	*err = rep.err;
	snprintf(out, outlen, "%.*s", MSG_HAS(&rep, text) ? (int)rep.text.len : 0,
		 MSG_HAS(&rep, text) ? (const char *)rep.text.p : "");
	ipc_release(frame);
	return 0;
}

/* Value of an unsigned counter "key": N in a status document, or -1. */
static long long status_counter(const struct zk_conf *c, int id, const char *key)
{
	struct msg req, rep;
	void *frame = NULL;
	char pat[80], doc[1 << 16];
	const char *p;
	long long v = -1;

	msg_init(&req, MSG_CTL_STATUS, P_CTL, 0);
	if (ipc_ctl_call(c->ipc_dir, id, &req, CALL_TIMEOUT_MS, &rep, &frame) < 0)
		return -1;
	if (rep.type == MSG_CTL_STATUS_OK) {
		snprintf(doc, sizeof doc, "%.*s", (int)rep.json.len, (const char *)rep.json.p);
		snprintf(pat, sizeof pat, "\"%s\":", key);
		p = strstr(doc, pat);
		if (p)
			v = strtoll(p + strlen(pat), NULL, 10);
	}
	ipc_release(frame);
	return v;
}

static int load(const char *cfg, struct zk_conf *c)
{
	char err[4400];

	if (conf_load(c, cfg, err, sizeof err) < 0) {
		fprintf(stderr, "zk-ctl: %s\n", err);
		return -1;
	}
	return 0;
}

int purge_main(const char *cfg, int argc, char **argv)
{
	struct zk_conf c;
	char out[1100], cmd[64], *p;
	unsigned long long oldest;
	int err = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: zk-ctl [-c zoo.cfg] purge\n");
		return 2;
	}
	if (load(cfg, &c) < 0)
		return 2;
	if (command(&c, P_TREED, "purge", out, sizeof out, &err) < 0)
		return 1;
	printf("zk-treed: %s\n", out);
	if (err)
		return 1;
	p = strstr(out, "oldest_retained=");
	if (!p || sscanf(p, "oldest_retained=%llx", &oldest) != 1) {
		fprintf(stderr, "zk-ctl: zk-treed's answer has no oldest_retained\n");
		return 1;
	}
	/* zk-treed told zk-zabd too, by a message that may still be on its
	 * way: zk-zabd answers EAGAIN until it has it. */
	snprintf(cmd, sizeof cmd, "purge 0x%llx", oldest);
	for (int waited = 0;; waited += WAIT_STEP_MS) {
		if (command(&c, P_ZABD, cmd, out, sizeof out, &err) < 0)
			return 1;
		if (err != EAGAIN || waited >= PURGE_WAIT_MS)
			break;
		nap(WAIT_STEP_MS);
	}
	printf("zk-zabd: %s\n", out);
	return err ? 1 : 0;
}

int snapshot_main(const char *cfg, int argc, char **argv)
{
	struct zk_conf c;
	char out[1100], *p;
	long long seq, fails, taken, failed;
	int err = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: zk-ctl [-c zoo.cfg] snapshot\n");
		return 2;
	}
	if (load(cfg, &c) < 0)
		return 2;
	if (command(&c, P_TREED, "snapshot", out, sizeof out, &err) < 0)
		return 1;
	if (err) {
		printf("zk-treed: %s\n", out);
		return 1;
	}
	p = strstr(out, "seq=");
	if (!p || sscanf(p, "seq=%lld failures=%lld", &seq, &fails) != 2) {
		fprintf(stderr, "zk-ctl: zk-treed's answer is not understood: %s\n", out);
		return 1;
	}
	for (int waited = 0; waited < SNAP_WAIT_MS; waited += WAIT_STEP_MS) {
		taken = status_counter(&c, P_TREED, "snapshots_taken");
		failed = status_counter(&c, P_TREED, "snapshot_failures");
		if (taken >= seq) {
			printf("zk-treed: snapshot %lld taken, last zxid 0x%llx\n", seq,
			       (unsigned long long)status_counter(&c, P_TREED, "snapshot_last_zxid"));
			return 0;
		}
		if (failed > fails) {
			fprintf(stderr, "zk-ctl: the snapshot failed (see zk-treed's log)\n");
			return 1;
		}
		nap(WAIT_STEP_MS);
	}
	fprintf(stderr, "zk-ctl: no snapshot after %d s\n", SNAP_WAIT_MS / 1000);
	return 1;
}
