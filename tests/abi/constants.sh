#!/bin/sh
# Compare the values of the public header's constants (every enumerator
# and PROBE_FOREVER) with tests/abi/constants.txt, the list of the last
# release.  Programs compile these numbers in, so changing or removing one
# breaks binary compatibility even though no symbol changes.  A constant
# added since the release passes and is listed.
# Usage: constants.sh [BASELINE | --write]; --write rewrites the list, which
# only a release does.  CC chooses the compiler (default cc).
set -u
srcdir=${srcdir:-.}
header=$srcdir/include/probe.h
baseline=${1:-$srcdir/tests/abi/constants.txt}
cc=${CC:-cc}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# Enumerators open a line inside an "enum name {" ... "};" block of the
# header.  The version macros are left out because every release moves
# them.
{
    awk '/^enum [a-z_]+ \{/ { inside = 1; next }
         inside && /^\};/ { inside = 0 }
         inside' "$header" | grep -oE '^[[:space:]]*PROBE_[A-Z0-9_]+' |
        tr -d ' \t'
    echo PROBE_FOREVER
} >"$tmp/names"

{
    echo '#include <stdio.h>'
    echo '#include "probe.h"'
    echo 'int main(void)'
    echo '{'
    sed 's/.*/    printf("%s %lld\\n", "&", (long long)(&));/' "$tmp/names"
    echo '    return 0;'
    echo '}'
} >"$tmp/constants.c"
if ! "$cc" -I"$srcdir/include" -o "$tmp/constants" "$tmp/constants.c"; then
    echo "constants: cannot compile the list of constants with $cc" >&2
    exit 99
fi
"$tmp/constants" | sort >"$tmp/current"

if [ "${1:-}" = --write ]; then
    cp "$tmp/current" "$srcdir/tests/abi/constants.txt"
    exit 0
fi
if [ ! -r "$baseline" ]; then
    echo "constants: cannot read $baseline" >&2
    exit 99
fi
sort "$baseline" >"$tmp/baseline"
comm -23 "$tmp/baseline" "$tmp/current" >"$tmp/lost"
comm -13 "$tmp/baseline" "$tmp/current" >"$tmp/added"
if [ -s "$tmp/lost" ]; then
    echo "constants: FAIL: these constants of $baseline changed or" \
        "disappeared (name, released value):" >&2
    sed 's/^/    /' "$tmp/lost" >&2
    echo "constants: their current values:" >&2
    cut -d' ' -f1 "$tmp/lost" | while read -r name; do
        grep "^$name " "$tmp/current" || echo "$name (missing)"
    done | sed 's/^/    /' >&2
    exit 1
fi
if [ -s "$tmp/added" ]; then
    echo "constants: added since the baseline:"
    sed 's/^/    /' "$tmp/added"
fi
echo "constants: $(wc -l <"$tmp/baseline") released constants keep" \
    "their values"
exit 0
