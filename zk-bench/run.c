/* run.c: the load loop of zk-bench. A run is a sequence of phases on the
 * same connections: handshake, create the parent znodes, create (or reset)
 * the keys, warm up, measure, drain, close the sessions. Each phase keeps
 * every connection `depth` requests deep and is bounded in time. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "conn.h"
#include "log.h"

/* What a phase sends. */
enum gen { G_NONE, G_PARENTS, G_KEYS_CREATE, G_KEYS_SET, G_LOAD };

#define SETUP_SECS 600.0	/* bound on creating the keys */
#define DRAIN_SECS 30.0		/* bound on waiting for replies in flight */
#define CLOSE_SECS 3.0		/* bound on closeSession replies */
#define MAX_EVENTS 256

struct phase {
	enum gen gen;
	uint64_t limit;		/* requests to send; UINT64_MAX: until deadline */
	uint64_t issued, done;
	uint64_t deadline;	/* stop sending at this time (ns) */
	int record;		/* count replies and latencies */
	int lead;		/* >= 0: only this connection sends, so the
				 * parents are created in order */
	uint64_t exists;	/* NodeExists replies (setup) */
	int failed;		/* an unexpected error in a setup phase */
};

struct bench {
	const struct bench_opts *o;
	struct bench_result *r;
	int ep;
	struct bconn *c;
	int nc, alive;
	struct phase ph;
	uint8_t *value;
	char parents[8][BENCH_PATH_MAX];
	int nparents;
	char cdir[BENCH_PATH_MAX];	/* create mode: fresh parent */
	uint64_t seq;			/* create mode: next name */
	uint64_t rr;			/* next key, round robin */
	uint64_t rng;
	int keys_sized;			/* every key holds o->size bytes */
	uint64_t deadline_hit;		/* set when a record phase timed out */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t secs_ns(double s)
{
	return (uint64_t)(s * 1e9);
}

static uint64_t cpu_self_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

/* xorshift64*: cheap and good enough to pick keys and read/write. */
static uint64_t rnd(struct bench *b)
{
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 2685821657736338717ull;
}

static void key_path(const struct bench *b, uint32_t k, char *out, size_t cap)
{
	snprintf(out, cap, "%s/k%u", b->o->prefix, k);
}

static void put_create(struct bconn *c, const char *path, const uint8_t *data, int len)
{
	static const char world[] = "world", anyone[] = "anyone";
	struct jute_acl acl;
	struct jute_create_req req;

	acl.perms = PERM_ALL;
	acl.id.scheme = jute_cstr(world);
	acl.id.id = jute_cstr(anyone);
	memset(&req, 0, sizeof req);
	req.path = jute_cstr(path);
	req.data = jute_mem(data, (size_t)len);
	req.acl.n = 1;
	req.acl.arr = &acl;
	req.flags = CM_PERSISTENT;
	jute_enc_create_req(&c->out, &req, 0);
}

/* Queue one request of the current phase on c. */
static void gen_one(struct bench *b, struct bconn *c, uint64_t now)
{
	const struct bench_opts *o = b->o;
	char path[BENCH_PATH_MAX + 32];
	uint32_t key = 0;
	int op;
	size_t off;

	switch (b->ph.gen) {
	case G_PARENTS:
		off = conn_req_begin(c, OP_CREATE, now, 0);
		put_create(c, b->parents[b->ph.issued], NULL, 0);
		conn_req_end(c, off);
		return;
	case G_KEYS_CREATE:
	case G_KEYS_SET:
		key = (uint32_t)b->ph.issued;
		op = b->ph.gen == G_KEYS_CREATE ? OP_CREATE : OP_SETDATA;
		break;
	case G_LOAD:
		switch (o->mode) {
		case MODE_GET:
			op = OP_GETDATA;
			break;
		case MODE_SET:
			op = OP_SETDATA;
			break;
		case MODE_CREATE:
			op = OP_CREATE;
			break;
		case MODE_MIX:
			op = (int)(rnd(b) % 100) < o->read_pct ? OP_GETDATA : OP_SETDATA;
			break;
		default:
			op = o->lat_op;
			break;
		}
		if (op != OP_CREATE) {
			key = (uint32_t)(b->rr++ % (uint64_t)o->keys);
		}
		break;
	default:
		return;
	}
	if (op == OP_CREATE && b->ph.gen == G_LOAD)
		snprintf(path, sizeof path, "%s/n%llu", b->cdir,
			 (unsigned long long)b->seq++);
	else
		key_path(b, key, path, sizeof path);
	off = conn_req_begin(c, op, now, key);
	if (op == OP_GETDATA) {
		struct jute_path_watch req = { jute_cstr(path), 0 };
		jute_enc_path_watch(&c->out, &req);
	} else if (op == OP_SETDATA) {
		struct jute_set_data_req req;
		req.path = jute_cstr(path);
		req.data = jute_mem(b->value, (size_t)o->size);
		req.version = -1;
		jute_enc_set_data_req(&c->out, &req);
	} else {
		put_create(c, path, b->value, o->size);
	}
	conn_req_end(c, off);
}

/* Keep c `depth` deep while the phase wants more requests. */
static void fill(struct bench *b, struct bconn *c, uint64_t now)
{
	struct phase *ph = &b->ph;
	int depth = b->ph.gen == G_PARENTS ? 1 : b->o->depth;

	if (c->state != CS_READY || (ph->lead >= 0 && c->idx != ph->lead))
		return;
	while (c->rcount < depth && ph->issued < ph->limit && now < ph->deadline) {
		gen_one(b, c, now);
		ph->issued++;
	}
}

static void conn_lost(struct bench *b, struct bconn *c, const char *why);

/* The ordered phase's connection died: the next live one carries on from
 * the first request that was not answered. */
static void new_lead(struct bench *b)
{
	uint64_t now = now_ns();

	b->ph.lead = -1;
	for (int i = 0; i < b->nc; i++) {
		struct bconn *c = &b->c[i];

		if (c->state != CS_READY)
			continue;
		b->ph.lead = i;
		fill(b, c, now);
		if (conn_flush(c, b->ep) < 0)
			conn_lost(b, c, "send failed");
		return;
	}
}

static void conn_lost(struct bench *b, struct bconn *c, const char *why)
{
	if (c->state == CS_CLOSING) {
		conn_close(c, CS_DONE);
		return;
	}
	if (c->state == CS_DONE || c->state == CS_DEAD)
		return;
	warnx("connection %d lost (%s) with %d requests in flight", c->idx, why, c->rcount);
	/* Its requests will never be answered: take them back so that the
	 * phase can finish, and -n counts are still met by the others. */
	b->ph.issued -= (uint64_t)c->rcount;
	if (c->state == CS_READY)
		b->alive--;
	c->rcount = 0;
	conn_close(c, CS_DEAD);
	b->r->lost++;
	if (b->ph.lead == c->idx)
		new_lead(b);
}

static void note_error(struct bench *b, int32_t err)
{
	b->r->errors++;
	if (!b->r->first_err)
		b->r->first_err = err ? err : ZMARSHALLINGERROR;
}

/* Check a reply body against the request; 0 if it is what we expect. */
static int check_body(struct bench *b, const struct pend *pe, const uint8_t *p, size_t n)
{
	struct jute_rd rd;

	jute_rd_init(&rd, p, n, 0);
	if (pe->op == OP_GETDATA) {
		struct jute_get_data_resp g;
		jute_dec_get_data_resp(&rd, &g);
		if (jute_rd_done(&rd) < 0)
			return -1;
		/* Every key holds our value after setup: a reply with other
		 * bytes is wrong, whatever its length. */
		if (b->keys_sized && (g.data.len != b->o->size ||
				      (g.data.len > 0 && memcmp(g.data.p, b->value, (size_t)g.data.len) != 0)))
			return -1;
	} else if (pe->op == OP_SETDATA) {
		struct jute_stat st;
		jute_dec_stat(&rd, &st);
		if (jute_rd_done(&rd) < 0 || st.data_length != b->o->size)
			return -1;
	} else if (pe->op == OP_CREATE) {
		struct jute_bytes path;
		jute_dec_path(&rd, &path);
		if (jute_rd_done(&rd) < 0)
			return -1;
	}
	return 0;
}

/* One reply frame on a ready or closing connection. */
static int on_reply(struct bench *b, struct bconn *c, const uint8_t *p, uint32_t n, uint64_t now)
{
	struct jute_reply_hdr h;
	struct jute_rd rd;
	struct pend *pe;
	struct phase *ph = &b->ph;

	jute_rd_init(&rd, p, n, 0);
	jute_dec_reply_hdr(&rd, &h);
	if (rd.err)
		return -1;
	if (h.xid == XID_NOTIFICATION || h.xid == XID_PING)
		return 0;
	pe = conn_head(c);
	if (!pe || pe->xid != h.xid) {
		warnx("connection %d: reply xid %d, expected %d", c->idx, h.xid,
		      pe ? pe->xid : 0);
		return -1;
	}
	if (pe->op == OP_CLOSESESSION) {
		conn_pop(c);
		conn_close(c, CS_DONE);
		return 0;
	}
	if (ph->gen == G_LOAD) {
		if (ph->record) {
			b->r->ops++;
			hist_add(&b->r->lat, now - pe->t);
			hist_add(&b->r->lat_op[pe->op == OP_GETDATA ? LAT_GET :
					       pe->op == OP_SETDATA ? LAT_SET : LAT_CREATE],
				 now - pe->t);
			if (h.err != ZOK)
				note_error(b, h.err);
			else if (check_body(b, pe, p + rd.off, n - rd.off) < 0)
				note_error(b, ZMARSHALLINGERROR);
		}
	} else if (h.err == ZNODEEXISTS && pe->op == OP_CREATE) {
		ph->exists++;
	} else if (h.err != ZOK) {
		if (!ph->failed)
			warnx("setup %s failed: %s (%d)", jute_op_name(pe->op),
			      jute_err_name(h.err), h.err);
		ph->failed = 1;
	}
	conn_pop(c);
	ph->done++;
	return 0;
}

static int on_handshake(struct bench *b, struct bconn *c, const uint8_t *p, uint32_t n)
{
	struct jute_connect_resp resp;
	struct jute_rd rd;

	jute_rd_init(&rd, p, n, 0);
	jute_dec_connect_resp(&rd, &resp);
	if (jute_rd_done(&rd) < 0) {
		warnx("connection %d: bad ConnectResponse (%u bytes)", c->idx, n);
		return -1;
	}
	if (resp.timeout <= 0) {
		warnx("connection %d: server refused the session", c->idx);
		return -1;
	}
	c->state = CS_READY;
	b->alive++;
	return 0;
}

static void on_event(struct bench *b, struct bconn *c, uint32_t ev)
{
	uint64_t now = now_ns();
	const uint8_t *p;
	uint32_t n;
	int rc;

	if (c->state == CS_CONNECTING) {
		if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (conn_connected(c, b->o->session_ms) < 0) {
			conn_close(c, CS_DEAD);
			b->r->lost++;
			return;
		}
	} else if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		rc = conn_recv(c);
		if (rc < 0) {
			conn_lost(b, c, "closed by server");
			return;
		}
		while ((rc = conn_frame(c, &p, &n)) > 0) {
			int hr = c->state == CS_HANDSHAKE ? on_handshake(b, c, p, n)
							  : on_reply(b, c, p, n, now);
			if (hr < 0) {
				conn_lost(b, c, "bad reply");
				return;
			}
			if (c->state == CS_DONE)
				return;
			conn_consume(c, n);
		}
		if (rc < 0) {
			conn_lost(b, c, "bad frame length");
			return;
		}
		conn_compact(c);
	}
	fill(b, c, now);
	if (conn_flush(c, b->ep) < 0)
		conn_lost(b, c, "send failed");
}

/* Turn the loop until done() holds or the time bound passes; 0 or -1. */
static int spin(struct bench *b, int (*done)(struct bench *), uint64_t until)
{
	struct epoll_event evs[MAX_EVENTS];

	while (!done(b)) {
		uint64_t now = now_ns();
		int n, ms;

		if (now >= until)
			return -1;
		ms = (int)((until - now) / 1000000) + 1;
		if (ms > 100)
			ms = 100;
		n = epoll_wait(b->ep, evs, MAX_EVENTS, ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			warn("epoll_wait");
			return -1;
		}
		for (int i = 0; i < n; i++)
			on_event(b, evs[i].data.ptr, evs[i].events);
	}
	return 0;
}

static int connected_all(struct bench *b)
{
	for (int i = 0; i < b->nc; i++)
		if (b->c[i].state == CS_CONNECTING || b->c[i].state == CS_HANDSHAKE)
			return 0;
	return 1;
}

/* A phase is over when it sent all it may and every reply is in. */
static int phase_over(struct bench *b)
{
	struct phase *ph = &b->ph;

	if (b->alive == 0)
		return 1;
	if (ph->done < ph->issued)
		return 0;
	return ph->issued >= ph->limit || now_ns() >= ph->deadline;
}

/* The measured window ends when -n replies are in or at the deadline. */
static int window_over(struct bench *b)
{
	struct phase *ph = &b->ph;
	uint64_t now;

	if (b->alive == 0)
		return 1;
	if (ph->limit != UINT64_MAX && ph->done >= ph->limit)
		return 1;
	now = now_ns();
	if (now >= ph->deadline) {
		b->deadline_hit = 1;
		return 1;
	}
	return 0;
}

static int closed_all(struct bench *b)
{
	for (int i = 0; i < b->nc; i++)
		if (b->c[i].state == CS_CLOSING)
			return 0;
	return 1;
}

/* Start a phase and kick every connection (replies drive it after that). */
static void phase_start(struct bench *b, enum gen g, uint64_t limit, double secs, int record)
{
	uint64_t now = now_ns();

	memset(&b->ph, 0, sizeof b->ph);
	b->ph.gen = g;
	b->ph.limit = limit;
	b->ph.deadline = now + secs_ns(secs);
	b->ph.record = record;
	b->ph.lead = -1;
	if (g == G_PARENTS) {
		/* The first connection with a session; others may have failed. */
		for (int i = 0; i < b->nc && b->ph.lead < 0; i++)
			if (b->c[i].state == CS_READY)
				b->ph.lead = i;
	}
	for (int i = 0; i < b->nc; i++) {
		struct bconn *c = &b->c[i];
		fill(b, c, now);
		if (c->state == CS_READY && conn_flush(c, b->ep) < 0)
			conn_lost(b, c, "send failed");
	}
}

/* Run a setup phase to the end; 0 or -1. */
static int setup_phase(struct bench *b, enum gen g, uint64_t limit, const char *what)
{
	phase_start(b, g, limit, SETUP_SECS, 0);
	if (spin(b, phase_over, b->ph.deadline + secs_ns(DRAIN_SECS)) < 0 ||
	    b->ph.done < limit) {
		warnx("%s: %llu of %llu done", what, (unsigned long long)b->ph.done,
		      (unsigned long long)limit);
		return -1;
	}
	if (b->ph.failed || b->alive == 0)
		return -1;
	return 0;
}

/* Stop sending and wait for what is in flight (not recorded). */
static int drain(struct bench *b)
{
	b->ph.limit = b->ph.issued;
	b->ph.record = 0;
	if (spin(b, phase_over, now_ns() + secs_ns(DRAIN_SECS)) < 0) {
		warnx("replies still missing after %.0f s", DRAIN_SECS);
		return -1;
	}
	return 0;
}

static int resolve(const struct bench_opts *o, struct sockaddr_storage *sa, socklen_t *len)
{
	struct addrinfo hints, *res = NULL;
	char port[16];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%d", o->port);
	rc = getaddrinfo(o->host, port, &hints, &res);
	if (rc != 0 || !res) {
		warnx("%s: %s", o->host, gai_strerror(rc));
		return -1;
	}
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Every ancestor of the prefix, then (create mode) a fresh directory, so a
 * run never collides with the names of an earlier one. */
static int plan_parents(struct bench *b)
{
	const char *pre = b->o->prefix;
	size_t len = strlen(pre);

	for (size_t i = 1; i <= len; i++) {
		if (i < len && pre[i] != '/')
			continue;
		if (b->nparents == (int)(sizeof b->parents / sizeof b->parents[0])) {
			warnx("prefix %s: too deep", pre);
			return -1;
		}
		memcpy(b->parents[b->nparents], pre, i);
		b->parents[b->nparents][i] = 0;
		b->nparents++;
	}
	if (b->o->mode == MODE_CREATE) {
		int n = snprintf(b->cdir, sizeof b->cdir, "%s/c%d-%lld", pre, (int)getpid(),
				 (long long)time(NULL));
		if (n < 0 || (size_t)n >= sizeof b->cdir ||
		    b->nparents == (int)(sizeof b->parents / sizeof b->parents[0])) {
			warnx("prefix %s: too long", pre);
			return -1;
		}
		memcpy(b->parents[b->nparents++], b->cdir, (size_t)n + 1);
	}
	return 0;
}

static int open_all(struct bench *b)
{
	const struct bench_opts *o = b->o;
	struct sockaddr_storage sa;
	socklen_t salen;
	size_t outmax;

	if (resolve(o, &sa, &salen) < 0)
		return -1;
	b->ep = epoll_create1(EPOLL_CLOEXEC);
	if (b->ep < 0) {
		warn("epoll_create1");
		return -1;
	}
	/* A full window of the biggest request, plus the handshake. */
	outmax = (size_t)o->depth * ((size_t)o->size + 512) + 65536;
	b->c = calloc((size_t)o->conns, sizeof *b->c);
	if (!b->c) {
		warnx("out of memory");
		return -1;
	}
	b->nc = o->conns;
	for (int i = 0; i < b->nc; i++) {
		if (conn_open(&b->c[i], b->ep, i, &sa, salen, o->depth, outmax) < 0) {
			conn_close(&b->c[i], CS_DEAD);
			b->r->lost++;
		}
	}
	if (spin(b, connected_all, now_ns() + (uint64_t)o->connect_ms * 1000000ull) < 0) {
		for (int i = 0; i < b->nc; i++) {
			struct bconn *c = &b->c[i];
			if (c->state == CS_CONNECTING || c->state == CS_HANDSHAKE) {
				conn_close(c, CS_DEAD);
				b->r->lost++;
			}
		}
	}
	if (b->alive == 0) {
		warnx("no session with %s:%d", o->host, o->port);
		return -1;
	}
	if (b->alive < b->nc)
		warnx("only %d of %d connections have a session", b->alive, b->nc);
	return 0;
}

static void close_all(struct bench *b)
{
	uint64_t now = now_ns();

	for (int i = 0; i < b->nc; i++) {
		struct bconn *c = &b->c[i];
		size_t off;

		if (c->state != CS_READY)
			continue;
		off = conn_req_begin(c, OP_CLOSESESSION, now, 0);
		conn_req_end(c, off);
		c->state = CS_CLOSING;
		if (conn_flush(c, b->ep) < 0)
			conn_close(c, CS_DONE);
	}
	if (spin(b, closed_all, now + secs_ns(CLOSE_SECS)) < 0)
		warnx("some sessions did not confirm closeSession");
}

static int measure(struct bench *b)
{
	const struct bench_opts *o = b->o;
	struct bench_result *r = b->r;
	uint64_t t0, t1, c0;

	if (o->warmup > 0) {
		phase_start(b, G_LOAD, UINT64_MAX, o->warmup, 0);
		if (spin(b, phase_over, b->ph.deadline + secs_ns(DRAIN_SECS)) < 0)
			warnx("warm-up replies still missing");
		if (b->alive == 0)
			return -1;
	}
	proc_sample_take(o->pids, o->npids, &r->srv0);
	if (proc_machine_busy(&r->mach0) < 0)
		r->mach0 = 0;
	c0 = cpu_self_ns();
	t0 = now_ns();
	phase_start(b, G_LOAD, o->ops ? o->ops : UINT64_MAX, o->secs, 1);
	if (spin(b, window_over, b->ph.deadline + secs_ns(1)) < 0)
		b->deadline_hit = 1;
	t1 = now_ns();
	proc_sample_take(o->pids, o->npids, &r->srv1);
	if (!r->mach0 || proc_machine_busy(&r->mach1) < 0)
		r->mach0 = r->mach1 = 0;
	r->client_cpu_ns = cpu_self_ns() - c0;
	r->secs = (double)(t1 - t0) / 1e9;
	r->hit_cap = o->ops && b->deadline_hit;
	if (b->alive == 0) {
		warnx("every connection was lost");
		return -1;
	}
	return drain(b);
}

int bench_run(const struct bench_opts *o, struct bench_result *r)
{
	struct bench b;
	int rc = -1;

	memset(&b, 0, sizeof b);
	memset(r, 0, sizeof *r);
	hist_reset(&r->lat);
	for (int i = 0; i < 3; i++)
		hist_reset(&r->lat_op[i]);
	b.o = o;
	b.r = r;
	b.ep = -1;
	b.rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ull;
	b.value = malloc((size_t)o->size + 1);
	if (!b.value) {
		warnx("out of memory");
		return -1;
	}
	for (int i = 0; i < o->size; i++)
		b.value[i] = (uint8_t)('a' + i % 26);
	if (plan_parents(&b) < 0 || open_all(&b) < 0)
		goto out;
	if (setup_phase(&b, G_PARENTS, (uint64_t)b.nparents, "creating parents") < 0)
		goto out;
	if (o->mode != MODE_CREATE) {
		if (setup_phase(&b, G_KEYS_CREATE, (uint64_t)o->keys, "creating keys") < 0)
			goto out;
		/* Keys left by an earlier run may hold other sizes. */
		if (b.ph.exists &&
		    setup_phase(&b, G_KEYS_SET, (uint64_t)o->keys, "resetting keys") < 0)
			goto out;
		b.keys_sized = 1;
	}
	if (measure(&b) < 0)
		goto out;
	close_all(&b);
	if (o->settle > 0) {
		/* A server may give memory back once idle (trimming maps,
		 * freeing caches): sample again after a quiet pause. */
		struct timespec ts = { (time_t)o->settle,
				       (long)((o->settle - (double)(time_t)o->settle) * 1e9) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		proc_sample_take(o->pids, o->npids, &r->srv2);
		r->settled = 1;
	}
	rc = 0;
out:
	for (int i = 0; i < b.nc; i++)
		conn_free(&b.c[i]);
	free(b.c);
	free(b.value);
	if (b.ep >= 0)
		close(b.ep);
	return rc;
}
