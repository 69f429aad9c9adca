#!/usr/bin/env bash
# build.sh: install missing dependencies, then build the library, tools and
# tests (CMake, build/) and nvdirect.ko for every installed guest kernel
# (build/kmod-<ver>/).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

"$top/tests/vm/deps.sh"
# The fio engine builds against fio's own source (fio installs no headers);
# without it (no network) the rest still builds and the fio tests say why.
fio_src=$("$top/scripts/fio-source.sh") ||
	{ echo "build: fio's source could not be fetched: the fio engine (fio/) is not built"; fio_src=; }
# warnings are errors here (NVD_WERROR is off for users)
cmake -S "$top" -B "$NVD_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNVD_WERROR=ON \
	-DNVD_FIO_SOURCE_DIR="$fio_src" >/dev/null
cmake --build "$NVD_BUILD" -j "$(nproc)" -- --no-print-directory >/dev/null ||
	cmake --build "$NVD_BUILD" -j1 	# again, verbosely, to show the error
for k in $(guest_kernels); do
	echo "build: $("$top/tests/vm/build-kmod.sh" "$k")"
done
