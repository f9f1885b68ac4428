"""Raw wire cases: exact handshake bytes, pipelining, FIFO replies, and
malformed input that must close only the offending connection.

Run: ZK_HOST=127.0.0.1 ZK_PORT=2181 /usr/bin/python3 -m unittest test_wire
(tests/test_wire.sh runs it against Apache and against zk).
"""

import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wirelib import (Conn, OPEN_ACL, buf, connect_req, frame, i32, i64,  # noqa: E402
                     serving, ustr)

# Both targets run with the same session timeout bounds (test_wire.sh
# passes them from compat.sh; the defaults are 2x and 20x tickTime=1000).
MIN_TO = int(os.environ.get("WIRE_MIN_TO", "2000"))
MAX_TO = int(os.environ.get("WIRE_MAX_TO", "20000"))
MAXBUF = 0xfffff
MAX_CNXNS = int(os.environ.get("WIRE_MAX_CNXNS", "0"))


class Handshake(unittest.TestCase):
    def test_45_byte_request_gets_37_byte_reply(self):
        c = Conn()
        req = connect_req(timeout=30000)
        self.assertEqual(len(req), 45)
        c.send(frame(req))
        head = c.recv_exact(4)
        self.assertEqual(head, i32(37))
        body = c.recv_exact(37)
        proto, to, sid, plen = struct.unpack(">iiqi", body[:20])
        self.assertEqual(proto, 0)
        self.assertEqual(to, MAX_TO)          # 30000 capped at the maximum
        self.assertNotEqual(sid, 0)
        self.assertEqual(plen, 16)
        self.assertEqual(body[36:], b"\x00")  # readOnly echoed: false
        c.close()

    def test_44_byte_request_gets_36_byte_reply(self):
        c = Conn()
        req = connect_req(timeout=100, readonly=None)
        self.assertEqual(len(req), 44)
        c.send(frame(req))
        self.assertEqual(c.recv_exact(4), i32(36))
        body = c.recv_exact(36)
        proto, to, sid, plen = struct.unpack(">iiqi", body[:20])
        self.assertEqual((proto, to, plen), (0, MIN_TO, 16))  # 100 raised to the minimum
        self.assertNotEqual(sid, 0)
        c.close()

    def test_bytes_after_read_only_are_ignored(self):
        c = Conn()
        c.send(frame(connect_req() + b"\0\0\0\0"))
        body = c.recv_frame()
        self.assertEqual(len(body), 37)
        self.assertGreater(struct.unpack(">i", body[4:8])[0], 0)
        c.close()

    def test_reconnect_with_password(self):
        a = Conn()
        to, sid, pw, _ = a.handshake(timeout=10000)
        a.close()
        b = Conn()
        to2, sid2, pw2, body = b.handshake(timeout=8000, session=sid, passwd=pw)
        self.assertEqual((to2, sid2, pw2), (8000, sid, pw))
        self.assertEqual(len(body), 37)
        b.close()

    def test_wrong_password_gets_expired_reply_then_close(self):
        a = Conn()
        _, sid, pw, _ = a.handshake()
        bad = bytes([pw[0] ^ 1]) + pw[1:]
        b = Conn()
        b.send(frame(connect_req(session=sid, passwd=bad)))
        body = b.recv_frame()
        self.assertEqual(body, i32(0) + i32(0) + i64(0) + i32(16) + b"\0" * 16 + b"\0")
        self.assertTrue(b.at_eof())
        a.close()
        b.close()

    def test_unknown_session_44_byte(self):
        b = Conn()
        b.send(frame(connect_req(session=0x1234567, readonly=None)))
        self.assertEqual(b.recv_frame(), i32(0) * 2 + i64(0) + i32(16) + b"\0" * 16)
        self.assertTrue(b.at_eof())
        b.close()

    def test_client_zxid_ahead_closes_without_reply(self):
        c = Conn()
        c.send(frame(connect_req(last_zxid=0x7fffffff00000000)))
        self.assertTrue(c.at_eof())
        c.close()
        self.assertTrue(serving())

    def test_requests_pipelined_behind_connect_are_held(self):
        c = Conn()
        get = i32(7) + i32(4) + ustr("/zookeeper") + b"\0"
        ping = i32(-2) + i32(11)
        c.send(frame(connect_req()) + frame(get) + frame(ping))
        body = c.recv_frame()
        self.assertEqual(len(body), 37)
        xid, _, err, _ = c.reply()
        self.assertEqual((xid, err), (7, 0))
        xid, _, err, rest = c.reply()
        self.assertEqual((xid, err, rest), (-2, 0, b""))
        c.close()


class Requests(unittest.TestCase):
    def setUp(self):
        self.c = Conn()
        self.c.handshake()

    def tearDown(self):
        self.c.close()

    def test_ping(self):
        self.c.request(11, xid=-2)
        xid, zxid, err, body = self.c.reply()
        self.assertEqual((xid, err, body), (-2, 0, b""))

    def test_xids_echoed_in_request_order(self):
        path = "/wire-fifo-%d" % os.getpid()
        reqs = [
            (1000, 1, ustr(path) + buf(b"x") + OPEN_ACL + i32(1)),
            (5, 4, ustr(path) + b"\0"),
            (-77, 3, ustr(path) + b"\0"),
            (42, 5, ustr(path) + buf(b"yy") + i32(-1)),
            (43, 4, ustr(path) + b"\0"),
            (9, 2, ustr(path) + i32(-1)),
            (10, 3, ustr(path) + b"\0"),
        ]
        self.c.send(b"".join(frame(i32(x) + i32(op) + p) for x, op, p in reqs))
        got = [self.c.reply() for _ in reqs]
        self.assertEqual([g[0] for g in got], [r[0] for r in reqs])
        self.assertEqual([g[2] for g in got], [0, 0, 0, 0, 0, 0, -101])
        # getData after setData in the same pipeline sees the new data
        self.assertEqual(got[4][3][:6], i32(2) + b"yy")
        # the write's zxid moves forward
        self.assertGreater(got[3][1], got[0][1])

    def test_fifo_with_concurrent_connections(self):
        # Reads of one connection and writes of others interleave in the
        # server; every connection must still get exactly its replies, in
        # order, once each.
        import random
        import threading
        path = "/wire-fifo2-%d" % os.getpid()
        self.c.request(1, ustr(path) + buf(b"0") + OPEN_ACL + i32(1), xid=1)
        self.assertEqual(self.c.reply()[2], 0)
        bad = []

        def worker(seed):
            rnd = random.Random(seed)
            c = Conn()
            c.handshake()
            for n in range(100):
                reqs = []
                for i in range(rnd.randint(1, 3)):
                    xid = n * 10 + i + 10
                    op = rnd.choice((3, 4, 5))
                    body = ustr(path) + (buf(b"v") + i32(-1) if op == 5 else b"\1")
                    reqs.append((xid, op, body))
                c.send(b"".join(frame(i32(x) + i32(o) + b) for x, o, b in reqs))
                got = []
                while len(got) < len(reqs):
                    r = c.reply()
                    if r is None:
                        bad.append((seed, "closed"))
                        return
                    if r[0] != -1:       # skip watch events
                        got.append(r[0])
                if got != [x for x, _, _ in reqs]:
                    bad.append((seed, n, got))
                    return
            c.close()
        threads = [threading.Thread(target=worker, args=(s,)) for s in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(bad, [])

    def test_unknown_opcode_unimplemented_then_close(self):
        self.c.request(999, xid=31)
        self.assertEqual(self.c.reply(), (31, -1, -6, b""))
        self.assertTrue(self.c.at_eof())
        self.assertTrue(serving())

    def test_opcode_zero_unimplemented_then_close(self):
        self.c.request(0, xid=8)
        self.assertEqual(self.c.reply(), (8, -1, -6, b""))
        self.assertTrue(self.c.at_eof())

    def test_undecodable_body_marshalling_error(self):
        # getData whose path length runs past the frame: -5, still open
        self.c.request(4, i32(1000) + b"/a", xid=12)
        xid, _, err, body = self.c.reply()
        self.assertEqual((xid, err, body), (12, -5, b""))
        self.c.request(11, xid=-2)
        self.assertEqual(self.c.reply()[0], -2)

    def test_undecodable_write_body_marshalling_error(self):
        self.c.request(1, i32(1000) + b"/a", xid=13)
        xid, _, err, body = self.c.reply()
        self.assertEqual((xid, err, body), (13, -5, b""))
        self.c.request(11, xid=-2)
        self.assertEqual(self.c.reply()[0], -2)

    def test_trailing_bytes_after_body_ignored(self):
        self.c.request(4, ustr("/") + b"\0" + b"junk", xid=14)
        xid, _, err, body = self.c.reply()
        self.assertEqual((xid, err), (14, 0))
        self.assertEqual(len(body), 4 + 68)  # empty data + Stat

    def who_am_i(self):
        self.c.request(107, xid=50)
        xid, _, err, d = self.c.reply()
        self.assertEqual((xid, err), (50, 0))
        n, off, out = struct.unpack(">i", d[:4])[0], 4, []
        for _ in range(n):
            pair = []
            for _ in range(2):
                ln = struct.unpack(">i", d[off:off + 4])[0]
                pair.append(d[off + 4:off + 4 + ln].decode())
                off += 4 + ln
            out.append(tuple(pair))
        return out

    def test_auth_and_who_am_i(self):
        self.assertEqual(self.who_am_i(), [("ip", "127.0.0.1")])
        for cred in (b"zed:1", b"alice:2", b"aaa:3"):
            self.c.request(100, i32(0) + ustr("digest") + buf(cred), xid=-4)
            self.assertEqual(self.c.reply(), (-4, 0, 0, b""))
        # Apache's order: its HashSet of ids
        self.assertEqual(self.who_am_i(),
                         [("digest", "alice"), ("digest", "aaa"),
                          ("digest", "zed"), ("ip", "127.0.0.1")])
        # past 12 ids the server's table doubles, which reorders them
        for i in range(1, 13):
            self.c.request(100, i32(0) + ustr("digest") + buf(b"u%d:p" % i), xid=-4)
            self.assertEqual(self.c.reply(), (-4, 0, 0, b""))
        self.assertEqual([u for _, u in self.who_am_i()],
                         ["alice", "u3", "u5", "u7", "u11", "127.0.0.1",
                          "u9", "u2", "aaa", "u8", "u12", "u1", "zed", "u6",
                          "u4", "u10"])
        self.c.request(100, i32(0) + ustr("nosuch") + buf(b"x"), xid=-4)
        self.assertEqual(self.c.reply(), (-4, 0, -115, b""))
        self.assertTrue(self.c.at_eof())

    def test_error_reply_has_no_body(self):
        self.c.request(4, ustr("/no/such/node") + b"\0", xid=3)
        xid, _, err, body = self.c.reply()
        self.assertEqual((xid, err, body), (3, -101, b""))


def svec(items):
    return i32(len(items)) + b"".join(ustr(x) for x in items)


class Watches(unittest.TestCase):
    """Events and replies on one connection, in wire order."""

    def setUp(self):
        self.c = Conn()
        self.c.handshake()
        self.other = Conn()
        self.other.handshake()
        self.base = "/wire-w-%d-%s" % (os.getpid(), self._testMethodName)
        self.call(self.other, 1, ustr(self.base) + buf(b"") + OPEN_ACL + i32(0))

    def tearDown(self):
        self.c.close()
        self.other.close()

    @staticmethod
    def call(conn, op, body, xid=None):
        """[events before the reply..., (op, err)]; events as (type, path)."""
        xid = conn.request(op, body, xid)
        out = []
        while True:
            r = conn.reply()
            if r is None:
                out.append("EOF")
                return out
            if r[0] == -1:
                t, st, n = struct.unpack(">iii", r[3][:12])
                out.append((t, r[3][12:12 + n].decode()))
                continue
            assert r[0] == xid, (r, xid)
            out.append((op, r[2]))
            return out

    def test_event_before_reply_and_once(self):
        p = self.base + "/n"
        b = self.base
        self.assertEqual(self.call(self.c, 3, ustr(p) + b"\1"), [(3, -101)])
        self.assertEqual(self.call(self.c, 3, ustr(p) + b"\1"), [(3, -101)])
        self.assertEqual(self.call(self.c, 8, ustr(b) + b"\1"), [(8, 0)])
        # the writer's own watches fire before the reply to its write
        self.assertEqual(self.call(self.c, 1, ustr(p) + buf(b"") + OPEN_ACL + i32(0)),
                         [(1, p), (4, b), (1, 0)])
        self.assertEqual(self.call(self.c, 4, ustr(p) + b"\1"), [(4, 0)])
        self.assertEqual(self.call(self.c, 8, ustr(p) + b"\1"), [(8, 0)])
        # delete: data and child watch at p tell NodeDeleted once
        self.assertEqual(self.call(self.other, 2, ustr(p) + i32(-1)), [(2, 0)])
        self.assertEqual(self.call(self.c, 11, b"", -2), [(2, p), (11, 0)])

    def test_set_watches_catch_up(self):
        b = self.base
        gone, new, same = b + "/gone", b + "/new", b + "/same"
        for q in (gone, same):
            self.call(self.other, 1, ustr(q) + buf(b"") + OPEN_ACL + i32(0))
        self.other.request(3, ustr(same) + b"\0")
        rel = self.other.reply()[1]
        self.call(self.other, 2, ustr(gone) + i32(-1))
        self.call(self.other, 1, ustr(new) + buf(b"") + OPEN_ACL + i32(0))
        got = self.call(self.c, 101, i64(rel) + svec([gone, same, b])
                        + svec([new, b + "/absent"]) + svec([b, gone]))
        self.assertEqual(got[-1], (101, 0))
        self.assertEqual(sorted(got[:-1]),
                         sorted([(2, gone), (1, new), (4, b), (2, gone)]))
        # what was registered instead of fired fires later
        self.call(self.other, 5, ustr(same) + buf(b"x") + i32(-1))
        self.call(self.other, 1, ustr(b + "/absent") + buf(b"") + OPEN_ACL + i32(0))
        got = self.call(self.c, 11, b"", -2)
        self.assertEqual(got, [(3, same), (1, b + "/absent"), (11, 0)])

    def test_add_watch_modes(self):
        b = self.base
        self.assertEqual(self.call(self.c, 106, ustr(b) + i32(0)), [(106, 0)])
        self.call(self.other, 1, ustr(b + "/x") + buf(b"") + OPEN_ACL + i32(0))
        self.call(self.other, 5, ustr(b) + buf(b"1") + i32(-1))
        self.assertEqual(self.call(self.c, 11, b"", -2), [(4, b), (3, b), (11, 0)])
        # the later mode replaces the earlier: recursive now
        self.assertEqual(self.call(self.c, 106, ustr(b) + i32(1)), [(106, 0)])
        self.call(self.other, 1, ustr(b + "/x/y") + buf(b"") + OPEN_ACL + i32(0))
        self.call(self.other, 2, ustr(b + "/x/y") + i32(-1))
        self.assertEqual(self.call(self.c, 11, b"", -2),
                         [(1, b + "/x/y"), (2, b + "/x/y"), (11, 0)])
        self.assertEqual(self.call(self.c, 106, ustr(b) + i32(2)), [(106, -5)])

    def test_check_and_remove_watches(self):
        b = self.base
        self.assertEqual(self.call(self.c, 17, ustr(b) + i32(3)), [(17, -121)])
        self.call(self.c, 4, ustr(b) + b"\1")
        self.assertEqual(self.call(self.c, 17, ustr(b) + i32(1)), [(17, -121)])
        self.assertEqual(self.call(self.c, 17, ustr(b) + i32(2)), [(17, 0)])
        self.assertEqual(self.call(self.c, 17, ustr(b) + i32(7)), [(17, -5)])
        self.assertEqual(self.call(self.c, 18, ustr(b) + i32(2)), [(18, 0)])
        self.assertEqual(self.call(self.c, 18, ustr(b) + i32(2)), [(18, -121)])
        self.call(self.other, 5, ustr(b) + buf(b"1") + i32(-1))
        self.assertEqual(self.call(self.c, 11, b"", -2), [(11, 0)])


class Malformed(unittest.TestCase):
    """Each case closes only its own connection; a bystander keeps working."""

    def setUp(self):
        self.by = Conn()
        self.by.handshake()

    def tearDown(self):
        # the bystander still gets answers
        self.by.request(11, xid=-2)
        self.assertEqual(self.by.reply()[:3:2], (-2, 0))
        self.by.close()
        self.assertTrue(serving())

    def closes(self, raw, handshake=True, half_close=False):
        c = Conn()
        if handshake:
            c.handshake()
        c.send(raw)
        if half_close:
            c.s.shutdown(socket.SHUT_WR)
        self.assertTrue(c.at_eof())
        c.close()

    def test_garbage_before_handshake(self):
        self.closes(b"\x41" * 64, handshake=False)

    def test_garbage_after_handshake(self):
        self.closes(b"\x41" * 64)

    def test_negative_length(self):
        self.closes(i32(-5) + b"abcde")

    def test_negative_length_first_frame(self):
        self.closes(i32(-1), handshake=False)

    def test_length_over_maxbuffer(self):
        self.closes(i32(MAXBUF + 1) + b"\0" * 16)

    def test_length_over_maxbuffer_first_frame(self):
        self.closes(i32(MAXBUF + 1), handshake=False)

    def test_truncated_frame(self):
        self.closes(i32(100) + b"\0" * 10, half_close=True)

    def test_truncated_connect_request(self):
        self.closes(frame(connect_req())[:20], handshake=False, half_close=True)

    def test_short_connect_request(self):
        self.closes(frame(b"\0" * 10), handshake=False)

    def test_header_shorter_than_8_bytes(self):
        self.closes(frame(b"\0\0\0\1"))


class Limits(unittest.TestCase):
    def test_max_client_cnxns_per_ip(self):
        if MAX_CNXNS <= 0:
            self.skipTest("WIRE_MAX_CNXNS not set")
        held = []
        try:
            # Connections of earlier cases may still be closing on the
            # server: retry the fill a few times before judging.
            for attempt in range(20):
                try:
                    while len(held) < MAX_CNXNS:
                        c = Conn()
                        held.append(c)
                        c.handshake()
                    break
                except (AssertionError, OSError):
                    for c in held:
                        c.close()
                    held = []
                    time.sleep(0.1)
            self.assertEqual(len(held), MAX_CNXNS)
            # one more: closed at once, without a reply (the server may
            # even reset it before connect() returns)
            try:
                extra = Conn()
            except (ConnectionResetError, BrokenPipeError):
                extra = None
            if extra is not None:
                try:
                    extra.send(frame(connect_req()))
                    self.assertTrue(extra.at_eof())
                except (ConnectionResetError, BrokenPipeError):
                    pass
                extra.close()
            held.pop().close()
            ok = False
            deadline = time.time() + 5
            while time.time() < deadline and not ok:
                try:
                    c = Conn()
                    to, _, _, _ = c.handshake()
                    ok = to > 0
                    held.append(c)
                except (AssertionError, OSError):
                    time.sleep(0.1)
            self.assertTrue(ok, "a slot freed by a close is not reusable")
        finally:
            for c in held:
                c.close()

    def test_backed_up_reader_gets_every_reply(self):
        # Requests sent in one go, replies far over the server's output
        # buffer: as the client reads, held requests must run.
        path = "/wire-big2-%d" % os.getpid()
        c = Conn()
        c.handshake()
        c.request(1, ustr(path) + buf(b"q" * 300000) + OPEN_ACL + i32(1), xid=1)
        self.assertEqual(c.reply()[2], 0)
        n = 60
        c.send(b"".join(frame(i32(10 + i) + i32(4) + ustr(path) + b"\0")
                        for i in range(n)))
        time.sleep(0.3)   # let the server fill its output and stop reading
        c.s.settimeout(10)
        for i in range(n):
            xid, _, err, body = c.reply()
            self.assertEqual((xid, err, len(body)), (10 + i, 0, 4 + 300000 + 68))
        c.close()

    @staticmethod
    def open_session(timeout=5.0):
        # The server may still be closing the connections of an earlier
        # case (maxClientCnxns is small here): retry until a slot is free.
        deadline = time.time() + timeout
        while True:
            try:
                c = Conn()
                c.handshake()
                return c
            except (AssertionError, OSError):
                if time.time() >= deadline:
                    raise
                time.sleep(0.1)

    def test_slow_reader_does_not_stall_others(self):
        path = "/wire-big-%d" % os.getpid()
        w = self.open_session()
        w.request(1, ustr(path) + buf(b"z" * 500000) + OPEN_ACL + i32(1), xid=1)
        self.assertEqual(w.reply()[2], 0)
        slow = self.open_session()
        slow.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        get = frame(i32(2) + i32(4) + ustr(path) + b"\0")
        slow.s.setblocking(False)
        sent = 0
        try:
            for _ in range(400):      # 200 MB of replies it never reads
                slow.s.send(get)
                sent += 1
        except BlockingIOError:
            pass
        t0 = time.time()
        for i in range(20):
            w.request(11, xid=-2)
            self.assertEqual(w.reply()[0], -2)
        self.assertLess(time.time() - t0, 2.0)
        slow.close()
        w.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
