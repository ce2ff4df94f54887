#!/bin/sh
# Fails when docs/reference.md is not what scripts/gen-reference.sh makes of
# the headers now (the reference_fresh test runs it).
#
#   scripts/check-reference.sh [-I INCLUDE_DIR] FRESH
#
# FRESH is where the regenerated reference goes (in a build directory);
# INCLUDE_DIR defaults to the repository's include/.
set -eu

usage() {
  echo "usage: $0 [-I INCLUDE_DIR] FRESH" >&2
  exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
inc=$root/include
while getopts I: opt; do
  case $opt in
    I) inc=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
fresh=$1
ref=$root/docs/reference.md
stale="docs/reference.md is stale: run scripts/gen-reference.sh docs/reference.md"

sh "$root/scripts/gen-reference.sh" -I "$inc" "$fresh"
if cmp -s "$ref" "$fresh"; then
  echo "docs/reference.md is up to date"
  exit 0
fi
echo "$stale" >&2
echo "(what the headers say now is $fresh; the first differences:)" >&2
diff -u "$ref" "$fresh" | head -n 60 >&2 || true
echo "$stale" >&2
exit 1
