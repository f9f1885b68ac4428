"""kazoo's recipes on top of the server: Lock, Election, Queue,
LockingQueue, Barrier, DoubleBarrier and Counter. Each needs ephemeral
sequential nodes, child watches and versions to behave exactly."""

import threading
import time

from kazoo.exceptions import LockTimeout

import zkt

JOIN_SECS = 20


def start(fn, *args):
    t = threading.Thread(target=fn, args=args, daemon=True)
    t.start()
    return t


class RecipeTest(zkt.ZkCase):

    def join(self, threads):
        deadline = time.monotonic() + JOIN_SECS
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
            self.assertFalse(t.is_alive(), "worker still running")

    def test_lock_mutual_exclusion(self):
        path = self.p("lock")
        inside, seen, errors = [0], [], []
        guard = threading.Lock()

        def worker(i):
            c = self.client()
            lock = c.Lock(path, "w%d" % i)
            try:
                for _ in range(5):
                    with lock:
                        with guard:
                            inside[0] += 1
                            seen.append(inside[0])
                        time.sleep(0.002)
                        with guard:
                            inside[0] -= 1
            except Exception as e:  # reported below, not swallowed
                errors.append(e)
        self.join([start(worker, i) for i in range(4)])
        self.assertEqual(errors, [])
        self.assertEqual(len(seen), 20)
        self.assertEqual(max(seen), 1, "two holders at once")
        self.assertEqual(self.zk.get_children(path), [])

    def test_lock_timeout_and_release_on_session_close(self):
        path = self.p("lock2")
        holder = self.client()
        lock = holder.Lock(path, "holder")
        self.assertTrue(lock.acquire(timeout=10))
        contender = self.zk.Lock(path, "contender")
        with self.assertRaises(LockTimeout):
            contender.acquire(timeout=0.5)
        self.assertEqual(sorted(lock.contenders()), ["holder"])
        holder.stop()  # the ephemeral lock node goes with the session
        self.assertTrue(contender.acquire(timeout=10))
        contender.release()

    def test_election(self):
        path = self.p("elect")
        won, order = threading.Event(), []
        clients = [self.client() for _ in range(3)]
        elections = [c.Election(path, "c%d" % i)
                     for i, c in enumerate(clients)]
        release = threading.Event()

        def run(i):
            def lead():
                order.append(i)
                won.set()
                release.wait(JOIN_SECS)
            try:
                elections[i].run(lead)
            except Exception as e:
                # c0's session is closed under it on purpose.
                if i != 0:
                    errors.append(e)
        errors = []
        threads = [start(run, 0)]
        self.assertTrue(won.wait(10))
        threads += [start(run, 1), start(run, 2)]
        zkt.wait_for(lambda: len(elections[0].contenders()) == 3, 10,
                     "three contenders")
        line = elections[0].contenders()
        self.assertEqual(line[0], "c0")
        # The leader's session ends; the next in line takes over.
        won.clear()
        clients[0].stop()
        self.assertTrue(won.wait(10))
        # The next in sequence order, whichever of c1, c2 queued first.
        self.assertEqual(order[:2], [0, int(line[1][1:])])
        release.set()
        for e in elections:
            e.cancel()
        self.join(threads[1:])
        self.assertEqual(errors, [])

    def test_queue_fifo_and_priority(self):
        q = self.zk.Queue(self.p("q"))
        for i in range(5):
            q.put(b"item-%d" % i)
        q.put(b"urgent", priority=10)
        q.put(b"first", priority=0)
        self.assertEqual(len(q), 7)
        got = [q.get() for _ in range(7)]
        self.assertEqual(got, [b"first", b"urgent"] +
                         [b"item-%d" % i for i in range(5)])
        self.assertIsNone(q.get())

    def test_queue_concurrent_consumers(self):
        q = self.zk.Queue(self.p("cq"))
        for i in range(30):
            q.put(b"%d" % i)
        got, lock = [], threading.Lock()

        def consume():
            mine = self.client().Queue(self.p("cq"))
            while True:
                item = mine.get()
                if item is None:
                    return
                with lock:
                    got.append(item)
        self.join([start(consume) for _ in range(3)])
        self.assertEqual(sorted(got, key=int), [b"%d" % i for i in range(30)])

    def test_locking_queue(self):
        q = self.zk.LockingQueue(self.p("lq"))
        q.put(b"a")
        q.put(b"b")
        self.assertEqual(q.get(timeout=5), b"a")
        # Until consume() the entry stays locked for others.
        other = self.client().LockingQueue(self.p("lq"))
        self.assertEqual(other.get(timeout=5), b"b")
        self.assertTrue(q.consume())
        self.assertTrue(other.consume())
        self.assertEqual(len(q), 0)
        self.assertIsNone(q.get(timeout=0.3))

    def test_barrier(self):
        path = self.p("bar")
        b = self.zk.Barrier(path)
        b.create()
        passed = threading.Event()

        def waiter():
            if self.client().Barrier(path).wait(JOIN_SECS):
                passed.set()
        t = start(waiter)
        self.assertFalse(passed.wait(0.3), "passed a standing barrier")
        b.remove()
        self.assertTrue(passed.wait(10))
        self.join([t])
        self.assertTrue(b.wait(1))

    def test_double_barrier(self):
        path = self.p("dbar")
        entered, left, errors = [], [], []
        lock = threading.Lock()

        def member(i):
            try:
                db = self.client().DoubleBarrier(path, 3, "m%d" % i)
                db.enter()
                with lock:
                    entered.append(i)
                db.leave()
                with lock:
                    left.append(i)
            except Exception as e:
                errors.append(e)
        threads = [start(member, 0), start(member, 1)]
        time.sleep(0.3)  # give the first two time to (wrongly) pass
        self.assertEqual(entered, [], "entered before all arrived")
        threads.append(start(member, 2))
        self.join(threads)
        self.assertEqual(errors, [])
        self.assertEqual(sorted(entered), [0, 1, 2])
        self.assertEqual(sorted(left), [0, 1, 2])

    def test_counter(self):
        path = self.p("count")
        c = self.zk.Counter(path)
        c += 5
        c -= 2
        self.assertEqual(c.value, 3)
        errors = []

        def bump():
            try:
                mine = self.client().Counter(path)
                for _ in range(10):
                    mine += 1
            except Exception as e:
                errors.append(e)
        self.join([start(bump) for _ in range(4)])
        self.assertEqual(errors, [])
        self.assertEqual(self.zk.Counter(path).value, 43)
        f = self.zk.Counter(self.p("fcount"), default=0.0)
        f += 1.5
        self.assertEqual(f.value, 1.5)

    def test_data_watch_and_children_watch(self):
        # kazoo's DataWatch / ChildrenWatch re-register after every event,
        # so they see every state in order.
        path = self.zk.create(self.p("dw"), b"0")
        datas, kids = [], []
        cond = threading.Condition()

        def on_data(data, stat):
            with cond:
                datas.append(data)
                cond.notify_all()

        def on_kids(children):
            with cond:
                kids.append(sorted(children))
                cond.notify_all()
        self.zk.DataWatch(path, on_data)
        self.zk.ChildrenWatch(path, on_kids)
        other = self.client()

        def wait(cond_fn, what):
            with cond:
                self.assertTrue(cond.wait_for(cond_fn, 10), what)
        wait(lambda: datas == [b"0"] and kids == [[]], "initial calls")
        other.set(path, b"1")
        wait(lambda: datas[-1:] == [b"1"], "data 1")
        other.create(path + "/a")
        wait(lambda: kids[-1:] == [["a"]], "child a")
        other.set(path, b"2")
        wait(lambda: datas[-1:] == [b"2"], "data 2")
        other.delete(path + "/a")
        wait(lambda: kids[-1:] == [[]], "no children")
        other.delete(path)
        wait(lambda: datas[-1:] == [None], "deleted")
        self.assertEqual(datas, [b"0", b"1", b"2", None])

    def test_semaphore(self):
        path = self.p("sem")
        inside, peak, errors = [0], [0], []
        guard = threading.Lock()

        def worker(i):
            try:
                sem = self.client().Semaphore(path, "w%d" % i, max_leases=2)
                for _ in range(3):
                    with sem:
                        with guard:
                            inside[0] += 1
                            peak[0] = max(peak[0], inside[0])
                        time.sleep(0.005)
                        with guard:
                            inside[0] -= 1
            except Exception as e:
                errors.append(e)
        self.join([start(worker, i) for i in range(4)])
        self.assertEqual(errors, [])
        self.assertLessEqual(peak[0], 2)
        self.assertEqual(self.zk.Semaphore(path, max_leases=2).lease_holders(),
                         [])

    def test_party(self):
        path = self.p("party")
        members = [self.client().Party(path, "m%d" % i) for i in range(3)]
        for m in members:
            m.join()
        self.assertEqual(sorted(members[0]), ["m0", "m1", "m2"])
        self.assertEqual(len(members[1]), 3)
        members[1].leave()
        self.assertEqual(sorted(members[2]), ["m0", "m2"])
        self.assertEqual(sorted(self.zk.Party(path)), ["m0", "m2"])

    def test_tree_cache(self):
        from kazoo.recipe.cache import TreeCache, TreeEvent
        base = self.zk.create(self.p("tc"))
        self.zk.create(base + "/a", b"1")
        cache = TreeCache(self.zk, base)
        seen, cond = [], threading.Condition()

        def listener(ev):
            with cond:
                seen.append(ev)
                cond.notify_all()
        cache.listen(listener)
        cache.start()
        self.addCleanup(cache.close)

        def wait_event(kind, path):
            def found():
                return any(e.event_type == kind and e.event_data and
                           e.event_data.path == path for e in seen)
            with cond:
                self.assertTrue(cond.wait_for(found, 10),
                                "no event %d for %s" % (kind, path))
        with cond:
            self.assertTrue(cond.wait_for(
                lambda: any(e.event_type == TreeEvent.INITIALIZED
                            for e in seen), 10), "cache not initialized")
        self.assertEqual(cache.get_data(base + "/a").data, b"1")
        other = self.client()
        other.create(base + "/b/c", b"deep", makepath=True)
        wait_event(TreeEvent.NODE_ADDED, base + "/b/c")
        other.set(base + "/a", b"2")
        wait_event(TreeEvent.NODE_UPDATED, base + "/a")
        self.assertEqual(cache.get_data(base + "/a").data, b"2")
        other.delete(base + "/b/c")
        wait_event(TreeEvent.NODE_REMOVED, base + "/b/c")
        self.assertEqual(sorted(cache.get_children(base)), ["a", "b"])
