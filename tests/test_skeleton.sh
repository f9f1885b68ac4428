#!/bin/bash
# test_skeleton: a one-node cluster comes up under runit, every daemon
# answers zk-ctl status (text and --json), each runs as its own user when
# started as root, and zk-cluster down leaves no process behind.
. "$(dirname "$0")/lib.sh"

DAEMONS="zk-electd zk-zabd zk-treed zk-sessiond zk-gw"

oneTimeSetUp() {
	UP_OUT=$(mktemp)
	zk_up 1 >"$UP_OUT" 2>&1
	UP_RC=$?
}

oneTimeTearDown() {
	zk_down
	rm -f "$UP_OUT"
}

test_up_prints_connect_string() {
	assertEquals "zk-cluster up exit status: $(cat "$UP_OUT")" 0 "$UP_RC"
	assertEquals "connect string (last stdout line)" "127.0.0.1:$ZK_BASE" "$ZK_CONNECT"
	assertTrue "node1 zoo.cfg written" "[ -r '$(zk_cfg 1)' ]"
	assertEquals "myid" 1 "$(cat "$ZK_DIR/node1/data/myid")"
}

test_status_every_daemon_up() {
	local out rc
	out=$(zk_status 1 2>&1)
	rc=$?
	assertEquals "zk-ctl status exit: $out" 0 "$rc"
	for d in $DAEMONS; do
		grep -q "^$d " <<<"$out"
		assertTrue "$d in status: $out" $?
	done
	grep -qw down <<<"$out"
	assertFalse "no daemon down: $out" $?
}

test_status_one_daemon() {
	local out rc
	out=$(zk_status 1 zk-gw 2>&1)
	rc=$?
	assertEquals "zk-ctl status zk-gw exit: $out" 0 "$rc"
	grep -q '^zk-gw ' <<<"$out"
	assertTrue "zk-gw line: $out" $?
	grep -q '^zk-treed ' <<<"$out"
	assertFalse "only zk-gw: $out" $?
}

test_status_json() {
	local out rc
	out=$(zk_status 1 --json 2>&1)
	rc=$?
	assertEquals "zk-ctl status --json exit: $out" 0 "$rc"
	# Every daemon once, each with a live pid.
	printf '%s' "$out" | "$ZK_PY" -c '
import json, os, sys
rows = json.load(sys.stdin)
names = sorted(r["daemon"] for r in rows)
want = sorted(sys.argv[1].split())
assert names == want, (names, want)
for r in rows:
    pid = int(r["pid"])
    assert pid > 0 and os.path.exists("/proc/%d" % pid), r
' "$DAEMONS"
	assertEquals "json has the five daemons with live pids: $out" 0 $?
}

test_status_matches_runit_pids() {
	local pid
	for d in $DAEMONS; do
		pid=$(zk_daemon_pid 1 "$d")
		assertNotNull "runit pid of $d" "$pid"
		assertTrue "$d pid $pid alive" "[ -d /proc/$pid ]"
		# " (deleted)": the binary was rebuilt while the daemon runs.
		assertEquals "$d pid runs bin/$d" "$(readlink -f "$ZK_BIN/$d")" \
			"$(readlink "/proc/$pid/exe" | sed 's/ (deleted)$//')"
	done
}

test_daemons_run_as_their_own_users() {
	local pid uids="" uid name
	if [ "$(id -u)" -ne 0 ]; then
		startSkipping
		return 0
	fi
	for d in $DAEMONS; do
		pid=$(zk_daemon_pid 1 "$d")
		# Real, effective, saved and filesystem uids all dropped.
		uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
		name=$(getent passwd "$d" | cut -d: -f3)
		assertEquals "$d uids" "$name $name $name $name" "$uid"
		assertNotEquals "$d not root" 0 "${uid%% *}"
		uids="$uids ${uid%% *}"
		assertTrue "$d in group zk" \
			"awk '/^Groups:|^Gid:/' /proc/$pid/status | grep -qw '$(getent group zk | cut -d: -f3)'"
	done
	assertEquals "five distinct users" 5 "$(echo "$uids" | tr ' ' '\n' | grep . | sort -u | wc -l)"
}

test_client_port_listens() {
	assertFalse "something listens on $ZK_BASE" "lib_port_free $ZK_BASE"
}

# Three nodes: server lines, ports, myid, --set replacing a default line,
# every node's daemons answering, and a clean down. (Whether an ensemble
# serves clients is for the replication suites.)
test_three_nodes() {
	local d base out rc cfg i
	d=$(lib_tmpdir)
	base=$(lib_pick_base)
	out=$("$ZK_CLUSTER" up -n 3 -d "$d" -p "$base" --set tickTime=1000 --set maxClientCnxns=7 2>"$d/up.err")
	rc=$?
	assertEquals "zk-cluster up -n 3: $(cat "$d/up.err")" 0 "$rc"
	assertEquals "connect string" \
		"127.0.0.1:$base,127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))" "$(tail -n 1 <<<"$out")"
	for i in 1 2 3; do
		cfg=$d/node$i/zoo.cfg
		assertEquals "node$i myid" "$i" "$(cat "$d/node$i/data/myid")"
		assertEquals "node$i server lines" 3 "$(grep -c '^server\.' "$cfg")"
		grep -qx "server.$i=127.0.0.1:$((base + 100 + i - 1)):$((base + 200 + i - 1));127.0.0.1:$((base + i - 1))" "$cfg"
		assertTrue "node$i server.$i line" $?
		assertEquals "node$i clientPort" "clientPort=$((base + i - 1))" "$(grep '^clientPort=' "$cfg")"
		assertEquals "node$i --set replaced tickTime" "tickTime=1000" "$(grep '^tickTime' "$cfg")"
		assertEquals "node$i --set added maxClientCnxns" "maxClientCnxns=7" "$(grep '^maxClientCnxns' "$cfg")"
		"$ZK_CTL" -c "$cfg" status >/dev/null 2>&1
		assertEquals "node$i status" 0 $?
	done
	"$ZK_CLUSTER" down -d "$d" >/dev/null 2>&1
	assertEquals "down of three nodes" 0 $?
	for i in 1 2 3; do
		assertFalse "node$i runsvdir.pid removed" "[ -e '$d/node$i/runsvdir.pid' ]"
		assertTrue "node$i client port released" "wait_for 5 lib_port_free $((base + i - 1))"
	done
	rm -rf "$d"
}

# A process is gone once it is a zombie: it has exited, and reaping it is
# up to whoever adopted it (init).
live() {
	[ -r "/proc/$1/stat" ] && [ "$(sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]
}

# Last: down must stop everything it started.
test_zz_down_leaves_nothing() {
	local pids pg p left=""
	pg=$(cat "$ZK_DIR/node1/runsvdir.pid")
	pids="$pg"
	for d in $DAEMONS; do
		pids="$pids $(zk_daemon_pid 1 "$d") $(cat "$ZK_DIR/node1/sv/$d/log/supervise/pid" 2>/dev/null)"
	done
	"$ZK_CLUSTER" down -d "$ZK_DIR" >/dev/null 2>&1
	assertEquals "zk-cluster down exit" 0 $?
	for p in $pids; do
		live "$p" && left="$left $p"
	done
	assertEquals "recorded pids still alive" "" "$left"
	assertEquals "processes left in group $pg" "" "$(ps -eo pid=,pgid=,stat=,comm= | awk -v g="$pg" '$2 == g && $3 !~ /^Z/')"
	assertTrue "client port released" "wait_for 5 lib_port_free $ZK_BASE"
	"$ZK_CTL" -c "$(zk_cfg 1)" status >/dev/null 2>&1
	assertEquals "status after down says down" 1 $?
}

. "$(command -v shunit2)"
