#!/bin/bash
# Client compatibility through kazoo (and a raw socket where kazoo hides the
# wire): sessions, znodes, Stat, multi, errors, watches, four-letter words.
# ZK_TARGET=apache|zk|both (default both): Apache proves, zk is checked.
# Cases zk is known to fail are listed in tests/kazoo/known_gaps.py.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/compat.sh"
compat_dispatch "$0" "$@"

oneTimeSetUp() { compat_up; }
oneTimeTearDown() { compat_down; }
setUp() { endSkipping; }

test_session() { compat_kazoo test_session; }
test_nodes() { compat_kazoo test_nodes; }
test_stat() { compat_kazoo test_stat; }
test_multi() { compat_kazoo test_multi; }
test_errors() { compat_kazoo test_errors; }
test_watch() { compat_kazoo test_watch; }
test_fourlw() { compat_kazoo test_fourlw; }
test_acl() { compat_kazoo test_acl; }

# Containers and TTL nodes need extended types and a short reaper period,
# which would change other modules' cases (a disabled TTL, containers that
# stay): a server of their own, in a subshell so the suite's stays as is.
# Apache takes the reaper settings as system properties, zk as zoo.cfg
# keys of the same names (zoo.cfg lines Apache does not know become
# zookeeper.* properties, hence extendedTypesEnabled there too).
test_containers() {
	(
		COMPAT_CFG+=("extendedTypesEnabled=true"
		    "znode.container.checkIntervalMs=200")
		export ZK_APACHE_JVMFLAGS="-Dzookeeper.extendedTypesEnabled=true
		    -Dznode.container.checkIntervalMs=200"
		compat_up || exit 1
		compat_kazoo test_containers
		rc=$?
		compat_down
		exit $rc
	)
	assertEquals "test_containers against $ZK_TARGET (own server)" 0 $?
}

. shunit2
