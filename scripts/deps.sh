#!/usr/bin/env bash
# Installs the Debian packages a task needs, only those missing.
#   scripts/deps.sh build   compiler, build tools, libcurl (the HTTP module)
#   scripts/deps.sh test    + Check, and nginx and openssl for the HTTP tests
#   scripts/deps.sh bench   + the peers the benchmarks compare with
#   scripts/deps.sh cross   + an AArch64 cross compiler and qemu-user
set -euo pipefail

want=(gcc make cmake pkg-config)
case "${1:-build}" in
  build) want+=(libcurl4-openssl-dev) ;;
  test) want+=(libcurl4-openssl-dev check libsubunit-dev nginx openssl) ;;
  bench) want+=(libuv1-dev libev-dev libevent-dev golang-go nginx libcurl4-openssl-dev gnuplot-nox) ;;
  cross) want+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user) ;;
  *) echo "usage: $0 build|test|bench|cross" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
