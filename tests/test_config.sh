#!/bin/bash
# test_config: zoo.cfg checking through the programs that read it: every
# daemon's -n, and zk-ctl mkservice. Bad configs exit 1 with
# "file:line: key: what is wrong"; a good one passes.
. "$(dirname "$0")/lib.sh"

oneTimeSetUp() {
	T=$(lib_tmpdir)
	mkdir -p "$T/data"
}

oneTimeTearDown() {
	[ -n "${T:-}" ] && rm -rf "$T"
}

# cfg NAME LINE...: writes $T/NAME.cfg (dataDir first unless NODATA=1).
cfg() {
	local f=$T/$1.cfg
	shift
	{
		[ "${NODATA:-0}" = 1 ] || echo "dataDir=$T/data"
		for l in "$@"; do echo "$l"; done
	} >"$f"
	echo "$f"
}

# check_bad FILE EXPECTED: zk-gw -n exits 1 and says EXPECTED.
check_bad() {
	local out rc
	out=$("$ZK_BIN/zk-gw" -n -c "$1" 2>&1)
	rc=$?
	assertEquals "exit status of zk-gw -n for $1: $out" 1 "$rc"
	assertContains "message of zk-gw -n" "$out" "$2"
}

test_binaries_built() {
	for d in zk-electd zk-zabd zk-treed zk-sessiond zk-gw zk-ctl; do
		assertTrue "bin/$d missing (make)" "[ -x '$ZK_BIN/$d' ]"
	done
}

test_good_config_passes_every_daemon() {
	local f out rc
	f=$(cfg good "clientPort=2181" "tickTime=2000" "server.1=127.0.0.1:2888:3888")
	for d in zk-electd zk-zabd zk-treed zk-sessiond zk-gw; do
		out=$("$ZK_BIN/$d" -n -c "$f" 2>&1)
		rc=$?
		assertEquals "$d -n on a good config: $out" 0 "$rc"
	done
}

test_sample_config_passes() {
	local f=$T/sample.cfg
	sed "s|^dataDir=.*|dataDir=$T/data|" "$ZK_ROOT/etc/zoo.cfg.sample" >"$f"
	"$ZK_BIN/zk-gw" -n -c "$f" >/dev/null 2>&1
	assertEquals "etc/zoo.cfg.sample passes -n" 0 $?
}

test_missing_file() {
	check_bad "$T/absent.cfg" "$T/absent.cfg: No such file or directory"
}

test_unknown_key() {
	local f
	f=$(cfg unknown "clientPort=2181" "bogusKey=1")
	check_bad "$f" "$f:3: bogusKey: unknown key"
}

test_bad_number() {
	local f
	f=$(cfg badnum "tickTime=fast")
	check_bad "$f" "$f:2: tickTime: not a number: \"fast\""
}

test_out_of_range() {
	local f
	f=$(cfg range "clientPort=65536")
	check_bad "$f" "$f:2: clientPort: 65536 out of range 1..65535"
}

test_duplicate_key() {
	local f
	f=$(cfg dup "clientPort=1" "# comment" "" "  clientPort = 2")
	check_bad "$f" "$f:5: clientPort: duplicate key (first at line 2)"
}

test_missing_data_dir() {
	local f
	f=$(NODATA=1 cfg nodata "clientPort=2181")
	check_bad "$f" "$f: dataDir: missing (required)"
}

test_malformed_server_line() {
	local f
	f=$(cfg srv "server.1=127.0.0.1:2888")
	check_bad "$f" "$f:2: server.1: \"127.0.0.1:2888\" is not host:quorumPort:electionPort"
	f=$(cfg srv2 "server.1=127.0.0.1:2888:3888:boss")
	check_bad "$f" "$f:2: server.1: role \"boss\" is not participant or observer"
	f=$(cfg srv3 "server.300=127.0.0.1:2888:3888")
	check_bad "$f" "$f:2: server.300: server id \"300\" is not 1..255"
}

test_ensemble_needs_myid() {
	local f
	rm -f "$T/data/myid"
	f=$(cfg ens "server.1=127.0.0.1:2888:3888" "server.2=127.0.0.1:2889:3889")
	check_bad "$f" "$f: myid: $T/data/myid missing (required with 2 server lines)"
	echo 7 >"$T/data/myid"
	check_bad "$f" "$f: myid: 7 (from $T/data/myid) matches no server line"
	echo 2 >"$T/data/myid"
	"$ZK_BIN/zk-gw" -n -c "$f" >/dev/null 2>&1
	assertEquals "myid 2 matches server.2" 0 $?
	rm -f "$T/data/myid"
}

test_ignored_apache_key_warns() {
	local f out rc
	f=$(cfg ign "snapSizeLimitInKb=1" "preAllocSize=10000")
	out=$("$ZK_BIN/zk-gw" -n -c "$f" 2>&1)
	rc=$?
	assertEquals "ignored keys are not errors: $out" 0 "$rc"
	assertContains "$out" "$f:2: snapSizeLimitInKb: ignored (not implemented)"
	assertContains "$out" "$f:3: preAllocSize: ignored (not implemented)"
	# snapCount and autopurge.* are implemented: no warning
	f=$(cfg snap "autopurge.purgeInterval=1" "snapCount=10000")
	out=$("$ZK_BIN/zk-gw" -n -c "$f" 2>&1)
	assertEquals "snapshot keys: $out" 0 $?
	assertNotContains "$out" "ignored"
}

test_our_keys() {
	local f
	f=$(cfg ours "logLevel=chatty")
	check_bad "$f" "$f:2: logLevel: \"chatty\" is not error, warn, info or debug"
	f=$(cfg ours2 "user.zk-nobody=x")
	check_bad "$f" "$f:2: user.zk-nobody: unknown daemon \"zk-nobody\""
	f=$(cfg ours3 "sandbox=maybe")
	check_bad "$f" "$f:2: sandbox: \"maybe\" is not on or off"
}

test_mkservice_rejects_bad_config() {
	local f out rc
	f=$(cfg mkbad "clientPort=x")
	out=$("$ZK_CTL" mkservice -c "$f" -o "$T/sv-bad" 2>&1)
	rc=$?
	assertEquals "mkservice exit on a bad config: $out" 1 "$rc"
	assertContains "$out" "$f:2: clientPort: not a number: \"x\""
	assertFalse "no service dir written" "[ -e '$T/sv-bad/zk-gw/run' ]"
	"$ZK_CTL" mkservice -c "$f" >/dev/null 2>&1
	assertEquals "mkservice without -o is a usage error" 2 $?
}

test_mkservice_writes_service_set() {
	local f bin
	f=$(cfg mkgood "clientPort=2181")
	"$ZK_CTL" mkservice -c "$f" -o "$T/sv" 2>&1
	assertEquals "mkservice on a good config" 0 $?
	bin=$(cd "$ZK_BIN" && pwd -P)
	for d in zk-electd zk-zabd zk-treed zk-sessiond zk-gw; do
		assertTrue "$d/run executable" "[ -x '$T/sv/$d/run' ]"
		assertTrue "$d/log/run executable" "[ -x '$T/sv/$d/log/run' ]"
		assertTrue "$d/log/main exists" "[ -d '$T/sv/$d/log/main' ]"
		assertContains "$(cat "$T/sv/$d/run")" "exec '$bin/$d' -c '$(readlink -f "$f")'"
		assertContains "$(cat "$T/sv/$d/run")" "exec 2>&1"
		assertContains "$(cat "$T/sv/$d/log/run")" "svlogd"
	done
	sh -n "$T/sv/zk-gw/run"
	assertEquals "run script is valid sh" 0 $?
}

. "$(command -v shunit2)"
