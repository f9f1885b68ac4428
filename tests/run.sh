#!/bin/bash
# tests/run.sh: run the unit binaries (build/tests/test_*) and the shunit2
# suites (tests/test_*.sh), add up their cases, and end with the line
# "N passed, N failed". Exit status 1 if anything failed.
#
#   tests/run.sh                    everything
#   tests/run.sh test_conf test_skeleton.sh ...   only these suites
#
# Unit binaries print "suite: N passed, N failed"; shunit2 suites print
# "Ran N tests." and, on failure, "FAILED (failures=K...)". A suite that
# crashes, times out or prints no tally counts as one failed case (on top
# of whatever it had reported). Each suite's output goes to
# build/test-logs/<suite>.log; a failing suite's tail is printed. Each
# shunit2 suite gets its own TMPDIR; a zk cluster or Apache server still
# running there afterwards is stopped and counts as one more failure.
# Environment: UNIT_TIMEOUT (default 120 s), SUITE_TIMEOUT (default 600 s),
# VERBOSE=1 to print every suite's output.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
SUITE_TIMEOUT=${SUITE_TIMEOUT:-600}
LOGS=$ROOT/build/test-logs
mkdir -p "$LOGS" || exit 1

total_pass=0
total_fail=0
failed_suites=""

# Resolves a suite name to "unit PATH" or "sh PATH".
resolve() {
	local s=${1##*/}
	case $s in
	*.sh)
		[ -f "tests/$s" ] && { echo "sh tests/$s"; return 0; } ;;
	*)
		[ -x "build/tests/$s" ] && { echo "unit build/tests/$s"; return 0; }
		[ -f "tests/$s.sh" ] && { echo "sh tests/$s.sh"; return 0; } ;;
	esac
	return 1
}

report() {
	local name=$1 pass=$2 fail=$3 note=$4 secs=$5 log=$6
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	if [ "$fail" -eq 0 ]; then
		printf 'PASS %-28s %d passed, %d failed (%ss)\n' "$name" "$pass" "$fail" "$secs"
	else
		printf 'FAIL %-28s %d passed, %d failed (%ss)%s\n' "$name" "$pass" "$fail" "$secs" "$note"
		failed_suites="$failed_suites $name"
		if [ "${VERBOSE:-0}" != 1 ]; then
			echo "---- last lines of $log:"
			tail -n 30 "$log"
			echo "----"
		fi
	fi
}

# Runs CMD with a timeout into LOG (and the terminal with VERBOSE=1).
run_logged() {
	local secs=$1 log=$2
	shift 2
	if [ "${VERBOSE:-0}" = 1 ]; then
		timeout -k 10 "$secs" "$@" 2>&1 | tee "$log"
		return "${PIPESTATUS[0]}"
	fi
	timeout -k 10 "$secs" "$@" >"$log" 2>&1
}

run_unit() {
	local bin=$1 name log rc line pass fail note="" t0
	name=${bin##*/}
	log=$LOGS/$name.log
	t0=$SECONDS
	run_logged "$UNIT_TIMEOUT" "$log" "$bin"
	rc=$?
	line=$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		pass=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
		fail=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
	else
		pass=0
		fail=0
	fi
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		fail=$((fail + 1)); note=" [timed out after ${UNIT_TIMEOUT}s]"
	elif [ -z "$line" ]; then
		fail=$((fail + 1)); note=" [no tally line, exit $rc]"
	elif [ $rc -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1; note=" [exit $rc]"
	fi
	report "$name" "$pass" "$fail" "$note" $((SECONDS - t0)) "$log"
}

# Sums the tallies of every shunit2 run in a log (a suite may run its cases
# once per target). shunit2's own FAILED line counts failed assertions, so
# failed test functions are counted here: run.sh sets SHUNIT_TEST_PREFIX so
# that each test starts with a "@@TEST name" line, and a test failed if an
# "ASSERT:" or "shunit2:ERROR/FATAL" line follows before the next test. A
# run's end is "Ran N tests." followed by "OK..." or "FAILED (...)"; a run
# that says FAILED with no failed test (say oneTimeSetUp failed) counts one.
# Other tools' lines ("Ran 9 tests in 0.1s" from Python) do not match.
# Prints "RUNS RAN FAILED".
shunit_tally() {
	sed -E 's/\x1b\[[0-9;]*m//g' "$1" | awk '
		/^@@TEST / { if (cur && curfail) runfail++; cur = 1; curfail = 0; next }
		/^(ASSERT:|shunit2:ERROR|shunit2:FATAL)/ { if (cur) curfail = 1 }
		/^Ran [0-9]+ tests?\.$/ {
			if (cur && curfail) runfail++
			ran += $2; runs++; cur = 0; curfail = 0; want = 1; next
		}
		want && /^[ \t]*$/ { next }
		want {
			if (/^FAILED/ && runfail == 0)
				runfail = 1
			fail += runfail; runfail = 0; want = 0
		}
		END { if (want) fail += runfail; printf "%d %d %d\n", runs, ran, fail }'
}

# Stops what a suite left running in its private TMPDIR: zk clusters (a
# DIR/nodes file and a live runsvdir.pid) and Apache servers (apache.pid).
# Only what the suite's own directories recorded is signalled. Prints one
# line per leftover; returns 1 if there was any.
reap_leftovers() {
	local tdir=$1 f dir pid left=0
	while IFS= read -r f; do
		dir=${f%/nodes}
		if ls "$dir"/node*/runsvdir.pid >/dev/null 2>&1; then
			echo "run.sh: stopping a cluster left running in $dir"
			"$ROOT/bin/zk-cluster" down -d "$dir" >/dev/null 2>&1
			left=1
		fi
	done < <(find "$tdir" -maxdepth 5 -name nodes -type f 2>/dev/null)
	while IFS= read -r f; do
		pid=$(cat "$f" 2>/dev/null)
		if [ -n "$pid" ] && grep -q ZooKeeperServerMain "/proc/$pid/cmdline" 2>/dev/null; then
			echo "run.sh: stopping an Apache ZooKeeper (pid $pid) left running by $f"
			kill -KILL "$pid" 2>/dev/null
			left=1
		fi
	done < <(find "$tdir" -maxdepth 5 -name apache.pid -type f 2>/dev/null)
	return $left
}

run_shunit() {
	local file=$1 name log rc runs ran failures pass fail note="" t0 tdir
	name=${file##*/}
	log=$LOGS/${name%.sh}.log
	t0=$SECONDS
	# A private TMPDIR, so that whatever the suite leaves behind (say it
	# timed out) is found and stopped here without touching anyone else's.
	tdir=$(mktemp -d /tmp/zkr.XXXXXX) && chmod 755 "$tdir" || exit 1
	TMPDIR=$tdir SHUNIT_COLOR=none SHUNIT_TEST_PREFIX="@@TEST " \
		run_logged "$SUITE_TIMEOUT" "$log" bash "$file"
	rc=$?
	reap_leftovers "$tdir" >>"$log" 2>&1
	local reaped=$?
	rm -rf "$tdir"
	read -r runs ran failures <<<"$(shunit_tally "$log")"
	fail=$failures
	pass=$((ran - failures))
	[ $pass -ge 0 ] || pass=0
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		fail=$((fail + 1)); note=" [timed out after ${SUITE_TIMEOUT}s]"
	elif [ "$runs" -eq 0 ]; then
		fail=$((fail + 1)); note=" [no shunit2 tally, exit $rc]"
	elif [ $rc -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1; note=" [exit $rc]"
	fi
	if [ $reaped -ne 0 ]; then
		fail=$((fail + 1)); note="$note [left servers running]"
	fi
	report "$name" "$pass" "$fail" "$note" $((SECONDS - t0)) "$log"
}

suites=()
if [ $# -gt 0 ]; then
	for s in "$@"; do
		if ! r=$(resolve "$s"); then
			echo "run.sh: no suite $s (built unit binary or tests/*.sh)" >&2
			total_fail=$((total_fail + 1))
			failed_suites="$failed_suites $s"
			continue
		fi
		suites+=("$r")
	done
else
	for b in build/tests/test_*; do
		[ -f "$b" ] && [ -x "$b" ] && suites+=("unit $b")
	done
	for f in tests/test_*.sh; do
		[ -f "$f" ] && suites+=("sh $f")
	done
	if [ ${#suites[@]} -eq 0 ]; then
		echo "run.sh: nothing to run (run make first)" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
fi

for s in "${suites[@]}"; do
	case $s in
	unit\ *) run_unit "${s#unit }" ;;
	sh\ *) run_shunit "${s#sh }" ;;
	esac
done

[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
