/* zk-electd: leader election for this node.
 * A node with at most one voting server (standalone) is leader at once.
 * Fast Leader Election with peers over electionPort is not implemented
 * yet: an ensemble node reports "looking" and never elects. */
#include <stdio.h>
#include "daemon.h"
#include "log.h"

struct electd {
	int voters;
	int observers;
};

static void electd_status(struct daemon *d, struct json *j)
{
	struct electd *e = d->ctx;
	json_int(j, "myid", d->conf.myid);
	json_int(j, "voters", e->voters);
	json_int(j, "observers", e->observers);
}

static void electd_on_msg(struct daemon *d, const struct msg *m)
{
	/* No message is addressed to zk-electd yet: say so once per type. */
	warnx("unexpected %s from %s", msg_type_name(m->type),
	      proc_name(m->sender) ? proc_name(m->sender) : "unknown");
}

int main(int argc, char **argv)
{
	static struct daemon d;
	static struct electd e;

	daemon_init(&d, P_ELECTD, argc, argv);
	daemon_lockdown(&d, NULL, NULL);
	for (int i = 0; i < d.conf.nservers; i++) {
		if (d.conf.servers[i].observer)
			e.observers++;
		else
			e.voters++;
	}
	d.ctx = &e;
	d.on_msg = electd_on_msg;
	d.on_status = electd_status;
	daemon_open_ipc(&d);
	if (e.voters <= 1)
		snprintf(d.state, sizeof d.state, "leader");
	else
		snprintf(d.state, sizeof d.state, "looking");
	daemon_ready(&d);
	return daemon_run(&d);
}
