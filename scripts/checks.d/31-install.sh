#!/bin/sh
# Install probe into a scratch DESTDIR and build a program against the
# installed tree with pkg-config, linked both to libprobe.so.0 and
# statically (tests/abi/consumer.sh).  Also check that the installed tree
# has every file a user needs.  The build directory is PROBE_BUILD if set,
# else TOPDIR/build once scripts/test-all has configured it, else a
# scratch directory.
# Usage: sh 31-install.sh TOPDIR
set -eu
top=$(cd "${1:-.}" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/probe-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -n "${PROBE_BUILD:-}" ]; then
    build=$PROBE_BUILD
elif [ -f "$top/build/config.status" ]; then
    build=$top/build
else
    build=$tmp/build
    mkdir "$build"
    (cd "$top" && [ -x configure ] || ./autogen.sh >/dev/null 2>&1)
    (cd "$build" && "$top/configure" --quiet && make -j"$(nproc)" >/dev/null)
fi
root=$tmp/root
if ! make -C "$build" --no-print-directory install DESTDIR="$root" \
    >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    echo "31-install: FAIL: make install DESTDIR=$root failed" >&2
    exit 1
fi

pc=$(find "$root" -name probe.pc -path '*/pkgconfig/*' | head -n 1)
if [ -z "$pc" ]; then
    echo "31-install: FAIL: make install put no probe.pc under $root" >&2
    exit 1
fi
libdir=$(dirname "$(dirname "$pc")")
prefix=$(dirname "$libdir")
status=0
for file in "$prefix/include/probe.h" "$libdir/libprobe.so" \
    "$libdir/libprobe.so.0" "$libdir/libprobe.a" \
    "$prefix/share/man/man3/probe.3" "$prefix/share/man/man3/pool_new.3" \
    "$prefix/share/man/man3/pool_run.3"; do
    if [ ! -e "$file" ]; then
        echo "31-install: FAIL: missing ${file#"$root"}" >&2
        status=1
    fi
done
[ "$status" -eq 0 ] || exit 1

PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$root \
    LD_LIBRARY_PATH=$libdir \
    sh "$top/tests/abi/consumer.sh" "$top/tests/abi/consumer.c" "$tmp"
echo "31-install: the installed tree under ${prefix#"$root"} builds and runs" \
    "a consumer"
