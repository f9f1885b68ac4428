/* handshake.c: the ConnectRequest. 44- or 45-byte requests (the readOnly
 * byte is echoed only if the client sent it), new sessions through
 * zk-sessiond, reconnects checked against the sessions table, the expired
 * reply (timeOut 0) and the silent close for a client whose zxid is ahead. */
#include <stdio.h>
#include <string.h>
#include "gw.h"
#include "log.h"

/* 4-byte length + 37-byte body (36 without readOnly). */
static int send_connect_resp(struct conn *c, int32_t timeout, int64_t session,
			     const uint8_t *passwd)
{
	static const uint8_t zeros[JUTE_PASSWD_LEN];
	uint8_t mem[64];
	struct jute_buf b;
	struct jute_connect_resp r = {
		.protocol_version = 0,
		.timeout = timeout,
		.session_id = session,
		.passwd = jute_mem(passwd ? passwd : zeros, JUTE_PASSWD_LEN),
		.has_readonly = c->has_readonly,
		.readonly = 0,
	};
	size_t off;

	jute_buf_init_fixed(&b, mem, sizeof(mem));
	off = jute_frame_begin(&b);
	jute_enc_connect_resp(&b, &r);
	jute_frame_end(&b, off);
	if (b.err)
		return -1;
	c->sent++;
	gw.packets_sent++;
	return conn_write(c, b.p, b.len);
}

static int negotiate(int32_t t)
{
	const struct zk_conf *cf = &gw.d->conf;

	if (t < cf->min_session_timeout)
		t = cf->min_session_timeout;
	if (t > cf->max_session_timeout)
		t = cf->max_session_timeout;
	return t;
}

static void expired_reply(struct conn *c)
{
	if (send_connect_resp(c, 0, 0, NULL) == 0)
		conn_close_after_flush(c);
}

/* Another connection of this gateway holding the session loses it: the
 * client has moved (Apache closes the old connection, no message). */
static void steal_session(struct conn *c, int64_t session)
{
	struct conn *old = map_get(gw.sessions, (uint64_t)session);

	if (old && old != c) {
		map_del(gw.sessions, (uint64_t)session);
		conn_close(old, "session moved to another connection");
	}
}

static void open_session(struct conn *c, int64_t session, int32_t timeout,
			 const uint8_t *passwd)
{
	c->session = session;
	c->timeout = timeout;
	memcpy(c->passwd, passwd, JUTE_PASSWD_LEN);
	c->st = CS_OPEN;
	c->touched = 1;
	steal_session(c, session);
	if (map_put(gw.sessions, (uint64_t)session, c) < 0) {
		conn_close(c, "out of memory");
		return;
	}
	if (send_connect_resp(c, timeout, session, passwd) < 0)
		return;
	/* Frames pipelined behind the ConnectRequest may run now. */
	ops_mark_ready(c);
}

int hs_connect(struct conn *c, const uint8_t *p, size_t n)
{
	struct jute_rd r;
	struct jute_connect_req q;
	int64_t last;
	int32_t t, stored_to;
	uint8_t pw[JUTE_PASSWD_LEN];
	int rc;

	/* Decoded by hand: Apache takes the readOnly byte when one is left
	 * and ignores anything after it. */
	jute_rd_init(&r, p, n, (size_t)gw.max_buffer);
	q.protocol_version = jute_get_int(&r);
	q.last_zxid_seen = jute_get_long(&r);
	q.timeout = jute_get_int(&r);
	q.session_id = jute_get_long(&r);
	q.passwd = jute_get_buf(&r);
	q.has_readonly = !r.err && jute_rd_left(&r) > 0;
	q.readonly = q.has_readonly ? jute_get_bool(&r) : 0;
	if (r.err) {
		conn_close(c, "malformed ConnectRequest");
		return -1;
	}
	c->has_readonly = q.has_readonly;
	last = tree_last_zxid();
	if (last < 0) {
		conn_close(c, "not serving yet (tree not available)");
		return -1;
	}
	/* The client saw a newer state than ours: it must find another
	 * server, so close without a reply (Apache does the same). */
	if (q.last_zxid_seen > last) {
		char why[96];

		snprintf(why, sizeof(why), "client zxid 0x%llx is ahead of ours 0x%llx",
			 (unsigned long long)q.last_zxid_seen, (unsigned long long)last);
		conn_close(c, why);
		return -1;
	}
	t = negotiate(q.timeout);
	if (q.session_id == 0) {
		struct msg m;
		uint64_t corr = write_new_corr();

		msg_init(&m, MSG_SESS_CREATE, P_GW, corr);
		MSG_SET(&m, timeout, q.timeout);
		if (map_put(gw.sess_corrs, corr, c) < 0 ||
		    ipc_send(&gw.d->ipc, P_SESSIOND, &m) < 0) {
			map_del(gw.sess_corrs, corr);
			conn_close(c, "cannot ask zk-sessiond for a session");
			return -1;
		}
		c->sess_corr = corr;
		c->sess_asked_ms = gw_now_ms();
		c->st = CS_SESSION;
		c->timeout = t;
		return 0;
	}
	/* Reconnect: closing the old holder happens before the password check. */
	steal_session(c, q.session_id);
	rc = tree_session(q.session_id, &stored_to, pw);
	if (rc < 0) {
		conn_close(c, "cannot read the sessions table");
		return -1;
	}
	if (rc == 0 || q.passwd.len != JUTE_PASSWD_LEN ||
	    memcmp(q.passwd.p, pw, JUTE_PASSWD_LEN) != 0) {
		debug("%s: session 0x%llx %s", c->peer, (unsigned long long)q.session_id,
		      rc == 0 ? "unknown or expired" : "wrong password");
		expired_reply(c);
		return 0;
	}
	{
		/* The resumed session expires by the newly negotiated timeout. */
		struct msg m;
		msg_init(&m, MSG_SESS_RENEW, P_GW, 0);
		MSG_SET(&m, session, q.session_id);
		MSG_SET(&m, timeout, t);
		if (ipc_send(&gw.d->ipc, P_SESSIOND, &m) < 0)
			warnx("cannot tell zk-sessiond the new timeout of 0x%llx",
			      (unsigned long long)q.session_id);
	}
	open_session(c, q.session_id, t, pw);
	return 0;
}

void hs_session_created(struct conn *c, int64_t session, int32_t timeout,
			const uint8_t *passwd)
{
	map_del(gw.sess_corrs, c->sess_corr);
	c->sess_corr = 0;
	if (c->dead)
		return;
	open_session(c, session, timeout, passwd);
}

void hs_session_failed(struct conn *c)
{
	map_del(gw.sess_corrs, c->sess_corr);
	c->sess_corr = 0;
	conn_close(c, "session creation failed");
}
