"""Shared helpers for the client-compatibility tests.

The target server comes from the environment so that the very same cases
run against Apache ZooKeeper (to prove the expectation) and against zk:
  ZK_HOSTS   connect string, e.g. 127.0.0.1:2181 (required)
  ZK_TARGET  apache | zk (only used in messages and for known gaps)
Every wait is bounded; a case that overruns CASE_SECS is failed by alarm.
"""

import logging
import os
import random
import signal
import socket
import threading
import time
import unittest

from kazoo.client import KazooClient

import rawzk

HOSTS = os.environ.get("ZK_HOSTS", "")
TARGET = os.environ.get("ZK_TARGET", "unknown")
CASE_SECS = int(os.environ.get("ZK_CASE_SECS", "60"))

# kazoo logs every reconnect at WARNING; the tests provoke many on purpose.
logging.basicConfig(level=logging.CRITICAL)


def host_port():
    first = HOSTS.split(",")[0]
    host, _, port = first.rpartition(":")
    return host, int(port)


def fourlw(word, wait=5.0):
    """Send a four-letter word as the first bytes of a fresh connection and
    return the whole text answer (the server closes after it)."""
    host, port = host_port()
    s = socket.create_connection((host, port), timeout=wait)
    try:
        s.settimeout(wait)
        s.sendall(word.encode("ascii"))
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if len(out) > 4 * 1024 * 1024:
                raise AssertionError("4lw %s answer too long" % word)
        return out.decode("utf-8", "replace")
    finally:
        s.close()


def server_conf():
    """The conf four-letter word as a dict."""
    conf = {}
    for line in fourlw("conf").splitlines():
        k, sep, v = line.partition("=")
        if sep:
            conf[k.strip()] = v.strip()
    return conf


def wait_for(pred, secs, what):
    """Poll pred() until true or fail after secs."""
    deadline = time.monotonic() + secs
    while True:
        if pred():
            return
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (secs, what))
        time.sleep(0.02)


class EventLog:
    """A watch callback that records events and lets a test wait for them."""

    def __init__(self):
        self.events = []
        self.cond = threading.Condition()

    def __call__(self, ev):
        with self.cond:
            self.events.append(ev)
            self.cond.notify_all()

    def wait(self, n=1, secs=10.0):
        deadline = time.monotonic() + secs
        with self.cond:
            while len(self.events) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("expected %d watch events within "
                                         "%.1fs, got %r"
                                         % (n, secs, self.events))
                self.cond.wait(left)
            return list(self.events)


class _CaseTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _CaseTimeout("case exceeded %d s" % CASE_SECS)


class ZkCase(unittest.TestCase):
    """Each case gets a connected kazoo client (self.zk) and a private
    top-level znode (self.root) that is removed afterwards."""

    def setUp(self):
        if not HOSTS:
            self.fail("ZK_HOSTS is not set")
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(CASE_SECS)
        self._clients = []
        self._raws = []
        # A server that is down fails each case in a second or two
        # instead of in kazoo's connection timeouts.
        try:
            alive = fourlw("ruok", wait=2.0)
        except OSError as e:
            alive = repr(e)
        if alive != "imok":
            self.fail("server at %s does not answer ruok: %r"
                      % (HOSTS, alive))
        self.zk = self.client()
        self.root = "/compat-%s-%06d" % (self._testMethodName,
                                         random.randrange(1000000))
        self.zk.create(self.root)

    def tearDown(self):
        try:
            for raw in self._raws:
                # End live sessions now, so that their expiry (and its
                # txn) does not land in the middle of a later case.
                try:
                    if raw.session_id:
                        raw.sock.settimeout(2.0)
                        raw.close_session()
                except Exception:
                    pass
                raw.close()
            for c in self._clients:
                if c.connected:
                    try:
                        if c is self.zk:
                            c.delete(self.root, recursive=True)
                    except Exception:
                        pass
                c.stop()
                c.close()
        finally:
            signal.alarm(0)

    def client(self, timeout=10.0, hosts=None, **kw):
        c = KazooClient(hosts=hosts or HOSTS, timeout=timeout, **kw)
        c.start(timeout=15)
        self._clients.append(c)
        return c

    def raw(self, timeout_ms=10000, connect=True, wait=5.0):
        host, port = host_port()
        r = rawzk.Raw(host, port, wait)
        self._raws.append(r)
        if connect:
            resp = r.connect(timeout_ms)
            self.assertGreater(resp["timeout"], 0, "session refused")
        return r

    def p(self, *names):
        return "/".join((self.root,) + names)


class Proxy:
    """A loopback TCP relay in front of the server, so a test can cut a
    kazoo client off (its session then lives or expires on the server as
    it would behind a real network failure) and later let it back."""

    def __init__(self):
        self.target = host_port()
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.lsock.settimeout(0.1)
        self.port = self.lsock.getsockname()[1]
        self.hosts = "127.0.0.1:%d" % self.port
        self.open = True        # accept and relay new connections
        self.socks = []
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if not self.open:
                c.close()
                continue
            try:
                s = socket.create_connection(self.target, timeout=5)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.socks += [c, s]
            for a, b in ((c, s), (s, c)):
                threading.Thread(target=self._pump, args=(a, b),
                                 daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        """Drop every relayed connection and refuse new ones."""
        self.open = False
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def restore(self):
        self.open = True

    def close(self):
        self.stopped = True
        self.cut()
        self.lsock.close()
