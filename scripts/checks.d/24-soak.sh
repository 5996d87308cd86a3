#!/bin/sh
# Soak: 8 threads creating, feeding, stopping, restarting, cancelling and
# freeing pools for SECONDS (default 120), checking every task and that
# threads, descriptors and RSS return to their baseline.
# Usage: sh 24-soak.sh TOPDIR [SECONDS]
set -e
top=$(cd "${1:?usage: 24-soak.sh TOPDIR [SECONDS]}" && pwd)
seconds=${2:-120}
. "$top/tests/reliability/scratch.sh"
rel_build soak CFLAGS="-O2 -g"
make -C "$build" -j"$(nproc)" --no-print-directory check TESTS= >/dev/null
cd "$build"
timeout $((seconds + 120)) ./libtool --mode=execute tests/reliability/soak \
    --seconds "$seconds" --threads 8
