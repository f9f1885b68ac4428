# tests/lib.sh: helpers for the shunit2 suites. Source it from a suite
# (`. "$(dirname "$0")/lib.sh"`), then call the functions below; the suite
# sources shunit2 last, as usual.
#
# Paths
#   ZK_ROOT                 the source tree; ZK_BIN its bin/ directory
#   ZK_CLUSTER, ZK_CTL      bin/zk-cluster, bin/zk-ctl
#   ZK_PY                   Debian's /usr/bin/python3 (the one with kazoo)
#
# Waiting (never a bare sleep)
#   wait_for SECS CMD...    run CMD every 0.1 s until it succeeds; 1 on timeout
#
# Ports and directories
#   lib_tmpdir              print a new temp dir under $TMPDIR (default /tmp;
#                           tests/run.sh gives each suite its own) that the
#                           daemon users can traverse; keep it short (unix
#                           socket paths are short)
#   lib_port_free PORT      0 if nothing listens on 127.0.0.1:PORT
#   lib_pick_base           print a base port whose 300-port block is free;
#                           derived from $$ so parallel suites do not collide
#
# A zk cluster (zk-cluster up/down)
#   zk_up N [--set K=V...]  start N nodes in a temp dir; sets ZK_DIR, ZK_BASE,
#                           ZK_CONNECT (host:port,...); returns zk-cluster's status
#   zk_down                 stop it (call from oneTimeTearDown); removes the
#                           dir unless ZK_KEEP=1 or something was left running
#   zk_cfg NODE             path of node NODE's zoo.cfg
#   zk_port NODE            client port of node NODE
#   zk_daemon_pid NODE D    pid runit recorded for daemon D (zk-gw ...) of NODE
#   zk_status NODE [ARGS]   zk-ctl -c <cfg> status ARGS
#   zk_4lw PORT WORD        send a four-letter word to 127.0.0.1:PORT, print the answer
#
# Apache ZooKeeper 3.8 from the Debian package, as the reference server
#   apache_ref_up DIR PORT [zoo.cfg line...]
#                           start it standalone on 127.0.0.1:PORT in DIR (java
#                           from default-jre, the package's jars); waits until
#                           it answers srvr; prints the connect string;
#                           $ZK_APACHE_JVMFLAGS (e.g. -Dznode.container.
#                           checkIntervalMs=200) go on java's command line
#   apache_ref_down DIR     stop the server started in DIR (recorded pid only)

# Written for bash, tolerated by dash: a suite whose shebang is /bin/sh
# finds the tree from its own path ($0 is the suite, in tests/).
if [ -z "${ZK_ROOT:-}" ]; then
	if [ -n "${BASH_VERSION:-}" ]; then
		eval 'ZK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)'
	else
		ZK_ROOT=$(cd "$(dirname "$0")/.." && pwd)
	fi
fi
ZK_BIN=$ZK_ROOT/bin
ZK_CLUSTER=$ZK_BIN/zk-cluster
ZK_CTL=$ZK_BIN/zk-ctl
export ZK_PY=/usr/bin/python3
ZK_JAVA=${ZK_JAVA:-/usr/lib/jvm/default-java/bin/java}
# The Debian jar's manifest lists every dependency jar under /usr/share/java.
ZK_APACHE_CP=${ZK_APACHE_CP:-/usr/share/java/zookeeper.jar}

wait_for() {
	local secs=$1 end
	shift
	end=$(($(date +%s) + secs))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# World-traversable: the daemons run as their own users and must reach
# their directories inside it (mktemp -d makes 0700).
lib_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/zkt.XXXXXX") && chmod 755 "$d" && echo "$d"
}

lib_port_free() {
	! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# 150 blocks of 300 ports from 20000; start at one picked by our pid and
# walk forward, so suites running at once land on different blocks.
lib_pick_base() {
	local k b p ok
	for k in $(seq 0 29); do
		b=$((20000 + (($$ + k * 7) % 150) * 300))
		ok=1
		for p in $b $((b + 1)) $((b + 2)) $((b + 100)) $((b + 101)) $((b + 102)) \
			$((b + 200)) $((b + 201)) $((b + 202)); do
			lib_port_free "$p" || { ok=0; break; }
		done
		[ $ok -eq 1 ] && { echo "$b"; return 0; }
	done
	return 1
}

zk_up() {
	local n=$1 out rc
	shift
	ZK_DIR=$(lib_tmpdir) || return 1
	ZK_BASE=$(lib_pick_base) || { echo "zk_up: no free port block" >&2; return 1; }
	out=$("$ZK_CLUSTER" up -n "$n" -d "$ZK_DIR" -p "$ZK_BASE" "$@")
	rc=$?
	ZK_CONNECT=$(printf '%s\n' "$out" | tail -n 1)
	export ZK_DIR ZK_BASE ZK_CONNECT
	return $rc
}

zk_down() {
	[ -n "${ZK_DIR:-}" ] && [ -d "$ZK_DIR" ] || return 0
	if "$ZK_CLUSTER" down -d "$ZK_DIR" && [ "${ZK_KEEP:-0}" != 1 ]; then
		rm -rf "$ZK_DIR"
	else
		echo "zk_down: keeping $ZK_DIR" >&2
	fi
	ZK_DIR=""
}

zk_cfg() {
	echo "$ZK_DIR/node$1/zoo.cfg"
}

zk_port() {
	echo $((ZK_BASE + $1 - 1))
}

zk_daemon_pid() {
	cat "$ZK_DIR/node$1/sv/$2/supervise/pid" 2>/dev/null
}

zk_status() {
	local n=$1
	shift
	"$ZK_CTL" -c "$(zk_cfg "$n")" status "$@"
}

# The word is the whole request; the server answers and closes. 5 s bound.
zk_4lw() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf %s "$2" >&3 && cat <&3' _ "$1" "$2" 2>/dev/null
}

apache_ref_up() {
	local dir=$1 port=$2 line
	shift 2
	[ -x "$ZK_JAVA" ] || { echo "apache_ref_up: $ZK_JAVA missing (default-jre)" >&2; return 1; }
	[ -r "$ZK_APACHE_CP" ] || { echo "apache_ref_up: $ZK_APACHE_CP missing (zookeeper)" >&2; return 1; }
	mkdir -p "$dir/data" || return 1
	{
		echo "tickTime=2000"
		echo "dataDir=$dir/data"
		echo "clientPort=$port"
		echo "clientPortAddress=127.0.0.1"
		echo "admin.enableServer=false"
		for line in "$@"; do
			echo "$line"
		done
	} >"$dir/zoo.cfg" || return 1
	# srvr is the readiness probe, so it must stay whitelisted.
	grep -q '^4lw.commands.whitelist=' "$dir/zoo.cfg" ||
		echo "4lw.commands.whitelist=srvr" >>"$dir/zoo.cfg"
	# shellcheck disable=SC2086 # word splitting is the point
	setsid "$ZK_JAVA" -Xmx256m ${ZK_APACHE_JVMFLAGS:-} -cp "$ZK_APACHE_CP" \
		org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg" \
		</dev/null >"$dir/apache.out" 2>&1 &
	echo $! >"$dir/apache.pid"
	if ! wait_for 60 apache_ref_ready "$port"; then
		echo "apache_ref_up: not serving on $port after 60 s; $dir/apache.out:" >&2
		tail -n 20 "$dir/apache.out" >&2
		apache_ref_down "$dir"
		return 1
	fi
	echo "127.0.0.1:$port"
}

apache_ref_ready() {
	zk_4lw "$1" srvr | grep -q '^Zookeeper version'
}

apache_ref_down() {
	local dir=$1 pid
	[ -r "$dir/apache.pid" ] || return 0
	pid=$(cat "$dir/apache.pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait_for 10 eval "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$dir/apache.pid"
}
