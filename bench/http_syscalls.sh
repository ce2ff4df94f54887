#!/usr/bin/env bash
# Counts the system calls per GET of each HTTP client of http_bench (eddy,
# libcurl perform+poll, libcurl socket_action+epoll), with perf's syscall
# tracepoints (lighter than strace, which slows a client enough to change
# how many events one wait returns). nginx is started by `http_bench
# --serve` (pinned to CPU 1); each client runs pinned to CPU 0 twice, with N
# GETs and with N/10, and the difference of the counts is divided by the
# difference of the GETs, so that set-up (libcurl's initialisation, the 100
# connections of the warm-up) cancels out.
#
#   bench/http_syscalls.sh [N] [INFLIGHT] [BIN_DIR]   (defaults: 10000, 100, build-bench/bench)
#
# Needs perf and root (or a perf_event_paranoid that allows tracepoints).
# Also prints, per GET, the reads that found nothing (recvfrom or read
# returning EAGAIN).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10000}
inflight=${2:-100}
bin=${3:-$root/build-bench/bench}
small=$((n / 10))
if [ "$small" -lt 1 ]; then
  echo "http_syscalls.sh: N too small" >&2
  exit 64
fi
command -v perf >/dev/null 2>&1 || { echo "http_syscalls.sh: needs perf" >&2; exit 1; }
tmp=$(mktemp -d)
serve=""
cleanup() {
  if [ -n "$serve" ]; then
    kill -INT "$serve" 2>/dev/null || true # http_bench stops nginx and removes its directory
    wait "$serve" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

size=1024
"$bin/http_bench" --serve --size "$size" >"$tmp/serve" 2>&1 &
serve=$!
for _ in $(seq 100); do grep -q '^url ' "$tmp/serve" && break; sleep 0.1; done
url=$(awk '/^url /{print $2}' "$tmp/serve")
[ -n "$url" ] || { echo "http_syscalls.sh: nginx did not start: $(cat "$tmp/serve")" >&2; exit 1; }

calls=(epoll_wait epoll_pwait epoll_ctl poll ppoll sendto recvfrom read write writev readv
  sendmsg recvmsg futex mmap munmap brk madvise mprotect socket connect close getsockname
  getpeername getsockopt setsockopt fcntl timerfd_settime)
events=raw_syscalls:sys_enter
for c in "${calls[@]}"; do events+=",syscalls:sys_enter_$c"; done

# perf stat's CSV -> "event count" lines, the EAGAIN reads as "again count".
counts() {
  awk -F, '$1 ~ /^[0-9]+$/ {
      e = $3
      if (e ~ /^syscalls:sys_exit_/) { again += $1; next }
      sub(/^syscalls:sys_enter_/, "", e); sub(/^raw_syscalls:sys_enter$/, "total", e)
      print e, $1 }
    END { print "again", again + 0 }' "$1" | sort
}

run() { # program mode gets out
  local prog=$bin/http_client_$1
  local modeopt=()
  [ -n "$2" ] && modeopt=(--mode "$2")
  perf stat -x, -o "$4" -e "$events" \
    -e syscalls:sys_exit_recvfrom --filter 'ret == -11' \
    -e syscalls:sys_exit_read --filter 'ret == -11' \
    -- taskset -c 0 "$prog" "${modeopt[@]}" --requests "$3" --inflight "$inflight" \
    --length "$size" "$url" >"$4.out"
}

echo "http_syscalls.sh: $url ($size bytes), $inflight in flight; counts of $n GETs minus $small"
for who in curl curl-epoll eddy; do
  case $who in
    curl) prog=curl mode=poll ;;
    curl-epoll) prog=curl mode=epoll ;;
    eddy) prog=eddy mode="" ;;
  esac
  if [ ! -x "$bin/http_client_$prog" ]; then
    echo "$who: $bin/http_client_$prog is missing"
    continue
  fi
  run "$prog" "$mode" "$n" "$tmp/$who.n"
  run "$prog" "$mode" "$small" "$tmp/$who.s"
  counts "$tmp/$who.n" >"$tmp/$who.n.c"
  counts "$tmp/$who.s" >"$tmp/$who.s.c"
  rps=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' "$tmp/$who.n.out")
  join -a 1 -e 0 -o 0,1.2,2.2 "$tmp/$who.n.c" "$tmp/$who.s.c" |
    awk -v who="$who" -v gets=$((n - small)) -v order="${calls[*]}" -v rps="$rps" '
      { d[$1] = ($2 - $3) / gets }
      END {
        k = split(order, names, " ")
        for (i = 1; i <= k; i++) {
          v = d[names[i]]
          if (v < 0.005) continue
          parts = parts (parts ? ", " : "") sprintf("%s %.2f", names[i], v)
        }
        if (d["again"] >= 0.005) parts = parts sprintf("; EAGAIN reads %.2f", d["again"])
        printf "%-10s %.2f syscalls per GET (%s)  [%s req/s under perf]\n", who, d["total"], parts, rps
      }'
done
