#!/bin/sh
# Check the hardening of the built libprobe.so.0 from the file itself:
# full RELRO (a GNU_RELRO segment and BIND_NOW), a stack that is not
# executable, stack protection (__stack_chk_fail imported) and
# _FORTIFY_SOURCE (checked __*_chk variants of libc calls imported).
# Skipped (77) when configure ran with --disable-hardening.
# Usage: hardening.sh [LIBRARY]
set -u
lib=${1:-lib/.libs/libprobe.so.0}
READELF=${READELF:-readelf}

if [ -r config.h ] && ! grep -q '^#define PROBE_HARDENING 1' config.h; then
    echo "hardening: configured with --disable-hardening; skipped"
    exit 77
fi
if [ ! -r "$lib" ]; then
    echo "hardening: cannot read $lib" >&2
    exit 99
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$READELF" -lW "$lib" >"$tmp/segments" &&
    "$READELF" -dW "$lib" >"$tmp/dynamic" &&
    "$READELF" --dyn-syms -W "$lib" >"$tmp/symbols" || exit 99
status=0

fail()
{
    echo "hardening: FAIL: $lib $*" >&2
    status=1
}

grep -q 'GNU_RELRO' "$tmp/segments" ||
    fail "has no GNU_RELRO segment (link with -Wl,-z,relro)"
grep -Eq '\(BIND_NOW\)|\(FLAGS\).*\bNOW\b|\(FLAGS_1\).*\bNOW\b' \
    "$tmp/dynamic" ||
    fail "is not marked BIND_NOW (link with -Wl,-z,now)"
stack=$(grep 'GNU_STACK' "$tmp/segments")
if [ -z "$stack" ]; then
    fail "has no GNU_STACK segment, so the stack defaults to executable"
elif echo "$stack" | grep -q 'RWE'; then
    fail "asks for an executable stack: $stack"
fi
grep -q ' UND .*__stack_chk_fail' "$tmp/symbols" ||
    fail "does not import __stack_chk_fail (compile with" \
        "-fstack-protector-strong)"
fortified=$(grep ' UND ' "$tmp/symbols" | grep -oE '__[a-z]+_chk\b' |
    grep -v '^__stack_chk' | sort -u | tr '\n' ' ')
if [ -r config.h ] && ! grep -q '^#define PROBE_HARDENING_FORTIFY 1' config.h
then
    echo "hardening: _FORTIFY_SOURCE has no effect in this build" \
        "(configure warned: CFLAGS without -O), so it is not checked"
    fortified=
elif [ -z "$fortified" ]; then
    fail "imports no __*_chk function (compile with -O2" \
        "-D_FORTIFY_SOURCE=2)"
fi

if [ "$status" -eq 0 ]; then
    echo "hardening: $lib has full RELRO, BIND_NOW, a non-executable" \
        "stack and stack protection${fortified:+; fortified calls: $fortified}"
fi
exit "$status"
