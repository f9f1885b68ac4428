#!/bin/bash
# tests/test_cli.sh: the zk command-line tool, every verb and exit code,
# against Apache ZooKeeper (which proves the expectations) and against zk.
# ZK_TARGET=apache|zk|both (default both). Cases zk cannot pass yet are
# listed in ZK_KNOWN_GAPS below, reported and skipped on the zk target.
# Every zk invocation is bounded by `timeout`; every wait is bounded.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/compat.sh"

ZK_KNOWN_GAPS=${ZK_KNOWN_GAPS-""}

compat_dispatch "$0" "$@"

Z=${ZK_CLI:-$TOP/bin/zk}
T=${CLI_TIMEOUT:-30}

# zk with a bound on its run time.
zk() { timeout "$T" "$Z" "$@"; }

oneTimeSetUp() {
	W=$(mktemp -d "${TMPDIR:-/tmp}/zk-cli.XXXXXX")
	# TTL nodes; Apache turns zoo.cfg keys it does not know into
	# zookeeper.* system properties, so one line serves both targets.
	COMPAT_CFG+=("extendedTypesEnabled=true")
	compat_up
}

# A loopback port nobody listens on.
dead_port() {
	local p
	p=$(lib_pick_base) && [ "$p" != "$ZK_PORT" ] && echo "$p"
}

# Wait (bounded) for a background pid to end; kill it if it does not.
reap() {
	wait_for "$2" eval "! kill -0 $1 2>/dev/null" || kill -KILL "$1" 2>/dev/null
	wait "$1"
}

oneTimeTearDown() {
	compat_down
	[ -n "$W" ] && rm -rf "$W"
}

setUp() { endSkipping; }

# ---- data ---------------------------------------------------------------

test_get_set_raw() {
	compat_gap test_get_set_raw || return 0
	zk create /cli_raw "hello"
	assertEquals "create" 0 $?
	assertEquals "get adds nothing" "hellox" "$(zk get /cli_raw; echo x)"
	zk get /cli_raw > "$W/raw.out"
	assertEquals "exactly 5 bytes" 5 "$(stat -c %s "$W/raw.out")"
	zk set /cli_raw "world"
	assertEquals "set" 0 $?
	assertEquals "new data" "world" "$(zk get /cli_raw)"
	printf 'from\nstdin' | zk set /cli_raw -
	assertEquals "set from stdin" "$(printf 'from\nstdin')" "$(zk get /cli_raw)"
	zk rm /cli_raw
}

test_pipeline_get_set() {
	compat_gap test_pipeline_get_set || return 0
	zk create /cli_pa "piped data" && zk create /cli_pb ""
	zk get /cli_pa | zk set /cli_pb -
	assertEquals "pipeline status" 0 $?
	assertEquals "copied" "piped data" "$(zk get /cli_pb)"
	zk rm /cli_pa; zk rm /cli_pb
}

test_binary_every_byte() {
	compat_gap test_binary_every_byte || return 0
	/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 3)' > "$W/bin.in"
	zk create /cli_bin - < "$W/bin.in"
	assertEquals "create from binary stdin" 0 $?
	zk get /cli_bin > "$W/bin.out"
	cmp "$W/bin.in" "$W/bin.out"
	assertEquals "every byte value survives create/get" 0 $?
	zk set /cli_bin - < "$W/bin.in" && zk get /cli_bin | cmp - "$W/bin.in"
	assertEquals "and set/get" 0 $?
	# JSON: not UTF-8, so base64.
	zk --json get /cli_bin > "$W/bin.json"
	/usr/bin/python3 - "$W/bin.json" "$W/bin.in" <<'EOF'
import base64, json, sys
d = json.load(open(sys.argv[1]))
assert "data" not in d, d.keys()
assert base64.b64decode(d["data_base64"]) == open(sys.argv[2], "rb").read()
EOF
	assertEquals "--json base64 data" 0 $?
	zk rm /cli_bin
}

test_json_output() {
	compat_gap test_json_output || return 0
	zk create /cli_js "h$(printf '\303\251')llo \"q\""
	zk --json get /cli_js > "$W/js.out"
	/usr/bin/python3 - "$W/js.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["path"] == "/cli_js", d
assert d["data"] == "h\u00e9llo \"q\"", d
assert d["stat"]["version"] == 0 and d["stat"]["dataLength"] == 10, d
EOF
	assertEquals "get --json" 0 $?
	zk create /cli_js/k1 && zk create /cli_js/k2
	assertEquals "ls --json" '["k1","k2"]' "$(zk ls --json /cli_js)"
	assertEquals "exists --json" '{"path":"/cli_js","exists":true}' "$(zk --json exists /cli_js)"
	zk --json stat /cli_js | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["numChildren"] == 2'
	assertEquals "stat --json" 0 $?
	zk rm -r /cli_js
}

test_get_stat() {
	compat_gap test_get_stat || return 0
	zk create /cli_gs abc
	out=$(zk get --stat /cli_gs 2> "$W/gs.err")
	assertEquals "data on stdout only" "abc" "$out"
	grep -q '^dataLength=3$' "$W/gs.err"
	assertEquals "stat on stderr" 0 $?
	zk set --stat /cli_gs abcd | grep -q '^version=1$'
	assertEquals "set --stat prints the new Stat" 0 $?
	zk rm /cli_gs
}

# ---- create modes ---------------------------------------------------------

test_create_parents() {
	compat_gap test_create_parents || return 0
	zk create /cli_p/a/b x 2> "$W/p.err"
	assertEquals "no parent" 1 $?
	grep -q 'NoNode' "$W/p.err"
	assertEquals "error names the code" 0 $?
	zk create -p /cli_p/a/b x
	assertEquals "-p" 0 $?
	assertEquals "x" "$(zk get /cli_p/a/b)"
	zk rm -r /cli_p
}

test_create_sequential() {
	compat_gap test_create_sequential || return 0
	zk create /cli_s ""
	a=$(zk create -s /cli_s/job- d)
	b=$(zk create -s /cli_s/job- d)
	assertTrue "10-digit suffix: $a" "echo '$a' | grep -Eq '^/cli_s/job-[0-9]{10}$'"
	assertTrue "increasing: $a < $b" "[ '$a' '<' '$b' ]"
	zk rm -r /cli_s
}

test_create_ephemeral() {
	compat_gap test_create_ephemeral || return 0
	# The node dies with the creating session, i.e. when zk exits.
	zk create -e /cli_e x
	assertEquals "create -e" 0 $?
	zk exists /cli_e
	assertEquals "gone with its session" 1 $?
	p=$(zk create -e -s /cli_es-)
	assertTrue "ephemeral sequential name" "echo '$p' | grep -Eq '^/cli_es-[0-9]{10}$'"
}

test_create_ttl() {
	compat_gap test_create_ttl || return 0
	zk create -t 600000 /cli_ttl data
	assertEquals "ttl" 0 $?
	assertEquals "ttl data" "data" "$(zk get /cli_ttl)"
	assertEquals "a TTL node looks persistent" "ephemeralOwner=0x0" "$(zk stat /cli_ttl | grep ephemeralOwner)"
	zk rm /cli_ttl
	zk create -t 0 /cli_ttl 2> /dev/null
	assertEquals "TTL 0 is a usage error" 8 $?
}

test_create_container_acl() {
	compat_gap test_create_container_acl || return 0
	zk create -c /cli_c
	assertEquals "container" 0 $?
	zk create /cli_c/kid
	assertEquals "container child" 0 $?
	zk rm -r /cli_c
	zk create -e -c /cli_c 2> /dev/null
	assertEquals "-e with -c is a usage error" 8 $?
	zk create --acl 'world:anyone:r' /cli_ro ro
	assertEquals "acl create" 0 $?
	zk set /cli_ro x 2> /dev/null
	assertEquals "read-only ACL refuses set" 5 $?
	assertEquals "world:anyone:r" "$(zk acl get /cli_ro)"
	zk rm /cli_ro
}

# ---- rm, ls, stat, exists, sync ------------------------------------------

test_rm() {
	compat_gap test_rm || return 0
	zk create /cli_rm "" && zk create /cli_rm/k ""
	zk rm /cli_rm 2> "$W/rm.err"
	assertEquals "not empty" 4 $?
	grep -q '/cli_rm: NotEmpty' "$W/rm.err"
	assertEquals "message names path and error" 0 $?
	zk rm -v 5 /cli_rm/k 2> /dev/null
	assertEquals "wrong version" 2 $?
	zk rm -v 0 /cli_rm/k
	assertEquals "right version" 0 $?
	zk create -p /cli_rm/a/b/c && zk create /cli_rm/a/d
	zk rm -r /cli_rm
	assertEquals "recursive" 0 $?
	zk exists /cli_rm
	assertEquals "all gone" 1 $?
	zk rm /cli_rm 2> /dev/null
	assertEquals "missing" 1 $?
}

test_ls() {
	compat_gap test_ls || return 0
	zk create -p /cli_ls/b/x && zk create /cli_ls/a 12345 && zk create /cli_ls/c
	assertEquals "sorted names" "$(printf 'a\nb\nc')" "$(zk ls /cli_ls)"
	assertEquals "recursive full paths" \
	    "$(printf '/cli_ls/a\n/cli_ls/b\n/cli_ls/b/x\n/cli_ls/c')" "$(zk ls -R /cli_ls)"
	zk ls -l /cli_ls | grep -Eq '^- +5 +0 +0 [0-9T:-]+Z a$'
	assertEquals "long format: dataLength numChildren version mtime name" 0 $?
	assertEquals "empty" "" "$(zk ls /cli_ls/c)"
	zk ls /cli_nothere 2> /dev/null
	assertEquals "missing" 1 $?
	zk rm -r /cli_ls
}

test_stat_exists_sync() {
	compat_gap test_stat_exists_sync || return 0
	zk create /cli_st 1234
	zk stat /cli_st > "$W/st.out"
	assertEquals "stat fields" 11 "$(grep -cE '^[a-zA-Z]+=' "$W/st.out")"
	grep -q '^dataLength=4$' "$W/st.out"
	assertEquals "dataLength" 0 $?
	zk exists /cli_st
	assertEquals "exists yes" 0 $?
	assertEquals "exists prints nothing" "" "$(zk exists /cli_st)"
	zk exists /cli_st_no
	assertEquals "exists no" 1 $?
	zk sync /cli_st
	assertEquals "sync" 0 $?
	zk stat /cli_st_no 2> /dev/null
	assertEquals "stat missing" 1 $?
	zk rm /cli_st
}

# ---- ACLs and auth ---------------------------------------------------------

test_acl_auth() {
	compat_gap test_acl_auth || return 0
	zk create /cli_acl secret
	zk acl set /cli_acl 'userpass:alice:pw:cdrwa'
	assertEquals "acl set" 0 $?
	zk get /cli_acl > /dev/null 2> "$W/acl.err"
	assertEquals "no auth" 5 $?
	grep -q 'NoAuth' "$W/acl.err"
	assertEquals "NoAuth named" 0 $?
	assertEquals "with --auth" "secret" "$(zk --auth alice:pw get /cli_acl)"
	echo "alice:pw" > "$W/cred"
	assertEquals "with --auth-file" "secret" "$(zk --auth-file "$W/cred" get /cli_acl)"
	zk --auth alice:wrong get /cli_acl > /dev/null 2>&1
	assertEquals "wrong password" 5 $?
	# The stored id is the digest of user:password.
	assertEquals "digest:alice:$(/usr/bin/python3 -c 'import base64,hashlib; print(base64.b64encode(hashlib.sha1(b"alice:pw").digest()).decode())'):cdrwa" \
	    "$(zk --auth alice:pw acl get /cli_acl)"
	zk --auth alice:pw acl set -v 1 /cli_acl 'world:anyone:cdrwa'
	assertEquals "acl set with version" 0 $?
	zk acl set -v 1 /cli_acl 'world:anyone:cdrwa' 2> /dev/null
	assertEquals "stale acl version" 2 $?
	zk rm /cli_acl
}

# ---- dump and load -------------------------------------------------------

test_dump_load() {
	compat_gap test_dump_load || return 0
	zk create -p /cli_d/a/b "deep"
	zk create /cli_d/bin - < <(/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))')
	zk create /cli_d/t "text
with newline"
	zk create --acl 'world:anyone:cdrw' /cli_d/locked x
	zk dump /cli_d > "$W/d.json"
	assertEquals "dump" 0 $?
	zk dump /cli_d | zk load /cli_d2
	assertEquals "dump | load" 0 $?
	zk dump /cli_d2 > "$W/d2.json"
	/usr/bin/python3 - "$W/d.json" "$W/d2.json" <<'EOF'
import json, sys
def strip(n):
    if n is None:
        return None
    return {k: ([strip(c) for c in v] if k == "children" else v)
            for k, v in n.items() if k not in ("path", "name", "stat")}
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert strip(a) == strip(b), (strip(a), strip(b))
names = sorted(c["name"] for c in a["children"])
assert names == ["a", "bin", "locked", "t"], names
EOF
	assertEquals "same data, ACLs and shape" 0 $?
	zk get /cli_d2/bin | cmp - <(/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))')
	assertEquals "binary data survives" 0 $?
	zk load /cli_d2 < "$W/d.json" 2> /dev/null
	assertEquals "load onto existing nodes" 3 $?
	zk load --force /cli_d2 "$W/d.json"
	assertEquals "load --force from a file" 0 $?
	echo '{"name": 5' | zk load /cli_d3 2> /dev/null
	assertEquals "bad document" 8 $?
	assertEquals "failed dump writes nothing" "" "$(zk dump /cli_d_none 2> /dev/null)"
	# A document from another JSON writer: escaped non-ASCII (a surrogate
	# pair), control characters and base64 data.
	/usr/bin/python3 -c 'import json; print(json.dumps({"name": "x", "data": "\u00e9\U0001F600\t\"q\"",
	    "children": [{"name": "b", "data_base64": "AP8=", "children": []}]}))' > "$W/foreign.json"
	zk load /cli_d4 "$W/foreign.json"
	assertEquals "load of a foreign document" 0 $?
	assertEquals "unicode escapes decoded" "$(printf '\303\251\360\237\230\200\t"q"')" "$(zk get /cli_d4)"
	assertEquals "base64 data" "00ff" "$(zk get /cli_d4/b | od -An -tx1 | tr -d ' \n')"
	zk rm -r /cli_d4
	zk rm -r /cli_d; zk rm -r /cli_d2
}

# ---- watch --------------------------------------------------------------

# Wait (bounded) until FILE has at least N lines.
lines_at_least() { [ "$(wc -l < "$1")" -ge "$2" ]; }

test_watch_event_types() {
	compat_gap test_watch_event_types || return 0
	zk watch -v --count 5 --timeout 20 /cli_w > "$W/w.out" 2> "$W/w.err" &
	wp=$!
	wait_for 10 grep -q armed "$W/w.err"
	zk create /cli_w v1
	wait_for 10 lines_at_least "$W/w.out" 1
	zk set /cli_w v2
	wait_for 10 lines_at_least "$W/w.out" 2
	zk create /cli_w/kid
	wait_for 10 lines_at_least "$W/w.out" 3
	zk rm /cli_w/kid
	wait_for 10 lines_at_least "$W/w.out" 4
	zk rm /cli_w
	wait "$wp"
	assertEquals "watch exit status" 0 $?
	assertEquals "event types" \
	    "NodeCreated NodeDataChanged NodeChildrenChanged NodeChildrenChanged NodeDeleted" \
	    "$(cut -d' ' -f1 "$W/w.out" | tr '\n' ' ' | sed 's/ $//')"
	assertEquals "paths" 5 "$(cut -d' ' -f2 "$W/w.out" | grep -c '^/cli_w$')"
	assertEquals "zxids of the first four" 4 "$(head -4 "$W/w.out" | cut -d' ' -f3 | grep -c '^0x[0-9a-f]*$')"
}

test_watch_data_once() {
	compat_gap test_watch_data_once || return 0
	zk create /cli_wd old
	zk watch -v --once --data --timeout 20 /cli_wd > "$W/wd.out" 2> "$W/wd.err" &
	wp=$!
	wait_for 10 grep -q armed "$W/wd.err"
	zk set /cli_wd "new value"
	wait "$wp"
	assertEquals "--once exits after one event" 0 $?
	assertEquals "line with the new data" "NodeDataChanged /cli_wd" "$(cut -d' ' -f1,2 "$W/wd.out")"
	assertEquals "data after a tab" "new value" "$(cut -f2 "$W/wd.out")"
	zk watch --once --timeout 1 /cli_wd > /dev/null
	assertEquals "timeout before the event" 7 $?
	zk rm /cli_wd
}

test_watch_coalesced_final_state() {
	compat_gap test_watch_coalesced_final_state || return 0
	zk create /cli_wc 0
	"$Z" watch -v /cli_wc > "$W/wc.out" 2> "$W/wc.err" &
	wp=$!
	wait_for 10 grep -q armed "$W/wc.err"
	# Many sets in one session, faster than re-arming.
	/usr/bin/python3 - "$ZK_HOSTS" <<'EOF'
import sys
from kazoo.client import KazooClient
c = KazooClient(hosts=sys.argv[1]); c.start()
for i in range(1, 31):
    c.set("/cli_wc", str(i).encode())
c.stop()
EOF
	final=$(zk stat /cli_wc | sed -n 's/^mzxid=//p')
	last_is_final() { [ "$(tail -1 "$W/wc.out" | cut -d' ' -f3)" = "$final" ]; }
	wait_for 20 last_is_final
	assertEquals "the last line carries the final mzxid" 0 $?
	assertTrue "fewer lines than changes, marked coalesced" \
	    "[ $(wc -l < "$W/wc.out") -ge 30 ] || grep -q coalesced '$W/wc.out'"
	kill -TERM "$wp"
	reap "$wp" 10
	assertEquals "SIGTERM ends watch cleanly" 0 $?
	zk rm /cli_wc
}

test_watch_survives_session_expiry() {
	compat_gap test_watch_survives_session_expiry || return 0
	zk create /cli_wn 0
	"$Z" --session-timeout 2000 watch -v --count 2 --timeout 40 /cli_wn > "$W/wn.out" 2> "$W/wn.err" &
	wp=$!
	wait_for 10 grep -q armed "$W/wn.err"
	# Frozen past its session timeout while the node changes twice.
	kill -STOP "$wp"
	zk set /cli_wn 1 && zk set /cli_wn 2
	sleep 4
	kill -CONT "$wp"
	wait_for 20 lines_at_least "$W/wn.out" 1
	zk set /cli_wn 3
	reap "$wp" 20
	assertEquals "watch went on" 0 $?
	grep -q 'starting a new session' "$W/wn.err"
	assertEquals "said so" 0 $?
	assertEquals "the missed changes as one coalesced line, then live again" \
	    "$(printf 'NodeDataChanged /cli_wn coalesced\nNodeDataChanged /cli_wn')" \
	    "$(cut -d' ' -f1,2,4 "$W/wn.out")"
	assertEquals "final state" "$(zk stat /cli_wn | sed -n 's/^mzxid=//p')" \
	    "$(tail -1 "$W/wn.out" | cut -d' ' -f3)"
	zk rm /cli_wn
}

test_watch_head_terminates() {
	compat_gap test_watch_head_terminates || return 0
	zk create /cli_wh 0
	( zk watch -v /cli_wh 2> "$W/wh.err" | head -1 > "$W/wh.out" ) &
	hp=$!
	wait_for 10 grep -q armed "$W/wh.err"
	zk set /cli_wh 1
	# Must end on its own, promptly, once head has its line.
	wait_for 10 eval "! kill -0 $hp 2>/dev/null"
	assertEquals "pipeline ended" 0 $?
	wait "$hp"
	assertEquals "one line" 1 "$(wc -l < "$W/wh.out")"
	zk rm /cli_wh
}

test_watch_command() {
	compat_gap test_watch_command || return 0
	zk create /cli_wx a
	zk watch -v --count 2 --timeout 20 --data /cli_wx -- \
	    sh -c 'echo "$ZK_EVENT|$ZK_PATH|$ZK_DATA" >> "$0"' "$W/wx.out" > /dev/null 2> "$W/wx.err" &
	wp=$!
	wait_for 10 grep -q armed "$W/wx.err"
	zk set /cli_wx b
	wait_for 10 lines_at_least "$W/wx.out" 1
	zk set /cli_wx c
	wait "$wp"
	assertEquals "command ran per event with its environment" \
	    "$(printf 'NodeDataChanged|/cli_wx|b\nNodeDataChanged|/cli_wx|c')" "$(cat "$W/wx.out")"
	zk rm /cli_wx
}

test_watch_recursive() {
	compat_gap test_watch_recursive || return 0
	zk create /cli_wr ""
	zk watch -v --recursive --count 3 --timeout 20 /cli_wr > "$W/wr.out" 2> "$W/wr.err" &
	wp=$!
	wait_for 10 grep -q armed "$W/wr.err"
	zk create /cli_wr/a 1
	wait_for 10 lines_at_least "$W/wr.out" 1
	zk create /cli_wr/a/b 2
	wait_for 10 lines_at_least "$W/wr.out" 2
	zk set /cli_wr/a/b 3
	wait "$wp"
	assertEquals "recursive exit" 0 $?
	assertEquals "subtree events" \
	    "$(printf 'NodeCreated /cli_wr/a\nNodeCreated /cli_wr/a/b\nNodeDataChanged /cli_wr/a/b')" \
	    "$(cut -d' ' -f1,2 "$W/wr.out")"
	zk rm -r /cli_wr
}

test_watch_recursive_rearm() {
	compat_gap test_watch_recursive_rearm || return 0
	zk create -p /cli_wq/x 0
	zk watch -v --recursive --rearm --count 5 --timeout 20 /cli_wq > "$W/wq.out" 2> "$W/wq.err" &
	wp=$!
	wait_for 10 grep -q armed "$W/wq.err"
	zk create /cli_wq/a 1
	wait_for 10 lines_at_least "$W/wq.out" 1
	zk create /cli_wq/a/b 2
	wait_for 10 lines_at_least "$W/wq.out" 2
	zk set /cli_wq/a/b 3
	wait_for 10 lines_at_least "$W/wq.out" 3
	zk set /cli_wq/x 4
	wait_for 10 lines_at_least "$W/wq.out" 4
	zk rm -r /cli_wq/a
	wait "$wp"
	assertEquals "re-arming over the subtree" 0 $?
	assertEquals "subtree events" \
	    "$(printf 'NodeCreated /cli_wq/a\nNodeCreated /cli_wq/a/b\nNodeDataChanged /cli_wq/a/b\nNodeDataChanged /cli_wq/x\nNodeDeleted /cli_wq/a/b')" \
	    "$(cut -d' ' -f1,2 "$W/wq.out")"
	zk rm -r /cli_wq
}

# ---- lock and elect --------------------------------------------------------

test_lock_mutual_exclusion() {
	compat_gap test_lock_mutual_exclusion || return 0
	: > "$W/mutex.log"
	pids=""
	for i in 1 2 3 4 5 6 7 8; do
		zk lock /cli_lock/m -- sh -c '
			echo "in $ZK_FENCING_TOKEN" >> "$0"
			sleep 0.05
			echo "out $ZK_FENCING_TOKEN" >> "$0"' "$W/mutex.log" &
		pids="$pids $!"
	done
	rc=0
	for p in $pids; do wait "$p" || rc=1; done
	assertEquals "all 8 ran" 0 $rc
	assertEquals "16 lines" 16 "$(wc -l < "$W/mutex.log")"
	# Strictly alternating in/out with the same token: no overlap.
	awk '
		NR % 2 == 1 { if ($1 != "in") bad = 1; tok = $2 }
		NR % 2 == 0 { if ($1 != "out" || $2 != tok) bad = 1 }
		END { exit bad }' "$W/mutex.log"
	assertEquals "no two holders at once" 0 $?
	# Fencing tokens grow with each grant.
	grep '^in' "$W/mutex.log" | cut -d' ' -f2 | sort -n -c
	assertEquals "fencing tokens increase" 0 $?
	assertEquals "lock nodes cleaned up" "" "$(zk ls /cli_lock/m)"
}

test_lock_nonblock_timeout_limit() {
	compat_gap test_lock_nonblock_timeout_limit || return 0
	zk lock /cli_lock/n -- sh -c 'touch "$0"; sleep 3' "$W/held" &
	hp=$!
	wait_for 10 test -e "$W/held"
	zk lock -n /cli_lock/n -- true 2> "$W/n.err"
	assertEquals "-n when held" 9 $?
	grep -q busy "$W/n.err"
	assertEquals "says busy" 0 $?
	zk lock --timeout 0.5 /cli_lock/n -- true 2> /dev/null
	assertEquals "--timeout when held" 9 $?
	wait "$hp"
	zk lock -n /cli_lock/n -- true
	assertEquals "-n when free" 0 $?
	# A semaphore of 2: two holders at once, the third is refused.
	rm -f "$W/s1" "$W/s2"
	zk lock --limit 2 /cli_lock/s -- sh -c 'touch "$0"; sleep 3' "$W/s1" &
	p1=$!
	zk lock --limit 2 /cli_lock/s -- sh -c 'touch "$0"; sleep 3' "$W/s2" &
	p2=$!
	wait_for 10 test -e "$W/s1" -a -e "$W/s2"
	assertEquals "two permits held together" 0 $?
	zk lock -n --limit 2 /cli_lock/s -- true 2> /dev/null
	assertEquals "third permit refused" 9 $?
	wait "$p1" "$p2"
}

test_lock_exit_status_and_env() {
	compat_gap test_lock_exit_status_and_env || return 0
	zk lock /cli_lock/x -- sh -c 'exit 42'
	assertEquals "child's status" 42 $?
	out=$(zk lock /cli_lock/x -- sh -c 'echo "$ZK_LOCK_PATH $ZK_LOCK_NODE $ZK_LOCK_SEQ"')
	assertTrue "environment: $out" "echo '$out' | grep -Eq '^/cli_lock/x /cli_lock/x/lock-[0-9a-f]{16}-[0-9]{10} [0-9]+$'"
	zk lock /cli_lock/x 2> /dev/null
	assertEquals "no command is a usage error" 8 $?
}

test_lock_session_expiry_kills_child() {
	compat_gap test_lock_session_expiry_kills_child || return 0
	rm -f "$W/child.pid"
	"$Z" --session-timeout 2000 lock /cli_lock/e -- \
	    sh -c 'echo $$ > "$0"; exec sleep 60' "$W/child.pid" 2> "$W/e.err" &
	zp=$!
	wait_for 10 test -s "$W/child.pid"
	cp=$(cat "$W/child.pid")
	# Freeze zk past its session timeout: the server expires the session.
	kill -STOP "$zp"
	sleep 4
	kill -CONT "$zp"
	reap "$zp" 20
	assertEquals "zk reports the lost session" 7 $?
	kill -0 "$cp" 2> /dev/null
	assertEquals "child was killed" 1 $?
	grep -q 'lost' "$W/e.err"
	assertEquals "says why" 0 $?
}

test_elect_one_leader_and_takeover() {
	compat_gap test_elect_one_leader_and_takeover || return 0
	: > "$W/elect.log"
	for i in 1 2 3; do
		"$Z" --session-timeout 2000 elect /cli_elect -- sh -c '
			echo "start $1" >> "$0"
			trap "echo stop $1 >> $0; exit 0" TERM
			while :; do sleep 0.1; done' "$W/elect.log" "$i" &
		eval "ep$i=$!"
	done
	wait_for 10 lines_at_least "$W/elect.log" 1
	sleep 1
	assertEquals "exactly one leader runs" 1 "$(grep -c start "$W/elect.log")"
	leader=$(sed -n 's/^start //p' "$W/elect.log")
	# Kill the leader's zk outright: its command dies with it, and after
	# the session timeout another candidate takes over.
	eval "kill -KILL \$ep$leader"
	wait_for 15 lines_at_least "$W/elect.log" 2
	assertEquals "takeover" 2 "$(grep -c start "$W/elect.log")"
	sleep 1
	assertEquals "still one at a time" 2 "$(grep -c start "$W/elect.log")"
	for i in 1 2 3; do eval "kill -TERM \$ep$i 2>/dev/null"; done
	for i in 1 2 3; do eval "reap \$ep$i 10"; done
	assertEquals "candidates gone" "" "$(zk ls /cli_elect)"
}

# Stop the server and start it again on the same data and port.
restart_server() {
	if [ "$ZK_TARGET" = apache ]; then
		apache_ref_down "$COMPAT_DIR" &&
		apache_ref_up "$COMPAT_DIR" "$ZK_PORT" \
		    "${COMPAT_CFG[@]}" > /dev/null
	else
		"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 > /dev/null &&
		"$ZK_CLUSTER" start -d "$ZK_DIR" 1 > /dev/null
	fi
}

test_server_restart_keeps_session() {
	compat_gap test_server_restart_keeps_session || return 0
	rm -f "$W/r" "$W/r.done"
	"$Z" --session-timeout 20000 lock /cli_lock/r -- \
	    sh -c 'touch "$0"; sleep 8; touch "$0.done"' "$W/r" 2> "$W/r.err" &
	lp=$!
	"$Z" --session-timeout 20000 watch -v --once --timeout 40 /cli_rw > "$W/rw.out" 2> "$W/rw.err" &
	wp=$!
	wait_for 10 test -e "$W/r"
	wait_for 10 grep -q armed "$W/rw.err"
	restart_server
	assertEquals "server restarted" 0 $?
	zk create /cli_rw after
	assertEquals "create after restart" 0 $?
	reap "$lp" 40
	assertEquals "lock holder kept its session and finished" 0 $?
	assertTrue "command ran to its end" "[ -e '$W/r.done' ]"
	reap "$wp" 40
	assertEquals "watch re-registered after reconnecting" 0 $?
	assertEquals "and saw the change" "NodeCreated /cli_rw" "$(cut -d' ' -f1,2 "$W/rw.out")"
	zk rm /cli_rw
}

test_lock_child_killed_when_servers_gone() {
	compat_gap test_lock_child_killed_when_servers_gone || return 0
	rm -f "$W/g.pid"
	"$Z" --session-timeout 4000 lock /cli_lock/g -- \
	    sh -c 'echo $$ > "$0"; exec sleep 60' "$W/g.pid" 2> "$W/g.err" &
	zp=$!
	wait_for 10 test -s "$W/g.pid"
	cp=$(cat "$W/g.pid")
	# No server at all: once the session may have expired, the command
	# must not keep running as if it held the lock.
	if [ "$ZK_TARGET" = apache ]; then
		apache_ref_down "$COMPAT_DIR"
	else
		"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 > /dev/null
	fi
	start=$SECONDS
	reap "$zp" 20
	assertEquals "zk reports the lost session" 7 $?
	assertTrue "within about the session timeout" "[ $((SECONDS - start)) -le 10 ]"
	kill -0 "$cp" 2> /dev/null
	assertEquals "child was killed" 1 $?
	if [ "$ZK_TARGET" = apache ]; then
		apache_ref_up "$COMPAT_DIR" "$ZK_PORT" \
		    "${COMPAT_CFG[@]}" > /dev/null
	else
		"$ZK_CLUSTER" start -d "$ZK_DIR" 1 > /dev/null
	fi
	assertEquals "server back" 0 $?
	wait_for 30 "$Z" exists /zookeeper
}

# ---- connection and exit codes ----------------------------------------------

test_exit_codes() {
	compat_gap test_exit_codes || return 0
	dead=$(dead_port)
	zk -s "127.0.0.1:$dead" --connect-timeout 500 get / 2> "$W/c.err"
	assertEquals "connection refused" 7 $?
	assertEquals "nothing on stdout" "" "$(zk -s "127.0.0.1:$dead" --connect-timeout 500 ls / 2>/dev/null)"
	zk frobnicate 2> /dev/null
	assertEquals "unknown verb" 8 $?
	zk get 2> /dev/null
	assertEquals "missing path" 8 $?
	zk get relative 2> /dev/null
	assertEquals "bad path" 8 $?
	zk set -v abc /x y 2> /dev/null
	assertEquals "bad number" 8 $?
	zk get /cli_none_such 2> /dev/null
	assertEquals "no node" 1 $?
	assertEquals "errors leave stdout empty" "" "$(zk --json get /cli_none_such 2> /dev/null)"
	zk create /cli_ex && zk create /cli_ex 2> /dev/null
	assertEquals "node exists" 3 $?
	zk create --acl 'world:nobody:r' /cli_ex/bad 2> "$W/acl.err"
	assertEquals "other server error (InvalidACL)" 6 $?
	grep -q 'InvalidACL' "$W/acl.err"
	assertEquals "named" 0 $?
	zk rm /cli_ex
}

test_failover_server_list() {
	compat_gap test_failover_server_list || return 0
	dead=$(dead_port)
	start=$SECONDS
	zk -s "127.0.0.1:$dead,$ZK_HOSTS" exists /zookeeper
	assertEquals "skips a dead server" 0 $?
	assertTrue "quickly" "[ $((SECONDS - start)) -le 5 ]"
	ZK_HOSTS="127.0.0.1:$dead,$ZK_HOSTS" zk exists /zookeeper
	assertEquals "server list from ZK_HOSTS" 0 $?
}

. shunit2
