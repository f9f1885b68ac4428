/* jute.c: jute primitives (bounded writer, checked reader) and the name
 * tables for error codes, opcodes, events and states. Records: jute_rec.c. */
#include <stdlib.h>
#include <string.h>
#include "jute.h"

/* ---- names -------------------------------------------------------------- */

struct jute_name { int code; const char *name; const char *ident; };

static const struct jute_name err_names[] = {
	{ ZOK, "OK", "OK" },
	{ ZSYSTEMERROR, "SystemError", "SYSTEMERROR" },
	{ ZRUNTIMEINCONSISTENCY, "RuntimeInconsistency", "RUNTIMEINCONSISTENCY" },
	{ ZDATAINCONSISTENCY, "DataInconsistency", "DATAINCONSISTENCY" },
	{ ZCONNECTIONLOSS, "ConnectionLoss", "CONNECTIONLOSS" },
	{ ZMARSHALLINGERROR, "MarshallingError", "MARSHALLINGERROR" },
	{ ZUNIMPLEMENTED, "Unimplemented", "UNIMPLEMENTED" },
	{ ZOPERATIONTIMEOUT, "OperationTimeout", "OPERATIONTIMEOUT" },
	{ ZBADARGUMENTS, "BadArguments", "BADARGUMENTS" },
	{ ZINVALIDSTATE, "InvalidState", "INVALIDSTATE" },
	{ ZUNKNOWNSESSION, "UnknownSession", "UNKNOWNSESSION" },
	{ ZNEWCONFIGNOQUORUM, "NewConfigNoQuorum", "NEWCONFIGNOQUORUM" },
	{ ZRECONFIGINPROGRESS, "ReconfigInProgress", "RECONFIGINPROGRESS" },
	{ ZSSLCONNECTIONERROR, "SslConnectionError", "SSLCONNECTIONERROR" },
	{ ZAPIERROR, "APIError", "APIERROR" },
	{ ZNONODE, "NoNode", "NONODE" },
	{ ZNOAUTH, "NoAuth", "NOAUTH" },
	{ ZBADVERSION, "BadVersion", "BADVERSION" },
	{ ZNOCHILDRENFOREPHEMERALS, "NoChildrenForEphemerals", "NOCHILDRENFOREPHEMERALS" },
	{ ZNODEEXISTS, "NodeExists", "NODEEXISTS" },
	{ ZNOTEMPTY, "NotEmpty", "NOTEMPTY" },
	{ ZSESSIONEXPIRED, "SessionExpired", "SESSIONEXPIRED" },
	{ ZINVALIDCALLBACK, "InvalidCallback", "INVALIDCALLBACK" },
	{ ZINVALIDACL, "InvalidACL", "INVALIDACL" },
	{ ZAUTHFAILED, "AuthFailed", "AUTHFAILED" },
	{ ZCLOSING, "Closing", "CLOSING" },
	{ ZNOTHING, "Nothing", "NOTHING" },
	{ ZSESSIONMOVED, "SessionMoved", "SESSIONMOVED" },
	{ ZNOTREADONLY, "NotReadOnly", "NOTREADONLY" },
	{ ZEPHEMERALONLOCALSESSION, "EphemeralOnLocalSession", "EPHEMERALONLOCALSESSION" },
	{ ZNOWATCHER, "NoWatcher", "NOWATCHER" },
	{ ZREQUESTTIMEOUT, "RequestTimeout", "REQUESTTIMEOUT" },
	{ ZRECONFIGDISABLED, "ReconfigDisabled", "RECONFIGDISABLED" },
	{ ZSESSIONCLOSEDREQUIRESASLAUTH, "SessionClosedRequireSaslAuth", "SESSIONCLOSEDREQUIRESASLAUTH" },
	{ ZQUOTAEXCEEDED, "QuotaExceeded", "QUOTAEXCEEDED" },
	{ ZTHROTTLEDOP, "ThrottledOp", "THROTTLEDOP" },
};

static const struct jute_name op_names[] = {
	{ OP_NOTIFICATION, "notification", NULL }, { OP_CREATE, "create", NULL },
	{ OP_DELETE, "delete", NULL }, { OP_EXISTS, "exists", NULL },
	{ OP_GETDATA, "getData", NULL }, { OP_SETDATA, "setData", NULL },
	{ OP_GETACL, "getACL", NULL }, { OP_SETACL, "setACL", NULL },
	{ OP_GETCHILDREN, "getChildren", NULL }, { OP_SYNC, "sync", NULL },
	{ OP_PING, "ping", NULL }, { OP_GETCHILDREN2, "getChildren2", NULL },
	{ OP_CHECK, "check", NULL }, { OP_MULTI, "multi", NULL },
	{ OP_CREATE2, "create2", NULL }, { OP_RECONFIG, "reconfig", NULL },
	{ OP_CHECKWATCHES, "checkWatches", NULL },
	{ OP_REMOVEWATCHES, "removeWatches", NULL },
	{ OP_CREATECONTAINER, "createContainer", NULL },
	{ OP_DELETECONTAINER, "deleteContainer", NULL },
	{ OP_CREATETTL, "createTTL", NULL }, { OP_MULTIREAD, "multiRead", NULL },
	{ OP_AUTH, "auth", NULL }, { OP_SETWATCHES, "setWatches", NULL },
	{ OP_SASL, "sasl", NULL }, { OP_GETEPHEMERALS, "getEphemerals", NULL },
	{ OP_GETALLCHILDRENNUMBER, "getAllChildrenNumber", NULL },
	{ OP_SETWATCHES2, "setWatches2", NULL }, { OP_ADDWATCH, "addWatch", NULL },
	{ OP_WHOAMI, "whoAmI", NULL }, { OP_CREATESESSION, "createSession", NULL },
	{ OP_CLOSESESSION, "closeSession", NULL }, { OP_ERROR, "error", NULL },
};

static const struct jute_name event_names[] = {
	{ EV_NONE, "None", NULL }, { EV_CREATED, "NodeCreated", NULL },
	{ EV_DELETED, "NodeDeleted", NULL },
	{ EV_DATA_CHANGED, "NodeDataChanged", NULL },
	{ EV_CHILDREN_CHANGED, "NodeChildrenChanged", NULL },
	{ EV_DATA_WATCH_REMOVED, "DataWatchRemoved", NULL },
	{ EV_CHILD_WATCH_REMOVED, "ChildWatchRemoved", NULL },
	{ EV_PERSISTENT_WATCH_REMOVED, "PersistentWatchRemoved", NULL },
};

static const struct jute_name state_names[] = {
	{ ST_UNKNOWN, "Unknown", NULL }, { ST_DISCONNECTED, "Disconnected", NULL },
	{ ST_NOSYNC_CONNECTED, "NoSyncConnected", NULL },
	{ ST_SYNC_CONNECTED, "SyncConnected", NULL },
	{ ST_AUTH_FAILED, "AuthFailed", NULL },
	{ ST_CONNECTED_READONLY, "ConnectedReadOnly", NULL },
	{ ST_SASL_AUTHENTICATED, "SaslAuthenticated", NULL },
	{ ST_EXPIRED, "Expired", NULL }, { ST_CLOSED, "Closed", NULL },
};

static const struct jute_name *find(const struct jute_name *t, size_t n, int code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return &t[i];
	return NULL;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *jute_err_name(int err)
{
	const struct jute_name *n = find(err_names, NELEM(err_names), err);
	return n ? n->name : "Unknown";
}

const char *jute_err_ident(int err)
{
	const struct jute_name *n = find(err_names, NELEM(err_names), err);
	return n ? n->ident : "UNKNOWN";
}

const char *jute_op_name(int op)
{
	const struct jute_name *n = find(op_names, NELEM(op_names), op);
	return n ? n->name : "unknown";
}

const char *jute_event_name(int type)
{
	const struct jute_name *n = find(event_names, NELEM(event_names), type);
	return n ? n->name : "Unknown";
}

const char *jute_state_name(int state)
{
	const struct jute_name *n = find(state_names, NELEM(state_names), state);
	return n ? n->name : "Unknown";
}

/* ---- views -------------------------------------------------------------- */

struct jute_bytes jute_cstr(const char *s)
{
	struct jute_bytes v = JUTE_NULL;
	size_t n;

	if (s == NULL)
		return v;
	n = strlen(s);
	v.p = (const uint8_t *)s;
	v.len = n > INT32_MAX ? INT32_MAX : (int32_t)n;
	return v;
}

struct jute_bytes jute_mem(const void *p, size_t n)
{
	struct jute_bytes v;

	v.p = p;
	v.len = n > INT32_MAX ? INT32_MAX : (int32_t)n;
	return v;
}

int jute_bytes_cstr(const struct jute_bytes *s, char *dst, size_t cap)
{
	if (s->len < 0 || (size_t)s->len >= cap)
		return -1;
	if (s->len > 0 && memchr(s->p, '\0', (size_t)s->len) != NULL)
		return -1;
	if (s->len > 0)
		memcpy(dst, s->p, (size_t)s->len);
	dst[s->len] = '\0';
	return 0;
}

int jute_bytes_eq(const struct jute_bytes *a, const char *s)
{
	if (s == NULL || a->len < 0)
		return s == NULL && a->len < 0;
	return strlen(s) == (size_t)a->len &&
	    (a->len == 0 || memcmp(a->p, s, (size_t)a->len) == 0);
}

/* ---- writer ------------------------------------------------------------- */

void jute_buf_init(struct jute_buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max ? max : JUTE_MAXBUFFER + 4;
}

void jute_buf_init_fixed(struct jute_buf *b, void *mem, size_t cap)
{
	memset(b, 0, sizeof *b);
	b->p = mem;
	b->cap = cap;
	b->max = cap;
	b->fixed = 1;
}

void jute_buf_free(struct jute_buf *b)
{
	if (!b->fixed)
		free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void jute_buf_reset(struct jute_buf *b)
{
	b->len = 0;
	b->err = 0;
}

/* Make room for n more bytes; doubling keeps appends amortized O(1). */
static int reserve(struct jute_buf *b, size_t n)
{
	size_t want, ncap;
	uint8_t *np;

	if (b->err)
		return -1;
	if (n > b->max || b->len > b->max - n) {
		b->err = 1;
		return -1;
	}
	want = b->len + n;
	if (want <= b->cap)
		return 0;
	if (b->fixed) {
		b->err = 1;
		return -1;
	}
	ncap = b->cap ? b->cap : 256;
	while (ncap < want)
		ncap *= 2;
	if (ncap > b->max)
		ncap = b->max;
	np = realloc(b->p, ncap);
	if (np == NULL) {
		b->err = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

void jute_put_raw(struct jute_buf *b, const void *p, size_t n)
{
	if (reserve(b, n) < 0)
		return;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

void jute_put_byte(struct jute_buf *b, int8_t v)
{
	jute_put_raw(b, &v, 1);
}

void jute_put_bool(struct jute_buf *b, int v)
{
	jute_put_byte(b, v ? 1 : 0);
}

static void be32(uint8_t *o, uint32_t v)
{
	o[0] = (uint8_t)(v >> 24);
	o[1] = (uint8_t)(v >> 16);
	o[2] = (uint8_t)(v >> 8);
	o[3] = (uint8_t)v;
}

void jute_put_int(struct jute_buf *b, int32_t v)
{
	uint8_t o[4];

	be32(o, (uint32_t)v);
	jute_put_raw(b, o, 4);
}

void jute_put_long(struct jute_buf *b, int64_t v)
{
	uint8_t o[8];

	be32(o, (uint32_t)((uint64_t)v >> 32));
	be32(o + 4, (uint32_t)v);
	jute_put_raw(b, o, 8);
}

void jute_put_buf(struct jute_buf *b, struct jute_bytes v)
{
	if (v.len < 0 || v.p == NULL) {
		jute_put_int(b, v.len < 0 ? -1 : 0);
		return;
	}
	jute_put_int(b, v.len);
	jute_put_raw(b, v.p, (size_t)v.len);
}

void jute_put_str(struct jute_buf *b, struct jute_bytes v)
{
	if (v.len <= 0 || v.p == NULL) {
		jute_put_int(b, 0);
		return;
	}
	jute_put_int(b, v.len);
	jute_put_raw(b, v.p, (size_t)v.len);
}

void jute_put_cstr(struct jute_buf *b, const char *s)
{
	jute_put_str(b, jute_cstr(s));
}

size_t jute_frame_begin(struct jute_buf *b)
{
	size_t off = b->len;

	jute_put_int(b, 0);
	return off;
}

void jute_frame_end(struct jute_buf *b, size_t off)
{
	if (b->err || off + 4 > b->len)
		return;
	be32(b->p + off, (uint32_t)(b->len - off - 4));
}

/* ---- reader ------------------------------------------------------------- */

void jute_rd_init(struct jute_rd *r, const void *p, size_t len, size_t max)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->max = max ? max : JUTE_MAXBUFFER;
	r->err = 0;
}

int jute_rd_done(const struct jute_rd *r)
{
	return (r->err || r->off != r->len) ? -1 : 0;
}

size_t jute_rd_left(const struct jute_rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* Pointer to n bytes at the cursor, advancing it; NULL (and err) if short. */
static const uint8_t *take(struct jute_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > r->len - r->off) {
		r->err = 1;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int8_t jute_get_byte(struct jute_rd *r)
{
	const uint8_t *p = take(r, 1);
	return p ? (int8_t)p[0] : 0;
}

int jute_get_bool(struct jute_rd *r)
{
	return jute_get_byte(r) != 0;
}

int32_t jute_get_int(struct jute_rd *r)
{
	const uint8_t *p = take(r, 4);
	return p ? (int32_t)rd32(p) : 0;
}

int64_t jute_get_long(struct jute_rd *r)
{
	const uint8_t *p = take(r, 8);
	return p ? (int64_t)((uint64_t)rd32(p) << 32 | rd32(p + 4)) : 0;
}

struct jute_bytes jute_get_buf(struct jute_rd *r)
{
	struct jute_bytes v = JUTE_NULL;
	int32_t n = jute_get_int(r);

	if (r->err)
		return v;
	if (n == -1)
		return v;
	if (n < -1 || (size_t)n > r->max) {
		r->err = 1;
		return v;
	}
	v.p = take(r, (size_t)n);
	if (v.p == NULL)
		return JUTE_NULL;
	v.len = n;
	return v;
}

struct jute_bytes jute_get_str(struct jute_rd *r)
{
	return jute_get_buf(r);
}

int jute_frame_peek(const void *p, size_t n, size_t max, uint32_t *len)
{
	int32_t l;

	if (n < 4)
		return 1;
	l = (int32_t)rd32(p);
	if (l < 0 || (size_t)l > (max ? max : JUTE_MAXBUFFER))
		return -1;
	*len = (uint32_t)l;
	return n - 4 >= (size_t)l ? 0 : 1;
}
