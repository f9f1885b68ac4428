/* ops.c: requests of an open connection: classify by opcode, keep the
 * per-connection FIFO so replies leave in request order, run reads when they
 * reach the head of the FIFO, pipeline writes to zk-zabd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gw.h"
#include "log.h"

enum op_kind { K_READ, K_WRITE, K_PING, K_AUTH, K_REPLY_ERR, K_UNKNOWN };

static enum op_kind op_kind(int32_t op, int32_t *err)
{
	switch (op) {
	case OP_PING:
		return K_PING;
	case OP_AUTH:
		return K_AUTH;
	case OP_CREATE: case OP_CREATE2: case OP_CREATECONTAINER:
	case OP_CREATETTL: case OP_DELETE: case OP_SETDATA: case OP_SETACL:
	case OP_MULTI: case OP_CLOSESESSION: case OP_DELETECONTAINER:
		return K_WRITE;
	case OP_EXISTS: case OP_GETDATA: case OP_GETCHILDREN:
	case OP_GETCHILDREN2: case OP_GETACL: case OP_SYNC:
	case OP_GETALLCHILDRENNUMBER: case OP_GETEPHEMERALS: case OP_WHOAMI:
	case OP_SETWATCHES: case OP_SETWATCHES2: case OP_ADDWATCH:
	case OP_CHECKWATCHES: case OP_REMOVEWATCHES: case OP_MULTIREAD:
	case OP_SASL:
		return K_READ;
	case OP_RECONFIG:
		/* reconfig is disabled by default since 3.5.3 */
		*err = ZRECONFIGDISABLED;
		return K_REPLY_ERR;
	default:
		return K_UNKNOWN;
	}
}

void ops_note_latency(struct conn *c, int64_t started_us)
{
	int64_t ms = (gw_now_us() - started_us) / 1000;

	c->last_lat = ms;
	c->last_resp_ms = gw_wall_ms();
	if (c->lat_min < 0 || ms < c->lat_min)
		c->lat_min = ms;
	if (ms > c->lat_max)
		c->lat_max = ms;
	c->lat_sum += ms;
	c->lat_n++;
	if (gw.lat_n == 0 || ms < gw.lat_min)
		gw.lat_min = ms;
	if (ms > gw.lat_max)
		gw.lat_max = ms;
	gw.lat_sum += ms;
	gw.lat_n++;
}

int ops_reply(struct conn *c, int32_t xid, int64_t zxid, int32_t err,
	      const uint8_t *body, size_t blen)
{
	uint8_t hdr[20];
	uint32_t len = (uint32_t)(16 + (err == 0 ? blen : 0));
	int i;

	for (i = 0; i < 4; i++)
		hdr[i] = (uint8_t)(len >> (24 - 8 * i));
	for (i = 0; i < 4; i++)
		hdr[4 + i] = (uint8_t)((uint32_t)xid >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		hdr[8 + i] = (uint8_t)((uint64_t)zxid >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		hdr[16 + i] = (uint8_t)((uint32_t)err >> (24 - 8 * i));
	c->sent++;
	gw.packets_sent++;
	if (conn_write(c, hdr, sizeof(hdr)) < 0)
		return -1;
	if (err == 0 && blen > 0 && conn_write(c, body, blen) < 0)
		return -1;
	return 0;
}

static struct pend *pend_new(struct conn *c, enum pend_state st, int32_t xid, int32_t op)
{
	struct pend *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->c = c;
	p->st = st;
	p->xid = xid;
	p->op = op;
	p->started_us = gw_now_us();
	return p;
}

static void pend_push(struct conn *c, struct pend *p)
{
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	c->npend++;
}

static void pend_pop(struct conn *c)
{
	struct pend *p = c->head;

	c->head = p->next;
	if (!c->head)
		c->tail = NULL;
	c->npend--;
}

static void pend_free(struct pend *p)
{
	if (p->st == PS_SENT && p->corr)
		map_del(gw.corrs, p->corr);
	free(p->frame);
	free(p->out);
	free(p);
}

void ops_free_pending(struct conn *c)
{
	while (c->head) {
		struct pend *p = c->head;

		pend_pop(c);
		pend_free(p);
	}
}

/* A reply that is ready now but must wait behind earlier requests. */
static int pend_done_copy(struct pend *p, const uint8_t *frame, size_t len)
{
	p->out = malloc(len ? len : 1);
	if (!p->out)
		return -1;
	memcpy(p->out, frame, len);
	p->out_len = len;
	p->st = PS_DONE;
	return 0;
}

static void hdr_frame(uint8_t *f, int32_t xid, int64_t zxid, int32_t err)
{
	int i;

	for (i = 0; i < 4; i++)
		f[i] = (uint8_t)(16u >> (24 - 8 * i));
	for (i = 0; i < 4; i++)
		f[4 + i] = (uint8_t)((uint32_t)xid >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		f[8 + i] = (uint8_t)((uint64_t)zxid >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		f[16 + i] = (uint8_t)((uint32_t)err >> (24 - 8 * i));
}

/* Run a read now (it is at the head of the FIFO). 0, or -1 to close. */
static int run_read(struct conn *c, int32_t xid, int32_t op, const uint8_t *body,
		    size_t blen, int64_t started_us)
{
	struct jute_buf *out = &gw.scratch;

	jute_buf_reset(out);
	if (read_op(c, xid, op, body, blen, out) < 0)
		return -1;
	if (c->dead)
		return 0;
	if (out->err) {
		/* Over our output bound (GW_OUT_HARD) or out of memory. */
		conn_close(c, "reply too large");
		return 0;
	}
	c->sent++;
	gw.packets_sent++;
	c->last_cxid = xid;
	c->last_op = op;
	c->last_zxid = gw.applied_zxid;
	ops_note_latency(c, started_us);
	/* A failed write has closed the connection; nothing more to do. */
	(void)conn_write(c, out->p, out->len);
	if (out->cap > (4u << 20)) {	/* do not keep a huge reply's buffer */
		jute_buf_free(out);
		jute_buf_init(out, GW_OUT_HARD);
	}
	return 0;
}

static int queued_read_ahead(const struct conn *c)
{
	const struct pend *p;

	for (p = c->head; p; p = p->next)
		if (p->st == PS_QUEUED)
			return 1;
	return 0;
}

static int copy_frame(struct pend *p, const uint8_t *body, size_t blen)
{
	p->frame = malloc(blen ? blen : 1);
	if (!p->frame)
		return -1;
	memcpy(p->frame, body, blen);
	p->frame_len = blen;
	return 0;
}

int ops_request(struct conn *c, const uint8_t *p, size_t n)
{
	struct jute_rd r;
	struct jute_req_hdr h;
	int32_t err = 0;
	const uint8_t *body;
	size_t blen;
	enum op_kind k;
	struct pend *pe;

	if (c->npend >= GW_MAX_PENDING)
		return 1;
	jute_rd_init(&r, p, n, 0);
	jute_dec_req_hdr(&r, &h);
	if (r.err)
		return -1;
	body = p + 8;
	blen = n - 8;
	c->touched = 1;
	k = op_kind(h.type, &err);
	if (h.type == OP_CHECK) {
		/* check belongs inside multi. Apache 3.8 answers a body it
		 * cannot decode with MarshallingError (connection kept); a
		 * decodable one is Unimplemented and the connection closes. */
		struct jute_path_version pv;

		jute_rd_init(&r, body, blen, (size_t)gw.max_buffer);
		jute_dec_path_version(&r, &pv);
		if (r.err) {
			k = K_REPLY_ERR;
			err = ZMARSHALLINGERROR;
		}
	}
	switch (k) {
	case K_UNKNOWN: {
		/* Apache: Unimplemented with zxid -1, then close. Still in order. */
		char why[64];

		snprintf(why, sizeof(why), "unknown opcode %d", h.type);
		info("%s: %s", c->peer, why);
		pe = pend_new(c, PS_DONE, h.xid, h.type);
		if (!pe)
			return -1;
		pe->out = malloc(20);
		if (!pe->out) {
			free(pe);
			return -1;
		}
		hdr_frame(pe->out, h.xid, -1, ZUNIMPLEMENTED);
		pe->out_len = 20;
		pe->close_after = 1;
		c->no_more_input = 1;
		pend_push(c, pe);
		ops_advance(c);
		return 0;
	}
	case K_AUTH: {
		struct jute_auth a;
		int rc;

		jute_rd_init(&r, body, blen, (size_t)gw.max_buffer);
		jute_dec_auth(&r, &a);
		if (jute_rd_done(&r) < 0)
			return -1;
		rc = auth_add(c, &a.scheme, &a.auth);
		/* Auth replies leave at once, out of the FIFO (zxid 0). */
		if (ops_reply(c, h.xid, 0, rc, NULL, 0) < 0)
			return 0;
		if (rc != 0)
			conn_close_after_flush(c);
		return 0;
	}
	case K_PING:
	case K_REPLY_ERR:
		if (!c->head) {
			ops_reply(c, h.xid, gw.applied_zxid, err, NULL, 0);
			return 0;
		}
		pe = pend_new(c, PS_DONE, h.xid, h.type);
		if (!pe)
			return -1;
		pe->out = malloc(20);
		if (!pe->out) {
			free(pe);
			return -1;
		}
		/* Ping zxid is filled in when it leaves; see ops_advance. */
		hdr_frame(pe->out, h.xid, gw.applied_zxid, err);
		pe->out_len = 20;
		pend_push(c, pe);
		return 0;
	case K_READ:
		if (!c->head)
			return run_read(c, h.xid, h.type, body, blen, gw_now_us());
		pe = pend_new(c, PS_QUEUED, h.xid, h.type);
		if (!pe || copy_frame(pe, body, blen) < 0) {
			free(pe);
			return -1;
		}
		pend_push(c, pe);
		return 0;
	case K_WRITE:
		pe = pend_new(c, PS_QUEUED, h.xid, h.type);
		if (!pe)
			return -1;
		if (queued_read_ahead(c)) {
			if (copy_frame(pe, body, blen) < 0) {
				free(pe);
				return -1;
			}
			pend_push(c, pe);
			return 0;
		}
		pend_push(c, pe);
		if (write_forward(c, pe, body, blen) < 0)
			return -1;
		return 0;
	}
	return -1;
}

void ops_write_done(struct pend *p, const uint8_t *frame, size_t len)
{
	if (p->corr) {
		map_del(gw.corrs, p->corr);
		p->corr = 0;
	}
	if (pend_done_copy(p, frame, len) < 0) {
		conn_close(p->c, "out of memory for a reply");
		return;
	}
	ops_mark_ready(p->c);
}

void ops_advance(struct conn *c)
{
	while (!c->dead && c->head) {
		struct pend *p = c->head, *q;

		if (p->st == PS_DONE) {
			pend_pop(c);
			if (p->op == OP_PING && p->out_len == 20)
				hdr_frame(p->out, p->xid, gw.applied_zxid, 0);
			c->sent++;
			gw.packets_sent++;
			c->last_cxid = p->xid;
			c->last_op = p->op;
			ops_note_latency(c, p->started_us);
			if (conn_write(c, p->out, p->out_len) == 0 && p->close_after)
				conn_close_after_flush(c);
			pend_free(p);
			continue;
		}
		if (p->st == PS_QUEUED && p->frame && op_kind(p->op, &(int32_t){0}) == K_READ) {
			pend_pop(c);
			if (run_read(c, p->xid, p->op, p->frame, p->frame_len, p->started_us) < 0 &&
			    !c->dead)
				conn_close(c, "malformed request");
			pend_free(p);
			continue;
		}
		/* Head is a write in flight or to be sent: send the writes that
		 * no queued read precedes, so they stay pipelined. */
		for (q = p; q; q = q->next) {
			if (q->st == PS_SENT || q->st == PS_DONE)
				continue;
			if (op_kind(q->op, &(int32_t){0}) == K_READ)
				break;
			if (write_forward(c, q, q->frame, q->frame_len) < 0) {
				conn_close(c, "cannot forward write");
				return;
			}
			free(q->frame);
			q->frame = NULL;
		}
		break;
	}
}

void ops_mark_ready(struct conn *c)
{
	if (c->in_ready || c->dead)
		return;
	c->in_ready = 1;
	c->ready_next = gw.ready;
	gw.ready = c;
}

void ops_run_ready(void)
{
	while (gw.ready) {
		struct conn *c = gw.ready;

		gw.ready = c->ready_next;
		c->in_ready = 0;
		if (c->dead)
			continue;
		if (c->overflow) {
			conn_close(c, "output backlog over limit (client not reading)");
			continue;
		}
		ops_advance(c);
		if (!c->dead)
			conn_resume(c);
	}
}
