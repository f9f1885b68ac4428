#!/bin/bash
# kazoo's recipes (Lock, Election, Queue, LockingQueue, Barrier,
# DoubleBarrier, Counter, Semaphore, Party, DataWatch/ChildrenWatch,
# TreeCache) against the server.
# ZK_TARGET=apache|zk|both (default both). Known zk gaps:
# tests/kazoo/known_gaps.py.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/compat.sh"
compat_dispatch "$0" "$@"

oneTimeSetUp() { compat_up; }
oneTimeTearDown() { compat_down; }
setUp() { endSkipping; }

test_recipes() { compat_kazoo test_recipes; }

. shunit2
