#!/bin/bash
# test_systemd: the units in etc/systemd. systemd-analyze verify finds no
# fault in any of them, and a node started from them as systemd would
# (tests/systemd/run_units.py: ExecStartPre, ExecStart with NOTIFY_SOCKET,
# READY=1 from the main pid, SIGTERM to stop) serves clients and stops
# cleanly. Test machines are containers without systemd as PID 1, so
# Restart= itself is left to the runit suites (test_restart.sh).
. "$(dirname "$0")/lib.sh"

INST=node1

oneTimeSetUp() {
	# zk-cluster lays out the node (zoo.cfg, dataDir owned by the daemon
	# users); its runit supervision is then stopped and the units take over.
	zk_up 1 >/dev/null || { echo "zk-cluster up failed" >&2; return 1; }
	"$ZK_CLUSTER" down -d "$ZK_DIR" >/dev/null || return 1
	UNITS=$ZK_DIR/units
	mkdir -p "$UNITS" || return 1
	cp "$ZK_ROOT"/etc/systemd/* "$UNITS"/ || return 1
	# The installed paths, rewritten for this tree and node.
	sed -i -e "s#/usr/local/bin/#$ZK_BIN/#g" \
	    -e "s#/etc/zk/%i/zoo.cfg#$ZK_DIR/%i/zoo.cfg#g" "$UNITS"/* || return 1
}

oneTimeTearDown() { zk_down; }

test_units_verify_clean() {
	local u out
	command -v systemd-analyze >/dev/null || { fail "systemd-analyze missing (make deps)"; return; }
	for u in zk-electd zk-zabd zk-treed zk-sessiond zk-gw; do
		out=$(cd "$UNITS" && systemd-analyze verify --man=no "./$u@$INST.service" 2>&1)
		assertEquals "systemd-analyze verify $u@.service: $out" 0 $?
		assertEquals "no warnings for $u@.service" "" "$out"
	done
	out=$(cd "$UNITS" && systemd-analyze verify --man=no "./zk@$INST.target" 2>&1)
	assertEquals "zk@.target: $out" 0 $?
	assertEquals "no warnings for zk@.target" "" "$out"
}

test_verify_catches_a_bad_unit() {
	# The check above can fail: a broken copy is reported.
	local out
	sed 's/^Restart=.*/Restart=sometimes/' "$UNITS/zk-gw@.service" > "$UNITS/zk-bad@.service"
	out=$(cd "$UNITS" && systemd-analyze verify --man=no "./zk-bad@$INST.service" 2>&1)
	assertContains "bad Restart= reported" "$out" "sometimes"
	rm -f "$UNITS/zk-bad@.service"
}

test_node_runs_from_units() {
	local port out
	port=$(sed -n 's/^clientPort=//p' "$(zk_cfg 1)" | tail -n 1)
	out=$(timeout 120 "$ZK_PY" "$ZK_ROOT/tests/systemd/run_units.py" "$UNITS" "$INST" -- \
	    sh -c "'$ZK_BIN/zk' -s 127.0.0.1:$port create /sd hello &&
		   test \"\$('$ZK_BIN/zk' -s 127.0.0.1:$port get /sd)\" = hello &&
		   '$ZK_CTL' -c '$(zk_cfg 1)' status >/dev/null" 2>&1)
	assertEquals "node from units: $out" 0 $?
	assertEquals "five daemons ready" 5 "$(printf '%s\n' "$out" | grep -c '^ready ')"
	assertEquals "five clean stops" 5 "$(printf '%s\n' "$out" | grep -c '^stopped ')"
}

. shunit2
