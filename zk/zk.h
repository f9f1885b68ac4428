/* zk.h: the zk command-line tool: shared options, exit codes and routines. */
#ifndef ZK_TOOL_H
#define ZK_TOOL_H
#include <stdint.h>
#include <stdio.h>
#include "jute.h"
#include "zkclient.h"

/* Exit codes (documented in docs/CLI.md and zk(1)). */
enum {
	EXIT_OK = 0,
	EXIT_NONODE = 1,	/* no such node; `exists` answers 1 for "no" */
	EXIT_BADVERSION = 2,
	EXIT_EXISTS = 3,
	EXIT_NOTEMPTY = 4,
	EXIT_NOAUTH = 5,	/* NoAuth, AuthFailed */
	EXIT_SERVER = 6,	/* any other server error */
	EXIT_CONN = 7,		/* connection, session or timeout */
	EXIT_USAGE = 8,
	EXIT_BUSY = 9		/* lock/elect: not acquired (-n or --timeout) */
};

#define ZK_PATH_MAX 4096
#define ZK_DATA_MAX JUTE_MAXBUFFER

struct zk_opts {
	const char *hosts;
	int session_timeout_ms;
	int connect_timeout_ms;
	const char *auth;	/* "user:pass" */
	const char *auth_file;
	int json;
	const char *verb;
};

extern struct zk_opts zk_opt;

/* Long options every verb accepts after its name too (values >= 1000). */
#define ZK_COMMON_LOPTS \
	{ "json", no_argument, NULL, 1000 }, \
	{ "server", required_argument, NULL, 1001 }, \
	{ "auth", required_argument, NULL, 1002 }, \
	{ "auth-file", required_argument, NULL, 1003 }, \
	{ "session-timeout", required_argument, NULL, 1004 }, \
	{ "connect-timeout", required_argument, NULL, 1005 }, \
	{ "help", no_argument, NULL, 1006 }
/* Handle one of those; 1 if ch was one, 0 if not. */
int zk_common_opt(int ch, const char *arg);

/* Connect with zk_opt (and authenticate); exits with EXIT_CONN on failure. */
void zk_connect(struct zkc *c);
/* The same, returning the error instead (usage errors still exit); on
 * failure c is closed. */
int zk_connect_try(struct zkc *c);
/* Map a ZooKeeper error code to an exit code. */
int zk_exit_code(int err);
/* Print "zk: VERB PATH: ErrorName" to stderr; return zk_exit_code(err). */
int zk_fail(const char *path, int err);
/* --help after a verb: its synopsis on stdout; returns EXIT_OK. */
int zk_help(void);
/* Print "zk: VERB: message" for usage errors; return EXIT_USAGE. */
int zk_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A path the server would accept for a create (no trailing '/'...). */
int zk_path_ok(const char *path);
/* Read all of stdin (up to ZK_DATA_MAX + 1 bytes); -1 on a read error. */
int zk_read_all(FILE *f, uint8_t **out, size_t *len, size_t max);
/* Data from an argument, or from stdin when it is "-". */
int zk_data_arg(const char *arg, uint8_t **out, size_t *len);
/* Integer option value; exits with EXIT_USAGE if malformed. */
long long zk_num(const char *opt, const char *s, long long min, long long max);

/* Output: checks for a closed stdout (EPIPE: exit 0 quietly). */
void zk_out_flush(void);
int zk_stdout_gone(void);
void zk_print_stat_text(FILE *f, const struct jute_stat *st);
/* JSON pieces written straight to stdout. */
void zk_json_str(FILE *f, const char *s, size_t n);
void zk_json_stat(FILE *f, const struct jute_stat *st);
/* "data": "..." (valid UTF-8) or "data_base64": "..." or "data": null. */
void zk_json_data(FILE *f, const struct jute_bytes *data);
/* ACL text "scheme:id:perms,..." both ways. */
int zk_acl_parse(const char *text, struct jute_acl **out, int *n, char **store);
void zk_acl_print(FILE *f, const struct jute_acls *acl, int json);
void zk_perms_str(int32_t perms, char out[6]);
int zk_perms_parse(const char *s, int32_t *perms);

/* Sorted copies of PATH's child names (free with zk_list_free). */
int zk_list(struct zkc *c, const char *path, char ***names, int *n);
void zk_list_free(char **names, int n);
/* dir + "/" + name into out; -1 if it does not fit. */
int zk_join(char *out, size_t cap, const char *dir, const char *name);

/* Create PATH's missing ancestors (persistent, empty data). */
int zk_mkparents(struct zkc *c, const char *path);

/* Verbs. Each gets argv starting at the verb name and returns an exit code. */
int cmd_get(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_exists(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_acl(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_elect(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_load(int argc, char **argv);

/* Child processes (child.c). */
struct zk_child {
	int pid;
	int status;		/* wait status once exited */
	int exited;
};
/* Fork and exec argv with extra "NAME=value" strings added to the
 * environment; the child dies with us (PDEATHSIG). 0 or -1. */
int zk_child_start(struct zk_child *ch, char **argv, char **env_add);
/* Non-blocking check; 1 if it has exited. */
int zk_child_poll(struct zk_child *ch);
/* TERM, then KILL after grace_ms; waits for it. */
void zk_child_stop(struct zk_child *ch, int grace_ms);
/* Shell-style exit code of a finished child (128 + signal). */
int zk_child_code(const struct zk_child *ch);
/* Signal flags set by handlers installed with zk_signals(). */
extern volatile int zk_got_signal;
void zk_signals(void);

#endif
