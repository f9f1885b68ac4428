#!/usr/bin/python3
# verify_acks.py HOSTS ACKFILE: the check after a crash or restore. ACKFILE
# has one line "path czxid" per create the server acknowledged (the data of
# each create is its path). Every one must exist with that data and czxid,
# and a new write must get a zxid past all of them. Prints a summary; exit
# status 1 on any loss.
import sys
from kazoo.client import KazooClient

hosts, ackfile = sys.argv[1:3]
acks = [l.split() for l in open(ackfile) if l.strip()]
zk = KazooClient(hosts=hosts, timeout=10)
zk.start(timeout=15)
bad = 0
top = 0
for path, czxid in acks:
    czxid = int(czxid)
    top = max(top, czxid)
    r = zk.exists(path)
    if r is None:
        print("LOST %s (czxid 0x%x)" % (path, czxid)); bad += 1; continue
    data, st = zk.get(path)
    if data != path.encode() or st.czxid != czxid:
        print("CHANGED %s: czxid 0x%x != 0x%x or data %r" % (path, st.czxid, czxid, data))
        bad += 1
p, st = zk.create("/verify-after", b"x", include_data=True, sequence=True)
if st.czxid <= top:
    print("ZXID BACKWARDS: new 0x%x <= acknowledged 0x%x" % (st.czxid, top)); bad += 1
print("checked %d acknowledged writes, max zxid 0x%x, new zxid 0x%x, %d bad"
      % (len(acks), top, st.czxid, bad))
zk.stop(); zk.close()
sys.exit(1 if bad else 0)
