# Build rules for tests/reliability, included by the top Makefile.am.
#
# `make check` builds every program here and runs the hostile-moments
# suite plus the known-bug reproducers (expected to fail until the
# library is fixed).  The soak, the fault injector and its driver are
# built here but run by scripts/checks.d/2x-*.sh and 5x-*.sh, which add
# the environment each needs (LD_PRELOAD, valgrind, a time budget).  The
# API fuzzer needs clang's libFuzzer and is built by its own check step.

REL_BUGS = \
	tests/reliability/bug_ring_one_slot \
	tests/reliability/bug_handoff_free_race \
	tests/reliability/bug_resize_lost_wakeup \
	tests/reliability/bug_pthread_exit \
	tests/reliability/bug_elastic_regrow \
	tests/reliability/bug_undocumented_errors

check_PROGRAMS += tests/reliability/hostile tests/reliability/soak \
	tests/reliability/faults $(REL_BUGS)
TESTS += tests/reliability/hostile $(REL_BUGS)
XFAIL_TESTS = $(REL_BUGS)

tests_reliability_faults_LDADD = lib/libprobe.la -ldl
tests_reliability_soak_LDADD = lib/libprobe.la
tests_reliability_bug_elastic_regrow_LDADD = lib/libprobe.la -ldl
tests_reliability_bug_undocumented_errors_LDADD = lib/libprobe.la -ldl
REL_INJECTOR_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFAULTINJ_SO='"$(abs_builddir)/tests/reliability/.libs/libfaultinj.so"'
tests_reliability_bug_elastic_regrow_CPPFLAGS = $(REL_INJECTOR_CPPFLAGS)
tests_reliability_bug_undocumented_errors_CPPFLAGS = $(REL_INJECTOR_CPPFLAGS)

# The LD_PRELOAD fault injector.  -rpath makes libtool build it shared
# although it is never installed.
check_LTLIBRARIES += tests/reliability/libfaultinj.la
tests_reliability_libfaultinj_la_SOURCES = tests/reliability/faultinj.c
tests_reliability_libfaultinj_la_LDFLAGS = -module -avoid-version -shared \
	-rpath $(abs_builddir)/tests/reliability
tests_reliability_libfaultinj_la_LIBADD = -ldl

EXTRA_DIST += tests/reliability/rel.h tests/reliability/faultinj.h \
	tests/reliability/scratch.sh \
	tests/reliability/fuzz_api.c \
	tests/reliability/fuzz-corpus tests/reliability/valgrind.supp
