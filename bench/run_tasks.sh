#!/usr/bin/env bash
# Builds the coroutine benchmark and its Go peer (Release, in build-bench/)
# and runs it: eddy's tasks against glibc's swapcontext and Go's goroutines.
#
#   bench/run_tasks.sh [ROUNDS] [more task_bench options...]
#
# ROUNDS defaults to $EDDY_BENCH_ROUNDS, else 5. The CSV goes to
# build-bench/task_bench.csv unless another --csv is given. Installs the
# peers (scripts/deps.sh bench, which includes golang-go) when missing.
# bench/run.sh (`make bench`) calls it after loop_bench. Five rounds take
# about two minutes on a 2-vCPU machine, most of it in the RSS workload
# (100,000 parked tasks per contender per round, each a fresh process).
# The steps it shares with bench/run.sh are in bench/common.sh.
set -euo pipefail

# shellcheck source=bench/common.sh source-path=SCRIPTDIR/..
. "$(dirname "$0")/common.sh"
bench_build task_bench "$@"

tree=$(git -C "$root" describe --always --dirty 2>/dev/null || echo "not a git tree")
echo "+ $build/bench/task_bench --rounds $rounds ${csv[*]} ${args[*]}   (eddy tree: $tree)"
exec "$build/bench/task_bench" --rounds "$rounds" "${csv[@]}" "${args[@]}"
