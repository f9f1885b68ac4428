#!/bin/bash
# Restart alone: each daemon of a node in turn is killed with kill -9 while
# kazoo clients write; runit restarts it. For every daemon:
#   - no session expires (kazoo never sees LOST, the ephemeral stays);
#   - no acknowledged write is lost;
#   - the client sees at most a reconnect, no request is left unanswered,
#     and writes go on after the restart.

TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh"

# The daemons run as their own users and must reach the cluster dir, which
# mktemp makes 0700.
lib_tmpdir() {
	local d
	d=$(mktemp -d /tmp/zkt.XXXXXX) && chmod 755 "$d" && echo "$d"
}

LOAD_SECS=14		# writer run per daemon
KILL_AFTER=30		# acknowledged writes before the kill
SESSION_MS=10000	# kazoo session timeout

oneTimeSetUp() {
	PYDIR=$(lib_tmpdir) || return 1
	write_py
	zk_up 1 >/dev/null || fail "zk_up failed"
}

oneTimeTearDown() {
	zk_down
	[ -n "${PYDIR:-}" ] && rm -rf "$PYDIR"
}

write_py() {
	cat >"$PYDIR/work.py" <<'EOF'
# work.py HOSTS DIR SECS SESSION_MS: one session with an ephemeral marker;
# creates one after another, each answered within 15 s or counted as hung.
# Writes DIR/acks ("path czxid" per acknowledged create), DIR/states and
# at the end DIR/result: "lost=N hung=N errors=N acks=N session=0x.."
import sys, time, threading
from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import ConnectionLoss, SessionExpiredError, NodeExistsError
from kazoo.retry import KazooRetry

hosts, d, secs, sms = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
acks = open(d + "/acks", "a", buffering=1)
states = open(d + "/states", "a", buffering=1)
lost = [0]
def listener(s):
    states.write("%.3f %s\n" % (time.time(), s))
    if s == KazooState.LOST:
        lost[0] += 1
zk = KazooClient(hosts=hosts, timeout=sms / 1000.0,
                 connection_retry=KazooRetry(max_tries=-1, delay=0.1, max_delay=0.5))
zk.add_listener(listener)
zk.start(timeout=15)
zk.ensure_path(d.replace("/tmp", "/ra", 1))
base = d.replace("/tmp", "/ra", 1)
zk.create(base + "/alive", b"", ephemeral=True)
sid = zk.client_id[0]
hung = errors = n = i = 0
end = time.time() + secs
while time.time() < end:
    path = "%s/n%06d" % (base, i)
    i += 1
    try:
        r = zk.create_async(path, path.encode(), include_data=True)
        p, st = r.get(timeout=15)
        acks.write("%s %d\n" % (p, st.czxid))
        n += 1
    except (ConnectionLoss, SessionExpiredError) as e:
        errors += 1
        time.sleep(0.05)
    except NodeExistsError:
        errors += 1
    except Exception as e:
        if type(e).__name__ == "TimeoutError" or "Timeout" in type(e).__name__:
            hung += 1
        else:
            errors += 1
            states.write("error %r\n" % (e,))
            time.sleep(0.05)
open(d + "/result", "w").write("lost=%d hung=%d errors=%d acks=%d session=0x%x\n"
                               % (lost[0], hung, errors, n, sid))
# Keep the session: the check looks at the ephemeral first.
open(d + "/done", "w").write("1\n")
time.sleep(30)
EOF
	cat >"$PYDIR/check.py" <<'EOF'
# check.py HOSTS DIR: the ephemeral of the writer's session exists and every
# acknowledged create is there with its czxid.
import sys
from kazoo.client import KazooClient
hosts, d = sys.argv[1], sys.argv[2]
base = d.replace("/tmp", "/ra", 1)
zk = KazooClient(hosts=hosts, timeout=10)
zk.start(timeout=15)
bad = 0
st = zk.exists(base + "/alive")
if st is None:
    print("ephemeral gone: the session expired"); bad += 1
acks = [l.split() for l in open(d + "/acks") if l.strip()]
for p, z in acks:
    s = zk.exists(p)
    if s is None or s.czxid != int(z):
        print("LOST %s" % p); bad += 1
print("%d acknowledged writes checked, %d bad" % (len(acks), bad))
zk.stop(); zk.close()
sys.exit(1 if bad else 0)
EOF
}

# lines FILE N: FILE has at least N lines (re-read at each call).
lines() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

# kill -9 daemon $1 under load and check everything.
restart_one() {
	local daemon=$1 w wpid old new res acks_before acks_after
	w=$(mktemp -d /tmp/ra-XXXXXX)
	: >"$w/acks"
	timeout $((LOAD_SECS + 90)) "$ZK_PY" "$PYDIR/work.py" "$ZK_CONNECT" "$w" \
		"$LOAD_SECS" "$SESSION_MS" >"$w/out" 2>&1 &
	wpid=$!
	wait_for 20 lines "$w/acks" "$KILL_AFTER"
	assertTrue "$daemon: no writes before the kill" $?
	old=$(zk_daemon_pid 1 "$daemon")
	"$ZK_CLUSTER" kill -d "$ZK_DIR" 1 "$daemon" >/dev/null 2>&1
	assertTrue "$daemon: zk-cluster kill" $?
	acks_before=$(wc -l <"$w/acks")
	wait_for 20 eval "new=\$(zk_daemon_pid 1 $daemon); [ -n \"\$new\" ] && [ \"\$new\" != $old ]"
	assertTrue "$daemon: runit did not restart it" $?
	wait_for 20 zk_status 1
	assertTrue "$daemon: node not healthy after the restart" $?
	wait_for $((LOAD_SECS + 60)) test -s "$w/done"
	assertTrue "$daemon: writer did not finish" $?
	res=$(cat "$w/result" 2>/dev/null)
	echo "$daemon: $res"
	case $res in
	*"lost=0 hung=0 "*) ;;
	*) fail "$daemon: session lost or a request unanswered: $res"
	   sed 's/^/  state /' "$w/states" ;;
	esac
	acks_after=$(wc -l <"$w/acks")
	assertTrue "$daemon: no write acknowledged after the restart ($acks_before then $acks_after)" \
		"[ $acks_after -gt $acks_before ]"
	timeout 60 "$ZK_PY" "$PYDIR/check.py" "$ZK_CONNECT" "$w"
	assertTrue "$daemon: acknowledged write lost or session expired" $?
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	rm -rf "$w"
}

test_restart_zk_gw() { restart_one zk-gw; }
test_restart_zk_zabd() { restart_one zk-zabd; }
test_restart_zk_treed() { restart_one zk-treed; }
test_restart_zk_sessiond() { restart_one zk-sessiond; }
test_restart_zk_electd() { restart_one zk-electd; }

. shunit2
