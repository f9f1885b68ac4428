"""Znode operations through kazoo: create/create2 in every mode, sequence
names, delete, exists, getData, setData, getChildren(2), sync, versions."""

from kazoo.exceptions import (BadVersionError, NoChildrenForEphemeralsError,
                              NodeExistsError, NoNodeError, NotEmptyError)

import zkt


class NodeTest(zkt.ZkCase):

    def test_create_persistent_and_get(self):
        path = self.zk.create(self.p("a"), b"hello")
        self.assertEqual(path, self.p("a"))
        data, st = self.zk.get(path)
        self.assertEqual(data, b"hello")
        self.assertEqual(st.dataLength, 5)
        self.assertEqual(st.ephemeralOwner, 0)

    def test_create2_returns_path_and_stat(self):
        path, st = self.zk.create(self.p("c2"), b"abc", include_data=True)
        self.assertEqual(path, self.p("c2"))
        self.assertEqual(st.dataLength, 3)
        self.assertEqual(st.version, 0)
        self.assertEqual(st, self.zk.exists(path))

    def test_create_existing_is_node_exists(self):
        self.zk.create(self.p("dup"))
        with self.assertRaises(NodeExistsError):
            self.zk.create(self.p("dup"))
        with self.assertRaises(NodeExistsError):
            self.zk.create(self.p("dup"), include_data=True)

    def test_create_missing_parent_is_no_node(self):
        with self.assertRaises(NoNodeError):
            self.zk.create(self.p("no", "child"))
        with self.assertRaises(NoNodeError):
            self.zk.create(self.p("no", "child"), include_data=True)

    def test_ephemeral_owner_and_no_children(self):
        path = self.zk.create(self.p("eph"), b"", ephemeral=True)
        st = self.zk.exists(path)
        self.assertEqual(st.ephemeralOwner, self.zk.client_id[0])
        with self.assertRaises(NoChildrenForEphemeralsError):
            self.zk.create(path + "/kid")
        with self.assertRaises(NoChildrenForEphemeralsError):
            self.zk.create(path + "/kid", ephemeral=True, sequence=True)

    def test_sequential_ten_digit_per_parent_counter(self):
        q = self.zk.create(self.p("q"))
        a = self.zk.create(q + "/job-", sequence=True)
        self.assertEqual(a, q + "/job-0000000000")
        # Every child ever created counts, sequential or not, and deletes
        # do not give numbers back.
        self.zk.create(q + "/plain")
        self.zk.delete(a)
        b = self.zk.create(q + "/job-", sequence=True)
        self.assertEqual(b, q + "/job-0000000002")
        c = self.zk.create(q + "/other-", b"x", ephemeral=True,
                           sequence=True)
        self.assertEqual(c, q + "/other-0000000003")
        self.assertEqual(self.zk.exists(c).ephemeralOwner,
                         self.zk.client_id[0])
        # The counter is per parent.
        r = self.zk.create(self.p("r"))
        self.assertEqual(self.zk.create(r + "/x", sequence=True),
                         r + "/x0000000000")
        path, st = self.zk.create(q + "/s-", sequence=True,
                                  include_data=True)
        self.assertEqual(path, q + "/s-0000000004")
        self.assertEqual(st.ephemeralOwner, 0)

    def test_sequential_with_trailing_slash(self):
        # "/q/" + sequential names the child by the number alone.
        q = self.zk.create(self.p("q"))
        self.assertEqual(self.zk.create(q + "/", sequence=True),
                         q + "/0000000000")

    def test_delete_and_exists(self):
        path = self.zk.create(self.p("d"))
        self.assertIsNotNone(self.zk.exists(path))
        self.zk.delete(path)
        self.assertIsNone(self.zk.exists(path))
        with self.assertRaises(NoNodeError):
            self.zk.delete(path)
        with self.assertRaises(NoNodeError):
            self.zk.get(path)

    def test_delete_non_empty(self):
        path = self.zk.create(self.p("ne"))
        self.zk.create(path + "/kid")
        with self.assertRaises(NotEmptyError):
            self.zk.delete(path)

    def test_set_and_versions(self):
        path = self.zk.create(self.p("v"), b"0")
        st = self.zk.set(path, b"1")
        self.assertEqual(st.version, 1)
        st = self.zk.set(path, b"2", version=1)
        self.assertEqual(st.version, 2)
        with self.assertRaises(BadVersionError):
            self.zk.set(path, b"3", version=1)
        st = self.zk.set(path, b"3", version=-1)
        self.assertEqual(st.version, 3)
        self.assertEqual(self.zk.get(path)[0], b"3")
        with self.assertRaises(BadVersionError):
            self.zk.delete(path, version=2)
        self.zk.delete(path, version=3)
        self.assertIsNone(self.zk.exists(path))

    def test_set_missing_is_no_node(self):
        with self.assertRaises(NoNodeError):
            self.zk.set(self.p("missing"), b"x")

    def test_version_error_precedence(self):
        # delete: NotEmpty is checked after the version.
        path = self.zk.create(self.p("pv"))
        self.zk.create(path + "/kid")
        with self.assertRaises(BadVersionError):
            self.zk.delete(path, version=7)
        with self.assertRaises(NotEmptyError):
            self.zk.delete(path, version=0)

    def test_empty_and_binary_data(self):
        path = self.zk.create(self.p("empty"))
        data, st = self.zk.get(path)
        self.assertEqual((data, st.dataLength), (b"", 0))
        blob = bytes(range(256)) * 4
        self.zk.set(path, blob)
        data, st = self.zk.get(path)
        self.assertEqual((data, st.dataLength), (blob, 1024))

    def test_get_children_and_children2(self):
        base = self.zk.create(self.p("kids"))
        names = ["a", "b", "c-0", "z"]
        for n in names:
            self.zk.create(base + "/" + n)
        self.assertEqual(sorted(self.zk.get_children(base)), names)
        kids, st = self.zk.get_children(base, include_data=True)
        self.assertEqual(sorted(kids), names)
        self.assertEqual(st.numChildren, 4)
        self.assertEqual(st, self.zk.exists(base))
        self.assertEqual(self.zk.get_children(base + "/a"), [])
        with self.assertRaises(NoNodeError):
            self.zk.get_children(base + "/nope")
        with self.assertRaises(NoNodeError):
            self.zk.get_children(base + "/nope", include_data=True)

    def test_sync(self):
        self.assertEqual(self.zk.sync(self.root), self.root)
        # sync does not check that the node exists.
        self.assertEqual(self.zk.sync(self.p("nothing")), self.p("nothing"))

    def test_system_nodes_present(self):
        kids = self.zk.get_children("/zookeeper")
        self.assertIn("quota", kids)
        self.assertIn("config", kids)
        self.assertIsNotNone(self.zk.exists("/zookeeper/quota"))
        self.assertIn("zookeeper", self.zk.get_children("/"))
        data, st = self.zk.get("/zookeeper/quota")
        self.assertEqual(data, b"")

    def test_unicode_names(self):
        path = self.zk.create(self.p("\u00e9t\u00e9-\u4e2d"), "\u2603".encode())
        self.assertIn("\u00e9t\u00e9-\u4e2d", self.zk.get_children(self.root))
        self.assertEqual(self.zk.get(path)[0], "\u2603".encode())

    def test_many_children(self):
        base = self.zk.create(self.p("many"))
        names = ["c%04d-%s" % (i, "x" * 40) for i in range(600)]
        for i in range(0, len(names), 100):
            t = self.zk.transaction()
            for n in names[i:i + 100]:
                t.create(base + "/" + n)
            self.assertEqual(len(t.commit()), 100)
        self.assertEqual(sorted(self.zk.get_children(base)), names)
        kids, st = self.zk.get_children(base, include_data=True)
        self.assertEqual(len(kids), 600)
        self.assertEqual((st.numChildren, st.cversion), (600, 600))
        self.assertEqual(self.zk.create(base + "/s", sequence=True),
                         base + "/s0000000600")

    def test_long_names_and_deep_paths(self):
        # No limit on names or depth other than the packet size.
        long_name = "n" * 10000
        path = self.zk.create(self.p(long_name), b"L")
        self.assertEqual(self.zk.get(path)[0], b"L")
        self.assertEqual(self.zk.get_children(self.root), [long_name])
        deep = self.root
        for i in range(300):
            deep += "/d%d" % i
        self.assertEqual(self.zk.create(deep, b"D", makepath=True), deep)
        self.assertEqual(self.zk.get(deep)[0], b"D")
