#!/bin/sh
# The Lua binding beyond `make check`:
#  1. build it for each Lua version installed (5.4, 5.3, 5.1, LuaJIT) and
#     run its `make check` tests there;
#  2. run its tests under ThreadSanitizer (libprobe and the binding built
#     with -fsanitize=thread, the interpreter preloading libtsan);
#  3. run the stress test under Valgrind's Helgrind, which also checks every
#     memory access inside the Lua interpreter, and fail on any data race
#     reported in Lua's own code.
#
#   sh scripts/checks.d/45-lua-stress.sh TOPDIR
#
# A part whose tools are missing is skipped with a message.
set -e
top=$(cd "${1:-.}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/probe-lua-check.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
jobs=$(nproc 2>/dev/null || echo 2)

if [ ! -x "$top/configure" ]; then
    (cd "$top" && ./autogen.sh >/dev/null 2>&1)
fi

# build DIR CONFIGURE-ARGS...: configure and build quietly in $work/DIR.
build() {
    dir=$work/$1
    shift
    mkdir -p "$dir"
    (cd "$dir" && "$top/configure" --quiet "$@" >configure.log 2>&1 &&
        make -j"$jobs" >make.log 2>&1) || {
        echo "45-lua-stress: build with $* failed; see below"
        tail -30 "$dir/configure.log" "$dir/make.log" 2>/dev/null
        return 1
    }
}

# lua_env DIR: the variables that load the module from build DIR.
lua_env() {
    echo "LUA_CPATH=$1/bindings/lua/.libs/?.so" \
         "LUA_PATH=$top/bindings/lua/?.lua;$top/bindings/lua/tests/?.lua" \
         "LD_LIBRARY_PATH=$1/lib/.libs"
}

lua_tests=$(cd "$top" && ls bindings/lua/tests/*.lua | grep -v helper.lua |
            tr '\n' ' ')

echo "-- Lua versions"
for version in 5.4 5.3 5.1 jit; do
    case $version in
        jit) module=luajit; prog=luajit ;;
        *) module=lua$version; prog=lua$version ;;
    esac
    if ! pkg-config --exists "$module" || ! command -v "$prog" >/dev/null
    then
        echo "skip Lua $version: $module development files or $prog missing"
        continue
    fi
    build "lua-$version" --with-lua="$version"
    # Only the Lua tests: the other parts have their own checks.
    if (cd "$work/lua-$version" &&
        make check TESTS="$lua_tests" >check.log 2>&1); then
        echo "ok   Lua $version: the Lua tests passed"
    else
        echo "FAIL Lua $version: the Lua tests failed"
        cat "$work/lua-$version/test-suite.log"
        exit 1
    fi
done

echo "-- ThreadSanitizer"
tsan=$(find /usr/lib /usr/lib64 -name 'libtsan.so.*' 2>/dev/null | head -n 1)
if [ -z "$tsan" ] || ! command -v lua5.4 >/dev/null; then
    echo "skip: libtsan or lua5.4 not found"
else
    build tsan --with-lua=5.4 --enable-sanitizer=thread
    # exit.lua and example.lua are left out: they start child interpreters
    # through /bin/sh, which crashes under the preloaded libtsan.
    # Abandoned pools at exit are never joined, by design: no leak reports.
    for test in "$top"/bindings/lua/tests/*.lua; do
        name=$(basename "$test" .lua)
        case $name in helper|exit|example) continue ;; esac
        if env $(lua_env "$work/tsan") LD_PRELOAD="$tsan" \
            TSAN_OPTIONS="halt_on_error=1 exitcode=66 report_thread_leaks=0" \
            PROBE_LUA_STRESS_TASKS=20000 \
            timeout 900 lua5.4 "$test" >"$work/tsan-$name.log" 2>&1; then
            echo "ok   $name under ThreadSanitizer"
        else
            echo "FAIL $name under ThreadSanitizer"
            cat "$work/tsan-$name.log"
            exit 1
        fi
    done
fi

echo "-- Helgrind"
if ! command -v valgrind >/dev/null || ! command -v lua5.4 >/dev/null; then
    echo "skip: valgrind or lua5.4 not found"
    exit 0
fi
[ -d "$work/lua-5.4" ] || build lua-5.4 --with-lua=5.4
log=$work/helgrind.log
env $(lua_env "$work/lua-5.4") PROBE_LUA_STRESS_TASKS=2000 \
    timeout 1800 valgrind --tool=helgrind lua5.4 \
    "$top/bindings/lua/tests/stress.lua" >"$log" 2>&1 || {
    echo "FAIL stress.lua under Helgrind"
    tail -40 "$log"
    exit 1
}
# Helgrind cannot follow the C11 atomics of libprobe's lock-free ring, so
# it reports that ring and what it hands over (the binding's jobs).  A race
# inside the Lua interpreter would mean two threads in one Lua state: the
# first frame of either access is then in the interpreter.
lua_races=$(awk '
    /Possible data race|This conflicts with a previous/ { want = 1; next }
    want && /at 0x/ {
        if ($0 ~ /\/usr\/bin\/lua|liblua|luajit/) n++
        want = 0
    }
    END { print n + 0 }' "$log")
reports=$(grep -c "Possible data race" "$log" || true)
if [ "$lua_races" -ne 0 ]; then
    echo "FAIL Helgrind: $lua_races accesses inside the Lua interpreter race"
    cat "$log"
    exit 1
fi
echo "ok   stress.lua under Helgrind: no race inside the Lua interpreter" \
     "($reports reports in libprobe's lock-free ring and its hand-over)"
