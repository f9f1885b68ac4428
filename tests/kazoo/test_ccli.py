"""Apache's C client, driven through an interactive cli_mt session behind
zkt.Proxy: after a connection loss it reconnects with its session id and
password and re-sends its watches (setWatches with xid -8, only the C
client does that), and gets the events it missed."""

import os
import subprocess
import threading

import zkt
from test_javacli import JavaCli

CLI_MT = "/usr/lib/zookeeper/bin/cli_mt"


class CCli(JavaCli):
    """Same line collector as JavaCli, around cli_mt."""

    def __init__(self, hosts):
        self.proc = subprocess.Popen(
            [CLI_MT, "-h", hosts], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            bufsize=1, start_new_session=True)
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()


def event(kind, path):
    return "Watcher %s state = CONNECTED_STATE for path %s" % (kind, path)


class CCliTest(zkt.ZkCase):

    def setUp(self):
        super().setUp()
        if not os.access(CLI_MT, os.X_OK):
            self.fail("%s missing (install zookeeper-bin)" % CLI_MT)
        self.proxy = zkt.Proxy()
        self.addCleanup(self.proxy.close)
        self.cli = CCli(self.proxy.hosts)
        self.addCleanup(self.cli.close)
        self.cli.wait("Got a new session id")

    def test_reconnect_resends_watches(self):
        d, e = self.p("d"), self.p("e")
        self.zk.create(d, b"0")
        cli = self.cli
        m = cli.mark()
        cli.send("wexists " + e)
        cli.wait("Error -101 for " + e, m)
        cli.send("wexists " + d)
        cli.send("ls " + self.root)      # cli_mt's ls sets a child watch
        cli.wait(self.root + ": rc = 0", m)
        sessions = [line for line in cli.lines if "new session id" in line]
        m = cli.mark()
        self.proxy.cut()
        # Give the client time to notice before the changes it must learn
        # about from setWatches.
        cli.wait("failed while receiving a server response", m)
        self.zk.create(e)
        self.zk.set(d, b"1")
        self.proxy.restore()
        cli.wait(event("CREATED_EVENT", e), m)
        cli.wait(event("CHANGED_EVENT", d), m)
        cli.wait(event("CHILD_EVENT", self.root), m)
        # Same session: no new session id was printed.
        self.assertEqual(
            [line for line in cli.lines if "new session id" in line],
            sessions)
        # The session still owns what it creates.
        m = cli.mark()
        cli.send("create +e " + self.p("mine"))
        cli.wait("[%s]: rc = 0" % self.p("mine"), m)
        self.assertNotEqual(self.zk.exists(self.p("mine")).ephemeralOwner, 0)
