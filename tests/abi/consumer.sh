#!/bin/sh
# Build tests/abi/consumer.c against an installed probe, found through
# pkg-config alone, twice: linked to libprobe.so.0 and linked statically
# with `pkg-config --static --libs`.  Run both, and check that the first
# loads the installed library and that the second needs none.
# Usage: consumer.sh SOURCE WORKDIR
# The caller sets PKG_CONFIG_PATH, and PKG_CONFIG_SYSROOT_DIR with
# LD_LIBRARY_PATH for an installation under DESTDIR.  CC chooses the
# compiler (default cc).
set -eu
source=$1
work=$2
cc=${CC:-cc}
pkg_config=${PKG_CONFIG:-pkg-config}

if ! "$pkg_config" --exists probe; then
    echo "consumer: pkg-config finds no probe.pc" \
        "(PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-})" >&2
    exit 1
fi
cflags=$("$pkg_config" --cflags probe)
libs=$("$pkg_config" --libs probe)
static_libs=$("$pkg_config" --static --libs probe)
echo "consumer: cflags '$cflags', libs '$libs', static libs '$static_libs'"

# shellcheck disable=SC2086 # the flags are word lists
"$cc" -Wall -Wextra -Werror $cflags -o "$work/consumer" "$source" $libs
"$cc" -Wall -Wextra -Werror -static $cflags -o "$work/consumer-static" \
    "$source" $static_libs

# The dynamic build must resolve libprobe.so.0 to the installed copy.
loaded=$(ldd "$work/consumer" | awk '$1 == "libprobe.so.0" { print $3 }')
if [ -z "$loaded" ] || [ ! -e "$loaded" ]; then
    echo "consumer: FAIL: libprobe.so.0 not found for $work/consumer:" >&2
    ldd "$work/consumer" >&2
    exit 1
fi
echo "consumer: dynamic build loads $loaded"
"$work/consumer"

if readelf -dW "$work/consumer-static" | grep -q 'NEEDED'; then
    echo "consumer: FAIL: the static build still needs shared libraries:" >&2
    readelf -dW "$work/consumer-static" | grep NEEDED >&2
    exit 1
fi
"$work/consumer-static"
echo "consumer: dynamic and static builds ran"
