#!/bin/sh
# Check that every function declared PROBE_EXTERN in include/probe.h is
# documented.  It must appear in the NAME or SYNOPSIS section of a page in
# man/, and man/NAME.3 must exist (the page itself or a .so link to it),
# so that `man NAME` finds it.  Every .so link must name an existing page,
# every page must be listed in man/local.mk, and groff must format every
# page without a warning.
set -u
srcdir=${srcdir:-.}
header=$srcdir/include/probe.h
mandir=$srcdir/man
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
status=0

fail()
{
    echo "manpages: FAIL: $*" >&2
    status=1
}

grep -v '^[[:space:]]*#' "$header" | tr '\n' ' ' |
    grep -oE 'PROBE_EXTERN[^;(]*\(' |
    sed -E 's/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\($/\1/' |
    sort -u >"$tmp/exports"
[ -s "$tmp/exports" ] || { echo "manpages: no exports in $header" >&2; exit 99; }

# The words of the NAME and SYNOPSIS sections of every full page.
for page in "$mandir"/*.3; do
    [ -e "$page" ] || continue
    if head -n 1 "$page" | grep -q '^\.so '; then
        target=$mandir/$(head -n 1 "$page" | sed 's,^\.so *man3/,,')
        [ -r "$target" ] || fail "$page links to missing $target"
        continue
    fi
    awk '/^\.SH/ { keep = ($2 == "NAME" || $2 == "SYNOPSIS"); next }
         keep { print }' "$page"
done | tr -c 'A-Za-z0-9_' '\n' | sort -u >"$tmp/documented"

comm -23 "$tmp/exports" "$tmp/documented" >"$tmp/undocumented"
if [ -s "$tmp/undocumented" ]; then
    fail "exports missing from the NAME and SYNOPSIS of every man page:"
    sed 's/^/    /' "$tmp/undocumented" >&2
fi
while read -r name; do
    [ -r "$mandir/$name.3" ] || fail "no page $mandir/$name.3 for $name"
done <"$tmp/exports"

# make install installs only the pages that man/local.mk lists.
for page in "$mandir"/*.3; do
    [ -e "$page" ] || continue
    grep -q "man/$(basename "$page")" "$mandir/local.mk" ||
        fail "$page is missing from dist_man_MANS in $mandir/local.mk"
done

# groff -ww reports every formatting problem, such as an unknown macro.
if command -v groff >/dev/null; then
    for page in "$mandir"/*.3; do
        head -n 1 "$page" | grep -q '^\.so ' && continue
        if ! groff -man -ww -z -Tutf8 "$page" >"$tmp/groff" 2>&1 ||
            [ -s "$tmp/groff" ]; then
            fail "groff warns about $page:"
            sed 's/^/    /' "$tmp/groff" >&2
        fi
    done
fi

if [ "$status" -eq 0 ]; then
    echo "manpages: all $(wc -l <"$tmp/exports") exports are documented"
fi
exit "$status"
