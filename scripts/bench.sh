#!/bin/bash
# scripts/bench.sh: `make bench`. Runs the same zk-bench modes against
# Apache ZooKeeper 3.8 standalone (Debian package) and against a one-node zk
# ensemble, on this machine in one run, prints both with the ratios zk/Apache
# and writes docs/PERFORMANCE.md. The "Analysis" section of an existing
# docs/PERFORMANCE.md (between the analysis markers) is kept as it is.
#
# Environment (defaults in brackets):
#   BENCH_SECS [10]       measured seconds per mode
#   BENCH_WARMUP [3]      unrecorded seconds before each measurement
#   BENCH_CONNS [16]      connections of the throughput modes
#   BENCH_DEPTH [32]      requests in flight per connection
#   BENCH_ZNODES [1000000] znodes of 100 B in the memory run
#   BENCH_MEM_SECS [240]  bound on the memory run's loading
#   BENCH_TARGETS ["apache zk"]  servers to run
#   BENCH_QUIET_SECS [15] wait at most this long before each run for the
#                         machine to be quiet (under 0.25 busy CPUs)
#   BENCH_OUT [docs/PERFORMANCE.md], BENCH_KEEP=1 keeps the work directory
#
# Every server is started here, on loopback, in a private directory, and
# only the pids recorded at start are ever signalled. Each zk-bench run is
# bounded by timeout(1), so the whole bench ends in about ten minutes.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)

PY=/usr/bin/python3
BENCH=$TOP/bin/zk-bench
SECS=${BENCH_SECS:-10}
WARM=${BENCH_WARMUP:-3}
CONNS=${BENCH_CONNS:-16}
DEPTH=${BENCH_DEPTH:-32}
ZNODES=${BENCH_ZNODES:-1000000}
MEM_SECS=${BENCH_MEM_SECS:-240}
TARGETS=${BENCH_TARGETS:-apache zk}
OUT=${BENCH_OUT:-$TOP/docs/PERFORMANCE.md}
START_SECS=60
QUIET_SECS=${BENCH_QUIET_SECS:-15}
QUIET_CPUS=0.25
# Memory is sampled right after loading and again after this long idle.
SETTLE_SECS=5
# The Debian jar's manifest names every dependency, so it alone is the class
# path; the package ships no logger binding, so the server logs nothing.
APACHE_CP=/usr/share/java/zookeeper.jar
APACHE_MAIN=org.apache.zookeeper.server.ZooKeeperServerMain
APACHE_HEAP_MB=1000

for v in SECS WARM CONNS DEPTH ZNODES MEM_SECS QUIET_SECS; do
	case ${!v} in
	'' | *[!0-9]*) echo "bench.sh: BENCH_$v must be a whole number" >&2; exit 2 ;;
	esac
done
[ -x "$BENCH" ] || { echo "bench.sh: $BENCH missing: run make" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/zk-bench.XXXXXX") || exit 1
# zk's daemons run as their own users and must reach their data dirs below.
chmod 755 "$WORK" || exit 1
RES=$WORK/results
mkdir -p "$RES" || exit 1
APACHE_DIRS=""
ZK_DIRS=""

cleanup() {
	for d in $APACHE_DIRS; do
		apache_down "$d"
	done
	for d in $ZK_DIRS; do
		timeout 60 "$TOP/bin/zk-cluster" down -d "$d" >/dev/null 2>&1 ||
			echo "bench.sh: zk-cluster down -d $d failed" >&2
	done
	APACHE_DIRS=""
	ZK_DIRS=""
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench.sh: results kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() {
	echo "bench: $*" >&2
}

# ---- servers ---------------------------------------------------------------

free_port() {
	"$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# A four-letter word's answer (the word is the whole request), 5 s bound.
fourlw() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf %s "$2" >&3 && cat <&3' _ "$1" "$2" 2>/dev/null
}

# Stop the Apache started in DIR: its recorded pid only, TERM then KILL.
apache_down() {
	local dir=$1 pid i
	[ -r "$dir/apache.pid" ] || return 0
	pid=$(cat "$dir/apache.pid")
	rm -f "$dir/apache.pid"
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Apache as upstream's zkServer.sh starts it: -Xmx1000m (zkEnv.sh's default
# ZK_SERVER_HEAP; Debian's copy sets none, and the JVM would then take a
# quarter of RAM) and the JVM's default collector; standalone, forceSync on
# (its default, stated for the record). Its pid is recorded in
# DIR/apache.pid for apache_down.
bench_apache_up() {
	local dir=$1 port=$2 i
	mkdir -p "$dir/data" || return 1
	cat >"$dir/zoo.cfg" <<EOF || return 1
tickTime=2000
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
forceSync=yes
admin.enableServer=false
4lw.commands.whitelist=srvr
EOF
	java -Xmx${APACHE_HEAP_MB}m -Dzookeeper.log.dir="$dir" -XX:+HeapDumpOnOutOfMemoryError \
	    -cp "$APACHE_CP" "$APACHE_MAIN" "$dir/zoo.cfg" \
	    >"$dir/apache.log" 2>&1 </dev/null &
	echo $! >"$dir/apache.pid"
	APACHE_DIRS="$APACHE_DIRS $dir"
	for i in $(seq 1 $((START_SECS * 10))); do
		kill -0 "$(cat "$dir/apache.pid")" 2>/dev/null || {
			say "Apache exited at start; log:"
			tail -n 20 "$dir/apache.log" >&2
			return 1
		}
		fourlw "$port" srvr | grep -q '^Mode: ' && return 0
		sleep 0.1
	done
	say "Apache not serving after ${START_SECS}s"
	return 1
}

# A base port whose client, quorum and election ports (BASE, +100, +200)
# are free; zk-cluster checks again.
zk_base_port() {
	local i b
	for i in 1 2 3 4 5 6 7 8; do
		b=$((20000 + RANDOM % 20000))
		if ! ss -Hltn "( sport = :$b or sport = :$((b + 100)) or sport = :$((b + 200)) )" \
		    2>/dev/null | grep -q .; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

bench_zk_up() {
	local dir=$1 port=$2
	ZK_DIRS="$ZK_DIRS $dir"
	if ! timeout $((START_SECS + 30)) "$TOP/bin/zk-cluster" up -n 1 -d "$dir" -p "$port" \
	    >"$dir.up.out" 2>&1; then
		say "zk node did not start:"
		tail -n 20 "$dir.up.out" >&2
		return 1
	fi
	return 0
}

# The node's daemon pids, comma-separated: from zk-ctl status --json, or
# from runit's records when zk-ctl cannot say.
zk_pids() {
	local dir=$1 pids
	pids=$(timeout 10 "$TOP/bin/zk-ctl" -c "$dir/node1/zoo.cfg" status --json 2>/dev/null |
		"$PY" -c '
import json, sys
try:
    doc = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
docs = doc if isinstance(doc, list) else [doc]
pids = [str(d["pid"]) for d in docs if isinstance(d, dict) and str(d.get("pid", "")).isdigit() and int(d["pid"]) > 0]
print(",".join(pids))')
	if [ -z "$pids" ]; then
		pids=$(cat "$dir"/node1/sv/zk-*/supervise/pid 2>/dev/null | grep -E '^[0-9]+$' | paste -sd, -)
	fi
	echo "$pids"
}

# Start TARGET in DIR; sets SRV_PORT and SRV_PIDS (comma-separated).
server_up() {
	local target=$1 dir=$2
	SRV_PORT="" SRV_PIDS=""
	case $target in
	apache)
		SRV_PORT=$(free_port) || return 1
		bench_apache_up "$dir" "$SRV_PORT" || return 1
		SRV_PIDS=$(cat "$dir/apache.pid")
		;;
	zk)
		SRV_PORT=$(zk_base_port) || { say "no free port range for zk"; return 1; }
		bench_zk_up "$dir" "$SRV_PORT" || return 1
		SRV_PIDS=$(zk_pids "$dir")
		[ -n "$SRV_PIDS" ] || say "zk daemon pids unknown: server CPU and RSS not measured"
		;;
	esac
	return 0
}

server_down() {
	local target=$1 dir=$2
	case $target in
	apache)
		apache_down "$dir"
		APACHE_DIRS=${APACHE_DIRS// $dir/}
		;;
	zk)
		timeout 60 "$TOP/bin/zk-cluster" down -d "$dir" >/dev/null 2>&1 ||
			say "zk-cluster down -d $dir failed"
		ZK_DIRS=${ZK_DIRS// $dir/}
		;;
	esac
}

# ---- runs ------------------------------------------------------------------

# Machine busy CPUs over one second (user, nice, system, irq, softirq).
busy_cpus() {
	local a b
	a=$(head -n 1 /proc/stat)
	sleep 1
	b=$(head -n 1 /proc/stat)
	echo "$a $b" | awk -v hz="$(getconf CLK_TCK)" '{
		x = $2 + $3 + $4 + $7 + $8; y = $13 + $14 + $15 + $18 + $19
		printf "%.2f\n", (y - x) / hz }'
}

# On a shared machine, wait (at most QUIET_SECS) for other work to calm
# down before a measurement; the report shows what load remained.
quiet_wait() {
	local i b
	for i in $(seq 1 "$QUIET_SECS"); do
		b=$(busy_cpus)
		awk -v b="$b" -v m="$QUIET_CPUS" 'BEGIN { exit !(b < m) }' && return 0
	done
	say "machine still busy ($b CPUs) after ${QUIET_SECS}s; measuring anyway"
}

# run TARGET NAME SERVER PIDS BOUND zk-bench-args...: one zk-bench run; its
# JSON goes to RES/TARGET-NAME.json, its errors to RES/TARGET-NAME.err.
run() {
	local target=$1 name=$2 server=$3 pids=$4 bound=$5
	shift 5
	quiet_wait
	say "$target $name: zk-bench $*"
	if timeout "$bound" "$BENCH" --json -s "$server" ${pids:+--pids "$pids"} "$@" \
	    >"$RES/$target-$name.json" 2>"$RES/$target-$name.err"; then
		return 0
	fi
	echo "zk-bench exit $? (bound ${bound}s)" >>"$RES/$target-$name.err"
	rm -f "$RES/$target-$name.json"
	tail -n 3 "$RES/$target-$name.err" >&2
	return 1
}

# The throughput and round-trip modes on one server.
run_speed() {
	local target=$1 dir=$WORK/$1-speed pids srv b
	server_up "$target" "$dir" || {
		echo "server did not start" >"$RES/$target-speed.err"
		server_down "$target" "$dir"
		return 1
	}
	pids=$SRV_PIDS
	srv=127.0.0.1:$SRV_PORT
	echo "$pids" >"$RES/$target-pids"
	b=$((WARM + SECS + 90))
	run "$target" get "$srv" "$pids" $b -c "$CONNS" -d "$DEPTH" -w "$WARM" -t "$SECS" get
	run "$target" set "$srv" "$pids" $b -c "$CONNS" -d "$DEPTH" -w "$WARM" -t "$SECS" set
	run "$target" create "$srv" "$pids" $b -c "$CONNS" -d "$DEPTH" -w "$WARM" -t "$SECS" create
	run "$target" mix "$srv" "$pids" $b -c "$CONNS" -d "$DEPTH" -w "$WARM" -t "$SECS" --read-pct 90 mix
	run "$target" lat-get "$srv" "$pids" $b -w "$WARM" -t "$SECS" --op get latency
	run "$target" lat-set "$srv" "$pids" $b -w "$WARM" -t "$SECS" --op set latency
	server_down "$target" "$dir"
}

# A fresh server loaded with ZNODES znodes of 100 B; memory right after,
# and again once the server has been idle for SETTLE_SECS.
run_memory() {
	local target=$1 dir=$WORK/$1-mem
	server_up "$target" "$dir" || {
		echo "server did not start" >"$RES/$target-mem.err"
		server_down "$target" "$dir"
		return 1
	}
	run "$target" mem "127.0.0.1:$SRV_PORT" "$SRV_PIDS" $((MEM_SECS + 60)) \
		-c 8 -d 64 --size 100 -n "$ZNODES" -t "$MEM_SECS" --settle "$SETTLE_SECS" create
	server_down "$target" "$dir"
}

# Median and p99 of 1 KiB writes + fdatasync in a preallocated file, where
# the servers keep their logs: the floor of every durable write.
measure_fsync() {
	"$PY" - "$WORK/fsync.probe" <<'EOF'
import os, sys, time
path = sys.argv[1]
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
os.posix_fallocate(fd, 0, 4 << 20)
os.fsync(fd)
block = b"x" * 1024
lat = []
for i in range(1000):
    t = time.perf_counter_ns()
    os.pwrite(fd, block, i * 1024)
    os.fdatasync(fd)
    lat.append(time.perf_counter_ns() - t)
os.close(fd)
os.unlink(path)
lat.sort()
print(lat[len(lat) // 2] // 1000, lat[len(lat) * 99 // 100] // 1000)
EOF
}

machine_facts() {
	local f=$RES/machine
	{
		echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "nproc=$(nproc)"
		echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
		echo "mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
		echo "kernel=$(uname -r)"
		echo "fs=$(df -PT "$WORK" | awk 'NR == 2 { print $2 }')"
		echo "java=$(java -version 2>&1 | head -n 1)"
		echo "apache_heap_mb=$APACHE_HEAP_MB"
		echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
		echo "fsync_us=$(measure_fsync)"
		echo "commit=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)"
		echo "secs=$SECS"
		echo "warmup=$WARM"
		echo "conns=$CONNS"
		echo "depth=$DEPTH"
		echo "znodes=$ZNODES"
		echo "quiet_secs=$QUIET_SECS"
		echo "settle_secs=$SETTLE_SECS"
	} >"$f"
}

# ---- main ------------------------------------------------------------------

say "work directory $WORK"
machine_facts
for t in $TARGETS; do
	case $t in
	apache | zk) ;;
	*) echo "bench.sh: unknown target $t" >&2; exit 2 ;;
	esac
	run_speed "$t"
	run_memory "$t"
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/machine"
"$PY" "$TOP/scripts/bench_report.py" "$RES" "$OUT"
