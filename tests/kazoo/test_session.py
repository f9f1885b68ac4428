"""Handshake and sessions: new, resume with id+passwd, expiry, timeout
negotiation, close; ephemerals removed on close and on expiry."""

import threading
import time

import rawzk
import zkt


class SessionTest(zkt.ZkCase):

    def limits(self):
        conf = zkt.server_conf()
        self.assertIn("minSessionTimeout", conf, "conf lacks the minimum")
        self.assertIn("maxSessionTimeout", conf, "conf lacks the maximum")
        return int(conf["minSessionTimeout"]), int(conf["maxSessionTimeout"])

    def test_handshake_45_bytes(self):
        r = self.raw(connect=False)
        resp = r.connect(10000, read_only=False)
        self.assertEqual(resp["size"], 37)
        self.assertEqual(resp["protocol"], 0)
        self.assertNotEqual(resp["session_id"], 0)
        self.assertEqual(len(resp["passwd"]), 16)
        self.assertIs(resp["read_only"], False)

    def test_read_only_client_on_read_write_server(self):
        r = self.raw(connect=False)
        resp = r.connect(10000, read_only=True)
        self.assertEqual(resp["size"], 37)
        self.assertIs(resp["read_only"], False)
        self.assertGreater(resp["timeout"], 0)
        _, rep = r.create(self.p("rw"))
        self.assertEqual(rep.err, 0)

    def test_handshake_44_bytes_old_client(self):
        # A request without the readOnly byte gets a reply without it.
        r = self.raw(connect=False)
        resp = r.connect(10000, read_only=None)
        self.assertEqual(resp["size"], 36)
        self.assertIsNone(resp["read_only"])
        self.assertGreater(resp["timeout"], 0)
        self.assertEqual(len(resp["passwd"]), 16)
        # The session is usable.
        _, rep = r.exists("/zookeeper")
        self.assertEqual(rep.err, 0)

    def test_sessions_are_distinct(self):
        a, b = self.raw(), self.raw()
        self.assertNotEqual(a.session_id, b.session_id)

    def test_timeout_negotiation(self):
        lo, hi = self.limits()
        self.assertLess(lo, hi)
        cases = [(1, lo), (0, lo), (-5, lo), (lo, lo), (hi, hi),
                 (hi * 10, hi), (lo + 1, lo + 1), (hi - 1, hi - 1)]
        mid = (lo + hi) // 2
        cases.append((mid, mid))
        for asked, want in cases:
            r = self.raw(connect=False)
            resp = r.connect(asked)
            self.assertEqual(resp["timeout"], want,
                             "asked %d (min %d max %d)" % (asked, lo, hi))

    def test_resume_with_id_and_passwd(self):
        a = self.raw()
        path = self.p("eph")
        _, rep = a.create(path, b"x", flags=1)
        self.assertEqual(rep.err, 0)
        sid, pw = a.session_id, a.passwd
        a.close()  # drop the socket, not the session
        b = self.raw(connect=False)
        resp = b.connect(10000, session_id=sid, passwd=pw,
                         last_zxid=a.last_zxid)
        self.assertEqual(resp["session_id"], sid)
        self.assertEqual(resp["passwd"], pw)
        self.assertGreater(resp["timeout"], 0)
        st = self.zk.exists(path)
        self.assertIsNotNone(st, "ephemeral lost on resume")
        self.assertEqual(st.ephemeralOwner, sid)

    def test_resume_steals_the_old_connection(self):
        a = self.raw()
        b = self.raw(connect=False)
        resp = b.connect(10000, session_id=a.session_id, passwd=a.passwd)
        self.assertEqual(resp["session_id"], a.session_id)
        # The server closes the session's previous connection.
        with self.assertRaises((rawzk.Closed, ConnectionError)):
            a.ping()
            a.ping()
        self.assertEqual(b.ping(), [])

    def test_kazoo_resume_with_client_id(self):
        a = self.raw()
        sid, pw = a.session_id, a.passwd
        a.close()
        c = self.client(client_id=(sid, pw))
        self.assertEqual(c.client_id[0], sid)
        c.create(self.p("k"), ephemeral=True)
        self.assertEqual(self.zk.exists(self.p("k")).ephemeralOwner, sid)

    def test_wrong_password_is_expired_reply(self):
        a = self.raw()
        bad = bytes(b ^ 0xFF for b in a.passwd)
        b = self.raw(connect=False)
        resp = b.connect(10000, session_id=a.session_id, passwd=bad)
        self.assertEqual(resp["timeout"], 0)
        self.assertEqual(resp["session_id"], 0)
        self.assertEqual(resp["passwd"], b"\0" * 16)
        self.assertEqual(resp["size"], 37)
        # ... and then the server closes the connection.
        with self.assertRaises((rawzk.Closed, ConnectionError)):
            b.ping()

    def test_unknown_session_is_expired_reply(self):
        b = self.raw(connect=False)
        resp = b.connect(10000, session_id=0x0123456789abcdef,
                         passwd=b"\x01" * 16)
        self.assertEqual((resp["timeout"], resp["session_id"],
                          resp["passwd"]), (0, 0, b"\0" * 16))

    def test_client_zxid_ahead_is_refused(self):
        # A client that has seen more than the server must go elsewhere:
        # the server closes without any reply.
        b = self.raw(connect=False)
        with self.assertRaises((rawzk.Closed, ConnectionError)):
            b.connect(10000, last_zxid=0x7fffffff00000000)

    def test_close_session_removes_ephemerals_and_fires_watch(self):
        other = self.client()
        path = self.p("e")
        other.create(path, b"v", ephemeral=True)
        log = zkt.EventLog()
        self.assertIsNotNone(self.zk.exists(path, watch=log))
        other.stop()
        ev = log.wait(1)[0]
        self.assertEqual((ev.type, ev.path), ("DELETED", path))
        self.assertIsNone(self.zk.exists(path))

    def test_close_session_reply_then_close(self):
        a = self.raw()
        sid, pw = a.session_id, a.passwd
        _, rep = a.close_session()
        self.assertEqual(rep.err, 0)
        with self.assertRaises((rawzk.Closed, ConnectionError)):
            a.ping()
        b = self.raw(connect=False)
        resp = b.connect(10000, session_id=sid, passwd=pw)
        self.assertEqual(resp["timeout"], 0, "closed session resumed")

    def test_expiry_removes_ephemerals_and_refuses_resume(self):
        lo, _ = self.limits()
        a = self.raw(connect=False)
        resp = a.connect(lo)
        self.assertEqual(resp["timeout"], lo)
        path = self.p("exp")
        _, rep = a.create(path, b"", flags=1)
        self.assertEqual(rep.err, 0)
        sid, pw = a.session_id, a.passwd
        log = zkt.EventLog()
        self.assertIsNotNone(self.zk.exists(path, watch=log))
        t0 = time.monotonic()
        a.close()  # silent: no closeSession, so only expiry can end it
        ev = log.wait(1, secs=3.0 * lo / 1000 + 5)[0]
        waited = time.monotonic() - t0
        self.assertEqual((ev.type, ev.path), ("DELETED", path))
        # Never before the timeout.
        self.assertGreater(waited, lo / 1000.0 * 0.9)
        b = self.raw(connect=False)
        resp = b.connect(10000, session_id=sid, passwd=pw)
        self.assertEqual((resp["timeout"], resp["session_id"],
                          resp["passwd"]), (0, 0, b"\0" * 16))

    def test_kazoo_resume_of_expired_session_gets_new_one(self):
        lo, _ = self.limits()
        a = self.raw(connect=False)
        a.connect(lo)
        sid, pw = a.session_id, a.passwd
        path = self.p("gone")
        a.create(path, b"", flags=1)
        a.close()
        zkt.wait_for(lambda: self.zk.exists(path) is None,
                     3.0 * lo / 1000 + 5, "expiry of the raw session")
        # kazoo treats the expired reply as a lost session and starts over
        # with a fresh one.
        c = self.client(client_id=(sid, pw))
        zkt.wait_for(lambda: c.connected, 15, "a new session")
        self.assertNotEqual(c.client_id[0], sid)
        self.assertNotEqual(c.client_id[0], 0)
        c.create(path, ephemeral=True)
        self.assertEqual(self.zk.exists(path).ephemeralOwner, c.client_id[0])

    def test_ping_keeps_session(self):
        lo, _ = self.limits()
        a = self.raw(connect=False)
        a.connect(lo)
        path = self.p("alive")
        a.create(path, b"", flags=1)
        # Ping at a third of the timeout for two full timeouts.
        deadline = time.monotonic() + 2.0 * lo / 1000
        while time.monotonic() < deadline:
            self.assertEqual(a.ping(), [])
            time.sleep(lo / 3000.0)
        self.assertIsNotNone(self.zk.exists(path), "session expired "
                             "although it pinged")

    def test_reply_zxid_tracks_writes(self):
        a = self.raw()
        _, r1 = a.create(self.p("z1"))
        _, r2 = a.create(self.p("z2"))
        self.assertEqual(r1.err, 0)
        self.assertGreater(r2.zxid, r1.zxid)
        _, r3 = a.exists(self.p("z2"))
        st = r3.reader().stat()
        self.assertEqual(st["czxid"], r2.zxid)
        self.assertGreaterEqual(r3.zxid, r2.zxid)
        # A ping reply is not a request reply: xid -2 echoed.
        self.assertEqual(a.ping(), [])

    def test_pipelined_replies_are_fifo(self):
        # Reads and writes sent back to back come back in request order
        # with their xids echoed, reads seeing earlier writes.
        a = self.raw()
        base = self.p("fifo")
        reqs = [
            (rawzk.OP_CREATE, rawzk.ustr(base) + rawzk.buf(b"0") +
             rawzk.acl_vec() + rawzk.i32(0)),
            (rawzk.OP_GETDATA, rawzk.ustr(base) + rawzk.boolean(False)),
            (rawzk.OP_SETDATA, rawzk.ustr(base) + rawzk.buf(b"1") +
             rawzk.i32(0)),
            (rawzk.OP_GETDATA, rawzk.ustr(base) + rawzk.boolean(False)),
            (rawzk.OP_EXISTS, rawzk.ustr(base + "/no") +
             rawzk.boolean(False)),
            (rawzk.OP_SETDATA, rawzk.ustr(base) + rawzk.buf(b"2") +
             rawzk.i32(0)),
            (rawzk.OP_GETDATA, rawzk.ustr(base) + rawzk.boolean(False)),
        ]
        frames = b""
        xids = []
        for i, (op, body) in enumerate(reqs):
            xid = 1000 + 7 * i
            xids.append(xid)
            payload = rawzk.i32(xid) + rawzk.i32(op) + body
            frames += rawzk.i32(len(payload)) + payload
        a.sock.sendall(frames)
        reps = [a.recv() for _ in reqs]
        self.assertEqual([r.xid for r in reps], xids)
        self.assertEqual([r.err for r in reps], [0, 0, 0, 0, -101, -103, 0])
        self.assertEqual(reps[1].reader().buf(), b"0")
        self.assertEqual(reps[3].reader().buf(), b"1")
        self.assertEqual(reps[6].reader().buf(), b"1")
        zx = [r.zxid for r in reps]
        self.assertEqual(zx, sorted(zx), "reply zxids went backwards")

    def test_requests_before_connect_reply_are_held(self):
        # A client may pipeline its first request behind the handshake.
        host, port = zkt.host_port()
        r = rawzk.Raw(host, port)
        self._raws.append(r)
        connect = (rawzk.i32(0) + rawzk.i64(0) + rawzk.i32(10000) +
                   rawzk.i64(0) + rawzk.buf(b"\0" * 16) +
                   rawzk.boolean(False))
        req = rawzk.i32(5) + rawzk.i32(rawzk.OP_EXISTS) + \
            rawzk.ustr("/zookeeper") + rawzk.boolean(False)
        r.sock.sendall(rawzk.i32(len(connect)) + connect +
                       rawzk.i32(len(req)) + req)
        resp = rawzk.Reader(r.recv_frame())
        self.assertEqual(resp.i32(), 0)
        self.assertGreater(resp.i32(), 0)
        rep = r.recv()
        self.assertEqual((rep.xid, rep.err), (5, 0))
        self.assertEqual(rep.reader().stat()["czxid"], 0)

    def test_concurrent_clients_mixed_reads_writes(self):
        # Several connections alternating writes and reads on one node:
        # every connection must get exactly one reply per request, in order.
        path = self.zk.create(self.p("mix"), b"")
        raws = [self.raw() for _ in range(4)]
        problems = []

        def work(r, i):
            try:
                for k in range(60):
                    if k % 2:
                        _, rep = r.set_data(path, b"%d-%d" % (i, k))
                    else:
                        _, rep = r.get_data(path)
                    if rep.err:
                        problems.append((i, k, "err %d" % rep.err))
            except Exception as e:  # reported by the assertion below
                problems.append((i, k, repr(e)))
        threads = [threading.Thread(target=work, args=(r, i), daemon=True)
                   for i, r in enumerate(raws)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertFalse(any(t.is_alive() for t in threads), "stuck")
        self.assertEqual(problems, [])
        self.assertEqual(self.zk.exists(path).version, 4 * 30)

    def test_kazoo_reconnect_keeps_session(self):
        proxy = zkt.Proxy()
        self.addCleanup(proxy.close)
        states = []
        c = self.client(hosts=proxy.hosts)
        c.add_listener(states.append)
        sid = c.client_id[0]
        path = c.create(self.p("keep"), ephemeral=True)
        proxy.cut()
        zkt.wait_for(lambda: "SUSPENDED" in states, 15, "SUSPENDED")
        proxy.restore()
        zkt.wait_for(lambda: c.connected, 15, "reconnect")
        self.assertEqual(c.client_id[0], sid)
        self.assertNotIn("LOST", states)
        self.assertEqual(self.zk.exists(path).ephemeralOwner, sid)
        c.set(path, b"after")

    def test_kazoo_session_expires_while_cut_off(self):
        lo, _ = self.limits()
        proxy = zkt.Proxy()
        self.addCleanup(proxy.close)
        states = []
        c = self.client(hosts=proxy.hosts, timeout=lo / 1000.0)
        c.add_listener(states.append)
        sid = c.client_id[0]
        path = c.create(self.p("lost"), ephemeral=True)
        log = zkt.EventLog()
        self.zk.exists(path, watch=log)
        proxy.cut()
        # The server expires the session; others see the ephemeral go.
        ev = log.wait(1, secs=3.0 * lo / 1000 + 5)[0]
        self.assertEqual((ev.type, ev.path), ("DELETED", path))
        proxy.restore()
        # Back in touch, kazoo is told the session expired: LOST, then a
        # new session.
        zkt.wait_for(lambda: "LOST" in states, 20, "LOST, got %r" % states)
        zkt.wait_for(lambda: c.connected, 20, "a new session")
        self.assertNotEqual(c.client_id[0], sid)

    def test_expired_connection_is_closed_silently(self):
        # A connected client that stops pinging: at expiry the server
        # closes its connection without sending anything.
        lo, _ = self.limits()
        r = self.raw(connect=False, wait=3.0 * lo / 1000 + 5)
        r.connect(lo)
        with self.assertRaises((rawzk.Closed, ConnectionError)):
            r.recv()

    def test_max_client_connections_per_ip(self):
        limit = int(zkt.server_conf()["maxClientCnxns"])
        self.assertGreater(limit, 0)
        # Wait until the server lists only our kazoo client and the cons
        # connection itself (earlier cases' sockets may still be closing).
        def listed():
            return len([line for line in zkt.fourlw("cons").splitlines()
                        if line.startswith(" /127.0.0.1:")])
        zkt.wait_for(lambda: listed() == 2, 10, "only our client in cons")
        room = limit - 1
        host, port = zkt.host_port()
        ok = refused = 0
        for _ in range(room + 3):
            # Over the limit the server closes at once: the connect, the
            # handshake send or its read fails.
            try:
                r = rawzk.Raw(host, port, wait=5.0)
                self._raws.append(r)
                resp = r.connect(10000)
                self.assertGreater(resp["timeout"], 0)
                ok += 1
            except (rawzk.Closed, ConnectionError):
                refused += 1
        self.assertEqual((ok, refused), (room, 3))
        for r in self._raws:
            r.close()
        self._raws = []
        # Room again once they are gone.
        zkt.wait_for(lambda: self._try_session(), 10, "a connection slot")

    def _try_session(self):
        host, port = zkt.host_port()
        try:
            r = rawzk.Raw(host, port, wait=5.0)
        except ConnectionError:
            return False
        try:
            return r.connect(10000)["timeout"] > 0
        except (rawzk.Closed, ConnectionError):
            return False
        finally:
            r.close()

    def test_resume_renegotiates_timeout(self):
        # A resume asks for a timeout of its own; the session lives by the
        # newly negotiated one from then on.
        lo, hi = self.limits()
        longer = min(hi, lo * 5 // 2)
        a = self.raw(connect=False)
        a.connect(lo)
        sid, pw = a.session_id, a.passwd
        a.close()
        b = self.raw(connect=False)
        resp = b.connect(longer, session_id=sid, passwd=pw)
        self.assertEqual((resp["session_id"], resp["timeout"]),
                         (sid, longer))
        path = self.p("renew")
        _, rep = b.create(path, flags=1)
        self.assertEqual(rep.err, 0)
        log = zkt.EventLog()
        self.zk.exists(path, watch=log)
        t0 = time.monotonic()
        b.close()
        ev = log.wait(1, secs=2.0 * longer / 1000 + 5)[0]
        waited = time.monotonic() - t0
        self.assertEqual(ev.type, "DELETED")
        self.assertGreater(waited, 0.9 * longer / 1000,
                           "expired by the first timeout %d ms, not by "
                           "the renegotiated %d ms" % (lo, longer))

    def test_xids_echoed_verbatim(self):
        # C sends setWatches with xid -8; others count from 0 or 1 and wrap.
        r = self.raw()
        sw = (rawzk.i64(0) + rawzk.str_vec([]) + rawzk.str_vec([]) +
              rawzk.str_vec([]))
        ex = rawzk.ustr("/") + rawzk.boolean(False)
        for xid, op, body in ((-8, rawzk.OP_SETWATCHES, sw),
                              (0, rawzk.OP_EXISTS, ex),
                              (0x7fffffff, rawzk.OP_EXISTS, ex),
                              (-5, rawzk.OP_EXISTS, ex)):
            r.send(op, body, xid=xid)
            rep = r.recv()
            self.assertEqual((rep.xid, rep.err), (xid, 0))
