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
# The HTTP module, when this build has it.
if [ -f "$libdir/pkgconfig/eddy-http.pc" ]; then
  cc -std=c11 -Wall -Wextra -Werror "$src/tests/install/http_consumer.c" -o "$prefix/http_by_pkgconfig" \
    $(pkg-config --cflags --libs eddy-http)
  LD_LIBRARY_PATH=$libdir "$prefix/http_by_pkgconfig"
  # eddy's archives with the system's shared libcurl (its own static
  # dependencies are not all packaged).
  cc -std=c11 "$src/tests/install/http_consumer.c" -o "$prefix/http_by_pkgconfig_static" \
    $(pkg-config --cflags eddy-http) "$libdir/libeddy_http.a" "$libdir/libeddy.a" \
    $(pkg-config --libs libcurl) -pthread
  "$prefix/http_by_pkgconfig_static"
  "$prefix/consumer/http_consumer_static"
  LD_LIBRARY_PATH=$libdir "$prefix/consumer/http_consumer_shared"
fi
echo "install check: pkg-config and find_package(eddy) both work"
