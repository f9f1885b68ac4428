/* ipc.h: nanomsg sockets of one daemon. Each daemon binds an inbox (PULL)
 * and a control socket (REP) in ipcDir, and connects one PUSH socket to
 * each peer inbox it sends to.
 *
 * Batching: ipc_send() appends the encoded message to a per-peer batch;
 * ipc_flush() sends each batch as one nanomsg frame (messages back to
 * back). The daemon loop flushes at the end of every turn, so a message
 * waits at most for the callbacks of the turn that sent it, and under load
 * one frame (one trip through nanomsg's threads) carries many messages.
 * Sends never block: a frame that cannot leave now waits in a bounded
 * per-peer queue, retried by the next ipc_flush(). */
#ifndef ZK_IPC_H
#define ZK_IPC_H
#include <stddef.h>
#include <stdint.h>
#include "msg.h"

#define IPC_QUEUE_MAX_MSGS  65536
#define IPC_QUEUE_MAX_BYTES (256u << 20)
#define IPC_RECV_MAX        (20 << 20)	/* nanomsg receive cap per frame */
#define IPC_BATCH_MAX       (1 << 20)	/* flush a batch once it is this big */

struct ipc_qmsg {
	struct ipc_qmsg *next;
	size_t len;
	uint8_t data[];
};

struct ipc_peer {
	int sock;			/* PUSH, -1 until first use */
	uint8_t *batch;			/* messages not yet handed to nanomsg */
	size_t blen, bcap, bmsgs;
	struct ipc_qmsg *head, *tail;	/* frames waiting to be sent */
	size_t qmsgs, qbytes;
	uint64_t sent, frames, dropped;
};

/* A received frame, shared by the messages decoded from it. */
struct ipc_frame {
	void *nnbuf;
	size_t len, off;
	int refs;
};

struct ipc {
	int self;
	char dir[4096];
	int in_sock, ctl_sock;		/* PULL inbox, REP control */
	int in_fd, ctl_fd;		/* pollable: readable when a message waits */
	struct ipc_peer peers[P_COUNT];
	struct ipc_frame *cur_in, *cur_ctl;	/* frames being read */
	uint64_t received, malformed;
};

/* Bind self's inbox and control socket under dir. -1 with a log line on error. */
int ipc_open(struct ipc *ipc, const char *dir, int self);
/* Socket address of program `id`'s inbox or control socket ("in", "ctl"). */
int ipc_addr(char *buf, size_t len, const char *dir, int id, const char *kind);

/* Encode m into peer's batch. Returns 0, or -1 when the peer's queue is
 * full or m cannot be encoded (m is then dropped). */
int ipc_send(struct ipc *ipc, int peer, const struct msg *m);
/* Send the batches and retry queued frames. Returns how many frames are
 * still queued, all peers. */
size_t ipc_flush(struct ipc *ipc);

/* Receive one message from sock (in_sock or ctl_sock) without waiting.
 * Returns 1 with *m decoded and *frame to be released with ipc_release()
 * once m is no longer used (byte fields point into it), 0 if none waits,
 * -1 if a malformed message was dropped (logged with type and sender;
 * the rest of its frame is dropped too, as its boundaries are lost). */
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
