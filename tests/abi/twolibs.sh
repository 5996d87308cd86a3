#!/bin/sh
# Run tests/abi/twolibs in both load orders, beside the neighbor library
# built with a version script and beside the one built without.
set -u
status=0
for neighbor in tests/abi/.libs/libneighbor.so \
    tests/abi/.libs/libneighbor_plain.so; do
    for order in probe-first neighbor-first; do
        tests/abi/twolibs "$order" "$neighbor" "$@"
        rc=$?
        if [ "$rc" -eq 99 ]; then
            exit 99
        fi
        [ "$rc" -eq 0 ] || status=1
    done
done
exit "$status"
