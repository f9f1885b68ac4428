"""Containers and TTL nodes: createContainer (19), createTTL (21),
deleteContainer (20) from a client, and the leader's reaper (whose own
deleteContainer checks are in the unit test test_reaper).

The server must run with extended types on and a short reaper period:
Apache with -Dzookeeper.extendedTypesEnabled=true
-Dznode.container.checkIntervalMs=200, zk with the zoo.cfg keys of the
same names (tests/test_kazoo.sh starts such a server for this module).
kazoo 2.8 has no container or TTL mode, so those requests go raw.
"""

import time

from kazoo.exceptions import NoNodeError

import rawzk
import zkt

OP_CREATE_CONTAINER, OP_DELETE_CONTAINER, OP_CREATE_TTL = 19, 20, 21
PERSISTENT, EPHEMERAL, CONTAINER = 0, 1, 4
TTL, TTL_SEQUENTIAL = 5, 6
TTL_MAX = (1 << 40) - 1
REAP_SECS = 10.0        # many reaper periods (200 ms), generous under load
QUIET_SECS = 1.2        # six reaper periods: what must stay has stayed


class ContainerCase(zkt.ZkCase):

    def create_raw(self, r, op, path, flags, ttl=None, data=b""):
        body = (rawzk.ustr(path) + rawzk.buf(data) + rawzk.acl_vec() +
                rawzk.i32(flags))
        if ttl is not None:
            body += rawzk.i64(ttl)
        _, rep = r.call(op, body)
        return rep

    def container(self, r, path):
        rep = self.create_raw(r, OP_CREATE_CONTAINER, path, CONTAINER)
        self.assertEqual(rep.err, 0, "createContainer %s" % path)
        return rep

    def ttl_node(self, r, path, ttl, flags=TTL):
        rep = self.create_raw(r, OP_CREATE_TTL, path, flags, ttl)
        self.assertEqual(rep.err, 0, "createTTL %s" % path)
        return rep

    def delete_container(self, r, path):
        _, rep = r.call(OP_DELETE_CONTAINER, rawzk.ustr(path))
        return rep

    def gone(self, path, secs=REAP_SECS):
        zkt.wait_for(lambda: self.zk.exists(path) is None, secs,
                     "%s to be deleted" % path)

    def stays(self, path):
        time.sleep(QUIET_SECS)
        self.assertIsNotNone(self.zk.exists(path), "%s was deleted" % path)


class TestContainers(ContainerCase):

    def test_container_goes_after_its_last_child(self):
        r = self.raw()
        c = self.p("c")
        self.container(r, c)
        self.zk.create(c + "/kid")
        self.stays(c)                   # a container with a child stays
        deleted = zkt.EventLog()
        kids = zkt.EventLog()
        self.zk.exists(c, watch=deleted)
        self.zk.get_children(self.root, watch=kids)
        self.zk.delete(c + "/kid")
        self.gone(c)
        ev = deleted.wait(1)[0]
        self.assertEqual((ev.type, ev.path), ("DELETED", c))
        self.assertEqual(kids.wait(1)[0].type, "CHILD")
        # The parent saw one more create and one more delete.
        st = self.zk.exists(self.root)
        self.assertEqual((st.numChildren, st.cversion), (0, 2))

    def test_unused_container_stays(self):
        r = self.raw()
        self.container(r, self.p("unused"))
        self.stays(self.p("unused"))

    def test_container_stat_and_reply(self):
        r = self.raw()
        rep = self.container(r, self.p("s"))
        rd = rep.reader()
        self.assertEqual(rd.ustr(), self.p("s"))
        st = rd.stat()
        self.assertEqual((st["ephemeralOwner"], st["czxid"]), (0, rep.zxid))
        self.assertEqual(rd.rest(), 0)

    def test_container_children_of_many_kinds(self):
        # Sequential and ephemeral children count as use too; when the
        # ephemeral's session ends the container goes.
        r = self.raw()
        c = self.p("mixed")
        self.container(r, c)
        other = self.client()
        other.create(c + "/e", ephemeral=True)
        seq = self.zk.create(c + "/s-", sequence=True)
        self.assertEqual(seq, c + "/s-0000000001")
        self.zk.delete(seq)
        self.stays(c)                   # the ephemeral is still there
        other.stop()
        other.close()
        self.gone(c)


class TestDeleteContainer(ContainerCase):

    def test_from_a_client_is_bad_arguments(self):
        # Apache 3.8 reads deleteContainer's path from the whole request
        # frame, header included, whose NUL bytes fail the path check: a
        # client always gets BadArguments, as an error txn (a new zxid),
        # whatever the node, and nothing is deleted.
        r = self.raw()
        plain, kid, eph = self.p("plain"), self.p("n", "kid"), self.p("eph")
        self.zk.create(plain)
        self.zk.create(kid, makepath=True)
        self.zk.create(eph, ephemeral=True)
        self.container(r, self.p("c"))
        ttl = self.ttl_node(r, self.p("t"), 3600000)
        last = ttl.zxid
        for path in (plain, self.p("n"), eph, self.p("c"), self.p("t"),
                     self.p("missing"), "/", "noslash"):
            for body in (path.encode(), rawzk.ustr(path)):
                _, rep = r.call(OP_DELETE_CONTAINER, body)
                self.assertEqual((rep.err, rep.body), (-8, b""), path)
                self.assertEqual(rep.zxid, last + 1, path)
                last = rep.zxid
        for path in (plain, kid, eph, self.p("c"), self.p("t")):
            self.assertIsNotNone(self.zk.exists(path), path)


class TestTTL(ContainerCase):

    def test_ttl_node_goes_after_its_ttl(self):
        r = self.raw()
        t = self.p("t")
        start = time.monotonic()
        rep = self.ttl_node(r, t, 500, TTL)
        rd = rep.reader()
        self.assertEqual(rd.ustr(), t)
        st = rd.stat()
        # clients never see the TTL mark
        self.assertEqual((st["ephemeralOwner"], st["czxid"]), (0, rep.zxid))
        data, zst = self.zk.get(t)
        self.assertEqual(zst.ephemeralOwner, 0)
        self.gone(t)
        self.assertGreaterEqual(time.monotonic() - start, 0.5)

    def test_set_data_restarts_the_ttl(self):
        # The ttl counts from mtime: a setData keeps the node alive.
        r = self.raw()
        t = self.p("busy")
        self.ttl_node(r, t, 1500)
        time.sleep(1.0)
        self.zk.set(t, b"still here")
        time.sleep(1.0)                 # 2 s after create, 1 s after set
        self.assertIsNotNone(self.zk.exists(t))
        self.gone(t)

    def test_ttl_node_with_a_child_stays(self):
        r = self.raw()
        t = self.p("tp")
        self.ttl_node(r, t, 100)
        self.zk.create(t + "/kid")          # TTL nodes may have children
        self.stays(t)
        self.zk.delete(t + "/kid")
        self.gone(t)

    def test_sequential_ttl(self):
        r = self.raw()
        self.zk.create(self.p("q"))
        self.zk.create(self.p("q", "x"))
        rep = self.ttl_node(r, self.p("q", "job-"), 3600000, TTL_SEQUENTIAL)
        self.assertEqual(rep.reader().ustr(), self.p("q", "job-0000000001"))
        self.stays(self.p("q", "job-0000000001"))

    def test_long_ttl_stays(self):
        r = self.raw()
        self.ttl_node(r, self.p("long"), TTL_MAX)
        self.stays(self.p("long"))

    def test_ttl_checks(self):
        r = self.raw()
        t = self.p("bad")
        for flags, ttl, op, err in (
                (TTL, 0, OP_CREATE_TTL, -8),
                (TTL, -1, OP_CREATE_TTL, -8),
                (TTL, TTL_MAX + 1, OP_CREATE_TTL, -8),
                (TTL_SEQUENTIAL, 0, OP_CREATE_TTL, -8),
                (PERSISTENT, 100, OP_CREATE_TTL, -8),
                (EPHEMERAL, 100, OP_CREATE_TTL, -8),
                (7, 100, OP_CREATE_TTL, -8),
                (TTL, None, rawzk.OP_CREATE, -8),   # TTL mode needs op 21
                (TTL, None, rawzk.OP_CREATE2, -8)):
            rep = self.create_raw(r, op, t, flags, ttl)
            self.assertEqual(rep.err, err, (flags, ttl, op))
        # flag checks come before the parent
        rep = self.create_raw(r, OP_CREATE_TTL, self.p("no", "x"), TTL, 0)
        self.assertEqual(rep.err, -8)
        rep = self.create_raw(r, OP_CREATE_TTL, self.p("no", "x"), TTL, 10)
        self.assertEqual(rep.err, -101)
        self.assertIsNone(self.zk.exists(t))
        with self.assertRaises(NoNodeError):
            self.zk.get(self.p("no"))
        # Not sent: createTTL with a non-TTL mode and ttl -1 passes
        # Apache 3.8's checks, and applying it stops the server; zk
        # answers BadArguments (unit test test_reaper).
