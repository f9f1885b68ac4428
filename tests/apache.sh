# tests/apache.sh: start and stop Apache ZooKeeper 3.8 (Debian package) as a
# standalone server on loopback in a private directory, so that a test suite
# can run the same cases against it and prove its expectations.
#
# Source it, then:
#   apache_up DIR PORT [zoo.cfg line...]   start; prints the connect string
#   apache_down DIR                        stop the server started in DIR
#   apache_free_port                       print a free loopback TCP port
#   apache_4lw HOST PORT WORD              print a four-letter word's answer
#
# Only the pid recorded in DIR/apache.pid is ever signalled.

# The Debian jar's manifest names every dependency, so it alone is the
# class path; the package ships no logger binding, which keeps the server
# quiet (SLF4J falls back to its no-op logger).
APACHE_CP=${APACHE_CP:-/usr/share/java/zookeeper.jar}
APACHE_MAIN=org.apache.zookeeper.server.ZooKeeperServerMain
APACHE_START_SECS=${APACHE_START_SECS:-40}

apache_free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# One four-letter word: the word is the whole request, the server answers
# with text and closes. Bounded by a 5 s timeout.
apache_4lw() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
		printf %s "$3" >&3 && cat <&3' _ "$1" "$2" "$3" 2>/dev/null
}

apache_up() {
	_ad=$1 _ap=$2
	shift 2
	if [ -z "$_ad" ] || [ -z "$_ap" ]; then
		echo "apache_up: usage: apache_up DIR PORT [cfg line...]" >&2
		return 2
	fi
	if ! [ -r "$APACHE_CP" ]; then
		echo "apache_up: $APACHE_CP missing (install zookeeper)" >&2
		return 1
	fi
	mkdir -p "$_ad/data" || return 1
	{
		echo "tickTime=1000"
		echo "dataDir=$_ad/data"
		echo "clientPort=$_ap"
		echo "clientPortAddress=127.0.0.1"
		echo "admin.enableServer=false"
		echo "4lw.commands.whitelist=*"
		for _l in "$@"; do echo "$_l"; done
	} > "$_ad/zoo.cfg" || return 1
	# Later lines win in zoo.cfg parsing order, so callers can override
	# the defaults above by passing the same key again.
	java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
	    -Dzookeeper.admin.enableServer=false \
	    -cp "$APACHE_CP" $APACHE_JVMFLAGS "$APACHE_MAIN" "$_ad/zoo.cfg" \
	    > "$_ad/apache.log" 2>&1 < /dev/null &
	echo $! > "$_ad/apache.pid"
	_i=0
	while [ $_i -lt $((APACHE_START_SECS * 10)) ]; do
		if ! kill -0 "$(cat "$_ad/apache.pid")" 2>/dev/null; then
			echo "apache_up: server exited; log:" >&2
			cat "$_ad/apache.log" >&2
			return 1
		fi
		# srvr is always whitelisted, so it works whatever the config.
		if apache_4lw 127.0.0.1 "$_ap" srvr | grep -q '^Mode: '; then
			echo "127.0.0.1:$_ap"
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "apache_up: not serving after ${APACHE_START_SECS}s" >&2
	apache_down "$_ad"
	return 1
}

apache_down() {
	_ad=$1
	[ -r "$_ad/apache.pid" ] || return 0
	_pid=$(cat "$_ad/apache.pid")
	rm -f "$_ad/apache.pid"
	kill "$_pid" 2>/dev/null || return 0
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$_pid" 2>/dev/null; then
		kill -9 "$_pid" 2>/dev/null
	fi
	wait "$_pid" 2>/dev/null
	return 0
}
