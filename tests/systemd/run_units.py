#!/usr/bin/python3
"""Start a zk node from its systemd units the way systemd would, without
systemd as PID 1 (test machines run in containers).

    run_units.py UNITDIR INSTANCE -- CHECK_CMD...

UNITDIR holds the units of etc/systemd with their paths rewritten for this
tree. For each service the target Wants=, in order, this runs ExecStartPre
(which must exit 0), then ExecStart with $NOTIFY_SOCKET set, and waits for
READY=1 sent by that very process (NotifyAccess=main: the sender's pid,
from SCM_CREDENTIALS, must be the main pid) within TimeoutStartSec. Then it
runs CHECK_CMD against the node, and stops the services in reverse order
with SIGTERM (systemd's default KillSignal), each of which must exit 0
within TimeoutStopSec. Exit status 0 when every step held; each failure is
printed on stderr. Only processes started here are signalled.
"""
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time


def parse_unit(path, instance):
    """Key -> list of values of a unit file, with %i expanded."""
    keys = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;" or line.startswith("["):
                continue
            k, _, v = line.partition("=")
            keys.setdefault(k.strip(), []).append(
                v.strip().replace("%i", instance))
    return keys


def seconds(v, default):
    if not v:
        return default
    m = re.fullmatch(r"(\d+)s?", v[-1])
    return int(m.group(1)) if m else default


def recv_ready(sock, pid, deadline):
    """Wait for READY=1 from pid; return None or why not."""
    while True:
        left = deadline - time.time()
        if left <= 0:
            return "no READY=1 before TimeoutStartSec"
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        msg, anc, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(12))
        sender = None
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                sender = struct.unpack("iII", data[:12])[0]
        fields = msg.decode("utf-8", "replace").split("\n")
        if "READY=1" not in fields:
            continue
        if sender != pid:
            return "READY=1 from pid %s, not the main pid %d" % (sender, pid)
        return None


def main():
    argv = sys.argv[1:]
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    unitdir, inst, check = argv[0], argv[1], argv[3:]
    target = parse_unit(os.path.join(unitdir, "zk@.target"), inst)
    wants = " ".join(target.get("Wants", [])).split()
    if len(wants) != 5:
        print("zk@.target wants %r, not the five daemons" % wants,
              file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="zk-notify.")
    npath = os.path.join(tmp, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(npath)
    os.chmod(tmp, 0o755)
    os.chmod(npath, 0o777)  # the daemons have dropped root when they notify
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    env = dict(os.environ, NOTIFY_SOCKET=npath)
    started = []  # (name, Popen, stop timeout)
    bad = 0
    try:
        for svc in wants:
            tmpl = re.sub(r"@[^.]*\.service$", "@.service", svc)
            u = parse_unit(os.path.join(unitdir, tmpl), inst)
            if u.get("Type") != ["notify"] or u.get("NotifyAccess") != ["main"]:
                print("%s: not Type=notify with NotifyAccess=main" % svc,
                      file=sys.stderr)
                bad += 1
            if u.get("Restart", [""])[-1] not in ("always", "on-failure"):
                print("%s: no Restart=" % svc, file=sys.stderr)
                bad += 1
            for pre in u.get("ExecStartPre", []):
                rc = subprocess.run(pre.split(), timeout=30).returncode
                if rc != 0:
                    print("%s: ExecStartPre %r exited %d" % (svc, pre, rc),
                          file=sys.stderr)
                    return 1
            p = subprocess.Popen(u["ExecStart"][-1].split(), env=env,
                                 stdin=subprocess.DEVNULL)
            started.append((svc, p, seconds(u.get("TimeoutStopSec"), 90)))
            why = recv_ready(sock, p.pid,
                             time.time() + seconds(u.get("TimeoutStartSec"), 90))
            if why:
                print("%s: %s" % (svc, why), file=sys.stderr)
                return 1
            print("ready %s pid %d" % (svc, p.pid))
        rc = subprocess.run(check, timeout=60).returncode
        if rc != 0:
            print("check %r exited %d" % (check, rc), file=sys.stderr)
            bad += 1
    finally:
        for svc, p, stop in reversed(started):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            try:
                rc = p.wait(timeout=stop)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                rc = "killed after TimeoutStopSec"
            if rc != 0:
                print("%s: stop on SIGTERM gave %s" % (svc, rc),
                      file=sys.stderr)
                bad += 1
            else:
                print("stopped %s" % svc)
        sock.close()
        os.unlink(npath)
        os.rmdir(tmp)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
