#!/bin/sh
# Fault injection: build the library without sibling calls (so that the
# injector can tell the library's own allocations from others), run the
# fault driver with libfaultinj.so preloaded, then once more under
# valgrind's memcheck, which fails on any lost block.  The driver itself
# checks error codes, leaks, thread and descriptor counts and tasks.
# Usage: sh 22-faults.sh TOPDIR
set -e
top=$(cd "${1:?usage: 22-faults.sh TOPDIR}" && pwd)
. "$top/tests/reliability/scratch.sh"
rel_build faults CFLAGS="-O1 -g -fno-optimize-sibling-calls"
make -C "$build" -j"$(nproc)" --no-print-directory check TESTS= >/dev/null
cd "$build"
inj=$build/tests/reliability/.libs/libfaultinj.so

echo "faults: driver"
LD_PRELOAD=$inj timeout 600 ./libtool --mode=execute \
    tests/reliability/faults
echo "faults: driver under memcheck"
LD_PRELOAD=$inj timeout 900 ./libtool --mode=execute valgrind -q \
    --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect \
    --suppressions="$top/tests/reliability/valgrind.supp" \
    tests/reliability/faults
echo "faults: clean"
