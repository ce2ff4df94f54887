# Sourced by bench/run.sh, bench/run_tasks.sh and bench/run_echo.sh: what
# each does before it runs its benchmark. Not a script of its own.
#
#   bench_build TARGET [ROUNDS] [more TARGET options...]
#
# Sets rounds (ROUNDS, else $EDDY_BENCH_ROUNDS, else 5), args (the options
# after ROUNDS) and csv (--csv build-bench/TARGET.csv, or nothing when args
# hold a --csv of their own); installs the peers when they are missing
# (scripts/deps.sh bench); configures build-bench/ (Release) and builds
# TARGET there. root and build are set on sourcing.

# (rounds, args and csv are for the sourcing script.)
# shellcheck shell=bash disable=SC2034

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build-bench"

bench_build() {
  local target=$1
  shift
  rounds=${EDDY_BENCH_ROUNDS:-5}
  if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
    rounds=$1
    shift
  fi
  args=("$@")

  "$root/scripts/deps.sh" bench

  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DEDDY_BUILD_BENCH=ON -DEDDY_BUILD_TESTS=OFF -DEDDY_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$build" -j2 --target "$target"

  csv=(--csv "$build/$target.csv")
  local arg
  for arg in "$@"; do
    [ "$arg" = "--csv" ] && csv=()
  done
  return 0
}
