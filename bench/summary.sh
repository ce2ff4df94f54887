#!/usr/bin/env bash
# Reads the CSVs the benchmarks of one `make bench` wrote into build-bench/
# and writes, beside them, the side-by-side summary: summary.md (a table of
# eddy's speed over each peer's, workload by workload) and performance.png
# (the same as a bar chart, made by gnuplot). Above 1, eddy is faster.
#
#   bench/summary.sh [BUILD_DIR]
#
# Each benchmark reports its own kind of ratio; they are turned into one
# measure here, "eddy's speed / the peer's" (higher is better for eddy):
#   loop_bench   median times            -> peer time / eddy time
#   task_bench   eddy metric / peer's    -> its inverse (times and RSS)
#   echo_bench   eddy rtps / peer rtps   -> as it is
#   http_bench   eddy rps / peer rps     -> as it is
# A CSV that is missing (a benchmark left out) leaves its rows out.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
tsv="$build/summary.tsv"
md="$build/summary.md"
png="$build/performance.png"

: >"$tsv"
if [ -f "$build/loop_bench.csv" ]; then
  # workload,contender,median_ms,...: eddy's row first in each workload.
  awk -F, 'NR > 1 {
      if ($2 == "eddy") eddy[$1] = $3; else { peer[$1, $2] = $3; order[++n] = $1 SUBSEP $2 }
    }
    END {
      for (i = 1; i <= n; i++) {
        split(order[i], k, SUBSEP)
        if (eddy[k[1]] > 0) printf "loop\t%s\t%s\t%.4f\n", k[1], k[2], peer[k[1], k[2]] / eddy[k[1]]
      }
    }' "$build/loop_bench.csv" >>"$tsv"
fi
if [ -f "$build/task_bench.csv" ]; then
  # workload,contender,unit,median,min,max,eddy_ratio_median,...
  awk -F, 'NR > 1 && $7 != "" && $7 > 0 {
      printf "tasks\t%s\t%s\t%.4f\n", $1, $2, 1 / $7
    }' "$build/task_bench.csv" >>"$tsv"
fi
if [ -f "$build/echo_bench.csv" ]; then
  # conns,contender,...,eddy_rtps_ratio_median (column 11)
  awk -F, 'NR > 1 && $11 != "" {
      printf "echo\t%s conns\t%s\t%.4f\n", $1, $2, $11
    }' "$build/echo_bench.csv" >>"$tsv"
fi
if [ -f "$build/http_bench.csv" ]; then
  # contender,...,eddy_rps_ratio_median (column 9)
  awk -F, 'NR > 1 && $9 != "" {
      printf "http\t10k GETs\t%s\t%.4f\n", $1, $9
    }' "$build/http_bench.csv" >>"$tsv"
fi
if [ ! -s "$tsv" ]; then
  echo "summary: no benchmark CSV in $build" >&2
  exit 1
fi

{
  echo "| benchmark | workload | peer | eddy's speed / peer's |"
  echo "|---|---|---|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %.2f |\n", $1, $2, $3, $4 }' "$tsv"
  echo
  echo "Above 1, eddy is faster. Made by bench/summary.sh from the CSVs in $(basename "$build")/."
} >"$md"
cat "$md"

if command -v gnuplot >/dev/null; then
  rows=$(wc -l <"$tsv")
  gnuplot <<EOF
set terminal pngcairo size 1200,$((220 + rows * 14)) font "sans,9"
set output "$png"
set title "eddy against its peers: eddy's speed / the peer's (above 1, eddy is faster; log scale)"
set datafile separator "\t"
set style fill solid 0.8 border -1
set logscale x 2
set xrange [0.0625:*]
set grid xtics
set ytics nomirror
set yrange [$rows:-1]
set arrow from 1, graph 0 to 1, graph 1 nohead lw 2 lc rgb "black"
unset key
lo(r) = r < 1 ? r : 1
hi(r) = r < 1 ? 1 : r
plot "$tsv" using (sqrt(\$4)):0:(lo(\$4)):(hi(\$4)):(\$0 - 0.35):(\$0 + 0.35):(\$4 >= 1 ? 0x2e8b57 : 0xcd5c5c):yticlabels(sprintf("%s: %s vs %s", stringcolumn(1), stringcolumn(2), stringcolumn(3))) \\
     with boxxyerror lc rgb variable
EOF
  echo "plot: $png"
else
  echo "summary: gnuplot not found, no plot (Debian: apt-get install gnuplot-nox)" >&2
fi
