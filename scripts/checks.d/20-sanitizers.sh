#!/bin/sh
# Build the library and run `make check` and a 20 s soak twice: under
# ThreadSanitizer, then under AddressSanitizer with
# UndefinedBehaviorSanitizer.  Every sanitizer stops the process at its
# first report (halt_on_error), so Check's fork mode records the test as
# an error, the soak exits non-zero, and the step fails.
# Usage: sh 20-sanitizers.sh TOPDIR
set -e
top=$(cd "${1:?usage: 20-sanitizers.sh TOPDIR}" && pwd)
. "$top/tests/reliability/scratch.sh"

# Both builds run even when the first fails, so one report does not
# hide the other.  The create and free cycles of the hostile suite drop
# to 2,000 under ThreadSanitizer, which makes thread creation slow.
failed=
echo "sanitizers: thread"
rel_build tsan --enable-sanitizer=thread CFLAGS="-O1 -g"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    PROBE_REL_CYCLES=2000 rel_check || failed="$failed thread"
TSAN_OPTIONS="halt_on_error=1" "$build/tests/reliability/soak" \
    --seconds 20 --no-rss || failed="$failed thread:soak"

echo "sanitizers: address,undefined"
rel_build asan --enable-sanitizer=address,undefined CFLAGS="-O1 -g"
ASAN_OPTIONS="halt_on_error=1 detect_leaks=1" \
UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
    rel_check || failed="$failed address,undefined"
ASAN_OPTIONS="halt_on_error=1 detect_leaks=1" \
UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1" \
    "$build/tests/reliability/soak" --seconds 20 --no-rss ||
    failed="$failed address,undefined:soak"
if [ -n "$failed" ]; then
    echo "sanitizers: failed:$failed" >&2
    exit 1
fi
echo "sanitizers: clean"
