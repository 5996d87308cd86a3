#!/bin/sh
# Build the whole tree with clang and --enable-werror (-Wall -Wextra and
# more, as errors), then run make check on that build, so that the ABI
# tests also pass on a clang-built library.  The gcc build with -Werror is
# the one scripts/test-all makes.
# Usage: sh 30-clang.sh TOPDIR
set -eu
top=$(cd "${1:-.}" && pwd)
if ! command -v clang >/dev/null; then
    echo "30-clang: clang not found (Debian: clang)" >&2
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/probe-clang.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null 2>&1)

cd "$tmp"
"$top/configure" --quiet CC=clang --enable-werror >configure.log 2>&1 || {
    cat configure.log >&2
    echo "30-clang: FAIL: configure with CC=clang failed" >&2
    exit 1
}
if ! make -j"$(nproc)" >make.log 2>&1; then
    grep -E 'error|warning' make.log >&2 || tail -n 40 make.log >&2
    echo "30-clang: FAIL: the clang build has warnings or errors" >&2
    exit 1
fi
if ! make -j"$(nproc)" check >check.log 2>&1; then
    # No test-suite.log means a test program failed to build.
    if [ -r test-suite.log ]; then
        cat test-suite.log >&2
    else
        grep -E 'error|warning' check.log >&2 || tail -n 40 check.log >&2
    fi
    echo "30-clang: FAIL: make check failed on the clang build" >&2
    exit 1
fi
grep -E '^# (TOTAL|PASS|SKIP|FAIL)' check.log | tr '\n' ' '
echo
echo "30-clang: clang $(clang -dumpversion) builds warning-free and passes" \
    "make check"
