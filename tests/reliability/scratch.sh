# Shared by the reliability steps in scripts/checks.d: build the tree at
# $top in a scratch directory $top/build-$1 with configure options $2...
# and the check programs.  Sourced with `top` set; sets `build`.
rel_build() {
    name=$1
    shift
    [ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null 2>&1)
    build=$top/build-$name
    mkdir -p "$build"
    # The steps prove the C library: the bindings have their own suites.
    (cd "$build" && "$top/configure" --quiet --without-python \
        --without-lua "$@" >configure.out 2>&1) || {
        cat "$build/configure.out"
        echo "$name: configure failed" >&2
        return 1
    }
    make -C "$build" -j"$(nproc)" --no-print-directory >"$build/make.out" \
        2>&1 || {
        tail -40 "$build/make.out"
        echo "$name: build failed" >&2
        return 1
    }
}

# Run the C suites and the reliability tests of `make check` in $build
# (the ABI checks load the library from other runtimes, which a
# sanitizer runtime cannot share); print the summary and failing logs.
rel_check() {
    if make -C "$build" -j"$(nproc)" --no-print-directory check \
        TESTS='$(TEST_SUITES) tests/reliability/hostile $(REL_BUGS)' \
        >"$build/check.out" 2>&1; then
        grep -E '^(# |PASS|FAIL|XFAIL|XPASS|ERROR|SKIP)' "$build/check.out"
        return 0
    fi
    grep -E '^(# |FAIL|XPASS|ERROR)' "$build/check.out"
    for log in $(grep -E '^(FAIL|XPASS|ERROR)' "$build/check.out" |
        sed 's/^[A-Z]*: //'); do
        echo "--- $log.log"
        tail -60 "$build/$log.log"
    done
    return 1
}
