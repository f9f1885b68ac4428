#!/bin/sh
# Client compatibility through kazoo (and a raw socket where kazoo hides the
# wire): sessions, znodes, Stat, multi, errors, watches, four-letter words.
# ZK_TARGET=apache|zk|both (default both): Apache proves, zk is checked.
# Cases zk is known to fail are listed in tests/kazoo/known_gaps.py.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/compat.sh"
compat_dispatch "$0" "$@"

PY=/usr/bin/python3   # Debian's python, the one python3-kazoo is built for

oneTimeSetUp() { compat_up; }
oneTimeTearDown() { compat_down; }
setUp() { endSkipping; }

# kazoo_module MODULE: run one test module; show its output on failure.
kazoo_module() {
	_out="$COMPAT_DIR/$1.out"
	timeout 300 "$PY" "$TOP/tests/kazoo/run.py" "$1" > "$_out" 2>&1
	_rc=$?
	grep -E '^(Ran |OK|FAILED|known gap|gap now passes)' "$_out"
	if [ $_rc -ne 0 ]; then
		grep -vE ' \.\.\. (ok|expected failure)$' "$_out"
	fi
	assertEquals "kazoo module $1 against $ZK_TARGET" 0 $_rc
}

test_session() { kazoo_module test_session; }
test_nodes() { kazoo_module test_nodes; }
test_stat() { kazoo_module test_stat; }
test_multi() { kazoo_module test_multi; }
test_errors() { kazoo_module test_errors; }
test_watch() { kazoo_module test_watch; }
test_fourlw() { kazoo_module test_fourlw; }

. shunit2
