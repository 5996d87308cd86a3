# Build rules for tests/abi, included by the top Makefile.am.
