#!/usr/bin/python3
"""bench_report.py RESULTS_DIR OUT.md: turn one scripts/bench.sh run (zk-bench
JSON per server and mode, plus machine facts) into a table on stdout and
docs/PERFORMANCE.md. The Analysis section of an existing OUT.md, between the
analysis markers, is written back unchanged."""
import json
import os
import sys

BEGIN = "<!-- analysis:begin -->"
END = "<!-- analysis:end -->"
MIB = 1024.0

# Issue 3's figures for Apache on this kind of machine (its own C client).
REF = {"lat-get p50 us": 189, "lat-set p50 us": 405, "get ops/s": 49500,
       "set ops/s": 32300, "get cpu us": 15, "set cpu us": 27,
       "create cpu us": 40, "rss MiB": 945}

SPEED = [("get", "getData of 1 KiB values, the 1000 keys taken in turn"),
         ("set", "setData of 1 KiB values (version -1), the 1000 keys taken in turn"),
         ("create", "create of new persistent 1 KiB znodes under one parent"),
         ("mix", "each request getData with probability 90%, else setData; 1 KiB, 1000 keys")]
LAT = [("lat-get", "getData, one request in flight on one connection"),
       ("lat-set", "setData, one request in flight on one connection")]


def load(res, target, name):
    path = os.path.join(res, "%s-%s.json" % (target, name))
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def why(res, target, name):
    """Last line of a failed run's stderr, for the report."""
    for n in (name, "speed" if name != "mem" else "mem"):
        path = os.path.join(res, "%s-%s.err" % (target, n))
        try:
            with open(path) as f:
                lines = [l.strip() for l in f if l.strip()]
        except OSError:
            continue
        if lines:
            return lines[-1]
    return "not run"


def facts(res):
    out = {}
    try:
        with open(os.path.join(res, "machine")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                out[k] = v
    except OSError:
        pass
    return out


def us(ns):
    return ns / 1000.0


def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, int) or nd == 0:
        return "{:,}".format(int(round(v)))
    return ("{:,.%df}" % nd).format(v)


def ratio(a, b, nd=2):
    if a is None or b is None or b == 0:
        return "-"
    return ("%." + str(nd) + "f") % (a / b)


def val(doc, *keys):
    if doc is None:
        return None
    for k in keys:
        doc = doc.get(k) if isinstance(doc, dict) else None
        if doc is None:
            return None
    return doc


def cpu_us(doc):
    if doc is None or not val(doc, "server", "measured"):
        return None
    return val(doc, "server", "cpu_ns_per_op") / 1000.0


def other_cpus(doc):
    """CPUs used on average by processes other than the server and zk-bench
    during the measured window (other work on a shared machine)."""
    if doc is None or not doc.get("machine_busy_ns") or not doc["elapsed_us"]:
        return None
    own = val(doc, "server", "cpu_ns_total") + doc.get("client_cpu_ns_total", 0)
    return max(0, doc["machine_busy_ns"] - own) / (doc["elapsed_us"] * 1000.0)


def switches(doc):
    """Context switches per op over the server's threads."""
    v = val(doc, "server", "ctxsw_per_kop")
    if v is None or not val(doc, "server", "measured"):
        return None
    return v / 1000.0


def sane(doc):
    """A run counts only if it had no errors and lost no connection."""
    return doc is not None and doc["errors"] == 0 and doc["lost_connections"] == 0


def note(doc):
    if doc is None:
        return ""
    bits = []
    if doc["errors"]:
        bits.append("%d errors (first %s)" % (doc["errors"], doc["first_error"]))
    if doc["lost_connections"]:
        bits.append("%d connections lost" % doc["lost_connections"])
    if doc.get("hit_time_limit"):
        bits.append("stopped at the time limit")
    return "; ".join(bits)


def verdict(ok):
    if ok is None:
        return "not measured"
    return "met" if ok else "**not met**"


def main():
    res, out = sys.argv[1], sys.argv[2]
    m = facts(res)
    A = {n: load(res, "apache", n) for n, _ in SPEED + LAT + [("mem", "")]}
    Z = {n: load(res, "zk", n) for n, _ in SPEED + LAT + [("mem", "")]}
    fs = m.get("fsync_us", "").split()
    fsync_p50 = float(fs[0]) if fs else None
    fsync_p99 = float(fs[1]) if len(fs) > 1 else None

    L = []
    L.append("# Performance")
    L.append("")
    L.append("<!-- Written by scripts/bench.sh (make bench) from one run. "
             "Only the Analysis section is kept across runs: edit it there. -->")
    L.append("")
    L.append("One run of `make bench` on %s, commit %s. Both servers ran on the "
             "same machine, one after the other, each driven by `bin/zk-bench`."
             % (m.get("date", "?"), m.get("commit", "?")))
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    L.append("| CPU | %s, %s cores (nproc) |" % (m.get("cpu", "?"), m.get("nproc", "?")))
    L.append("| memory | %s |" % m.get("mem", "?"))
    L.append("| kernel | %s |" % m.get("kernel", "?"))
    L.append("| file system of both data dirs | %s |" % m.get("fs", "?"))
    L.append("| 1 KiB write + fdatasync | p50 %s us, p99 %s us (1000 in a preallocated file) |"
             % (fmt(fsync_p50, 0), fmt(fsync_p99, 0)))
    L.append("| Apache ZooKeeper | 3.8 from the Debian package, standalone, %s, "
             "-Xmx%sm (upstream zkEnv.sh's default heap) and the default collector, "
             "forceSync=yes |" % (m.get("java", "?"), m.get("apache_heap_mb", "?")))
    L.append("| load average (1, 5, 15 min) | %s before the run, %s after |"
             % (m.get("load_before", "?"), m.get("load_after", "?")))
    L.append("| zk | `zk-cluster up -n 1`: the five daemons under runit |")
    L.append("")
    L.append("## What each mode does")
    L.append("")
    L.append("zk-bench opens its connections (each a new session), creates the "
             "keys it needs, runs %s s of unrecorded load, then measures for %s s. "
             "Throughput modes keep %s connections each %s requests deep; "
             "round-trip modes keep one request in flight on one connection. "
             "Latency is from the send() of a request to the read of its reply. "
             "Server CPU is utime+stime from /proc/PID/stat of every server "
             "process (the JVM; or zk-electd, zk-zabd, zk-treed, zk-sessiond, "
             "zk-gw) over the measured window, divided by the replies in it. "
             "RSS is VmRSS (and VmHWM, the peak) summed over the same processes."
             % (m.get("warmup", "?"), m.get("secs", "?"), m.get("conns", "?"),
                m.get("depth", "?")))
    L.append("")
    for n, d in SPEED + LAT:
        L.append("- **%s**: %s." % (n, d))
    L.append("- **mem**: a fresh server, %s znodes of 100 B created by 8 connections "
             "64 deep; RSS right after the last reply." % fmt(int(m.get("znodes", "0") or 0)))
    L.append("")
    L.append("Every reply is checked: FIFO xids, error code, and for getData the "
             "exact bytes written at setup. A run with errors or lost connections "
             "is listed under the tables and does not count as meeting a target.")
    L.append("")
    L.append("To reproduce: `make bench` (settings in the header of scripts/bench.sh), "
             "or one mode by hand with `bin/zk-bench --help`; "
             "`scripts/profile.sh get set create` gives the per-daemon profiles "
             "used in the analysis.")
    L.append("")

    L.append("## Throughput")
    L.append("")
    L.append("| mode | Apache ops/s | zk ops/s | zk/Apache | Apache p50 / p99 / p99.9 ms | "
             "zk p50 / p99 / p99.9 ms | Apache CPU us/op | zk CPU us/op | zk/Apache CPU | "
             "other load, CPUs (Apache / zk) |")
    L.append("|---|---:|---:|---:|---|---|---:|---:|---:|---|")
    notes = []

    def lat3(doc):
        if doc is None:
            return "-"
        l = doc["latency_ns"]
        return "%.2f / %.2f / %.2f" % (l["p50"] / 1e6, l["p99"] / 1e6, l["p999"] / 1e6)

    for n, _ in SPEED:
        a, z = A[n], Z[n]
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |" % (
            n, fmt(val(a, "ops_per_sec"), 0) if a else "failed",
            fmt(val(z, "ops_per_sec"), 0) if z else "failed",
            ratio(val(z, "ops_per_sec"), val(a, "ops_per_sec")),
            lat3(a), lat3(z), fmt(cpu_us(a)), fmt(cpu_us(z)),
            ratio(cpu_us(z), cpu_us(a)), fmt(other_cpus(a), 2), fmt(other_cpus(z), 2)))
        for t, doc in (("Apache", a), ("zk", z)):
            if doc is None:
                notes.append("%s %s: failed: %s" % (t, n, why(res, t.lower(), n)))
            elif note(doc):
                notes.append("%s %s: %s" % (t, n, note(doc)))
    L.append("")
    L.append("\"Other load\" is the machine's busy CPU time (/proc/stat) during the "
             "window minus the server's and zk-bench's own: other processes that "
             "competed for the %s cores, plus kernel work charged to no process "
             "(softirq, some of it loopback networking). bench.sh waits up to %s s "
             "before each run for the machine to fall under 0.25 busy CPUs. "
             "Near 0 means the numbers are clean." % (m.get("nproc", "?"), m.get("quiet_secs", "?")))
    L.append("")

    L.append("## Round trip")
    L.append("")
    L.append("| mode | Apache p50 / p99 / p99.9 / max us | zk p50 / p99 / p99.9 / max us | "
             "zk/Apache p50 | Apache CPU us/op | zk CPU us/op | context switches/op (Apache / zk) | "
             "other load, CPUs (Apache / zk) |")
    L.append("|---|---|---|---:|---:|---:|---|---|")

    def lat4(doc):
        if doc is None:
            return "failed"
        l = doc["latency_ns"]
        return "%.0f / %.0f / %.0f / %.0f" % (us(l["p50"]), us(l["p99"]), us(l["p999"]), us(l["max"]))

    for n, _ in LAT:
        a, z = A[n], Z[n]
        L.append("| %s | %s | %s | %s | %s | %s | %s / %s | %s / %s |" % (
            n, lat4(a), lat4(z), ratio(val(z, "latency_ns", "p50"), val(a, "latency_ns", "p50")),
            fmt(cpu_us(a)), fmt(cpu_us(z)), fmt(switches(a)), fmt(switches(z)),
            fmt(other_cpus(a), 2), fmt(other_cpus(z), 2)))
        for t, doc in (("Apache", a), ("zk", z)):
            if doc is None:
                notes.append("%s %s: failed: %s" % (t, n, why(res, t.lower(), n)))
            elif note(doc):
                notes.append("%s %s: %s" % (t, n, note(doc)))
    L.append("")

    L.append("## Memory")
    L.append("")
    settle = m.get("settle_secs", "?")
    L.append("| server | znodes created | load rate ops/s | RSS right after MiB | peak RSS MiB | "
             "RSS after %s s idle MiB | PSS after %s s idle MiB | anonymous MiB | zk/Apache RSS |"
             % (settle, settle))
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rss = {}
    for t, doc in (("Apache", A["mem"]), ("zk", Z["mem"])):
        if doc is None:
            L.append("| %s | failed | | | | | | | |" % t)
            notes.append("%s mem: failed: %s" % (t, why(res, t.lower(), "mem")))
            continue
        measured = val(doc, "server", "measured")
        r0 = val(doc, "server", "rss_kib") / MIB if measured else None
        p = val(doc, "server", "peak_rss_kib") / MIB if measured else None
        st = val(doc, "server", "settled")
        idle = st is not None and st.get("measured")
        r1 = st["rss_kib"] / MIB if idle else None
        pss = st["pss_kib"] / MIB if idle and st["pss_kib"] else None
        anon = st["anon_kib"] / MIB if idle else None
        # The target is judged on the idle sample when there is one: the
        # memory the node keeps holding once loaded.
        judged = r1 if r1 is not None else r0
        rss[t] = (judged, pss, doc["ops"])
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            t, fmt(doc["ops"], 0), fmt(doc["ops_per_sec"], 0), fmt(r0), fmt(p),
            fmt(r1), fmt(pss), fmt(anon),
            ratio(judged, rss.get("Apache", (None,))[0]) if t == "zk" else ""))
        if note(doc):
            notes.append("%s mem: %s" % (t, note(doc)))
    L.append("")
    L.append("RSS is VmRSS summed over the server's processes, as the target is "
             "stated. A page mapped by several of them (zk's daemons share the "
             "tree's LMDB map, read-only in all but zk-treed) counts once per "
             "process there; PSS (smaps_rollup) splits such pages among the "
             "processes, so its sum counts each page once. Anonymous is RssAnon: "
             "heap and stacks, which the kernel cannot drop; file-backed pages "
             "(the LMDB map) are page cache it can reclaim.")
    L.append("")
    if notes:
        L.append("Notes on the runs:")
        L.append("")
        for n in notes:
            L.append("- %s" % n)
        L.append("")

    # ---- targets ----
    L.append("## Targets (issue 3) on this run")
    L.append("")
    L.append("Ratios are against Apache measured in the same run; the issue's own "
             "Apache figures are given for reference.")
    L.append("")
    L.append("| target | goal | measured | |")
    L.append("|---|---|---|---|")
    summary = []

    def target(name, goal, measured, ok):
        L.append("| %s | %s | %s | %s |" % (name, goal, measured, verdict(ok)))
        summary.append((name, verdict(ok).replace("*", "")))

    for n, ref in (("get", REF["get cpu us"]), ("set", REF["set cpu us"]),
                   ("create", REF["create cpu us"])):
        a, z = cpu_us(A[n]), cpu_us(Z[n])
        ok = None
        if a is not None and z is not None and sane(Z[n]):
            ok = z <= a / 3.0
        target("server CPU per op, %s" % n,
               "<= 1/3 of Apache (issue: %d us, so <= %.1f)" % (ref, ref / 3.0),
               "zk %s us, Apache %s us" % (fmt(z), fmt(a)), ok)
    for n, k in (("get", 3.0), ("set", 2.0)):
        a, z = val(A[n], "ops_per_sec"), val(Z[n], "ops_per_sec")
        ok = None
        if a and z is not None and sane(Z[n]):
            ok = z >= k * a
        target("throughput, %s" % n, ">= %gx Apache (issue: %s ops/s)" % (k, fmt(REF[n + " ops/s"], 0)),
               "zk %s, Apache %s (%sx)" % (fmt(z, 0), fmt(a, 0), ratio(z, a)), ok)
    z = val(Z["lat-get"], "latency_ns", "p50")
    target("round trip p50, get", "<= 100 us (issue's Apache: 189 us)",
           "zk %s us, Apache %s us" % (fmt(us(z) if z is not None else None, 0),
                                       fmt(us(val(A["lat-get"], "latency_ns", "p50") or 0), 0)),
           None if z is None or not sane(Z["lat-get"]) else us(z) <= 100)
    z = val(Z["lat-set"], "latency_ns", "p50")
    goal = "<= one fdatasync + 50 us"
    if fsync_p50 is not None:
        goal += " = %.0f us" % (fsync_p50 + 50)
    target("round trip p50, set", goal + " (issue's Apache: 405 us)",
           "zk %s us, Apache %s us" % (fmt(us(z) if z is not None else None, 0),
                                       fmt(us(val(A["lat-set"], "latency_ns", "p50") or 0), 0)),
           None if z is None or fsync_p50 is None or not sane(Z["lat-set"])
           else us(z) <= fsync_p50 + 50)
    zr = rss.get("zk", (None, None, 0))
    full = zr[2] >= int(m.get("znodes", "0") or 0) > 0
    target("RSS after %s znodes of 100 B" % fmt(int(m.get("znodes", "0") or 0)),
           "<= 240 MiB (issue's Apache: 945 MiB)",
           "zk %s MiB (PSS %s MiB), Apache %s MiB, after %s s idle" % (
               fmt(zr[0]), fmt(zr[1]), fmt(rss.get("Apache", (None,))[0]),
               m.get("settle_secs", "?")),
           None if zr[0] is None or not full or not sane(Z["mem"]) else zr[0] <= 240)
    L.append("")

    # ---- analysis, kept ----
    kept = None
    try:
        with open(out) as f:
            old = f.read()
        i, j = old.find(BEGIN), old.find(END)
        if 0 <= i < j:
            kept = old[i + len(BEGIN):j].strip("\n")
    except OSError:
        pass
    L.append("## Analysis")
    L.append("")
    L.append(BEGIN)
    L.append(kept if kept is not None else
             "No analysis has been written for these numbers yet.")
    L.append(END)
    L.append("")

    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(L))
    os.replace(tmp, out)

    # ---- stdout ----
    print()
    print("%-8s %12s %12s %7s %10s %10s %7s" % ("mode", "Apache", "zk", "zk/Ap",
                                             "Ap us/op", "zk us/op", "zk/Ap"))
    for n, _ in SPEED:
        a, z = A[n], Z[n]
        print("%-8s %12s %12s %7s %10s %10s %7s" % (
            n, fmt(val(a, "ops_per_sec"), 0) + "/s" if a else "failed",
            fmt(val(z, "ops_per_sec"), 0) + "/s" if z else "failed",
            ratio(val(z, "ops_per_sec"), val(a, "ops_per_sec")),
            fmt(cpu_us(a)), fmt(cpu_us(z)), ratio(cpu_us(z), cpu_us(a))))
    for n, _ in LAT:
        a, z = A[n], Z[n]
        pa, pz = val(a, "latency_ns", "p50"), val(z, "latency_ns", "p50")
        print("%-8s %12s %12s %7s   (p50 round trip)" % (
            n, fmt(us(pa), 0) + " us" if pa is not None else "failed",
            fmt(us(pz), 0) + " us" if pz is not None else "failed", ratio(pz, pa)))
    ra, rz = rss.get("Apache", (None,))[0], rss.get("zk", (None,))[0]
    print("%-8s %12s %12s %7s   (RSS after %s znodes)" % (
        "mem", fmt(ra) + " MiB" if ra is not None else "failed",
        fmt(rz) + " MiB" if rz is not None else "failed", ratio(rz, ra), m.get("znodes", "?")))
    print()
    for name, v in summary:
        print("target %-40s %s" % (name, v))
    for n in notes:
        print("note: %s" % n)
    print("wrote %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
