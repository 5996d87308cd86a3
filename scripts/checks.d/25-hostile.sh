#!/bin/sh
# Run `make check` in a scratch build, which runs the hostile suite
# (tests/reliability/hostile.c) and the known-bug reproducers.  The suite
# forks with live pools, storms the process with signals, runs 10,000
# create and free cycles, frees pools right after a stop that did not
# wait and races a stop against many submitters.  A reproducer must keep
# failing (XFAIL) until its bug is fixed; then it shows as XPASS and has
# to leave XFAIL_TESTS.
# Usage: sh 25-hostile.sh TOPDIR
set -e
top=$(cd "${1:?usage: 25-hostile.sh TOPDIR}" && pwd)
. "$top/tests/reliability/scratch.sh"
rel_build hostile CFLAGS="-O2 -g"
rel_check
