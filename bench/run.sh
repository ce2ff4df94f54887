#!/usr/bin/env bash
# Builds the loop benchmark (Release, in build-bench/) and runs it, then the
# coroutine, echo and HTTP client benchmarks.
#
#   bench/run.sh [ROUNDS] [more loop_bench options...]
#
# ROUNDS defaults to $EDDY_BENCH_ROUNDS, else 5. The CSV goes to
# build-bench/loop_bench.csv unless another --csv is given. Installs the
# peers (scripts/deps.sh bench) when they are missing. The steps it shares
# with bench/run_tasks.sh are in bench/common.sh.
# Five rounds take about 3.5-4 minutes on a 2-vCPU machine, most of it in the
# 1M-round-trip ping-pong (6 syscalls of ~1.8 us each per round trip); then
# task_bench (~2 minutes), echo_bench (~4 minutes) and http_bench (~10 s).
set -euo pipefail

# shellcheck source=bench/common.sh source-path=SCRIPTDIR/..
. "$(dirname "$0")/common.sh"
bench_build loop_bench "$@"

echo "+ $build/bench/loop_bench --rounds $rounds ${csv[*]} ${args[*]}"
"$build/bench/loop_bench" --rounds "$rounds" "${csv[@]}" "${args[@]}"

# Then the coroutine benchmark (task_bench: eddy against glibc and Go) and
# the TCP echo benchmark (echo_bench: eddy, libuv, libev, Go and plain epoll
# servers), so that `make bench` runs all of them; same number of rounds,
# each with its own options and CSV (see bench/run_tasks.sh,
# bench/run_echo.sh).
# Last, the HTTP client benchmark (http_bench: eddy's HTTP module against
# plain libcurl, GETs from a local nginx; see bench/run_http.sh).
# EDDY_BENCH_TASKS=0, EDDY_BENCH_ECHO=0 or EDDY_BENCH_HTTP=0 leaves one out.
if [ "${EDDY_BENCH_TASKS:-1}" != 0 ]; then
  echo
  "$root/bench/run_tasks.sh" "$rounds"
fi
if [ "${EDDY_BENCH_ECHO:-1}" != 0 ]; then
  echo
  "$root/bench/run_echo.sh" "$rounds"
fi
if [ "${EDDY_BENCH_HTTP:-1}" != 0 ]; then
  echo
  "$root/bench/run_http.sh" "$rounds"
fi

# The side-by-side summary of everything above: build-bench/summary.md and
# build-bench/performance.png (docs/performance.md keeps a copy of both).
echo
"$root/bench/summary.sh" "$build"
