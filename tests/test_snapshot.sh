#!/bin/bash
# Snapshots and purge, end to end on one node with snapCount=1000 and 64 KiB
# log segments:
#   - zk-treed writes a snapshot every snapCount txns (snap.<zxid>, whole);
#   - `zk-ctl purge` keeps the newest autopurge.snapRetainCount snapshots
#     and zk-zabd deletes the log segments only the deleted ones needed;
#     what the retained ones need stays; autopurge.purgeInterval does the
#     same on its own;
#   - kill -9 of the node and its tree env's data.mdb removed: the tree
#     comes back from the newest snapshot plus the log after it, with every
#     acknowledged write;
#   - the same with only zk-treed restarted: the other daemons, which map
#     the env read-only, notice the new file and restart on it;
#   - with the snapshots gone too, zk-zabd refuses to replay a fresh tree
#     over a purged log (it names the zxids) instead of skipping txns.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh"

# The daemons run as their own users and must reach the cluster dir, which
# mktemp makes 0700.
lib_tmpdir() {
	local d
	d=$(mktemp -d /tmp/zkt.XXXXXX) && chmod 755 "$d" && echo "$d"
}

SNAP_COUNT=1000
RETAIN=3

oneTimeSetUp() {
	PYDIR=$(lib_tmpdir) || return 1
	write_py
	zk_up 1 --set snapCount=$SNAP_COUNT --set txnLogSizeLimitInKb=64 \
		--set autopurge.snapRetainCount=$RETAIN >/dev/null || fail "zk_up failed"
	TREE=$ZK_DIR/node1/data/tree
	SNAPS=$TREE/snapshots
	TXLOG=$ZK_DIR/node1/data/txlog
}

oneTimeTearDown() {
	zk_down
	[ -n "${PYDIR:-}" ] && rm -rf "$PYDIR"
}

write_py() {
	cat >"$PYDIR/writer.py" <<'EOF'
# writer.py HOSTS ACKFILE N PREFIX: N pipelined creates (64 in flight, 60 s
# at most); one line "path czxid" per acknowledged create.
import sys, threading, time
from kazoo.client import KazooClient

hosts, ackfile, n, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
out = open(ackfile, "a", buffering=1)
zk = KazooClient(hosts=hosts, timeout=10)
zk.start(timeout=15)
zk.ensure_path(prefix)
sem = threading.Semaphore(64)
lock = threading.Lock()
def done(res):
    sem.release()
    try:
        p, st = res.get_nowait()
    except Exception:
        return
    with lock:
        out.write("%s %d\n" % (p, st.czxid))
deadline = time.time() + 60
for i in range(n):
    if time.time() > deadline:
        break
    sem.acquire()
    path = "%s/n%06d" % (prefix, i)
    zk.create_async(path, path.encode(), include_data=True).rawlink(done)
for _ in range(64):
    sem.acquire(timeout=20)
zk.stop(); zk.close()
EOF
}

# field DAEMON KEY: a number from the daemon's status document.
field() {
	zk_status 1 "$1" --json 2>/dev/null | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"$2\": *//p" | head -n 1
}

at_least() {
	[ "$(field "$1" "$2")" -ge "$3" ] 2>/dev/null
}

pid_changed() {
	local p
	p=$(zk_daemon_pid 1 "$1")
	[ -n "$p" ] && [ "$p" != "$2" ]
}

snap_names() {
	ls "$SNAPS" 2>/dev/null | grep -E '^snap\.[0-9a-f]{16}$' | sort
}

seg_names() {
	ls "$TXLOG" 2>/dev/null | grep -E '^log\.[0-9a-f]{16}$' | sort
}

write_acked() {
	timeout 90 "$ZK_PY" "$PYDIR/writer.py" "$ZK_CONNECT" "$PYDIR/acks" "$1" "$2" \
		>"$PYDIR/writer.out" 2>&1
}

test_snapshots_every_snapcount_txns() {
	write_acked 5000 /s1
	assertTrue "writer" $?
	assertTrue "fewer than 4500 writes acknowledged" "[ $(wc -l <"$PYDIR/acks") -ge 4500 ]"
	wait_for 20 at_least zk-treed snapshots_taken 4
	assertTrue "no 4 snapshots after 5000 txns: $(field zk-treed snapshots_taken)" $?
	wait_for 10 at_least zk-treed snapshots 4
	assertEquals "snapshot files" "$(field zk-treed snapshots)" "$(snap_names | wc -l)"
	assertFalse "a snap.tmp left behind" "[ -e $SNAPS/snap.tmp ]"
	assertEquals "failed snapshots" 0 "$(field zk-treed snapshot_failures)"
	assertTrue "few log segments: $(seg_names | wc -l)" "[ $(seg_names | wc -l) -ge 6 ]"
	# zk-ctl snapshot takes one now and waits for it.
	"$ZK_CTL" -c "$(zk_cfg 1)" snapshot >"$PYDIR/snap.out" 2>&1
	assertTrue "zk-ctl snapshot: $(cat "$PYDIR/snap.out")" $?
	assertContains "$(cat "$PYDIR/snap.out")" "taken"
}

test_purge_keeps_what_retained_snapshots_need() {
	local before segs_before keep oldest first out
	before=$(snap_names)
	segs_before=$(seg_names | wc -l)
	assertTrue "need more than $RETAIN snapshots: $before" "[ $(echo "$before" | wc -l) -gt $RETAIN ]"
	out=$("$ZK_CTL" -c "$(zk_cfg 1)" purge 2>&1)
	assertTrue "zk-ctl purge: $out" $?
	keep=$(echo "$before" | tail -n $RETAIN)
	assertEquals "the newest $RETAIN snapshots stay" "$keep" "$(snap_names)"
	oldest=$(echo "$keep" | head -n 1 | sed 's/^snap\.//')
	assertContains "$out" "oldest_retained=0x$oldest"
	assertTrue "no segment purged ($segs_before before): $out" \
		"[ $(seg_names | wc -l) -lt $segs_before ]"
	# The first kept segment starts at or below the oldest snapshot's
	# zxid + 1: every record after it is still there.
	first=$(seg_names | head -n 1 | sed 's/^log\.//')
	assertTrue "log starts at 0x$first, past snapshot 0x$oldest + 1" \
		"[ $((16#$first)) -le $((16#$oldest + 1)) ]"
	assertTrue "no purge mark" "[ -s $TXLOG/purged ]"
	assertTrue "zk-zabd counts no purged segment" "at_least zk-zabd segments_purged 1"
	assertEquals "snapshots purged" $(($(echo "$before" | wc -l) - RETAIN)) \
		"$(field zk-treed snapshots_purged)"
	# A second purge has nothing to do.
	out=$("$ZK_CTL" -c "$(zk_cfg 1)" purge 2>&1)
	assertTrue "second purge: $out" $?
	assertContains "$out" "snapshots_removed=0"
	assertContains "$out" "segments_removed=0"
}

test_restore_from_snapshot_after_kill9() {
	local newest
	# Writes after the newest snapshot: the log must replay them.
	write_acked 1500 /s2
	assertTrue "writer" $?
	newest=$(snap_names | tail -n 1 | sed 's/^snap\.//')
	"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 >/dev/null 2>&1
	assertTrue "zk-cluster kill" $?
	rm -f "$TREE/data.mdb"
	"$ZK_CLUSTER" start -d "$ZK_DIR" 1 >/dev/null 2>&1
	assertTrue "node did not come back" $?
	assertTrue "not restored from a snapshot" "at_least zk-treed restored_from_zxid $((16#$newest))"
	timeout 120 "$ZK_PY" "$TOP/tests/kazoo/verify_acks.py" "$ZK_CONNECT" "$PYDIR/acks"
	assertTrue "an acknowledged write is missing after the restore" $?
}

# Only zk-treed restarts and restores, under the other daemons' feet: they
# see that data.mdb is a new file and restart on it (runit).
test_restore_with_readers_running() {
	local newest gw_pid
	write_acked 1500 /s4
	assertTrue "writer" $?
	newest=$(snap_names | tail -n 1 | sed 's/^snap\.//')
	gw_pid=$(zk_daemon_pid 1 zk-gw)
	rm -f "$TREE/data.mdb"
	"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 zk-treed >/dev/null 2>&1
	assertTrue "kill zk-treed" $?
	wait_for 20 at_least zk-treed restored_from_zxid $((16#$newest))
	assertTrue "zk-treed did not restore snapshot 0x$newest" $?
	wait_for 20 pid_changed zk-gw "$gw_pid"
	assertTrue "zk-gw did not restart on the restored env" $?
	wait_for 20 zk_status 1
	assertTrue "node not up after the restore" $?
	timeout 120 "$ZK_PY" "$TOP/tests/kazoo/verify_acks.py" "$ZK_CONNECT" "$PYDIR/acks"
	assertTrue "an acknowledged write is missing after the restore" $?
}

# autopurge.purgeInterval: the first purge runs a few seconds after start,
# then every purgeInterval hours.
test_autopurge() {
	local segs_before
	write_acked 3000 /s3
	assertTrue "writer" $?
	wait_for 20 at_least zk-treed snapshots $((RETAIN + 1))
	assertTrue "need more than $RETAIN snapshots: $(snap_names | wc -l)" $?
	segs_before=$(seg_names | wc -l)
	echo "autopurge.purgeInterval=1" >>"$(zk_cfg 1)"
	"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 >/dev/null 2>&1
	"$ZK_CLUSTER" start -d "$ZK_DIR" 1 >/dev/null 2>&1
	assertTrue "node did not come back" $?
	wait_for 20 at_least zk-treed snapshot_purges 1
	assertTrue "no autopurge" $?
	assertEquals "snapshots after autopurge" $RETAIN "$(snap_names | wc -l)"
	wait_for 10 at_least zk-zabd segments_purged 1
	assertTrue "autopurge left the log ($segs_before segments)" $?
	timeout 120 "$ZK_PY" "$TOP/tests/kazoo/verify_acks.py" "$ZK_CONNECT" "$PYDIR/acks"
	assertTrue "an acknowledged write is missing after the autopurge" $?
}

test_purged_log_refuses_a_fresh_tree() {
	"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 >/dev/null 2>&1
	rm -rf "$TREE/data.mdb" "$SNAPS"
	ZK_CLUSTER_TIMEOUT=3 "$ZK_CLUSTER" start -d "$ZK_DIR" 1 >/dev/null 2>&1
	wait_for 15 grep -q "cannot be replayed" "$ZK_DIR/node1/sv/zk-zabd/log/main/current"
	assertTrue "zk-zabd did not refuse a tree the purged log cannot replay" $?
}

. shunit2
