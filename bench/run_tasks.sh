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
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${EDDY_BENCH_ROUNDS:-5}
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  rounds=$1
  shift
fi

"$root/scripts/deps.sh" bench

build="$root/build-bench"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DEDDY_BUILD_BENCH=ON -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j2 --target task_bench

csv=(--csv "$build/task_bench.csv")
for arg in "$@"; do
  [ "$arg" = "--csv" ] && csv=()
done
tree=$(git -C "$root" describe --always --dirty 2>/dev/null || echo "not a git tree")
echo "+ $build/bench/task_bench --rounds $rounds ${csv[*]} $*   (eddy tree: $tree)"
exec "$build/bench/task_bench" --rounds "$rounds" "${csv[@]}" "$@"
