"""Raw-socket helpers for the wire suite: exact bytes, bounded waits.

Every socket read waits at most WAIT seconds, so a silent server fails a
case instead of hanging the suite.
"""

import os
import socket
import struct
import time

HOST = os.environ.get("ZK_HOST", "127.0.0.1")
PORT = int(os.environ.get("ZK_PORT", "2181"))
WAIT = 5.0


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def ustr(s):
    b = s.encode() if isinstance(s, str) else s
    return i32(len(b)) + b


def buf(b):
    return i32(-1) if b is None else i32(len(b)) + b


OPEN_ACL = i32(1) + i32(31) + ustr("world") + ustr("anyone")


def connect_req(timeout=10000, session=0, passwd=b"\0" * 16, last_zxid=0,
                readonly=False):
    """ConnectRequest body; readonly=None gives the old 44-byte form."""
    body = i32(0) + i64(last_zxid) + i32(timeout) + i64(session) + buf(passwd)
    if readonly is not None:
        body += b"\x01" if readonly else b"\x00"
    return body


def frame(payload):
    return i32(len(payload)) + payload


class Conn:
    def __init__(self, host=HOST, port=PORT):
        self.s = socket.create_connection((host, port), timeout=WAIT)
        self.s.settimeout(WAIT)
        self.xid = 0

    def close(self):
        self.s.close()

    def send(self, raw):
        self.s.sendall(raw)

    def recv_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            if not chunk:
                return out
            out += chunk
        return out

    def recv_frame(self):
        """Payload of the next frame; None at EOF."""
        head = self.recv_exact(4)
        if len(head) < 4:
            return None
        n = struct.unpack(">i", head)[0]
        if n < 0 or n > 16 << 20:
            raise AssertionError("server sent frame length %d" % n)
        body = self.recv_exact(n)
        if len(body) < n:
            raise AssertionError("server frame truncated: %d of %d" % (len(body), n))
        return body

    def at_eof(self):
        """True if the server closed without sending anything more."""
        try:
            return self.s.recv(1) == b""
        except ConnectionResetError:
            return True

    def handshake(self, **kw):
        """New session; returns (timeout, session, passwd, raw body)."""
        self.send(frame(connect_req(**kw)))
        body = self.recv_frame()
        if body is None:
            raise AssertionError("server closed during the handshake")
        to, sid = struct.unpack(">iq", body[4:16])
        plen = struct.unpack(">i", body[16:20])[0]
        return to, sid, body[20:20 + plen], body

    def request(self, op, payload=b"", xid=None):
        if xid is None:
            self.xid += 1
            xid = self.xid
        self.send(frame(i32(xid) + i32(op) + payload))
        return xid

    def reply(self):
        """(xid, zxid, err, body) of the next frame; None at EOF."""
        b = self.recv_frame()
        if b is None:
            return None
        xid, zxid, err = struct.unpack(">iqi", b[:16])
        return xid, zxid, err, b[16:]


def serving(tries=50):
    """A fresh session can be opened (the server still serves others)."""
    for _ in range(tries):
        try:
            c = Conn()
            to, sid, _, _ = c.handshake()
            c.close()
            return to > 0 and sid != 0
        except OSError:
            time.sleep(0.1)
    return False
