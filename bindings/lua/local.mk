# Build rules for bindings/lua, included by the top Makefile.am.
#
# The C module probe_core.so is SWIG's wrapper of include/probe.h plus the
# runtime that keeps threads out of each other's way in a Lua state;
# probe.lua is the interface scripts load with require "probe".  The
# wrapper is generated into the source tree, so a tarball needs no SWIG.

LUA_BINDING_FILES = \
	bindings/lua/README.md \
	bindings/lua/BENCHMARKS.md \
	bindings/lua/bench.lua \
	bindings/lua/probe_lua.i \
	bindings/lua/probe.lua \
	bindings/lua/tests/helper.lua \
	examples/lua/daemons.lua \
	scripts/packages.d/lua \
	scripts/checks.d/45-lua-stress.sh
EXTRA_DIST += $(LUA_BINDING_FILES) $(LUA_TESTS) \
	bindings/lua/probe_core_wrap.c

LUA_TESTS = \
	bindings/lua/tests/smoke.lua \
	bindings/lua/tests/context.lua \
	bindings/lua/tests/pool.lua \
	bindings/lua/tests/errors.lua \
	bindings/lua/tests/logger.lua \
	bindings/lua/tests/features.lua \
	bindings/lua/tests/lifetime.lua \
	bindings/lua/tests/exit.lua \
	bindings/lua/tests/example.lua \
	bindings/lua/tests/stress.lua

$(srcdir)/bindings/lua/probe_core_wrap.c: \
		$(srcdir)/bindings/lua/probe_lua.i $(top_srcdir)/include/probe.h
	$(AM_V_GEN)$(SWIG) -lua -nomoduleglobal -Werror \
	    -I$(top_srcdir)/include -o $@ $(srcdir)/bindings/lua/probe_lua.i

if WITH_LUA
luacmod_LTLIBRARIES = bindings/lua/probe_core.la
dist_lualmod_DATA = bindings/lua/probe.lua

bindings_lua_probe_core_la_SOURCES = \
	bindings/lua/probe_core_wrap.c \
	bindings/lua/compat.h \
	bindings/lua/runtime.h \
	bindings/lua/state_lock.c \
	bindings/lua/tasks.c
bindings_lua_probe_core_la_CPPFLAGS = $(AM_CPPFLAGS) $(LUA_CFLAGS) \
	-I$(srcdir)/bindings/lua
# SWIG's generated code trips -Wshadow and the prototype warnings.
bindings_lua_probe_core_la_CFLAGS = $(AM_CFLAGS) -Wno-shadow \
	-Wno-missing-prototypes -Wno-strict-prototypes \
	-Wno-unused-parameter
# lua_close() unloads C modules, but parked workers may still be inside
# this one: -z nodelete keeps it (and libprobe) mapped until exit.
bindings_lua_probe_core_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -Wl,-z,nodelete
bindings_lua_probe_core_la_LIBADD = lib/libprobe.la $(PTHREAD_LIBS)

TESTS += $(LUA_TESTS)
endif

# The tests load the module from the build tree, never an installed one.
# timeout(1) ends a hung test; each test bounds its own waits well below.
TEST_EXTENSIONS = .lua
LUA_LOG_COMPILER = timeout 600 env \
	LUA_CPATH='$(abs_top_builddir)/bindings/lua/.libs/?.so' \
	LUA_PATH='$(abs_top_srcdir)/bindings/lua/?.lua;$(abs_top_srcdir)/bindings/lua/tests/?.lua' \
	LD_LIBRARY_PATH='$(abs_top_builddir)/lib/.libs' \
	$(LUA)
