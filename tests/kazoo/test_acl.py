"""ACLs and auth as kazoo sees them: digest credentials, NoAuth,
InvalidACL, per-permission checks and the check order around them."""

from kazoo.exceptions import (InvalidACLError, NoAuthError, NoNodeError,
                              NodeExistsError)
from kazoo.security import (ACL, CREATOR_ALL_ACL, Id, OPEN_ACL_UNSAFE,
                            READ_ACL_UNSAFE, Permissions, make_digest_acl,
                            make_digest_acl_credential)

import rawzk
import zkt


class AclTest(zkt.ZkCase):

    def test_digest_acl(self):
        owner = self.client(auth_data=[("digest", "alice:secret")])
        acl = [make_digest_acl("alice", "secret", all=True)]
        path = owner.create(self.p("priv"), b"s", acl=acl)
        self.assertEqual(owner.get(path)[0], b"s")
        with self.assertRaises(NoAuthError):
            self.zk.get(path)
        with self.assertRaises(NoAuthError):
            self.zk.set(path, b"x")
        with self.assertRaises(NoAuthError):
            self.zk.get_children(path)
        with self.assertRaises(NoAuthError):
            self.zk.create(path + "/kid")
        # exists needs no READ on 3.8.0; the Stat is visible.
        self.assertIsNotNone(self.zk.exists(path))
        with self.assertRaises(NoAuthError):
            self.zk.get_acls(path)
        got, st = owner.get_acls(path)
        self.assertEqual(got, acl)
        self.assertEqual(got[0].id.scheme, "digest")
        self.assertEqual(got[0].perms, Permissions.ALL)
        # Credentials may be added to a live connection.
        self.zk.add_auth("digest", "alice:secret")
        self.assertEqual(self.zk.get(path)[0], b"s")
        # A wrong password is accepted as an identity that matches nothing.
        other = self.client(auth_data=[("digest", "alice:wrong")])
        with self.assertRaises(NoAuthError):
            other.get(path)

    def test_read_only_acl(self):
        path = self.zk.create(self.p("ro"), b"r", acl=READ_ACL_UNSAFE)
        self.assertEqual(self.zk.get(path)[0], b"r")
        with self.assertRaises(NoAuthError):
            self.zk.set(path, b"w")
        with self.assertRaises(NoAuthError):
            self.zk.create(path + "/kid")
        with self.assertRaises(NoAuthError):
            self.zk.set_acls(path, OPEN_ACL_UNSAFE)
        # delete needs DELETE on the parent, not on the node.
        self.zk.delete(path)

    def test_create_without_create_perm_is_no_auth_before_exists(self):
        acl = [ACL(Permissions.READ | Permissions.WRITE,
                   Id("world", "anyone"))]
        path = self.zk.create(self.p("nocreate"), acl=acl)
        with self.assertRaises(NoAuthError):
            self.zk.create(path + "/kid")
        # NoNode comes first for a missing parent, NoAuth before NodeExists.
        with self.assertRaises(NoNodeError):
            self.zk.create(path + "/a/b")

    def test_invalid_acl(self):
        bad = [ACL(Permissions.ALL, Id("world", "other"))]
        with self.assertRaises(InvalidACLError):
            self.zk.create(self.p("bad"), acl=bad)
        with self.assertRaises(InvalidACLError):
            self.zk.create(self.p("bad2"),
                           acl=[ACL(Permissions.ALL, Id("digest", "nocolon"))])
        # auth scheme without any authenticated identity.
        with self.assertRaises(InvalidACLError):
            self.zk.create(self.p("bad3"),
                           acl=[ACL(Permissions.ALL, Id("auth", ""))])
        self.assertIsNone(self.zk.exists(self.p("bad")))
        with self.assertRaises(NodeExistsError):
            self.zk.create(self.root)

    def test_set_acl_version(self):
        path = self.zk.create(self.p("av"))
        st = self.zk.set_acls(path, READ_ACL_UNSAFE, version=0)
        self.assertEqual(st.aversion, 1)
        acl, st2 = self.zk.get_acls(path)
        self.assertEqual(acl, READ_ACL_UNSAFE)
        self.assertEqual(st2.aversion, 1)

    def test_unknown_auth_scheme_fails_and_closes(self):
        r = self.raw()
        body = rawzk.i32(0) + rawzk.ustr("nosuch") + rawzk.buf(b"x")
        xid = r.send(100, body, xid=-4)
        rep = r.recv()
        self.assertEqual((rep.xid, rep.err), (xid, -115))
        with self.assertRaises((rawzk.Closed, ConnectionError)):
            r.ping()

    def test_creator_all_acl(self):
        # "auth" stands for every authenticated id of the caller.
        owner = self.client(auth_data=[("digest", "bob:pw")])
        path = owner.create(self.p("mine"), b"m", acl=CREATOR_ALL_ACL)
        acl, _ = owner.get_acls(path)
        self.assertEqual([(a.perms, a.id.scheme, a.id.id) for a in acl],
                         [(31, "digest",
                           make_digest_acl_credential("bob", "pw"))])
        with self.assertRaises(NoAuthError):
            self.zk.get(path)
        self.assertEqual(owner.get(path)[0], b"m")

    def test_watch_events_need_read(self):
        # Debian's 3.8.0 carries the fix that drops watch events for
        # connections without READ on the node (3.8.4 upstream).
        owner = self.client(auth_data=[("digest", "carol:pw")])
        secret = owner.create(self.p("secret"), b"",
                              acl=[make_digest_acl("carol", "pw", all=True)])
        open_node = owner.create(self.p("open"), b"")
        r = self.raw()
        _, rep = r.exists(secret, watch=True)
        self.assertEqual(rep.err, 0)
        _, rep = r.exists(open_node, watch=True)
        self.assertEqual(rep.err, 0)
        _, rep = r.get_children(self.root, watch=True)
        self.assertEqual(rep.err, 0)
        owner.set(secret, b"x")
        owner.set(open_node, b"x")
        # Only the readable node's event arrives.
        self.assertEqual(r.ping(), [(rawzk.EV_CHANGED, 3, open_node)])
        # A connection with the credentials is told.
        r2 = self.raw()
        r2.send(100, rawzk.i32(0) + rawzk.ustr("digest") +
                rawzk.buf(b"carol:pw"), xid=-4)
        rep = r2.recv()
        self.assertEqual((rep.xid, rep.err), (-4, 0))
        r2.exists(secret, watch=True)
        r.exists(secret, watch=True)
        owner.delete(secret)
        self.assertEqual(r2.ping(), [(rawzk.EV_DELETED, 3, secret)])
        # The parent is readable: its child event reaches everyone.
        self.assertEqual(r.ping(), [(rawzk.EV_CHILD, 3, self.root)])

    def test_super_digest(self):
        # The server's superDigest (super:pw here, see tests/compat.sh)
        # passes every ACL check; a wrong password is just another id.
        owner = self.client(auth_data=[("digest", "gina:pw")])
        path = owner.create(self.p("locked"), b"s",
                            acl=[make_digest_acl("gina", "pw", all=True)])
        wrong = self.client(auth_data=[("digest", "super:nope")])
        with self.assertRaises(NoAuthError):
            wrong.get(path)
        su = self.client(auth_data=[("digest", "super:pw")])
        self.assertEqual(su.get(path)[0], b"s")
        su.set(path, b"t")
        self.assertEqual(owner.get(path)[0], b"t")
        su.delete(path)
        self.assertIsNone(self.zk.exists(path))

    def test_session_close_events_need_read(self):
        # The ephemerals a closing session leaves behind are deleted by
        # the close; NodeDeleted goes only to connections with READ.
        owner = self.client(auth_data=[("digest", "fred:pw")])
        secret = owner.create(self.p("eph-secret"), b"", ephemeral=True,
                              acl=[make_digest_acl("fred", "pw", all=True)])
        shown = owner.create(self.p("eph-shown"), b"", ephemeral=True)
        r = self.raw()
        for path in (secret, shown):
            _, rep = r.exists(path, watch=True)
            self.assertEqual(rep.err, 0)
        owner.stop()
        owner.close()
        self.assertEqual(r.ping(), [(rawzk.EV_DELETED, 3, shown)])
        self.assertIsNone(self.zk.exists(secret))

    def test_recursive_watch_hides_unreadable_children(self):
        # CVE-2024-23944: a recursive watch on a readable parent must not
        # reveal the paths of children it cannot READ.
        owner = self.client(auth_data=[("digest", "dave:pw")])
        r = self.raw()
        _, rep = r.call(106, rawzk.ustr(self.root) + rawzk.i32(1))
        self.assertEqual(rep.err, 0)
        hidden = owner.create(self.p("hidden-name"), b"",
                              acl=[make_digest_acl("dave", "pw", all=True)])
        shown = owner.create(self.p("shown"), b"")
        owner.set(hidden, b"x")
        owner.delete(hidden)
        self.assertEqual(r.ping(), [(rawzk.EV_CREATED, 3, shown)])

    def test_ip_acls(self):
        # Valid ip ids: IPv4 address or address/bits (3.8.0 takes no IPv6).
        cases = [("127.0.0.1", "read"), ("127.0.0.0/8", "read"),
                 ("10.0.0.0/8", "noauth"), ("::1", "invalid"),
                 ("127.0.0.1/33", "invalid"), ("1.2.3", "invalid")]
        for i, (ident, want) in enumerate(cases):
            path = self.p("ip%d" % i)
            try:
                self.zk.create(path, acl=[ACL(31, Id("ip", ident))])
            except InvalidACLError:
                got = "invalid"
            else:
                try:
                    self.zk.get(path)
                    got = "read"
                except NoAuthError:
                    got = "noauth"
            self.assertEqual(got, want, "ip:%s" % ident)

    def test_get_acl_masks_digest_without_admin(self):
        owner = self.client(auth_data=[("digest", "erin:pw")])
        path = owner.create(self.p("m"), b"", acl=[
            make_digest_acl("erin", "pw", all=True),
            ACL(Permissions.READ, Id("world", "anyone"))])
        acl, _ = self.zk.get_acls(path)
        self.assertEqual([(a.perms, a.id.scheme, a.id.id) for a in acl],
                         [(31, "digest", "erin:x"), (1, "world", "anyone")])

    def test_auth_packet_schemes(self):
        # digest takes any bytes and ip re-adds the address (err 0, the
        # connection stays); schemes without an auth provider for
        # packets fail with AuthFailed and the connection is closed.
        cases = [("digest", b"abc", 0), ("digest", b"", 0),
                 ("digest", b"a:", 0), ("ip", b"x", 0),
                 ("world", b"anyone", -115), ("super", b"x", -115),
                 ("sasl", b"x", -115)]
        for scheme, auth, want in cases:
            r = self.raw()
            r.send(100, rawzk.i32(0) + rawzk.ustr(scheme) + rawzk.buf(auth),
                   xid=-4)
            rep = r.recv()
            self.assertEqual((rep.xid, rep.zxid, rep.err), (-4, 0, want),
                             "%s %r" % (scheme, auth))
            if want:
                with self.assertRaises((rawzk.Closed, ConnectionError)):
                    r.ping()
            else:
                self.assertEqual(r.ping(), [])
