#!/bin/sh
# Run tests/abi/ffi_pool.lua, which drives libprobe.so.0 through LuaJIT's
# ffi alone.  Skipped (77) when luajit is not installed (Debian: luajit).
set -u
srcdir=${srcdir:-.}
luajit=${LUAJIT:-luajit}
if ! command -v "$luajit" >/dev/null; then
    echo "luajit: $luajit not found; skipped"
    exit 77
fi
# LuaJIT has no alarm(), so timeout(1) ends a hung run after 120 seconds.
watchdog=
if command -v timeout >/dev/null; then
    watchdog="timeout 120"
fi
exec $watchdog "$luajit" "$srcdir/tests/abi/ffi_pool.lua" \
    "${1:-lib/.libs/libprobe.so.0}"
