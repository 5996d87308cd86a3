#!/bin/sh
# Compare the ABI of the built libprobe.so.0 with the baseline of the last
# release, tests/abi/libprobe.so.0.abi, using libabigail's abidw and
# abidiff.  A change to a function's signature or to a type reachable from
# one fails the check, and functions added in a new version node pass.
# The values of constants are checked by tests/abi/constants.sh.  Exit status 77 (skipped) without abigail-tools
# or without debugging information in the library.
# Usage: abi.sh [LIBRARY [BASELINE]]
set -u
srcdir=${srcdir:-.}
lib=${1:-lib/.libs/libprobe.so.0}
baseline=${2:-$srcdir/tests/abi/libprobe.so.0.abi}

if ! command -v abidw >/dev/null || ! command -v abidiff >/dev/null; then
    echo "abi: abidw or abidiff not found (Debian: abigail-tools); skipped"
    exit 77
fi
if [ ! -r "$lib" ] || [ ! -r "$baseline" ]; then
    echo "abi: cannot read $lib or $baseline" >&2
    exit 99
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# These options must match the abi-baseline rule of tests/abi/local.mk,
# so that both descriptions are written the same way: only types of the
# public headers, and no paths of this machine.
if ! abidw --headers-dir "$srcdir/include" --drop-private-types \
    --no-corpus-path --no-comp-dir-path --short-locs \
    --type-id-style hash "$lib" >"$tmp/current.abi" 2>"$tmp/abidw.err"
then
    if grep -qi 'debug info' "$tmp/abidw.err"; then
        echo "abi: $lib has no debugging information (build with -g);" \
            "skipped"
        exit 77
    fi
    cat "$tmp/abidw.err" >&2
    echo "abi: abidw failed on $lib" >&2
    exit 99
fi

# Added symbols are left out of the verdict and listed afterwards.
# abi.suppr drops the compiler's and the C library's own types.
suppr=$srcdir/tests/abi/abi.suppr
abidiff --no-added-syms --suppressions "$suppr" "$baseline" \
    "$tmp/current.abi" >"$tmp/diff"
status=$?
if [ "$status" -ne 0 ]; then
    cat "$tmp/diff"
    echo "abi: FAIL: the ABI differs from $baseline (abidiff status" \
        "$status).  If this is not a release, restore compatibility;" \
        "see docs/ABI.md." >&2
    exit 1
fi
abidiff --suppressions "$suppr" "$baseline" "$tmp/current.abi" \
    >"$tmp/added"
if grep -q '^  \[A\]' "$tmp/added"; then
    echo "abi: functions added since the baseline:"
    grep '^  \[A\]' "$tmp/added"
fi
echo "abi: $lib is compatible with $baseline"
exit 0
