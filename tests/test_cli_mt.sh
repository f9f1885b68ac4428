#!/bin/bash
# Apache's C client shell, cli_mt (zookeeper-bin), run non-interactively:
# batch mode (-c, one command per run), one scripted stdin session for
# what needs a single session (ephemerals, watches), and one session behind
# a relay that is cut to make the C client reconnect.
# ZK_TARGET=apache|zk|both (default both): Apache proves, zk is checked.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/compat.sh"
compat_dispatch "$0" "$@"

CLI_MT=/usr/lib/zookeeper/bin/cli_mt

# Cases zk is known to fail, "name: reason" one per line.
ZK_KNOWN_GAPS="
"

oneTimeSetUp() {
	[ -x "$CLI_MT" ] || fail "$CLI_MT missing (install zookeeper-bin)"
	compat_up
}
oneTimeTearDown() { compat_down; }
setUp() {
	endSkipping
	N="/climt-$$-${_shunit_test_}"
}

# cm CMD: one batch-mode command. Its output, less the connection chatter,
# is left in $out. cli_mt prints everything on stderr.
cm() {
	out=$(timeout 10 "$CLI_MT" -h "$ZK_HOSTS" -c "$1" < /dev/null 2>&1 |
	    grep -vE '^(Batch mode:|Watcher SESSION_EVENT|Got a new session)')
}

# has TEXT: the last output contains the line fragment TEXT.
has() {
	case "$out" in
	*"$1"*) return 0 ;;
	esac
	fail "expected '$1' in: $out"
	return 1
}

test_create_get_set_delete() {
	compat_gap test_create_get_set_delete || return 0
	cm "create $N"
	has "[$N]: rc = 0"
	has "name = $N"
	cm "get $N"
	has "$N: rc = 0"
	# cli_mt's create stores the three bytes "new".
	has " value_len = 3"
	has "version=0	aversion=0"
	has "ephemeralOwner = 0"
	cm "set $N hello"
	has "$N: rc = 0 Stat:"
	has "version=1	aversion=0"
	cm "get $N"
	has " value_len = 5"
	has "hello"
	cm "delete $N"
	has "$N: rc = 0"
	cm "get $N"
	has "$N: rc = -101"
}

test_create_modes() {
	compat_gap test_create_modes || return 0
	cm "create $N"
	cm "create +s $N/s-"
	has "name = $N/s-0000000000"
	cm "create +s $N/s-"
	has "name = $N/s-0000000001"
	# The ephemeral dies with cli_mt's session when it exits.
	cm "create +e $N/e"
	has "name = $N/e"
	cm "create +es $N/es-"
	has "name = $N/es-0000000003"
	cm "ls $N"
	has "$N: rc = 0"
	has "	s-0000000000"
	has "	s-0000000001"
	case "$out" in
	*"	e"*) fail "ephemeral outlived its session: $out" ;;
	esac
}

test_create2_stat() {
	compat_gap test_create2_stat || return 0
	cm "create2 $N"
	has "[$N]: rc = 0"
	czxid=$(printf '%s\n' "$out" | sed -n 's/^	czxid=//p')
	assertNotNull "create2 prints the Stat" "$czxid"
	has "mzxid=$czxid"
	has "version=0	aversion=0"
	cm "get $N"
	has "czxid=$czxid"
	cm "create2 $N"
	has "[$N]: rc = -110"
}

test_ls_and_ls2() {
	compat_gap test_ls_and_ls2 || return 0
	cm "create $N"
	cm "create $N/a"
	cm "create $N/b"
	cm "ls $N"
	has "$N: rc = 0"
	has "	a"
	has "	b"
	cm "ls2 /zookeeper"
	has "/zookeeper: rc = 0"
	has "	quota"
	has "	config"
	has "czxid=0"
	has "ctime = Thu Jan  1 00:00:00 1970"
}

test_sync() {
	compat_gap test_sync || return 0
	cm "sync /"
	has "[/]: rc = 0"
	has "name = /"
}

test_error_codes() {
	compat_gap test_error_codes || return 0
	cm "create $N"
	cm "create $N/kid"
	cm "create $N"
	has "[$N]: rc = -110"
	cm "create $N/no/such"
	has "[$N/no/such]: rc = -101"
	cm "delete $N"
	has "$N: rc = -111"
	cm "delete $N/nope"
	has "$N/nope: rc = -101"
	cm "delete /zookeeper"
	has "/zookeeper: rc = -8"
	cm "set $N/nope x"
	has "$N/nope: rc = -101"
	cm "ls $N/nope"
	has "$N/nope: rc = -101"
	cm "get $N/nope"
	has "$N/nope: rc = -101"
}

# One interactive session driven through a coprocess: each command is sent
# only after the previous answer was read (every read bounded by 5 s).
test_session_ephemeral_and_watch() {
	compat_gap test_session_ephemeral_and_watch || return 0
	cm "create $N"
	coproc CM { exec "$CLI_MT" -h "$ZK_HOSTS" 2>&1; }
	log=
	waitfor() {
		while IFS= read -r -t 5 line <&"${CM[0]}"; do
			log="$log$line
"
			case "$line" in *"$1"*) return 0 ;; esac
		done
		fail "no '$1' from cli_mt; saw: $log"
		return 1
	}
	send() { echo "$1" >&"${CM[1]}"; }
	waitfor "Got a new session"
	send "create +e $N/eph"
	waitfor "[$N/eph]: rc = "
	assertContains "$log" "[$N/eph]: rc = 0"
	send "create $N/eph/kid"
	waitfor "[$N/eph/kid]: rc = "
	assertContains "$log" "[$N/eph/kid]: rc = -108"
	send "exists $N/none"
	waitfor "Error -101 for $N/none"
	send "wexists $N/w"
	waitfor "$N/w"
	cm "create $N/w"
	waitfor "for path $N/w"
	assertContains "$log" \
	    "Watcher CREATED_EVENT state = CONNECTED_STATE for path $N/w"
	send "quit"
	waitfor "Quitting"
	_pid=$CM_PID
	if ! wait_for 5 eval "! kill -0 $_pid"; then
		fail "cli_mt did not exit after quit"
		kill "$_pid" 2>/dev/null
	fi
	wait "$_pid" 2>/dev/null
	# The session is closed: its ephemeral is gone.
	cm "get $N/eph"
	has "$N/eph: rc = -101"
}

# cli_mt behind a cuttable relay: the C client's reconnect with setWatches
# (xid -8) and catch-up events. Driven from Python: tests/kazoo/test_ccli.py.
test_c_client_reconnect() {
	compat_gap test_c_client_reconnect || return 0
	compat_kazoo test_ccli
}

assertContains() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	fail "expected '$2' in: $1"
}

. shunit2
