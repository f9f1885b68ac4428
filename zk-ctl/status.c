/* status.c: `zk-ctl status`: ask each daemon of the node for its status
 * document and print a table (or the documents as a JSON array). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "ctl.h"
#include "ipc.h"
#include "log.h"
#include "msg.h"

#define CALL_TIMEOUT_MS 2000

/* Walk the top-level members of a flat JSON object, calling fn with each
 * key and the raw value text. Nested values are passed through whole. */
static void each_member(const char *s, size_t n,
			void (*fn)(void *, const char *, size_t, const char *, size_t),
			void *arg)
{
	size_t i = 0;

	while (i < n && s[i] != '{')
		i++;
	i++;
	while (i < n) {
		size_t ks, ke, vs, ve;
		int depth = 0, instr = 0;

		while (i < n && (s[i] == ' ' || s[i] == ','))
			i++;
		if (i >= n || s[i] != '"')
			return;
		ks = ++i;
		while (i < n && s[i] != '"') {
			if (s[i] == '\\')
				i++;
			i++;
		}
		ke = i++;
		while (i < n && (s[i] == ':' || s[i] == ' '))
			i++;
		vs = i;
		for (; i < n; i++) {
			char c = s[i];
			if (instr) {
				if (c == '\\')
					i++;
				else if (c == '"')
					instr = 0;
				continue;
			}
			if (c == '"')
				instr = 1;
			else if (c == '{' || c == '[')
				depth++;
			else if (c == '}' || c == ']') {
				if (depth == 0)
					break;
				depth--;
			} else if (c == ',' && depth == 0)
				break;
		}
		ve = i;
		fn(arg, s + ks, ke - ks, s + vs, ve - vs);
		if (i < n && s[i] == '}')
			return;
	}
}

struct row {
	char pid[24], user[64], uptime[32], state[64], sandbox[128];
	char counters[1024];
};

static void copy_val(char *dst, size_t cap, const char *v, size_t vn)
{
	if (vn >= 2 && v[0] == '"') {
		v++;
		vn -= 2;
	}
	if (vn >= cap)
		vn = cap - 1;
	memcpy(dst, v, vn);
	dst[vn] = '\0';
}

static void take(void *arg, const char *k, size_t kn, const char *v, size_t vn)
{
	struct row *r = arg;
	static const char *const skip[] = { "daemon", "uid", NULL };
#define IS(name) (kn == strlen(name) && memcmp(k, name, kn) == 0)
	if (IS("pid"))
		copy_val(r->pid, sizeof r->pid, v, vn);
	else if (IS("user"))
		copy_val(r->user, sizeof r->user, v, vn);
	else if (IS("uptime_s")) {
		char t[24];
		copy_val(t, sizeof t, v, vn);
		snprintf(r->uptime, sizeof r->uptime, "%ss", t);
	} else if (IS("state"))
		copy_val(r->state, sizeof r->state, v, vn);
	else if (IS("sandbox"))
		copy_val(r->sandbox, sizeof r->sandbox, v, vn);
	else {
		for (int i = 0; skip[i]; i++)
			if (IS(skip[i]))
				return;
		size_t len = strlen(r->counters);
		snprintf(r->counters + len, sizeof r->counters - len, "%s%.*s=%.*s",
			 len ? " " : "", (int)kn, k, (int)vn, v);
	}
#undef IS
}

int status_main(const char *cfg, int argc, char **argv)
{
	struct zk_conf conf;
	char err[4400];
	int json = 0, only = P_NONE, down = 0, first = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (only == P_NONE && (only = proc_id(argv[i])) != P_NONE &&
			   only >= P_FIRST_DAEMON && only <= P_LAST_DAEMON) {
			continue;
		} else {
			fprintf(stderr, "zk-ctl: status: unknown daemon or option: %s\n", argv[i]);
			return 2;
		}
	}
	if (conf_load(&conf, cfg, err, sizeof err) < 0) {
		fprintf(stderr, "zk-ctl: %s\n", err);
		return 2;
	}
	if (json)
		printf("[");
	else
		printf("%-12s %-7s %-12s %-8s %-10s %-34s %s\n", "DAEMON", "PID", "USER",
		       "UPTIME", "STATE", "SANDBOX", "COUNTERS");
	for (int id = P_FIRST_DAEMON; id <= P_LAST_DAEMON; id++) {
		struct msg req, rep;
		void *frame = NULL;

		if (only != P_NONE && id != only)
			continue;
		msg_init(&req, MSG_CTL_STATUS, P_CTL, 0);
		if (ipc_ctl_call(conf.ipc_dir, id, &req, CALL_TIMEOUT_MS, &rep, &frame) < 0 ||
		    rep.type != MSG_CTL_STATUS_OK) {
			down++;
			if (json)
				printf("%s{\"daemon\":\"%s\",\"state\":\"down\"}", first ? "" : ",",
				       proc_name(id));
			else
				printf("%-12s %-7s %-12s %-8s %-10s\n", proc_name(id), "-", "-", "-", "down");
		} else if (json) {
			printf("%s%.*s", first ? "" : ",", (int)rep.json.len, (const char *)rep.json.p);
		} else {
			struct row r;
			memset(&r, 0, sizeof r);
			each_member((const char *)rep.json.p, rep.json.len, take, &r);
			printf("%-12s %-7s %-12s %-8s %-10s %-34s %s\n", proc_name(id), r.pid,
			       r.user, r.uptime, r.state, r.sandbox, r.counters);
		}
		first = 0;
		ipc_release(frame);
	}
	if (json)
		printf("]\n");
	return down ? 1 : 0;
}
