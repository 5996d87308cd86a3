#!/bin/sh
# Compare three lists of the library's exports, which must agree exactly:
# the functions that include/probe.h declares PROBE_EXTERN, the names in
# the version script lib/libprobe.map (with their version nodes), and the
# defined dynamic symbols of the built libprobe.so.0 (with their versions).
# debian/libprobe0.symbols, when present, must list the same names.
# Run from the top build directory with srcdir set, as `make check` does.
# Usage: exports.sh [LIBRARY [HEADER [MAP]]]
set -u
srcdir=${srcdir:-.}
lib=${1:-lib/.libs/libprobe.so.0}
header=${2:-$srcdir/include/probe.h}
map=${3:-$srcdir/lib/libprobe.map}
NM=${NM:-nm}

for f in "$lib" "$header" "$map"; do
    if [ ! -r "$f" ]; then
        echo "exports: cannot read $f" >&2
        exit 99
    fi
done
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
status=0

fail()
{
    echo "exports: FAIL: $*" >&2
    status=1
}

# Print the lines of file $2 missing from file $3, under the heading $1.
report_missing()
{
    comm -23 "$2" "$3" >"$tmp/diff"
    if [ -s "$tmp/diff" ]; then
        fail "$1:"
        sed 's/^/    /' "$tmp/diff" >&2
    fi
}

# Names declared PROBE_EXTERN.  Preprocessor lines (the macro's own
# definition) are dropped and the rest joined, so that a declaration
# wrapped over several lines reads as one.  The name is the identifier
# just before the declaration's opening parenthesis.
grep -v '^[[:space:]]*#' "$header" | tr '\n' ' ' |
    grep -oE 'PROBE_EXTERN[^;(]*\(' |
    sed -E 's/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\($/\1/' |
    sort >"$tmp/header"
[ -s "$tmp/header" ] || fail "no PROBE_EXTERN declaration found in $header"

# The map, as "name@NODE" lines for global names and "node NODE PARENT"
# lines for the nodes.  Comments are removed and the text is split into
# one token per line before a small state machine reads it.
tr '\n' ' ' <"$map" |
    sed -E 's,/\*([^*]|\*+[^*/])*\*+/, ,g; s/([{};])/ \1 /g' |
    tr -s ' \t' '\n\n' | awk -v mapfile="$map" '
    function bad(msg) { print "bad " msg; exit }
    $0 == "" { next }
    state == "" && $0 !~ /[{};:]/ { node = $0; parent = ""; next }
    state == "" && $0 == "{" { state = "body"; scope = ""; next }
    state == "body" && $0 == "global:" { scope = "global"; next }
    state == "body" && $0 == "local:" { scope = "local"; next }
    state == "body" && $0 == ";" { next }
    state == "body" && $0 == "}" { state = "tail"; next }
    state == "body" && scope == "global" { print $0 "@" node; next }
    state == "body" && scope == "local" && $0 == "*" { next }
    state == "body" && scope == "local" { bad("local name " $0) }
    state == "body" { bad("name " $0 " outside global: and local:") }
    state == "tail" && $0 == ";" {
        print "node " node " " parent; state = ""; next
    }
    state == "tail" { parent = $0; next }
    { bad("token " $0) }
    END { if (state != "") print "bad unterminated node " node }
' >"$tmp/map.raw"

if grep '^bad ' "$tmp/map.raw" >&2; then
    fail "cannot parse $map"
fi
grep '@' "$tmp/map.raw" | sort >"$tmp/map"
sed 's/@.*//' "$tmp/map" | sort >"$tmp/map.names"
awk '$1 == "node" { print $2 }' "$tmp/map.raw" >"$tmp/nodes"

# Each node after the first must inherit the one before it, so that the
# versions form one chain, oldest first.
awk '$1 == "node" {
    if (n > 0 && $3 != previous)
        print "node " $2 " inherits \"" $3 "\", expected \"" previous "\""
    previous = $2; n++
}' "$tmp/map.raw" >"$tmp/chain"
if [ -s "$tmp/chain" ]; then
    fail "version nodes of $map do not form a chain:"
    sed 's/^/    /' "$tmp/chain" >&2
fi
sort "$tmp/map.names" | uniq -d >"$tmp/dups"
if [ -s "$tmp/dups" ]; then
    fail "names listed in more than one place in $map:"
    sed 's/^/    /' "$tmp/dups" >&2
fi

# The library's defined dynamic symbols, with versions.
if ! "$NM" -D --defined-only --with-symbol-versions "$lib" >"$tmp/nm.raw"
then
    echo "exports: $NM failed on $lib" >&2
    exit 99
fi
awk 'NF == 3 { print $2, $3 } NF == 2 { print $1, $2 }' "$tmp/nm.raw" \
    >"$tmp/nm.typed"

# Version definitions appear as absolute symbols named after the node.
awk '$1 == "A" { print $2 }' "$tmp/nm.typed" | sed 's/@.*//' | sort \
    >"$tmp/lib.nodes"
sort "$tmp/nodes" >"$tmp/map.nodes"
report_missing "version nodes in $map but not defined by $lib" \
    "$tmp/map.nodes" "$tmp/lib.nodes"
report_missing "version nodes defined by $lib but not in $map" \
    "$tmp/lib.nodes" "$tmp/map.nodes"

awk '$1 != "A" && $1 != "T" && $1 != "W" { print $1, $2 }' "$tmp/nm.typed" \
    >"$tmp/nonfunc"
if [ -s "$tmp/nonfunc" ]; then
    fail "$lib exports symbols that are not functions (type, name):"
    sed 's/^/    /' "$tmp/nonfunc" >&2
fi

awk '$1 == "T" || $1 == "W" { print $2 }' "$tmp/nm.typed" >"$tmp/lib.raw"
grep -v '@' "$tmp/lib.raw" >"$tmp/unversioned"
if [ -s "$tmp/unversioned" ]; then
    fail "$lib exports symbols without a version:"
    sed 's/^/    /' "$tmp/unversioned" >&2
fi
# "name@@NODE" (the default version) and "name@NODE" compare alike.
# NOTE: an old version kept beside a new default one with .symver would
# be reported as missing from the map; no export has one yet.
grep '@' "$tmp/lib.raw" | sed 's/@@*/@/' | sort >"$tmp/lib"
sed 's/@.*//' "$tmp/lib" | sort -u >"$tmp/lib.names"

report_missing "declared PROBE_EXTERN in $header but not in $map" \
    "$tmp/header" "$tmp/map.names"
report_missing "in $map but not declared PROBE_EXTERN in $header" \
    "$tmp/map.names" "$tmp/header"
report_missing "in $map but not exported by $lib (name@node)" \
    "$tmp/map" "$tmp/lib"
report_missing "exported by $lib but not in $map (name@node)" \
    "$tmp/lib" "$tmp/map"
report_missing "declared in $header but not exported by $lib" \
    "$tmp/header" "$tmp/lib.names"

# debian/libprobe0.symbols must list the same name@NODE pairs, plus one
# entry per node, so that packages depend on the release that has each
# name.  The release tarball carries no debian/, and then this is skipped.
symbols=$srcdir/debian/libprobe0.symbols
if [ -r "$symbols" ]; then
    awk '/^ / { print $1 }' "$symbols" | sort >"$tmp/symbols"
    { cat "$tmp/map"; sed 's/.*/&@&/' "$tmp/nodes"; } | sort >"$tmp/expected"
    report_missing "in $map but not in $symbols" "$tmp/expected" \
        "$tmp/symbols"
    report_missing "in $symbols but not in $map" "$tmp/symbols" \
        "$tmp/expected"
fi

if [ "$status" -eq 0 ]; then
    echo "exports: $(wc -l <"$tmp/lib") versioned functions in" \
        "$(wc -l <"$tmp/nodes") node(s) match $header and $map"
fi
exit "$status"
