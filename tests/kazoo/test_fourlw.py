"""Four-letter words on the client port, in Apache's formats.

The suites start both targets with
  4lw.commands.whitelist=ruok,srvr,stat,mntr,conf,cons,isro
so the remaining known words must be refused with Apache's line.
"""

from kazoo.exceptions import NoAuthError

import zkt

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
        for word in ("envi", "dump", "wchs", "wchc", "dirs", "crst"):
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
