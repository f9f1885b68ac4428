#!/usr/bin/python3
"""perf_summary.py < `perf script` output (samples recorded with -g): per
process name, the share of samples by system call (the first sys_* frame of
the kernel call chain), other kernel work, or the user-space library the
sample landed in; then the top user-space functions. Used by
scripts/profile.sh."""
import collections
import re
import sys

# The daemon loop's frames are on every stack: not worth listing.
SKELETON = {"main", "daemon_run", "loop_run", "loop_once", "_start", "[unknown]",
            "__libc_start_main_impl", "__libc_start_call_main", "start_thread", "clone"}
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
    # Inclusive: samples with the function anywhere on the stack, for the
    # process's own functions (meaningful with DWARF unwinding).
    incl = collections.defaultdict(collections.Counter)
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
        own = set(sym for sym, dso in frames
                  if dso.rsplit("/", 1)[-1] == comm and sym not in SKELETON)
        for sym in own:
            incl[comm][sym] += 1

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
                # An inlined frame is listed before the function it was
                # inlined into: it belongs to that function's object.
                if m.group(2) != "inlined":
                    k = len(frames) - 2
                    while k >= 0 and frames[k][1] == "inlined":
                        frames[k] = (frames[k][0], m.group(2))
                        k -= 1
    flush()
    alls = sum(total.values()) or 1
    for c, n in total.most_common():
        print("-- %s: %.1f%% of the samples" % (c, 100.0 * n / alls))
        for cat, k in cats[c].most_common(10):
            print("   %5.1f%%  %s" % (100.0 * k / n, cat))
        top = funcs[c].most_common(8)
        if top:
            print("   top user-space functions (self):")
            for f, k in top:
                print("   %5.1f%%  %s" % (100.0 * k / n, f))
        top = incl[c].most_common(12)
        if top:
            print("   %s functions (inclusive):" % c)
            for f, k in top:
                print("   %5.1f%%  %s" % (100.0 * k / n, f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
