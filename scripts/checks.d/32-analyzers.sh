#!/bin/sh
# Run three static analyzers over the library and fail on any finding:
# gcc -fanalyzer (as errors, through --enable-werror), cppcheck, and the
# clang static analyzer through scan-build --status-bugs.  A finding that
# is a false positive is suppressed where it sits, with the reason.
# Usage: sh 32-analyzers.sh TOPDIR
set -eu
top=$(cd "${1:-.}" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/probe-analyzers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null 2>&1)
status=0
jobs=$(nproc)

# gcc -fanalyzer: its diagnostics are warnings, so -Werror fails on them.
mkdir "$tmp/analyzer"
(cd "$tmp/analyzer" &&
    "$top/configure" --quiet --enable-werror CFLAGS="-g -O2 -fanalyzer" \
        >configure.log 2>&1 &&
    make -j"$jobs" lib/libprobe.la >make.log 2>&1) || {
    grep -E 'warning|error' "$tmp/analyzer/make.log" >&2 ||
        tail -n 40 "$tmp/analyzer/configure.log" >&2
    echo "32-analyzers: FAIL: gcc -fanalyzer reports findings" >&2
    status=1
}
[ "$status" -ne 0 ] || echo "32-analyzers: gcc -fanalyzer: no findings"

# cppcheck, with the configuration the library is compiled with.
if command -v cppcheck >/dev/null; then
    if cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
        --enable=warning,performance,portability \
        -I"$top/include" -I"$top/lib" -I"$tmp/analyzer" \
        -DPROBE_BUILDING -D__GNUC__ "$top/lib" 2>"$tmp/cppcheck.log"; then
        echo "32-analyzers: cppcheck $(cppcheck --version | cut -d' ' -f2):" \
            "no findings"
    else
        cat "$tmp/cppcheck.log" >&2
        echo "32-analyzers: FAIL: cppcheck reports findings" >&2
        status=1
    fi
else
    echo "32-analyzers: FAIL: cppcheck not found (Debian: cppcheck)" >&2
    status=1
fi

# The clang static analyzer over the library's sources.
if command -v scan-build >/dev/null; then
    mkdir "$tmp/scan"
    if (cd "$tmp/scan" &&
        scan-build "$top/configure" --quiet >configure.log 2>&1 &&
        scan-build --status-bugs -o "$tmp/scan/report" \
            make -j"$jobs" lib/libprobe.la >make.log 2>&1); then
        echo "32-analyzers: scan-build: no findings"
    else
        grep -E 'warning:|scan-build:' "$tmp/scan/make.log" >&2 || true
        echo "32-analyzers: FAIL: scan-build reports findings" >&2
        status=1
    fi
else
    echo "32-analyzers: FAIL: scan-build not found (Debian: clang-tools)" >&2
    status=1
fi
exit "$status"
