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

    def test_check_order(self):
        # Which error wins when several apply (Apache's prep order).
        r = self.raw()
        b = self.root
        r.create(b + "/e", flags=1)
        r.create(b + "/e2", flags=1)
        bad = [(31, "world", "other")]

        def cr(path, flags=0, acl=None):
            return r.call(rawzk.OP_CREATE, rawzk.ustr(path) + rawzk.buf(b"") +
                          rawzk.acl_vec(acl) + rawzk.i32(flags))[1].err

        def multi(*ops):
            body = b"".join(rawzk.i32(op) + rawzk.boolean(False) +
                            rawzk.i32(-1) + rec for op, rec in ops)
            body += rawzk.i32(-1) + rawzk.boolean(True) + rawzk.i32(-1)
            rep = r.call(rawzk.OP_MULTI, body)[1]
            self.assertEqual(rep.err, 0)
            rd, out = rep.reader(), []
            while True:
                typ, done, err = rd.i32(), rd.boolean(), rd.i32()
                if done:
                    return out
                self.assertEqual(typ, -1)
                rd.i32()
                out.append(err)

        def crec(path, flags=0):
            return (rawzk.ustr(path) + rawzk.buf(b"") + rawzk.acl_vec() +
                    rawzk.i32(flags))
        cases = [
            ("flags before parent", cr(b + "/no/x", flags=9), -8),
            ("ACL before parent", cr(b + "/no/x", acl=bad), -114),
            ("ACL before exists", cr(b, acl=bad), -114),
            ("empty ACL", cr(b, acl=[]), -114),
            ("child of ephemeral", cr(b + "/e/x"), -108),
            ("exists before ephemeral parent", cr(b + "/e"), -110),
            ("sequential, parent missing", cr(b + "/no/", flags=2), -101),
            ("sequential under ephemeral", cr(b + "/e/", flags=2), -108),
            ("create /zookeeper", cr("/zookeeper"), -110),
            ("setData: node before version",
             r.set_data(b + "/none", b"", 7)[1].err, -101),
            ("delete: parent missing", r.delete(b + "/no/x")[1].err, -101),
            ("delete: version", r.delete(b + "/e2", 3)[1].err, -103),
            ("setACL: ACL before node",
             r.call(7, rawzk.ustr(b + "/none") + rawzk.acl_vec(bad) +
                    rawzk.i32(-1))[1].err, -114),
            ("setACL: path",
             r.call(7, rawzk.ustr(b + "/x/.") + rawzk.acl_vec() +
                    rawzk.i32(-1))[1].err, -8),
            ("getACL: missing",
             r.call(6, rawzk.ustr(b + "/none"))[1].err, -101),
            ("check: path",
             multi((13, rawzk.ustr(b + "//x") + rawzk.i32(0))), [-8]),
            ("check: missing",
             multi((13, rawzk.ustr(b + "/none") + rawzk.i32(0))), [-101]),
            ("check: version",
             multi((13, rawzk.ustr(b) + rawzk.i32(5))), [-103]),
            ("multi: same create twice",
             multi((1, crec(b + "/d")), (1, crec(b + "/d"))), [0, -110]),
            ("multi: check after delete",
             multi((2, rawzk.ustr(b + "/e2") + rawzk.i32(-1)),
                   (13, rawzk.ustr(b + "/e2") + rawzk.i32(-1))), [0, -101]),
            ("multi: child of an ephemeral made in it",
             multi((1, crec(b + "/ne", 1)), (1, crec(b + "/ne/c"))),
             [0, -108]),
            ("multi: version after a set in it",
             multi((5, rawzk.ustr(b) + rawzk.buf(b"a") + rawzk.i32(-1)),
                   (5, rawzk.ustr(b) + rawzk.buf(b"b") + rawzk.i32(0))),
             [0, -103]),
            ("multi: delete of a parent given a child in it",
             multi((1, crec(b + "/n2")), (1, crec(b + "/n2/c")),
                   (2, rawzk.ustr(b + "/n2") + rawzk.i32(-1))), [0, 0, -111]),
        ]
        for what, got, want in cases:
            self.assertEqual(got, want, what)

    def test_failed_writes_consume_a_zxid(self):
        # A failed write is still a txn (an error txn) with its own zxid;
        # reads report the last zxid without taking one.
        r = self.raw()
        path = self.p("zx")
        _, a = r.create(path)
        _, b = r.create(path)
        _, c = r.exists(path)
        _, d = r.delete(path, 5)
        _, e = r.create(self.p("zx2"))
        self.assertEqual((a.err, b.err, c.err, d.err, e.err),
                         (0, -110, 0, -103, 0))
        self.assertGreater(b.zxid, a.zxid)
        self.assertGreaterEqual(c.zxid, b.zxid)
        self.assertGreater(d.zxid, c.zxid)
        self.assertGreater(e.zxid, d.zxid)

    def test_unicode_path_validation(self):
        # Apache validates the decoded UTF-16 path: non-BMP characters
        # (surrogates), U+E000-U+F8FF, U+FFF0-U+FFFF and C1 controls are
        # refused; undecodable UTF-8 is refused too.
        r = self.raw()
        cases = [("\U0001F600", BADARGS), ("\ue000", BADARGS),
                 ("\uf8ff", BADARGS), ("\uf900", OK), ("\ufeff", OK),
                 ("\uffef", OK), ("\ufff0", BADARGS), ("\u00a0", OK),
                 ("\u0080", BADARGS), ("\u009f", BADARGS), ("\u2028", OK)]
        for i, (ch, want) in enumerate(cases):
            _, rep = r.create(self.p("u%d-%s" % (i, ch)))
            self.expect(rep, want, "create with U+%04X" % ord(ch))
        self.zk.create(self.p("bad"))
        for raw in (b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                    b"\xc0\xaf", b"a\xffb"):
            path = self.p("bad").encode() + b"/" + raw
            _, rep = r.call(rawzk.OP_CREATE, rawzk.buf(path) +
                            rawzk.buf(b"") + rawzk.acl_vec() + rawzk.i32(0))
            self.expect(rep, BADARGS, "create with bytes %r" % raw)
