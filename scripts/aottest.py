#!/usr/bin/env python3
"""Test harness of aot-translate: differential tests against qemu-aarch64.

Subcommands (see `aottest.py -h`):
  diff PROG [ARGS...]   one guest binary: qemu vs translated (stdout, stderr, exit status)
  programs              tests/programs/* at -O0, -O2, -O3
  torture [--full]      gcc.c-torture/execute at -O0/-O2/-O3 (50 tests each, or all)
  corpora [--full] [--only CONFIGS] [--csmith N]
                        corpus configurations (c-torture with gcc -O0/-O2/-O3, gcc -O2
                        -march=armv8.2-a+lse+crypto, clang-19 -O2; gcc.dg/torture -O2; csmith):
                        50 tests each, or all (csmith: 1,000) with a table in build/reports/
  csmith                20 csmith programs (seeds 1, 2, ...; one that times out under qemu is replaced)
  cache                 translator per-function cache check
  cli                   CLI bad-input check
  run [--only P]        `aot-translate run` (JIT-only, no translation): programs, c-torture -O2, exec
  busybox               Debian's busybox-static:arm64 (stripped) running tests/busybox/script.sh
  stripped              programs -O2 and c-torture -O2 (50) translated from stripped binaries
  suite                 every phase of `make test`, with a phase table
  demo                  examples/*.c: build, translate, run, compare with qemu

Only python3's standard library is used.
"""
import argparse
import concurrent.futures as cf
import difflib
import hashlib
import fnmatch
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
CACHE = os.path.join(BUILD, "cache")
REPORTS = os.path.join(BUILD, "reports")
WORK = os.path.join(BUILD, "work")
TRANSLATOR = os.environ.get("AOT_TRANSLATOR", os.path.join(ROOT, "target", "release", "aot-translate"))
RUNTIME_LIB = os.path.join(ROOT, "target", "release", "libaot_runtime.a")
TORTURE_TAR = "/usr/src/gcc-12/gcc-12.2.0-dfsg.tar.xz"
TORTURE_DIR = os.path.join(CACHE, "torture")
TORTURE_MEMBER = "gcc-12.2.0/gcc/testsuite/gcc.c-torture/execute"
QEMU = ["qemu-aarch64", "-cpu", "max,sve=off"]
CC = "aarch64-linux-gnu-gcc"
CXX = "aarch64-linux-gnu-g++"
RUN_TIMEOUT = float(os.environ.get("AOT_TEST_TIMEOUT", "20"))
XLAT_TIMEOUT = float(os.environ.get("AOT_XLAT_TIMEOUT", "600"))
XLAT_FLAGS = os.environ.get("AOT_XLAT_FLAGS", "").split()
JOBS = int(os.environ.get("AOT_TEST_JOBS", str(os.cpu_count() or 2)))
QEMU_ONLY = os.environ.get("AOT_TEST_QEMU_ONLY") == "1"  # validate the oracle side only
# Stripped mode: every differential test translates the `aarch64-linux-gnu-strip`ped copy of its
# guest (qemu runs the original); recovery then works without symbols (`make stripped`).
STRIP = os.environ.get("AOT_TEST_STRIP") == "1"
# programs: also run each translated program with AOT_JIT_ONLY_ABOVE=0 (everything JIT-compiled)
JIT_VARIANT = False
# Multiplies the translated runs' time limits (the Cranelift tier's slower code, phase_tier).
RUN_TIMEOUT_SCALE = 1.0
# differential: run the guest with `aot-translate run` (JIT-only, no translation) instead of
# translating it (phase_run)
RUN_MODE = False
QEMU_SIGNAL_RE = re.compile(r"^qemu: uncaught target signal .*\n?", re.M)

# The environment of every guest run (qemu and translated): small and fixed.
RUN_ENV = {
    "PATH": "/usr/bin:/bin",
    "LC_ALL": "C",
    "HOME": "/nonexistent",
    "AOT_TEST_VAR1": "hello",
    "AOT_TEST_VAR2": "a=b c",
    "TZ": "UTC",
}

os.environ["AOT_CACHE_DIR"] = os.environ.get("AOT_CACHE_DIR_OVERRIDE", os.path.join(CACHE, "aot"))
# The executable cache (translations by the guest file's SHA-256, where a translated program's
# runtime finds the AArch64 programs it execs). The translator runs with it disabled here (the
# corpora make thousands of 12 MB translations); program_case puts the programs' translations in
# it (ensure_exe_cache), and phase_cache checks that aot-translate fills it by itself.
EXE_CACHE = os.path.join(CACHE, "exe")
os.environ["AOT_XLAT_CACHE"] = ""
RUN_ENV["AOT_XLAT_CACHE"] = EXE_CACHE

_isatty = sys.stdout.isatty()

# Where the time goes (printed per phase by `suite`, per test in build/reports/times-PHASE.txt):
# sums over the parallel jobs of guest builds, qemu runs, translations (with the translator's
# function-cache hits and misses, from its -v summary) and translated runs. _tl carries one test's
# numbers from build_guest/_translate to differential (both run in the test's worker thread).
STATS_LOCK = threading.Lock()
STATS = {}
TEST_TIMES = []
_tl = threading.local()
CACHE_LINE_RE = re.compile(r"(?m)^cache:\s*(\d+)\s+hits?,\s*(\d+)\s+miss")


def stat_add(**kw):
    with STATS_LOCK:
        for k, v in kw.items():
            STATS[k] = STATS.get(k, 0) + v


def stats_line(before):
    d = {k: v - before.get(k, 0) for k, v in STATS.items()}
    g = lambda k: d.get(k, 0)
    lookups = g("hits") + g("misses")
    return ("guest builds %d (%.0fs), qemu runs %d (%.0fs), translations %d (+%d reused, %.0fs; function "
            "cache %d hits, %d misses: %.1f%%), translated runs %d (%.0fs)" % (
                g("builds"), g("build_s"), g("qemus"), g("qemu_s"), g("xlats"), g("xlat_reused"), g("xlat_s"),
                g("hits"), g("misses"), 100.0 * g("hits") / max(1, lookups), g("runs"), g("run_s")))


def write_times(phase):
    """build/reports/times-PHASE.txt: the tests of the phase so far, slowest first."""
    with STATS_LOCK:
        rows, TEST_TIMES[:] = list(TEST_TIMES), []
    rows.sort(key=lambda r: -sum(r[1:5]))
    os.makedirs(REPORTS, exist_ok=True)
    with open(os.path.join(REPORTS, "times-%s.txt" % phase.replace("/", "_")), "w") as f:
        f.write("%-50s %7s %7s %7s %7s %6s %6s\n" % ("test", "build", "qemu", "xlat", "run", "hits", "miss"))
        for r in rows:
            f.write("%-50s %7.1f %7.1f %7.1f %7.1f %6d %6d\n" % r)


def log(msg=""):
    print(msg, flush=True)


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


_file_hash_memo = {}


def sha256_file(path):
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    h = _file_hash_memo.get(key)
    if h is None:
        d = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                d.update(chunk)
        h = d.hexdigest()
        _file_hash_memo[key] = h
    return h


def translator_hash():
    parts = []
    for p in (TRANSLATOR, RUNTIME_LIB):
        parts.append(sha256_file(p) if os.path.exists(p) else "missing")
    return "+".join(parts)


def status_of(rc):
    """Exit status as a shell sees it: 128+N for a death by signal N."""
    return 128 - rc if rc < 0 else rc


# `ulimit -c 0` for every child (qemu writes multi-MB core files otherwise). Set once in this process
# rather than with preexec_fn, which is unsafe with threads.
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(cmd, stdin_path=None, env=None, cwd=None, timeout=RUN_TIMEOUT):
    """Run cmd; returns (status, stdout bytes, stderr bytes, timed_out)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, cwd=cwd, start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
            return status_of(p.returncode), out, err, False
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, err = p.communicate()
            return status_of(p.returncode), out, err, True
    finally:
        if stdin_path:
            stdin.close()


# ---------------------------------------------------------------- guest builds and translations

# clang-19 for aarch64: linked by lld against the cross sysroot (gcc-cross crt files and libgcc).
# clang 16+ makes K&R-era implicit int/declarations errors; c-torture relies on them.
# -z separate-code: lld then starts the code and data segments on page boundaries, so glibc's code
# and data sit at the same page offsets in every program and the lo12 immediates of its ADRP+LDR/ADD
# pairs (plain constants in the lifted IR) do not change with the size of the test's own code:
# without it lld packs the segments and ~25 glibc functions per test missed the function cache.
CLANG = ["clang-19", "--target=aarch64-linux-gnu", "-fuse-ld=lld", "-Wl,-z,separate-code",
         "-Wno-error=implicit-int", "-Wno-error=implicit-function-declaration",
         "-Wno-error=int-conversion", "-Wno-error=incompatible-pointer-types", "-Wno-error=return-type"]
TOOLCHAINS = {"gcc": [CC], "g++": [CXX], "clang": CLANG}


def build_guest(sources, flags, cxx=False, deps=(), toolchain=None):
    """Compile sources (list of paths) with the cross compiler (toolchain: a TOOLCHAINS key; default
    gcc, or g++ with cxx); cached by content hash (of the sources and of deps, e.g. included
    headers). Returns (path or None, error text)."""
    compiler = TOOLCHAINS[toolchain or ("g++" if cxx else "gcc")]
    d = hashlib.sha256()
    # the key of a gcc/g++ build is unchanged from before the toolchain argument (cache reuse)
    d.update(" ".join(compiler).encode() + b"\0" + " ".join(flags).encode() + b"\0")
    for s in list(sources) + list(deps):
        with open(s, "rb") as f:
            d.update(f.read())
        d.update(b"\0")
    key = d.hexdigest()
    outdir = os.path.join(CACHE, "guests", key)
    prog = os.path.join(outdir, "prog")
    if os.path.exists(prog):
        return prog, ""
    os.makedirs(outdir, exist_ok=True)
    tmp = prog + ".tmp%d" % os.getpid() + "_%d" % id(sources)
    cmd = compiler + flags + ["-static", "-o", tmp] + list(sources) + ["-lm"]
    t0 = time.time()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    _tl.build_s = getattr(_tl, "build_s", 0.0) + time.time() - t0
    stat_add(builds=1, build_s=time.time() - t0)
    if r.returncode != 0:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        return None, "compile failed: %s\n%s" % (" ".join(cmd), r.stdout.decode(errors="replace"))
    os.replace(tmp, prog)
    return prog, ""


GO = "go"
# Go guests: static (CGO_ENABLED=0) arm64 binaries from Debian's golang-go. The build cache and
# GOPATH live under build/cache, so a clean checkout builds offline; -trimpath keeps the binary
# (and so its translation's cache key) independent of the checkout's path.
GO_ENV = {"CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": "arm64", "GOENV": "off", "GOPROXY": "off",
          "GOFLAGS": "", "GO111MODULE": "off", "GOCACHE": os.path.join(CACHE, "go", "build"),
          "GOPATH": os.path.join(CACHE, "go", "path")}
_go_version = None


def go_version():
    global _go_version
    if _go_version is None:
        try:
            _go_version = subprocess.run([GO, "version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         env=dict(os.environ, **GO_ENV), timeout=60).stdout.decode().strip()
        except (OSError, subprocess.SubprocessError) as ex:
            _go_version = "missing: %s" % ex
    return _go_version


def build_go_guest(src):
    """`go build` of one Go file for linux/arm64, cached by content hash (of the source and the Go
    version) like build_guest. Returns (path or None, error text)."""
    ver = go_version()
    if ver.startswith("missing"):
        return None, "go not found (`make setup` installs golang-go): %s" % ver
    d = hashlib.sha256()
    d.update(b"go\0" + ver.encode() + b"\0")
    with open(src, "rb") as f:
        d.update(f.read())
    key = d.hexdigest()
    outdir = os.path.join(CACHE, "guests", key)
    prog = os.path.join(outdir, "prog")
    if os.path.exists(prog):
        return prog, ""
    os.makedirs(outdir, exist_ok=True)
    tmp = prog + ".tmp%d" % os.getpid() + "_%d" % threading.get_ident()
    cmd = [GO, "build", "-trimpath", "-o", tmp, src]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600,
                       env=dict(os.environ, **GO_ENV), cwd=os.path.dirname(src))
    if r.returncode != 0:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        return None, "go build failed: %s\n%s" % (" ".join(cmd), r.stdout.decode(errors="replace"))
    os.replace(tmp, prog)
    return prog, ""


def is_x86_64_exec(path):
    try:
        with open(path, "rb") as f:
            hdr = f.read(64)
    except OSError:
        return False
    # ELF64, little endian, ET_EXEC or ET_DYN, EM_X86_64 (62)
    return (len(hdr) >= 20 and hdr[:4] == b"\x7fELF" and hdr[4] == 2 and hdr[5] == 1
            and int.from_bytes(hdr[16:18], "little") in (2, 3)
            and int.from_bytes(hdr[18:20], "little") == 62 and os.access(path, os.X_OK))


_xlat_locks = {}
_xlat_locks_guard = threading.Lock()


_warm_families = set()


def translate(guest, extra_flags=(), family=None):
    """Translate a guest binary; cached by (guest, translator, runtime, flags).
    Returns (path or None, error text). Failures are never cached.
    family (e.g. the toolchain: programs linked with the same libraries): the first translation
    of a family runs alone, so that parallel tests do not all compile the same cold library
    functions at once (each would miss the function cache); the others then hit it."""
    with _xlat_locks_guard:
        lock = _xlat_locks.setdefault((sha256_file(guest), tuple(extra_flags)), threading.Lock())
        flock = _xlat_locks.setdefault(("family", family), threading.Lock()) if family else None
    if flock is not None and family not in _warm_families:
        with flock:
            if family not in _warm_families:
                with lock:
                    r = _translate(guest, extra_flags)
                if r[0]:
                    _warm_families.add(family)
                return r
    with lock:  # identical guests (e.g. -O2 and -O3 builds) are translated once
        return _translate(guest, extra_flags)


def _translate(guest, extra_flags):
    if not os.path.exists(TRANSLATOR):
        return None, "translator missing: %s (run `make build`)" % TRANSLATOR
    flags = list(XLAT_FLAGS) + list(extra_flags)
    key = sha256_bytes((sha256_file(guest) + "|" + translator_hash() + "|" + " ".join(flags)).encode())
    outdir = os.path.join(CACHE, "xlat", key)
    out = os.path.join(outdir, "prog.x86")
    if os.path.exists(out):
        stat_add(xlat_reused=1)
        return out, ""
    os.makedirs(outdir, exist_ok=True)
    tmp = out + ".tmp%d_%d" % (os.getpid(), id(flags))
    # -v: the translator's summary gives its function-cache hits and misses (STATS)
    cmd = [TRANSLATOR] + flags + ["-v", guest, "-o", tmp]
    t0 = time.time()
    try:
        st, o, e, to = run(cmd, timeout=XLAT_TIMEOUT, env=dict(os.environ))
    except OSError as ex:
        return None, "cannot run translator: %s" % ex
    dt = time.time() - t0
    m = CACHE_LINE_RE.search(e.decode(errors="replace"))
    h, miss = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    stat_add(xlats=1, xlat_s=dt, hits=h, misses=miss)
    _tl.xlat = (getattr(_tl, "xlat", (0.0, 0, 0))[0] + dt, h, miss)
    if to:
        return None, "translation timed out after %.0fs\n%s" % (dt, e.decode(errors="replace")[-3000:])
    if st != 0:
        etext = e.decode(errors="replace")
        last = (etext.strip().splitlines() or ["no message"])[-1][:160]
        return None, "translation failed (exit %d): %s\n%s\n%s%s" % (
            st, last, " ".join(cmd), o.decode(errors="replace")[-2000:], etext[-3000:])
    if not os.path.exists(tmp):
        return None, "translator exited 0 but wrote no output file"
    if not is_x86_64_exec(tmp):
        desc = subprocess.run(["file", "-b", tmp], stdout=subprocess.PIPE).stdout.decode().strip()
        return None, "translator output is not an x86-64 ELF executable: %s" % desc
    os.replace(tmp, out)
    return out, ""


# ---------------------------------------------------------------- one differential comparison

def run_qemu(guest, args, stdin_path, cwd):
    st, out, err, to = run(QEMU + [guest] + list(args), stdin_path=stdin_path, env=dict(RUN_ENV), cwd=cwd)
    err = QEMU_SIGNAL_RE.sub("", err.decode(errors="replace")).encode()
    return st, out, err, to


def ensure_exe_cache(guest, xprog):
    """Put the translation of guest into the executable cache (a hard link to the harness's own
    cached translation, else a copy), for programs that exec themselves."""
    dest = os.path.join(EXE_CACHE, sha256_file(guest))
    if os.path.exists(dest):
        return
    os.makedirs(EXE_CACHE, exist_ok=True)
    tmp = dest + ".tmp%d_%d" % (os.getpid(), threading.get_ident())
    try:
        os.link(xprog, tmp)
    except OSError:
        shutil.copy(xprog, tmp)
    os.replace(tmp, dest)


# AOT_TEST_STATS=1: translated runs get AOT_STATS=1; the runtime's stats lines are taken out of
# their stderr (so comparisons are unchanged) and summed over every process of the phase.
RT_STATS = os.environ.get("AOT_TEST_STATS") == "1"
STATS_LINE_RE = re.compile(rb"(?m)^aot-translate stats:[^\n]*\n?")
STATS_NUM_RE = re.compile(r"\d+(?:\.\d+)?")
STATS_SUM = {}  # line shape (numbers replaced by {}) -> [count of lines, per-position sums]
STATS_LOCK = threading.Lock()


def take_stats(err):
    """Remove the AOT_STATS lines from a translated run's stderr and add them to STATS_SUM.
    Tolerant of wording: lines are grouped by their text with the numbers taken out."""
    for l in STATS_LINE_RE.findall(err):
        text = l.decode(errors="replace").strip()
        nums = [float(x) for x in STATS_NUM_RE.findall(text)]
        shape = STATS_NUM_RE.sub("{}", text)
        with STATS_LOCK:
            e = STATS_SUM.setdefault(shape, [0, [0.0] * len(nums)])
            e[0] += 1
            e[1] = [a + b for a, b in zip(e[1], nums)]
    return STATS_LINE_RE.sub(b"", err)


def stats_report(what):
    """Log (and return) the summed AOT_STATS lines collected so far, then reset them."""
    with STATS_LOCK:
        items = list(STATS_SUM.items())
        STATS_SUM.clear()
    lines = []
    for shape, (n, sums) in items:
        vals = [("%.1f" % v if v != int(v) else "%d" % v) for v in sums]
        lines.append("%s: %d processes, summed: %s" % (what, n, shape.format(*vals)))
    for l in lines:
        log(l)
    return lines


def run_native(xprog, args, stdin_path, cwd, extra_env=None, trace_file=None, timeout=RUN_TIMEOUT, forbid=()):
    """Run a translated program with qemu hidden (bind-mounted /dev/null over it in a private
    mount namespace) under strace, which records execve calls (and the `forbid` syscalls) in
    trace_file."""
    env = dict(RUN_ENV)
    if extra_env:
        env.update(extra_env)
    if RT_STATS:
        env["AOT_STATS"] = "1"
        st, out, err, to = _run_native(xprog, args, stdin_path, cwd, env, trace_file, timeout, forbid)
        # (a stats line may reach stdout through 2>&1 in shell scripts)
        return st, take_stats(out), take_stats(err), to
    return _run_native(xprog, args, stdin_path, cwd, env, trace_file, timeout, forbid)


def _run_native(xprog, args, stdin_path, cwd, env, trace_file, timeout, forbid):
    hide = []
    for q in sorted(os.listdir("/usr/bin")):
        if q.startswith("qemu-aarch64"):
            hide.append("/usr/bin/" + q)
    # absolute paths: the guest's PATH (extra_env) need not hold the host tools
    tool = lambda t: shutil.which(t) or t
    script = "".join("%s --bind /dev/null %s && " % (tool("mount"), q) for q in hide) + 'exec "$@"'
    names = sorted({c.split("(")[0] for c in forbid})
    traced = [tool("strace"), "-f", "--seccomp-bpf", "-qq", "-e", "trace=" + ",".join(["execve", "execveat"] + names),
              "-o", trace_file, xprog] + list(args)
    if os.geteuid() == 0:
        cmd = [tool("unshare"), "-m", "--propagation", "private", tool("sh"), "-c", script, "sh"] + traced
    else:  # cannot hide qemu without root; the execve trace still catches any exec of it
        cmd = traced
    return run(cmd, stdin_path=stdin_path, env=env, cwd=cwd, timeout=timeout)


EMULATOR_RE = re.compile(r"^(qemu|box64|fex(loader|interpreter)|valgrind|bochs)", re.I)
EXECVE_RE = re.compile(r'^(\d+\s+)?execve(at)?\((?:[^,]*, )?"((?:[^"\\]|\\.)*)"')


def is_aarch64_elf(path):
    try:
        with open(path, "rb") as f:
            hdr = f.read(20)
    except OSError:
        return False
    return len(hdr) >= 20 and hdr[:4] == b"\x7fELF" and int.from_bytes(hdr[18:20], "little") == 183


def count_execve(trace_file, xprog, cwd=None):
    """Problems with the execs of a translated run (strace -f output). The first must be the
    program itself; after that the guest may exec what it likes (native tools, translations from
    the executable cache, /proc/self/exe), but never an emulator, nor hand an AArch64 ELF to the
    kernel (only an emulator registered in binfmt_misc could run it)."""
    try:
        with open(trace_file, errors="replace") as f:
            lines = [l.strip() for l in f if re.search(r"\bexecve(at)?\(", l) and "resumed>" not in l]
    except OSError:
        return ["(no strace output)"]
    if not lines:
        return ["no execve of the program"]
    if ('execve("%s"' % xprog) not in lines[0]:
        return [lines[0]]
    bad = []
    for l in lines[1:]:
        m = EXECVE_RE.match(l)
        path = m.group(3) if m else ""
        if EMULATOR_RE.search(os.path.basename(path)):
            bad.append(l)
        elif path and not re.search(r"= -1 E", l) and is_aarch64_elf(os.path.join(cwd or ".", path)):
            bad.append(l)  # ran (or may have run): the kernel had an emulator for it
    return bad


def count_syscalls(trace_file, calls):
    """How many host syscalls the trace shows for each of `calls`: strace call prefixes such as
    `clock_gettime(CLOCK_MONOTONIC,` or a bare syscall name."""
    try:
        with open(trace_file, errors="replace") as f:
            text = f.read()
    except OSError:
        return {}
    return {c: len(re.findall(r"(?m)^(?:\d+\s+)?%s" % re.escape(c if "(" in c else c + "("), text)) for c in calls}


def short_diff(name, a, b, n=12):
    al = a.decode(errors="replace").splitlines()
    bl = b.decode(errors="replace").splitlines()
    d = list(difflib.unified_diff(al, bl, "qemu " + name, "native " + name, lineterm="", n=1))
    if len(d) > n:
        d = d[:n] + ["... (%d more diff lines)" % (len(d) - n)]
    return "\n".join(d)


def differential(name, guest, args=(), stdin_path=None, variants=(None,), compare_stderr=True,
                 qemu_result=None, require_zero=False, native_timeout=RUN_TIMEOUT, drop_translation=False,
                 forbid=(), exe_cache=False, family=None):
    """Compare qemu with the translated program. variants: list of extra env dicts for the
    translated run (None = plain). drop_translation: delete the cached translation when every
    variant passed (full corpus runs: 12 MB each, thousands of them). Returns list of
    (testname, ok, reason, details)."""
    if RUN_MODE:
        # own test names (tests/known-failures.txt), and time for the JIT: every function is
        # compiled at run time (~0.5 s of CPU for a glibc program, ~3 s for Go's)
        name = "run/" + name
        native_timeout *= 3
    cwd = os.path.join(WORK, re.sub(r"[^A-Za-z0-9_.-]", "_", name))
    shutil.rmtree(cwd, ignore_errors=True)
    os.makedirs(cwd)
    args = [a.replace("@WORKDIR@", cwd).replace("@GUEST@", guest) for a in args]
    results = []
    t_build, _tl.build_s = getattr(_tl, "build_s", 0.0), 0.0
    t_qemu = getattr(_tl, "qemu_s", 0.0)
    _tl.qemu_s = 0.0
    if qemu_result is None:
        t0 = time.time()
        qemu_result = run_qemu(guest, args, stdin_path, cwd)
        t_qemu += time.time() - t0
        stat_add(qemus=1, qemu_s=time.time() - t0)
    qst, qout, qerr, qto = qemu_result
    if qto:
        return [(name, False, "qemu run timed out (oracle problem)", "")]
    if QEMU_ONLY:
        # Oracle validation: the guest must be deterministic under qemu (run it twice).
        st2, out2, err2, to2 = run_qemu(guest, args, stdin_path, cwd)
        shutil.rmtree(cwd, ignore_errors=True)
        same = (st2, out2, err2, to2) == (qst, qout, qerr, qto)
        return [(name, same, "" if same else "not deterministic under qemu",
                 short_diff("stdout", qout, out2) + "\n" + short_diff("stderr", qerr, err2))]
    orig = guest
    if STRIP:
        guest, serr = stripped(guest)
        if guest is None:
            return [(name, False, "strip failed", serr)]
        # @GUEST@ names the stripped copy in the translated run (a program comparing its own
        # image with it must see the binary it was translated from)
        args = [a.replace(orig, guest) for a in args]
    nargs = args
    _tl.xlat = (0.0, 0, 0)
    if RUN_MODE:
        # `aot-translate run GUEST ARGS...`: no translation, everything JIT-compiled (phase_run)
        xprog, xerr = TRANSLATOR, ""
        nargs = ["run", "--cache-dir", os.environ["AOT_CACHE_DIR"], guest] + list(args)
    else:
        xprog, xerr = translate(guest, family=family)
    t_xlat, hits, misses = _tl.xlat
    t_run = 0.0
    if xprog and exe_cache and not RUN_MODE:
        ensure_exe_cache(guest, xprog)
    for var in variants:
        if RUN_MODE and var and "AOT_EXC_LOOP" in var:
            # 19-cxx-exceptions' host-stack check throws 1,000,000 times: ~30 s of CPU when
            # every call goes through aot_lookup (JIT'd code is not chained yet); a tenth still
            # overflows an 8 MB host stack if a throw leaks more than 80 bytes of it
            var = dict(var, AOT_EXC_LOOP=str(max(1, int(var["AOT_EXC_LOOP"]) // 10)))
        tname = name if not var else name + "[" + ",".join("%s=%s" % kv for kv in var.items()) + "]"
        if xprog is None:
            results.append((tname, False, xerr.splitlines()[0] if xerr else "translation failed", xerr))
            continue
        for f in os.listdir(cwd):
            p = os.path.join(cwd, f)
            (shutil.rmtree if os.path.isdir(p) else os.unlink)(p)
        trace = os.path.join(WORK, re.sub(r"[^A-Za-z0-9_.-]", "_", tname) + ".strace")
        t0 = time.time()
        nst, nout, nerr, nto = run_native(xprog, nargs, stdin_path, cwd, var, trace, timeout=native_timeout,
                                          forbid=forbid)
        t_run += time.time() - t0
        stat_add(runs=1, run_s=time.time() - t0)
        problems = []
        detail = []
        if nto:
            problems.append("timed out after %.0fs" % native_timeout)
        if nst != qst:
            problems.append("exit status %d, qemu %d" % (nst, qst))
        if require_zero and qst != 0:
            problems.append("qemu exit status %d" % qst)
        if nout != qout:
            problems.append("stdout differs")
            detail.append(short_diff("stdout", qout, nout))
        if compare_stderr and nerr != qerr:
            problems.append("stderr differs")
            detail.append(short_diff("stderr", qerr, nerr))
        if not nto:
            bad = count_execve(trace, xprog, cwd)
            if bad:
                problems.append("unexpected execve: " + bad[0][:120])
            for sc, n in count_syscalls(trace, forbid).items():
                if n:
                    problems.append("%d host syscalls %s... (want none)" % (n, sc))
        ok = not problems
        details = ""
        if not ok:
            details = "guest: %s\ntranslated: %s\nargs: %s\nstdin: %s\nenv variant: %s\n%s\n%s\n" % (
                guest, xprog, args, stdin_path, var, "; ".join(problems), "\n".join(detail))
            if not compare_stderr or "stderr differs" not in problems:
                details += "\n--- native stderr (tail) ---\n" + nerr.decode(errors="replace")[-2000:]
            if not nto and nst != qst and nst > 128:
                # died by a signal qemu did not see: rerun once with the runtime's register dump
                dbg = dict(var or {}, AOT_DEBUG="1")
                _, _, derr, _ = run_native(xprog, nargs, stdin_path, cwd, dbg, trace + ".dbg")
                details += "\n--- rerun with AOT_DEBUG=1: stderr (tail) ---\n" + derr.decode(errors="replace")[-4000:]
                try:
                    os.unlink(trace + ".dbg")
                except OSError:
                    pass
        results.append((tname, ok, "; ".join(problems), details))
        try:
            os.unlink(trace)
        except OSError:
            pass
    shutil.rmtree(cwd, ignore_errors=True)
    with STATS_LOCK:
        TEST_TIMES.append((name, t_build, t_qemu, t_xlat, t_run, hits, misses))
    if drop_translation and xprog and not RUN_MODE and all(r[1] for r in results):
        shutil.rmtree(os.path.dirname(xprog), ignore_errors=True)
    return results


def stripped(guest):
    """A copy of guest without symbols (aarch64-linux-gnu-strip) in build/cache/strip, by the
    guest's SHA-256, made once; it keeps the guest's file name (programs print their argv[0])."""
    dest = os.path.join(CACHE, "strip", sha256_file(guest), os.path.basename(guest))
    if os.path.exists(dest):
        return dest, ""
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = dest + ".tmp%d_%d" % (os.getpid(), threading.get_ident())
    r = subprocess.run(["aarch64-linux-gnu-strip", "-o", tmp, guest], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        return None, r.stdout.decode(errors="replace")
    os.replace(tmp, dest)
    return dest, ""


KNOWN_FAILURES_FILE = os.path.join(ROOT, "tests", "known-failures.txt")


def known_failures():
    """tests/known-failures.txt: one glob pattern of test names per line, '#' starts the reason.
    A listed test that fails is reported as XFAIL and does not fail its phase; one that passes is
    reported as XPASS, so the entry can be removed."""
    pats = []
    if os.path.exists(KNOWN_FAILURES_FILE):
        for line in open(KNOWN_FAILURES_FILE):
            pat = line.split("#", 1)[0].strip()
            if pat:
                pats.append((pat, line.split("#", 1)[1].strip() if "#" in line else ""))
    return pats


class Tally:
    def __init__(self, phase):
        self.phase = phase
        self.passed = 0
        self.failed = 0
        self.xfailed = 0
        self.skipped = 0
        self.known = known_failures()
        self.failures = []
        self.dir = os.path.join(REPORTS, phase + ("-stripped" if STRIP else ""))
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir, exist_ok=True)

    def add(self, name, ok, reason="", details=""):
        known = next((r for p, r in self.known if fnmatch.fnmatchcase(name, p)), None)
        if not ok and reason.startswith("qemu run timed out"):
            # The oracle gave no answer: nothing to compare, neither a pass nor a failure.
            self.skipped += 1
            log("SKIP %s: %s" % (name, reason))
            return
        if ok:
            self.passed += 1
            log("PASS %s%s" % (name, " (XPASS: listed in tests/known-failures.txt)" if known is not None else ""))
        elif known is not None:
            self.xfailed += 1
            log("XFAIL %s: %s (known: %s)" % (name, reason[:200], known))
        else:
            self.failed += 1
            self.failures.append((name, reason))
            log("FAIL %s: %s" % (name, reason[:200]))
            fn = os.path.join(self.dir, re.sub(r"[^A-Za-z0-9_.=-]", "_", name) + ".txt")
            with open(fn, "w") as f:
                f.write("%s\n%s\n%s\n" % (name, reason, details))

    def summary(self):
        extra = "".join(", %d %s" % (n, w) for n, w in ((self.xfailed, "known failures"), (self.skipped, "skipped")) if n)
        return "%d passed, %d failed%s" % (self.passed, self.failed, extra)


def pmap(fn, items, jobs=JOBS):
    """Parallel map that yields results in input order as soon as possible."""
    with cf.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        futs = [ex.submit(fn, it) for it in items]
        for f in futs:
            yield f.result()


# ---------------------------------------------------------------- phase: programs

PROG_DIR = os.path.join(ROOT, "tests", "programs")
LEVELS = ["-O0", "-O2", "-O3"]


def list_programs():
    out = []
    for f in sorted(os.listdir(PROG_DIR)):
        if f.endswith(".c") or f.endswith(".cpp") or f.endswith(".go"):
            out.append(os.path.join(PROG_DIR, f))
    return out


def read_sidecar(src, ext):
    p = os.path.splitext(src)[0] + ext
    return p if os.path.exists(p) else None


def program_levels(src, levels):
    """The optimisation levels a program runs at: all of `levels`, or those its .levels sidecar
    names (process-model tests exercise the runtime, not the code generator, so one level does).
    A Go program is built once (go build has no levels): [""]."""
    if src.endswith(".go"):
        return [""]
    lv = read_sidecar(src, ".levels")
    if not lv:
        return levels
    with open(lv) as f:
        want = f.read().split()
    return [l for l in levels if l in want]


def program_case(item):
    src, level = item
    base = os.path.splitext(os.path.basename(src))[0]
    name = "%s%s" % (base, level)
    cxx = src.endswith(".cpp")
    flags = [level, "-g0", "-pthread"]
    cf = read_sidecar(src, ".cflags")
    if cf:
        with open(cf) as f:
            flags += f.read().split()
    headers = [os.path.join(PROG_DIR, f) for f in sorted(os.listdir(PROG_DIR)) if f.endswith(".h")]
    if src.endswith(".go"):
        guest, err = build_go_guest(src)
    else:
        guest, err = build_guest([src], flags, cxx=cxx, deps=headers)
    if guest is None:
        return [(name, False, "guest build failed", err)]
    args = []
    a = read_sidecar(src, ".args")
    if a:
        with open(a) as f:
            args = f.read().split()
    stdin_path = read_sidecar(src, ".stdin")
    variants = [None]
    if JIT_VARIANT:
        # The same program with every guest address left to the fallback JIT (docs/jit.md).
        variants.append({"AOT_JIT_ONLY_ABOVE": "0"})
    e = read_sidecar(src, ".xenv")
    if e:
        with open(e) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    variants.append(dict(kv.split("=", 1) for kv in line.split()))
    ev = read_sidecar(src, ".env")
    if ev:
        # environment of every translated run of the program (each variant, run mode too), e.g.
        # 66-jitchurn's small JIT code cache; qemu runs without it
        with open(ev) as f:
            base = dict(kv.split("=", 1) for l in f if l.strip() and not l.startswith("#") for kv in l.split())
        variants = [dict(base, **(v or {})) for v in variants]
    native_timeout = RUN_TIMEOUT
    tf = read_sidecar(src, ".timeout")
    if tf:
        with open(tf) as f:
            native_timeout = float(f.read().split()[0])
    native_timeout *= RUN_TIMEOUT_SCALE
    qemu_result = None
    ex = read_sidecar(src, ".expect")
    if ex:
        # qemu is not the oracle (see the program's comment): the architecturally expected stdout,
        # empty stderr and status 0 stand in for its result.
        if QEMU_ONLY:
            return [(name, True, "", "")]
        with open(ex, "rb") as f:
            qemu_result = (0, f.read(), b"", False)
    forbid = []
    fb = read_sidecar(src, ".nosyscall")
    if fb:
        with open(fb) as f:
            forbid = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    runs = [(name, args)]
    rf = read_sidecar(src, ".runs")
    if rf:
        runs = []
        with open(rf) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and ":" in line:
                    label, rest = line.split(":", 1)
                    runs.append(("%s:%s" % (name, label.strip()), rest.split()))
    results = []
    for rname, rargs in runs:
        results += differential(rname, guest, rargs, stdin_path, variants, native_timeout=native_timeout,
                                qemu_result=qemu_result, forbid=forbid, exe_cache=True,
                                family="go" if src.endswith(".go") else "g++" if cxx else "gcc")
    return results


def phase_programs(levels=LEVELS, only=""):
    t = Tally("programs")
    pats = [p for p in only.split(",") if p] or [""]
    items = [(s, l) for s in list_programs() for l in program_levels(s, levels)
             if any(p in os.path.basename(s) for p in pats)]
    for res in pmap(program_case, items):
        for r in res:
            t.add(*r)
    log("programs: " + t.summary())
    return t


# ---------------------------------------------------------------- corpora: c-torture, gcc.dg/torture, csmith
#
# A corpus is a list of candidate tests (name, sources, extra flags, or a reason to skip it); a
# configuration builds a corpus with one toolchain and flag set. Each test is built, run under qemu
# (the oracle) and, if it passes there, translated and compared. Tests that do not build or fail
# under qemu are counted apart and never enter the denominator of the pass rate.

TORTURE_EXCLUDE = os.path.join(ROOT, "scripts", "torture-exclude.txt")
DG_SKIP_RE = re.compile(r"dg-(options|additional-options|add-options|require|skip-if)")
DGTORTURE_DIR = os.path.join(CACHE, "dg-torture")
DGTORTURE_MEMBER = "gcc-12.2.0/gcc/testsuite/gcc.dg/torture"
CSMITH_DIR = os.path.join(CACHE, "csmith")
CORPUS_TARGET = 99.5  # % of the qemu-passing tests that must pass translated, per configuration
SHORT_COUNT = 50      # tests per configuration in `make test`


def ensure_extracted(member, dest):
    """Extract one testsuite folder of gcc-12-source's tarball into dest (once)."""
    if os.path.isdir(dest):
        return dest
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    log("extracting %s from %s ..." % (member, TORTURE_TAR))
    subprocess.run(["tar", "-xJf", TORTURE_TAR, "-C", tmp, "--wildcards", member + "/*"], check=True)
    os.replace(os.path.join(tmp, member), dest)
    shutil.rmtree(tmp, ignore_errors=True)
    return dest


def ensure_torture():
    return ensure_extracted(TORTURE_MEMBER, TORTURE_DIR)


class Case:
    """One candidate test of a corpus: sources and extra flags, or the reason it is not run."""
    def __init__(self, name, sources=(), flags=(), skip=None, gen=None):
        self.name, self.sources, self.flags, self.skip, self.gen = name, list(sources), list(flags), skip, gen


def ctorture_cases():
    """gcc.c-torture/execute: the top-level .c files without dg- option directives (those few ask
    for target options of other architectures or for features we do not set up)."""
    d = ensure_torture()
    excl = set()
    with open(TORTURE_EXCLUDE) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                excl.add(line)
    out = []
    for f in sorted(os.listdir(d)):
        if not f.endswith(".c"):
            continue
        with open(os.path.join(d, f), "rb") as fh:
            text = fh.read().decode("latin-1")
        skip = ("listed in scripts/torture-exclude.txt" if f in excl else
                "has dg- option/requirement directives" if DG_SKIP_RE.search(text) else None)
        out.append(Case(f[:-2], [os.path.join(d, f)], skip=skip))
    return out


# ---- gcc.dg/torture: a small interpreter of the DejaGnu directives these tests use

TARGET_TRIPLET = "aarch64-unknown-linux-gnu"
# Effective targets as gcc's target-supports.exp answers them for aarch64-linux-gnu with glibc.
# Absent keywords make a test "skipped: unknown effective target", so the list stays honest.
EFFECTIVE_TARGETS = {
    True: """int32plus int128 lp64 alloca tls tls_runtime trampolines fenv fenv_exceptions stdint_types
             untyped_assembly size32plus nonlocal_goto indirect_jumps label_values inf trapping
             scheduling fpic pie pthread mmap mempcpy large_double fstack_protector cas_int
             floatn_nx_runtime float16 float32 float64 float32x float64x float128 float16_runtime
             float32_runtime float64_runtime float32x_runtime float64x_runtime float128_runtime
             weak alias visibility fork""",
    False: """run_expensive_tests ia32 ilp32 short_eq_int stack_size float128x float128x_runtime
              __float128 base_quadfloat_support sse_runtime sse2_runtime avx_runtime vmx_hw
              arm_fp16_alternative_ok arm_hf_eabi cet newlib_nano_io""",
}
ET = {w: v for v, ws in EFFECTIVE_TARGETS.items() for w in ws.split()}
# dg-add-options FEATURE: what gcc adds for aarch64 (nothing for these); unlisted ones skip the test
# (stack_size adds -DSTACK_SIZE only on boards that declare a small stack)
ADD_OPTIONS = {k: [] for k in "ieee tls stack_size float16 float32 float64 float32x float64x float128".split()}


class Unknown(Exception):
    pass


def tcl_words(text, i=0, close=None):
    """Parse Tcl words up to the closing brace: bare words, "quoted" strings, {braced} lists (as
    Python lists). Returns (words, index after the close)."""
    words = []
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "}":
            return words, i + 1
        elif c == "{":
            sub, i = tcl_words(text, i + 1, "}")
            words.append(sub)
        elif c == '"':
            j = text.find('"', i + 1)
            j = n if j < 0 else j
            words.append(text[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "{}":
                j += 1
            words.append(text[i:j])
            i = j
    return words, i


def dg_directives(text):
    """[(directive, [args])] of every `{ dg-... }` in a test."""
    out = []
    for m in re.finditer(r"\{\s*(dg-[A-Za-z0-9_-]+)", text):
        args, _ = tcl_words(text, m.end(), "}")
        out.append((m.group(1), args))
    return out


def eval_selector(expr):
    """A DejaGnu target selector body: target triplet globs / effective-target keywords (any of a
    list), or an expression of them with !, && and ||."""
    if isinstance(expr, str):
        expr = [expr]
    if not any(t in ("!", "&&", "||") for t in expr if isinstance(t, str)):
        return any(eval_atom(t) for t in expr)
    val, op, neg = None, None, False
    for t in expr:
        if t == "!":
            neg = not neg
            continue
        if t in ("&&", "||"):
            op = t
            continue
        v = eval_atom(t) != neg
        neg = False
        val = v if val is None else (val and v if op == "&&" else val or v)
    return bool(val)


def eval_atom(t):
    if isinstance(t, list):
        return eval_selector(t)
    if "-" in t and ("*" in t or t.count("-") >= 2):
        return fnmatch.fnmatchcase(TARGET_TRIPLET, t)
    if t in ET:
        return ET[t]
    raise Unknown(t)


def selector_true(args):
    """args = ["target", SEL] or ["xfail", SEL] etc.; absent = true."""
    if not args:
        return True
    if args[0] == "target" and len(args) > 1:
        return eval_selector(args[1])
    if args[0] == "target":
        return True
    raise Unknown(" ".join(map(str, args)))


def opts_match(patterns, flags):
    for p in patterns:
        if p == "*" or any(fnmatch.fnmatchcase(f, p) for f in flags):
            return True
    return False


def dg_case(path, rel, base_flags):
    """A Case for one gcc.dg/torture file run with base_flags (the torture option set), or None if
    it is not a `dg-do run` test."""
    with open(path, "rb") as fh:
        text = fh.read().decode("latin-1")
    dirs = dg_directives(text)
    do = [a for d, a in dirs if d == "dg-do"]
    if not do or not do[0] or do[0][0] != "run":
        return None
    name = rel[:-2]
    flags, extra, sources = [], [], [path]
    try:
        if len(do[0]) > 1 and do[0][1] and do[0][1][0] == "target" and not selector_true(do[0][1]):
            return Case(name, skip="dg-do run only for other targets")
        for d, a in dirs:
            if d in ("dg-options", "dg-additional-options"):
                if a and selector_true(a[1] if len(a) > 1 else None):
                    (flags if d == "dg-options" else extra).extend(a[0].split())
            elif d == "dg-add-options":
                if a[0] not in ADD_OPTIONS:
                    return Case(name, skip="dg-add-options %s not supported for aarch64" % a[0])
                extra.extend(ADD_OPTIONS[a[0]])
            elif d == "dg-require-effective-target":
                if (len(a) < 2 or selector_true(a[1])) and not eval_atom(a[0]):
                    return Case(name, skip="requires effective target %s" % a[0])
            elif d == "dg-skip-if":
                sel = a[1] if len(a) > 1 else ["*-*-*"]
                inc = a[2] if len(a) > 2 else ["*"]
                exc = a[3] if len(a) > 3 else []
                inc = [inc] if isinstance(inc, str) else inc
                exc = [exc] if isinstance(exc, str) else exc
                allf = base_flags + flags + extra
                if eval_selector(sel) and opts_match(inc, allf) and not opts_match(exc, allf):
                    return Case(name, skip="dg-skip-if %s" % (a[0] or sel))
            elif d == "dg-additional-sources":
                words = a[0].split() if a and isinstance(a[0], str) else []
                sources += [os.path.join(os.path.dirname(path), w) for w in words]
    except Unknown as u:
        return Case(name, skip="unknown effective target or selector: %s" % u)
    # dg-options replaces nothing here (gcc.dg/torture has no default flags); the torture option
    # set comes first as in DejaGnu, then the test's own options
    # -fdump-* only feeds scan-tree-dump checks, which we do not run
    return Case(name, sources, [f for f in flags + extra if not f.startswith("-fdump-")])


def dgtorture_cases(base_flags):
    d = ensure_extracted(DGTORTURE_MEMBER, DGTORTURE_DIR)
    out = []
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".c"):
                p = os.path.join(root, f)
                c = dg_case(p, os.path.relpath(p, d), base_flags)
                if c is not None:
                    out.append(c)
    out.sort(key=lambda c: c.name)
    return out


def csmith_source(seed):
    os.makedirs(CSMITH_DIR, exist_ok=True)
    src = os.path.join(CSMITH_DIR, "seed%d.c" % seed)
    if not os.path.exists(src):
        tmp = src + ".tmp"
        # Debian's csmith 2.3 writes and rereads ./platform.info: parallel runs sharing one working
        # directory race on it (exit 255 on a half-written file), so each run gets its own.
        with tempfile.TemporaryDirectory(prefix="csmith-") as cwd:
            subprocess.run(["csmith", "--seed", str(seed), "--no-packed-struct", "-o", tmp],
                           check=True, stdout=subprocess.DEVNULL, cwd=cwd)
        os.replace(tmp, src)
    return src


# --csmith-from K: a full run of seeds K..N only, so the 1,000 programs (hours of LLVM time) can
# be run in parts; each part's table says which seeds it covered.
CSMITH_FIRST = 1


def csmith_cases(count):
    """csmith programs of seeds CSMITH_FIRST..count (generated when first built)."""
    return [Case("seed%d" % s, flags=["-I/usr/include/csmith"], gen=lambda s=s: [csmith_source(s)])
            for s in range(CSMITH_FIRST, count + 1)]


class Config:
    """A corpus built one way. compare_stderr: c-torture tests print nothing we compare on stderr
    (abort messages differ in qemu's wording); csmith's whole output is compared."""
    def __init__(self, name, corpus, flags, toolchain="gcc", qemu_timeout=RUN_TIMEOUT, compare_stderr=False):
        self.name, self.corpus, self.flags, self.toolchain = name, corpus, flags, toolchain
        self.qemu_timeout, self.compare_stderr = qemu_timeout, compare_stderr

    def cases(self, csmith_count):
        if self.corpus == "c-torture":
            return ctorture_cases()
        if self.corpus == "dg-torture":
            return dgtorture_cases(self.flags)
        return csmith_cases(csmith_count)


V82 = "-march=armv8.2-a+lse+crypto"
CONFIGS = [
    Config("c-torture-O0", "c-torture", ["-O0", "-w"]),
    Config("c-torture-O2", "c-torture", ["-O2", "-w"]),
    Config("c-torture-O3", "c-torture", ["-O3", "-w"]),
    Config("c-torture-v8.2-O2", "c-torture", ["-O2", V82, "-w"]),
    Config("c-torture-clang-O2", "c-torture", ["-O2", "-w"], toolchain="clang"),
    Config("dg-torture-O2", "dg-torture", ["-O2", "-w"]),
    Config("csmith-O2", "csmith", ["-O2", "-w"], qemu_timeout=10, compare_stderr=True),
]
CONFIG_BY_NAME = {c.name: c for c in CONFIGS}
CSMITH_SHORT = 20  # make test; 50 took ~15 s each to translate (cold function cache): too slow
CSMITH_FULL = 1000
# AOT_CORPUS_DEADLINE=HH:MM (UTC): start no test after that time; the table then says how many of
# the qemu-passing tests were not run (a partial full run on a busy machine still gives numbers)
_dl = os.environ.get("AOT_CORPUS_DEADLINE", "")
DEADLINE = None
if _dl:
    _h, _m = map(int, _dl.split(":"))
    _now = time.gmtime()
    DEADLINE = time.time() - (_now.tm_hour * 3600 + _now.tm_min * 60 + _now.tm_sec) + _h * 3600 + _m * 60


def oracle(cfg, case):
    """Build a case and run it under qemu. Returns (guest, qemu result, None) or (None, None, why)
    with why starting with 'not built' or 'fails under qemu'."""
    if case.skip:
        return None, None, "skipped: " + case.skip
    sources = case.sources or case.gen()
    guest, err = build_guest(sources, cfg.flags + case.flags, toolchain=cfg.toolchain)
    if guest is None:
        lines = [l for l in err.splitlines()[1:] if "error" in l] or err.splitlines()[1:2] or ["?"]
        return None, None, "not built: " + lines[0].strip()[:160]
    mark = guest + ".qemu-fails"  # the oracle's verdict is a function of the guest binary
    if os.path.exists(mark):
        with open(mark) as f:
            return None, None, f.read()
    cwd = os.path.join(WORK, "oracle-%s-%s" % (cfg.name, re.sub(r"[^A-Za-z0-9_.-]", "_", case.name)))
    os.makedirs(cwd, exist_ok=True)
    t0 = time.time()
    st, out, err, to = run(QEMU + [guest], env=dict(RUN_ENV), cwd=cwd, timeout=cfg.qemu_timeout)
    stat_add(qemus=1, qemu_s=time.time() - t0)
    shutil.rmtree(cwd, ignore_errors=True)
    if to or st != 0:
        why = "fails under qemu (%s)" % ("timeout %.0fs" % cfg.qemu_timeout if to else "status %d" % st)
        with open(mark, "w") as f:
            f.write(why)
        return None, None, why
    return guest, (st, out, QEMU_SIGNAL_RE.sub("", err.decode(errors="replace")).encode(), to), None


class CorpusResult:
    """Counts of one configuration; its Tally holds the translated verdicts."""
    def __init__(self, cfg, tally):
        self.cfg, self.t = cfg, tally
        self.candidates = self.skipped = self.not_built = self.qemu_fail = 0
        self.excluded = []  # (name, why)
        self.seconds = 0.0
        self.unrun = 0  # qemu-passing tests not run because AOT_CORPUS_DEADLINE passed
        self.unlooked = 0  # candidates not even built because of it

    @property
    def qemu_pass(self):
        return self.t.passed + self.t.failed + self.t.xfailed

    def percent(self):
        return 100.0 * self.t.passed / max(1, self.qemu_pass)

    def ok(self):
        # known failures (XFAIL) do not fail the phase, but the table's percentage counts them
        return self.t.passed > 0 and 100.0 * self.t.passed / max(1, self.t.passed + self.t.failed) >= CORPUS_TARGET


def run_config(cfg, full, csmith_count, report_dir):
    t0 = time.time()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    t = Tally(os.path.join(os.path.basename(report_dir), cfg.name))
    res = CorpusResult(cfg, t)
    want = None if full else (CSMITH_SHORT if cfg.corpus == "csmith" else SHORT_COUNT)
    if cfg.corpus == "csmith" and not full:
        # seeds 1, 2, ... until CSMITH_SHORT have a qemu verdict of "passes" (a few time out)
        cases = cfg.cases(2 * want)
    else:
        cases = cfg.cases(csmith_count)
    if cfg.corpus != "csmith" and (not full or DEADLINE is not None):
        # a deterministic sample that differs between configurations, spread over the corpus
        cases = sorted(cases, key=lambda c: hashlib.sha256((cfg.name + "/" + c.name).encode()).hexdigest())

    def case(c):
        if DEADLINE is not None and time.time() > DEADLINE:
            return c, "deadline", None
        guest, q, why = oracle(cfg, c)
        if guest is None:
            return c, why, None
        name = "%s/%s" % (cfg.name, c.name)
        r = differential(name, guest, [], None, [None], compare_stderr=cfg.compare_stderr,
                         qemu_result=q, drop_translation=full, family=cfg.toolchain)[0]
        return c, None, r

    pos, ran = 0, 0
    while pos < len(cases) and (want is None or ran < want):
        if DEADLINE is not None and time.time() > DEADLINE:
            res.unlooked = len(cases) - pos
            break
        # short runs take tests in sample order until `want` have an oracle verdict of "passes";
        # with a deadline, small batches so building and qemu stop at it too
        n = len(cases) - pos if want is None else min(len(cases) - pos, max(want - ran, JOBS))
        if DEADLINE is not None:
            n = min(n, 4 * JOBS)
        batch = cases[pos:pos + n]
        pos += n
        # oracle first (cheap), so a short run stops at exactly `want` translated tests
        verdicts = list(pmap(lambda c: (c, oracle(cfg, c)), batch))
        usable = []
        for c, (g, q, why) in verdicts:
            res.candidates += 1
            if why is None:
                if want is None or ran < want:
                    usable.append(c)
                    ran += 1
                else:
                    res.candidates -= 1
                continue
            res.excluded.append((c.name, why))
            if why.startswith("skipped"):
                res.skipped += 1
            elif why.startswith("not built"):
                res.not_built += 1
            else:
                res.qemu_fail += 1
        for c, why, r in pmap(case, usable):
            if why == "deadline":
                res.unrun += 1
            elif r is not None:
                t.add(*r)
    res.seconds = time.time() - t0
    os.makedirs(report_dir, exist_ok=True)
    with open(os.path.join(report_dir, cfg.name + ".excluded.txt"), "w") as f:
        for n, why in res.excluded:
            f.write("%s: %s\n" % (n, why))
    with open(os.path.join(report_dir, cfg.name + ".failures.txt"), "w") as f:
        for n, why in t.failures:
            f.write("%s: %s\n" % (n, why))
    with open(os.path.join(report_dir, cfg.name + ".summary"), "w") as f:
        f.write("%s  (%s, %s%s)\n" % (table_line(res), started, ("full" if full else "short") + (
            ", PARTIAL: %d qemu-passing tests not run, %d candidates not built (deadline)" % (
                res.unrun, res.unlooked) if res.unrun or res.unlooked else ""),
                                       ", csmith seeds %d-%d" % (CSMITH_FIRST, csmith_count) if cfg.corpus == "csmith" else ""))
    log("%s: %s; %d skipped, %d not built, %d fail under qemu%s (%.0fs)" % (
        cfg.name, t.summary(), res.skipped, res.not_built, res.qemu_fail,
        "".join(", %d %s (deadline)" % (n, w) for n, w in ((res.unrun, "qemu-passing tests NOT RUN"),
                (res.unlooked, "candidates NOT BUILT")) if n), res.seconds))
    return res


TABLE_HEAD = "%-20s %6s %6s %6s %6s %6s %6s %7s %5s %5s %8s" % (
    "configuration", "tests", "skip", "nobld", "qfail", "qpass", "pass", "%", "fail", "xfail", "seconds")


def table_line(r):
    return "%-20s %6d %6d %6d %6d %6d %6d %7.2f %5d %5d %8.0f" % (
        r.cfg.name, r.candidates, r.skipped, r.not_built, r.qemu_fail, r.qemu_pass, r.t.passed,
        r.percent(), r.t.failed, r.t.xfailed, r.seconds)


class CorporaResult:
    """What a corpus phase returns to the suite: totals plus the per-configuration table."""
    def __init__(self, results):
        self.results = results
        self.passed = sum(r.t.passed for r in results)
        self.failed = sum(r.t.failed for r in results)
        self.xfailed = sum(r.t.xfailed for r in results)

    def ok(self):
        return bool(self.results) and all(r.ok() for r in self.results)

    def summary(self):
        return "%d passed, %d failed%s (%d configurations)" % (
            self.passed, self.failed, ", %d known failures" % self.xfailed if self.xfailed else "",
            len(self.results))

    def table(self):
        return [TABLE_HEAD] + [table_line(r) for r in self.results]


def phase_corpora(names, full=False, csmith_count=None, report_name=None):
    """Run the named configurations one after the other (each in parallel inside)."""
    csmith_count = csmith_count or (CSMITH_FULL if full else CSMITH_SHORT)
    report_dir = os.path.join(REPORTS, report_name or ("corpora-full" if full else "corpora"))
    results = []
    for n in names:
        cfg = CONFIG_BY_NAME[n]
        log("--- %s: %s %s%s" % (n, " ".join(TOOLCHAINS[cfg.toolchain][:2]), " ".join(cfg.flags),
                                 " (full)" if full else ""))
        results.append(run_config(cfg, full, csmith_count, report_dir))
        if RT_STATS:
            stats_report(("stripped " if STRIP else "") + n)
    cr = CorporaResult(results)
    lines = cr.table()
    # table.txt collects every configuration run into this folder (runs of subsets add up)
    all_lines = [TABLE_HEAD]
    for c in CONFIGS:
        p = os.path.join(report_dir, c.name + ".summary")
        if os.path.exists(p):
            with open(p) as f:
                all_lines.append(f.read().rstrip("\n"))
    lines.append("qpass: passes under qemu (the denominator); pass: passes translated; %% = pass/qpass "
                 "(known failures count as failures); target >= %.1f%% per configuration" % CORPUS_TARGET)
    with open(os.path.join(report_dir, "table.txt"), "w") as f:
        f.write("\n".join(all_lines + lines[len(lines) - 1:]) + "\n")
    log("")
    for l in lines:
        log(l)
    log("(per-test lists: %s/)" % os.path.relpath(report_dir, ROOT))
    return cr


SHORT_CORPORA = [c.name for c in CONFIGS if c.corpus != "csmith"]
TORTURE_CLASSIC = ["c-torture-O0", "c-torture-O2", "c-torture-O3"]


def phase_torture():
    """`make test`'s corpus phase: 50 tests of each c-torture and gcc.dg/torture configuration."""
    return phase_corpora(SHORT_CORPORA)


def phase_csmith():
    return phase_corpora(["csmith-O2"], report_name="csmith")


# ---------------------------------------------------------------- phase: cache check

CACHE_A = os.path.join(ROOT, "examples", "hello.c")
CACHE_B = os.path.join(ROOT, "tests", "programs", "05-recursion.c")
CACHE_RE = re.compile(r"cache:\s*(\d+)\s+hits?,\s*(\d+)\s+miss")


def phase_cache():
    ok = True
    if not os.path.exists(TRANSLATOR):
        log("FAIL cache: translator missing (%s)" % TRANSLATOR)
        return False
    a, ea = build_guest([CACHE_A], ["-O2"])
    b, eb = build_guest([CACHE_B], ["-O2", "-g0", "-pthread"])
    if a is None or b is None:
        log("FAIL cache: guest build failed\n" + ea + eb)
        return False
    with tempfile.TemporaryDirectory(prefix="aot-cache-check-") as tmp:
        env = dict(os.environ, AOT_CACHE_DIR=os.path.join(tmp, "cache"), AOT_XLAT_CACHE=os.path.join(tmp, "exe"))
        res = {}
        for label, g in (("A", a), ("B", b)):
            t0 = time.time()
            st, out, err, to = run([TRANSLATOR, "-v", g, "-o", os.path.join(tmp, label + ".x86")],
                                   env=env, timeout=XLAT_TIMEOUT)
            dt = time.time() - t0
            text = err.decode(errors="replace") + out.decode(errors="replace")
            m = CACHE_RE.search(text)
            res[label] = (st, dt, m, text)
            log("cache: %s (%s) translated in %.2fs, exit %d, %s" % (
                label, os.path.relpath(CACHE_A if label == "A" else CACHE_B, ROOT), dt, st,
                m.group(0) if m else "no 'cache: H hits, M misses' line"))
            if st != 0 or to or not m:
                ok = False
                log("FAIL cache: translating %s: exit %d%s\n%s" % (label, st, " (timeout)" if to else "",
                                                                   text[-1500:]))
        if ok:
            st, dt, m, _ = res["B"]
            h, miss = int(m.group(1)), int(m.group(2))
            rate = 100.0 * h / max(1, h + miss)
            log("cache: B hit rate %.1f%% (%d hits, %d misses), %.2fs (limits: >= 95%%, < 10s)" % (
                rate, h, miss, dt))
            if rate < 95.0 or dt >= 10.0:
                ok = False
        # aot-translate also stored each translation by the guest's SHA-256 (for execve)
        for label, g in (("A", a), ("B", b)):
            if res[label][0] == 0:
                stored = os.path.join(tmp, "exe", sha256_file(g))
                same = os.path.exists(stored) and sha256_file(stored) == sha256_file(os.path.join(tmp, label + ".x86"))
                log("cache: %s in the executable cache: %s" % (label, "yes" if same else "NO"))
                ok = ok and same
    log("%s cache-check" % ("PASS" if ok else "FAIL"))
    return ok


# ---------------------------------------------------------------- phase: CLI bad input

def bad_input_files(t, tmp, hello, err, prefix):
    """Files that are not a supported AArch64 executable, made in tmp: (name, path) pairs for the
    bad-input tests of the translator and of `aot-translate run` (hello: a static AArch64 guest
    to truncate; test names get prefix)."""
    cases = []
    p = os.path.join(tmp, "text.txt")
    with open(p, "w") as f:
        f.write("this is not an ELF file\n")
    cases.append(("text-file", p))
    p = os.path.join(tmp, "empty")
    open(p, "w").close()
    cases.append(("empty-file", p))
    if hello:
        data = open(hello, "rb").read()
        p = os.path.join(tmp, "truncated")
        with open(p, "wb") as f:
            f.write(data[:len(data) // 3])
        os.chmod(p, 0o755)
        cases.append(("truncated-aarch64", p))
    else:
        t.add(prefix + "truncated-aarch64", False, "could not build hello: " + err)
    cases.append(("x86-64-binary", "/bin/true"))
    p = os.path.join(tmp, "dynamic")
    r = subprocess.run([CC, "-O2", "-o", p, CACHE_A], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode == 0:
        cases.append(("dynamic-aarch64", p))
    else:
        t.add(prefix + "dynamic-aarch64", False, "could not build a dynamic binary")
    cases.append(("missing-file", os.path.join(tmp, "does-not-exist")))
    return cases


def phase_cli():
    t = Tally("cli")
    if not os.path.exists(TRANSLATOR):
        t.add("cli", False, "translator missing: " + TRANSLATOR)
        return t
    hello, err = build_guest([CACHE_A], ["-O2"])
    with tempfile.TemporaryDirectory(prefix="aot-cli-") as tmp:
        cases = bad_input_files(t, tmp, hello, err, "")
        for name, path in cases:
            st, out, e, to = run([TRANSLATOR, path, "-o", os.path.join(tmp, "out.x86")], timeout=120)
            lines = e.decode(errors="replace").splitlines()
            problems = []
            if to:
                problems.append("timed out")
            if st != 2:
                problems.append("exit status %d, expected 2" % st)
            if len(lines) != 1 or not lines[0].startswith("aot-translate: error:"):
                problems.append("stderr is not one 'aot-translate: error:' line: %r" % lines[:3])
            t.add("cli-" + name, not problems, "; ".join(problems),
                  "stderr:\n" + e.decode(errors="replace"))
    instrument_test(t)
    log("cli: " + t.summary())
    return t


def instrument_test(t):
    """`aot-translate --instrument`: the program's output is unchanged (qemu is the oracle) and,
    with AOT_STATS=1, the counter of main's loop block equals the iteration count given on the
    command line (tests/instrument/loop.c, built at -O1 so the loop body is one block)."""
    prog, err = build_guest([os.path.join(ROOT, "tests", "instrument", "loop.c")], ["-O1"])
    if not prog:
        t.add("cli-instrument", False, err)
        return
    n = 98765
    with tempfile.TemporaryDirectory(prefix="aot-instr-") as tmp:
        out = os.path.join(tmp, "loop.x86")
        st, _, e, to = run([TRANSLATOR, "--instrument", "-O0", prog, "-o", out], timeout=900)
        if st != 0 or to:
            t.add("cli-instrument", False, "translation failed (%d)" % st, e.decode(errors="replace"))
            return
        env = dict(os.environ, AOT_STATS="1")
        st, o, e, to = run([out, str(n)], env=env)
        qst, qo, _, _ = run(QEMU + [prog, str(n)])
        problems = []
        if (st, o) != (qst, qo):
            problems.append("output/status %r/%d differs from qemu's %r/%d" % (o[:80], st, qo[:80], qst))
        text = e.decode(errors="replace")
        m = re.search(r"instrumented blocks: (\d+) distinct, (\d+) executions", text)
        rows = re.findall(r"^\s+(\d+)\s+[\d.]+%\s+0x([0-9a-f]+) (\S+)", text, re.M)
        if not m:
            problems.append("no instrumented-blocks line on stderr")
        elif int(m.group(2)) <= n:
            problems.append("%s block executions in all, expected more than %d" % (m.group(2), n))
        if not any(int(c) == n and sym.startswith("main+") for c, _, sym in rows):
            problems.append("no block of main ran exactly %d times: %r" % (n, rows[:3]))
        t.add("cli-instrument", not problems, "; ".join(problems), "stderr:\n" + text)


# ---------------------------------------------------------------- phase: busybox
#
# Debian's busybox-static for arm64 (stripped, as shipped) is translated and runs
# tests/busybox/script.sh under its own shell; qemu-aarch64 running the same script is the oracle.
# Applets that are not shell builtins are found through PATH. The translated run's PATH folder
# holds symlinks to the AArch64 busybox (what `busybox --install -s` makes): each exec of an applet
# goes through the runtime's execve (the executable cache), and busybox's own re-executions of
# /proc/self/exe are the runtime's too. qemu cannot exec an AArch64 file without binfmt_misc (not
# mounted here, and registering it would be machine-wide), so the oracle's PATH folder holds shell
# wrappers that run `qemu-aarch64 busybox APPLET "$@"`, and the script sends its few
# /proc/self/exe re-executions (xargs, tar -j) through those wrappers when AOT_BB_ORACLE=1.

BUSYBOX_DIR = os.path.join(CACHE, "busybox")
BUSYBOX = os.path.join(BUSYBOX_DIR, "bin", "busybox")
BUSYBOX_SCRIPT = os.path.join(ROOT, "tests", "busybox", "script.sh")
BUSYBOX_TIMEOUT = float(os.environ.get("AOT_BUSYBOX_TIMEOUT", "300"))
# busybox is translated at -O0 in `make test`: recovery and the runtime are what this phase tests,
# and a cold -O2 translation of its 4,000 functions takes many CPU-minutes (docs/recovery.md).
BUSYBOX_OPT = os.environ.get("AOT_BUSYBOX_OPT", "-O0")


def ensure_busybox():
    """build/cache/busybox/bin/busybox from Debian's busybox-static:arm64 (downloaded once).
    Returns (path or None, error text)."""
    if os.path.exists(BUSYBOX):
        return BUSYBOX, ""
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    tmp = os.path.join(BUSYBOX_DIR, "download.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    archs = subprocess.run(["dpkg", "--print-foreign-architectures"], stdout=subprocess.PIPE).stdout.decode()
    steps = []
    if "arm64" not in archs.split():
        steps += [sudo + ["dpkg", "--add-architecture", "arm64"], sudo + ["apt-get", "update", "-q"]]
    steps += [["apt-get", "download", "busybox-static:arm64"]]
    for cmd in steps:
        log("busybox: $ " + " ".join(cmd))
        r = subprocess.run(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0 and cmd[-1] == "busybox-static:arm64":
            # the package lists may predate the arm64 architecture: update once and retry
            subprocess.run(sudo + ["apt-get", "update", "-q"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            r = subprocess.run(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            return None, "%s failed:\n%s" % (" ".join(cmd), r.stdout.decode(errors="replace")[-2000:])
    debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
    if len(debs) != 1:
        return None, "apt-get download left %r" % debs
    log("busybox: downloaded %s" % debs[0])
    r = subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, debs[0]), os.path.join(tmp, "x")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    src = os.path.join(tmp, "x", "bin", "busybox")
    if r.returncode != 0 or not is_aarch64_elf(src):
        return None, "dpkg-deb -x gave no AArch64 bin/busybox: " + r.stdout.decode(errors="replace")
    os.makedirs(os.path.dirname(BUSYBOX), exist_ok=True)
    shutil.copy(os.path.join(tmp, debs[0]), os.path.join(BUSYBOX_DIR, debs[0]))
    os.replace(src, BUSYBOX)
    shutil.rmtree(tmp, ignore_errors=True)
    return BUSYBOX, ""


def phase_busybox():
    t = Tally("busybox")
    guest, err = ensure_busybox()
    if guest is None:
        t.add("busybox", False, "busybox-static:arm64 not available", err)
        return t
    qemu = [shutil.which(QEMU[0]) or QEMU[0]] + QEMU[1:]  # the runs below have PATH=<applet folder>
    st, out, e, to = run(qemu + [guest, "--list"])
    applets = out.decode().split()
    if st != 0 or len(applets) < 100:
        t.add("busybox", False, "qemu busybox --list failed (exit %d)" % st, e.decode(errors="replace"))
        return t
    work = os.path.join(WORK, "busybox")
    shutil.rmtree(work, ignore_errors=True)
    qbin, xbin = os.path.join(work, "oracle-bin"), os.path.join(work, "bin")
    os.makedirs(qbin)
    os.makedirs(xbin)
    for a in applets:
        with open(os.path.join(qbin, a), "w") as f:
            f.write('#!/bin/sh\nexec %s %s %s "$@"\n' % (" ".join(qemu), guest, a))
        os.chmod(os.path.join(qbin, a), 0o755)
        os.symlink(guest, os.path.join(xbin, a))
    qcwd, xcwd = os.path.join(work, "oracle-run"), os.path.join(work, "run")
    os.makedirs(qcwd)
    os.makedirs(xcwd)
    args = ["sh", BUSYBOX_SCRIPT]
    t0 = time.time()
    qenv = dict(RUN_ENV, PATH=qbin, AOT_BB_ORACLE="1", AOT_BB_VIA=qbin + "/")
    qst, qout, qerr, qto = run(qemu + [guest] + args, env=qenv, cwd=qcwd, timeout=BUSYBOX_TIMEOUT)
    qerr = QEMU_SIGNAL_RE.sub("", qerr.decode(errors="replace")).encode()
    log("busybox: qemu run %.1fs, exit %d, %d lines" % (time.time() - t0, qst, qout.count(b"\n")))
    if qto:
        t.add("busybox", False, "qemu run timed out (oracle problem)")
        return t
    if QEMU_ONLY:
        t.add("busybox", True)
        return t
    t0 = time.time()
    xprog, xerr = translate(guest, [BUSYBOX_OPT])
    log("busybox: translation (%s) %.1fs%s" % (BUSYBOX_OPT, time.time() - t0, "" if xprog else " FAILED"))
    if xprog is None:
        t.add("busybox", False, xerr.splitlines()[0] if xerr else "translation failed", xerr)
        return t
    ensure_exe_cache(guest, xprog)
    # busybox picks the applet from argv[0]: run the translation through a link named busybox
    xlink = os.path.join(work, "busybox")
    os.symlink(xprog, xlink)
    trace = os.path.join(work, "busybox.strace")
    t0 = time.time()
    nst, nout, nerr, nto = run_native(xlink, args, None, xcwd, {"PATH": xbin}, trace, timeout=BUSYBOX_TIMEOUT)
    log("busybox: translated run %.1fs, exit %d" % (time.time() - t0, nst))
    problems, detail = [], []
    if nto:
        problems.append("timed out after %.0fs" % BUSYBOX_TIMEOUT)
    if nst != qst:
        problems.append("exit status %d, qemu %d" % (nst, qst))
    if nout != qout:
        problems.append("stdout differs")
        detail.append(short_diff("stdout", qout, nout, n=40))
    if nerr != qerr:
        problems.append("stderr differs")
        detail.append(short_diff("stderr", qerr, nerr, n=40))
    if not nto:
        bad = count_execve(trace, xlink, xcwd)
        if bad:
            problems.append("unexpected execve: " + bad[0][:160])
    sections = len(re.findall(rb"(?m)^== \d+ ", qout))
    used = sorted(a for a in applets if re.search(r"(?m)(^|[^A-Za-z0-9_.-])%s([ ;|&)\n]|$)" % re.escape(a),
                                                   open(BUSYBOX_SCRIPT).read()))
    log("busybox: script has %d sections and names %d applets" % (sections, len(used)))
    if len(used) < 40:
        problems.append("the script names only %d applets (want >= 40)" % len(used))
    t.add("busybox-script", not problems, "; ".join(problems),
          "\n".join(detail) + "\n--- translated stderr (tail) ---\n" + nerr.decode(errors="replace")[-3000:])
    stats_report("busybox")
    return t


# ---------------------------------------------------------------- phase: isa-tester

ISA_TESTER = os.path.join(ROOT, "target", "release", "aot-isa-tester")
# make test: >= 100,000 executions per runner (qemu, translated, IR interpreter).
ISA_SHORT = ["--seed", "1", "--snippets", "2500", "--iters", "40"]
# a second short run with random FPCR (rounding modes, flush-to-zero, default NaN)
ISA_SHORT_FPCR = ["--seed", "2", "--snippets", "1250", "--iters", "40", "--random-fpcr"]


def phase_isa(extra=()):
    """The random instruction tester (tests/isa-tester); its own exit status is the verdict."""
    t = Tally("isa-tester")
    runs = [("isa-tester", list(extra))] if extra else [("isa-tester", ISA_SHORT),
                                                       ("isa-tester-random-fpcr", ISA_SHORT_FPCR)]
    for name, args in runs:
        work = os.path.join(BUILD, "isa-tester", "suite" if name == "isa-tester" else "suite-fpcr")
        cmd = [ISA_TESTER] + args + ["--work", work]
        log("$ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd))
        r = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=dict(os.environ, AOT_TRANSLATOR=TRANSLATOR))
        out = r.stdout.decode(errors="replace")
        for l in out.splitlines():
            if "not tested" not in l:
                log(l)
        summary = next((l for l in out.splitlines() if "mismatching snippets" in l), "no summary")
        t.add(name, r.returncode == 0, "exit status %d: %s" % (r.returncode, summary), out)
    return t


# ---------------------------------------------------------------- phase: decoder-xcheck

def phase_xcheck():
    """Our decoder against llvm-mc-19 on 300,000 random words (lifter/tests/llvm_mc_xcheck.rs);
    mismatches not in lifter/tests/xcheck-known.txt fail it."""
    # --workspace, not -p aot-lifter: the same feature set as the cargo-test phase, so the lifter is
    # not compiled again
    r = subprocess.run(["cargo", "test", "--workspace", "--release", "--test", "llvm_mc_xcheck",
                        "--", "--ignored"], cwd=ROOT)
    return r.returncode == 0


# ---------------------------------------------------------------- phase: cargo

def phase_cargo():
    r = subprocess.run(["cargo", "test", "--workspace", "--release"], cwd=ROOT)
    return r.returncode == 0


# ---------------------------------------------------------------- phase: jit

JIT_PROGRAMS = "01-,02-,03-,04-,05-,06-,07-,08-,09-,10-,11-,17-,40-,41-,42-,43-,44-,64-,65-,66-,99-"


def phase_jit():
    """The fallback JIT (docs/jit.md): tests/programs 01-11, the fault tests (17, 40-44: precise
    guest signals from faults in JIT'd code), 64-65 (the JIT-compiling guest), 66 (a guest that
    generates more code than its 1 MiB JIT code cache holds: reclamation) and 99
    (trampolines) at -O2, each also run with AOT_JIT_ONLY_ABOVE=0 so that every guest function
    is JIT-compiled at run time; both runs are compared with qemu."""
    global JIT_VARIANT
    JIT_VARIANT = True
    try:
        return phase_programs(["-O2"], JIT_PROGRAMS)
    finally:
        JIT_VARIANT = False


# The Cranelift tier (docs/design.md "Backends"): every function compiled by Cranelift into the
# objects LLVM would make. Faults at the exact guest PC (17, 40-45: .debug_line rows from
# Cranelift's source locations), setjmp/longjmp (06), C++ exceptions (19), threads (24),
# signals (46-49), calls through pointers (04), recursion (05), printf (09).
TIER_PROGRAMS = "01-,04-,05-,06-,09-,17-,19-,22-,24-,40-,41-,42-,43-,44-,45-,47-"


def phase_tier():
    """tests/programs TIER_PROGRAMS at -O2 translated with --tier cranelift, compared with qemu.
    Time limits x4: Cranelift code is slower (19-cxx-exceptions' million throws take ~35 CPU-s,
    docs/performance.md "Cranelift tier")."""
    global XLAT_FLAGS, RUN_TIMEOUT_SCALE
    saved = XLAT_FLAGS
    XLAT_FLAGS = list(saved) + ["--tier", "cranelift"]
    RUN_TIMEOUT_SCALE = 4.0
    try:
        return phase_programs(["-O2"], TIER_PROGRAMS)
    finally:
        XLAT_FLAGS = saved
        RUN_TIMEOUT_SCALE = 1.0


# ---------------------------------------------------------------- phase: run (JIT-only mode)

RUN_DIR = os.path.join(ROOT, "tests", "run")


def run_level(src):
    """The one build level of a program in the run phase: -O2, else the first level it runs at."""
    lv = program_levels(src, LEVELS)
    return "-O2" if "-O2" in lv else ("" if src.endswith(".go") else lv[0])


def run_runner_ready(t):
    """Build the runner once, before the parallel runs (each would otherwise link one)."""
    hello, err = build_guest([CACHE_A], ["-O2"])
    if hello is None:
        t.add("run-runner", False, "could not build hello", err)
        return False
    t0 = time.time()
    st, out, e, to = run([TRANSLATOR, "run", "--cache-dir", os.environ["AOT_CACHE_DIR"], hello],
                         env=dict(RUN_ENV), timeout=600)
    qst, qout, qerr, _ = run_qemu(hello, [], None, None)
    ok = (st, out) == (qst, qout) and not to
    t.add("run-runner", ok, "" if ok else "hello through `aot-translate run`: status %d (qemu %d)" % (st, qst),
          e.decode(errors="replace")[-3000:])
    log("runner ready (first run incl. building it if needed: %.1fs)" % (time.time() - t0))
    return ok


def run_cli(t):
    """`aot-translate run` on bad input: one `aot-translate: error:` line, status 2."""
    hello, err = build_guest([CACHE_A], ["-O2"])
    with tempfile.TemporaryDirectory(prefix="aot-run-cli-") as tmp:
        cases = [(name, [p]) for name, p in bad_input_files(t, tmp, hello, err, "run-cli-")]
        cases.append(("no-guest", []))
        for name, args in cases:
            st, out, e, to = run([TRANSLATOR, "run"] + args, env=dict(RUN_ENV), timeout=120)
            lines = e.decode(errors="replace").splitlines()
            problems = []
            if st != 2:
                problems.append("exit status %d, expected 2" % st)
            if len(lines) != 1 or not lines[0].startswith("aot-translate: error:"):
                problems.append("stderr is not one 'aot-translate: error:' line: %r" % lines[:3])
            if name not in ("no-guest",) and args and args[0] not in (lines[0] if lines else ""):
                problems.append("the message does not name the file")
            t.add("run-cli-" + name, not problems, "; ".join(problems), "stderr:\n" + e.decode(errors="replace"))
        # a bad AOT_JIT_CACHE_MB: one runtime line naming it, status 71 (docs/jit.md "Switches")
        if hello:
            for bad in ("0", "abc", "99999"):
                st, out, e, to = run([TRANSLATOR, "run", hello], env=dict(RUN_ENV, AOT_JIT_CACHE_MB=bad), timeout=120)
                lines = e.decode(errors="replace").splitlines()
                ok = st == 71 and len(lines) == 1 and ("AOT_JIT_CACHE_MB=" + bad) in lines[0]
                t.add("run-cli-jit-cache-mb-" + bad, ok, "" if ok else "status %d, stderr %r" % (st, lines[:3]))
        # a file literally named `run` is still translated when written as a path
        if hello:
            shutil.copy(hello, os.path.join(tmp, "run"))
            st, out, e, to = run([TRANSLATOR, "./run", "-o", "run.x86"], cwd=tmp, env=dict(os.environ), timeout=XLAT_TIMEOUT)
            ok = st == 0 and os.path.exists(os.path.join(tmp, "run.x86"))
            t.add("run-cli-file-named-run", ok, "" if ok else "status %d" % st, e.decode(errors="replace")[-2000:])


def run_exec_untranslated(t):
    """An AArch64 guest that execs another AArch64 guest with no translation, translated and in
    run mode; the oracle is qemu running the parent with a wrapper path that runs the child under
    qemu (tests/run/exec-parent.c)."""
    global RUN_MODE
    parent, e1 = build_guest([os.path.join(RUN_DIR, "exec-parent.c")], ["-O2"])
    child, e2 = build_guest([os.path.join(RUN_DIR, "exec-child.c")], ["-O2"])
    if parent is None or child is None:
        t.add("run-exec-untranslated", False, "guest build failed", e1 + e2)
        return
    tmp = os.path.join(WORK, "run-exec")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    if True:
        wrapper = os.path.join(tmp, "child-under-qemu")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nexec %s %s "$@"\n' % (" ".join([shutil.which(QEMU[0]) or QEMU[0]] + QEMU[1:]), child))
        os.chmod(wrapper, 0o755)
        empty = os.path.join(tmp, "empty-exe-cache")  # no translation of the child anywhere
        os.makedirs(empty)
        q = run_qemu(parent, [wrapper], None, None)
        for mode in (False, True):
            RUN_MODE = mode
            try:
                for r in differential("exec-untranslated-" + ("run" if mode else "translated"), parent, [child],
                                      qemu_result=q, variants=[{"AOT_XLAT_CACHE": empty}], require_zero=False):
                    t.add(*r)
            finally:
                RUN_MODE = False


def phase_run(only=""):
    """`aot-translate run` (docs/jit.md, run mode): every tests/programs program at one level (-O2
    where it runs at -O2) and the corpora phase's 50 c-torture -O2 tests, each run JIT-only with no
    translation and compared with qemu; an AArch64 program exec'ing an untranslated one; the run
    subcommand's bad-input handling."""
    global RUN_MODE
    t = Tally("run")
    if not os.path.exists(TRANSLATOR):
        t.add("run", False, "translator missing: " + TRANSLATOR)
        return t
    if not run_runner_ready(t):
        return t
    run_cli(t)
    run_exec_untranslated(t)
    pats = [p for p in only.split(",") if p] or [""]
    items = [(s, run_level(s)) for s in list_programs() if any(p in os.path.basename(s) for p in pats)]
    RUN_MODE = True
    try:
        for res in pmap(program_case, items):
            for r in res:
                t.add(*r)
        if not only:
            cr = run_config(CONFIG_BY_NAME["c-torture-O2"], False, None, os.path.join(REPORTS, "run-corpora"))
            log(TABLE_HEAD)
            log(table_line(cr))
            pct = "%.2f%% of %d qemu-passing tests" % (cr.percent(), cr.qemu_pass)
            t.add("run-c-torture-O2 pass rate", cr.ok(), "" if cr.ok() else pct + " (target %.1f%%)" % CORPUS_TARGET)
            log("run-c-torture-O2: %s" % pct)
    finally:
        RUN_MODE = False
    log("run: " + t.summary())
    return t


# ---------------------------------------------------------------- phase: stripped

def symbol_full_failures():
    """Names of the tests that failed in the last symbol-full programs and corpora runs (their
    reports in build/reports/programs/ and build/reports/corpora/c-torture-O2.failures.txt)."""
    names = set()
    pdir = os.path.join(REPORTS, "programs")
    for f in os.listdir(pdir) if os.path.isdir(pdir) else []:
        with open(os.path.join(pdir, f), errors="replace") as fh:
            names.add(fh.readline().rstrip("\n"))
    tf = os.path.join(REPORTS, "corpora", "c-torture-O2.failures.txt")
    if os.path.exists(tf):
        with open(tf, errors="replace") as fh:
            names.update(l.split(": ", 1)[0] for l in fh if l.strip())
    return names


def phase_stripped():
    """Recovery without symbols (issue 6): tests/programs (C, C++, Go) at -O2 and the c-torture
    -O2 50-test subset, each built as usual, aarch64-linux-gnu-strip'ped, translated and compared
    with qemu. A failure counts only if the symbol-full run of the same test did not fail too
    (its report from the programs/corpora phases; without one every failure counts)."""
    global STRIP
    full_fail = symbol_full_failures()
    t0 = time.time()
    STRIP = True
    stats_report("before the stripped phase")  # (AOT_TEST_STATS=1: drop earlier phases' lines)
    try:
        tp = phase_programs(["-O2"])
        stats_report("stripped programs -O2")
        cr = phase_corpora(["c-torture-O2"], report_name="corpora-stripped")
    finally:
        STRIP = False
    t = Tally("stripped")
    t.passed = tp.passed + cr.passed
    t.xfailed = tp.xfailed + cr.xfailed
    t.skipped = tp.skipped + sum(r.t.skipped for r in cr.results)
    for name, reason in tp.failures + [f for r in cr.results for f in r.t.failures]:
        if name in full_fail:
            t.xfailed += 1
            log("stripped: %s fails symbol-full too (not counted): %s" % (name, reason[:200]))
        else:
            t.failed += 1
            t.failures.append((name, reason))
            log("stripped: NEW FAILURE %s: %s" % (name, reason[:200]))
    log("stripped: %s (%.0f s)" % (t.summary(), time.time() - t0))
    return t


# ---------------------------------------------------------------- suite

# Translations are ~20 MB each and a clean `make test` makes about 500 of them. CI machines have
# run out of disk before (ld and as then fail with "No such file or directory" on /tmp), so every
# phase starts by reporting free space and, when it is short, dropping the oldest translations:
# they are a cache, and a dropped one is only made again if a later phase needs it.
DISK_LOW = 6 << 30
DISK_TARGET = 10 << 30


def keep_disk_free():
    free = shutil.disk_usage(CACHE if os.path.isdir(CACHE) else ROOT).free
    if free >= DISK_LOW:
        log("disk: %.1f GiB free" % (free / 2**30))
        return
    entries = []
    for sub in ("xlat", "exe"):
        d = os.path.join(CACHE, sub)
        for n in os.listdir(d) if os.path.isdir(d) else []:
            p = os.path.join(d, n)
            try:
                entries.append((os.stat(p).st_mtime, p))
            except OSError:
                pass
    entries.sort()
    dropped = 0
    for _, p in entries:
        if shutil.disk_usage(CACHE).free >= DISK_TARGET:
            break
        if os.path.isdir(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                os.unlink(p)
            except OSError:
                pass
        dropped += 1
    log("disk: %.1f GiB free, below %d GiB: dropped the %d oldest cached translations, now %.1f GiB free"
        % (free / 2**30, DISK_LOW >> 30, dropped, shutil.disk_usage(CACHE).free / 2**30))


def suite(args):
    phases = [
        ("cargo-test", phase_cargo),
        ("isa-tester", phase_isa),
        ("decoder-xcheck", phase_xcheck),
        ("programs", phase_programs),
        ("jit", phase_jit),
        ("cranelift-tier", phase_tier),
        ("run", phase_run),
        ("corpora", phase_torture),
        ("stripped", phase_stripped),
        ("csmith", phase_csmith),
        ("cache-check", phase_cache),
        ("cli-bad-input", phase_cli),
        ("busybox", phase_busybox),
    ]
    if args.only:
        phases = [p for p in phases if p[0] in args.only.split(",")]
    table = []
    corpus_tables = []
    cache_lines = []
    counted_pass = counted_fail = 0
    for name, fn in phases:
        log("")
        log("=== phase %s ===" % name)
        keep_disk_free()
        t0 = time.time()
        before = dict(STATS)
        try:
            r = fn()
        except Exception as ex:  # a crashed phase is a failed phase
            import traceback
            traceback.print_exc()
            r = False
            log("phase %s crashed: %s" % (name, ex))
        dt = time.time() - t0
        write_times(name)
        if STATS != before:
            log("%s: %s" % (name, stats_line(before)))
            cache_lines.append("%-15s %s" % (name, stats_line(before)))
        if isinstance(r, CorporaResult):
            # the corpora's target is a pass rate per configuration (>= 99.5% of the tests that
            # pass under qemu); failures are listed in build/reports/corpora/ and csmith/
            ok = r.ok()
            res = r.summary()
            counted_pass += r.passed
            counted_fail += r.failed
            corpus_tables += r.table()[(1 if corpus_tables else 0):]
        elif isinstance(r, Tally):
            ok = r.failed == 0 and r.passed > 0
            res = r.summary()
            if name == "programs":
                counted_pass += r.passed
                counted_fail += r.failed
        else:
            ok = bool(r)
            res = "ok" if ok else "FAILED"
        table.append((name, dt, ok, res))
    lines = ["", "%-15s %9s  %s" % ("phase", "seconds", "result")]
    for name, dt, ok, res in table:
        lines.append("%-15s %9.1f  %s%s" % (name, dt, "PASS " if ok else "FAIL ", res))
    lines.append("%-15s %9.1f" % ("total", sum(x[1] for x in table)))
    if cache_lines:
        lines += ["", "where the time went (seconds summed over parallel jobs; per test: build/reports/times-PHASE.txt):"]
        lines += cache_lines
    if corpus_tables:
        lines += ["", "corpus configurations (qpass: passes under qemu, the denominator):"] + corpus_tables
    os.makedirs(REPORTS, exist_ok=True)
    with open(os.path.join(REPORTS, "phases.txt"), "w") as f:
        f.write("\n".join(lines[1:]) + "\n%d passed, %d failed\n" % (counted_pass, counted_fail))
    for l in lines:
        log(l)
    log("%d passed, %d failed" % (counted_pass, counted_fail))
    return 0 if all(x[2] for x in table) else 1


# ---------------------------------------------------------------- demo

def demo():
    outdir = os.path.join(BUILD, "examples")
    os.makedirs(outdir, exist_ok=True)
    bad = 0
    for f in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        if not f.endswith(".c"):
            continue
        name = f[:-2]
        src = os.path.join(ROOT, "examples", f)
        guest = os.path.join(outdir, name)
        xprog = guest + ".x86"
        log("$ %s -O2 -static -o %s %s" % (CC, os.path.relpath(guest, ROOT), os.path.relpath(src, ROOT)))
        subprocess.run([CC, "-O2", "-static", "-o", guest, src, "-lm"], check=True)
        log("$ %s %s -o %s" % (os.path.relpath(TRANSLATOR, ROOT), os.path.relpath(guest, ROOT),
                              os.path.relpath(xprog, ROOT)))
        t0 = time.time()
        r = subprocess.run([TRANSLATOR, guest, "-o", xprog])
        if r.returncode != 0:
            log("translation FAILED (exit %d)" % r.returncode)
            bad += 1
            continue
        log("  (%.2fs) %s" % (time.time() - t0,
                              subprocess.run(["file", "-b", xprog], stdout=subprocess.PIPE).stdout.decode().strip()))
        t0 = time.time()
        nst, nout, nerr, nto = run([xprog], env=dict(RUN_ENV))
        tn = time.time() - t0
        t0 = time.time()
        qst, qout, qerr, qto = run_qemu(guest, [], None, None)
        tq = time.time() - t0
        log("$ %s" % os.path.relpath(xprog, ROOT))
        sys.stdout.write(nout.decode(errors="replace"))
        sys.stdout.write(nerr.decode(errors="replace"))
        same = (nst, nout, nerr) == (qst, qout, qerr)
        log("  exit %d, native %.3fs, qemu %.3fs: output %s qemu-aarch64's" % (
            nst, tn, tq, "EQUALS" if same else "DIFFERS FROM"))
        if not same:
            bad += 1
            log(short_diff("stdout", qout, nout))
        log("")
    return 1 if bad else 0


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("diff", help="qemu vs translated for one guest binary")
    d.add_argument("--stdin", default=None)
    d.add_argument("--env", action="append", default=[], help="VAR=VAL for the translated run")
    d.add_argument("prog")
    d.add_argument("args", nargs=argparse.REMAINDER)
    p = sub.add_parser("programs")
    p.add_argument("--levels", default=",".join(LEVELS))
    p.add_argument("--only", default="", help="only programs whose file name contains one of these comma-separated texts")
    p.add_argument("--jit", action="store_true", help="also run each with AOT_JIT_ONLY_ABOVE=0 (everything JIT-compiled)")
    tt = sub.add_parser("torture", help="c-torture -O0/-O2/-O3 (50 each, or all with --full)")
    tt.add_argument("--full", action="store_true")
    co = sub.add_parser("corpora", help="corpus configurations: %s" % ", ".join(CONFIG_BY_NAME))
    co.add_argument("--full", action="store_true", help="every test (default: 50 per configuration)")
    co.add_argument("--only", default="", help="comma-separated configuration names")
    co.add_argument("--csmith", type=int, default=0, help="csmith programs in a full run (default %d)" % CSMITH_FULL)
    co.add_argument("--csmith-from", type=int, default=1, metavar="K",
                    help="full run: csmith seeds K..N only (N from --csmith), to run the 1,000 in parts")
    sub.add_parser("csmith")
    sub.add_parser("cache")
    sub.add_parser("cli")
    rp = sub.add_parser("run", help="`aot-translate run` (JIT-only) on tests/programs, c-torture -O2, exec and CLI cases")
    rp.add_argument("--only", default="", help="only programs whose file name contains one of these texts (no c-torture)")
    sub.add_parser("busybox", help="Debian's busybox-static:arm64 running tests/busybox/script.sh vs qemu")
    sub.add_parser("stripped", help="programs -O2 and c-torture -O2 (50) translated from stripped binaries")
    s = sub.add_parser("suite")
    s.add_argument("--only", default="")
    sub.add_parser("demo")
    a = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    if a.cmd == "diff":
        var = dict(kv.split("=", 1) for kv in a.env) if a.env else None
        res = differential(os.path.basename(a.prog), os.path.abspath(a.prog), a.args,
                           os.path.abspath(a.stdin) if a.stdin else None, [var])
        rc = 0
        for name, ok, reason, details in res:
            log("%s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else ": " + reason))
            if not ok:
                log(details)
                rc = 1
        return rc
    if a.cmd == "programs":
        global JIT_VARIANT
        JIT_VARIANT = a.jit
        r = phase_programs(a.levels.split(","), a.only)
        write_times("programs")
        log("programs: " + stats_line({}))
        return 0 if r.failed == 0 else 1
    if a.cmd == "torture":
        return 0 if phase_corpora(TORTURE_CLASSIC, full=a.full).ok() else 1
    if a.cmd == "corpora":
        names = a.only.split(",") if a.only else list(CONFIG_BY_NAME)
        bad = [n for n in names if n not in CONFIG_BY_NAME]
        if bad:
            log("unknown configuration(s): %s (known: %s)" % (", ".join(bad), ", ".join(CONFIG_BY_NAME)))
            return 2
        global CSMITH_FIRST
        CSMITH_FIRST = max(1, a.csmith_from)
        r = phase_corpora(names, full=a.full, csmith_count=a.csmith or None)
        write_times("corpora")
        log("corpora: " + stats_line({}))
        return 0 if r.ok() else 1
    if a.cmd == "csmith":
        return 0 if phase_csmith().ok() else 1
    if a.cmd == "cache":
        return 0 if phase_cache() else 1
    if a.cmd == "cli":
        return 0 if phase_cli().failed == 0 else 1
    if a.cmd == "run":
        return 0 if phase_run(a.only).failed == 0 else 1
    if a.cmd == "busybox":
        return 0 if phase_busybox().failed == 0 else 1
    if a.cmd == "stripped":
        return 0 if phase_stripped().failed == 0 else 1
    if a.cmd == "suite":
        return suite(a)
    if a.cmd == "demo":
        return demo()
    return 2


if __name__ == "__main__":
    sys.exit(main())
