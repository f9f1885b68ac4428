#!/bin/sh
# zk-bench works: each mode runs for a fraction of a second against a node
# and reports sane numbers (replies counted, no errors, ordered percentiles,
# server CPU and RSS read from the pids it was given). Not a timed test:
# nothing here compares speeds.
# ZK_TARGET=apache|zk|both (default both): Apache proves, zk is checked.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/compat.sh"
compat_dispatch "$0" "$@"

PY=/usr/bin/python3
BENCH=$TOP/bin/zk-bench

oneTimeSetUp() {
	compat_up || return 1
	case $ZK_TARGET in
	apache)
		SMOKE_PIDS=$(cat "$COMPAT_DIR/apache.pid")
		;;
	zk)
		# runit's record of the five daemons of node 1.
		SMOKE_PIDS=""
		for _d in zk-electd zk-zabd zk-treed zk-sessiond zk-gw; do
			_p=$(zk_daemon_pid 1 "$_d")
			[ -n "$_p" ] && SMOKE_PIDS="$SMOKE_PIDS${SMOKE_PIDS:+,}$_p"
		done
		;;
	esac
	export SMOKE_PIDS
}
oneTimeTearDown() { compat_down; }
setUp() { endSkipping; }

# smoke NAME ARGS...: run zk-bench with --json into $COMPAT_DIR/NAME.json.
smoke() {
	_n=$1
	shift
	timeout 60 "$BENCH" --json -s "$ZK_HOST:$ZK_PORT" --pids "$SMOKE_PIDS" \
	    --prefix "/smoke-$_n" "$@" > "$COMPAT_DIR/$_n.json" 2> "$COMPAT_DIR/$_n.err"
	_rc=$?
	[ $_rc -eq 0 ] || cat "$COMPAT_DIR/$_n.err"
	assertEquals "zk-bench $* exit status" 0 $_rc
}

# check NAME [python condition...]: the JSON report is sane, plus the
# extra conditions (python expressions over the report `r`).
check() {
	_n=$1
	shift
	_out=$("$PY" - "$COMPAT_DIR/$_n.json" "$@" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
l = r["latency_ns"]
s = r["server"]
conds = [
    "r['ops'] > 0",
    "r['errors'] == 0",
    "r['lost_connections'] == 0",
    "r['ops_per_sec'] > 0",
    "0 < l['min'] <= l['p50'] <= l['p99'] <= l['p999'] <= l['max'] < 10e9",
    "l['min'] <= l['mean'] <= l['max']",
    # ops/s agrees with ops over the elapsed time, allowing for
    # elapsed_us being the measured time truncated to whole microseconds
    "abs(r['ops_per_sec'] - r['ops'] * 1e6 / r['elapsed_us']) <= 1 + r['ops_per_sec'] * (1e-3 + 1.0 / r['elapsed_us'])",
    "s['measured'] and s['rss_kib'] > 0 and s['peak_rss_kib'] >= s['rss_kib']",
    # CPU time moves in clock ticks (10 ms): only runs of 0.5 s see it.
    "r['elapsed_us'] < 400000 or s['cpu_ns_total'] > 0",
    "r['client_cpu_ns_per_op'] > 0",
] + sys.argv[2:]
bad = [c for c in conds if not eval(c)]
for c in bad:
    print("failed: %s" % c)
if bad:
    print(json.dumps(r))
EOF
)
	assertEquals "$_n report" "" "$_out"
}

test_get() {
	smoke get -c 4 -d 8 -t 0.5 --keys 50 get
	check get "r['mode'] == 'get'" "r['size'] == 1024"
}

test_set() {
	smoke set -c 4 -d 8 -t 0.5 --keys 50 --size 300 set
	check set "r['mode'] == 'set'" "r['size'] == 300"
}

test_create() {
	smoke create -c 4 -d 8 -t 0.5 --size 100 create
	check create "r['mode'] == 'create'" "r['keys'] == 0"
}

test_mix() {
	smoke mix -c 2 -d 4 -t 0.5 --keys 20 --read-pct 50 mix
	check mix "r['mode'] == 'mix'" "r['read_pct'] == 50" \
	    "r['by_op']['getData']['ops'] + r['by_op']['setData']['ops'] == r['ops']" \
	    "r['by_op']['getData']['ops'] > 0 and r['by_op']['setData']['ops'] > 0" \
	    "'create' not in r['by_op']"
}

test_latency() {
	smoke lat-get -t 0.5 --keys 10 latency
	check lat-get "r['mode'] == 'latency-get'" "r['conns'] == 1 and r['depth'] == 1"
	smoke lat-set -t 0.5 --keys 10 --op set latency
	check lat-set "r['mode'] == 'latency-set'" "r['conns'] == 1 and r['depth'] == 1"
}

test_op_count() {
	# -n stops at exactly that many replies, well before the time bound.
	smoke count -c 3 -d 5 -n 777 -t 30 --keys 10 get
	check count "r['ops'] == 777" "not r['hit_time_limit']" "r['elapsed_us'] < 20e6"
}

test_reuses_keys() {
	# A second run over keys left with another size resets them first, so
	# every get returns the asked size (zk-bench counts others as errors).
	smoke reuse1 -c 2 -d 4 -n 200 --keys 30 --size 10 set
	check reuse1
	smoke reuse1 -c 2 -d 4 -n 200 --keys 30 --size 700 get
	check reuse1 "r['size'] == 700"
}

test_text_report() {
	_out=$(timeout 60 "$BENCH" -s "$ZK_HOST:$ZK_PORT" --prefix /smoke-text \
	    -c 2 -d 2 -n 100 get 2>&1)
	assertEquals "text report exit status" 0 $?
	echo "$_out" | grep -q '^  throughput  [1-9][0-9]* ops/s$'
	assertTrue "text report has throughput: $_out" $?
	echo "$_out" | grep -q '^  ops         100 in '
	assertTrue "text report has 100 ops: $_out" $?
}

test_no_server() {
	# Nothing listens: a quick, clean failure (exit 1), not a hang.
	_port=$(lib_pick_base)
	lib_port_free "$_port"
	assertTrue "port $_port is free" $?
	timeout 30 "$BENCH" -s "127.0.0.1:$_port" -t 1 get > /dev/null 2>&1
	assertEquals "zk-bench against a closed port" 1 $?
}

# A fake server on port $1: "neg" answers the handshake with a negative
# frame length; "xid" completes the handshake, then answers every request
# with a reply whose xid matches nothing. Lives at most 20 s.
fake_server() {
	timeout 20 "$PY" - "$1" "$2" <<'PYEOF' &
import socket, struct, sys, threading
port, mode = int(sys.argv[1]), sys.argv[2]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(64)
def serve(c):
    try:
        c.recv(4096)
        if mode == "neg":
            c.sendall(struct.pack(">i", -5))
            return
        # ConnectResponse: protocolVersion, timeOut, sessionId, passwd, readOnly
        body = struct.pack(">iiqi", 0, 30000, 1, 16) + b"\0" * 16 + b"\0"
        c.sendall(struct.pack(">i", len(body)) + body)
        while c.recv(65536):
            # ReplyHeader{xid 999999, zxid 5, err 0}
            c.sendall(struct.pack(">iiqi", 16, 999999, 5, 0))
    except OSError:
        pass
    finally:
        c.close()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PYEOF
	FAKE_PID=$!
	wait_for 10 lib_port_used "$1"
}

lib_port_used() { ! lib_port_free "$1"; }

test_bad_server() {
	# A broken server makes zk-bench fail cleanly (exit 1), never hang.
	for _m in neg xid; do
		_port=$(lib_pick_base)
		fake_server "$_port" "$_m"
		timeout 30 "$BENCH" -s "127.0.0.1:$_port" -c 3 -d 4 -t 1 --keys 5 get \
		    > "$COMPAT_DIR/fake-$_m.out" 2>&1
		_rc=$?
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
		assertEquals "zk-bench against a fake server ($_m): $(cat "$COMPAT_DIR/fake-$_m.out")" 1 $_rc
	done
	grep -q 'reply xid 999999' "$COMPAT_DIR/fake-xid.out"
	assertTrue "zk-bench names the stray xid" $?
}

test_bad_args() {
	for _a in "-c 0 get" "-d 0 get" "--size -1 get" "--read-pct 101 mix" \
	    "--pids 12x get" "--prefix / get" "--op del latency" "nosuchmode"; do
		# shellcheck disable=SC2086
		timeout 10 "$BENCH" -s 127.0.0.1:1 $_a > /dev/null 2>&1
		_rc=$?
		assertEquals "zk-bench $_a refused as a usage error" 100 $_rc
	done
}

. shunit2
