#!/usr/bin/env python3
"""Benchmark suite of aot-translate (`make bench`; not part of `make test`).

For each program in benches/ (C, one C++):
  - builds it natively (gcc -O2, default target and -march=x86-64-v3) and for aarch64
    (aarch64-linux-gnu-gcc -O2 -static); every build gets -ffp-contract=off so that FP checksums
    are bit-identical across the four versions (aarch64 gcc fuses a*b+c by default, x86-64 gcc
    does not on the default target);
  - translates the aarch64 build with the project's translator (default options) under
    /usr/bin/time -v: translation time and peak memory (with the project cache: library functions
    are usually cached, the program's own are compiled);
  - checks that native, native-v3, translated and qemu-aarch64 print the same checksum;
  - times native, native-v3 and translated in interleaved rounds: RUNS hyperfine calls of one run
    per program, the order rotated each round, after one warm-up round; medians of wall time,
    means of user+system time. The machine's slow phases (shared 2-core VM) then hit the three
    programs alike instead of whichever hyperfine was timing at the time. qemu-aarch64 gets a
    hyperfine run of its own (fewer runs);
  - counts instructions with valgrind callgrind on a reduced input (argv[1] = percent of the full
    work) for the native build and, when valgrind can run it, the translated build;
  - translates Debian's stripped busybox-static:arm64 (downloaded once, as `make busybox` does)
    at the default level with an empty function cache (cold) and then again with that cache
    (warm): wall time, user+system CPU and peak memory of each (NO_BUSYBOX=1 skips it);
  - prints the table and writes docs/performance.md.

Environment: BENCH=name1,name2 (subset), QUICK=1 (one run each, no warm-up), RUNS (default 5),
QEMU_RUNS (default 2), REDUCED (percent for callgrind, default 5), NO_CALLGRIND=1,
NO_BUSYBOX=1, NO_DOC=1 (do not write docs/performance.md). Only python3's standard library is used.
"""
import json
import math
import os
import platform
import re
import resource
import shlex
import shutil
import subprocess
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHES = os.path.join(ROOT, "benches")
OUT = os.path.join(ROOT, "build", "bench")
TRANSLATOR = os.environ.get("AOT_TRANSLATOR", os.path.join(ROOT, "target", "release", "aot-translate"))
QEMU = ["qemu-aarch64", "-cpu", "max,sve=off"]
FLAGS = ["-O2", "-ffp-contract=off"]
QUICK = os.environ.get("QUICK") == "1"
RUNS = 1 if QUICK else int(os.environ.get("RUNS", "5"))
QEMU_RUNS = 1 if QUICK else int(os.environ.get("QEMU_RUNS", "2"))
REDUCED = os.environ.get("REDUCED", "5")
NO_CALLGRIND = os.environ.get("NO_CALLGRIND") == "1"
NO_BUSYBOX = os.environ.get("NO_BUSYBOX") == "1"
# valgrind keeps client memory below 128 GiB: the translated program's guest range must end there
VG_GUEST_TOP = "0x1000000000"

resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
os.environ.setdefault("AOT_CACHE_DIR", os.path.join(ROOT, "build", "cache", "aot"))
os.environ["AOT_XLAT_CACHE"] = ""  # no executable cache: every translation really translates


def log(msg=""):
    print(msg, flush=True)


def run(cmd, timeout=900, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, **kw)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def loadavg():
    return "%.2f %.2f %.2f" % os.getloadavg()


def bench_names():
    names = sorted(os.path.splitext(f)[0] for f in os.listdir(BENCHES) if f.endswith((".c", ".cpp")))
    sel = os.environ.get("BENCH", "")
    if sel:
        want = [s.strip() for s in sel.split(",") if s.strip()]
        bad = [w for w in want if w not in names]
        if bad:
            sys.exit("bench: unknown benchmark(s): %s (have: %s)" % (", ".join(bad), ", ".join(names)))
        names = [n for n in names if n in want]
    return names


def source_of(name):
    for ext in (".c", ".cpp"):
        p = os.path.join(BENCHES, name + ext)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(name)


def build(name):
    """Returns dict variant -> path, or raises RuntimeError."""
    src = source_of(name)
    cxx = src.endswith(".cpp")
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    host_cc = "g++" if cxx else "gcc"
    guest_cc = "aarch64-linux-gnu-g++" if cxx else "aarch64-linux-gnu-gcc"
    variants = {
        "native": [host_cc] + FLAGS,
        "native-v3": [host_cc] + FLAGS + ["-march=x86-64-v3"],
        # linked at 256 MiB instead of 0x400000: valgrind loads the translated program (a static
        # PIE) at 0x108000, over a guest at 0x400000, so the same translation could not be counted
        "guest": [guest_cc] + FLAGS + ["-static", "-Wl,-Ttext-segment=0x10000000"],
    }
    paths = {}
    for v, cmd in variants.items():
        out = os.path.join(d, v)
        st, o, e = run(cmd + ["-I", BENCHES, "-o", out, src, "-lm"])
        if st != 0:
            raise RuntimeError("build %s (%s) failed:\n%s" % (name, v, e[-2000:]))
        paths[v] = out
    return paths


def timed_translate(guest, out, extra=()):
    """Translate under /usr/bin/time -v; returns (wall s, user+system CPU s, peak MiB)."""
    st, o, e = run(["/usr/bin/time", "-v", TRANSLATOR] + list(extra) + [guest, "-o", out], timeout=3600)
    if st != 0:
        raise RuntimeError("translation of %s failed:\n%s" % (guest, e[-3000:]))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", e).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    cpu = sum(float(re.search(r"%s time \(seconds\): ([0-9.]+)" % k, e).group(1)) for k in ("User", "System"))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", e).group(1))
    return secs, cpu, rss / 1024.0


def busybox_translation():
    """Cold and warm translation of stripped busybox: [(label, wall, cpu, MiB)], or an error text."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import aottest
    guest, err = aottest.ensure_busybox()
    if not guest:
        return "busybox-static:arm64 not available: " + err.splitlines()[0] if err else "?"
    rows = []
    with tempfile.TemporaryDirectory(prefix="aot-bench-bb-") as tmp:
        cache = os.path.join(tmp, "cache")
        for label in ("cold", "warm"):
            wall, cpu, mib = timed_translate(guest, os.path.join(tmp, "busybox"), ["--cache-dir", cache])
            rows.append((label, wall, cpu, mib))
            log("  busybox %-4s translate %.1f s wall, %.1f CPU-s, %.0f MiB" % (label, wall, cpu, mib))
    return rows


def translate(guest, out):
    """Translate; returns (seconds, peak MiB)."""
    secs, _, mib = timed_translate(guest, out)
    return secs, mib


def output_of(cmd, arg):
    st, o, e = run(cmd + [arg], timeout=1800)
    if st != 0:
        raise RuntimeError("%s %s exited %d:\n%s" % (" ".join(cmd), arg, st, e[-1000:]))
    return o


def hyperfine(cmds, runs, warmup, tag):
    js = os.path.join(OUT, "hyperfine-%s.json" % tag)
    args = ["hyperfine", "-N", "--style", "basic", "--runs", str(runs), "--warmup", str(warmup),
            "--export-json", js] + [shlex.join(c) for c in cmds]
    st, o, e = run(args, timeout=7200)
    if st != 0:
        raise RuntimeError("hyperfine failed:\n%s\n%s" % (o[-2000:], e[-2000:]))
    with open(js) as f:
        res = json.load(f)["results"]
    return [(r["median"], r["user"] + r["system"]) for r in res]


def interleaved(cmds, rounds, warmup, tag):
    """Time `cmds` in `rounds` rounds of one hyperfine run each, the order rotated every round (a
    round of warm-ups first unless `warmup` is 0). Returns [(median wall, mean user+system)] in
    the order of `cmds`."""
    if warmup:
        hyperfine(cmds, 1, 0, tag + "-warmup")
    walls = [[] for _ in cmds]
    cpus = [[] for _ in cmds]
    for r in range(rounds):
        order = [(i + r) % len(cmds) for i in range(len(cmds))]
        res = hyperfine([cmds[i] for i in order], 1, 0, tag)
        for i, (wall, cpu) in zip(order, res):
            walls[i].append(wall)
            cpus[i].append(cpu)
    return [(statistics.median(w), statistics.mean(c)) for w, c in zip(walls, cpus)]


def callgrind(cmd, arg, env=None):
    """Instructions executed (callgrind Ir) or None if valgrind cannot run it. The profile is kept
    in build/bench/NAME/callgrind.* for callgrind_annotate."""
    out = os.path.join(os.path.dirname(cmd[0]), "callgrind.%s" % os.path.basename(cmd[0]))
    if True:
        st, o, e = run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
                       + cmd + [arg], timeout=3600, env=dict(os.environ, **(env or {})))
        m = re.search(r"Collected : (\d+)", e)
        if st != 0 or not m:
            lines = [l for l in e.splitlines() if not l.startswith("==")] or e.strip().splitlines() or ["?"]
            return None, lines
        return int(m.group(1)), o


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def fmt(x, spec):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def main():
    if not os.path.exists(TRANSLATOR):
        sys.exit("bench: translator missing: %s (run `make build`)" % TRANSLATOR)
    for tool in ("hyperfine", "valgrind", "qemu-aarch64", "aarch64-linux-gnu-gcc", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit("bench: %s not found (run `make setup`)" % tool)
    names = bench_names()
    os.makedirs(OUT, exist_ok=True)
    load0 = loadavg()
    t_start = time.time()
    log("bench: %d benchmarks, %d runs (qemu %d), callgrind at %s%%, load average %s"
        % (len(names), RUNS, QEMU_RUNS, REDUCED, load0))
    rows, failures = [], []
    for name in names:
        try:
            p = build(name)
            xl = os.path.join(OUT, name, "translated")
            xsecs, xmib = translate(p["guest"], xl)
            outs = {
                "native": output_of([p["native"]], "100"),
                "native-v3": output_of([p["native-v3"]], "100"),
                "translated": output_of([xl], "100"),
            }
            # qemu's checksum is checked on the reduced input (a full qemu run is timed below anyway)
            red = {"native": output_of([p["native"]], REDUCED), "qemu": output_of(QEMU + [p["guest"]], REDUCED),
                   "translated": output_of([xl], REDUCED)}
            bad = [k for k in ("native-v3", "translated") if outs[k] != outs["native"]]
            bad += ["%s@%s%%" % (k, REDUCED) for k in ("qemu", "translated") if red[k] != red["native"]]
            if bad:
                raise RuntimeError("checksum mismatch (%s): native %r vs %s" % (
                    ", ".join(bad), outs["native"].strip(),
                    "; ".join("%s %r" % (k, (outs.get(k) or red.get(k.split("@")[0]) or "").strip()) for k in bad)))
            checksum = outs["native"].strip()
            (tn, un), (tv, uv), (tx, ux) = interleaved([[p["native"]], [p["native-v3"]], [xl]], RUNS,
                                                       0 if QUICK else 1, name)
            ((tq, uq),) = hyperfine([QEMU + [p["guest"]]], QEMU_RUNS, 0, name + "-qemu")
            irn = irx = None
            if not NO_CALLGRIND:
                irn, _ = callgrind([p["native"]], REDUCED)
                irx, note = callgrind([xl], REDUCED, {"AOT_GUEST_TOP": VG_GUEST_TOP})
                if irx is None:
                    log("  %s: callgrind cannot run the translated program: %s" % (name, note[-1][:150]))
            row = dict(name=name, native=tn, v3=tv, xl=tx, qemu=tq, un=un, ux=ux, uq=uq,
                       irn=irn, irx=irx, xsecs=xsecs, xmib=xmib, checksum=checksum)
            rows.append(row)
            log("  %-11s native %6.3fs  v3 %6.3fs  translated %6.3fs  qemu %7.3fs  xl/native %5.2f  "
                "qemu/xl %5.2f  Ir %s/%s  translate %.1fs %.0f MiB  [%s]"
                % (name, tn, tv, tx, tq, tx / tn, tq / tx, fmt(irn, ","), fmt(irx, ","), xsecs, xmib, checksum))
        except (RuntimeError, subprocess.TimeoutExpired) as ex:
            failures.append((name, str(ex)))
            log("  %-11s FAILED: %s" % (name, str(ex).splitlines()[0]))
            for line in str(ex).splitlines()[1:12]:
                log("      " + line)
    bb = None
    if not NO_BUSYBOX and not os.environ.get("BENCH"):
        log("busybox: translating the stripped busybox-static:arm64, cold then warm function cache")
        try:
            bb = busybox_translation()
        except (RuntimeError, subprocess.TimeoutExpired) as ex:
            bb = str(ex).splitlines()[0]
        if isinstance(bb, str):
            failures.append(("busybox translation", bb))
    load1 = loadavg()
    table = render(rows)
    if isinstance(bb, list):
        table += "\n\n" + render_busybox(bb)
    log("")
    log(table)
    if failures:
        log("failed: " + ", ".join(n for n, _ in failures))
    log("load average: %s at start, %s at end; %.0f s" % (load0, load1, time.time() - t_start))
    if os.environ.get("NO_DOC") != "1" and not os.environ.get("BENCH"):
        write_doc(table, rows, failures, load0, load1)
    return 1 if failures else 0


def render(rows):
    head = ("| benchmark | native s | native-v3 s | translated s | qemu s | xl/native | xl/v3 | qemu/xl "
            "| xl/native CPU | qemu/xl CPU | Ir native | Ir translated | Ir xl/native | translate s | translate MiB |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        irr = r["irx"] / r["irn"] if r["irx"] and r["irn"] else None
        lines.append("| %s | %.3f | %.3f | %.3f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %.1f | %.0f |" % (
            r["name"], r["native"], r["v3"], r["xl"], r["qemu"], r["xl"] / r["native"], r["xl"] / r["v3"],
            r["qemu"] / r["xl"], r["ux"] / r["un"], r["uq"] / r["ux"], fmt(r["irn"], ","), fmt(r["irx"], ","), fmt(irr, ".2f"),
            r["xsecs"], r["xmib"]))
    if rows:
        def g(f):
            return geomean([f(r) for r in rows])
        irs = [r["irx"] / r["irn"] for r in rows if r["irx"] and r["irn"]]
        lines.append("| **geomean** | | | | | **%.2f** | %.2f | **%.2f** | %.2f | %.2f | | | %s | | |" % (
            g(lambda r: r["xl"] / r["native"]), g(lambda r: r["xl"] / r["v3"]),
            g(lambda r: r["qemu"] / r["xl"]), g(lambda r: r["ux"] / r["un"]), g(lambda r: r["uq"] / r["ux"]),
            fmt(geomean(irs), ".2f") if irs else "-"))
    return "\n".join(lines)


def render_busybox(bb):
    lines = ["Translation of Debian's stripped busybox-static:arm64 (`aot-translate --cache-dir EMPTY busybox`, "
             "default level, then the same command again; %d CPUs):" % (os.cpu_count() or 0), "",
             "| busybox | wall s | CPU s (user+system) | peak MiB |", "|---|---|---|---|"]
    for label, wall, cpu, mib in bb:
        lines.append("| %s cache | %.1f | %.1f | %.0f |" % (label, wall, cpu, mib))
    return "\n".join(lines)


def write_doc(table, rows, failures, load0, load1):
    path = os.path.join(ROOT, "docs", "performance.md")
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "?"
    rev = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])[1].strip()
    dirty = run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"])[1].strip()
    env = " ".join("%s=%s" % (k, os.environ[k]) for k in ("RUNS", "QEMU_RUNS", "REDUCED", "QUICK")
                   if k in os.environ)
    cmd = ("%s make bench" % env).strip()
    results = [
        "## Latest results",
        "",
        "Produced by `%s` (`python3 scripts/bench.py`) at %s UTC, commit %s%s." % (
            cmd, time.strftime("%Y-%m-%d %H:%M", time.gmtime()), rev, " (with uncommitted changes)" if dirty else ""),
        "Machine: %s, %d CPUs, %s; load average %s at start, %s at end (shared machine)." % (
            cpu, os.cpu_count() or 0, platform.release(), load0, load1),
        "Times are medians of wall time over %d interleaved rounds of hyperfine runs (native, native-v3 and translated in rotating order; qemu %d runs); `CPU` columns are ratios of mean "
        "user+system time, less sensitive to other load; Ir are callgrind instruction counts with argv[1]=%s (%s%% of the work)."
        % (RUNS, QEMU_RUNS, REDUCED, REDUCED),
        "",
        table,
        "",
    ]
    if failures:
        results += ["Failed: " + ", ".join("%s (%s)" % (n, e.splitlines()[0][:120]) for n, e in failures), ""]
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    block = begin + "\n" + "\n".join(results) + end
    text = open(path).read() if os.path.exists(path) else ""
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = "# Performance\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)
    log("wrote %s" % os.path.relpath(path, ROOT))


if __name__ == "__main__":
    sys.exit(main())
