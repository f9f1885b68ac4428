"""All eleven Stat fields, checked against Apache's rules: zxid relations,
times, data/child/ACL versions, owner, lengths and counts."""

import time

import zkt


class StatTest(zkt.ZkCase):

    def write_zxid(self):
        # kazoo records the zxid of the last reply; for a write just
        # answered that is the write's own zxid.
        return self.zk.last_zxid

    def test_fresh_node(self):
        before = int(time.time() * 1000)
        path = self.zk.create(self.p("n"), b"12345")
        after = int(time.time() * 1000)
        z = self.write_zxid()
        st = self.zk.exists(path)
        self.assertEqual((st.czxid, st.mzxid, st.pzxid), (z, z, z))
        self.assertEqual(st.ctime, st.mtime)
        # Server clock vs ours on one machine: allow 2 s of slack.
        self.assertGreaterEqual(st.ctime, before - 2000)
        self.assertLessEqual(st.ctime, after + 2000)
        self.assertEqual((st.version, st.cversion, st.aversion), (0, 0, 0))
        self.assertEqual(st.ephemeralOwner, 0)
        self.assertEqual((st.dataLength, st.numChildren), (5, 0))

    def test_set_data_moves_mzxid_mtime_version_only(self):
        path = self.zk.create(self.p("n"), b"a")
        st0 = self.zk.exists(path)
        time.sleep(0.01)  # so that mtime can differ from ctime
        st1 = self.zk.set(path, b"bcd")
        z = self.write_zxid()
        self.assertEqual(st1.mzxid, z)
        self.assertGreater(st1.mzxid, st0.mzxid)
        self.assertEqual(st1.czxid, st0.czxid)
        self.assertEqual(st1.pzxid, st0.pzxid)
        self.assertEqual(st1.ctime, st0.ctime)
        self.assertGreaterEqual(st1.mtime, st0.mtime)
        self.assertEqual(st1.version, 1)
        self.assertEqual(st1.cversion, 0)
        self.assertEqual(st1.dataLength, 3)
        self.assertEqual(st1, self.zk.exists(path))

    def test_children_move_pzxid_cversion_not_mzxid(self):
        parent = self.zk.create(self.p("par"), b"x")
        st0 = self.zk.exists(parent)
        self.zk.create(parent + "/a")
        za = self.write_zxid()
        self.zk.create(parent + "/b", ephemeral=True)
        zb = self.write_zxid()
        st = self.zk.exists(parent)
        self.assertEqual(st.pzxid, zb)
        self.assertEqual(st.cversion, 2)
        self.assertEqual(st.numChildren, 2)
        self.assertEqual(st.mzxid, st0.mzxid)
        self.assertEqual(st.version, 0)
        self.assertEqual(self.zk.exists(parent + "/a").czxid, za)
        # A delete counts in the exposed cversion too (creates + deletes).
        self.zk.delete(parent + "/a")
        zd = self.write_zxid()
        st = self.zk.exists(parent)
        self.assertEqual(st.pzxid, zd)
        self.assertEqual(st.cversion, 3)
        self.assertEqual(st.numChildren, 1)
        # Setting a child's data leaves the parent alone.
        self.zk.set(parent + "/b", b"y")
        self.assertEqual(self.zk.exists(parent), st)

    def test_child_write_does_not_touch_grandparent(self):
        parent = self.zk.create(self.p("g"))
        self.zk.create(parent + "/c")
        st_root = self.zk.exists(self.root)
        self.zk.create(parent + "/c/d")
        self.assertEqual(self.zk.exists(self.root), st_root)

    def test_ephemeral_owner(self):
        other = self.client()
        path = other.create(self.p("e"), b"", ephemeral=True)
        st = self.zk.exists(path)
        self.assertEqual(st.ephemeralOwner, other.client_id[0])
        self.assertNotEqual(st.ephemeralOwner, self.zk.client_id[0])

    def test_acl_version(self):
        path = self.zk.create(self.p("acl"))
        st0 = self.zk.exists(path)
        acl, _ = self.zk.get_acls(path)
        st1 = self.zk.set_acls(path, acl)
        self.assertEqual(st1.aversion, 1)
        # setACL changes only the ACL version.
        self.assertEqual((st1.mzxid, st1.mtime, st1.version),
                         (st0.mzxid, st0.mtime, st0.version))

    def test_stat_same_from_every_read(self):
        path = self.zk.create(self.p("same"), b"d")
        self.zk.create(path + "/k")
        self.zk.set(path, b"dd")
        a = self.zk.exists(path)
        b = self.zk.get(path)[1]
        c = self.zk.get_children(path, include_data=True)[1]
        self.assertEqual(a, b)
        self.assertEqual(a, c)

    def test_system_node_stats(self):
        st = self.zk.exists("/zookeeper")
        self.assertEqual((st.czxid, st.mzxid, st.pzxid), (0, 0, 0))
        self.assertEqual((st.ctime, st.mtime), (0, 0))
        self.assertEqual((st.version, st.aversion, st.ephemeralOwner),
                         (0, 0, 0))
        self.assertEqual(st.dataLength, 0)
        self.assertEqual(st.numChildren, 2)
        self.assertEqual(st.cversion, -2)
        q = self.zk.exists("/zookeeper/quota")
        self.assertEqual((q.czxid, q.mzxid, q.version, q.numChildren),
                         (0, 0, 0, 0))
        self.assertEqual(q.cversion, 0)

    def test_config_node(self):
        st = self.zk.exists("/zookeeper/config")
        self.assertEqual((st.czxid, st.mzxid, st.pzxid, st.ctime),
                         (0, 0, 0, 0))
        self.assertEqual((st.version, st.aversion, st.numChildren),
                         (0, -1, 0))
        acl, _ = self.zk.get_acls("/zookeeper/config")
        self.assertEqual([(a.perms, a.id.scheme, a.id.id) for a in acl],
                         [(1, "world", "anyone")])

    def test_root_stat(self):
        st = self.zk.exists("/")
        self.assertEqual((st.czxid, st.mzxid, st.ctime, st.mtime),
                         (0, 0, 0, 0))
        self.assertEqual((st.version, st.aversion, st.ephemeralOwner),
                         (0, 0, 0))
        self.assertEqual(st.numChildren, len(self.zk.get_children("/")))
        # Our own top-level node was the last child created under "/"
        # unless another case ran meanwhile.
        self.assertGreaterEqual(st.pzxid, self.zk.exists(self.root).czxid)
