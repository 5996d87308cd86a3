#!/bin/sh
# Run tests/abi/ctypes_pool.py, which drives libprobe.so.0 through
# Python's ctypes alone.  Skipped (77) when no python3 is found.
# PYTHON chooses the interpreter.
set -u
srcdir=${srcdir:-.}
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null; then
    echo "ctypes: $python not found; skipped"
    exit 77
fi
exec "$python" "$srcdir/tests/abi/ctypes_pool.py" \
    "${1:-lib/.libs/libprobe.so.0}"
