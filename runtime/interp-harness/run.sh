#!/bin/bash
# Differential end-to-end test of the runtime without the LLVM backend: every guest text address
# maps to `interp_fn`, which lifts a basic block with aot-lifter and runs it in the IR interpreter.
# Usage: runtime/interp-harness/run.sh [program.c|.cpp ...]   (default: tests/programs/*)
# Compares stdout, stderr and exit status with qemu-aarch64 -cpu max,sve=off. Slow (interpreted).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${WORK:-/tmp/aot-interp-harness}
mkdir -p "$work"
CARGO_TARGET_DIR="$work/target" cargo build --release --manifest-path "$here/Cargo.toml" -q || exit 1
lib="$work/target/release/libaot_interp_harness.a"
ulimit -c 0
progs=("$@"); [ ${#progs[@]} -eq 0 ] && progs=("$root"/tests/programs/*.c "$root"/tests/programs/*.cpp)
envs=(AOT_TEST_VAR1=hello "AOT_TEST_VAR2=a=b c" PATH=/usr/bin:/bin LC_ALL=C HOME=/root TZ=UTC)
for src in "${progs[@]}"; do
  n=$(basename "${src%.*}"); base="${src%.*}"; o="$work/$n"
  cc=aarch64-linux-gnu-gcc; [[ $src == *.cpp ]] && cc=aarch64-linux-gnu-g++
  $cc -static -pthread -O2 -o "$o.guest" "$src" -lm 2>/dev/null || { echo "$n: guest build failed"; continue; }
  python3 "$here/mkglue.py" "$o.guest" "$o.s"
  cc -static-pie -o "$o" "$o.s" "$lib" -lpthread -ldl -lm 2>/dev/null || { echo "$n: link failed"; continue; }
  args=""; [ -f "$base.args" ] && args=$(sed "s|@WORKDIR@|$work/wd|" "$base.args")
  stdin=/dev/null; [ -f "$base.stdin" ] && stdin="$base.stdin"
  rm -rf "$work/wd"; mkdir -p "$work/wd"
  env -i "${envs[@]}" qemu-aarch64 -cpu max,sve=off "$o.guest" $args < "$stdin" > "$o.qout" 2> "$o.qerr"; qrc=$?
  rm -rf "$work/wd"; mkdir -p "$work/wd"
  env -i "${envs[@]}" timeout ${TIMEOUT:-60} "$o" $args < "$stdin" > "$o.out" 2> "$o.err"; rc=$?
  grep -v "^qemu: uncaught target signal" "$o.qerr" > "$o.qerr2"
  if [ $rc == $qrc ] && cmp -s "$o.out" "$o.qout" && cmp -s "$o.err" "$o.qerr2"; then echo "$n: OK ($rc)"
  else echo "$n: DIFF status $rc (qemu $qrc); see $o.{out,err,qout,qerr2}"; fi
done
