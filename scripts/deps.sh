#!/bin/sh
# deps.sh: install everything zk needs to build, run and test on Debian 12,
# and create the accounts its daemons drop to. Run as root; idempotent.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root (apt-get and useradd need it)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"

apt-get update -q

# Build, run and test dependencies. python3-kazoo and zookeeper (Apache's
# server, the reference the client suites compare against) are test-only.
$APT install \
	build-essential clang pkg-config make git ca-certificates \
	libnanomsg-dev libcbor-dev liblmdb-dev lmdb-utils \
	shunit2 python3 python3-kazoo zookeeper-bin zookeeper \
	netcat-openbsd iproute2 procps util-linux coreutils findutils \
	grep sed gawk passwd

# runit alone: without --no-install-recommends apt would pull runit-init
# or runit-run, which replace the machine's init.
$APT install --no-install-recommends runit

# systemd's tools only (systemd-analyze checks our units in the tests); the
# package does not make itself the machine's init (systemd-sysv would).
$APT install --no-install-recommends systemd

# One group shared by every daemon (ipcDir and the LMDB lock file are
# group zk) and one system account per daemon: no home, no login.
getent group zk >/dev/null || groupadd --system zk
for u in zk-electd zk-zabd zk-treed zk-sessiond zk-gw; do
	if ! getent passwd "$u" >/dev/null; then
		useradd --system --gid zk --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin --comment "zk daemon $u" "$u"
	fi
	# An account made by hand may lack the group; add it, never remove.
	if ! id -nG "$u" | tr ' ' '\n' | grep -qx zk; then
		usermod -a -G zk "$u"
	fi
done

echo "deps.sh: dependencies and accounts in place"
