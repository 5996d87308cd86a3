# Build rules for bindings/lua, included by the top Makefile.am.
