# tests/compat.sh (bash): run one client-compatibility suite against Apache
# ZooKeeper (which proves the expectations) and against zk (which is
# checked by them), with the same server settings for both.
#
# In a shunit2 suite, before sourcing shunit2:
#   . "$TOP/tests/compat.sh"
#   compat_dispatch "$0" "$@"      # ZK_TARGET unset or "both": runs the
#                                  # suite once per target, then exits
#   oneTimeSetUp()    { compat_up; }   # exports ZK_HOSTS ZK_HOST ZK_PORT
#                                      # and COMPAT_DIR (scratch + logs)
#   oneTimeTearDown() { compat_down; }
#   setUp()           { endSkipping; }
#   test_x() { compat_gap test_x || return 0; ...; }
#
# ZK_TARGET=apache|zk|both (default both). ZK_KNOWN_GAPS, set by the
# suite, lists "name: reason" lines for cases zk is known to fail; on the
# zk target they are reported and skipped, on Apache they run.

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TOP/tests/lib.sh"

# Settings both targets run with. Explicit session timeout bounds (not
# the 2x/20x tickTime defaults) check that they are honoured and keep
# expiry cases short; the whitelist lets the 4lw cases check that other
# words are refused.
COMPAT_CFG=(
	"tickTime=1000"
	"minSessionTimeout=1500"
	"maxSessionTimeout=15000"
	"4lw.commands.whitelist=ruok,srvr,stat,mntr,conf,cons,isro,wchs,wchc,wchp,dump,dirs"
	# digest of super:pw (test_acl's super user); Apache turns an unknown
	# zoo.cfg key into the system property zookeeper.<key>
	"DigestAuthenticationProvider.superDigest=super:0bX78nEegDzJM3ju0iLBEJdWzjg="
)

compat_dispatch() {
	_script=$1
	case "${ZK_TARGET:-both}" in
	apache|zk) return 0 ;;
	both) ;;
	*) echo "ZK_TARGET must be apache, zk or both" >&2; exit 2 ;;
	esac
	_rc=0
	for _t in apache zk; do
		echo "=== $(basename "$_script") against $_t"
		ZK_TARGET=$_t bash "$_script" || _rc=1
	done
	exit $_rc
}

compat_up() {
	case "$ZK_TARGET" in
	apache)
		COMPAT_DIR=$(lib_tmpdir) || return 1
		ZK_PORT=$(lib_pick_base) || { fail "no free port"; return 1; }
		ZK_HOSTS=$(apache_ref_up "$COMPAT_DIR" "$ZK_PORT" \
		    "${COMPAT_CFG[@]}") || {
			fail "Apache ZooKeeper did not start"
			return 1
		}
		;;
	zk)
		local cfg rc
		cfg=$(mktemp "${TMPDIR:-/tmp}/compat-cfg.XXXXXX") || return 1
		printf '%s\n' "${COMPAT_CFG[@]}" > "$cfg" || return 1
		zk_up 1 -c "$cfg"
		rc=$?
		rm -f "$cfg"
		if [ $rc -ne 0 ] || [ -z "$ZK_CONNECT" ]; then
			fail "zk-cluster up failed (exit $rc)"
			return 1
		fi
		COMPAT_DIR=$ZK_DIR
		ZK_HOSTS=$ZK_CONNECT
		;;
	*)
		fail "unknown ZK_TARGET '$ZK_TARGET'"
		return 1
		;;
	esac
	ZK_HOST=${ZK_HOSTS%%:*}
	ZK_PORT=${ZK_HOSTS##*:}
	ZK_PORT=${ZK_PORT%%,*}
	export ZK_HOSTS ZK_HOST ZK_PORT ZK_TARGET COMPAT_DIR
	echo "target $ZK_TARGET at $ZK_HOSTS"
}

compat_down() {
	case "$ZK_TARGET" in
	apache)
		[ -n "${COMPAT_DIR:-}" ] || return 0
		apache_ref_down "$COMPAT_DIR"
		rm -rf "$COMPAT_DIR"
		;;
	zk) zk_down ;;
	esac
	COMPAT_DIR=
}

# compat_gap NAME: on the zk target, a case listed in ZK_KNOWN_GAPS is
# reported with its reason and skipped (returns 1). Otherwise returns 0.
compat_gap() {
	[ "$ZK_TARGET" = zk ] || return 0
	_why=$(printf '%s\n' "$ZK_KNOWN_GAPS" | sed -n "s/^[[:space:]]*$1: //p")
	[ -n "$_why" ] || return 0
	echo "KNOWN GAP $1 on zk: $_why"
	startSkipping
	fail "known gap: $_why"   # counted as skipped, so the gap shows
	return 1
}


# compat_kazoo MODULE: run one tests/kazoo test module against the target
# with Debian's python (the one python3-kazoo is built for); print the
# summary, and everything but passing cases on failure.
compat_kazoo() {
	_out="$COMPAT_DIR/$1.out"
	timeout 300 /usr/bin/python3 "$TOP/tests/kazoo/run.py" "$1" \
	    > "$_out" 2>&1
	_rc=$?
	grep -E '^(Ran |OK|FAILED|known gap|gap now passes)' "$_out"
	if [ $_rc -ne 0 ]; then
		grep -vE ' \.\.\. (ok|expected failure)$' "$_out"
	fi
	assertEquals "kazoo module $1 against $ZK_TARGET" 0 $_rc
}
