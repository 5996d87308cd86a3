#!/bin/sh
# Hostile moments: fork with live pools, a signal storm, 10,000 create
# and free cycles, a free right after a stop that did not wait and a
# stop racing many submitters (tests/reliability/hostile.c), then the
# known-bug reproducers, which must still fail (XFAIL) or be moved out
# of XFAIL_TESTS once fixed.
# Usage: sh 25-hostile.sh TOPDIR
set -e
top=$(cd "${1:?usage: 25-hostile.sh TOPDIR}" && pwd)
. "$top/tests/reliability/scratch.sh"
rel_build hostile CFLAGS="-O2 -g"
rel_check
