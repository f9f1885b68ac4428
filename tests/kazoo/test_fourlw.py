"""Four-letter words on the client port, in Apache's formats.

The suites start both targets with
  4lw.commands.whitelist=ruok,srvr,stat,mntr,conf,cons,isro,wchs,wchc,wchp,
                         dump,dirs
so the remaining known words must be refused with Apache's line.
"""

import calendar
import re
import time

from kazoo.exceptions import NoAuthError

import rawzk
import zkt

OP_ADDWATCH = 106
SID_RE = r"0x[0-9a-f]+"
DATE_RE = r"\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} \S+ \d{4}"


def parse_listing(out, head_re, word):
    """wchc / wchp: head lines, each followed by tab-indented lines, then
    one empty line. Returns {head: [items]}."""
    assert out.endswith("\n"), "%s: %r" % (word, out[-20:])
    lines = out.split("\n")
    assert lines[-2:] == ["", ""], "%s must end with an empty line: %r" % (
        word, out[-40:])
    got, head = {}, None
    for line in lines[:-2]:
        if line.startswith("\t"):
            assert head is not None, "%s: item before a head: %r" % (word, out)
            got[head].append(line[1:])
        else:
            assert re.match("^" + head_re + "$", line), \
                "%s: bad line %r in %r" % (word, line, out)
            assert line not in got, "%s: %s listed twice" % (word, line)
            head = line
            got[head] = []
    return got


def parse_sets(lines, i, what, member_re):
    """'<what> Sets (B)/(N):' then B buckets '<n> expire at <date>:' each
    followed by n members. Returns ([(date, member)], next index)."""
    m = re.match(r"^%s Sets \((\d+)\)/\((\d+)\):$" % what, lines[i])
    assert m, "bad %s header %r" % (what, lines[i])
    nbuckets, nmembers = int(m.group(1)), int(m.group(2))
    i += 1
    members = []
    for _ in range(nbuckets):
        m = re.match(r"^(\d+) expire at (%s):$" % DATE_RE, lines[i])
        assert m, "bad %s bucket %r" % (what, lines[i])
        n, date = int(m.group(1)), m.group(2)
        i += 1
        for _ in range(n):
            mm = re.match(r"^\t(%s)$" % member_re, lines[i])
            assert mm, "bad %s member %r" % (what, lines[i])
            members.append((date, mm.group(1)))
            i += 1
    assert len(members) == nmembers, "%s: %d listed, header says %d" % (
        what, len(members), nmembers)
    return members, i


def parse_dump(out):
    """Apache 3.8's dump: session buckets, ephemerals by session, then
    connection buckets. Returns (sessions {sid: date}, ephemerals
    {sid: [paths]}, connections [(date, 'ip: /h:p sessionId: 0x..')])."""
    assert out.endswith("\n"), repr(out[-20:])
    lines = out.split("\n")[:-1]
    assert lines[0] == "SessionTracker dump:", lines[:2]
    members, i = parse_sets(lines, 1, "Session", SID_RE)
    sessions = {int(sid, 16): date for date, sid in members}
    assert len(sessions) == len(members), "a session listed twice"
    assert lines[i] == "ephemeral nodes dump:", lines[i]
    m = re.match(r"^Sessions with Ephemerals \((\d+)\):$", lines[i + 1])
    assert m, lines[i + 1]
    i += 2
    eph, sid = {}, None
    while i < len(lines) and lines[i] != "Connections dump:":
        if lines[i].startswith("\t/"):
            assert sid is not None, lines[i]
            eph[sid].append(lines[i][1:])
        else:
            mm = re.match(r"^(%s):$" % SID_RE, lines[i])
            assert mm, "bad ephemerals line %r" % lines[i]
            sid = int(mm.group(1), 16)
            assert sid not in eph, "session %x listed twice" % sid
            eph[sid] = []
        i += 1
    assert len(eph) == int(m.group(1)), "ephemerals header %r, listed %d" % (
        m.group(0), len(eph))
    assert all(eph.values()), "a session listed without ephemerals"
    assert lines[i] == "Connections dump:", lines[i:]
    conns, i = parse_sets(
        lines, i + 1, "Connections",
        r"ip: /127\.0\.0\.1:\d+ sessionId: %s" % SID_RE)
    assert i == len(lines), "after the connections: %r" % lines[i:]
    return sessions, eph, conns

VERSION_RE = r"Zookeeper version: \S+.*"
SRVR_TAIL = [
    r"Latency min/avg/max: \d+/\d+(\.\d+)?/\d+",
    r"Received: \d+",
    r"Sent: \d+",
    r"Connections: \d+",
    r"Outstanding: \d+",
    r"Zxid: 0x[0-9a-f]+",
    r"Mode: standalone",
    r"Node count: \d+",
]
CONS_RE = (r" /127\.0\.0\.1:\d+\[\d+\]\(queued=\d+,recved=\d+,sent=\d+"
           r"(,sid=0x[0-9a-f]+,lop=\w+,est=\d+,to=\d+,lcxid=0x[0-9a-f]+,"
           r"lzxid=0x[0-9a-f]+,lresp=\d+,llat=\d+,minlat=\d+,avglat=\d+"
           r"(\.\d+)?,maxlat=\d+)?\)")


class FourLetterTest(zkt.ZkCase):

    def lines_match(self, lines, patterns, word):
        self.assertEqual(len(lines), len(patterns), "%s: %r" % (word, lines))
        for line, pat in zip(lines, patterns):
            self.assertRegex(line, "^" + pat + "$", word)

    def test_ruok(self):
        self.assertEqual(zkt.fourlw("ruok"), "imok")

    def test_isro(self):
        self.assertEqual(zkt.fourlw("isro"), "rw")

    def test_srvr(self):
        out = zkt.fourlw("srvr")
        self.assertTrue(out.endswith("\n"))
        lines = out.splitlines()
        self.lines_match(lines, [VERSION_RE] + SRVR_TAIL, "srvr")
        zxid = int(lines[6].split("0x")[1], 16)
        self.assertGreaterEqual(zxid, self.zk.last_zxid)

    def test_srvr_node_count_follows_creates(self):
        def count():
            return int(zkt.fourlw("srvr").splitlines()[-1].split(": ")[1])
        n0 = count()
        self.zk.create(self.p("a"))
        self.zk.create(self.p("b"))
        self.assertEqual(count(), n0 + 2)
        self.zk.delete(self.p("a"))
        self.assertEqual(count(), n0 + 1)

    def test_stat(self):
        out = zkt.fourlw("stat")
        lines = out.splitlines()
        self.assertRegex(lines[0], "^" + VERSION_RE + "$")
        self.assertEqual(lines[1], "Clients:")
        i = 2
        clients = []
        while lines[i] != "":
            clients.append(lines[i])
            i += 1
        # Our kazoo session and this very 4lw connection at least.
        self.assertGreaterEqual(len(clients), 2)
        for c in clients:
            self.assertRegex(c, r"^ /127\.0\.0\.1:\d+\[\d+\]\(queued=\d+,"
                                r"recved=\d+,sent=\d+\)$")
        self.lines_match(lines[i + 1:], SRVR_TAIL, "stat")

    def test_cons(self):
        out = zkt.fourlw("cons")
        self.assertTrue(out.endswith("\n\n"), repr(out[-10:]))
        lines = out.splitlines()
        self.assertEqual(lines[-1], "")
        for line in lines[:-1]:
            self.assertRegex(line, "^" + CONS_RE + "$")
        sid = "sid=0x%x," % self.zk.client_id[0]
        self.assertTrue(any(sid in line for line in lines),
                        "our session %s not in cons:\n%s" % (sid, out))

    def test_conf(self):
        conf = zkt.server_conf()
        _, port = zkt.host_port()
        self.assertEqual(conf.get("clientPort"), str(port))
        for key in ("dataDir", "dataLogDir", "tickTime", "maxClientCnxns",
                    "minSessionTimeout", "maxSessionTimeout", "serverId"):
            self.assertIn(key, conf)
        # What tests/compat.sh configures.
        self.assertEqual(conf["tickTime"], "1000")
        self.assertEqual(conf["minSessionTimeout"], "1500")
        self.assertEqual(conf["maxSessionTimeout"], "15000")
        for line in zkt.fourlw("conf").splitlines():
            self.assertRegex(line, r"^[A-Za-z.]+=\S*$")
        # Bytes in the data and log directories, as dirs counts them.
        for key in ("dataDirSize", "dataLogSize"):
            self.assertRegex(conf.get(key, ""), r"^\d+$", key)
            self.assertGreater(int(conf[key]), 0, key)

    def test_mntr(self):
        out = zkt.fourlw("mntr")
        lines = out.splitlines()
        self.assertTrue(out.endswith("\n"))
        kv = {}
        for line in lines:
            self.assertRegex(line, r"^zk_[^\t]+\t[^\t]+$")
            k, v = line.split("\t", 1)
            kv[k] = v
        self.assertTrue(lines[0].startswith("zk_version\t"))
        self.assertEqual(lines[1], "zk_server_state\tstandalone")
        for key in ("zk_avg_latency", "zk_max_latency", "zk_min_latency",
                    "zk_packets_received", "zk_packets_sent",
                    "zk_num_alive_connections", "zk_outstanding_requests",
                    "zk_znode_count", "zk_watch_count",
                    "zk_ephemerals_count", "zk_approximate_data_size",
                    "zk_open_file_descriptor_count",
                    "zk_max_file_descriptor_count"):
            self.assertIn(key, kv)
            self.assertRegex(kv[key], r"^-?\d+(\.\d+)?$", key)
        srvr_nodes = zkt.fourlw("srvr").splitlines()[-1].split(": ")[1]
        self.assertEqual(kv["zk_znode_count"], srvr_nodes)

    def test_mntr_counts_ephemerals(self):
        def eph():
            for line in zkt.fourlw("mntr").splitlines():
                if line.startswith("zk_ephemerals_count\t"):
                    return int(line.split("\t")[1])
            self.fail("no zk_ephemerals_count")
        n0 = eph()
        self.zk.create(self.p("e"), ephemeral=True)
        self.assertEqual(eph(), n0 + 1)

    def test_whitelist_refuses_other_words(self):
        for word in ("envi", "crst", "srst", "gtmk", "stmk", "hash"):
            self.assertEqual(zkt.fourlw(word),
                             "%s is not executed because it is not in the "
                             "whitelist.\n" % word)

    def test_unknown_word_closes_silently(self):
        self.assertEqual(zkt.fourlw("abcd"), "")
        self.assertEqual(zkt.fourlw("ruok"), "imok")

    def test_cons_and_mntr_follow_a_session(self):
        def mntr(key):
            for line in zkt.fourlw("mntr").splitlines():
                if line.startswith(key + "\t"):
                    return int(line.split("\t")[1])
            self.fail("no %s in mntr" % key)
        w0 = mntr("zk_watch_count")
        path = self.zk.create(self.p("probe"))
        r = self.raw(timeout_ms=5000)
        r.get_data(path, watch=True)
        r.exists(path + "-x", watch=True)
        r.get_children(path, watch=True)
        r.xid = 0x29
        r.get_data(path)
        self.assertEqual(mntr("zk_watch_count"), w0 + 3)
        mine = [line for line in zkt.fourlw("cons").splitlines()
                if "sid=0x%x," % r.session_id in line]
        self.assertEqual(len(mine), 1)
        self.assertRegex(mine[0], CONS_RE)
        # The handshake and four requests: recved counts frames in.
        for part in ("lop=GETD,", "to=5000,", "lcxid=0x2a,",
                     "recved=5,", "sent=5,", "queued=0,"):
            self.assertIn(part, mine[0])
        self.assertIn("lzxid=0x%x," % r.last_zxid, mine[0])
        listed = [line for line in zkt.fourlw("cons").splitlines()
                  if line.startswith(" /")]
        conns = [line for line in zkt.fourlw("srvr").splitlines()
                 if line.startswith("Connections: ")]
        self.assertEqual(conns, ["Connections: %d" % len(listed)])

    def test_node_count_is_every_znode_plus_one(self):
        # Apache counts its "" alias of "/" as well.
        def walk(path):
            try:
                kids = self.zk.get_children(path)
            except NoAuthError:
                # Unreadable (another case's ACL test): count its
                # children as leaves.
                return 1 + self.zk.exists(path).numChildren
            return 1 + sum(walk(path.rstrip("/") + "/" + k) for k in kids)
        self.zk.create(self.p("a", "b"), makepath=True)
        total = walk("/")
        count = zkt.fourlw("srvr").splitlines()[-1]
        self.assertEqual(count, "Node count: %d" % (total + 1))

    # wchc, wchp, wchs, dump, dirs (whitelisted by the suites)

    def watch_two_sessions(self):
        """Two sessions watching paths under the case's root, every kind:
        returns (r1, r2, {name: path})."""
        P = {n: self.p(n) for n in ("a", "b", "c", "missing")}
        for n in ("a", "b", "c"):
            self.zk.create(P[n])
        r1, r2 = self.raw(), self.raw()
        r1.get_data(P["a"], watch=True)
        r1.get_children(P["b"], watch=True)     # child watch only
        r1.exists(P["missing"], watch=True)
        _, rep = r1.call(OP_ADDWATCH, rawzk.ustr(P["c"]) + rawzk.i32(0))
        self.assertEqual(rep.err, 0)            # persistent
        r2.get_data(P["a"], watch=True)
        r2.get_children(P["a"], watch=True)
        _, rep = r2.call(OP_ADDWATCH, rawzk.ustr(P["b"]) + rawzk.i32(1))
        self.assertEqual(rep.err, 0)            # persistent recursive
        return r1, r2, P

    def mntr_watch_count(self):
        for line in zkt.fourlw("mntr").splitlines():
            if line.startswith("zk_watch_count\t"):
                return int(line.split("\t")[1])
        self.fail("no zk_watch_count in mntr")

    def test_wchc_wchp_list_watches(self):
        # Apache lists its data-watch table: exists, getData and both
        # addWatch modes; a path a session watches in several ways is
        # listed once, and child watches are not listed.
        w0 = self.mntr_watch_count()
        r1, r2, P = self.watch_two_sessions()
        s1, s2 = "0x%x" % r1.session_id, "0x%x" % r2.session_id
        wchc = parse_listing(zkt.fourlw("wchc"), SID_RE, "wchc")
        self.assertEqual(sorted(wchc.get(s1, [])),
                         sorted([P["a"], P["missing"], P["c"]]))
        self.assertEqual(sorted(wchc.get(s2, [])), sorted([P["a"], P["b"]]))
        wchp = parse_listing(zkt.fourlw("wchp"), "/.*", "wchp")
        mine = {p: sorted(s) for p, s in wchp.items()
                if p.startswith(self.root + "/")}
        self.assertEqual(mine, {P["a"]: sorted([s1, s2]), P["missing"]: [s1],
                                P["c"]: [s1], P["b"]: [s2]})
        # wchs counts the same table, one watch per (path, session).
        self.assertEqual(zkt.fourlw("wchs"), "%d connections watching %d "
                         "paths\nTotal watches:%d\n"
                         % (len(wchc), len(wchp),
                            sum(len(v) for v in wchc.values())))
        # mntr adds up both tables: data 5 pairs; child: r1 b and c
        # (persistent), r2 a and b (recursive).
        self.assertEqual(self.mntr_watch_count(), w0 + 9)
        # A data watch fires once and leaves both listings; persistent
        # ones stay.
        self.zk.set(P["a"], b"x")
        self.assertEqual(len(r1.ping()), 1)
        self.assertEqual(len(r2.ping()), 1)
        wchc = parse_listing(zkt.fourlw("wchc"), SID_RE, "wchc")
        self.assertEqual(sorted(wchc.get(s1, [])),
                         sorted([P["missing"], P["c"]]))
        self.assertEqual(wchc.get(s2), [P["b"]])
        wchp = parse_listing(zkt.fourlw("wchp"), "/.*", "wchp")
        self.assertNotIn(P["a"], wchp)
        # A closed session's watches go (Apache drops them when it closes
        # the connection, just after the closeSession reply).
        r2.close_session()
        zkt.wait_for(lambda: s2 not in parse_listing(
            zkt.fourlw("wchc"), SID_RE, "wchc"), 5, "%s out of wchc" % s2)
        zkt.wait_for(lambda: P["b"] not in parse_listing(
            zkt.fourlw("wchp"), "/.*", "wchp"), 5, "%s out of wchp" % P["b"])
        self.assertIn(s1, parse_listing(zkt.fourlw("wchc"), SID_RE, "wchc"))

    def test_dump_lists_sessions_and_ephemerals(self):
        r1, r2 = self.raw(timeout_ms=5000), self.raw(timeout_ms=5000)
        e = [self.p("e%d" % i) for i in range(3)]
        for r, path in ((r1, e[0]), (r1, e[1]), (r2, e[2])):
            _, rep = r.create(path, flags=1)
            self.assertEqual(rep.err, 0)
        now = time.time()
        sessions, eph, conns = parse_dump(zkt.fourlw("dump"))
        for r in (r1, r2):
            self.assertIn(r.session_id, sessions)
        self.assertIn(self.zk.client_id[0], sessions)
        self.assertEqual(sorted(eph.get(r1.session_id, [])), e[:2])
        self.assertEqual(eph.get(r2.session_id), e[2:])
        self.assertNotIn(self.zk.client_id[0], eph)
        # Both expire within their 5 s timeout (rounded up to a tick).
        for r in (r1, r2):
            date = sessions[r.session_id]
            if " UTC " in date:
                t = calendar.timegm(time.strptime(
                    date, "%a %b %d %H:%M:%S UTC %Y"))
                self.assertGreaterEqual(t, now - 2, date)
                self.assertLessEqual(t, now + 5 + 2 + 2, date)
        # Connections: ours, and this dump's own (no session).
        conn_sids = [int(c.rsplit(" 0x", 1)[1], 16) for _, c in conns]
        for r in (r1, r2):
            self.assertIn(r.session_id, conn_sids)
        self.assertIn(0, conn_sids)
        r2.close_session()

        def r2_gone():
            got = parse_dump(zkt.fourlw("dump"))
            return r2.session_id not in got[0] and r2.session_id not in got[1]
        zkt.wait_for(r2_gone, 5, "session %x out of dump" % r2.session_id)
        sessions, eph, _ = parse_dump(zkt.fourlw("dump"))
        self.assertIn(r1.session_id, sessions)
        self.assertEqual(sorted(eph.get(r1.session_id, [])), e[:2])

    def test_dirs(self):
        out = zkt.fourlw("dirs")
        m = re.match(r"^datadir_size: (\d+)\nlogdir_size: (\d+)\n$", out)
        self.assertTrue(m, repr(out))
        self.assertGreater(int(m.group(1)), 0)
        self.assertGreater(int(m.group(2)), 0)
