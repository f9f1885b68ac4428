"""multi: all-or-nothing, check/create/delete/setData, per-op results and
the failure layout (RolledBack before, the real code, then
RuntimeInconsistency after)."""

import struct

from kazoo.exceptions import (BadVersionError, NoChildrenForEphemeralsError,
                              NodeExistsError, NoNodeError,
                              NotEmptyError, RolledBackError,
                              RuntimeInconsistency)

import rawzk
import zkt


class MultiTest(zkt.ZkCase):

    def test_all_ops_succeed(self):
        victim = self.zk.create(self.p("victim"))
        target = self.zk.create(self.p("target"), b"v0")
        t = self.zk.transaction()
        t.create(self.p("new"), b"n")
        t.set_data(target, b"v1")
        t.check(target, 1)
        t.delete(victim)
        res = t.commit()
        self.assertEqual(res[0], self.p("new"))
        self.assertEqual(res[1].version, 1)
        self.assertEqual(res[1].dataLength, 2)
        self.assertIs(res[2], True)
        self.assertIs(res[3], True)
        self.assertEqual(self.zk.get(self.p("new"))[0], b"n")
        self.assertEqual(self.zk.get(target)[0], b"v1")
        self.assertIsNone(self.zk.exists(victim))

    def test_one_zxid_for_the_whole_multi(self):
        t = self.zk.transaction()
        t.create(self.p("x"))
        t.create(self.p("y"))
        t.commit()
        z = self.zk.last_zxid
        self.assertEqual(self.zk.exists(self.p("x")).czxid, z)
        self.assertEqual(self.zk.exists(self.p("y")).czxid, z)
        self.assertEqual(self.zk.exists(self.root).pzxid, z)

    def test_failure_layout_and_nothing_applied(self):
        keep = self.zk.create(self.p("keep"), b"k")
        t = self.zk.transaction()
        t.create(self.p("a"))
        t.set_data(keep, b"changed")
        t.check(keep, 5)
        t.create(self.p("b"))
        t.delete(keep)
        res = t.commit()
        self.assertEqual([type(r) for r in res],
                         [RolledBackError, RolledBackError, BadVersionError,
                          RuntimeInconsistency, RuntimeInconsistency])
        self.assertIsNone(self.zk.exists(self.p("a")))
        self.assertIsNone(self.zk.exists(self.p("b")))
        self.assertEqual(self.zk.get(keep), (b"k", self.zk.exists(keep)))
        self.assertEqual(self.zk.exists(keep).version, 0)

    def test_each_failure_code(self):
        base = self.zk.create(self.p("base"))
        self.zk.create(base + "/kid")
        cases = [
            (lambda t: t.create(base), NodeExistsError),
            (lambda t: t.create(self.p("none", "x")), NoNodeError),
            (lambda t: t.delete(base), NotEmptyError),
            (lambda t: t.delete(self.p("none")), NoNodeError),
            (lambda t: t.set_data(self.p("none"), b""), NoNodeError),
            (lambda t: t.set_data(base, b"", version=3), BadVersionError),
            (lambda t: t.check(self.p("none"), 0), NoNodeError),
        ]
        for op, exc in cases:
            t = self.zk.transaction()
            op(t)
            res = t.commit()
            self.assertEqual(len(res), 1)
            self.assertIsInstance(res[0], exc)

    def test_later_ops_see_earlier_ones(self):
        t = self.zk.transaction()
        t.create(self.p("n"), b"1")
        t.set_data(self.p("n"), b"2")
        t.check(self.p("n"), 1)
        t.create(self.p("n", "kid"))
        t.delete(self.p("n", "kid"))
        t.create(self.p("s-"), sequence=True)
        t.create(self.p("s-"), sequence=True)
        res = t.commit()
        self.assertEqual(res[0], self.p("n"))
        self.assertEqual(res[5], self.p("s-0000000001"))
        self.assertEqual(res[6], self.p("s-0000000002"))
        data, st = self.zk.get(self.p("n"))
        self.assertEqual((data, st.version, st.cversion, st.numChildren),
                         (b"2", 1, 2, 0))

    def test_delete_then_create_same_path(self):
        path = self.zk.create(self.p("again"), b"old")
        t = self.zk.transaction()
        t.delete(path)
        t.create(path, b"new")
        res = t.commit()
        self.assertEqual(res, [True, path])
        self.assertEqual(self.zk.get(path)[0], b"new")

    def test_failed_multi_consumes_a_zxid(self):
        self.zk.create(self.p("z"))
        z0 = self.zk.last_zxid
        t = self.zk.transaction()
        t.check(self.p("z"), 9)
        t.commit()
        z1 = self.zk.last_zxid
        self.zk.create(self.p("z2"))
        self.assertGreater(z1, z0)
        self.assertGreater(self.zk.last_zxid, z1)

    def test_raw_result_layout(self):
        # Wire layout: header err 0 even on failure; per op
        # MultiHeader{type, done, err} + body; terminator {-1, true, -1}.
        r = self.raw()
        ok = self.zk.create(self.p("ok"))

        def hdr(op):
            return rawzk.i32(op) + rawzk.boolean(False) + rawzk.i32(-1)
        body = (hdr(rawzk.OP_CREATE) + rawzk.ustr(self.p("m1")) +
                rawzk.buf(b"") + rawzk.acl_vec() + rawzk.i32(0) +
                hdr(rawzk.OP_CHECK) + rawzk.ustr(ok) + rawzk.i32(4) +
                hdr(rawzk.OP_DELETE) + rawzk.ustr(ok) + rawzk.i32(-1) +
                rawzk.i32(-1) + rawzk.boolean(True) + rawzk.i32(-1))
        _, rep = r.call(rawzk.OP_MULTI, body)
        self.assertEqual(rep.err, 0)
        rd = rep.reader()
        got = []
        while True:
            typ, done, err = rd.i32(), rd.boolean(), rd.i32()
            if done:
                self.assertEqual((typ, err), (-1, -1))
                break
            self.assertEqual(typ, -1)
            got.append((err, rd.i32()))
        self.assertEqual(rd.rest(), 0)
        self.assertEqual(got, [(0, 0), (-103, -103), (-2, -2)])

        # Success layout: create -> type 1 + path; setData -> 5 + stat;
        # check -> 13; delete -> 2.
        body = (hdr(rawzk.OP_CREATE) + rawzk.ustr(self.p("m2")) +
                rawzk.buf(b"") + rawzk.acl_vec() + rawzk.i32(0) +
                hdr(rawzk.OP_CREATE2) + rawzk.ustr(self.p("m3")) +
                rawzk.buf(b"abc") + rawzk.acl_vec() + rawzk.i32(0) +
                hdr(rawzk.OP_SETDATA) + rawzk.ustr(ok) + rawzk.buf(b"d") +
                rawzk.i32(0) +
                hdr(rawzk.OP_CHECK) + rawzk.ustr(ok) + rawzk.i32(1) +
                hdr(rawzk.OP_DELETE) + rawzk.ustr(self.p("m2")) +
                rawzk.i32(0) +
                rawzk.i32(-1) + rawzk.boolean(True) + rawzk.i32(-1))
        _, rep = r.call(rawzk.OP_MULTI, body)
        self.assertEqual(rep.err, 0)
        rd = rep.reader()
        self.assertEqual((rd.i32(), rd.boolean(), rd.i32()), (1, False, 0))
        self.assertEqual(rd.ustr(), self.p("m2"))
        # Apache 3.8.0 answers a create2 inside multi like a plain create:
        # type 1 and the path, no Stat.
        self.assertEqual((rd.i32(), rd.boolean(), rd.i32()), (1, False, 0))
        self.assertEqual(rd.ustr(), self.p("m3"))
        self.assertEqual((rd.i32(), rd.boolean(), rd.i32()), (5, False, 0))
        self.assertEqual(rd.stat()["version"], 1)
        self.assertEqual((rd.i32(), rd.boolean(), rd.i32()), (13, False, 0))
        self.assertEqual((rd.i32(), rd.boolean(), rd.i32()), (2, False, 0))
        self.assertEqual((rd.i32(), rd.boolean(), rd.i32()), (-1, True, -1))
        self.assertEqual(rd.rest(), 0)

    def test_raw_empty_multi(self):
        r = self.raw()
        _, rep = r.call(rawzk.OP_MULTI, rawzk.i32(-1) + rawzk.boolean(True) +
                        rawzk.i32(-1))
        self.assertEqual(rep.err, 0)
        self.assertEqual(rep.body, struct.pack(">i?i", -1, True, -1))

    def test_check_any_version_and_ephemerals(self):
        path = self.zk.create(self.p("c"), b"")
        self.zk.set(path, b"1")
        t = self.zk.transaction()
        t.check(path, -1)
        t.create(self.p("e"), ephemeral=True)
        t.create(self.p("es-"), ephemeral=True, sequence=True)
        res = t.commit()
        self.assertEqual(res, [True, self.p("e"), self.p("es-0000000002")])
        sid = self.zk.client_id[0]
        self.assertEqual(self.zk.exists(self.p("e")).ephemeralOwner, sid)
        t = self.zk.transaction()
        t.create(self.p("e", "kid"))
        res = t.commit()
        self.assertIsInstance(res[0], NoChildrenForEphemeralsError)

    def raw_multi(self, r, ops):
        body = b""
        for op, rec in ops:
            body += rawzk.i32(op) + rawzk.boolean(False) + rawzk.i32(-1) + rec
        body += rawzk.i32(-1) + rawzk.boolean(True) + rawzk.i32(-1)
        _, rep = r.call(rawzk.OP_MULTI, body)
        return rep

    def failure_codes(self, rep):
        self.assertEqual(rep.err, 0)
        rd = rep.reader()
        got = []
        while True:
            typ, done, err = rd.i32(), rd.boolean(), rd.i32()
            if done:
                break
            self.assertEqual(typ, -1)
            self.assertEqual(rd.i32(), err)
            got.append(err)
        self.assertEqual(rd.rest(), 0)
        return got

    def create_rec(self, path, flags, ttl=None):
        rec = (rawzk.ustr(path) + rawzk.buf(b"") + rawzk.acl_vec() +
               rawzk.i32(flags))
        return rec if ttl is None else rec + rawzk.i64(ttl)

    def test_raw_bad_sub_op_fails_in_place(self):
        # A bad create flag or a disabled TTL fails that sub-op, in the
        # usual failure layout; it does not fail the whole request.
        r = self.raw()
        rep = self.raw_multi(r, [(1, self.create_rec(self.p("a"), 0)),
                                 (1, self.create_rec(self.p("b"), 9))])
        self.assertEqual(self.failure_codes(rep), [0, -8])
        rep = self.raw_multi(r, [(21, self.create_rec(self.p("t"), 5, 100))])
        self.assertEqual(self.failure_codes(rep), [-6])
        self.assertIsNone(self.zk.exists(self.p("a")))
        # A read op inside multi is a malformed request.
        _, rep = r.call(rawzk.OP_MULTI, rawzk.i32(4) + rawzk.boolean(False) +
                        rawzk.i32(-1) + rawzk.ustr(self.root) +
                        rawzk.boolean(False) + rawzk.i32(-1) +
                        rawzk.boolean(True) + rawzk.i32(-1))
        self.assertEqual((rep.err, rep.body), (-5, b""))

    def test_raw_container_in_multi(self):
        r = self.raw()
        rep = self.raw_multi(r, [(19, self.create_rec(self.p("ct"), 4))])
        self.assertEqual(rep.err, 0)
        rd = rep.reader()
        self.assertEqual((rd.i32(), rd.boolean(), rd.i32()), (15, False, 0))
        self.assertEqual(rd.ustr(), self.p("ct"))
        st = rd.stat()
        self.assertEqual((st["ephemeralOwner"], st["czxid"]), (0, rep.zxid))
        self.assertEqual((rd.i32(), rd.boolean(), rd.i32()), (-1, True, -1))
