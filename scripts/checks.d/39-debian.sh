#!/bin/sh
# Build the Debian packages with dpkg-buildpackage -us -uc -b from a
# scratch copy of the tree, check them with lintian (when installed),
# install them with dpkg -i, build and run the consumer of
# tests/abi/consumer.sh against /usr, and remove the packages again, also
# when a step fails.  Needs root.  DEB_BUILD_OPTIONS is
# nocheck unless set, because scripts/test-all ran make check already.
# Usage: sh 39-debian.sh TOPDIR
set -eu
top=$(cd "${1:-.}" && pwd)
packages="libprobe-dev libprobe0"

if [ "$(id -u)" -ne 0 ]; then
    echo "39-debian: needs root to install packages; run it as root" >&2
    exit 1
fi
for package in $packages; do
    if dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
        grep -q 'installed'; then
        echo "39-debian: $package is already installed; remove it first" \
            "(dpkg -P $packages) so that this check can leave the" \
            "machine as it found it" >&2
        exit 1
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/probe-deb.XXXXXX")
installed=no
cleanup()
{
    if [ "$installed" = yes ]; then
        dpkg -P $packages >/dev/null || echo "39-debian: dpkg -P failed" >&2
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# Copy the files git tracks or would track, so that neither a configured
# build directory nor generated files reach the package build.
mkdir "$tmp/probe"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 cp --parents -t "$tmp/probe")
else
    (cd "$top" && tar --exclude=./build --exclude=./debian/build -cf - .) |
        (cd "$tmp/probe" && tar -xf -)
fi

echo "39-debian: dpkg-buildpackage -us -uc -b"
if ! (cd "$tmp/probe" &&
    DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck} \
        dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
    tail -n 60 "$tmp/build.log" >&2
    echo "39-debian: FAIL: dpkg-buildpackage failed (log above)" >&2
    exit 1
fi
ls "$tmp"/*.deb
if command -v lintian >/dev/null; then
    if ! lintian --fail-on error,warning "$tmp"/*.changes >"$tmp/lintian.log" \
        2>&1; then
        cat "$tmp/lintian.log" >&2
        echo "39-debian: FAIL: lintian reports errors or warnings" >&2
        exit 1
    fi
    echo "39-debian: lintian reports no errors or warnings"
fi

installed=yes
dpkg -i "$tmp"/libprobe0_*.deb "$tmp"/libprobe-dev_*.deb >/dev/null
for file in /usr/include/probe.h /usr/share/man/man3/pool_new.3.gz \
    /usr/share/man/man3/pool_run.3.gz; do
    if [ ! -e "$file" ]; then
        echo "39-debian: FAIL: the packages installed no $file" >&2
        exit 1
    fi
done
mkdir "$tmp/consumer"
env -u PKG_CONFIG_PATH -u PKG_CONFIG_SYSROOT_DIR -u LD_LIBRARY_PATH \
    sh "$top/tests/abi/consumer.sh" "$top/tests/abi/consumer.c" \
    "$tmp/consumer"
echo "39-debian: the packages build, install, serve a consumer and remove"
