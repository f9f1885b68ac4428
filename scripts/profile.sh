#!/bin/bash
# scripts/profile.sh: where a one-node zk spends its CPU under zk-bench load.
# For each mode (default: get set create) it runs zk-bench against a fresh
# node and samples the five daemons with `perf record -g`, then prints per
# daemon the share of samples by system call (from the kernel call chain)
# and by user-space library, and the top user-space functions.
#
#   scripts/profile.sh [MODE...]
#   PROFILE_SECS [8] seconds sampled per mode; PROFILE_KEEP=1 keeps the data
#   PROFILE_CALLGRAPH [dwarf] or fp: dwarf unwinds stacks without frame
#   pointers (the build has none), so inclusive costs per function are right;
#   fp is lighter but only the kernel part of each stack is reliable.
#
# The binaries are copied first, so rebuilds during the run cannot make perf
# resolve symbols against a different file. Only processes started here are
# signalled (zk-cluster down on our directory).
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
SECS=${PROFILE_SECS:-8}
case ${PROFILE_CALLGRAPH:-dwarf} in
dwarf) CG="--call-graph dwarf,8192 -F 499" ;;
fp) CG="-g -F 1999" ;;
*) echo "profile.sh: PROFILE_CALLGRAPH is dwarf or fp" >&2; exit 2 ;;
esac
MODES=${*:-get set create}
case $SECS in '' | *[!0-9]*) echo "profile.sh: PROFILE_SECS must be a whole number" >&2; exit 2 ;; esac
command -v perf >/dev/null || { echo "profile.sh: perf is not installed" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/zk-profile.XXXXXX") || exit 1
# The daemons run as their own users: they must reach the binaries and data.
chmod 755 "$WORK" || exit 1
ZK_DIR=""

cleanup() {
	[ -n "$ZK_DIR" ] && timeout 60 "$WORK/bin/zk-cluster" down -d "$ZK_DIR" >/dev/null 2>&1
	ZK_DIR=""
	if [ "${PROFILE_KEEP:-0}" = 1 ]; then
		echo "profile: data kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp -a "$TOP/bin" "$WORK/bin" || exit 1
chmod -R a+rX "$WORK/bin" || exit 1

base_port() {
	local i b
	for i in 1 2 3 4 5 6 7 8; do
		b=$((20000 + RANDOM % 20000))
		ss -Hltn "( sport = :$b or sport = :$((b + 100)) or sport = :$((b + 200)) )" \
			2>/dev/null | grep -q . || { echo "$b"; return 0; }
	done
	return 1
}

for mode in $MODES; do
	case $mode in
	get | set | create | mix) ;;
	*) echo "profile.sh: mode $mode (get, set, create or mix)" >&2; exit 2 ;;
	esac
	port=$(base_port) || { echo "profile.sh: no free ports" >&2; exit 1; }
	ZK_DIR=$WORK/zk-$mode
	if ! timeout 90 "$WORK/bin/zk-cluster" up -n 1 -d "$ZK_DIR" -p "$port" >"$WORK/$mode.up" 2>&1; then
		echo "profile.sh: zk node did not start:" >&2
		tail -n 20 "$WORK/$mode.up" >&2
		exit 1
	fi
	pids=$(cat "$ZK_DIR"/node1/sv/zk-*/supervise/pid | paste -sd, -)
	echo "profile: $mode on 127.0.0.1:$port, daemons $pids" >&2
	timeout $((SECS + 60)) "$WORK/bin/zk-bench" -s "127.0.0.1:$port" -c 16 -d 32 \
		-w 2 -t $((SECS + 2)) --pids "$pids" "$mode" >"$WORK/$mode.bench" 2>&1 &
	bench=$!
	sleep 2
	# shellcheck disable=SC2086
	timeout $((SECS + 30)) perf record -q -e cpu-clock $CG -p "$pids" \
		-o "$WORK/$mode.data" -- sleep "$SECS" >/dev/null 2>&1
	wait "$bench"
	echo "=================== $mode"
	cat "$WORK/$mode.bench"
	timeout 600 perf script -i "$WORK/$mode.data" 2>/dev/null | "$PY" "$TOP/scripts/perf_summary.py"
	timeout 60 "$WORK/bin/zk-cluster" down -d "$ZK_DIR" >/dev/null 2>&1
	ZK_DIR=""
done
