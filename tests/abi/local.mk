# Build rules for tests/abi, included by the top Makefile.am: the checks
# that hold libprobe.so.0 to its binary interface (exports, ABI baseline,
# constants, dlopen, ctypes and LuaJIT ffi, two libraries in one process,
# C and C++ use of the header, hardening, man pages).  See docs/ABI.md.

ABI_LIBRARY = $(abs_top_builddir)/lib/.libs/libprobe.so.0

# dlopen and twolibs link nothing of probe: they load the library by path.
check_PROGRAMS += tests/abi/dlopen tests/abi/twolibs
tests_abi_dlopen_SOURCES = tests/abi/dlopen.c
tests_abi_dlopen_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPROBE_LIBRARY_PATH='"$(ABI_LIBRARY)"'
tests_abi_dlopen_LDADD = -ldl $(PTHREAD_LIBS)
EXTRA_tests_abi_dlopen_DEPENDENCIES = lib/libprobe.la
tests_abi_twolibs_SOURCES = tests/abi/twolibs.c
tests_abi_twolibs_CPPFLAGS = $(tests_abi_dlopen_CPPFLAGS)
tests_abi_twolibs_LDADD = -ldl $(PTHREAD_LIBS)
EXTRA_tests_abi_twolibs_DEPENDENCIES = lib/libprobe.la

# The neighbor library that twolibs loads beside probe, built once with a
# version script and once without; -rpath makes libtool build them shared.
check_LTLIBRARIES += tests/abi/libneighbor.la tests/abi/libneighbor_plain.la
tests_abi_libneighbor_la_SOURCES = tests/abi/neighbor.c
tests_abi_libneighbor_la_LDFLAGS = -module -avoid-version -shared \
	-rpath $(abs_top_builddir)/tests/abi \
	-Wl,--version-script=$(top_srcdir)/tests/abi/neighbor.map
tests_abi_libneighbor_la_LIBADD =
EXTRA_tests_abi_libneighbor_la_DEPENDENCIES = tests/abi/neighbor.map
tests_abi_libneighbor_plain_la_SOURCES = tests/abi/neighbor.c
tests_abi_libneighbor_plain_la_LDFLAGS = -module -avoid-version -shared \
	-rpath $(abs_top_builddir)/tests/abi
tests_abi_libneighbor_plain_la_LIBADD =

ABI_TESTS = tests/abi/exports.sh tests/abi/abi.sh tests/abi/constants.sh \
	tests/abi/dlopen tests/abi/twolibs.sh tests/abi/ctypes.sh \
	tests/abi/luajit.sh tests/abi/header.sh tests/abi/hardening.sh \
	tests/abi/manpages.sh
TESTS += $(ABI_TESTS)
EXTRA_DIST += tests/abi/exports.sh tests/abi/abi.sh tests/abi/twolibs.sh \
	tests/abi/ctypes.sh tests/abi/ctypes_pool.py tests/abi/luajit.sh \
	tests/abi/ffi_pool.lua tests/abi/hardening.sh tests/abi/manpages.sh \
	tests/abi/neighbor.map tests/abi/libprobe.so.0.abi tests/abi/abi.suppr \
	tests/abi/constants.sh tests/abi/constants.txt tests/abi/header.sh \
	tests/abi/consumer.c tests/abi/consumer.sh docs/ABI.md

# Rewrite the ABI baseline and the list of constants from the library
# just built.  Run it only for a release (docs/ABI.md).  The abidw options
# must match tests/abi/abi.sh.
abi-baseline: lib/libprobe.la
	abidw --headers-dir $(top_srcdir)/include --drop-private-types \
	    --no-corpus-path --no-comp-dir-path --short-locs \
	    --type-id-style hash lib/.libs/libprobe.so.0 \
	    >$(top_srcdir)/tests/abi/libprobe.so.0.abi
	srcdir=$(top_srcdir) CC="$(CC)" $(SHELL) \
	    $(top_srcdir)/tests/abi/constants.sh --write
.PHONY: abi-baseline
