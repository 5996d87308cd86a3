# Run the three examples from the build tree on real input.
set -e
build="$1/build"
"$build/examples/hello"
"$build/examples/daemons" --seconds 1 | tail -4
"$build/examples/checksum" --jobs 2 --quiet /usr/share/doc | head -6
