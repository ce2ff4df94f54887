#!/usr/bin/env bash
# Builds eddy for AArch64 with Debian's cross compiler and runs a smoke
# check of the context switch and the task layer under qemu-user: the one
# way to test the other CPU's assembly on this machine.
#   tests/cross/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/scripts/deps.sh" cross

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Every library source CMake lists, plus the AArch64 switch.
mapfile -t srcs < <(sed -n '/^set(EDDY_SOURCES/,/^)/p' "$root/CMakeLists.txt" | grep -o 'src/[^ )]*\.c')
(cd "$root" && aarch64-linux-gnu-gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -static \
  -Isrc -Iinclude "${srcs[@]}" src/task/context_aarch64.S tests/cross/smoke.c -lpthread \
  -o "$out/smoke")
qemu-aarch64 "$out/smoke"
