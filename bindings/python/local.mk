# Build rules for bindings/python, included by the top Makefile.am.
