# aot-translate: top-level targets.  `make demo` and `make test` are the two README commands.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
# prerequisites (setup before build before the suite) must run in order even under make -j
.NOTPARALLEL:

PY       := python3 scripts/aottest.py
CARGO    ?= cargo
# rustup installs cargo into ~/.cargo/bin, which a fresh root shell may not have on PATH
export PATH := $(PATH):$(HOME)/.cargo/bin
export AOT_CACHE_DIR := $(CURDIR)/build/cache/aot

DEB_PACKAGES := llvm-19 llvm-19-dev libpolly-19-dev libzstd-dev zlib1g-dev clang-19 lld-19 \
	gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user \
	gcc-12-source csmith libcsmith-dev strace hyperfine valgrind file build-essential python3 \
	golang-go

.PHONY: setup build demo test bench torture torture-full corpora programs csmith cache-check cli-check run busybox stripped isa isa-full xcheck xcheck-full validate-oracle clean

## setup: install the Debian packages that are missing (apt-get update only if needed)
setup:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg -s "$$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else \
	  echo "setup: all packages present"; \
	fi; \
	command -v $(CARGO) >/dev/null || { echo "setup: cargo not found (install rustup first)"; exit 1; }

## build: the translator and the runtime library (release)
build:
	$(CARGO) build --release --workspace

## demo: build + translate examples/*.c and compare their output with qemu's
demo: setup build
	$(PY) demo

## test: the whole suite (phases with a table at the end); PHASES=programs,csmith runs a subset
## (phases: cargo-test isa-tester decoder-xcheck programs jit run corpora stripped csmith
##  cache-check cli-bad-input busybox; run = `aot-translate run` (JIT-only) on tests/programs and
##  c-torture -O2; stripped = programs -O2 + c-torture -O2 from stripped binaries;
##  corpora = 50 tests of each corpus configuration but csmith, csmith = 20 programs;
##  busybox = Debian's busybox-static:arm64 running tests/busybox/script.sh, downloaded once into
##  build/cache/busybox with dpkg --add-architecture arm64 + apt-get download)
PHASES ?=
test: setup build
	$(PY) suite $(if $(PHASES),--only $(PHASES))

## torture: all of gcc's c-torture execute tests at -O0, -O2, -O3 (gcc 12)
torture: setup build
	$(PY) torture --full

## torture-full: every corpus configuration in full (docs/corpora.md), one after the other:
##   c-torture with gcc -O0, -O2, -O3, gcc -O2 -march=armv8.2-a+lse+crypto, clang-19 -O2;
##   gcc.dg/torture `dg-do run` tests at -O2 with their dg-options; 1,000 csmith programs.
## Prints a table per configuration (passing under qemu, passing translated, %, failures) and
## writes it to build/reports/corpora-full/table.txt. CORPORA=a,b runs some; CSMITH=N sets the count;
## CSMITH_FROM=K runs seeds K..N only (the 1,000 csmith programs take hours: run them in parts);
## AOT_CORPUS_DEADLINE=HH:MM (UTC) starts no test after then (the table counts what was not run).
CORPORA ?=
CSMITH  ?=
CSMITH_FROM ?=
torture-full: setup build
	nice -n 10 $(PY) corpora --full $(if $(CORPORA),--only $(CORPORA)) $(if $(CSMITH),--csmith $(CSMITH)) $(if $(CSMITH_FROM),--csmith-from $(CSMITH_FROM))

## corpora: the short corpus runs of `make test` (50 tests per configuration), with the table
corpora: build
	$(PY) corpora $(if $(CORPORA),--only $(CORPORA))

## bench: the benchmark suite (benches/, scripts/bench.py; not part of make test): native, native
## -march=x86-64-v3, translated and qemu-aarch64 timed with hyperfine, callgrind instruction counts,
## translation time and memory; writes docs/performance.md. BENCH=a,b runs some (no doc written),
## QUICK=1 one run each; RUNS, QEMU_RUNS, REDUCED (callgrind input, % of the full run) as in the script
bench: setup build
	nice -n 10 python3 scripts/bench.py

## single phases, for development
programs: build
	$(PY) programs
csmith: build
	$(PY) csmith
cache-check: build
	$(PY) cache
cli-check: build
	$(PY) cli
run: build
	$(PY) run
busybox: build
	$(PY) busybox

## stripped: the differential programs at -O2 and 50 c-torture tests at -O2, each translated from
## its aarch64-linux-gnu-strip'ped copy (recovery without symbols); the `stripped` phase of make
## test (a failure counts only if the symbol-full run of that test passed)
stripped: build
	$(PY) stripped

## isa: the random instruction tester, short runs as in make test: 2,500 snippets x 40 states,
##      then 1,250 x 40 with random FPCR (rounding mode, flush-to-zero, default NaN)
## isa-full: 10,100 snippets x 1,000 states = 10 million executions per runner (docs/isa-tester.md)
ISA_TESTER := AOT_TRANSLATOR=$(CURDIR)/target/release/aot-translate $(CURDIR)/target/release/aot-isa-tester
isa: build
	$(ISA_TESTER) --seed 1 --snippets 2500 --iters 40
	$(ISA_TESTER) --seed 2 --snippets 1250 --iters 40 --random-fpcr --work build/isa-tester/seed2-fpcr
isa-full: build
	$(ISA_TESTER) --seed 7 --snippets 10100 --iters 1000 --work build/isa-tester/full

## xcheck: decoder vs llvm-mc-19 on 300,000 random words (as in make test); xcheck-full: 10 million
## (docs/decoder-xcheck.md; AOT_XCHECK_REPORT=FILE writes the report)
xcheck: build
	$(CARGO) test --workspace --release --test llvm_mc_xcheck -- --ignored --nocapture
xcheck-full: build
	AOT_XCHECK_WORDS=10000000 $(CARGO) test --workspace --release --test llvm_mc_xcheck -- --ignored --nocapture

## validate-oracle: the guest programs, corpus samples and csmith under qemu only, each run twice
## (they must pass there and be deterministic); no translator needed
validate-oracle:
	AOT_TEST_QEMU_ONLY=1 $(PY) suite --only programs,corpora,csmith

clean:
	rm -rf build
	$(CARGO) clean
