#!/usr/bin/env bash
# build.sh: install missing dependencies, then build the library, tools and
# tests (CMake, build/) and nvdirect.ko for every installed guest kernel
# (build/kmod-<ver>/).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

"$top/tests/vm/deps.sh"
cmake -S "$top" -B "$NVD_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$NVD_BUILD" -j "$(nproc)" -- --no-print-directory >/dev/null ||
	cmake --build "$NVD_BUILD" -j1 	# again, verbosely, to show the error
for k in $(guest_kernels); do
	echo "build: $("$top/tests/vm/build-kmod.sh" "$k")"
done
