/* ipc.c: nanomsg sockets, the bounded send queues and the strict receive. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <nanomsg/nn.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/reqrep.h>
#include "ipc.h"
#include "log.h"

int ipc_addr(char *buf, size_t len, const char *dir, int id, const char *kind)
{
	const char *name = proc_name(id);
	int n;

	if (!name)
		return -1;
	n = snprintf(buf, len, "ipc://%s/%s.%s", dir, name, kind);
	/* sockaddr_un paths are limited to 107 bytes. */
	if (n < 0 || (size_t)n >= len || (size_t)n - 6 > 107)
		return -1;
	return 0;
}

static int sock_setup(int s)
{
	int max = IPC_RECV_MAX, buf = 4 << 20;

	if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max, sizeof max) < 0 ||
	    nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDBUF, &buf, sizeof buf) < 0 ||
	    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVBUF, &buf, sizeof buf) < 0)
		return -1;
	return 0;
}

static int bind_one(int proto, const char *dir, int self, const char *kind, int *fd)
{
	char addr[4200];
	size_t sz = sizeof *fd;
	int s;

	if (ipc_addr(addr, sizeof addr, dir, self, kind) < 0) {
		warnx("ipc: socket path under %s too long", dir);
		return -1;
	}
	s = nn_socket(AF_SP, proto);
	if (s < 0) {
		warnx("ipc: nn_socket: %s", nn_strerror(nn_errno()));
		return -1;
	}
	if (sock_setup(s) < 0 || nn_bind(s, addr) < 0 ||
	    nn_getsockopt(s, NN_SOL_SOCKET, NN_RCVFD, fd, &sz) < 0) {
		warnx("ipc: bind %s: %s", addr, nn_strerror(nn_errno()));
		nn_close(s);
		return -1;
	}
	return s;
}

int ipc_open(struct ipc *ipc, const char *dir, int self)
{
	memset(ipc, 0, sizeof *ipc);
	ipc->self = self;
	ipc->in_sock = ipc->ctl_sock = -1;
	for (int i = 0; i < P_COUNT; i++)
		ipc->peers[i].sock = -1;
	if (snprintf(ipc->dir, sizeof ipc->dir, "%s", dir) >= (int)sizeof ipc->dir)
		return -1;
	ipc->in_sock = bind_one(NN_PULL, dir, self, "in", &ipc->in_fd);
	if (ipc->in_sock < 0)
		return -1;
	ipc->ctl_sock = bind_one(NN_REP, dir, self, "ctl", &ipc->ctl_fd);
	if (ipc->ctl_sock < 0)
		return -1;
	return 0;
}

static int peer_sock(struct ipc *ipc, int peer)
{
	struct ipc_peer *p = &ipc->peers[peer];
	char addr[4200];

	if (p->sock >= 0)
		return p->sock;
	if (ipc_addr(addr, sizeof addr, ipc->dir, peer, "in") < 0)
		return -1;
	p->sock = nn_socket(AF_SP, NN_PUSH);
	if (p->sock < 0)
		return -1;
	/* nn_connect succeeds while the peer is down and keeps retrying, so a
	 * peer that restarts is reconnected to without our help. */
	if (sock_setup(p->sock) < 0 || nn_connect(p->sock, addr) < 0) {
		warnx("ipc: connect %s: %s", addr, nn_strerror(nn_errno()));
		nn_close(p->sock);
		p->sock = -1;
		return -1;
	}
	return p->sock;
}

static int enqueue(struct ipc_peer *p, const uint8_t *data, size_t len)
{
	struct ipc_qmsg *q;

	if (p->qmsgs >= IPC_QUEUE_MAX_MSGS || p->qbytes + len > IPC_QUEUE_MAX_BYTES)
		return -1;
	q = malloc(sizeof *q + len);
	if (!q)
		return -1;
	q->next = NULL;
	q->len = len;
	memcpy(q->data, data, len);
	if (p->tail)
		p->tail->next = q;
	else
		p->head = q;
	p->tail = q;
	p->qmsgs++;
	p->qbytes += len;
	return 0;
}

/* Send the head of the queue while the socket takes it. */
static void drain(struct ipc_peer *p)
{
	while (p->head) {
		struct ipc_qmsg *q = p->head;
		if (nn_send(p->sock, q->data, q->len, NN_DONTWAIT) < 0)
			return;
		p->head = q->next;
		if (!p->head)
			p->tail = NULL;
		p->qmsgs--;
		p->qbytes -= q->len;
		p->frames++;
		free(q);
	}
}

/* Hand the peer's batch to nanomsg, or queue it behind earlier frames. */
static void flush_peer(struct ipc *ipc, int peer)
{
	struct ipc_peer *p = &ipc->peers[peer];
	int s = peer_sock(ipc, peer);

	if (s >= 0)
		drain(p);
	if (p->blen == 0)
		return;
	/* Keep order: never overtake what is already queued. */
	if (s >= 0 && !p->head && nn_send(s, p->batch, p->blen, NN_DONTWAIT) >= 0) {
		p->frames++;
	} else if (enqueue(p, p->batch, p->blen) < 0) {
		p->dropped += p->bmsgs;
		warnx("ipc: queue to %s full (%zu frames): dropped %zu messages",
		      proc_name(peer), p->qmsgs, p->bmsgs);
	}
	p->sent += p->bmsgs;
	p->blen = 0;
	p->bmsgs = 0;
}

int ipc_send(struct ipc *ipc, int peer, const struct msg *m)
{
	struct ipc_peer *p;
	size_t need, len;

	if (peer <= P_NONE || peer >= P_COUNT)
		return -1;
	p = &ipc->peers[peer];
	if (p->qmsgs >= IPC_QUEUE_MAX_MSGS || p->qbytes >= IPC_QUEUE_MAX_BYTES) {
		if (p->dropped++ % 1000 == 0)
			warnx("ipc: queue to %s full (%zu frames): dropped %s",
			      proc_name(peer), p->qmsgs, msg_type_name(m->type));
		return -1;
	}
	need = msg_encoded_max(m);
	if (p->blen + need > p->bcap) {
		size_t cap = p->bcap ? p->bcap : 4096;
		uint8_t *nb;
		while (cap < p->blen + need)
			cap *= 2;
		nb = realloc(p->batch, cap);
		if (!nb)
			return -1;
		p->batch = nb;
		p->bcap = cap;
	}
	len = msg_encode(m, p->batch + p->blen, p->bcap - p->blen);
	if (len == 0) {
		warnx("ipc: cannot encode %s for %s", msg_type_name(m->type), proc_name(peer));
		return -1;
	}
	p->blen += len;
	p->bmsgs++;
	if (p->blen >= IPC_BATCH_MAX)
		flush_peer(ipc, peer);
	return 0;
}

size_t ipc_flush(struct ipc *ipc)
{
	size_t left = 0;
	for (int i = 0; i < P_COUNT; i++) {
		struct ipc_peer *p = &ipc->peers[i];
		if (!p->head && p->blen == 0)
			continue;
		flush_peer(ipc, i);
		left += p->qmsgs;
	}
	return left;
}

static void frame_unref(struct ipc_frame *f)
{
	if (f && --f->refs == 0) {
		nn_freemsg(f->nnbuf);
		free(f);
	}
}

int ipc_recv(struct ipc *ipc, int sock, struct msg *m, void **frame)
{
	struct ipc_frame **curp = sock == ipc->ctl_sock ? &ipc->cur_ctl : &ipc->cur_in;
	struct ipc_frame *f = *curp;
	char why[160];
	size_t used;

	*frame = NULL;
	if (!f) {
		void *buf = NULL;
		int n = nn_recv(sock, &buf, NN_MSG, NN_DONTWAIT);
		if (n < 0) {
			if (nn_errno() != EAGAIN && nn_errno() != EINTR)
				warnx("ipc: receive: %s", nn_strerror(nn_errno()));
			return 0;
		}
		f = malloc(sizeof *f);
		if (!f) {
			warnx("ipc: out of memory: dropped a frame");
			nn_freemsg(buf);
			return -1;
		}
		*f = (struct ipc_frame){ buf, (size_t)n, 0, 1 };
		*curp = f;
	}
	ipc->received++;
	if (msg_decode_one((const uint8_t *)f->nnbuf + f->off, f->len - f->off, m, &used,
			   why, sizeof why) < 0) {
		ipc->malformed++;
		/* Name what we could read of type and sender for the log. */
		warnx("ipc: dropped malformed message (type %s, sender %s, %zu bytes left in frame): %s",
		      msg_type_name(m->type), proc_name(m->sender) ? proc_name(m->sender) : "unknown",
		      f->len - f->off, why);
		*curp = NULL;
		frame_unref(f);
		return -1;
	}
	f->off += used;
	f->refs++;
	*frame = f;
	if (f->off >= f->len) {
		*curp = NULL;
		frame_unref(f);		/* the message's reference keeps it */
	}
	return 1;
}

void ipc_release(void *frame)
{
	frame_unref(frame);
}

int ipc_ctl_reply(struct ipc *ipc, const struct msg *m)
{
	size_t need = msg_encoded_max(m), len;
	uint8_t *buf = malloc(need);
	int rc = -1;

	if (!buf)
		return -1;
	len = msg_encode(m, buf, need);
	if (len > 0 && nn_send(ipc->ctl_sock, buf, len, NN_DONTWAIT) >= 0)
		rc = 0;
	free(buf);
	return rc;
}

/* A plain connect() tells at once whether anyone listens on a socket path,
 * where nanomsg would wait out the whole timeout. */
static int listening(const char *addr)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = addr + strlen("ipc://");
	int s, rc;

	if (strlen(path) >= sizeof sun.sun_path)
		return 0;
	memcpy(sun.sun_path, path, strlen(path));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 1;	/* cannot tell: let nanomsg try */
	rc = connect(s, (struct sockaddr *)&sun, sizeof sun);
	close(s);
	return rc == 0;
}

int ipc_ctl_call(const char *dir, int id, const struct msg *req, int timeout_ms,
		 struct msg *rep, void **frame)
{
	char addr[4200], why[160];
	uint8_t buf[8192];
	size_t len;
	void *in = NULL;
	int s, n;

	*frame = NULL;
	if (ipc_addr(addr, sizeof addr, dir, id, "ctl") < 0 || !listening(addr))
		return -1;
	len = msg_encode(req, buf, sizeof buf);
	if (len == 0)
		return -1;
	s = nn_socket(AF_SP, NN_REQ);
	if (s < 0)
		return -1;
	if (nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout_ms, sizeof timeout_ms) < 0 ||
	    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout_ms, sizeof timeout_ms) < 0 ||
	    nn_connect(s, addr) < 0 || nn_send(s, buf, len, 0) < 0 ||
	    (n = nn_recv(s, &in, NN_MSG, 0)) < 0) {
		nn_close(s);
		return -1;
	}
	nn_close(s);
	if (msg_decode(in, (size_t)n, rep, why, sizeof why) < 0) {
		warnx("ipc: bad reply from %s: %s", proc_name(id), why);
		nn_freemsg(in);
		return -1;
	}
	*frame = malloc(sizeof(struct ipc_frame));
	if (!*frame) {
		nn_freemsg(in);
		return -1;
	}
	*(struct ipc_frame *)*frame = (struct ipc_frame){ in, (size_t)n, (size_t)n, 1 };
	return 0;
}

void ipc_close(struct ipc *ipc)
{
	for (int i = 0; i < P_COUNT; i++) {
		struct ipc_peer *p = &ipc->peers[i];
		if (p->sock >= 0)
			nn_close(p->sock);
		p->sock = -1;
		free(p->batch);
		p->batch = NULL;
		p->blen = p->bcap = p->bmsgs = 0;
		while (p->head) {
			struct ipc_qmsg *q = p->head;
			p->head = q->next;
			free(q);
		}
		p->tail = NULL;
		p->qmsgs = p->qbytes = 0;
	}
	frame_unref(ipc->cur_in);
	frame_unref(ipc->cur_ctl);
	ipc->cur_in = ipc->cur_ctl = NULL;
	if (ipc->in_sock >= 0)
		nn_close(ipc->in_sock);
	if (ipc->ctl_sock >= 0)
		nn_close(ipc->ctl_sock);
	ipc->in_sock = ipc->ctl_sock = -1;
}
