/* zkclient.c: the client's connection: handshake, request and reply
 * pumping, pings, reconnection with the same session (credentials and
 * watches re-sent). Sockets: zkc_net.c; events and watches: zkc_watch.c;
 * typed operations: zkc_ops.c. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "zkc_int.h"
#include "zkclient.h"

#define IN_MAX (JUTE_MAXBUFFER + 4)	/* largest frame we accept */
#define SETWATCHES_BATCH (128 * 1024)	/* path bytes per setWatches packet */

int64_t zkc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drop_fd(struct zkc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->inlen = 0;
	c->ping_out = 0;
}

static void heard(struct zkc *c, int64_t sent_ms)
{
	if (sent_ms > c->server_heard_ms)
		c->server_heard_ms = sent_ms;
}

/* Read what is available. 1 read something, 0 nothing (EAGAIN), -1 EOF or
 * error or an oversize frame pending. */
static int fill_in(struct zkc *c)
{
	ssize_t n;

	if (c->incap - c->inlen < 65536 && c->incap < IN_MAX + 65536) {
		size_t ncap = c->incap ? c->incap * 2 : 65536;
		uint8_t *p;

		if (ncap > IN_MAX + 65536)
			ncap = IN_MAX + 65536;
		p = realloc(c->in, ncap);
		if (p == NULL)
			return -1;
		c->in = p;
		c->incap = ncap;
	}
	if (c->inlen == c->incap)
		return -1;	/* cannot happen with a valid frame limit */
	n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, MSG_DONTWAIT);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
	if (n == 0)
		return -1;
	c->inlen += (size_t)n;
	c->last_recv_ms = zkc_now_ms();
	return 1;
}

/* Send all of p, reading meanwhile so a server blocked on writing to us
 * cannot deadlock us. 0 or -1 (connection broken or deadline passed). */
static int send_all(struct zkc *c, const uint8_t *p, size_t n, int64_t deadline)
{
	while (n) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		int64_t left = deadline - zkc_now_ms();
		struct pollfd pfd = { c->fd, POLLOUT | POLLIN, 0 };
		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -1;
		if ((pfd.revents & POLLIN) && fill_in(c) < 0)
			return -1;
		if (pfd.revents & (POLLERR | POLLHUP))
			return -1;
	}
	c->last_send_ms = zkc_now_ms();
	return 0;
}

static int send_frame(struct zkc *c, const struct jute_buf *b, int64_t deadline)
{
	if (b->err)
		return -1;
	return send_all(c, b->p, b->len, deadline);
}

static int32_t next_xid(struct zkc *c)
{
	if (c->xid >= INT32_MAX - 1 || c->xid < 1)
		c->xid = 1;
	else
		c->xid++;
	return c->xid;
}

/* ---- frame handling ----------------------------------------------------- */

/* Take one complete frame off the input. 1 with (*p,*n), 0 if incomplete,
 * -1 on a bad length. The frame stays valid until consume_frame(). */
static int peek_frame(struct zkc *c, const uint8_t **p, uint32_t *n)
{
	int rc = jute_frame_peek(c->in, c->inlen, JUTE_MAXBUFFER, n);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	*p = c->in + 4;
	return 1;
}

static void consume_frame(struct zkc *c, uint32_t n)
{
	size_t used = (size_t)n + 4;

	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
}

/* Handle one post-handshake frame. want_xid is the reply we wait for (0 if
 * none); *got is set when it arrived. -1 on a protocol violation. */
static int handle_frame(struct zkc *c, const uint8_t *p, uint32_t n, int32_t want_xid, int *got)
{
	struct jute_rd r;
	struct jute_reply_hdr h;

	jute_rd_init(&r, p, n, 0);
	jute_dec_reply_hdr(&r, &h);
	if (r.err)
		return -1;
	if (h.xid == XID_NOTIFICATION) {
		struct jute_watcher_event e;
		jute_dec_watcher_event(&r, &e);
		if (jute_rd_done(&r) != 0)
			return -1;
		zkc_watch_fired(c, e.type, &e.path);
		zkc_ev_push(c, e.type, e.state, h.zxid, &e.path);
		return 0;
	}
	if (h.xid == XID_PING) {
		if (c->ping_out)
			heard(c, c->ping_sent_ms);
		c->ping_out = 0;
		return 0;
	}
	if (h.xid == XID_AUTH) {
		if (h.err != ZOK)
			c->auth_failed = 1;
		return 0;
	}
	if (h.xid != want_xid || want_xid == 0)
		return -1;	/* replies are FIFO and we have one in flight */
	if (h.zxid > c->last_zxid)
		c->last_zxid = h.zxid;
	heard(c, c->req_sent_ms);
	c->reply_err = h.err;
	c->reply_zxid = h.zxid;
	jute_buf_reset(&c->reply);
	jute_put_raw(&c->reply, p + r.off, n - r.off);
	if (c->reply.err)
		return -1;
	*got = 1;
	return 0;
}

static int send_ping(struct zkc *c, int64_t deadline)
{
	uint8_t mem[16];
	struct jute_buf b;
	struct jute_req_hdr h = { XID_PING, OP_PING };
	size_t off;

	jute_buf_init_fixed(&b, mem, sizeof mem);
	off = jute_frame_begin(&b);
	jute_enc_req_hdr(&b, &h);
	jute_frame_end(&b, off);
	return send_frame(c, &b, deadline);
}

enum { PUMP_OK = 0, PUMP_TIMEOUT = 1, PUMP_EINTR = 2, PUMP_LOST = -1 };

/* Move frames until the reply to want_xid arrived (want_xid != 0), an event
 * is queued (want_event), or deadline. Pings keep the session alive; two
 * thirds of the timeout without a byte from the server means the connection
 * is dead. A signal (EINTR) returns PUMP_EINTR so callers can look at it. */
static int pump(struct zkc *c, int32_t want_xid, int want_event, int64_t deadline)
{
	int got = 0;

	for (;;) {
		const uint8_t *p;
		uint32_t n;
		int rc;

		while ((rc = peek_frame(c, &p, &n)) == 1) {
			if (handle_frame(c, p, n, want_xid, &got) < 0)
				return PUMP_LOST;
			consume_frame(c, n);
			if (got)
				return PUMP_OK;
		}
		if (rc < 0)
			return PUMP_LOST;
		if (want_event && c->evcount > 0)
			return PUMP_OK;

		int64_t now = zkc_now_ms();
		int64_t ping_at = c->last_send_ms + c->neg_timeout_ms / 3;
		int64_t dead_at = c->last_recv_ms + c->neg_timeout_ms * 2 / 3;
		int64_t wake;

		if (now >= dead_at) {
			/* After a stall of ours (stopped, swapped) the answer may
			 * be waiting in the socket: read it before giving up. */
			if (fill_in(c) > 0)
				continue;
			return PUMP_LOST;
		}
		if (now >= ping_at && !c->ping_out) {
			if (send_ping(c, now + c->neg_timeout_ms / 3) < 0)
				return PUMP_LOST;
			c->ping_sent_ms = now;
			c->ping_out = 1;
			continue;
		}
		if (deadline >= 0 && now >= deadline)
			return PUMP_TIMEOUT;
		wake = ping_at < dead_at && !c->ping_out ? ping_at : dead_at;
		if (deadline >= 0 && deadline < wake)
			wake = deadline;

		struct pollfd pfd = { c->fd, POLLIN, 0 };
		rc = poll(&pfd, 1, (int)(wake - now));
		if (rc < 0) {
			if (errno == EINTR)
				return PUMP_EINTR;
			return PUMP_LOST;
		}
		if (rc > 0 && fill_in(c) < 0)
			return PUMP_LOST;
	}
}

/* Wait for the reply to xid, retrying on EINTR until deadline. */
static int wait_reply(struct zkc *c, int32_t xid, int64_t deadline)
{
	for (;;) {
		int rc = pump(c, xid, 0, deadline);
		if (rc != PUMP_EINTR)
			return rc;
	}
}

/* ---- handshake and reconnection ----------------------------------------- */

static int send_auth(struct zkc *c, const struct zkc_cred *cr, int64_t deadline)
{
	struct jute_buf b;
	struct jute_req_hdr h = { XID_AUTH, OP_AUTH };
	struct jute_auth a = { 0, jute_cstr(cr->scheme), jute_mem(cr->auth, cr->len) };
	size_t off;
	int rc;

	jute_buf_init(&b, 0);
	off = jute_frame_begin(&b);
	jute_enc_req_hdr(&b, &h);
	jute_enc_auth(&b, &a);
	jute_frame_end(&b, off);
	rc = send_frame(c, &b, deadline);
	jute_buf_free(&b);
	return rc;
}

static int send_auths(struct zkc *c, int64_t deadline)
{
	for (int i = 0; i < c->ncreds; i++)
		if (send_auth(c, &c->creds[i], deadline) < 0)
			return -1;
	return 0;
}

/* Re-register remembered watches, in batches of bounded size. */
static int send_set_watches(struct zkc *c, int64_t deadline)
{
	int i = 0;

	while (i < c->nwatches) {
		struct jute_bytes *lists[ZKC_W_KINDS];
		int counts[ZKC_W_KINDS] = { 0 };
		size_t bytes = 0;
		int v2 = 0, rc = -1;
		struct jute_set_watches sw;
		struct jute_buf b;
		struct jute_req_hdr h;
		size_t off;

		memset(lists, 0, sizeof lists);
		for (int k = 0; k < ZKC_W_KINDS; k++) {
			lists[k] = calloc((size_t)c->nwatches, sizeof *lists[k]);
			if (lists[k] == NULL)
				goto out;
		}
		for (; i < c->nwatches && bytes < SETWATCHES_BATCH; i++) {
			int k = c->watches[i].kind;
			lists[k][counts[k]++] = jute_cstr(c->watches[i].path);
			bytes += strlen(c->watches[i].path) + 4;
			if (k == ZKC_W_PERSISTENT || k == ZKC_W_PERSISTENT_RECURSIVE)
				v2 = 1;
		}
		memset(&sw, 0, sizeof sw);
		sw.relative_zxid = c->last_zxid;
		sw.data = (struct jute_strs){ counts[ZKC_W_DATA], lists[ZKC_W_DATA], NULL, 0 };
		sw.exist = (struct jute_strs){ counts[ZKC_W_EXIST], lists[ZKC_W_EXIST], NULL, 0 };
		sw.child = (struct jute_strs){ counts[ZKC_W_CHILD], lists[ZKC_W_CHILD], NULL, 0 };
		sw.persistent = (struct jute_strs){ counts[ZKC_W_PERSISTENT],
		    lists[ZKC_W_PERSISTENT], NULL, 0 };
		sw.persistent_recursive = (struct jute_strs){
		    counts[ZKC_W_PERSISTENT_RECURSIVE], lists[ZKC_W_PERSISTENT_RECURSIVE], NULL, 0 };
		h.xid = next_xid(c);
		h.type = v2 ? OP_SETWATCHES2 : OP_SETWATCHES;
		jute_buf_init(&b, 0);
		off = jute_frame_begin(&b);
		jute_enc_req_hdr(&b, &h);
		jute_enc_set_watches(&b, &sw, v2);
		jute_frame_end(&b, off);
		c->req_sent_ms = zkc_now_ms();
		rc = send_frame(c, &b, deadline);
		jute_buf_free(&b);
		if (rc == 0)
			rc = wait_reply(c, h.xid, deadline) == PUMP_OK ? 0 : -1;
out:
		for (int k = 0; k < ZKC_W_KINDS; k++)
			free(lists[k]);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Handshake on a fresh socket. ZOK, ZSESSIONEXPIRED, or ZCONNECTIONLOSS. */
static int handshake(struct zkc *c, int64_t deadline)
{
	struct jute_buf b;
	struct jute_connect_req req = { 0, c->last_zxid, c->timeout_ms, c->session_id,
	    jute_mem(c->passwd, JUTE_PASSWD_LEN), 1, c->readonly_ok };
	struct jute_connect_resp resp;
	struct jute_rd r;
	size_t off;
	int rc;

	jute_buf_init(&b, 0);
	off = jute_frame_begin(&b);
	jute_enc_connect_req(&b, &req);
	jute_frame_end(&b, off);
	c->last_recv_ms = c->last_send_ms = c->req_sent_ms = zkc_now_ms();
	rc = send_frame(c, &b, deadline);
	jute_buf_free(&b);
	if (rc < 0)
		return ZCONNECTIONLOSS;
	const uint8_t *p = NULL;
	uint32_t n = 0;

	for (;;) {
		int64_t left;
		struct pollfd pfd = { c->fd, POLLIN, 0 };

		rc = peek_frame(c, &p, &n);
		if (rc < 0)
			return ZCONNECTIONLOSS;
		if (rc == 1)
			break;
		left = deadline - zkc_now_ms();
		if (left <= 0)
			return ZCONNECTIONLOSS;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno != EINTR)
			return ZCONNECTIONLOSS;
		if (rc > 0 && fill_in(c) < 0)
			return ZCONNECTIONLOSS;
	}
	{
		jute_rd_init(&r, p, n, 0);
		jute_dec_connect_resp(&r, &resp);
		if (r.err || resp.passwd.len != JUTE_PASSWD_LEN)
			return ZCONNECTIONLOSS;
		if (resp.timeout <= 0) {
			c->expired = 1;
			return ZSESSIONEXPIRED;
		}
		heard(c, c->req_sent_ms);
		c->session_id = resp.session_id;
		memcpy(c->passwd, resp.passwd.p, JUTE_PASSWD_LEN);
		c->neg_timeout_ms = resp.timeout;
		consume_frame(c, n);
	}
	if (send_auths(c, deadline) < 0 || send_set_watches(c, deadline) < 0)
		return ZCONNECTIONLOSS;
	c->connects++;
	return ZOK;
}

/* Try each server once, starting with `first`. */
static int connect_round(struct zkc *c, int first)
{
	for (int k = 0; k < c->nhosts; k++) {
		int i = (first + k) % c->nhosts;
		int64_t deadline = zkc_now_ms() + c->connect_timeout_ms;
		int rc;

		c->fd = zkc_tcp_connect(c->hosts[i], c->connect_timeout_ms);
		if (c->fd < 0)
			continue;
		c->cur = i;
		c->inlen = 0;
		rc = handshake(c, deadline);
		if (rc == ZOK)
			return ZOK;
		drop_fd(c);
		if (rc == ZSESSIONEXPIRED)
			return rc;
	}
	return ZCONNECTIONLOSS;
}

/* After a loss: keep trying the other servers (next one first) until the
 * session would have expired at the server anyway, then give up. */
static int reconnect(struct zkc *c)
{
	int64_t give_up = c->server_heard_ms + c->neg_timeout_ms;
	int rc;

	if (c->expired)
		return ZSESSIONEXPIRED;
	drop_fd(c);
	c->ev_gap = 1;
	for (int round = 0;; round++) {
		rc = connect_round(c, c->cur + 1);
		if (rc == ZOK) {
			zkc_ev_push(c, EV_NONE, ST_SYNC_CONNECTED, -1, NULL);
			return ZOK;
		}
		if (rc == ZSESSIONEXPIRED) {
			zkc_ev_push(c, EV_NONE, ST_EXPIRED, -1, NULL);
			return rc;
		}
		if (round > 0 && zkc_now_ms() >= give_up)
			return ZCONNECTIONLOSS;
		/* Short pause between rounds so a down ensemble is not hammered. */
		struct timespec ts = { 0, 100 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* The connection broke: note it and try to get back onto the session. */
static int lost(struct zkc *c)
{
	drop_fd(c);
	zkc_ev_push(c, EV_NONE, ST_DISCONNECTED, -1, NULL);
	return reconnect(c);
}

/* ---- public calls ------------------------------------------------------- */

int zkc_open(struct zkc *c, const char *hosts, int timeout_ms, int connect_timeout_ms)
{
	int rc;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	c->neg_timeout_ms = c->timeout_ms;
	c->connect_timeout_ms = connect_timeout_ms > 0 ? connect_timeout_ms : 2000;
	c->request_timeout_ms = c->timeout_ms > 10000 ? c->timeout_ms : 10000;
	jute_buf_init(&c->reply, IN_MAX);
	if (hosts == NULL || zkc_parse_hosts(c, hosts) < 0)
		return ZBADARGUMENTS;
	rc = connect_round(c, 0);
	if (rc != ZOK)
		drop_fd(c);
	return rc;
}

void zkc_disconnect(struct zkc *c)
{
	drop_fd(c);
}

int zkc_add_auth(struct zkc *c, const char *scheme, const void *auth, size_t len)
{
	struct zkc_cred *cr;
	int64_t deadline;

	if (c->ncreds == ZKC_MAX_AUTH || len > 4096)
		return ZBADARGUMENTS;
	cr = &c->creds[c->ncreds];
	cr->scheme = strdup(scheme);
	cr->auth = malloc(len ? len : 1);
	if (cr->scheme == NULL || cr->auth == NULL) {
		free(cr->scheme);
		free(cr->auth);
		return ZSYSTEMERROR;
	}
	memcpy(cr->auth, auth, len);
	cr->len = len;
	c->ncreds++;
	if (c->fd < 0)
		return ZOK;	/* sent at the next handshake */
	deadline = zkc_now_ms() + c->request_timeout_ms;
	if (send_auth(c, cr, deadline) < 0 && lost(c) != ZOK)
		return ZCONNECTIONLOSS;
	/* The server answers the auth before a later request's reply, so one
	 * cheap round trip (exists "/") tells us whether it was accepted. */
	{
		struct jute_buf b;
		struct jute_path_watch pw = { jute_cstr("/"), 0 };
		int rc;

		jute_buf_init(&b, 0);
		jute_enc_path_watch(&b, &pw);
		rc = zkc_call(c, OP_EXISTS, &b);
		jute_buf_free(&b);
		if (c->auth_failed)
			return ZAUTHFAILED;
		return rc == ZOK || rc == ZNONODE ? ZOK : rc;
	}
}

int zkc_call(struct zkc *c, int32_t op, const struct jute_buf *body)
{
	struct jute_buf b;
	struct jute_req_hdr h;
	size_t off;
	int rc;

	if (c->expired)
		return ZSESSIONEXPIRED;
	if (c->auth_failed)
		return ZAUTHFAILED;
	if (c->fd < 0 && (rc = reconnect(c)) != ZOK)
		return rc;
	h.xid = next_xid(c);
	h.type = op;
	jute_buf_init(&b, 0);
	off = jute_frame_begin(&b);
	jute_enc_req_hdr(&b, &h);
	if (body)
		jute_put_raw(&b, body->p, body->len);
	jute_frame_end(&b, off);
	if (b.err || (body && body->err)) {
		jute_buf_free(&b);
		return ZBADARGUMENTS;
	}
	c->req_sent_ms = zkc_now_ms();
	rc = send_frame(c, &b, c->req_sent_ms + c->request_timeout_ms);
	jute_buf_free(&b);
	if (rc < 0) {
		rc = lost(c);
		return rc == ZSESSIONEXPIRED ? rc : ZCONNECTIONLOSS;
	}
	rc = wait_reply(c, h.xid, zkc_now_ms() + c->request_timeout_ms);
	if (rc == PUMP_LOST) {
		rc = lost(c);
		if (c->auth_failed)
			return ZAUTHFAILED;
		return rc == ZSESSIONEXPIRED ? rc : ZCONNECTIONLOSS;
	}
	if (rc == PUMP_TIMEOUT) {
		/* The reply may still come; the FIFO is out of step: start over. */
		(void)lost(c);
		return ZOPERATIONTIMEOUT;
	}
	if (c->reply_err == ZUNIMPLEMENTED) {
		/* Servers close the connection after Unimplemented: reconnect now
		 * rather than failing the next call. */
		(void)lost(c);
		return ZUNIMPLEMENTED;
	}
	return c->reply_err;
}

void zkc_reply_rd(struct zkc *c, struct jute_rd *r)
{
	jute_rd_init(r, c->reply.p, c->reply.len, 0);
}

int zkc_next_event(struct zkc *c, struct zkc_event *ev, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : zkc_now_ms() + timeout_ms;
	int rc;

	for (;;) {
		if (c->evcount > 0) {
			*ev = c->evq[c->evhead];
			c->evq[c->evhead].path = NULL;
			c->evhead = (c->evhead + 1) % ZKC_EVQ_MAX;
			c->evcount--;
			return 1;
		}
		if (c->expired)
			return ZSESSIONEXPIRED;
		if (c->fd < 0 && (rc = reconnect(c)) != ZOK) {
			if (c->evcount > 0)
				continue;	/* deliver the Expired event first */
			return rc;
		}
		rc = pump(c, 0, 1, deadline);
		if (rc == PUMP_TIMEOUT || rc == PUMP_EINTR)
			return 0;
		if (rc == PUMP_LOST) {
			rc = lost(c);
			if (rc != ZOK && c->evcount == 0)
				return rc;
		}
	}
}

int zkc_session_overdue(const struct zkc *c)
{
	return c->expired || zkc_now_ms() >= c->server_heard_ms + c->neg_timeout_ms;
}

int zkc_idle(struct zkc *c, int ms)
{
	int64_t deadline = zkc_now_ms() + ms;
	int rc;

	if (c->expired)
		return ZSESSIONEXPIRED;
	if (c->fd < 0 && (rc = reconnect(c)) != ZOK)
		return rc;
	while ((rc = pump(c, 0, 0, deadline)) == PUMP_LOST || rc == PUMP_EINTR) {
		if (rc == PUMP_EINTR)
			continue;
		if ((rc = lost(c)) != ZOK)
			return rc;
	}
	return ZOK;
}

void zkc_close(struct zkc *c)
{
	if (c->fd >= 0 && !c->expired) {
		struct jute_buf b;
		struct jute_req_hdr h = { next_xid(c), OP_CLOSESESSION };
		size_t off;
		int64_t deadline = zkc_now_ms() + 2000;

		jute_buf_init(&b, 0);
		off = jute_frame_begin(&b);
		jute_enc_req_hdr(&b, &h);
		jute_frame_end(&b, off);
		if (send_frame(c, &b, deadline) == 0)
			(void)wait_reply(c, h.xid, deadline);
		jute_buf_free(&b);
	}
	drop_fd(c);
	free(c->in);
	c->in = NULL;
	c->inlen = c->incap = 0;
	jute_buf_free(&c->reply);
	while (c->evcount > 0) {
		free(c->evq[c->evhead].path);
		c->evhead = (c->evhead + 1) % ZKC_EVQ_MAX;
		c->evcount--;
	}
	for (int i = 0; i < c->ncreds; i++) {
		free(c->creds[i].scheme);
		free(c->creds[i].auth);
	}
	c->ncreds = 0;
	for (int i = 0; i < c->nwatches; i++)
		free(c->watches[i].path);
	free(c->watches);
	c->watches = NULL;
	c->nwatches = 0;
}
