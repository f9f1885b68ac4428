#!/bin/bash
# Apache's Java shell, zkCli.sh (zookeeper package), one command per run:
# create/get/set/ls/stat/delete, ACLs, Stat printing and error messages;
# and one interactive session for watches and reconnects.
# ZK_TARGET=apache|zk|both (default both): Apache proves, zk is checked.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/compat.sh"
compat_dispatch "$0" "$@"

ZKCLI=/usr/share/zookeeper/bin/zkCli.sh

# Cases zk is known to fail, "name: reason" one per line.
ZK_KNOWN_GAPS="
"

oneTimeSetUp() {
	[ -x "$ZKCLI" ] || fail "$ZKCLI missing (install zookeeper)"
	compat_up
}
oneTimeTearDown() { compat_down; }
setUp() {
	endSkipping
	N="/zkcli-$$-${_shunit_test_}"
}

# zc ARGS...: one zkCli.sh command; its exit status in $rc, stdout less
# the connection banner in $out, stderr (where results and errors go) in
# $err. Each run is a JVM start, so keep their number small.
zc() {
	timeout 30 "$ZKCLI" -server "$ZK_HOSTS" "$@" \
	    > "$COMPAT_DIR/zc.out" 2> "$COMPAT_DIR/zc.err"
	rc=$?
	out=$(grep -vE '^(Connecting to |WATCHER::|WatchedEvent state:SyncConnected type:None path:null|$)' \
	    "$COMPAT_DIR/zc.out")
	err=$(grep -v '^SLF4J' "$COMPAT_DIR/zc.err")
}

# field NAME: a "name = value" line of the last Stat printed.
field() {
	printf '%s\n' "$out" | sed -n "s/^$1 = //p"
}

test_create_get_set_stat_delete() {
	compat_gap test_create_get_set_stat_delete || return 0
	zc create "$N" hello
	assertEquals "create rc" 0 "$rc"
	assertEquals "Created $N" "$err"
	zc get -s "$N"
	assertEquals "get rc" 0 "$rc"
	assertEquals "hello" "$(printf '%s\n' "$out" | head -n 1)"
	czxid=$(field cZxid)
	assertNotNull "cZxid printed" "$czxid"
	assertEquals "mZxid = cZxid" "$czxid" "$(field mZxid)"
	assertEquals "pZxid = cZxid" "$czxid" "$(field pZxid)"
	assertEquals "$(field ctime)" "$(field mtime)"
	assertEquals 0 "$(field cversion)"
	assertEquals 0 "$(field dataVersion)"
	assertEquals 0 "$(field aclVersion)"
	assertEquals 0x0 "$(field ephemeralOwner)"
	assertEquals 5 "$(field dataLength)"
	assertEquals 0 "$(field numChildren)"
	zc set "$N" "hi there"
	assertEquals "set rc" 0 "$rc"
	zc stat "$N"
	assertEquals "stat rc" 0 "$rc"
	assertEquals "$czxid" "$(field cZxid)"
	assertNotEquals "mZxid moved" "$czxid" "$(field mZxid)"
	assertEquals 1 "$(field dataVersion)"
	assertEquals 8 "$(field dataLength)"
	zc get "$N"
	assertEquals "hi there" "$out"
	zc delete "$N"
	assertEquals "delete rc" 0 "$rc"
	zc get "$N"
	assertEquals "get after delete rc" 1 "$rc"
	assertEquals "Node does not exist: $N" "$err"
}

test_children_and_modes() {
	compat_gap test_children_and_modes || return 0
	zc create "$N"
	zc create -s "$N/s-" d
	assertEquals "Created $N/s-0000000000" "$err"
	zc create "$N/b"
	# zkCli.sh exits without closing its session, so the ephemeral
	# stays until that session expires.
	zc create -e "$N/e"
	assertEquals "Created $N/e" "$err"
	zc stat "$N/e"
	assertNotEquals "ephemeralOwner" 0x0 "$(field ephemeralOwner)"
	assertNotNull "ephemeralOwner" "$(field ephemeralOwner)"
	zc ls -s "$N"
	assertEquals "ls rc" 0 "$rc"
	assertEquals "[b, e, s-0000000000]" "$(printf '%s\n' "$out" | head -n 1)"
	assertEquals 3 "$(field numChildren)"
	assertEquals 3 "$(field cversion)"
	zc create -s "$N/s-"
	assertEquals "Created $N/s-0000000003" "$err"
}

test_system_node() {
	compat_gap test_system_node || return 0
	zc get -s /zookeeper
	assertEquals 0x0 "$(field cZxid)"
	assertEquals "-2" "$(field cversion)"
	assertEquals 2 "$(field numChildren)"
	assertEquals 0 "$(field dataLength)"
	zc ls /zookeeper
	assertEquals "[config, quota]" "$out"
}

test_sync() {
	compat_gap test_sync || return 0
	zc sync /
	assertEquals 0 "$rc"
	assertEquals "Sync is OK" "$out"
}

test_error_messages() {
	compat_gap test_error_messages || return 0
	zc create "$N"
	zc create "$N/kid"
	zc create "$N" again
	assertEquals 1 "$rc"
	assertEquals "Node already exists: $N" "$err"
	zc create "$N/no/such"
	assertEquals "Node does not exist: $N/no/such" "$err"
	zc delete "$N"
	assertEquals 1 "$rc"
	assertEquals "Node not empty: $N" "$err"
	zc delete /zookeeper
	assertEquals "Arguments are not valid : /zookeeper" "$err"
	zc set -v 5 "$N" y
	assertEquals 1 "$rc"
	assertEquals "version No is not valid : $N" "$err"
	zc stat "$N/nope"
	assertEquals "Node does not exist: $N/nope" "$err"
	zc deleteall "$N"
	assertEquals 0 "$rc"
	zc ls "$N"
	assertEquals "Node does not exist: $N" "$err"
}

test_acl_commands() {
	compat_gap test_acl_commands || return 0
	zc create "$N"
	zc getAcl "$N"
	assertEquals 0 "$rc"
	assertEquals "'world,'anyone
: cdrwa" "$out"
	zc setAcl "$N" world:anyone:r
	assertEquals "setAcl rc" 0 "$rc"
	zc getAcl -s "$N"
	assertEquals "'world,'anyone" "$(printf '%s\n' "$out" | head -n 1)"
	assertEquals ": r" "$(printf '%s\n' "$out" | sed -n 2p)"
	assertEquals 1 "$(field aclVersion)"
	assertEquals 0 "$(field dataVersion)"
	zc set "$N" x
	assertEquals 1 "$rc"
	assertEquals "Insufficient permission : $N" "$err"
	zc setAcl "$N" world:other:r
	assertEquals 1 "$rc"
	assertEquals "Acl is not valid : $N" "$err"
	zc delete "$N"
	assertEquals "delete of a read-only node (DELETE is on the parent)" 0 "$rc"
}

# Newer commands a zkCli.sh user meets daily (opcodes 103, 104, 107).
test_newer_commands() {
	compat_gap test_newer_commands || return 0
	zc getAllChildrenNumber /zookeeper
	assertEquals 0 "$rc"
	assertEquals 2 "$out"
	zc getEphemerals /
	assertEquals 0 "$rc"
	assertEquals "[]" "$out"
	zc whoami
	assertEquals 0 "$rc"
	assertEquals "Auth scheme: User
ip: 127.0.0.1" "$out"
}

# An interactive zkCli.sh (the Java client) behind a cuttable relay:
# watches, reconnect with setWatches, persistent watches, its ephemerals.
# Driven from Python: tests/kazoo/test_javacli.py.
test_java_client_session() {
	compat_gap test_java_client_session || return 0
	compat_kazoo test_javacli
}

. shunit2
