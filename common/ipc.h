/* ipc.h: nanomsg sockets of one daemon. Each daemon binds an inbox (PULL)
 * and a control socket (REP) in ipcDir, and connects one PUSH socket to
 * each peer inbox it sends to. Sends never block: a message that cannot
 * leave now waits in a bounded per-peer queue, retried by ipc_flush(). */
#ifndef ZK_IPC_H
#define ZK_IPC_H
#include <stddef.h>
#include <stdint.h>
#include "msg.h"

#define IPC_QUEUE_MAX_MSGS  65536
#define IPC_QUEUE_MAX_BYTES (256u << 20)
#define IPC_RECV_MAX        (20 << 20)	/* nanomsg receive cap per frame */

struct ipc_qmsg {
	struct ipc_qmsg *next;
	size_t len;
	uint8_t data[];
};

struct ipc_peer {
	int sock;			/* PUSH, -1 until first use */
	struct ipc_qmsg *head, *tail;	/* waiting to be sent */
	size_t qmsgs, qbytes;
	uint64_t sent, dropped;
};

struct ipc {
	int self;
	char dir[4096];
	int in_sock, ctl_sock;		/* PULL inbox, REP control */
	int in_fd, ctl_fd;		/* pollable: readable when a message waits */
	struct ipc_peer peers[P_COUNT];
	uint8_t *scratch;		/* encode buffer */
	size_t scratch_cap;
	uint64_t received, malformed;
};

/* Bind self's inbox and control socket under dir. -1 with a log line on error. */
int ipc_open(struct ipc *ipc, const char *dir, int self);
/* Socket address of program `id`'s inbox or control socket ("in", "ctl"). */
int ipc_addr(char *buf, size_t len, const char *dir, int id, const char *kind);

/* Encode and send m to peer's inbox; queue if it cannot leave now.
 * Returns 0 (sent or queued) or -1 (queue full or encoding failed: dropped). */
int ipc_send(struct ipc *ipc, int peer, const struct msg *m);
/* Retry queued messages. Returns how many are still queued, all peers. */
size_t ipc_flush(struct ipc *ipc);

/* Receive one message from sock without waiting. Returns 1 with *m decoded
 * and *frame to be released with ipc_release(), 0 if none waits, -1 if a
 * malformed message was dropped (already logged with type and sender). */
int ipc_recv(struct ipc *ipc, int sock, struct msg *m, void **frame);
void ipc_release(void *frame);

/* Reply on the control socket (after ipc_recv on ctl_sock). */
int ipc_ctl_reply(struct ipc *ipc, const struct msg *m);

/* A client REQ socket to daemon `id`'s control socket with a timeout: send
 * req and wait for one reply (*frame to ipc_release). 0, or -1 (down). */
int ipc_ctl_call(const char *dir, int id, const struct msg *req, int timeout_ms,
		 struct msg *rep, void **frame);

void ipc_close(struct ipc *ipc);

#endif
