/* test_zkclient.c: the client library against a scripted fake server on
 * loopback (a thread): the exact handshake bytes, a call and its reply,
 * a watch event, reconnection with the same session and re-registered
 * watches, pings, and session expiry. Every socket wait is bounded. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "unit.h"
#include "jute.h"
#include "zkclient.h"

#define WAIT_MS 5000

static int lfd = -1;
static int port;
static uint8_t frame[1 << 16];
static size_t frame_len;

static int listen_any(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int one = 1;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) < 0)
		return -1;
	port = ntohs(a.sin_port);
	return 0;
}

static int accept_wait(void)
{
	struct pollfd p = { lfd, POLLIN, 0 };

	if (poll(&p, 1, WAIT_MS) != 1)
		return -1;
	return accept(lfd, NULL, NULL);
}

static int read_full(int fd, uint8_t *b, size_t n)
{
	while (n) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&p, 1, WAIT_MS) != 1)
			return -1;
		r = read(fd, b, n);
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One frame from the client into `frame`; 0 or -1. */
static int srv_read(int fd)
{
	uint8_t h[4];
	uint32_t n;

	if (read_full(fd, h, 4) < 0)
		return -1;
	n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	if (n > sizeof frame)
		return -1;
	frame_len = n;
	return read_full(fd, frame, n);
}

static int srv_write(int fd, const struct jute_buf *b)
{
	return b->err || write(fd, b->p, b->len) != (ssize_t)b->len ? -1 : 0;
}

static const uint8_t srv_pw[16] = { 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab };

/* Read a ConnectRequest into *req (views into `frame`) and answer it. */
static int srv_handshake(int fd, struct jute_connect_req *req, int32_t timeout)
{
	struct jute_rd r;
	struct jute_buf b;
	struct jute_connect_resp resp = { 0, timeout, timeout ? 0x1234 : 0,
	    { srv_pw, 16 }, 1, 0 };
	size_t off;
	int rc;

	if (srv_read(fd) < 0)
		return -1;
	jute_rd_init(&r, frame, frame_len, 0);
	jute_dec_connect_req(&r, req);
	if (jute_rd_done(&r) != 0)
		return -1;
	jute_buf_init(&b, 0);
	off = jute_frame_begin(&b);
	jute_enc_connect_resp(&b, &resp);
	jute_frame_end(&b, off);
	rc = srv_write(fd, &b);
	jute_buf_free(&b);
	return rc;
}

/* Read one request; its header into *h and a reader over its body. */
static int srv_request(int fd, struct jute_req_hdr *h, struct jute_rd *body)
{
	if (srv_read(fd) < 0)
		return -1;
	jute_rd_init(body, frame, frame_len, 0);
	jute_dec_req_hdr(body, h);
	return body->err ? -1 : 0;
}

static void srv_reply(int fd, int32_t xid, int64_t zxid, int32_t err, const struct jute_buf *body)
{
	struct jute_buf b;
	struct jute_reply_hdr h = { xid, zxid, err };
	size_t off;

	jute_buf_init(&b, 0);
	off = jute_frame_begin(&b);
	jute_enc_reply_hdr(&b, &h);
	if (body)
		jute_put_raw(&b, body->p, body->len);
	jute_frame_end(&b, off);
	CHECK(srv_write(fd, &b) == 0);
	jute_buf_free(&b);
}

/* ---- the server's script, run in a thread ------------------------------- */

struct script_result {
	int ok;			/* reached the end */
	int saw_ping;
	struct jute_connect_req first, second;
	uint8_t first_raw[64];
	size_t first_len;
	int64_t second_last_zxid;
	int64_t second_session;
	int second_pw_ok;
	int32_t setwatches_op;
	int exist_n;
	char exist0[16];
	int64_t rel_zxid;
};

static struct script_result res;

static void *server_script(void *arg)
{
	struct jute_connect_req req;
	struct jute_req_hdr h;
	struct jute_rd body;
	struct jute_path_watch pw;
	int fd;

	(void)arg;
	/* 1: new session, one getData with a watch, then a notification. */
	fd = accept_wait();
	if (fd < 0 || srv_handshake(fd, &req, 6000) < 0)
		return NULL;
	res.first = req;
	res.first_len = frame_len < sizeof res.first_raw ? frame_len : sizeof res.first_raw;
	memcpy(res.first_raw, frame, res.first_len);
	if (srv_request(fd, &h, &body) < 0 || h.type != OP_GETDATA)
		return NULL;
	jute_dec_path_watch(&body, &pw);
	if (!jute_bytes_eq(&pw.path, "/a") || !pw.watch)
		return NULL;
	{
		struct jute_buf b;
		struct jute_get_data_resp g = { jute_mem("hi", 2), { 0 } };
		struct jute_watcher_event e = { EV_DATA_CHANGED, ST_SYNC_CONNECTED, jute_cstr("/a") };

		g.stat.mzxid = 0x55;
		jute_buf_init(&b, 0);
		jute_enc_get_data_resp(&b, &g);
		srv_reply(fd, h.xid, 0x55, ZOK, &b);
		jute_buf_reset(&b);
		jute_enc_watcher_event(&b, &e);
		srv_reply(fd, XID_NOTIFICATION, 0x56, ZOK, &b);
		jute_buf_free(&b);
	}
	/* An exists with a watch on a missing node, then a ping is due
	 * (negotiated 6000 ms: after 2 s of quiet). */
	if (srv_request(fd, &h, &body) < 0 || h.type != OP_EXISTS)
		return NULL;
	srv_reply(fd, h.xid, 0x56, ZNONODE, NULL);
	if (srv_request(fd, &h, &body) < 0 || h.type != OP_PING || h.xid != XID_PING)
		return NULL;
	res.saw_ping = 1;
	srv_reply(fd, XID_PING, 0x56, ZOK, NULL);
	/* 2: drop the connection; the client must come back with its session,
	 * re-send the exist watch, then retry its read. */
	if (srv_request(fd, &h, &body) < 0 || h.type != OP_GETDATA)
		return NULL;
	close(fd);
	fd = accept_wait();
	if (fd < 0 || srv_handshake(fd, &req, 6000) < 0)
		return NULL;
	res.second = req;
	res.second_last_zxid = req.last_zxid_seen;
	res.second_session = req.session_id;
	res.second_pw_ok = req.passwd.len == 16 && memcmp(req.passwd.p, srv_pw, 16) == 0;
	if (srv_request(fd, &h, &body) < 0)
		return NULL;
	res.setwatches_op = h.type;
	{
		struct jute_set_watches sw;
		struct jute_rd vr;
		struct jute_bytes s;

		jute_dec_set_watches(&body, &sw, 0);
		if (jute_rd_done(&body) != 0)
			return NULL;
		res.rel_zxid = sw.relative_zxid;
		res.exist_n = sw.exist.n;
		jute_vec_rd(&vr, sw.exist.raw, sw.exist.rawlen);
		s = jute_get_str(&vr);
		if (jute_bytes_cstr(&s, res.exist0, sizeof res.exist0) < 0)
			return NULL;
		srv_reply(fd, h.xid, 0x56, ZOK, NULL);
	}
	if (srv_request(fd, &h, &body) < 0 || h.type != OP_GETDATA)
		return NULL;
	srv_reply(fd, h.xid, 0x56, ZNONODE, NULL);
	/* 3: the session is gone: the next handshake says so. */
	close(fd);
	fd = accept_wait();
	if (fd < 0 || srv_handshake(fd, &req, 0) < 0)
		return NULL;
	close(fd);
	res.ok = 1;
	return NULL;
}

static void test_session_life(void)
{
	struct zkc c;
	char hosts[64];
	pthread_t th;
	struct jute_bytes data;
	struct jute_stat st;
	struct zkc_event ev;
	int rc;

	CHECK(listen_any() == 0);
	CHECK(pthread_create(&th, NULL, server_script, NULL) == 0);
	snprintf(hosts, sizeof hosts, "127.0.0.1:%d", port);
	CHECK_EQ_INT(zkc_open(&c, hosts, 6000, 2000), ZOK);
	CHECK_EQ_INT(c.neg_timeout_ms, 6000);
	CHECK_EQ_INT(c.session_id, 0x1234);

	CHECK_EQ_INT(zkc_get(&c, "/a", 1, &data, &st), ZOK);
	CHECK(data.len == 2 && memcmp(data.p, "hi", 2) == 0);
	CHECK_EQ_INT(st.mzxid, 0x55);
	CHECK_EQ_INT(c.last_zxid, 0x55);
	rc = zkc_next_event(&c, &ev, 2000);
	CHECK_EQ_INT(rc, 1);
	if (rc == 1) {
		CHECK_EQ_INT(ev.type, EV_DATA_CHANGED);
		CHECK_EQ_STR(ev.path, "/a");
		CHECK_EQ_INT(ev.zxid, 0x56);
		zkc_event_free(&ev);
	}
	CHECK_EQ_INT(zkc_exists(&c, "/b", 1, NULL), ZNONODE);
	/* Quiet for longer than a third of the timeout: a ping goes out. */
	CHECK_EQ_INT(zkc_idle(&c, 2600), ZOK);
	/* The server drops us mid-call; the read is retried on the new
	 * connection after the session and the watch were re-established. */
	CHECK_EQ_INT(zkc_get(&c, "/c", 0, NULL, NULL), ZNONODE);
	CHECK_EQ_INT(c.connects, 2);
	/* Next loss: the server says the session expired. */
	zkc_disconnect(&c);
	CHECK_EQ_INT(zkc_get(&c, "/d", 0, NULL, NULL), ZSESSIONEXPIRED);
	CHECK_EQ_INT(zkc_exists(&c, "/d", 0, NULL), ZSESSIONEXPIRED);
	zkc_close(&c);
	CHECK(pthread_join(th, NULL) == 0);
	close(lfd);

	CHECK(res.ok);
	/* The handshake: 45 bytes, protocol 0, our timeout, new session,
	 * a 16-byte zero password, readOnly false. */
	CHECK_EQ_INT(res.first_len, 45);
	CHECK_EQ_INT(res.first.protocol_version, 0);
	CHECK_EQ_INT(res.first.timeout, 6000);
	CHECK_EQ_INT(res.first.session_id, 0);
	CHECK_EQ_INT(res.first.last_zxid_seen, 0);
	CHECK(res.first.has_readonly && !res.first.readonly);
	CHECK_EQ_INT(res.first_raw[res.first_len - 1], 0);
	CHECK(res.saw_ping);
	CHECK_EQ_INT(res.second_session, 0x1234);
	CHECK(res.second_pw_ok);
	CHECK_EQ_INT(res.second_last_zxid, 0x56);
	CHECK_EQ_INT(res.setwatches_op, OP_SETWATCHES);
	CHECK_EQ_INT(res.rel_zxid, 0x56);
	CHECK_EQ_INT(res.exist_n, 1);
	CHECK_EQ_STR(res.exist0, "/b");
}

static void test_no_server(void)
{
	struct zkc c;
	char hosts[64];

	/* A port nobody listens on (bound, never listening). */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	socklen_t al = sizeof a;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0);
	snprintf(hosts, sizeof hosts, "127.0.0.1:%d", ntohs(a.sin_port));
	CHECK_EQ_INT(zkc_open(&c, hosts, 4000, 500), ZCONNECTIONLOSS);
	zkc_close(&c);
	CHECK_EQ_INT(zkc_open(&c, "", 4000, 500), ZBADARGUMENTS);
	zkc_close(&c);
	close(fd);
}

static const struct unit_case cases[] = {
	{ "session_life", test_session_life },
	{ "no_server", test_no_server },
	{ NULL, NULL }
};

int main(void)
{
	return unit_run("zkclient", cases);
}
