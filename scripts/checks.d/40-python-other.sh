#!/bin/sh
# Build the Python binding for a second interpreter in a scratch build
# directory and run its suite there, so the binding is known to work
# beyond the one python3 that configure found first.  Takes the top of
# the source tree as $1.  The interpreter is $PROBE_OTHER_PYTHON, else
# pyenv's 3.13.0, else Debian's /usr/bin/python3.
set -e
top=${1:?usage: 40-python-other.sh TOPDIR}
other=${PROBE_OTHER_PYTHON:-}
if [ -z "$other" ] && command -v pyenv >/dev/null 2>&1; then
    prefix=$(pyenv prefix 3.13.0 2>/dev/null || true)
    [ -n "$prefix" ] && [ -x "$prefix/bin/python3" ] && other=$prefix/bin/python3
fi
[ -n "$other" ] || other=/usr/bin/python3
if ! [ -x "$other" ]; then
    echo "40-python-other: no second interpreter found (tried $other)" >&2
    exit 1
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/probe-python-other.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
echo "40-python-other: building for $("$other" -V 2>&1) ($other) in $scratch"
cd "$scratch"
"$top/configure" --quiet --enable-werror --with-python="$other" \
    --with-python-sitedir="$scratch/site" >/dev/null
# The rule for the runner exists only when the binding is configured.
make -n bindings/python/run-tests >/dev/null 2>&1 || {
    echo "40-python-other: configure skipped the binding for $other" >&2
    exit 1
}
make -j"$(nproc)" --no-print-directory >/dev/null
make --no-print-directory check TESTS=bindings/python/run-tests || {
    cat bindings/python/run-tests.log
    exit 1
}
