"""Minimal ZooKeeper wire client over a plain socket.

kazoo hides what the tests must see exactly: the bytes of the handshake,
the order of notifications and replies on one connection, setWatches on
reconnect (kazoo never sends it) and paths kazoo would normalise away.
This client encodes only the records those tests use and reads frames
with a timeout, so a silent server fails the test instead of hanging it.
"""

import socket
import struct

# Opcodes and codes used by the tests (wire values, fact sheet section 4/6).
OP_CREATE, OP_DELETE, OP_EXISTS, OP_GETDATA, OP_SETDATA = 1, 2, 3, 4, 5
OP_GETCHILDREN, OP_SYNC, OP_PING, OP_GETCHILDREN2 = 8, 9, 11, 12
OP_CHECK, OP_MULTI, OP_CREATE2, OP_SETWATCHES = 13, 14, 15, 101
OP_CLOSE = -11
XID_NOTIFY, XID_PING = -1, -2

EV_CREATED, EV_DELETED, EV_CHANGED, EV_CHILD = 1, 2, 3, 4

MAX_FRAME = 16 * 1024 * 1024  # our own read bound; far above 1 MiB

OPEN_ACL = [(31, "world", "anyone")]

STAT_FIELDS = ("czxid", "mzxid", "ctime", "mtime", "version", "cversion",
               "aversion", "ephemeralOwner", "dataLength", "numChildren",
               "pzxid")
_STAT = struct.Struct(">qqqqiiiqiiq")


class Closed(Exception):
    """The server closed the connection (EOF)."""


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def boolean(v):
    return b"\x01" if v else b"\x00"


def buf(b):
    if b is None:
        return i32(-1)
    return i32(len(b)) + b


def ustr(s):
    if isinstance(s, str):
        s = s.encode("utf-8")
    return buf(s)


def acl_vec(acl=None):
    acl = OPEN_ACL if acl is None else acl
    out = i32(len(acl))
    for perms, scheme, ident in acl:
        out += i32(perms) + ustr(scheme) + ustr(ident)
    return out


def str_vec(items):
    out = i32(len(items))
    for s in items:
        out += ustr(s)
    return out


class Reader:
    """Bounded jute decoder over one reply body."""

    def __init__(self, data):
        self.data = data
        self.off = 0

    def take(self, n):
        if n < 0 or self.off + n > len(self.data):
            raise ValueError("short body: need %d at %d of %d"
                             % (n, self.off, len(self.data)))
        b = self.data[self.off:self.off + n]
        self.off += n
        return b

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def boolean(self):
        return self.take(1) != b"\x00"

    def buf(self):
        n = self.i32()
        return None if n == -1 else self.take(n)

    def ustr(self):
        b = self.buf()
        return None if b is None else b.decode("utf-8")

    def stat(self):
        return dict(zip(STAT_FIELDS, _STAT.unpack(self.take(_STAT.size))))

    def str_vec(self):
        n = self.i32()
        return [self.ustr() for _ in range(n)]

    def rest(self):
        return len(self.data) - self.off


class Reply:
    def __init__(self, xid, zxid, err, body):
        self.xid, self.zxid, self.err, self.body = xid, zxid, err, body

    def reader(self):
        return Reader(self.body)

    def event(self):
        """(type, state, path) of a notification frame."""
        r = self.reader()
        return (r.i32(), r.i32(), r.ustr())

    def __repr__(self):
        return "Reply(xid=%d zxid=%#x err=%d body=%d bytes)" % (
            self.xid, self.zxid, self.err, len(self.body))


class Raw:
    """One TCP connection; every read waits at most `wait` seconds."""

    def __init__(self, host, port, wait=5.0):
        self.sock = socket.create_connection((host, port), timeout=wait)
        self.sock.settimeout(wait)
        self.xid = 0
        self.session_id = 0
        self.passwd = b"\0" * 16
        self.last_zxid = 0

    def close(self):
        self.sock.close()

    def send_frame(self, payload):
        self.sock.sendall(i32(len(payload)) + payload)

    def _recv_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise Closed("server closed the connection after %d of %d "
                             "bytes" % (len(out), n))
            out += chunk
        return out

    def recv_frame(self):
        n = struct.unpack(">i", self._recv_exact(4))[0]
        if n < 0 or n > MAX_FRAME:
            raise ValueError("frame length %d out of range" % n)
        return self._recv_exact(n)

    def connect(self, timeout_ms, session_id=0, passwd=None, last_zxid=0,
                read_only=False):
        """Handshake; read_only=None sends the old 44-byte request.
        Returns the decoded ConnectResponse as a dict plus its raw size."""
        body = (i32(0) + i64(last_zxid) + i32(timeout_ms) + i64(session_id)
                + buf(passwd if passwd is not None else b"\0" * 16))
        if read_only is not None:
            body += boolean(read_only)
        self.send_frame(body)
        raw = self.recv_frame()
        r = Reader(raw)
        resp = {"size": len(raw), "protocol": r.i32(), "timeout": r.i32(),
                "session_id": r.i64(), "passwd": r.buf()}
        resp["read_only"] = r.boolean() if r.rest() else None
        if r.rest():
            raise ValueError("%d trailing bytes in ConnectResponse"
                             % r.rest())
        if resp["timeout"] > 0:
            self.session_id = resp["session_id"]
            self.passwd = resp["passwd"]
        return resp

    def next_xid(self):
        self.xid += 1
        return self.xid

    def send(self, op, body=b"", xid=None):
        xid = self.next_xid() if xid is None else xid
        self.send_frame(i32(xid) + i32(op) + body)
        return xid

    def recv(self):
        r = Reader(self.recv_frame())
        xid, zxid, err = r.i32(), r.i64(), r.i32()
        rep = Reply(xid, zxid, err, r.data[r.off:])
        if xid not in (XID_NOTIFY, XID_PING) and zxid > self.last_zxid:
            self.last_zxid = zxid
        return rep

    def call(self, op, body=b""):
        """Send one request; return (events read before its reply, reply).
        Anything else arriving first is a protocol error for these tests."""
        xid = self.send(op, body)
        events = []
        while True:
            rep = self.recv()
            if rep.xid == XID_NOTIFY:
                events.append(rep.event())
                continue
            if rep.xid != xid:
                raise AssertionError("reply xid %d, expected %d"
                                     % (rep.xid, xid))
            return events, rep

    # Request bodies ----------------------------------------------------
    def create(self, path, data=b"", flags=0, op=OP_CREATE):
        return self.call(op, ustr(path) + buf(data) + acl_vec() + i32(flags))

    def delete(self, path, version=-1):
        return self.call(OP_DELETE, ustr(path) + i32(version))

    def exists(self, path, watch=False):
        return self.call(OP_EXISTS, ustr(path) + boolean(watch))

    def get_data(self, path, watch=False):
        return self.call(OP_GETDATA, ustr(path) + boolean(watch))

    def set_data(self, path, data, version=-1):
        return self.call(OP_SETDATA, ustr(path) + buf(data) + i32(version))

    def get_children(self, path, watch=False):
        return self.call(OP_GETCHILDREN, ustr(path) + boolean(watch))

    def ping(self):
        """Ping; returns events that arrived before the ping reply."""
        self.send(OP_PING, xid=XID_PING)
        events = []
        while True:
            rep = self.recv()
            if rep.xid == XID_NOTIFY:
                events.append(rep.event())
                continue
            if rep.xid != XID_PING:
                raise AssertionError("expected ping reply, got %r" % rep)
            return events

    def set_watches(self, rel_zxid, data=(), exist=(), child=()):
        body = (i64(rel_zxid) + str_vec(list(data)) + str_vec(list(exist))
                + str_vec(list(child)))
        return self.call(OP_SETWATCHES, body)

    def close_session(self):
        return self.call(OP_CLOSE)


def new_session(host, port, timeout_ms=10000, wait=5.0):
    raw = Raw(host, port, wait)
    resp = raw.connect(timeout_ms)
    if resp["timeout"] <= 0:
        raise AssertionError("session refused: %r" % resp)
    return raw
