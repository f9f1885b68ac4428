/* conn.h: one client connection of zk-bench: non-blocking socket, handshake,
 * an output buffer that batches every request queued in one loop turn into
 * one send(), and a FIFO ring of the requests in flight. */
#ifndef ZK_BENCH_CONN_H
#define ZK_BENCH_CONN_H
#include <stdint.h>
#include "jute.h"

enum conn_state { CS_CONNECTING, CS_HANDSHAKE, CS_READY, CS_CLOSING, CS_DONE, CS_DEAD };

struct pend {
	uint64_t t;			/* send time, ns */
	int32_t xid;
	int32_t op;
	uint32_t key;			/* key index (get/set) for checks */
};

struct bconn {
	int fd;
	int idx;
	enum conn_state state;
	uint32_t events;		/* registered with epoll */
	uint8_t *in;
	size_t inlen, incap;
	size_t inoff;			/* start of the next unparsed frame */
	struct jute_buf out;
	size_t outoff;			/* bytes of out already sent */
	struct pend *ring;		/* cap = depth + 1 */
	int rhead, rcount, rcap;
	int32_t xid;
};

/* Frames above this are refused (the server's default jute.maxbuffer). */
#define CONN_MAX_FRAME JUTE_MAXBUFFER
#define CONN_IN_INIT (256 * 1024)

/* Start a non-blocking connect to addr and register it with epoll (data.ptr
 * is c). depth bounds the ring; outmax bounds the output buffer. 0 or -1. */
int conn_open(struct bconn *c, int ep, int idx, const void *addr, unsigned addrlen,
	      int depth, size_t outmax);
/* Finish the TCP connect (on EPOLLOUT) and queue the ConnectRequest. */
int conn_connected(struct bconn *c, int session_ms);
/* Send what is buffered; arm or disarm EPOLLOUT as needed. 0 or -1. */
int conn_flush(struct bconn *c, int ep);
/* Receive once into the input buffer: 1 if bytes came, 0 if none (EAGAIN),
 * -1 on EOF or error. */
int conn_recv(struct bconn *c);
/* Next complete frame in the input: 1 with (*p, *len), 0 if none yet, -1
 * if the length prefix is bad. conn_consume() then drops it. */
int conn_frame(struct bconn *c, const uint8_t **p, uint32_t *len);
void conn_consume(struct bconn *c, uint32_t len);
/* Move unparsed bytes to the front of the input buffer. */
void conn_compact(struct bconn *c);
/* Start a request frame: header with the next xid; push the ring. */
size_t conn_req_begin(struct bconn *c, int32_t op, uint64_t now, uint32_t key);
void conn_req_end(struct bconn *c, size_t off);
struct pend *conn_head(struct bconn *c);
void conn_pop(struct bconn *c);
void conn_close(struct bconn *c, enum conn_state st);
void conn_free(struct bconn *c);

#endif
