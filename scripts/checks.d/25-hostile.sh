#!/bin/sh
# Run the C suites in a scratch build with the hostile suite
# (tests/reliability/hostile.c) and the regression tests of bugs found
# earlier.  The suite forks with live pools, storms the process with
# signals, runs 10,000 create and free cycles, frees pools right after a
# stop that did not wait and races a stop against many submitters.
# Usage: sh 25-hostile.sh TOPDIR
set -e
top=$(cd "${1:?usage: 25-hostile.sh TOPDIR}" && pwd)
. "$top/tests/reliability/scratch.sh"
rel_build hostile CFLAGS="-O2 -g"
rel_check
