#!/bin/sh
# Check that include/probe.h works for C99 and C++11 callers: it compiles
# alone under -std=c99 -pedantic -Werror, and a C++11 program that calls
# the library links and runs, which shows that the extern "C" block gives
# every declaration C linkage.  The C++ half is skipped without a C++
# compiler.  CC and CXX choose the compilers (defaults cc and c++).
# Usage: header.sh [LIBRARY_DIRECTORY]
set -u
srcdir=${srcdir:-.}
libdir=${1:-lib/.libs}
cc=${CC:-cc}
cxx=${CXX:-c++}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
status=0

printf '#include "probe.h"\n' >"$tmp/alone.c"
if ! "$cc" -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only \
    -I"$srcdir/include" "$tmp/alone.c"; then
    echo "header: FAIL: probe.h does not compile as C99 with" \
        "-pedantic -Werror" >&2
    status=1
fi

if ! command -v "$cxx" >/dev/null; then
    echo "header: $cxx not found; the C++ check is skipped"
    exit "$status"
fi
cat >"$tmp/caller.cc" <<'CXX'
#include "probe.h"
#include <cstdio>

static int set_flag(void *arg)
{
    *static_cast<int *>(arg) = 1;
    return 0;
}

int main()
{
    int flag = 0;
    probe *p = probe_new(NULL);

    if (p == NULL)
        return 1;
    if (probe_run(p, set_flag, &flag) != PROBE_OK ||
        probe_stop(p, PROBE_DRAIN, PROBE_WAIT) != PROBE_OK)
        return 1;
    probe_free(p);
    std::printf("header: C++ caller ran a task on probe %s\n",
                probe_version());
    return flag == 1 ? 0 : 1;
}
CXX
if ! "$cxx" -std=c++11 -pedantic -Wall -Wextra -Werror \
    -I"$srcdir/include" -o "$tmp/caller" "$tmp/caller.cc" \
    -L"$libdir" -lprobe; then
    echo "header: FAIL: a C++11 program cannot be built against probe.h" \
        "and libprobe" >&2
    exit 1
fi
if ! LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
    "$tmp/caller"; then
    echo "header: FAIL: the C++ caller failed" >&2
    status=1
fi
exit "$status"
