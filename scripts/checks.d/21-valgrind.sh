#!/bin/sh
# Run the C suites in-process (CK_FORK=no) under valgrind's memcheck,
# failing on any error and on any definitely or indirectly lost block,
# then run the soak as a stress test under helgrind and drd, failing on
# any report not justified in tests/reliability/valgrind.supp.
# Usage: sh 21-valgrind.sh TOPDIR
set -e
top=$(cd "${1:?usage: 21-valgrind.sh TOPDIR}" && pwd)
. "$top/tests/reliability/scratch.sh"
rel_build valgrind CFLAGS="-O1 -g"
make -C "$build" -j"$(nproc)" --no-print-directory check TESTS= >/dev/null
cd "$build"
supp=$top/tests/reliability/valgrind.supp
run() {
    ./libtool --mode=execute valgrind -q --error-exitcode=1 \
        --suppressions="$supp" "$@"
}

for suite in tests/check_probe tests/reliability/hostile; do
    echo "valgrind: memcheck $suite"
    CK_FORK=no PROBE_REL_CYCLES=300 run --leak-check=full \
        --errors-for-leak-kinds=definite,indirect "$suite"
done

for tool in helgrind drd; do
    echo "valgrind: $tool soak"
    run --tool=$tool tests/reliability/soak --seconds 5 --threads 4 --no-rss
done
echo "valgrind: clean"
