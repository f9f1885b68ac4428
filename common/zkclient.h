/* zkclient.h: a small single-threaded ZooKeeper client (any server that speaks
 * the wire protocol, ours or Apache's), built on jute.h.
 *
 * One request at a time: each call sends a request and waits for its reply,
 * answering the session's keep-alive (a ping after T/3 of silence) and
 * queueing watch events that arrive meanwhile. zkc_next_event() waits for
 * the next event. If the connection drops, the client reconnects to the next
 * server of its list with the same session, re-sends its credentials and
 * watches (setWatches/setWatches2), and the interrupted call returns
 * ZCONNECTIONLOSS (reads are retried once by the typed calls). If the server
 * says the session is gone, every later call returns ZSESSIONEXPIRED.
 *
 * All results are ZooKeeper error codes (enum jute_err): ZOK, a server code,
 * or a client-side one: ZCONNECTIONLOSS (no server answered), ZOPERATIONTIMEOUT
 * (request timeout), ZSESSIONEXPIRED, ZMARSHALLINGERROR (bad reply),
 * ZBADARGUMENTS (bad call), ZAUTHFAILED.
 *
 * Decoded replies (data, children, ACLs, created path) point into the
 * client's reply buffer and stay valid until the next call on it. */
#ifndef ZK_ZKCLIENT_H
#define ZK_ZKCLIENT_H
#include <stddef.h>
#include <stdint.h>
#include "jute.h"

#define ZKC_MAX_HOSTS 16
#define ZKC_HOST_LEN 256
#define ZKC_MAX_AUTH 4
#define ZKC_EVQ_MAX 1024	/* queued events; older ones are dropped beyond */
#define ZKC_MAX_WATCHES 4096	/* watches remembered for re-registration */

struct zkc_event {
	int32_t type;		/* EV_*; EV_NONE for session state changes */
	int32_t state;		/* ST_SYNC_CONNECTED, ST_DISCONNECTED, ST_EXPIRED */
	int64_t zxid;		/* notification zxid (-1 from 3.8 servers) */
	char *path;		/* owned by the queue; see zkc_event_free */
};

struct zkc_cred {
	char *scheme;
	uint8_t *auth;
	size_t len;
};

struct zkc_watch {
	char *path;
	int kind;		/* ZKC_W_* */
};
enum { ZKC_W_DATA, ZKC_W_EXIST, ZKC_W_CHILD, ZKC_W_PERSISTENT,
	ZKC_W_PERSISTENT_RECURSIVE, ZKC_W_KINDS };

struct zkc {
	char hosts[ZKC_MAX_HOSTS][ZKC_HOST_LEN];	/* "host:port" */
	int nhosts;
	int cur;			/* index of the server in use */
	int fd;				/* -1 when not connected */

	int timeout_ms;			/* requested session timeout */
	int neg_timeout_ms;		/* negotiated */
	int connect_timeout_ms;		/* per server attempt */
	int request_timeout_ms;		/* per call */
	int64_t session_id;
	uint8_t passwd[JUTE_PASSWD_LEN];
	int64_t last_zxid;		/* highest zxid seen in a reply */
	int32_t xid;
	int expired;			/* server said the session is gone */
	int readonly_ok;		/* ask for read-only servers too */
	uint64_t connects;		/* successful handshakes (1 = first) */

	int64_t last_send_ms, last_recv_ms;
	/* The server has surely heard from us at this time (the send time of
	 * the latest request or ping it answered): it cannot expire the
	 * session before server_heard_ms + neg_timeout_ms. */
	int64_t server_heard_ms;
	int64_t ping_sent_ms, req_sent_ms;
	int ping_out;			/* one ping in flight at most */

	uint8_t *in;			/* received bytes not yet framed */
	size_t inlen, incap;
	struct jute_buf reply;		/* body of the last matching reply */
	int32_t reply_err;
	int64_t reply_zxid;

	struct zkc_event evq[ZKC_EVQ_MAX];
	int evhead, evcount;
	uint64_t ev_dropped;		/* events lost to a full queue */
	int ev_gap;			/* set on reconnect/drop: events may be missing */

	struct zkc_cred creds[ZKC_MAX_AUTH];
	int ncreds;
	int auth_failed;

	struct zkc_watch *watches;
	int nwatches;
};

/* Parse "h:p,h:p" (port defaults to 2181) and connect to the first server
 * that answers, in list order, with a new session. 0 (ZOK) or an error. */
int zkc_open(struct zkc *c, const char *hosts, int timeout_ms, int connect_timeout_ms);
/* Close the session (closeSession) and free everything. Safe after errors. */
void zkc_close(struct zkc *c);
/* Drop the connection but keep the session (for tests of reconnection). */
void zkc_disconnect(struct zkc *c);
/* Add a credential ("digest", "user:pass"), sent now and after reconnects. */
int zkc_add_auth(struct zkc *c, const char *scheme, const void *auth, size_t len);

/* Generic call: op with an already encoded request body. On ZOK the reply
 * body is readable with zkc_reply_rd(). */
int zkc_call(struct zkc *c, int32_t op, const struct jute_buf *body);
void zkc_reply_rd(struct zkc *c, struct jute_rd *r);

/* Wait up to timeout_ms (-1 forever, 0 poll once) for the next watch event,
 * keeping the session alive. 1 with *ev filled (free with zkc_event_free),
 * 0 on timeout, or a negative error (ZSESSIONEXPIRED, ZCONNECTIONLOSS). */
int zkc_next_event(struct zkc *c, struct zkc_event *ev, int timeout_ms);
void zkc_event_free(struct zkc_event *ev);
/* 1 when no server has answered us for a whole session timeout: the
 * session may have expired even if we have not been told yet (holders of
 * locks must assume the worst). */
int zkc_session_overdue(const struct zkc *c);
/* Keep the session alive for up to ms (no event consumed). */
int zkc_idle(struct zkc *c, int ms);

/* Remember a watch the server now holds for this connection, so it can be
 * re-registered after a reconnect (used by the typed calls). -1 if full. */
int zkc_watch_note(struct zkc *c, const char *path, int kind);

/* ---- typed operations (zkc_ops.c) -------------------------------------- */

/* data points into the reply buffer; len -1 means a null buffer. */
int zkc_get(struct zkc *c, const char *path, int watch, struct jute_bytes *data, struct jute_stat *st);
/* ZOK if it exists (st filled), ZNONODE if not; a watch is set in both cases. */
int zkc_exists(struct zkc *c, const char *path, int watch, struct jute_stat *st);
/* Children names (getChildren2); iterate with jute_vec_rd/jute_get_str. */
int zkc_children(struct zkc *c, const char *path, int watch, struct jute_strs *kids, struct jute_stat *st);
/* Create with flags (CM_*); ttl_ms > 0 uses createTTL, CM_CONTAINER uses
 * createContainer. acl NULL = open (world:anyone ALL). The created path is
 * copied to out (cap bytes) when out is not NULL. */
int zkc_create(struct zkc *c, const char *path, const void *data, int32_t len,
    const struct jute_acls *acl, int flags, int64_t ttl_ms, char *out, size_t cap,
    struct jute_stat *st);
int zkc_delete(struct zkc *c, const char *path, int32_t version);
int zkc_set(struct zkc *c, const char *path, const void *data, int32_t len, int32_t version, struct jute_stat *st);
int zkc_get_acl(struct zkc *c, const char *path, struct jute_acls *acl, struct jute_stat *st);
int zkc_set_acl(struct zkc *c, const char *path, const struct jute_acls *acl, int32_t version, struct jute_stat *st);
int zkc_sync(struct zkc *c, const char *path);
/* addWatch (mode AW_*); ZUNIMPLEMENTED from servers without it. */
int zkc_add_watch(struct zkc *c, const char *path, int mode);

#endif
