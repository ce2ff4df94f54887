#!/usr/bin/env bash
# Counts the system calls per round trip of each echo server of echo_bench,
# with perf's syscall tracepoints (lighter than strace, which slows a server
# enough to change how many events one epoll_wait returns). Each server runs
# pinned to CPU 1, the client (echo_bench --connect) on CPU 0, with N
# connections for 0.3 s + W s; the counts over the client's whole run are
# divided by the round trips it made (connection set-up adds a few calls per
# connection: under 1% of the total at 100 connections).
#
#   bench/echo_syscalls.sh [N] [W] [BIN_DIR]     (defaults: 100, 2, build-bench/bench)
#
# Needs perf and root (or a perf_event_paranoid that allows tracepoints).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-100}
window=${2:-2}
bin=${3:-$root/build-bench/bench}
command -v perf >/dev/null 2>&1 || { echo "echo_syscalls.sh: needs perf" >&2; exit 1; }
tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

calls=(read write sendto recvfrom epoll_wait epoll_pwait epoll_ctl futex nanosleep)
events=raw_syscalls:sys_enter
for c in "${calls[@]}"; do events+=",syscalls:sys_enter_$c"; done

for who in eddy uv ev go epoll; do
  prog=$bin/echo_server_$who
  [ "$who" = go ] && prog=$bin/echo_go
  GOMAXPROCS=1 taskset -c 1 "$prog" >"$tmp/port" 2>"$tmp/err" &
  server=$!
  for _ in $(seq 50); do grep -q '^port ' "$tmp/port" && break; sleep 0.1; done
  port=$(awk '/^port /{print $2}' "$tmp/port")
  [ -n "$port" ] || { echo "echo_syscalls.sh: $prog did not start: $(cat "$tmp/err")" >&2; exit 1; }
  perf stat -x, -o "$tmp/stat" -e "$events" -e syscalls:sys_exit_read --filter 'ret == -11' \
    -p "$server" &
  perf=$!
  sleep 0.3
  taskset -c 0 "$bin/echo_bench" --connect "$port" --conns "$n" --window "$window" \
    --warmup 0.3 >"$tmp/client"
  kill -INT "$perf"
  wait "$perf" || true
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
  trips=$(sed -n 's/.*; \([0-9]*\) round trips in all.*/\1/p' "$tmp/client")
  awk -F, -v who="$who" -v trips="$trips" -v order="${calls[*]}" '
    $1 ~ /^[0-9]+$/ && $3 == "raw_syscalls:sys_enter" { total = $1 / trips }
    $1 ~ /^[0-9]+$/ && $3 ~ /^syscalls:sys_enter_/ { c[substr($3, 20)] = $1 / trips }
    $1 ~ /^[0-9]+$/ && $3 == "syscalls:sys_exit_read" { again = $1 / trips }
    END {
      k = split(order, names, " ")
      for (i = 1; i <= k; i++) {
        d = c[names[i]]
        if (d < 0.005) continue
        part = sprintf("%s %.2f", names[i], d)
        if (names[i] == "read" && again >= 0.005) part = part sprintf(" (%.2f EAGAIN)", again)
        parts = parts (parts ? ", " : "") part
      }
      printf "%-6s %.2f syscalls per round trip (%s), %d round trips\n", who, total, parts, trips
    }
' "$tmp/stat"
done
