/* daemon.c: what every daemon does the same way: flags and config,
 * directories, lock-down, control socket, readiness and the loop. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/epoll.h>
#include <stddef.h>
#include <unistd.h>
#include "daemon.h"
#include "log.h"
#include "sandbox.h"

#define ZK_GROUP "zk"

static struct daemon *the_daemon;	/* for the signal handler only */

static void on_signal(int sig)
{
	(void)sig;
	if (the_daemon)
		the_daemon->stop = 1;
}

static void usage(const char *name)
{
	fprintf(stderr, "usage: %s [-n] [-d] [-c zoo.cfg]\n"
		"  -c FILE  configuration (default /etc/zk/zoo.cfg)\n"
		"  -n       check the configuration and exit\n"
		"  -d       debug logging\n", name);
	exit(100);
}

const char *daemon_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		fatalx("path too long: %s", buf);
	return buf;
}

/* mkdir -p; the last component gets mode. */
static int mkdirs(const char *path, mode_t mode)
{
	char tmp[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static gid_t zk_gid(void)
{
	struct group *g = getgrnam(ZK_GROUP);
	return g ? g->gr_gid : (gid_t)-1;
}

void daemon_own_dir(struct daemon *d, const char *path)
{
	if (mkdirs(path, 0750) < 0)
		fatal("%s: cannot create %s", d->name, path);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam(d->conf.user[d->id]);
		gid_t g = zk_gid();
		if (!pw || g == (gid_t)-1)
			fatalx("no user %s or group %s (run scripts/deps.sh)",
			       d->conf.user[d->id], ZK_GROUP);
		if (chown(path, pw->pw_uid, g) < 0 || chmod(path, 0750) < 0)
			fatal("chown %s", path);
	}
}

void daemon_init(struct daemon *d, int id, int argc, char **argv)
{
	const char *cfg = "/etc/zk/zoo.cfg";
	char err[4400];
	int check = 0, dbg = 0, c;
	struct sigaction sa;

	memset(d, 0, sizeof *d);
	d->id = id;
	d->name = proc_name(id);
	log_init(d->name, LOG_LVL_INFO);
	while ((c = getopt(argc, argv, "c:ndh")) != -1) {
		switch (c) {
		case 'c': cfg = optarg; break;
		case 'n': check = 1; break;
		case 'd': dbg = 1; break;
		default: usage(d->name);
		}
	}
	if (optind != argc)
		usage(d->name);
	if (conf_load(&d->conf, cfg, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", d->name, err);
		exit(1);
	}
	if (check) {
		printf("%s: configuration OK\n", cfg);
		exit(0);
	}
	log_init(d->name, dbg ? LOG_LVL_DEBUG : d->conf.log_level);
	d->started_ms = loop_now_ms();
	snprintf(d->state, sizeof d->state, "starting");
	the_daemon = d;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		fatal("sigaction");
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0 || sigaction(SIGHUP, &sa, NULL) < 0)
		fatal("sigaction");

	/* Group members (the other daemons) may use what we create. */
	umask(007);
	if (mkdirs(d->conf.ipc_dir, 02770) < 0)
		fatal("cannot create ipcDir %s", d->conf.ipc_dir);
	if (geteuid() == 0) {
		gid_t g = zk_gid();
		struct stat st;
		if (g == (gid_t)-1)
			fatalx("no group %s (run scripts/deps.sh)", ZK_GROUP);
		/* Several daemons race here at start; all set the same. */
		if (stat(d->conf.ipc_dir, &st) < 0 ||
		    (st.st_gid != g && chown(d->conf.ipc_dir, 0, g) < 0) ||
		    chmod(d->conf.ipc_dir, 02770) < 0)
			fatal("cannot set owner of ipcDir %s", d->conf.ipc_dir);
	}
	if (loop_init(&d->loop) < 0)
		fatal("event loop");
}

void daemon_lockdown(struct daemon *d, const char *const *rw_paths,
		     const char *const *ro_paths)
{
	const char *rw[34];
	struct sandbox_spec s;
	struct passwd *pw;
	int n = 0;

	rw[n++] = d->conf.ipc_dir;
	for (const char *const *p = rw_paths; p && *p && n < 32; p++)
		rw[n++] = *p;
	rw[n] = NULL;
	s = (struct sandbox_spec){
		.user = d->conf.user[d->id], .group = ZK_GROUP,
		.rw_paths = rw, .ro_paths = ro_paths, .enforce = d->conf.sandbox,
	};
	if (sandbox_apply(&s, d->sandbox, sizeof d->sandbox) < 0)
		fatalx("lock-down failed (sandbox=off in zoo.cfg to debug)");
	pw = getpwuid(geteuid());
	snprintf(d->user, sizeof d->user, "%s", pw ? pw->pw_name : "?");
	if (!d->sandbox[0])
		snprintf(d->sandbox, sizeof d->sandbox, "none");
	info("locked down as %s: %s", d->user, d->sandbox);
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static void status_reply(struct daemon *d)
{
	static char buf[200 << 10];
	struct json j;
	struct msg m;
	size_t queued = 0;

	for (int i = 0; i < P_COUNT; i++)
		queued += d->ipc.peers[i].qmsgs;
	json_init(&j, buf, sizeof buf);
	json_obj_begin(&j, NULL);
	json_str(&j, "daemon", d->name);
	json_int(&j, "pid", getpid());
	json_str(&j, "user", d->user);
	json_int(&j, "uid", geteuid());
	json_int(&j, "uptime_s", (loop_now_ms() - d->started_ms) / 1000);
	json_str(&j, "state", d->state);
	json_str(&j, "sandbox", d->sandbox);
	json_int(&j, "rss_kb", rss_kb());
	json_uint(&j, "ipc_received", d->ipc.received);
	json_uint(&j, "ipc_malformed", d->ipc.malformed);
	json_uint(&j, "ipc_queued", queued);
	{
		uint64_t sent = 0, frames = 0;
		for (int i = 0; i < P_COUNT; i++) {
			sent += d->ipc.peers[i].sent;
			frames += d->ipc.peers[i].frames;
		}
		json_uint(&j, "ipc_sent", sent);
		json_uint(&j, "ipc_frames", frames);
	}
	if (d->on_status)
		d->on_status(d, &j);
	json_obj_end(&j);
	msg_init(&m, MSG_CTL_STATUS_OK, d->id, 0);
	if (!json_done(&j)) {
		static const char over[] = "{\"error\":\"status too large\"}";
		MSG_SET_BYTES(&m, json, over, sizeof over - 1);
	} else {
		MSG_SET_BYTES(&m, json, buf, j.len);
	}
	if (ipc_ctl_reply(&d->ipc, &m) < 0)
		warnx("control: cannot send status reply");
}

static void on_ctl(void *arg, int fd, uint32_t ev)
{
	struct daemon *d = arg;
	struct msg m, r;
	void *frame;
	int rc = ipc_recv(&d->ipc, d->ipc.ctl_sock, &m, &frame);

	(void)fd;
	(void)ev;
	if (rc < 0) {
		/* A REP socket must answer before it can receive again. */
		msg_init(&r, MSG_CTL_DONE, d->id, 0);
		MSG_SET(&r, err, -5);
		ipc_ctl_reply(&d->ipc, &r);
		return;
	}
	if (rc == 0)
		return;
	if (m.type == MSG_CTL_STATUS) {
		status_reply(d);
	} else if (m.type == MSG_CTL_COMMAND && d->on_command) {
		char out[1024] = "";
		int err = d->on_command(d, (const char *)m.text.p, m.text.len, out, sizeof out);

		msg_init(&r, MSG_CTL_DONE, d->id, m.corr);
		MSG_SET(&r, err, err);
		MSG_SET_BYTES(&r, text, out, strnlen(out, sizeof out - 1));
		if (ipc_ctl_reply(&d->ipc, &r) < 0)
			warnx("control: cannot send the answer to a command");
	} else {
		msg_init(&r, MSG_CTL_DONE, d->id, m.corr);
		MSG_SET(&r, err, -6);
		MSG_SET_BYTES(&r, text, "unknown command", 15);
		ipc_ctl_reply(&d->ipc, &r);
	}
	ipc_release(frame);
}

/* Inbox: handle a bounded batch per wake-up so timers and other fds run. */
static void on_inbox(void *arg, int fd, uint32_t ev)
{
	struct daemon *d = arg;
	(void)fd;
	(void)ev;
	for (int i = 0; i < 4096; i++) {
		struct msg m;
		void *frame;
		int rc = ipc_recv(&d->ipc, d->ipc.in_sock, &m, &frame);
		if (rc == 0)
			break;
		if (rc < 0)
			continue;
		if (d->on_msg)
			d->on_msg(d, &m);
		ipc_release(frame);
	}
}

static void flush_timer(void *arg)
{
	struct daemon *d = arg;
	ipc_flush(&d->ipc);
}

void daemon_open_ipc(struct daemon *d)
{
	if (ipc_open(&d->ipc, d->conf.ipc_dir, d->id) < 0)
		fatalx("cannot open IPC sockets in %s", d->conf.ipc_dir);
	if (loop_add(&d->loop, d->ipc.in_fd, EPOLLIN, on_inbox, d) < 0 ||
	    loop_add(&d->loop, d->ipc.ctl_fd, EPOLLIN, on_ctl, d) < 0 ||
	    loop_timer(&d->loop, 10, flush_timer, d) < 0)
		fatal("event loop registration");
	/* What a turn of the loop sent leaves as one frame per peer. */
	loop_on_end_of_turn(&d->loop, flush_timer, d);
}

/* systemd readiness without libsystemd: one datagram to $NOTIFY_SOCKET. */
void daemon_ready(struct daemon *d)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n;
	int s;

	if (!d->state[0] || strcmp(d->state, "starting") == 0)
		snprintf(d->state, sizeof d->state, "running");
	info("ready");
	if (!path || !*path)
		return;
	n = strlen(path);
	if (n >= sizeof sun.sun_path)
		return;
	memcpy(sun.sun_path, path, n);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	if (sendto(s, "READY=1", 7, 0, (struct sockaddr *)&sun,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		warn("sd_notify");
	close(s);
}

int daemon_run(struct daemon *d)
{
	loop_run(&d->loop, &d->stop);
	info("stopping");
	ipc_flush(&d->ipc);
	ipc_close(&d->ipc);
	return 0;
}
