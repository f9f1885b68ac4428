/* test_ipc.c: two endpoints in one process over a temporary ipcDir:
 * batched sends arrive complete and in order in fewer frames, messages of
 * one frame stay valid until each is released, a malformed frame is
 * dropped without harming the next, and a peer that is not there yet gets
 * its messages once it binds. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <nanomsg/nn.h>
#include <nanomsg/pipeline.h>
#include "ipc.h"
#include "loop.h"
#include "unit.h"

static char dir[] = "/tmp/zk-ipc-XXXXXX";

/* Receive until n messages came or 3 s passed; returns how many. */
static int recv_n(struct ipc *b, int n, struct msg *ms, void **frames)
{
	int got = 0;
	int64_t end = loop_now_ms() + 3000;

	while (got < n && loop_now_ms() < end) {
		int rc = ipc_recv(b, b->in_sock, &ms[got], &frames[got]);
		if (rc == 1) {
			got++;
		} else if (rc == 0) {
			struct pollfd p = { .fd = b->in_fd, .events = POLLIN };
			poll(&p, 1, 50);
		}
	}
	return got;
}

static void batch_in_order(void)
{
	enum { N = 1000 };
	static struct msg ms[N];
	static void *frames[N];
	struct ipc a, b;
	char payload[64];
	int got, ok = 1;

	CHECK_EQ_INT(ipc_open(&a, dir, P_ZABD), 0);
	CHECK_EQ_INT(ipc_open(&b, dir, P_TREED), 0);
	for (int i = 0; i < N; i++) {
		struct msg m;
		msg_init(&m, MSG_ZAB_COMMIT, P_ZABD, (uint64_t)i);
		MSG_SET(&m, zxid, i + 1);
		MSG_SET(&m, prev, i);
		MSG_SET(&m, origin, P_GW);
		memset(payload, 'a' + i % 26, sizeof payload);
		MSG_SET_BYTES(&m, txn, payload, (size_t)(i % 64));
		CHECK_EQ_INT(ipc_send(&a, P_TREED, &m), 0);
	}
	/* nanomsg connects in the background: flush until it took everything */
	for (int i = 0; i < 300 && ipc_flush(&a) + a.peers[P_TREED].blen > 0; i++)
		usleep(10000);
	got = recv_n(&b, N, ms, frames);
	CHECK_EQ_INT(got, N);
	CHECK(a.peers[P_TREED].frames < N / 10);
	/* release from the back: every message must still be readable */
	for (int i = got - 1; i >= 0; i--) {
		if (ms[i].corr != (uint64_t)i || ms[i].zxid != i + 1 ||
		    ms[i].txn.len != (size_t)(i % 64) ||
		    (ms[i].txn.len && ms[i].txn.p[0] != 'a' + i % 26))
			ok = 0;
		ipc_release(frames[i]);
	}
	CHECK(ok);
	ipc_close(&a);
	ipc_close(&b);
}

static void malformed_frame_dropped(void)
{
	struct ipc b;
	struct msg m;
	void *frame;
	char addr[4200];
	int s, rc = 0, got_bad = 0, got_good = 0;
	uint8_t good[256];
	size_t glen;
	int64_t end;

	CHECK_EQ_INT(ipc_open(&b, dir, P_GW), 0);
	CHECK_EQ_INT(ipc_addr(addr, sizeof addr, dir, P_GW, "in"), 0);
	s = nn_socket(AF_SP, NN_PUSH);
	CHECK(s >= 0 && nn_connect(s, addr) >= 0);
	msg_init(&m, MSG_TREE_HELLO, P_TREED, 7);
	MSG_SET(&m, zxid, 99);
	glen = msg_encode(&m, good, sizeof good);
	CHECK(glen > 0);
	CHECK(nn_send(s, "\x84\x01garbage", 9, 0) == 9);
	CHECK(nn_send(s, good, glen, 0) == (int)glen);
	end = loop_now_ms() + 3000;
	while (!got_good && loop_now_ms() < end) {
		rc = ipc_recv(&b, b.in_sock, &m, &frame);
		if (rc < 0)
			got_bad++;
		else if (rc == 1) {
			got_good = m.type == MSG_TREE_HELLO && m.zxid == 99 && m.corr == 7;
			ipc_release(frame);
		} else {
			struct pollfd p = { .fd = b.in_fd, .events = POLLIN };
			poll(&p, 1, 50);
		}
	}
	CHECK_EQ_INT(got_bad, 1);
	CHECK(got_good);
	CHECK_EQ_INT(b.malformed, 1);
	nn_close(s);
	ipc_close(&b);
}

static void peer_late(void)
{
	struct ipc a, b;
	struct msg m, r;
	void *frame = NULL;

	CHECK_EQ_INT(ipc_open(&a, dir, P_SESSIOND), 0);
	msg_init(&m, MSG_GW_HELLO, P_GW, 0);
	/* zk-gw is not there yet: the frame waits in the queue */
	CHECK_EQ_INT(ipc_send(&a, P_GW, &m), 0);
	ipc_flush(&a);
	CHECK_EQ_INT(ipc_open(&b, dir, P_GW), 0);
	for (int i = 0; i < 300 && ipc_flush(&a) > 0; i++)
		usleep(10000);
	CHECK_EQ_INT(recv_n(&b, 1, &r, &frame), 1);
	CHECK_EQ_INT(r.type, MSG_GW_HELLO);
	ipc_release(frame);
	ipc_close(&a);
	ipc_close(&b);
}

int main(void)
{
	static const struct unit_case cases[] = {
		{ "batch_in_order", batch_in_order },
		{ "malformed_frame_dropped", malformed_frame_dropped },
		{ "peer_late", peer_late },
		{ NULL, NULL },
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = unit_run("ipc", cases);
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			rc = 1;
	}
	return rc;
}
