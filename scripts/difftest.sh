#!/usr/bin/env bash
# Differential test of one static AArch64 guest binary: qemu-aarch64 (oracle) vs. its translation.
# usage: scripts/difftest.sh [--stdin FILE] [--env VAR=VAL]... GUEST [ARGS...]
# Compares stdout, stderr and exit status; the translated run has qemu hidden and may exec nothing.
set -euo pipefail
exec python3 "$(dirname "$0")/aottest.py" diff "$@"
