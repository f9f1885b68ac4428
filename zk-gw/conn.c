/* conn.c: client connections: accept (with maxClientCnxns per IP),
 * non-blocking reads, framing with the jute.maxbuffer limit, bounded
 * output buffers, and backpressure: a connection whose output is backed
 * up, or whose request FIFO is full, is not read until it drains, so one
 * slow client never makes the gateway buffer without bound.
 *
 * Output is written at the end of each loop turn (conn_flush_dirty) without
 * asking epoll first; EPOLLOUT is armed only after a short write and
 * disarmed once the queue drains, so a client that keeps up costs no
 * epoll_ctl per request. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "gw.h"
#include "log.h"

#define IN_INITIAL (64u << 10)

static void conn_io_cb(void *arg, int fd, uint32_t events);

int conn_listen(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		warnx("clientPortAddress %s: not an IPv4 address", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		warn("socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		warn("setsockopt SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		warn("bind %s:%d", addr, port);
		close(fd);
		return -1;
	}
	if (listen(fd, 1024) < 0) {
		warn("listen %s:%d", addr, port);
		close(fd);
		return -1;
	}
	return fd;
}

static size_t ip_count(uint32_t ip)
{
	return (size_t)(uintptr_t)map_get(gw.per_ip, (uint64_t)ip + 1);
}

static void ip_adjust(uint32_t ip, int delta)
{
	size_t n = ip_count(ip) + (size_t)(ssize_t)delta;

	if (n == 0)
		map_del(gw.per_ip, (uint64_t)ip + 1);
	else if (map_put(gw.per_ip, (uint64_t)ip + 1, (void *)(uintptr_t)n) < 0)
		warnx("maxClientCnxns: out of memory counting connections");
}

static void accept_one(int fd, struct sockaddr_in *sin)
{
	struct conn *c;
	uint32_t ip = ntohl(sin->sin_addr.s_addr);
	int one = 1, maxc = gw.d->conf.max_client_cnxns;

	if (maxc > 0 && ip_count(ip) >= (size_t)maxc) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		/* Apache closes without a reply; log it (rate: once per refusal burst). */
		if (gw.refused++ % 1000 == 0)
			info("too many connections from %s - max is %d", a, maxc);
		close(fd);
		return;
	}
	if (fd >= gw.maxfd || gw.nconns >= GW_MAX_CONNS) {
		if (gw.refused++ % 1000 == 0)
			warnx("connection limit reached (%d), refusing", GW_MAX_CONNS);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->in = malloc(IN_INITIAL))) {
		warnx("accept: out of memory");
		free(c);
		close(fd);
		return;
	}
	c->in_cap = IN_INITIAL;
	c->fd = fd;
	c->id = ++gw.next_conn_id;
	c->st = CS_NEW;
	c->peer_v4 = ip;
	inet_ntop(AF_INET, &sin->sin_addr, c->peer_ip, sizeof(c->peer_ip));
	snprintf(c->peer, sizeof(c->peer), "%s:%u", c->peer_ip, ntohs(sin->sin_port));
	c->established_ms = gw_wall_ms();
	c->last_resp_ms = c->established_ms;
	c->lat_min = -1;
	c->last_zxid = -1;
	c->last_cxid = -1;
	c->last_op = -1;
	auth_init_conn(c);
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		debug("TCP_NODELAY: %s", strerror(errno));
	if (map_put(gw.conn_ids, c->id, c) < 0 ||
	    loop_add(&gw.d->loop, fd, EPOLLIN, conn_io_cb, c) < 0) {
		warn("accept: register %s", c->peer);
		map_del(gw.conn_ids, c->id);
		free(c->in);
		free(c);
		close(fd);
		return;
	}
	c->reading = 1;
	gw.conns[fd] = c;
	gw.nconns++;
	ip_adjust(ip, +1);
	debug("accepted %s (conn %llu)", c->peer, (unsigned long long)c->id);
}

void conn_accept_cb(void *arg, int lfd, uint32_t events)
{
	int i;

	conn_reap();
	for (i = 0; i < 64; i++) {
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);
		int fd = accept4(lfd, (struct sockaddr *)&sin, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				warn("accept");
			break;
		}
		if (sin.sin_family != AF_INET) {
			close(fd);
			continue;
		}
		accept_one(fd, &sin);
	}
}

struct conn *conn_by_id(uint64_t id)
{
	return map_get(gw.conn_ids, id);
}

/* Backpressure: no new requests from a connection whose output or request
 * FIFO is full, or that waits for its session or its close. */
static int wants_input(const struct conn *c)
{
	return c->st != CS_CLOSING && c->st != CS_SESSION &&
	    c->out_len - c->out_off < GW_OUT_SOFT &&
	    c->npend < GW_MAX_PENDING;
}

void conn_update_interest(struct conn *c)
{
	uint32_t ev = 0;
	int want_read, want_write;

	/* Output queued this turn is about to be written, and conn_flush()
	 * comes back here knowing what is left: deciding now could stop
	 * reading for a backlog that is gone a moment later. */
	if (c->dead || c->dirty)
		return;
	want_read = wants_input(c);
	want_write = c->blocked && c->out_len > c->out_off;
	if (want_read)
		ev |= EPOLLIN;
	if (want_write)
		ev |= EPOLLOUT;
	if (want_read == c->reading && want_write == c->writing)
		return;
	c->reading = want_read;
	c->writing = want_write;
	if (loop_mod(&gw.d->loop, c->fd, ev) < 0)
		warn("epoll mod %s", c->peer);
}

static void dirty_unlink(struct conn *c)
{
	if (!c->dirty)
		return;
	if (c->dirty_prev)
		c->dirty_prev->dirty_next = c->dirty_next;
	else
		gw.dirty = c->dirty_next;
	if (c->dirty_next)
		c->dirty_next->dirty_prev = c->dirty_prev;
	c->dirty = 0;
	c->dirty_next = c->dirty_prev = NULL;
}

int conn_write(struct conn *c, const void *p, size_t n)
{
	size_t backlog;

	if (c->dead || c->overflow)
		return -1;
	backlog = c->out_len - c->out_off;
	if (backlog + n > GW_OUT_HARD) {
		/* Closed from ops_run_ready(): we may be inside a watch walk
		 * that must not see the registry change under it. */
		c->overflow = 1;
		ops_mark_ready(c);
		return -1;
	}
	if (c->out_off > 0 && c->out_len + n > c->out_cap) {
		memmove(c->out, c->out + c->out_off, backlog);
		c->out_len = backlog;
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		uint8_t *q;

		while (cap < c->out_len + n)
			cap *= 2;
		q = realloc(c->out, cap);
		if (!q) {
			c->overflow = 1;
			ops_mark_ready(c);
			return -1;
		}
		c->out = q;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	/* A blocked socket is written when EPOLLOUT says it has room; trying
	 * it again at the end of this turn would only get EAGAIN. */
	if (!c->dirty && !c->blocked) {
		c->dirty = 1;
		c->dirty_prev = NULL;
		c->dirty_next = gw.dirty;
		if (gw.dirty)
			gw.dirty->dirty_prev = c;
		gw.dirty = c;
	}
	return 0;
}

void conn_flush(struct conn *c)
{
	dirty_unlink(c);
	c->blocked = 0;
	while (c->out_off < c->out_len) {
		size_t want = c->out_len - c->out_off;
		ssize_t w = send(c->fd, c->out + c->out_off, want,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				c->blocked = 1;
				break;
			}
			conn_close(c, NULL);
			return;
		}
		c->out_off += (size_t)w;
		if ((size_t)w < want) {
			/* The socket buffer is full: another send now would
			 * only get EAGAIN. Wait for EPOLLOUT. */
			c->blocked = 1;
			break;
		}
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		/* Give back a big buffer once a large reply has gone out. */
		if (c->out_cap > (1u << 20)) {
			free(c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
		if (c->st == CS_CLOSING) {
			conn_close(c, NULL);
			return;
		}
	}
	/* Frames held while the output was backed up wait in the input
	 * buffer; the socket may have nothing more to wake us with. */
	if (c->held && c->out_len - c->out_off < GW_OUT_SOFT && c->st == CS_OPEN)
		ops_mark_ready(c);
	conn_update_interest(c);
}

void conn_flush_dirty(void)
{
	int round;

	/* Flushing can free room that lets held frames run, whose replies
	 * need flushing in turn; a few rounds, the rest at the next wake-up.
	 * The last round only writes: no EPOLLOUT is armed for output that
	 * was never tried, so none may stay queued past the end of the turn. */
	for (round = 0;; round++) {
		while (gw.dirty)
			conn_flush(gw.dirty);
		if (!gw.ready || round == 4)
			break;
		ops_run_ready();
	}
}

void conn_close(struct conn *c, const char *reason)
{
	if (c->dead)
		return;
	if (reason) {
		gw.bad_clients++;
		info("closing %s (session 0x%llx): %s", c->peer,
		     (unsigned long long)c->session, reason);
	}
	c->dead = 1;
	dirty_unlink(c);
	if (loop_del(&gw.d->loop, c->fd) < 0)
		warn("epoll del %s", c->peer);
	close(c->fd);
	gw.conns[c->fd] = NULL;
	gw.nconns--;
	ip_adjust(c->peer_v4, -1);
	map_del(gw.conn_ids, c->id);
	if (c->session && map_get(gw.sessions, (uint64_t)c->session) == c)
		map_del(gw.sessions, (uint64_t)c->session);
	if (c->sess_corr)
		map_del(gw.sess_corrs, c->sess_corr);
	ops_free_pending(c);
	watch_drop_conn(&gw.watches, &c->w);
	c->grave_next = gw.grave;
	gw.grave = c;
}

/* Freed only from the top of a loop callback, so no caller up the stack
 * still holds the pointer. */
void conn_reap(void)
{
	while (gw.grave) {
		struct conn *c = gw.grave;

		gw.grave = c->grave_next;
		free(c->in);
		free(c->out);
		free(c);
	}
}

void conn_close_after_flush(struct conn *c)
{
	if (c->dead)
		return;
	c->st = CS_CLOSING;
	c->in_off = c->in_len = 0;
	if (c->out_off == c->out_len) {
		conn_close(c, NULL);
		return;
	}
	conn_update_interest(c);
}

/* Handle every whole frame in the input buffer that may run now. */
static void conn_process(struct conn *c)
{
	c->held = 0;
	while (!c->dead && c->in_len > c->in_off) {
		const uint8_t *p = c->in + c->in_off;
		size_t avail = c->in_len - c->in_off;
		uint32_t len;
		int rc;

		if (c->st == CS_CLOSING || c->st == CS_SESSION || c->no_more_input)
			break;
		if (c->st == CS_NEW && avail >= 4 && fourlw_maybe(c, p))
			return;
		if (c->st == CS_OPEN &&
		    (c->npend >= GW_MAX_PENDING || c->out_len - c->out_off >= GW_OUT_SOFT)) {
			c->held = 1;
			break;
		}
		rc = jute_frame_peek(p, avail, (size_t)gw.max_buffer, &len);
		if (rc < 0) {
			int32_t l = (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
					      (uint32_t)p[2] << 8 | p[3]);
			char why[96];

			snprintf(why, sizeof(why), "frame length %d out of range (jute.maxbuffer %lld)",
				 l, (long long)gw.max_buffer);
			conn_close(c, why);
			return;
		}
		if (rc > 0) {
			/* Make room for the whole frame (bounded by maxbuffer). */
			if (4 + (size_t)len > c->in_cap) {
				uint8_t *q;

				if (c->in_off > 0) {
					memmove(c->in, p, avail);
					c->in_off = 0;
					c->in_len = avail;
				}
				q = realloc(c->in, 4 + (size_t)len);
				if (!q) {
					conn_close(c, "out of memory for a frame");
					return;
				}
				c->in = q;
				c->in_cap = 4 + (size_t)len;
			}
			break;
		}
		c->recvd++;
		gw.packets_recv++;
		if (c->st == CS_NEW)
			rc = hs_connect(c, p + 4, len);
		else
			rc = ops_request(c, p + 4, len);
		if (rc < 0) {
			if (!c->dead)
				conn_close(c, "malformed request");
			return;
		}
		if (rc > 0) {	/* must wait: keep it, do not count it twice */
			c->recvd--;
			gw.packets_recv--;
			break;
		}
		c->in_off += 4 + (size_t)len;
	}
	if (c->dead)
		return;
	if (c->in_off == c->in_len) {
		c->in_off = c->in_len = 0;
		if (c->in_cap > IN_INITIAL) {
			uint8_t *q = realloc(c->in, IN_INITIAL);

			if (q) {
				c->in = q;
				c->in_cap = IN_INITIAL;
			}
		}
	} else if (c->in_off > 0 && c->in_off > c->in_cap / 2) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
}

void conn_resume(struct conn *c)
{
	if (c->dead)
		return;
	conn_process(c);
	if (!c->dead)
		conn_update_interest(c);
}

static void conn_read(struct conn *c)
{
	size_t budget = GW_READ_BUDGET;

	while (budget > 0 && !c->dead) {
		ssize_t r;
		size_t room;

		if (c->in_len == c->in_cap) {
			if (c->in_off == 0)
				break;	/* full of one partial frame: process grows it */
			memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
			c->in_len -= c->in_off;
			c->in_off = 0;
		}
		room = c->in_cap - c->in_len;
		r = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_close(c, NULL);
			break;
		}
		if (r == 0) {
			/* Peer closed: a half-read frame is a truncated frame. */
			if (c->in_len > c->in_off)
				conn_close(c, "connection closed inside a frame");
			else
				conn_close(c, NULL);
			break;
		}
		c->in_len += (size_t)r;
		budget -= (size_t)r < budget ? (size_t)r : budget;
		conn_process(c);
		/* c->reading may lag until the end-of-turn flush. */
		if (c->dead || !wants_input(c))
			break;
		if ((size_t)r < room)
			break;	/* drained the socket */
	}
}

static void conn_io_cb(void *arg, int fd, uint32_t events)
{
	struct conn *c = arg;

	conn_reap();
	if (c->dead)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (c->st == CS_CLOSING) {
			char sink[4096];

			/* Discard input while the last output drains. */
			if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) == 0)
				conn_close(c, NULL);
		} else if (c->reading || (events & (EPOLLHUP | EPOLLERR))) {
			conn_read(c);
		}
	}
	if (!c->dead && (events & EPOLLOUT))
		conn_flush(c);
	if (!c->dead)
		conn_update_interest(c);
	/* Replies leave at the end of the turn (gw_end_of_turn), together
	 * with those other callbacks of this turn queue on the connection. */
	ops_run_ready();
}
