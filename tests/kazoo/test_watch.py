"""One-shot watches: data, exist and child events, fired once per client,
event before the reply that shows the change, setWatches on reconnect."""

import rawzk
import zkt


class WatchTest(zkt.ZkCase):

    def test_data_watch_changed_then_one_shot(self):
        path = self.zk.create(self.p("d"), b"0")
        log = zkt.EventLog()
        self.zk.get(path, watch=log)
        other = self.client()
        other.set(path, b"1")
        ev = log.wait(1)[0]
        self.assertEqual((ev.type, ev.state, ev.path),
                         ("CHANGED", "CONNECTED", path))
        # One-shot: a second change is not reported without a new watch.
        other.set(path, b"2")
        self.zk.sync(path)
        self.zk.get(path)
        self.assertEqual(len(log.events), 1)

    def test_exists_watch_on_missing_node_fires_created(self):
        path = self.p("later")
        log = zkt.EventLog()
        self.assertIsNone(self.zk.exists(path, watch=log))
        self.client().create(path, b"")
        ev = log.wait(1)[0]
        self.assertEqual((ev.type, ev.path), ("CREATED", path))

    def test_exists_watch_fires_deleted_and_changed(self):
        path = self.zk.create(self.p("x"))
        other = self.client()
        log = zkt.EventLog()
        self.zk.exists(path, watch=log)
        other.set(path, b"v")
        self.assertEqual(log.wait(1)[0].type, "CHANGED")
        log2 = zkt.EventLog()
        self.zk.exists(path, watch=log2)
        other.delete(path)
        self.assertEqual(log2.wait(1)[0].type, "DELETED")

    def test_child_watch(self):
        base = self.zk.create(self.p("kids"))
        other = self.client()
        log = zkt.EventLog()
        self.zk.get_children(base, watch=log)
        other.create(base + "/a")
        ev = log.wait(1)[0]
        self.assertEqual((ev.type, ev.path), ("CHILD", base))
        log2 = zkt.EventLog()
        self.zk.get_children(base, watch=log2)
        other.delete(base + "/a")
        self.assertEqual(log2.wait(1)[0].type, "CHILD")
        # Data changes of the parent or a child do not fire child watches.
        log3 = zkt.EventLog()
        self.zk.get_children(base, watch=log3)
        other.set(base, b"data")
        self.zk.create(base + "/b")
        self.assertEqual(log3.wait(1)[0].type, "CHILD")
        self.assertEqual(len(log3.events), 1)

    def test_delete_fires_data_and_child_watches(self):
        base = self.zk.create(self.p("gone"))
        dlog, clog, plog = zkt.EventLog(), zkt.EventLog(), zkt.EventLog()
        self.zk.get(base, watch=dlog)
        self.zk.get_children(base, watch=clog)
        self.zk.get_children(self.root, watch=plog)
        self.client().delete(base)
        self.assertEqual(dlog.wait(1)[0].type, "DELETED")
        self.assertEqual(clog.wait(1)[0].type, "DELETED")
        self.assertEqual(plog.wait(1)[0].type, "CHILD")

    def test_get_data_on_missing_node_sets_no_watch(self):
        r = self.raw()
        path = self.p("absent")
        _, rep = r.get_data(path, watch=True)
        self.assertEqual(rep.err, -101)
        self.zk.create(path)
        self.assertEqual(r.ping(), [], "getData on a missing node "
                         "must not leave a watch")

    def test_fires_once_per_client(self):
        # exists + getData + getData on one path is one registration.
        path = self.zk.create(self.p("once"), b"")
        r = self.raw()
        for fn in (r.exists, r.get_data, r.get_data):
            _, rep = fn(path, watch=True)
            self.assertEqual(rep.err, 0)
        self.zk.set(path, b"x")
        events = r.ping()
        # The write was acknowledged before the ping: its event is already
        # queued ahead of the ping reply, exactly once.
        self.assertEqual(events, [(rawzk.EV_CHANGED, 3, path)])
        self.zk.set(path, b"y")
        self.assertEqual(r.ping(), [])

    def test_event_precedes_reply_for_own_write(self):
        path = self.zk.create(self.p("own"), b"")
        r = self.raw()
        r.get_data(path, watch=True)
        events, rep = r.set_data(path, b"new")
        self.assertEqual(rep.err, 0)
        self.assertEqual(events, [(rawzk.EV_CHANGED, 3, path)])

    def test_event_precedes_reply_that_shows_change(self):
        path = self.p("seen")
        r = self.raw()
        _, rep = r.exists(path, watch=True)
        self.assertEqual(rep.err, -101)
        self.zk.create(path, b"v")
        events, rep = r.get_data(path)
        self.assertEqual(rep.err, 0)
        self.assertEqual(events, [(rawzk.EV_CREATED, 3, path)])
        # The notification header: xid -1, err 0.

    def test_notification_header(self):
        path = self.zk.create(self.p("hdr"), b"")
        r = self.raw()
        r.get_data(path, watch=True)
        self.zk.set(path, b"z")
        xid = r.send(rawzk.OP_PING, xid=rawzk.XID_PING)
        first = r.recv()
        self.assertEqual((first.xid, first.err), (-1, 0))
        # 3.8 sends zxid -1 in notifications; 3.9 the txn's zxid.
        self.assertIn(first.zxid, (-1, self.zk.last_zxid))
        self.assertEqual(first.event(), (rawzk.EV_CHANGED, 3, path))
        self.assertEqual(r.recv().xid, xid)

    def test_event_order_within_one_txn(self):
        # Deleting P: data watch on P, then child watch on P, then
        # parent's child watch.
        base = self.zk.create(self.p("ord"))
        kid = self.zk.create(base + "/k")
        r = self.raw()
        r.get_children(base, watch=True)
        r.get_data(kid, watch=True)
        events, rep = r.delete(kid)
        self.assertEqual(rep.err, 0)
        self.assertEqual(events, [(rawzk.EV_DELETED, 3, kid),
                                  (rawzk.EV_CHILD, 3, base)])

    def test_set_watches_on_reconnect(self):
        d = self.zk.create(self.p("d"), b"")
        e = self.p("e")
        c = self.zk.create(self.p("c"))
        gone = self.zk.create(self.p("gone"))
        quiet = self.zk.create(self.p("quiet"), b"")
        r = self.raw()
        for path in (d, gone, quiet):
            r.get_data(path, watch=True)
        r.exists(e, watch=True)
        r.get_children(c, watch=True)
        sid, pw, seen = r.session_id, r.passwd, r.last_zxid
        r.close()
        # While away: d changes, e is created, gone is deleted.
        self.zk.set(d, b"changed")
        self.zk.create(e)
        self.zk.delete(gone)
        r2 = self.raw(connect=False)
        resp = r2.connect(10000, session_id=sid, passwd=pw, last_zxid=seen)
        self.assertEqual(resp["session_id"], sid)
        events, rep = r2.set_watches(seen, data=[d, gone, quiet],
                                     exist=[e], child=[c])
        self.assertEqual(rep.err, 0)
        self.assertEqual(sorted(events), sorted([
            (rawzk.EV_CREATED, 3, e),
            (rawzk.EV_DELETED, 3, gone),
            (rawzk.EV_CHANGED, 3, d)]))
        # Watches not fired on reconnect are armed again.
        self.zk.create(c + "/kid")
        self.zk.set(quiet, b"now")
        self.assertEqual(sorted(r2.ping()), sorted([
            (rawzk.EV_CHANGED, 3, quiet), (rawzk.EV_CHILD, 3, c)]))
        # Fired ones are gone.
        self.zk.set(d, b"again")
        self.assertEqual(r2.ping(), [])

    def test_watches_belong_to_the_connection(self):
        path = self.zk.create(self.p("conn"), b"")
        r = self.raw()
        r.get_data(path, watch=True)
        sid, pw = r.session_id, r.passwd
        r.close()
        r2 = self.raw(connect=False)
        r2.connect(10000, session_id=sid, passwd=pw, last_zxid=r.last_zxid)
        self.zk.set(path, b"x")
        self.assertEqual(r2.ping(), [], "watch survived its connection "
                         "without setWatches")

    def test_delete_tells_a_connection_once(self):
        # Data and child watches on the deleted node: one NodeDeleted.
        path = self.zk.create(self.p("del1"))
        r = self.raw()
        r.get_data(path, watch=True)
        r.get_children(path, watch=True)
        r.exists(path, watch=True)
        self.zk.delete(path)
        self.assertEqual(r.ping(), [(rawzk.EV_DELETED, 3, path)])

    def test_exists_watch_fires_once_across_create_delete(self):
        path = self.p("cd")
        r = self.raw()
        r.exists(path, watch=True)
        self.zk.create(path)
        self.zk.delete(path)
        self.assertEqual(r.ping(), [(rawzk.EV_CREATED, 3, path)])

    def test_child_watch_sees_ephemeral_expiry_of_others(self):
        base = self.zk.create(self.p("eph"))
        other = self.client()
        other.create(base + "/e", ephemeral=True)
        log = zkt.EventLog()
        self.assertEqual(self.zk.get_children(base, watch=log), ["e"])
        other.stop()
        ev = log.wait(1)[0]
        self.assertEqual((ev.type, ev.path), ("CHILD", base))
        self.assertEqual(self.zk.get_children(base), [])

    def test_set_watches_child_watch_on_deleted_node(self):
        base = self.zk.create(self.p("sw"))
        r = self.raw()
        r.get_children(base, watch=True)
        sid, pw, seen = r.session_id, r.passwd, r.last_zxid
        r.close()
        self.zk.delete(base)
        r2 = self.raw(connect=False)
        r2.connect(10000, session_id=sid, passwd=pw, last_zxid=seen)
        events, rep = r2.set_watches(seen, child=[base])
        self.assertEqual(rep.err, 0)
        self.assertEqual(events, [(rawzk.EV_DELETED, 3, base)])

    def test_set_watches_catch_up_rules(self):
        # Per list and node state, setWatches either fires at once or
        # arms the watch (relative to the client's last seen zxid).
        b = self.root
        for n in ("re", "gone", "same", "kids", "kids2"):
            self.zk.create(b + "/" + n)
        self.zk.create(b + "/kids2/x")
        w = self.raw()
        w.exists(b)
        rel = w.last_zxid
        # What happened while the client was away:
        self.zk.delete(b + "/re")
        self.zk.create(b + "/re")
        self.zk.delete(b + "/gone")
        self.zk.create(b + "/kids/k")
        self.zk.create(b + "/tmp")
        self.zk.delete(b + "/tmp")
        self.zk.set(b + "/kids2/x", b"1")   # not a change of kids2's list
        events, rep = w.set_watches(
            rel,
            data=[b + "/re", b + "/gone", b + "/same", b + "/tmp"],
            exist=[b + "/tmp", b + "/same", b + "/nothing"],
            child=[b + "/kids", b + "/gone", b + "/kids2", b + "/same"])
        self.assertEqual(rep.err, 0)
        E = rawzk
        self.assertEqual(sorted(events), sorted([
            (E.EV_CREATED, 3, b + "/same"),     # exist list, node present
            (E.EV_DELETED, 3, b + "/gone"),     # data list, node absent
            (E.EV_DELETED, 3, b + "/gone"),     # child list, node absent
            (E.EV_DELETED, 3, b + "/tmp"),      # data list, node absent
            (E.EV_CHANGED, 3, b + "/re"),       # mzxid after rel
            (E.EV_CHILD, 3, b + "/kids")]))     # pzxid after rel
        self.zk.create(b + "/tmp")
        self.zk.create(b + "/nothing")
        self.zk.set(b + "/same", b"x")
        self.zk.create(b + "/kids2/y")
        self.zk.create(b + "/same/c")
        self.assertEqual(sorted(w.ping()), sorted([
            (E.EV_CREATED, 3, b + "/nothing"),
            (E.EV_CREATED, 3, b + "/tmp"),
            (E.EV_CHANGED, 3, b + "/same"),
            (E.EV_CHILD, 3, b + "/kids2"),
            (E.EV_CHILD, 3, b + "/same")]))

    def test_set_watches_relative_zxid_bounds(self):
        b = self.root
        self.zk.create(b + "/n")
        self.zk.create(b + "/k")
        # Far in the future: nothing is news, everything is armed.
        w = self.raw()
        events, rep = w.set_watches(1 << 60, data=[b + "/n"],
                                    child=[b + "/k"])
        self.assertEqual((rep.err, events), (0, []))
        self.zk.set(b + "/n", b"z")
        self.assertEqual(w.ping(), [(rawzk.EV_CHANGED, 3, b + "/n")])
        # Zero: everything that exists is news.
        w0 = self.raw()
        events, rep = w0.set_watches(0, data=[b + "/n"], exist=[b + "/n"],
                                     child=[b + "/k"])
        self.assertEqual(sorted(events), sorted([
            (rawzk.EV_CREATED, 3, b + "/n"), (rawzk.EV_CHANGED, 3, b + "/n"),
            (rawzk.EV_CHILD, 3, b + "/k")]))

    def test_persistent_and_recursive_watches(self):
        # addWatch (3.6+): persistent watches stay after firing; recursive
        # ones cover the subtree and never report child changes.
        b = self.root
        w = self.raw()
        _, rep = w.call(106, rawzk.ustr(b + "/p") + rawzk.i32(0))
        self.assertEqual((rep.err, rep.body), (0, b"\0\0\0\0"))
        _, rep = w.call(106, rawzk.ustr(b) + rawzk.i32(1))
        self.assertEqual(rep.err, 0)
        _, rep = w.call(106, rawzk.ustr(b) + rawzk.i32(7))
        self.assertEqual(rep.err, -5)
        self.zk.create(b + "/p")
        self.zk.set(b + "/p", b"1")
        self.zk.create(b + "/p/c")
        self.zk.delete(b + "/p/c")
        self.zk.delete(b + "/p")
        self.zk.create(b + "/p")
        E = rawzk
        p, c = b + "/p", b + "/p/c"
        self.assertEqual(w.ping(), [
            (E.EV_CREATED, 3, p), (E.EV_CHANGED, 3, p),
            (E.EV_CREATED, 3, c), (E.EV_CHILD, 3, p),
            (E.EV_DELETED, 3, c), (E.EV_CHILD, 3, p),
            (E.EV_DELETED, 3, p), (E.EV_CREATED, 3, p)])
        # checkWatches (17) / removeWatches (18): 1 children, 2 data, 3 any.
        _, rep = w.call(17, rawzk.ustr(p) + rawzk.i32(2))
        self.assertEqual(rep.err, 0)
        _, rep = w.call(18, rawzk.ustr(p) + rawzk.i32(3))
        self.assertEqual(rep.err, 0)
        # Nothing is registered at p any more ...
        _, rep = w.call(18, rawzk.ustr(p) + rawzk.i32(3))
        self.assertEqual(rep.err, -121)
        # ... but the recursive watch on the root still covers it.
        self.zk.set(p, b"2")
        self.assertEqual(w.ping(), [(E.EV_CHANGED, 3, p)])
        _, rep = w.call(18, rawzk.ustr(b) + rawzk.i32(3))
        self.assertEqual(rep.err, 0)
        _, rep = w.call(17, rawzk.ustr(b) + rawzk.i32(3))
        self.assertEqual(rep.err, -121)
        _, rep = w.call(18, rawzk.ustr(b) + rawzk.i32(9))
        self.assertEqual(rep.err, -5)
        self.zk.set(p, b"3")
        self.assertEqual(w.ping(), [])

    def test_multi_events_in_op_order_for_every_watcher(self):
        b = self.root
        for i in range(5):
            self.zk.create(b + "/n%d" % i)
        watchers = [self.raw() for _ in range(20)]
        for w in watchers:
            for i in range(5):
                w.get_data(b + "/n%d" % i, watch=True)
            w.get_children(b, watch=True)
        t = self.zk.transaction()
        for i in (3, 1, 4, 0, 2):
            t.set_data(b + "/n%d" % i, b"x")
        t.create(b + "/new")
        t.delete(b + "/n2")     # its data watch has just fired: no event
        t.commit()
        E = rawzk
        want = [(E.EV_CHANGED, 3, b + "/n%d" % i) for i in (3, 1, 4, 0, 2)]
        want.append((E.EV_CHILD, 3, b))
        for w in watchers:
            self.assertEqual(w.ping(), want)

    def test_session_close_events(self):
        # Closing a session deletes its ephemerals in one txn: a NodeDeleted
        # per node and one NodeChildrenChanged for their parent.
        b = self.root
        e = self.raw()
        for i in range(3):
            _, rep = e.create(b + "/e%d" % i, flags=1)
            self.assertEqual(rep.err, 0)
        w = self.raw()
        for i in range(3):
            w.exists(b + "/e%d" % i, watch=True)
        w.get_children(b, watch=True)
        _, rep = e.close_session()
        self.assertEqual(rep.err, 0)
        E = rawzk
        self.assertEqual(sorted(w.ping()), sorted(
            [(E.EV_DELETED, 3, b + "/e%d" % i) for i in range(3)] +
            [(E.EV_CHILD, 3, b)]))
