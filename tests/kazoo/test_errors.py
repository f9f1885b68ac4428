"""Path validation, error codes and their precedence, the 1 MiB packet
limit, and errors surfacing as the right kazoo exceptions."""

from kazoo.exceptions import (BadArgumentsError, ConnectionLoss,
                              NodeExistsError, NoNodeError)

import rawzk
import zkt

OK, NONODE, BADARGS, EXISTS = 0, -101, -8, -110


class ErrorTest(zkt.ZkCase):

    def expect(self, got, want, what):
        self.assertEqual(got.err, want, "%s: err %d, want %d"
                         % (what, got.err, want))
        if want != 0:
            self.assertEqual(got.body, b"", "%s: body after an error" % what)

    def test_create_path_validation(self):
        r = self.raw()
        base = self.p("v")
        self.zk.create(base)
        cases = [
            ("noslash", BADARGS),
            ("", BADARGS),
            (base + "/", BADARGS),          # trailing slash, not sequential
            (base + "/./x", NONODE),        # parent "/v/." does not exist
            (base + "/.", BADARGS),
            (base + "/..", BADARGS),
            (base + "//x", NONODE),         # parent "/v/" does not exist
            (base + "/a\x01b", BADARGS),
            (base + "/a\x7fb", BADARGS),
            (base + "/a\u0085b", BADARGS),
            (base + "/a\ufff0b", BADARGS),
            (base + "/a\x00b", BADARGS),
            ("/", EXISTS),
            (self.p("missing", "a\x01"), NONODE),  # parent check comes first
            (base + "/ok.name", OK),
            (base + "/...", OK),
        ]
        for path, want in cases:
            _, rep = r.create(path)
            self.expect(rep, want, "create %r" % path)

    def test_bad_create_flags(self):
        r = self.raw()
        for flags in (7, -1, 99):
            _, rep = r.create(self.p("f%d" % (flags & 0xff)), flags=flags)
            self.expect(rep, BADARGS, "create flags %d" % flags)

    def test_delete_reserved_and_bad_paths(self):
        r = self.raw()
        for path in ("/", "/zookeeper", "/zookeeper/quota",
                     "/zookeeper/config", "noslash"):
            _, rep = r.delete(path)
            self.expect(rep, BADARGS, "delete %r" % path)
        _, rep = r.delete(self.p("x\x00"))
        self.expect(rep, BADARGS, "delete with NUL")
        _, rep = r.delete(self.p("nope"))
        self.expect(rep, NONODE, "delete missing")

    def test_set_data_validates_path(self):
        r = self.raw()
        _, rep = r.set_data(self.p("x", "."), b"")
        self.expect(rep, BADARGS, "setData /x/.")
        _, rep = r.set_data(self.p("nope"), b"")
        self.expect(rep, NONODE, "setData missing")

    def test_reads_just_look_up(self):
        r = self.raw()
        _, rep = r.get_data(self.p("x", "."))
        self.expect(rep, NONODE, "getData /x/.")
        _, rep = r.get_children(self.p("nope"))
        self.expect(rep, NONODE, "getChildren missing")
        _, rep = r.exists(self.p("x\x00"))
        self.expect(rep, BADARGS, "exists with NUL")
        _, rep = r.exists(self.p("nope"))
        self.expect(rep, NONODE, "exists missing")

    def test_kazoo_exceptions(self):
        with self.assertRaises(BadArgumentsError):
            self.zk.create(self.p("bad\x01name"))
        with self.assertRaises(BadArgumentsError):
            self.zk.delete("/zookeeper")
        with self.assertRaises(NodeExistsError):
            self.zk.create("/zookeeper")
        with self.assertRaises(NoNodeError):
            self.zk.get(self.p("nothing"))

    def test_unknown_opcode_closes_connection(self):
        for op in (0, 77, -1):
            r = self.raw()
            xid = r.send(op, b"")
            rep = r.recv()
            self.assertEqual((rep.xid, rep.zxid, rep.err), (xid, -1, -6),
                             "opcode %d" % op)
            with self.assertRaises((rawzk.Closed, ConnectionError)):
                r.ping()
        # Others are unaffected.
        self.assertIsNotNone(self.zk.exists("/zookeeper"))

    def test_undecodable_body_is_marshalling_error(self):
        # Apache 3.8: a check outside multi with no body fails to decode;
        # the connection stays open.
        r = self.raw()
        _, rep = r.call(rawzk.OP_CHECK, b"")
        self.expect(rep, -5, "lone check without body")
        self.assertEqual(r.ping(), [])

    def limit_frame(self, data_len):
        # The frame length kazoo's create sends for our path and data.
        path = self.p("big")
        acl = 4 + 4 + 4 + len("world") + 4 + len("anyone")
        return 8 + 4 + len(path.encode()) + 4 + data_len + acl + 4

    def test_packet_limit_1mib(self):
        limit = 0xfffff  # jute.maxbuffer default: whole frame, not data
        fixed = self.limit_frame(0)
        fits = limit - fixed
        self.assertEqual(self.limit_frame(fits), limit)
        self.zk.create(self.p("big"), b"x" * fits)
        data, st = self.zk.get(self.p("big"))
        self.assertEqual((len(data), st.dataLength), (fits, fits))
        self.zk.delete(self.p("big"))
        # One byte more and the server drops the connection unanswered.
        with self.assertRaises(ConnectionLoss):
            self.zk.create(self.p("big"), b"x" * (fits + 1))
        zkt.wait_for(lambda: self.zk.connected, 15, "kazoo to reconnect")
        self.assertIsNone(self.zk.exists(self.p("big")))
        with self.assertRaises(ConnectionLoss):
            self.zk.set(self.root, b"y" * (1 << 20))
        zkt.wait_for(lambda: self.zk.connected, 15, "kazoo to reconnect")
        self.assertEqual(self.zk.get(self.root)[0], b"")

    def test_negative_frame_length_closes(self):
        r = self.raw()
        r.sock.sendall(rawzk.i32(-5))
        with self.assertRaises((rawzk.Closed, ConnectionError)):
            r.recv()
        self.assertIsNotNone(self.zk.exists("/zookeeper"))

    def test_sync_echoes_any_path(self):
        r = self.raw()
        for path in ("noslash/x", self.p("missing"), "/"):
            _, rep = r.call(rawzk.OP_SYNC, rawzk.ustr(path))
            self.expect(rep, OK, "sync %r" % path)
            self.assertEqual(rep.reader().ustr(), path)

    def test_empty_path_reads_as_root(self):
        r = self.raw()
        _, rep = r.get_data("")
        self.expect(rep, OK, "getData \"\"")
        self.assertEqual(rep.reader().buf(), b"")
