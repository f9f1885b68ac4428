/* jute.h: the ZooKeeper client wire codec (jute encoding), both directions,
 * so the gateway, the write path and the client library share one codec.
 *
 * Writing: struct jute_buf is a growable buffer with a hard size limit; any
 * failure (limit, ENOMEM) is sticky in b->err and checked once at the end.
 * Reading: struct jute_rd reads from (ptr,len) with bounds checks on every
 * field and a sticky err flag; every string, buffer and vector length is
 * capped by rd->max (jute.maxbuffer). jute_rd_done() tells whether a record
 * was decoded without error and consumed exactly.
 *
 * Zero copy: decoded strings and buffers are struct jute_bytes that POINT
 * INTO THE INPUT (ptr,len), not NUL-terminated; len -1 means null. Use
 * jute_bytes_cstr() to get a NUL-terminated copy into caller storage.
 * Decoded vectors are validated at decode time and kept as a raw byte span
 * (struct jute_acls, struct jute_strs); iterate them with jute_vec_rd() and
 * the element readers, which cannot fail on a validated span. For encoding,
 * a vector comes either from an array (arr != NULL) or, when arr is NULL, from
 * a raw span copied verbatim (so a decoded vector can be re-encoded as is). */
#ifndef ZK_JUTE_H
#define ZK_JUTE_H
#include <stddef.h>
#include <stdint.h>

/* jute.maxbuffer default: frames and single strings/buffers above it fail. */
#define JUTE_MAXBUFFER 0xfffff

/* ---- constants ---------------------------------------------------------- */

enum jute_op {
	OP_NOTIFICATION = 0, OP_CREATE = 1, OP_DELETE = 2, OP_EXISTS = 3,
	OP_GETDATA = 4, OP_SETDATA = 5, OP_GETACL = 6, OP_SETACL = 7,
	OP_GETCHILDREN = 8, OP_SYNC = 9, OP_PING = 11, OP_GETCHILDREN2 = 12,
	OP_CHECK = 13, OP_MULTI = 14, OP_CREATE2 = 15, OP_RECONFIG = 16,
	OP_CHECKWATCHES = 17, OP_REMOVEWATCHES = 18, OP_CREATECONTAINER = 19,
	OP_DELETECONTAINER = 20, OP_CREATETTL = 21, OP_MULTIREAD = 22,
	OP_AUTH = 100, OP_SETWATCHES = 101, OP_SASL = 102,
	OP_GETEPHEMERALS = 103, OP_GETALLCHILDRENNUMBER = 104,
	OP_SETWATCHES2 = 105, OP_ADDWATCH = 106, OP_WHOAMI = 107,
	OP_CREATESESSION = -10, OP_CLOSESESSION = -11, OP_ERROR = -1
};

enum jute_err {
	ZOK = 0, ZSYSTEMERROR = -1, ZRUNTIMEINCONSISTENCY = -2,
	ZDATAINCONSISTENCY = -3, ZCONNECTIONLOSS = -4, ZMARSHALLINGERROR = -5,
	ZUNIMPLEMENTED = -6, ZOPERATIONTIMEOUT = -7, ZBADARGUMENTS = -8,
	ZINVALIDSTATE = -9, ZUNKNOWNSESSION = -12, ZNEWCONFIGNOQUORUM = -13,
	ZRECONFIGINPROGRESS = -14, ZSSLCONNECTIONERROR = -15,
	ZAPIERROR = -100, ZNONODE = -101, ZNOAUTH = -102, ZBADVERSION = -103,
	ZNOCHILDRENFOREPHEMERALS = -108, ZNODEEXISTS = -110, ZNOTEMPTY = -111,
	ZSESSIONEXPIRED = -112, ZINVALIDCALLBACK = -113, ZINVALIDACL = -114,
	ZAUTHFAILED = -115, ZCLOSING = -116, ZNOTHING = -117,
	ZSESSIONMOVED = -118, ZNOTREADONLY = -119,
	ZEPHEMERALONLOCALSESSION = -120, ZNOWATCHER = -121,
	ZREQUESTTIMEOUT = -122, ZRECONFIGDISABLED = -123,
	ZSESSIONCLOSEDREQUIRESASLAUTH = -124, ZQUOTAEXCEEDED = -125,
	ZTHROTTLEDOP = -127
};

/* Special xids. */
enum {
	XID_NOTIFICATION = -1, XID_PING = -2, XID_AUTH = -4, XID_SETWATCHES = -8
};

/* WatcherEvent.type */
enum jute_event {
	EV_NONE = -1, EV_CREATED = 1, EV_DELETED = 2, EV_DATA_CHANGED = 3,
	EV_CHILDREN_CHANGED = 4, EV_DATA_WATCH_REMOVED = 5,
	EV_CHILD_WATCH_REMOVED = 6, EV_PERSISTENT_WATCH_REMOVED = 7
};

/* WatcherEvent.state (KeeperState) */
enum jute_state {
	ST_UNKNOWN = -1, ST_DISCONNECTED = 0, ST_NOSYNC_CONNECTED = 1,
	ST_SYNC_CONNECTED = 3, ST_AUTH_FAILED = 4, ST_CONNECTED_READONLY = 5,
	ST_SASL_AUTHENTICATED = 6, ST_EXPIRED = -112, ST_CLOSED = 7
};

/* CreateRequest.flags */
enum jute_create_mode {
	CM_PERSISTENT = 0, CM_EPHEMERAL = 1, CM_PERSISTENT_SEQUENTIAL = 2,
	CM_EPHEMERAL_SEQUENTIAL = 3, CM_CONTAINER = 4,
	CM_PERSISTENT_WITH_TTL = 5, CM_PERSISTENT_SEQUENTIAL_WITH_TTL = 6
};

/* ACL.perms bits */
enum {
	PERM_READ = 1, PERM_WRITE = 2, PERM_CREATE = 4, PERM_DELETE = 8,
	PERM_ADMIN = 16, PERM_ALL = 31
};

/* checkWatches/removeWatches type; addWatch mode */
enum { WT_CHILDREN = 1, WT_DATA = 2, WT_ANY = 3, WT_PERSISTENT = 4,
	WT_PERSISTENT_RECURSIVE = 5 };
enum { AW_PERSISTENT = 0, AW_PERSISTENT_RECURSIVE = 1 };

/* "NoNode" (Java KeeperException.Code name) for ZNONODE; "Unknown" if none. */
const char *jute_err_name(int err);
/* "NONODE" (upper-case identifier) for ZNONODE; "UNKNOWN" if none. */
const char *jute_err_ident(int err);
/* "create", "getData", ... for an opcode; "unknown" if none. */
const char *jute_op_name(int op);
/* "NodeCreated", ... for an event type; "None" for -1, "Unknown" else. */
const char *jute_event_name(int type);
/* "SyncConnected", ... for a KeeperState. */
const char *jute_state_name(int state);

/* ---- primitives --------------------------------------------------------- */

/* (ptr,len) view of a string or buffer; len -1 = null (ptr NULL). */
struct jute_bytes {
	const uint8_t *p;
	int32_t len;
};

/* A view of a NUL-terminated C string (NULL gives a null jute string, which
 * the encoder writes as length 0 for strings and -1 for buffers: see below). */
struct jute_bytes jute_cstr(const char *s);
struct jute_bytes jute_mem(const void *p, size_t n);
#define JUTE_NULL ((struct jute_bytes){ NULL, -1 })

/* Copy a decoded string into dst (cap bytes incl. NUL). Returns 0, or -1 if
 * it is null, does not fit, or contains a NUL byte. */
int jute_bytes_cstr(const struct jute_bytes *s, char *dst, size_t cap);
/* 1 if both are equal (null equals only null). */
int jute_bytes_eq(const struct jute_bytes *a, const char *s);

struct jute_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max;		/* hard limit on len */
	int err;		/* sticky: over max, or out of memory */
	int fixed;		/* p is caller storage, never grown or freed */
};

/* Heap buffer that may grow up to max bytes (0 = JUTE_MAXBUFFER + 4). */
void jute_buf_init(struct jute_buf *b, size_t max);
/* Buffer over caller storage; never grows. */
void jute_buf_init_fixed(struct jute_buf *b, void *mem, size_t cap);
void jute_buf_free(struct jute_buf *b);
/* Empty it (and clear err) but keep the storage. */
void jute_buf_reset(struct jute_buf *b);

void jute_put_raw(struct jute_buf *b, const void *p, size_t n);
void jute_put_byte(struct jute_buf *b, int8_t v);
void jute_put_bool(struct jute_buf *b, int v);
void jute_put_int(struct jute_buf *b, int32_t v);
void jute_put_long(struct jute_buf *b, int64_t v);
/* Buffer: null (len -1) is written as -1. */
void jute_put_buf(struct jute_buf *b, struct jute_bytes v);
/* String: a null view is written as "" (length 0): never send null strings,
 * the C client cannot decode them. */
void jute_put_str(struct jute_buf *b, struct jute_bytes v);
void jute_put_cstr(struct jute_buf *b, const char *s);

/* Build a frame in place: off = jute_frame_begin(b) reserves the 4-byte length,
 * append the payload, then jute_frame_end(b, off) patches the length. */
size_t jute_frame_begin(struct jute_buf *b);
void jute_frame_end(struct jute_buf *b, size_t off);

struct jute_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	size_t max;		/* cap on string/buffer/vector lengths */
	int err;		/* sticky */
};

/* max 0 = JUTE_MAXBUFFER. */
void jute_rd_init(struct jute_rd *r, const void *p, size_t len, size_t max);
/* 0 if no error and every byte was consumed, else -1. */
int jute_rd_done(const struct jute_rd *r);
/* Bytes left (0 after an error). */
size_t jute_rd_left(const struct jute_rd *r);

int8_t jute_get_byte(struct jute_rd *r);
int jute_get_bool(struct jute_rd *r);		/* any non-zero is true */
int32_t jute_get_int(struct jute_rd *r);
int64_t jute_get_long(struct jute_rd *r);
/* Buffer or string: length -1 gives a null view; < -1 or > max is an error. */
struct jute_bytes jute_get_buf(struct jute_rd *r);
struct jute_bytes jute_get_str(struct jute_rd *r);
/* Frame length prefix: 0 if a complete frame of *len payload bytes starts at
 * p (n bytes available), 1 if more bytes are needed, -1 if the length is
 * negative or above max. */
int jute_frame_peek(const void *p, size_t n, size_t max, uint32_t *len);

/* ---- records: Stat, Id, ACL ------------------------------------------- */

#define JUTE_STAT_LEN 68

struct jute_stat {
	int64_t czxid, mzxid, ctime, mtime;
	int32_t version, cversion, aversion;
	int64_t ephemeral_owner;
	int32_t data_length, num_children;
	int64_t pzxid;
};

struct jute_id {
	struct jute_bytes scheme;
	struct jute_bytes id;
};

struct jute_acl {
	int32_t perms;
	struct jute_id id;
};

/* A vector<ACL>: n entries, from arr (encode) or from a raw validated span
 * (decode; arr NULL). A decoded count of -1 (null) is reported as n = -1. */
struct jute_acls {
	int32_t n;
	const struct jute_acl *arr;
	const uint8_t *raw;
	size_t rawlen;
};

/* A vector<ustring>, same rules. */
struct jute_strs {
	int32_t n;
	const struct jute_bytes *arr;
	const uint8_t *raw;
	size_t rawlen;
};

/* Iterate a decoded vector: jute_vec_rd(&r, v.raw, v.rawlen) then call
 * jute_get_acl()/jute_get_str() v.n times. */
void jute_vec_rd(struct jute_rd *r, const uint8_t *raw, size_t rawlen);

void jute_enc_stat(struct jute_buf *b, const struct jute_stat *s);
void jute_dec_stat(struct jute_rd *r, struct jute_stat *s);
void jute_enc_id(struct jute_buf *b, const struct jute_id *id);
void jute_dec_id(struct jute_rd *r, struct jute_id *id);
void jute_enc_acl(struct jute_buf *b, const struct jute_acl *a);
void jute_dec_acl(struct jute_rd *r, struct jute_acl *a);
#define jute_get_acl jute_dec_acl
/* A null vector is written as an empty one (C clients cannot read -1). */
void jute_enc_acls(struct jute_buf *b, const struct jute_acls *v);
void jute_dec_acls(struct jute_rd *r, struct jute_acls *v);
void jute_enc_strs(struct jute_buf *b, const struct jute_strs *v);
void jute_dec_strs(struct jute_rd *r, struct jute_strs *v);

/* ---- handshake and headers ---------------------------------------------- */

#define JUTE_PASSWD_LEN 16

struct jute_connect_req {
	int32_t protocol_version;
	int64_t last_zxid_seen;
	int32_t timeout;
	int64_t session_id;
	struct jute_bytes passwd;
	int has_readonly;	/* 45-byte form (trailing readOnly byte) */
	int readonly;
};

struct jute_connect_resp {
	int32_t protocol_version;
	int32_t timeout;	/* 0: session invalid or expired */
	int64_t session_id;
	struct jute_bytes passwd;
	int has_readonly;
	int readonly;
};

struct jute_req_hdr {
	int32_t xid;
	int32_t type;
};

struct jute_reply_hdr {
	int32_t xid;
	int64_t zxid;
	int32_t err;
};

/* Decoders of whole-frame records (connect) also check exact consumption and
 * set r->err on trailing bytes. */
void jute_enc_connect_req(struct jute_buf *b, const struct jute_connect_req *c);
void jute_dec_connect_req(struct jute_rd *r, struct jute_connect_req *c);
void jute_enc_connect_resp(struct jute_buf *b, const struct jute_connect_resp *c);
void jute_dec_connect_resp(struct jute_rd *r, struct jute_connect_resp *c);
void jute_enc_req_hdr(struct jute_buf *b, const struct jute_req_hdr *h);
void jute_dec_req_hdr(struct jute_rd *r, struct jute_req_hdr *h);
void jute_enc_reply_hdr(struct jute_buf *b, const struct jute_reply_hdr *h);
void jute_dec_reply_hdr(struct jute_rd *r, struct jute_reply_hdr *h);

/* ---- request records ---------------------------------------------------- */

/* create (1), create2 (15), createContainer (19); createTTL (21) adds ttl.
 * jute_enc_create_req writes ttl only when with_ttl is set. */
struct jute_create_req {
	struct jute_bytes path;
	struct jute_bytes data;
	struct jute_acls acl;
	int32_t flags;
	int64_t ttl;
};
void jute_enc_create_req(struct jute_buf *b, const struct jute_create_req *c, int with_ttl);
void jute_dec_create_req(struct jute_rd *r, struct jute_create_req *c, int with_ttl);

/* delete (2), check (13): path + version. */
struct jute_path_version {
	struct jute_bytes path;
	int32_t version;
};
void jute_enc_path_version(struct jute_buf *b, const struct jute_path_version *d);
void jute_dec_path_version(struct jute_rd *r, struct jute_path_version *d);

/* exists (3), getData (4), getChildren (8), getChildren2 (12). */
struct jute_path_watch {
	struct jute_bytes path;
	int watch;
};
void jute_enc_path_watch(struct jute_buf *b, const struct jute_path_watch *p);
void jute_dec_path_watch(struct jute_rd *r, struct jute_path_watch *p);

/* getACL (6), sync (9), getAllChildrenNumber (104), getEphemerals (103):
 * a lone ustring; also CreateResponse and SyncResponse. */
void jute_enc_path(struct jute_buf *b, struct jute_bytes path);
void jute_dec_path(struct jute_rd *r, struct jute_bytes *path);

/* setData (5). */
struct jute_set_data_req {
	struct jute_bytes path;
	struct jute_bytes data;
	int32_t version;
};
void jute_enc_set_data_req(struct jute_buf *b, const struct jute_set_data_req *s);
void jute_dec_set_data_req(struct jute_rd *r, struct jute_set_data_req *s);

/* setACL (7). */
struct jute_set_acl_req {
	struct jute_bytes path;
	struct jute_acls acl;
	int32_t version;
};
void jute_enc_set_acl_req(struct jute_buf *b, const struct jute_set_acl_req *s);
void jute_dec_set_acl_req(struct jute_rd *r, struct jute_set_acl_req *s);

/* reconfig (16). */
struct jute_reconfig_req {
	struct jute_bytes joining, leaving, new_members;
	int64_t cur_config_id;
};
void jute_enc_reconfig_req(struct jute_buf *b, const struct jute_reconfig_req *c);
void jute_dec_reconfig_req(struct jute_rd *r, struct jute_reconfig_req *c);

/* checkWatches (17) / removeWatches (18): path + WT_*; addWatch (106):
 * path + AW_*. Same layout. */
struct jute_path_type {
	struct jute_bytes path;
	int32_t type;
};
void jute_enc_path_type(struct jute_buf *b, const struct jute_path_type *p);
void jute_dec_path_type(struct jute_rd *r, struct jute_path_type *p);

/* setWatches (101); setWatches2 (105) adds the two persistent lists. */
struct jute_set_watches {
	int64_t relative_zxid;
	struct jute_strs data, exist, child;
	struct jute_strs persistent, persistent_recursive;
};
void jute_enc_set_watches(struct jute_buf *b, const struct jute_set_watches *s, int v2);
void jute_dec_set_watches(struct jute_rd *r, struct jute_set_watches *s, int v2);

/* auth (100), sent with xid -4. */
struct jute_auth {
	int32_t type;
	struct jute_bytes scheme;
	struct jute_bytes auth;
};
void jute_enc_auth(struct jute_buf *b, const struct jute_auth *a);
void jute_dec_auth(struct jute_rd *r, struct jute_auth *a);

/* sasl (102) request and SetSASLResponse: one buffer. */
void jute_enc_buffer(struct jute_buf *b, struct jute_bytes token);
void jute_dec_buffer(struct jute_rd *r, struct jute_bytes *token);

/* ---- response records --------------------------------------------------- */

/* Create2Response (15, 19, 21). CreateResponse is jute_enc_path. */
struct jute_create2_resp {
	struct jute_bytes path;
	struct jute_stat stat;
};
void jute_enc_create2_resp(struct jute_buf *b, const struct jute_create2_resp *c);
void jute_dec_create2_resp(struct jute_rd *r, struct jute_create2_resp *c);

/* ExistsResponse, SetDataResponse, SetACLResponse: jute_enc_stat alone. */

struct jute_get_data_resp {
	struct jute_bytes data;
	struct jute_stat stat;
};
void jute_enc_get_data_resp(struct jute_buf *b, const struct jute_get_data_resp *g);
void jute_dec_get_data_resp(struct jute_rd *r, struct jute_get_data_resp *g);

struct jute_get_acl_resp {
	struct jute_acls acl;
	struct jute_stat stat;
};
void jute_enc_get_acl_resp(struct jute_buf *b, const struct jute_get_acl_resp *g);
void jute_dec_get_acl_resp(struct jute_rd *r, struct jute_get_acl_resp *g);

/* GetChildrenResponse (with_stat 0), GetChildren2Response (with_stat 1);
 * GetEphemeralsResponse is a GetChildrenResponse of full paths. */
struct jute_children_resp {
	struct jute_strs children;
	struct jute_stat stat;
};
void jute_enc_children_resp(struct jute_buf *b, const struct jute_children_resp *c, int with_stat);
void jute_dec_children_resp(struct jute_rd *r, struct jute_children_resp *c, int with_stat);

/* GetAllChildrenNumberResponse, ErrorResponse, AddWatch reply: one int. */
void jute_enc_int_resp(struct jute_buf *b, int32_t v);
void jute_dec_int_resp(struct jute_rd *r, int32_t *v);

/* WhoAmIResponse: vector<ClientInfo{scheme, user}>, as a raw span of n
 * jute_id records (decode) or an array (encode). */
struct jute_whoami_resp {
	int32_t n;
	const struct jute_id *arr;
	const uint8_t *raw;
	size_t rawlen;
};
void jute_enc_whoami_resp(struct jute_buf *b, const struct jute_whoami_resp *w);
void jute_dec_whoami_resp(struct jute_rd *r, struct jute_whoami_resp *w);

/* Notification body (after ReplyHeader{-1, zxid, 0}). */
struct jute_watcher_event {
	int32_t type;
	int32_t state;
	struct jute_bytes path;
};
void jute_enc_watcher_event(struct jute_buf *b, const struct jute_watcher_event *e);
void jute_dec_watcher_event(struct jute_rd *r, struct jute_watcher_event *e);

/* ---- multi (14) / multiRead (22) ---------------------------------------- */

struct jute_multi_hdr {
	int32_t type;
	int done;
	int32_t err;
};
void jute_enc_multi_hdr(struct jute_buf *b, const struct jute_multi_hdr *h);
void jute_dec_multi_hdr(struct jute_rd *r, struct jute_multi_hdr *h);

/* One sub-operation of a multi request, decoded by its MultiHeader type.
 * Only the member matching op is set. */
struct jute_multi_op {
	int32_t op;
	union {
		struct jute_create_req create;		/* 1, 15, 19, 21 */
		struct jute_path_version pv;		/* 2 (delete), 13 (check) */
		struct jute_set_data_req set_data;	/* 5 */
		struct jute_path_watch read;		/* 4, 8 (multiRead) */
	} u;
};

/* Request side. Build: jute_multi_put_op() per op, then jute_multi_end().
 * Parse: call jute_multi_next() until it returns 0 (terminator reached) or
 * -1 (bad input: r->err is set, or the op type is not allowed; for the
 * latter *bad_type is set so the server can answer MarshallingError).
 * read_only selects the multiRead op set (4, 8) instead of the write set
 * (1, 2, 5, 13, 15, 19, 21). Returns 1 with *op filled for each op. */
void jute_multi_put_op(struct jute_buf *b, const struct jute_multi_op *op);
void jute_multi_end(struct jute_buf *b);
int jute_multi_next(struct jute_rd *r, int read_only, struct jute_multi_op *op, int *bad_type);

/* Response side. One sub-result: type is the result type (1, 15, 2, 5, 13,
 * 4, 8 or -1 for an error); err its code (0 ok); the body member matching
 * type is set (error: err only). */
struct jute_multi_result {
	int32_t type;
	int32_t err;
	union {
		struct jute_bytes path;			/* 1 */
		struct jute_create2_resp create2;	/* 15 */
		struct jute_stat stat;			/* 5 */
		struct jute_get_data_resp get_data;	/* 4 */
		struct jute_children_resp children;	/* 8 (stat unused) */
	} u;
};
/* Build: jute_multi_put_result() per op, then jute_multi_end(). */
void jute_multi_put_result(struct jute_buf *b, const struct jute_multi_result *res);
/* Parse: 1 per result, 0 at the terminator, -1 on bad input. */
int jute_multi_next_result(struct jute_rd *r, struct jute_multi_result *res);

#endif
