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

. shunit2
