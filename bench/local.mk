# Build rules for bench, included by the top Makefile.am.
#
# bench/bench is built by `make` but never run by `make check`: it prints
# speed figures, which depend on the machine.  Run it with scripts/bench.
# Each peer (GLib, libuv, APR) is compiled in only when configure found
# it; the probe pool and the baseline are always there.
noinst_PROGRAMS += bench/bench
bench_bench_SOURCES = bench/bench.h bench/workloads.h bench/table.h \
	bench/main.c bench/table.c bench/workloads.c bench/latency.c \
	bench/footprint.c bench/peer_probe.c bench/peer_baseline.c \
	bench/peer_glib.c bench/peer_libuv.c bench/peer_apr.c
bench_bench_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(LIBUV_CFLAGS) \
	$(APR_CFLAGS)
bench_bench_LDFLAGS = -no-install
bench_bench_LDADD = lib/libprobe.la $(GLIB_LIBS) $(LIBUV_LIBS) \
	$(APR_LIBS) $(PTHREAD_LIBS) -lm
EXTRA_DIST += scripts/bench scripts/packages.d/bench docs/PERFORMANCE.md

# The wakeup suite guards the spinning and baton passing that the
# benchmark measures; it runs under `make check` with the other suites.
TEST_SUITES += tests/check_wakeup
