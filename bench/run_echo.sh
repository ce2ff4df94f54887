#!/usr/bin/env bash
# Builds the TCP echo benchmark and its servers (Release, in build-bench/)
# and runs it: echo servers written with eddy, libuv, libev, Go and plain
# epoll, one load client, 1, 100 and 1,000 connections.
#
#   bench/run_echo.sh [ROUNDS] [more echo_bench options...]
#
# ROUNDS defaults to $EDDY_BENCH_ROUNDS, else 5. The CSV goes to
# build-bench/echo_bench.csv unless another --csv is given. Installs the
# peers (scripts/deps.sh bench, which includes golang-go) when missing.
# bench/run.sh (`make bench`) calls it after task_bench. Each measurement
# takes about 3 s (0.5 s warm-up, 2 s counted, a fresh server process):
# five rounds of 5 servers x 3 connection counts take about 4 minutes.
# The steps it shares with bench/run.sh are in bench/common.sh.
set -euo pipefail

# shellcheck source=bench/common.sh source-path=SCRIPTDIR/..
. "$(dirname "$0")/common.sh"
bench_build echo_bench "$@"

tree=$(git -C "$root" describe --always --dirty 2>/dev/null || echo "not a git tree")
echo "+ $build/bench/echo_bench --rounds $rounds ${csv[*]} ${args[*]}   (eddy tree: $tree)"
exec "$build/bench/echo_bench" --rounds "$rounds" "${csv[@]}" "${args[@]}"
