#!/usr/bin/env bash
# Installs the build into a scratch prefix and builds a consumer against it
# twice: with pkg-config and with CMake's find_package(eddy).
#   check.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name eddy.pc)")/..

export PKG_CONFIG_PATH=$libdir/pkgconfig
cc -std=c11 -Wall -Wextra -Werror "$src/tests/install/consumer.c" -o "$prefix/by_pkgconfig" \
  $(pkg-config --cflags --libs eddy)
LD_LIBRARY_PATH=$libdir "$prefix/by_pkgconfig"
cc -std=c11 "$src/tests/install/consumer.c" -o "$prefix/by_pkgconfig_static" \
  $(pkg-config --cflags eddy) "$libdir/libeddy.a" $(pkg-config --static --libs-only-other eddy)
"$prefix/by_pkgconfig_static"

cmake -S "$src/tests/install" -B "$prefix/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer" >/dev/null
"$prefix/consumer/consumer_static"
LD_LIBRARY_PATH=$libdir "$prefix/consumer/consumer_shared"
echo "install check: pkg-config and find_package(eddy) both work"
