#!/usr/bin/python3
"""perf_summary.py < `perf script` output (samples recorded with -g): per
process name, the share of samples by system call (the first sys_* frame of
the kernel call chain), other kernel work, or the user-space library the
sample landed in; then the top user-space functions. Used by
scripts/profile.sh."""
import collections
import re
import sys

SYSCALL = re.compile(r"_*(?:x64_|do_)?sys_(\w+)")
IRQ = re.compile(r"handle_softirqs|do_softirq|irq_exit|sysvec_|asm_common_interrupt")
FRAME = re.compile(r"\s*[0-9a-f]+\s+(.*?)(?:\+0x[0-9a-f]+)?\s+\((.*)\)$")


def category(frames):
    """frames: [(symbol, dso)], leaf first."""
    sym, dso = frames[0] if frames else ("?", "?")
    if dso.startswith("[kernel"):
        for s, _ in frames:
            m = SYSCALL.match(s)
            if m:
                return "sys:" + m.group(1), None
        if any(IRQ.search(s) for s, _ in frames):
            return "kernel:irq/softirq", None
        if any("schedule" in s for s, _ in frames):
            return "kernel:schedule", None
        return "kernel:" + sym, None
    lib = dso.rsplit("/", 1)[-1]
    return "user:" + lib, lib + " " + sym


def main():
    cats = collections.defaultdict(collections.Counter)
    funcs = collections.defaultdict(collections.Counter)
    total = collections.Counter()
    comm, frames = None, []

    def flush():
        if comm is None:
            return
        total[comm] += 1
        cat, fn = category(frames)
        cats[comm][cat] += 1
        if fn:
            funcs[comm][fn] += 1

    for line in sys.stdin:
        if not line.strip():
            flush()
            comm, frames = None, []
        elif not line[0].isspace():
            flush()
            comm, frames = line.split()[0], []
        else:
            m = FRAME.match(line.rstrip("\n"))
            if m:
                frames.append((m.group(1), m.group(2)))
    flush()
    alls = sum(total.values()) or 1
    for c, n in total.most_common():
        print("-- %s: %.1f%% of the samples" % (c, 100.0 * n / alls))
        for cat, k in cats[c].most_common(10):
            print("   %5.1f%%  %s" % (100.0 * k / n, cat))
        top = funcs[c].most_common(8)
        if top:
            print("   top user-space functions:")
            for f, k in top:
                print("   %5.1f%%  %s" % (100.0 * k / n, f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
