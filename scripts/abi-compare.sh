#!/bin/sh
# Compare the syscall ABI as seen by C programs on x86-64 and aarch64 (tests/abi/abi-compare.c):
# every difference must be one the runtime translates (tests/abi/expected.diff).
set -e
cd "$(dirname "$0")/../tests/abi"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -o "$tmp/x86" abi-compare.c
aarch64-linux-gnu-gcc -static -o "$tmp/a64" abi-compare.c
"$tmp/x86" > "$tmp/x86.txt"
qemu-aarch64 "$tmp/a64" > "$tmp/a64.txt"
diff "$tmp/x86.txt" "$tmp/a64.txt" > "$tmp/got.diff" || true
if diff -u expected.diff "$tmp/got.diff"; then
    echo "abi-compare: $(wc -l < "$tmp/x86.txt") values compared, only the translated differences remain"
else
    echo "abi-compare: unexpected differences (above)" >&2
    exit 1
fi
