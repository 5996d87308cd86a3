#!/bin/sh
# Run three static analyzers over the library and fail on any finding:
# gcc -fanalyzer, cppcheck, and the clang static analyzer through
# scan-build --status-bugs.  A false positive is listed in this script,
# with the reason, so that it never hides a new finding.
# Usage: sh 32-analyzers.sh TOPDIR
set -eu
top=$(cd "${1:-.}" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/probe-analyzers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null 2>&1)
status=0
jobs=$(nproc)

# gcc -fanalyzer.  Every -Wanalyzer-* warning fails, except the known
# false positives below, each named by file, function and warning.
#
# lib/worker.c worker_slot_locked -Wanalyzer-malloc-leak: gcc 12 loses
# track of a realloc()ed buffer once it is stored through a pointer
# argument (pl->workers = table), and reports it leaked on the next early
# return.  The pool owns that table and frees it in probe__pool_destroy.
# Ten lines of plain C (realloc, store into *arg, return on a failed
# malloc) draw the same warning from gcc 12.2.
false_positives='lib/worker.c worker_slot_locked -Wanalyzer-malloc-leak'
mkdir "$tmp/analyzer"
if ! (cd "$tmp/analyzer" &&
    "$top/configure" --quiet CFLAGS="-g -O2 -fanalyzer" \
        >configure.log 2>&1 &&
    LC_ALL=C make -j"$jobs" lib/libprobe.la >make.log 2>&1); then
    tail -n 40 "$tmp/analyzer/make.log" >&2
    echo "32-analyzers: FAIL: the gcc -fanalyzer build failed" >&2
    status=1
fi
# "FILE FUNCTION -WOPTION LOCATION" for each analyzer warning.  FUNCTION
# comes from the last "FILE: In function 'NAME':" line gcc printed for
# that file, which stays right when parallel jobs interleave their lines.
awk -v top="$top/" '
    /: In function / {
        file = $1; sub(/:$/, "", file)
        split($0, quoted, "\047"); function_of[file] = quoted[2]
    }
    /: warning: .*\[-Wanalyzer-/ {
        file = $1; sub(/:.*/, "", file)
        option = $0; sub(/.*\[/, "", option); sub(/\].*/, "", option)
        name = file; sub(top, "", name)
        print name, function_of[file], option, $1
    }' "$tmp/analyzer/make.log" | sort -u >"$tmp/analyzer/findings"
found=0
while read -r file function_name option where; do
    if printf '%s\n' "$false_positives" |
        grep -qx "$file $function_name $option"; then
        echo "32-analyzers: gcc -fanalyzer: known false positive" \
            "$option in $function_name ($where)"
        continue
    fi
    echo "32-analyzers: gcc -fanalyzer: $option in $function_name" \
        "($where)" >&2
    found=1
done <"$tmp/analyzer/findings"
if [ "$found" -ne 0 ]; then
    grep -E 'warning: .*-Wanalyzer-' "$tmp/analyzer/make.log" >&2
    echo "32-analyzers: FAIL: gcc -fanalyzer reports findings" >&2
    status=1
elif [ "$status" -eq 0 ]; then
    echo "32-analyzers: gcc -fanalyzer: no other findings"
fi

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
