#!/usr/bin/env bash
# Counts the system calls per ping-pong round trip of each contender with
# strace -c -f: runs `loop_bench --syscalls NAME` with N round trips and with
# one, and divides the difference by N-1 (so loop setup and teardown cancel).
#
#   bench/syscalls.sh [LOOP_BENCH] [N]      (defaults: build-bench/bench/loop_bench, 20000)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build-bench/bench/loop_bench}
n=${2:-20000}
command -v strace >/dev/null 2>&1 || {
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update && $sudo apt-get install -y --no-install-recommends strace
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# strace -c table -> "name calls" lines (the errors column may be empty).
counts() {
  awk '$1 ~ /^[0-9.]+$/ && NF >= 5 { print $NF, $4 }' "$1"
}

for who in eddy libuv libev; do
  strace -f -c -o "$tmp/$who.n" "$bin" --syscalls "$who" --trips "$n" >/dev/null
  strace -f -c -o "$tmp/$who.1" "$bin" --syscalls "$who" --trips 1 >/dev/null
  counts "$tmp/$who.n" | sort >"$tmp/$who.n.c"
  counts "$tmp/$who.1" | sort >"$tmp/$who.1.c"
  join -a 1 -e 0 -o 0,1.2,2.2 "$tmp/$who.n.c" "$tmp/$who.1.c" |
    awk -v who="$who" -v n="$n" '
      { d = ($2 - $3) / (n - 1); if ($1 == "total") total = d;
        else if (d >= 0.005) parts = parts sprintf("%s%s %.2f", parts ? ", " : "", $1, d) }
      END { printf "%-6s %.2f syscalls per round trip (%s)\n", who, total, parts }'
done
