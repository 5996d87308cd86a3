# Build the release tarball, then build, test, install and uninstall it in
# a scratch tree (automake's distcheck).
set -e
cd "$1/build"
make --no-print-directory distcheck >distcheck.log 2>&1 || {
    tail -50 distcheck.log
    exit 1
}
grep -A1 "archives ready" distcheck.log
