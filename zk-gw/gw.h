/* gw.h: zk-gw, the client gateway. Shared state of its modules:
 * conn.c (sockets, framing, output, backpressure), handshake.c, ops.c
 * (request dispatch and FIFO reply order), read.c (reads from LMDB),
 * write.c (forwarding to zk-zabd, TREE_APPLIED), watch.c (registry),
 * fourlw.c (four-letter words), auth.c (auth ids and ACL checks). */
#ifndef ZK_GW_H
#define ZK_GW_H
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "daemon.h"
#include "jute.h"
#include "watch.h"

/* Bounds (STYLE: bound everything and name the bound). */
#define GW_MAX_CONNS        16384	/* all connections of this gateway */
#define GW_MAX_PENDING      1024	/* requests in flight per connection */
#define GW_OUT_SOFT         (1u << 20)	/* stop reading above this much output */
#define GW_OUT_HARD         (64u << 20)	/* close a client that lets this pile up */
#define GW_READ_BUDGET      (256u << 10)	/* bytes read per wake-up, per conn */
#define GW_MAX_AUTH         16		/* auth ids per connection */
#define GW_AUTH_ID_MAX      512		/* bytes of one "scheme:id" */

enum conn_state {
	CS_NEW,		/* waiting for ConnectRequest (or a 4lw) */
	CS_SESSION,	/* ConnectRequest taken, session being created/checked */
	CS_OPEN,	/* session established */
	CS_CLOSING	/* flush the output, then close */
};

/* One request in a connection's FIFO. A read runs only when it reaches the
 * head (so it sees every earlier write of its connection); a write is sent
 * to zk-zabd at once unless a read waits ahead of it. */
enum pend_state {
	PS_QUEUED,	/* not yet run / sent: holds a copy of the frame */
	PS_SENT,	/* write sent, waiting for TREE_APPLIED or ZAB_REPLY */
	PS_DONE		/* reply bytes ready in out */
};

struct pend {
	struct pend *next;
	struct conn *c;
	enum pend_state st;
	int32_t xid;
	int32_t op;
	uint64_t corr;		/* PS_SENT: key in gw.corrs */
	int64_t started_us;
	uint8_t *frame;		/* PS_QUEUED: request payload (after len) */
	size_t frame_len;
	uint8_t *out;		/* PS_DONE: whole reply frame(s) */
	size_t out_len;
	int close_after;	/* closeSession: close once this is written */
};

struct auth_id {
	char scheme[16];
	char id[GW_AUTH_ID_MAX];
};

struct conn {
	int fd;
	uint64_t id;			/* never reused: stats and cons */
	enum conn_state st;
	char peer[64];			/* "127.0.0.1:5432" */
	char peer_ip[48];		/* "127.0.0.1" */
	uint32_t peer_v4;		/* host order, for maxClientCnxns */

	uint8_t *in;			/* bytes read, not yet a whole frame */
	size_t in_off, in_len, in_cap;	/* frames start at in + in_off */
	uint8_t *out;			/* bytes to write */
	size_t out_off, out_len, out_cap;
	int reading;			/* EPOLLIN armed */
	int writing;			/* EPOLLOUT armed */
	int blocked;			/* the last send was short: output
					 * waits for EPOLLOUT, not the end
					 * of the turn */
	int dead;			/* closed, freed at the next wake-up */
	struct conn *dirty_next, *dirty_prev;	/* output to flush */
	int dirty;
	struct conn *grave_next;
	struct conn *ready_next;	/* FIFO head may have moved */
	int in_ready;
	int no_more_input;		/* a reply that closes is queued */
	int held;			/* whole frames wait in in for room
					 * in out or in the FIFO */
	int overflow;			/* output over GW_OUT_HARD: to close */

	struct pend *head, *tail;	/* FIFO of requests */
	int npend;

	/* session */
	int64_t session;
	int32_t timeout;
	uint8_t passwd[JUTE_PASSWD_LEN];
	int has_readonly;		/* 45-byte ConnectRequest */
	uint64_t sess_corr;		/* CS_SESSION: SESS_CREATE corr */
	int64_t sess_asked_ms;		/* CS_SESSION: when (monotonic) */
	int touched;			/* traffic since the last GW_TOUCH */

	struct auth_id auth[GW_MAX_AUTH];
	int nauth;
	int super;			/* authenticated as super */

	struct watch_conn w;

	/* stats for cons/stat */
	uint64_t recvd, sent;
	int64_t established_ms, last_resp_ms;
	int32_t last_cxid;
	int64_t last_zxid;
	int last_op;
	int64_t lat_min, lat_max, lat_sum, lat_n;	/* ms */
	int64_t last_lat;
};

struct gw {
	struct daemon *d;
	int lfd;			/* listening socket */
	struct conn **conns;		/* by fd */
	int maxfd;
	int nconns;

	/* maps (open addressing, power-of-two sizes) */
	struct gw_map *corrs;		/* corr -> struct pend* or struct conn* (SESS_CREATE) */
	struct gw_map *sessions;	/* session id -> struct conn* */
	struct gw_map *sess_corrs;	/* SESS_CREATE corr -> struct conn* */

	struct gw_map *conn_ids;	/* conn id -> struct conn* */
	struct gw_map *per_ip;		/* IPv4 + 1 -> count (maxClientCnxns) */
	struct conn *dirty;		/* connections with output to flush */
	struct conn *grave;		/* closed, to free */
	struct conn *ready;		/* connections whose FIFO may advance */
	struct jute_buf scratch;	/* read reply encoding */
	struct jute_buf authbuf;	/* auth ids sent with each write */
	struct jute_buf wscratch;	/* write reply encoding: a separate
					 * buffer, since a read that drains
					 * TREE_APPLIED answers writes */
	uint64_t next_conn_id;
	uint64_t corr_next;

	struct watch_reg watches;

	/* tree */
	struct treedb *tree;		/* NULL until the env exists */
	int64_t applied_zxid;		/* G: last TREE_APPLIED handled */
	int in_read;			/* a read is draining TREE_APPLIED */

	/* stats */
	uint64_t packets_recv, packets_sent;
	int64_t lat_min, lat_max, lat_sum, lat_n;
	int64_t started_ms;
	uint64_t bad_clients, refused;

	/* The loop turn's clock (see gw_now_us) */
	int64_t now_us;			/* CLOCK_MONOTONIC */
	int64_t now_wall_ms;		/* CLOCK_REALTIME */
	int clock_stale;		/* a new turn began: read it again */

	int64_t max_buffer;		/* jute.maxbuffer */
	char superdigest[256];		/* "super:base64" or "" */
};

extern struct gw gw;

/* ---- main.c: the clock of a loop turn ---- */
/* Reads both clocks into gw.now_us and gw.now_wall_ms. */
void gw_tick(void);
/* Time as of this turn of the loop: the clock is read at the first use in a
 * turn and cached until the turn ends, since reading it per request cost
 * about 5% of the gateway's CPU. Good for what needs no finer precision:
 * latency stats (ms), cons times, liveness. Anything that waits inside a
 * turn (read.c's drain) reads the clock itself and sets gw.clock_stale. */
static inline int64_t gw_now_us(void)
{
	if (gw.clock_stale)
		gw_tick();
	return gw.now_us;
}

static inline int64_t gw_now_ms(void)
{
	return gw_now_us() / 1000;
}

static inline int64_t gw_wall_ms(void)
{
	if (gw.clock_stale)
		gw_tick();
	return gw.now_wall_ms;
}

/* ---- map.c: uint64 -> pointer hash map ---- */
struct gw_map;
struct gw_map *map_new(void);
int map_put(struct gw_map *m, uint64_t k, void *v);	/* 0 or -1 (ENOMEM) */
void *map_get(struct gw_map *m, uint64_t k);
void *map_del(struct gw_map *m, uint64_t k);
size_t map_count(const struct gw_map *m);

/* ---- conn.c ---- */
int conn_listen(const char *addr, int port);
void conn_accept_cb(void *arg, int fd, uint32_t events);
/* Append bytes to the output buffer (no ordering: caller's job). -1 if the
 * hard bound is passed (the connection is then being closed). */
int conn_write(struct conn *c, const void *p, size_t n);
void conn_flush(struct conn *c);
/* Close now (reason logged once at info level when non-NULL). */
void conn_close(struct conn *c, const char *reason);
/* Stop processing input; close once the output is written. */
void conn_close_after_flush(struct conn *c);
/* Run queued frames again (after a handshake, a write reply, drain). */
void conn_resume(struct conn *c);
struct conn *conn_by_id(uint64_t id);
void conn_update_interest(struct conn *c);
/* Write out every connection with new output; free closed ones. */
void conn_flush_dirty(void);
void conn_reap(void);

/* ---- handshake.c ---- */
/* The first frame of a connection: ConnectRequest. 0, or -1 to close. */
int hs_connect(struct conn *c, const uint8_t *p, size_t n);
/* createSession applied (TREE_APPLIED from our SESS_CREATE). */
void hs_session_created(struct conn *c, int64_t session, int32_t timeout,
			const uint8_t *passwd);
void hs_session_failed(struct conn *c);

/* ---- ops.c ---- */
/* One request frame of an open connection: 0 taken, 1 must wait (keep it
 * in the input buffer), -1 close the connection. */
int ops_request(struct conn *c, const uint8_t *p, size_t n);
/* Push replies at the head of the FIFO out; run queued requests. */
void ops_advance(struct conn *c);
void ops_free_pending(struct conn *c);
/* Note that c's FIFO may advance; ops_run_ready() advances them all. Kept
 * apart so that draining TREE_APPLIED inside a read never recurses. */
void ops_mark_ready(struct conn *c);
void ops_run_ready(void);
/* A write finished: its reply frame (copied). */
void ops_write_done(struct pend *p, const uint8_t *frame, size_t len);
/* Build a reply frame: header + body. */
int ops_reply(struct conn *c, int32_t xid, int64_t zxid, int32_t err,
	      const uint8_t *body, size_t blen);
void ops_note_latency(struct conn *c, int64_t started_us);

/* ---- tree.c: the only user of common/treedb.h ---- */
/* Open the tree env read-only if it exists yet. 0 when open. */
int tree_open(void);
/* Last applied zxid of the tree, or -1 if the env is not available. */
int64_t tree_last_zxid(void);
/* Session lookup: 1 found (timeout, passwd filled), 0 unknown, -1 error. */
int tree_session(int64_t id, int32_t *timeout, uint8_t *passwd);
/* Znode count as Apache reports it (including its "" alias), -1 if unknown. */
int64_t tree_node_count(void);
/* Ephemeral znodes of every session (walks them: 4lw only), -1 on error. */
int64_t tree_ephemerals_count(void);
/* For the dump 4lw (walks: never on a request path), within the current
 * read txn (tree_rbegin() first for one snapshot): cb(arg, id, timeout)
 * for every session of the sessions table, and cb(arg, path, len) for
 * every ephemeral of one session. cb returns 0 to go on, non-zero to
 * stop (that value is returned); 0 at the end, -1 on an error (logged). */
typedef int (*tree_session_cb)(void *arg, int64_t id, int32_t timeout);
int tree_sessions(tree_session_cb cb, void *arg);
int tree_session_ephemerals(int64_t id, int (*cb)(void *arg, const char *path, size_t len),
			    void *arg);
/* The shared read txn (a snapshot) until tree_rend(); NULL if unavailable. */
struct MDB_txn;
struct MDB_txn *tree_rbegin(void);
void tree_rend(void);
/* 1 while a read txn from tree_rbegin() is open. */
int tree_live(void);

/* ---- read.c ---- */
/* Answer a read op now into out (a reply frame). -1 = malformed request. */
int read_op(struct conn *c, int32_t xid, int32_t op, const uint8_t *body,
	    size_t blen, struct jute_buf *out);
/* Make sure every TREE_APPLIED up to the tree's last applied zxid has been
 * handled (watch ordering); returns the tree zxid T, or -1. */
int64_t read_sync_tree(void);

/* ---- write.c ---- */
int write_forward(struct conn *c, struct pend *p, const uint8_t *body, size_t blen);
void write_on_msg(struct daemon *d, const struct msg *m);
uint64_t write_new_corr(void);
void write_touch_timer(void *arg);

/* ---- fourlw.c ---- */
/* If the first 4 bytes are a four-letter word, run it (output + close) and
 * return 1; 0 if not a word. */
int fourlw_maybe(struct conn *c, const uint8_t *p);

/* ---- auth.c ---- */
/* auth packet: 0 ok, ZAUTHFAILED. */
int auth_add(struct conn *c, const struct jute_bytes *scheme, const struct jute_bytes *authb);
/* Is one of the connection's ids allowed perm by this ACL list? */
int auth_check(const struct conn *c, const struct jute_acls *acl, int perm);
/* The connection's auth ids as a jute vector<Id> (for prep's ACL checks). */
void auth_ids_encode(const struct conn *c, struct jute_buf *b);
/* "user:" + base64(SHA1(p)); -1 if out is too small. */
int auth_digest_id(const uint8_t *p, size_t n, char *out, size_t cap);
void auth_init_conn(struct conn *c);

#endif
