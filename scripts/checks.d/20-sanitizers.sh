#!/bin/sh
# Build the library and run `make check` twice: under ThreadSanitizer,
# then under AddressSanitizer with UndefinedBehaviorSanitizer.  Every
# sanitizer stops the process at its first report (halt_on_error), so
# Check's fork mode records the test as an error and the step fails.
# Usage: sh 20-sanitizers.sh TOPDIR
set -e
top=$(cd "${1:?usage: 20-sanitizers.sh TOPDIR}" && pwd)
. "$top/tests/reliability/scratch.sh"

echo "sanitizers: thread"
rel_build tsan --enable-sanitizer=thread CFLAGS="-O1 -g"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    PROBE_REL_CYCLES=2000 rel_check

echo "sanitizers: address,undefined"
rel_build asan --enable-sanitizer=address,undefined CFLAGS="-O1 -g"
ASAN_OPTIONS="halt_on_error=1 detect_leaks=1 abort_on_error=0" \
UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
    rel_check
echo "sanitizers: clean"
