#!/usr/bin/env bash
# Builds the HTTP client benchmark and its clients (Release, in build-bench/)
# and runs it: eddy's HTTP module (tasks calling ed_http_get) against plain
# libcurl multi programs, 10,000 GETs of a 1 KiB file from a local nginx
# with 100 in flight (the issue's target: eddy >= 0.95x libcurl's
# requests per second).
#
#   bench/run_http.sh [ROUNDS] [more http_bench options...]
#
# ROUNDS defaults to $EDDY_BENCH_ROUNDS, else 5. The CSV goes to
# build-bench/http_bench.csv unless another --csv is given. Installs the
# peers (scripts/deps.sh bench, which includes nginx and libcurl's headers)
# when missing. bench/run.sh (`make bench`) calls it after echo_bench. A
# client run takes well under a second: five rounds of 3 clients take about
# 10 s. The steps it shares with bench/run.sh are in bench/common.sh.
set -euo pipefail

# shellcheck source=bench/common.sh source-path=SCRIPTDIR/..
. "$(dirname "$0")/common.sh"
bench_build http_bench "$@"

tree=$(git -C "$root" describe --always --dirty 2>/dev/null || echo "not a git tree")
echo "+ $build/bench/http_bench --rounds $rounds ${csv[*]} ${args[*]}   (eddy tree: $tree)"
exec "$build/bench/http_bench" --rounds "$rounds" "${csv[@]}" "${args[@]}"
