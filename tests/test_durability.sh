#!/bin/bash
# Durability of acknowledged writes across kill -9 of the whole node, and
# the txn log's torn-tail handling, end to end with kazoo:
#   - clients write under load; the node is killed with kill -9 mid-load;
#     after a restart every acknowledged write is there, with its zxid,
#     and new zxids continue past every acknowledged one;
#   - a corrupt last log record (byte flipped on a stopped node) is cut by
#     its checksum and never applied: with the tree env removed, the tree
#     is rebuilt from the log alone and shows the write before it.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh"

# The daemons run as their own users and must reach the cluster dir, which
# mktemp makes 0700.
lib_tmpdir() {
	local d
	d=$(mktemp -d /tmp/zkt.XXXXXX) && chmod 755 "$d" && echo "$d"
}

WRITERS=4		# kazoo clients
WINDOW=32		# outstanding creates per client
LOAD_SECS=8		# the writers stop by then in any case
MIN_ACKS=300		# acknowledged writes before the kill

oneTimeSetUp() {
	PYDIR=$(lib_tmpdir) || return 1
	write_py
	zk_up 1 --set tickTime=1000 >/dev/null || fail "zk_up failed"
}

oneTimeTearDown() {
	zk_down
	[ -n "${PYDIR:-}" ] && rm -rf "$PYDIR"
}

write_py() {
	cat >"$PYDIR/writer.py" <<'EOF'
# writer.py HOSTS ACKFILE SECS NCLIENTS WINDOW PREFIX: pipelined creates;
# one line "path czxid" per acknowledged create, flushed at once.
import sys, threading, time
from kazoo.client import KazooClient
from kazoo.retry import KazooRetry

hosts, ackfile, secs, nclients, window, prefix = sys.argv[1:7]
secs, nclients, window = float(secs), int(nclients), int(window)
lock = threading.Lock()
out = open(ackfile, "a", buffering=1)
deadline = time.time() + secs

def client(k):
    zk = KazooClient(hosts=hosts, timeout=10,
                     connection_retry=KazooRetry(max_tries=3, delay=0.2))
    zk.start(timeout=10)
    zk.ensure_path(prefix)
    sem = threading.Semaphore(window)
    state = {"dead": False}
    def done(path):
        def cb(res):
            sem.release()
            try:
                p, stat = res.get_nowait()
            except Exception:
                state["dead"] = True
                return
            with lock:
                out.write("%s %d\n" % (p, stat.czxid))
        return cb
    i = 0
    while time.time() < deadline and not state["dead"]:
        if not sem.acquire(timeout=0.5):
            continue
        path = "%s/c%d-%07d" % (prefix, k, i)
        i += 1
        try:
            r = zk.create_async(path, path.encode(), include_data=True)
        except Exception:
            sem.release()
            break
        r.rawlink(done(path))
    try:
        zk.stop()
        zk.close()
    except Exception:
        pass

ts = [threading.Thread(target=client, args=(k,)) for k in range(nclients)]
for t in ts:
    t.start()
for t in ts:
    t.join(secs + 30)
EOF
	cat >"$PYDIR/victim.py" <<'EOF'
# victim.py HOSTS set|check: set /victim to v1 then v2 (prints v2's zxid),
# or check that it reads v1 after v2's log record was corrupted.
import os, sys
from kazoo.client import KazooClient
hosts, mode = sys.argv[1:3]
zk = KazooClient(hosts=hosts, timeout=10)
zk.start(timeout=15)
if mode == "set":
    zk.ensure_path("/victim")
    zk.set("/victim", b"v1")
    st = zk.set("/victim", b"v2")
    print(st.mzxid, flush=True)
    # No closeSession: v2 stays the last record of the log.
    os._exit(0)
else:
    data, st = zk.get("/victim")
    print(data.decode())
    p, st2 = zk.create("/victim-after", b"x", include_data=True, sequence=True)
    if st2.czxid <= st.mzxid:
        print("ZXID BACKWARDS"); sys.exit(1)
zk.stop(); zk.close()
EOF
	cat >"$PYDIR/keeper.py" <<'EOF'
# keeper.py HOSTS OUTDIR: a session with an ephemeral that rides through a
# restart of the whole node: writes OUTDIR/ready, waits for OUTDIR/go,
# then reports "lost=N same=0|1 ephemeral=0|1" in OUTDIR/result.
import os, sys, time
from kazoo.client import KazooClient, KazooState
from kazoo.retry import KazooRetry
hosts, d = sys.argv[1:3]
lost = [0]
def listener(s):
    if s == KazooState.LOST:
        lost[0] += 1
zk = KazooClient(hosts=hosts, timeout=10,
                 connection_retry=KazooRetry(max_tries=-1, delay=0.1, max_delay=0.5))
zk.add_listener(listener)
zk.start(timeout=15)
sid = zk.client_id[0]
zk.create("/keeper", b"", ephemeral=True)
open(d + "/ready", "w").write("1\n")
end = time.time() + 60
while not os.path.exists(d + "/go") and time.time() < end:
    time.sleep(0.1)
eph = 0
while time.time() < end:
    try:
        eph = 1 if zk.exists("/keeper") else 0
        break
    except Exception:
        time.sleep(0.2)
open(d + "/result", "w").write("lost=%d same=%d ephemeral=%d\n"
                               % (lost[0], int(zk.client_id[0] == sid), eph))
zk.stop(); zk.close()
EOF
	cat >"$PYDIR/corrupt.py" <<'EOF'
# corrupt.py TXLOGDIR ZXID: flip one payload byte of the record of ZXID in
# the newest segment; it should be the last record (a session expiry may
# have come after it: the scan cuts everything from the bad record on).
import os, struct, sys
d, want = sys.argv[1], int(sys.argv[2])
segs = sorted(f for f in os.listdir(d) if f.startswith("log.") and len(f) == 20)
path = os.path.join(d, segs[-1])
buf = open(path, "rb").read()
off, hit, after = 0, None, 0
while off + 16 <= len(buf):
    n, crc, zxid = struct.unpack(">IIq", buf[off:off + 16])
    if n == 0 and crc == 0 and zxid == 0:
        break
    if zxid == want:
        hit = (off, n)
    elif hit:
        after += 1
    off += 16 + n
if not hit:
    print("no record 0x%x in %s" % (want, path)); sys.exit(1)
o, n = hit
with open(path, "r+b") as f:
    f.seek(o + 16 + n // 2)
    b = f.read(1)
    f.seek(o + 16 + n // 2)
    f.write(bytes([b[0] ^ 0x5a]))
print("offset %d, %d records after it" % (o, after))
EOF
}

zabd_status_field() {
	zk_status 1 zk-zabd --json 2>/dev/null | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"$1\": *//p" | head -n 1
}

# lines FILE N: FILE has at least N lines (re-read at each call).
lines() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

test_acknowledged_writes_survive_kill9_of_node() {
	local ack=$PYDIR/acks wpid n
	: >"$ack"
	timeout 60 "$ZK_PY" "$PYDIR/writer.py" "$ZK_CONNECT" "$ack" "$LOAD_SECS" \
		"$WRITERS" "$WINDOW" /dur >"$PYDIR/writer.out" 2>&1 &
	wpid=$!
	wait_for 20 lines "$ack" "$MIN_ACKS"
	assertTrue "no $MIN_ACKS writes acknowledged before the kill" $?
	"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 >/dev/null 2>&1
	assertTrue "zk-cluster kill" $?
	wait "$wpid"
	n=$(wc -l <"$ack")
	echo "acknowledged before the kill: $n"
	"$ZK_CLUSTER" start -d "$ZK_DIR" 1 >/dev/null 2>&1
	assertTrue "node did not come back" $?
	timeout 120 "$ZK_PY" "$TOP/tests/kazoo/verify_acks.py" "$ZK_CONNECT" "$ack"
	assertTrue "an acknowledged write is missing or changed" $?
}

# Sessions live in the tree and the log, not in a process: a client that
# reconnects after the node's restart keeps its session and ephemeral.
test_session_survives_kill9_of_node() {
	local k=$PYDIR/keeper kpid
	mkdir -p "$k"
	timeout 90 "$ZK_PY" "$PYDIR/keeper.py" "$ZK_CONNECT" "$k" >"$k/out" 2>&1 &
	kpid=$!
	wait_for 20 test -s "$k/ready"
	assertTrue "keeper did not start" $?
	"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 >/dev/null 2>&1
	"$ZK_CLUSTER" start -d "$ZK_DIR" 1 >/dev/null 2>&1
	assertTrue "node did not come back" $?
	touch "$k/go"
	wait "$kpid"
	assertEquals "session after the restart" "lost=0 same=1 ephemeral=1" \
		"$(cat "$k/result" 2>/dev/null)"
}

test_corrupt_last_record_is_discarded() {
	local zxid off
	zxid=$(timeout 30 "$ZK_PY" "$PYDIR/victim.py" "$ZK_CONNECT" set)
	assertTrue "set /victim" $?
	[ -n "$zxid" ] || { fail "no zxid for /victim v2"; return; }
	"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 >/dev/null 2>&1
	off=$("$ZK_PY" "$PYDIR/corrupt.py" "$ZK_DIR/node1/data/txlog" "$zxid")
	assertTrue "corrupt the last record: $off" $?
	# Without its env the tree comes back from the log alone, so what it
	# shows is exactly what the log replays.
	rm -rf "$ZK_DIR/node1/data/tree"
	"$ZK_CLUSTER" start -d "$ZK_DIR" 1 >/dev/null 2>&1
	assertTrue "node did not come back" $?
	assertEquals "bad tail cut" 1 "$(zabd_status_field bad_tail_cut)"
	assertEquals "the corrupt write must not be applied" v1 \
		"$(timeout 30 "$ZK_PY" "$PYDIR/victim.py" "$ZK_CONNECT" check | head -n 1)"
	# The earlier acknowledged writes were rebuilt from the log.
	timeout 120 "$ZK_PY" "$TOP/tests/kazoo/verify_acks.py" "$ZK_CONNECT" "$PYDIR/acks"
	assertTrue "writes before the corrupt record were not replayed" $?
}

. shunit2
