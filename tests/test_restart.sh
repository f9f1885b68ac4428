#!/bin/bash
# test_restart: kill -9 each daemon of a one-node cluster in turn; runit
# restarts it (new pid) and zk-ctl status is OK again within a timeout. A
# whole node killed stays down until zk-cluster start.
. "$(dirname "$0")/lib.sh"

RESTART_SECS=${RESTART_SECS:-20}

oneTimeSetUp() {
	zk_up 1 >/dev/null || {
		echo "zk-cluster up failed" >&2
		return 1
	}
}

oneTimeTearDown() {
	zk_down
}

new_pid() {
	local p
	p=$(zk_daemon_pid 1 "$1")
	[ -n "$p" ] && [ "$p" != "$2" ] && [ -d "/proc/$p" ]
}

gone() {
	[ ! -d "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# kill_and_check DAEMON
kill_and_check() {
	local d=$1 old out
	assertTrue "status OK before killing $d" "zk_status 1 >/dev/null 2>&1"
	old=$(zk_daemon_pid 1 "$d")
	assertNotNull "pid of $d" "$old"
	out=$("$ZK_CLUSTER" kill -d "$ZK_DIR" 1 "$d" 2>&1)
	assertEquals "zk-cluster kill $d: $out" 0 $?
	assertTrue "old $d pid $old gone" "wait_for 5 gone $old"
	assertTrue "runit restarted $d (new pid) within ${RESTART_SECS}s" \
		"wait_for $RESTART_SECS new_pid $d $old"
	assertTrue "status OK again after $d restart within ${RESTART_SECS}s: $(zk_status 1 2>&1)" \
		"wait_for $RESTART_SECS zk_status 1"
}

test_restart_electd() { kill_and_check zk-electd; }
test_restart_zabd() { kill_and_check zk-zabd; }
test_restart_treed() { kill_and_check zk-treed; }
test_restart_sessiond() { kill_and_check zk-sessiond; }
test_restart_gw() { kill_and_check zk-gw; }

test_restart_all_twice() {
	for d in zk-gw zk-treed zk-zabd zk-sessiond zk-electd; do
		kill_and_check "$d"
	done
}

test_killed_node_stays_down_until_start() {
	local pg pids=""
	pg=$(cat "$ZK_DIR/node1/runsvdir.pid")
	for d in zk-electd zk-zabd zk-treed zk-sessiond zk-gw; do
		pids="$pids $(zk_daemon_pid 1 "$d")"
	done
	"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 >/dev/null 2>&1
	assertEquals "zk-cluster kill node" 0 $?
	for p in $pg $pids; do
		assertTrue "pid $p gone" "wait_for 5 gone $p"
	done
	zk_status 1 >/dev/null 2>&1
	assertEquals "status reports the node down" 1 $?
	# Nothing may bring it back by itself; give a restart time to happen.
	assertFalse "node stayed down" "wait_for 3 zk_status 1"
	"$ZK_CLUSTER" start -d "$ZK_DIR" 1 >/dev/null 2>&1
	assertEquals "zk-cluster start node" 0 $?
	assertTrue "status OK after start" "zk_status 1 >/dev/null 2>&1"
}

. "$(command -v shunit2)"
