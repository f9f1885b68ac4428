/* daemon.h: the life of every zk daemon (STYLE "A daemon's life"):
 *   daemon_init()   flags (-c FILE, -n check config, -f stay attached...),
 *                   config, logging, signals, state directories (as root)
 *   daemon_lockdown() drop to the daemon's user, no_new_privs, landlock,
 *                   seccomp; fatal if a step fails (unless sandbox=off)
 *   open everything (LMDB, TCP listeners) -- the caller, after lock-down,
 *                   so that every thread (nanomsg's too) inherits the sandbox
 *   daemon_open_ipc() bind inbox + control sockets, register with the loop
 *   daemon_ready()  tell the supervisor (READY=1 on $NOTIFY_SOCKET)
 *   daemon_run()    loop until SIGTERM/SIGINT; returns the exit status
 *
 * The daemon fills in the callbacks below; the common code answers
 * CTL_STATUS itself (pid, user, uptime, state, sandbox, counters) and asks
 * the daemon's status callback for its own counters. */
#ifndef ZK_DAEMON_H
#define ZK_DAEMON_H
#include <signal.h>
#include <stdint.h>
#include "conf.h"
#include "ipc.h"
#include "json.h"
#include "loop.h"
#include "msg.h"

struct daemon {
	int id;				/* P_GW ... */
	const char *name;		/* "zk-gw" */
	struct zk_conf conf;
	struct ipc ipc;
	struct loop loop;
	int64_t started_ms;		/* monotonic */
	char state[64];			/* role or state shown by zk-ctl status */
	char sandbox[128];		/* what lock-down applied, e.g. "user,nnp,landlock,seccomp" */
	char user[64];			/* user we run as */
	volatile sig_atomic_t stop;

	/* Called for each decoded inbox message; the frame is released after. */
	void (*on_msg)(struct daemon *d, const struct msg *m);
	/* Adds this daemon's own keys to the status object (may be NULL). */
	void (*on_status)(struct daemon *d, struct json *j);
	/* Runs a zk-ctl command (CTL_COMMAND text, len bytes, not
	 * NUL-terminated) and writes a one-line answer into out (outlen
	 * bytes). Returns 0 done, or an error code > 0 (the answer says why).
	 * NULL: every command is unknown. */
	int (*on_command)(struct daemon *d, const char *cmd, size_t len,
			  char *out, size_t outlen);
	void *ctx;			/* the daemon's own state */
};

/* Parses flags, loads the config (exits 1 with "file:line: key: ..." on
 * error; exits 0 after -n), sets up logging and signals, and creates
 * ipcDir (when root: group zk, mode 02770). */
void daemon_init(struct daemon *d, int id, int argc, char **argv);

/* Creates a directory this daemon owns (parents too); when root, owned by
 * the daemon's user and group zk, mode 0750. Fatal on failure. */
void daemon_own_dir(struct daemon *d, const char *path);

/* Drops privileges and applies the sandbox. rw_paths may be written,
 * ro_paths read (both NULL-terminated lists; ipcDir is always rw). */
void daemon_lockdown(struct daemon *d, const char *const *rw_paths,
		     const char *const *ro_paths);

/* Binds the inbox and control sockets and registers them with the loop. */
void daemon_open_ipc(struct daemon *d);

void daemon_ready(struct daemon *d);
int daemon_run(struct daemon *d);

/* Path helper: snprintf into buf, fatal if it does not fit. */
const char *daemon_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
