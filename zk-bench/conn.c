/* conn.c: socket and buffer handling of one zk-bench connection. */
#include <errno.h>
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "conn.h"
#include "log.h"

int conn_open(struct bconn *c, int ep, int idx, const void *addr, unsigned addrlen,
	      int depth, size_t outmax)
{
	struct epoll_event ev;
	int one = 1;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->idx = idx;
	c->state = CS_DEAD;
	jute_buf_init(&c->out, outmax);
	c->rcap = depth + 1;
	c->ring = calloc((size_t)c->rcap, sizeof *c->ring);
	c->incap = CONN_IN_INIT;
	c->in = malloc(c->incap);
	if (!c->ring || !c->in) {
		warnx("connection %d: out of memory", idx);
		return -1;
	}
	/* C clients start xids at time(0); any positive start works. */
	c->xid = 1;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		warn("connection %d: socket", idx);
		return -1;
	}
	/* Requests are already batched per loop turn; Nagle would only add
	 * delay to the round-trip mode. */
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
		warn("connection %d: TCP_NODELAY", idx);
		return -1;
	}
	if (connect(c->fd, addr, addrlen) < 0 && errno != EINPROGRESS) {
		warn("connection %d: connect", idx);
		return -1;
	}
	c->state = CS_CONNECTING;
	c->events = EPOLLOUT;
	memset(&ev, 0, sizeof ev);
	ev.events = c->events;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		warn("connection %d: epoll_ctl add", idx);
		c->state = CS_DEAD;
		return -1;
	}
	return 0;
}

int conn_connected(struct bconn *c, int session_ms)
{
	static const uint8_t zero[JUTE_PASSWD_LEN];
	struct jute_connect_req req;
	int err = 0;
	socklen_t el = sizeof err;
	size_t off;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) {
		warn("connection %d: SO_ERROR", c->idx);
		return -1;
	}
	if (err) {
		/* Every connection fails alike when nothing listens: say it once. */
		static int said;
		if (!said++) {
			errno = err;
			warn("connection %d: connect", c->idx);
		}
		return -1;
	}
	/* A new session, 45-byte form like the Java and C clients. */
	memset(&req, 0, sizeof req);
	req.timeout = session_ms;
	req.passwd = jute_mem(zero, sizeof zero);
	req.has_readonly = 1;
	off = jute_frame_begin(&c->out);
	jute_enc_connect_req(&c->out, &req);
	jute_frame_end(&c->out, off);
	if (c->out.err) {
		warnx("connection %d: cannot encode ConnectRequest", c->idx);
		return -1;
	}
	c->state = CS_HANDSHAKE;
	return 0;
}

static int set_events(struct bconn *c, int ep, uint32_t events)
{
	struct epoll_event ev;

	if (events == c->events)
		return 0;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		warn("connection %d: epoll_ctl mod", c->idx);
		return -1;
	}
	c->events = events;
	return 0;
}

int conn_flush(struct bconn *c, int ep)
{
	while (c->outoff < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->outoff, c->out.len - c->outoff,
				 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return set_events(c, ep, EPOLLIN | EPOLLOUT);
			warn("connection %d: send", c->idx);
			return -1;
		}
		c->outoff += (size_t)n;
	}
	jute_buf_reset(&c->out);
	c->outoff = 0;
	return set_events(c, ep, EPOLLIN);
}

int conn_recv(struct bconn *c)
{
	ssize_t n;

	if (c->incap - c->inlen < 4096) {
		/* Only a frame longer than the buffer gets here (the caller
		 * compacts after parsing): grow to hold it. */
		size_t ncap = c->incap * 2;
		uint8_t *np;

		if (ncap > CONN_MAX_FRAME + 4 + CONN_IN_INIT)
			ncap = CONN_MAX_FRAME + 4 + CONN_IN_INIT;
		if (ncap <= c->incap) {
			warnx("connection %d: input buffer full", c->idx);
			return -1;
		}
		np = realloc(c->in, ncap);
		if (!np) {
			warnx("connection %d: out of memory", c->idx);
			return -1;
		}
		c->in = np;
		c->incap = ncap;
	}
	for (;;) {
		n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
		if (n > 0) {
			c->inlen += (size_t)n;
			return 1;
		}
		if (n == 0)
			return -1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		warn("connection %d: recv", c->idx);
		return -1;
	}
}

int conn_frame(struct bconn *c, const uint8_t **p, uint32_t *len)
{
	int rc = jute_frame_peek(c->in + c->inoff, c->inlen - c->inoff,
				 CONN_MAX_FRAME, len);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return 0;
	*p = c->in + c->inoff + 4;
	return 1;
}

void conn_consume(struct bconn *c, uint32_t len)
{
	c->inoff += 4 + (size_t)len;
}

void conn_compact(struct bconn *c)
{
	if (c->inoff == 0)
		return;
	memmove(c->in, c->in + c->inoff, c->inlen - c->inoff);
	c->inlen -= c->inoff;
	c->inoff = 0;
}

size_t conn_req_begin(struct bconn *c, int32_t op, uint64_t now, uint32_t key)
{
	struct jute_req_hdr h;
	struct pend *pe;
	size_t off;

	/* Callers check rcount < rcap - 1 first; the ring cannot overflow. */
	pe = &c->ring[(c->rhead + c->rcount) % c->rcap];
	c->rcount++;
	h.xid = c->xid;
	h.type = op;
	/* Wrap like the Java client: xids stay positive. */
	c->xid = c->xid == INT32_MAX ? 1 : c->xid + 1;
	pe->t = now;
	pe->xid = h.xid;
	pe->op = op;
	pe->key = key;
	off = jute_frame_begin(&c->out);
	jute_enc_req_hdr(&c->out, &h);
	return off;
}

void conn_req_end(struct bconn *c, size_t off)
{
	jute_frame_end(&c->out, off);
}

struct pend *conn_head(struct bconn *c)
{
	return c->rcount ? &c->ring[c->rhead] : NULL;
}

void conn_pop(struct bconn *c)
{
	if (!c->rcount)
		return;
	c->rhead = (c->rhead + 1) % c->rcap;
	c->rcount--;
}

void conn_close(struct bconn *c, enum conn_state st)
{
	/* Closing the fd also removes it from the epoll set. */
	if (c->fd >= 0 && close(c->fd) < 0)
		warn("connection %d: close", c->idx);
	c->fd = -1;
	c->state = st;
}

void conn_free(struct bconn *c)
{
	if (c->fd >= 0)
		conn_close(c, CS_DONE);
	free(c->in);
	free(c->ring);
	jute_buf_free(&c->out);
	c->in = NULL;
	c->ring = NULL;
}
