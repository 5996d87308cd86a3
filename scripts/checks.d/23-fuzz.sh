#!/bin/sh
# Build the API fuzzer (tests/reliability/fuzz_api.c with the library's
# sources, under clang's libFuzzer and AddressSanitizer) and run it for a
# bounded time, starting from the seed corpus in the repository.  New
# inputs go to a scratch corpus, so the tree is not modified.  Any
# invariant failure, sanitizer report, leak or timeout fails the step.
# Usage: sh 23-fuzz.sh TOPDIR [SECONDS]   (default 90)
set -e
top=$(cd "${1:?usage: 23-fuzz.sh TOPDIR [SECONDS]}" && pwd)
seconds=${2:-90}
out=$top/build-fuzz
mkdir -p "$out/corpus"
clang -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -pthread -DPROBE_BUILDING \
    -I"$top/include" -I"$top/lib" "$top"/lib/*.c \
    "$top/tests/reliability/fuzz_api.c" -o "$out/fuzz_api"
cd "$out"
./fuzz_api -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
    -print_final_stats=1 corpus "$top/tests/reliability/fuzz-corpus" \
    2>fuzz.log || {
    tail -60 fuzz.log
    echo "fuzz: failed; the crashing input is in $out" >&2
    exit 1
}
grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' fuzz.log || true
echo "fuzz: clean for $seconds s"
