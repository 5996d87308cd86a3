# Build rules for tests/reliability, included by the top Makefile.am.
