#!/bin/bash
# Raw-socket wire suite: handshake bytes (44/45-byte ConnectRequests),
# pipelining, FIFO xids, and malformed input (garbage, truncated frames,
# negative or over-limit lengths, unknown opcodes) that must close only
# the offending connection; maxClientCnxns per IP.
# ZK_TARGET=apache|zk|both (default both): Apache proves, zk is checked.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/compat.sh"
compat_dispatch "$0" "$@"

PY=/usr/bin/python3
WIRE_MAX_CNXNS=12
# compat.sh writes each of its settings as a line of zoo.cfg.
COMPAT_CFG+=("maxClientCnxns=$WIRE_MAX_CNXNS")
# The negotiated timeout bounds the handshake cases expect.
for _l in "${COMPAT_CFG[@]}"; do
	case $_l in
	minSessionTimeout=*) WIRE_MIN_TO=${_l#*=} ;;
	maxSessionTimeout=*) WIRE_MAX_TO=${_l#*=} ;;
	esac
done
export WIRE_MAX_CNXNS WIRE_MIN_TO WIRE_MAX_TO

oneTimeSetUp() { compat_up; }
oneTimeTearDown() { compat_down; }
setUp() { endSkipping; }

wire_cases() {
	_out="$COMPAT_DIR/wire-$1.out"
	( cd "$TOP/tests/wire" && timeout 120 "$PY" -m unittest -v "test_wire.$1" ) \
	    > "$_out" 2>&1
	_rc=$?
	grep -E ' \.\.\. ' "$_out"
	[ $_rc -eq 0 ] || cat "$_out"
	assertEquals "wire cases $1 against $ZK_TARGET" 0 $_rc
}

test_handshake() { wire_cases Handshake; }
test_requests() { wire_cases Requests; }
test_watches() { wire_cases Watches; }
test_malformed() { wire_cases Malformed; }
test_limits() { wire_cases Limits; }

. shunit2
