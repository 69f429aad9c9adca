#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# consumer.sh SRC WORK VERSION CC [CXX]: install the library and build
# programs against it the ways an application would.
#  1. the library alone (NVD_BUILD_TOOLS=OFF, NVD_BUILD_TESTS=OFF) is
#     configured, built and installed into WORK/prefix, and installs exactly
#     the expected files;
#  2. consumer.c is built with `pkg-config libnvdirect` (shared: needs
#     libnvdirect.so.<major>), with `pkg-config --static` (-static: needs no
#     libnvdirect), as C++17 too, and with find_package(nvdirect) (both
#     imported targets); each one runs and checks itself;
#  3. with CMAKE_INSTALL_PREFIX=/usr, `DESTDIR=... cmake --install` puts
#     everything under DESTDIR/usr, and the .pc says prefix=/usr.
set -euo pipefail
src=$1 work=$2 version=$3 cc=$4 cxx=${5:-}
major=${version%%.*}
prefix=$work/prefix
build=$work/build
fail() { echo "consumer: $*"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release \
	-DNVD_BUILD_TOOLS=OFF -DNVD_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX="$prefix" \
	>"$work/configure.log" || { cat "$work/configure.log"; fail "configure failed"; }
cmake --build "$build" -j "$(nproc)" >"$work/build.log" || { cat "$work/build.log"; fail "build failed"; }
cmake --install "$build" >"$work/install.log" || { cat "$work/install.log"; fail "install failed"; }

libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
lib=$prefix/$libdir
expected="include/nvdirect.h
include/nvdirect/discovery.h
include/nvdirect/nvme_spec.h
include/nvdirect/trid.h
include/nvdirect/uapi.h
include/nvdirect/version.h
$libdir/cmake/nvdirect/nvdirectConfig.cmake
$libdir/cmake/nvdirect/nvdirectConfigVersion.cmake
$libdir/cmake/nvdirect/nvdirectTargets-release.cmake
$libdir/cmake/nvdirect/nvdirectTargets.cmake
$libdir/libnvdirect.a
$libdir/libnvdirect.so
$libdir/libnvdirect.so.$major
$libdir/libnvdirect.so.$version
$libdir/pkgconfig/libnvdirect.pc"
got=$(cd "$prefix" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort)
if [ "$got" != "$(LC_ALL=C sort <<<"$expected")" ]; then
	diff -u <(LC_ALL=C sort <<<"$expected") <(echo "$got") || true
	fail "the installed files differ from the expected ones (- expected, + installed)"
fi
[ "$(readlink "$lib/libnvdirect.so")" = "libnvdirect.so.$major" ] ||
	fail "libnvdirect.so links to $(readlink "$lib/libnvdirect.so"), want libnvdirect.so.$major"
[ "$(readlink "$lib/libnvdirect.so.$major")" = "libnvdirect.so.$version" ] ||
	fail "libnvdirect.so.$major links to $(readlink "$lib/libnvdirect.so.$major")"
echo "consumer: installed $(wc -l <<<"$got") files into $prefix"

# needed BIN: the DT_NEEDED entries of BIN, one a line
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
# run_consumer NAME BIN [ENV...]: run one build of consumer.c
run_consumer() {
	local name=$1 bin=$2
	shift 2
	env "$@" "$bin" >"$work/$name.out" 2>&1 || { cat "$work/$name.out"; fail "$name: the program failed"; }
	grep -qx "nvd_version $version" "$work/$name.out" || { cat "$work/$name.out"; fail "$name: no 'nvd_version $version'"; }
	echo "consumer: $name: ran, nvd_version $version"
}

export PKG_CONFIG_PATH=$lib/pkgconfig
[ "$(pkg-config --modversion libnvdirect)" = "$version" ] ||
	fail "pkg-config --modversion libnvdirect says '$(pkg-config --modversion libnvdirect)', want $version"
pc_static=$(pkg-config --libs --static libnvdirect)
[[ " $pc_static " == *" -pthread "* ]] || fail "pkg-config --static --libs gives '$pc_static', no -pthread"

# shellcheck disable=SC2046  # pkg-config output is a word list
"$cc" -std=c11 -Wall -Wextra -Werror -o "$work/pc_shared" "$src/tests/install/consumer.c" \
	$(pkg-config --cflags --libs libnvdirect)
needed "$work/pc_shared" | grep -qx "libnvdirect.so.$major" ||
	fail "pc_shared: not linked against libnvdirect.so.$major (NEEDED: $(needed "$work/pc_shared" | tr '\n' ' '))"
run_consumer pc_shared "$work/pc_shared" LD_LIBRARY_PATH="$lib"

# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror -static -o "$work/pc_static" "$src/tests/install/consumer.c" \
	$(pkg-config --cflags --libs --static libnvdirect)
if needed "$work/pc_static" | grep -q libnvdirect; then
	fail "pc_static: still needs $(needed "$work/pc_static" | grep libnvdirect)"
fi
run_consumer pc_static "$work/pc_static"

if [ -n "$cxx" ] && [[ $cxx != *NOTFOUND ]]; then
	# shellcheck disable=SC2046
	"$cxx" -x c++ -std=c++17 -Wall -Wextra -Werror -o "$work/pc_cxx" \
		"$src/tests/install/consumer.c" $(pkg-config --cflags --libs libnvdirect)
	run_consumer pc_cxx "$work/pc_cxx" LD_LIBRARY_PATH="$lib"
fi
unset PKG_CONFIG_PATH

cmake -S "$src/tests/install/consumer" -B "$work/cmake" -DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake.log" 2>&1 &&
	cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1 ||
	{ cat "$work/cmake.log"; fail "the find_package(nvdirect) project did not build"; }
needed "$work/cmake/consumer_shared" | grep -qx "libnvdirect.so.$major" ||
	fail "nvdirect::nvdirect did not link libnvdirect.so.$major"
if needed "$work/cmake/consumer_static" | grep -q libnvdirect; then
	fail "nvdirect::nvdirect_static links $(needed "$work/cmake/consumer_static" | grep libnvdirect)"
fi
# the imported target's location goes into the build RPATH: no LD_LIBRARY_PATH
run_consumer cmake_shared "$work/cmake/consumer_shared"
run_consumer cmake_static "$work/cmake/consumer_static"

# what packaging does: prefix /usr, staged under DESTDIR
cmake -S "$src" -B "$build" -DCMAKE_INSTALL_PREFIX=/usr >>"$work/configure.log" ||
	fail "reconfigure with CMAKE_INSTALL_PREFIX=/usr failed"
DESTDIR=$work/dest cmake --install "$build" >"$work/install-destdir.log" ||
	{ cat "$work/install-destdir.log"; fail "DESTDIR install failed"; }
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
outside=$(cd "$work/dest" && find . ! -type d ! -path './usr/*')
[ -z "$outside" ] || fail "DESTDIR install put files outside /usr: $outside"
pc=$work/dest/usr/$libdir/pkgconfig/libnvdirect.pc
[ -f "$pc" ] || fail "DESTDIR install: no usr/$libdir/pkgconfig/libnvdirect.pc"
grep -qx 'prefix=/usr' "$pc" || fail "$pc: $(grep '^prefix=' "$pc"), want prefix=/usr"
if grep -rl "$work" "$work/dest" >/dev/null; then
	fail "DESTDIR install: $(grep -rl "$work" "$work/dest" | head -1) names the build directory"
fi
echo "consumer: DESTDIR install: $(cd "$work/dest" && find . ! -type d | wc -l) files under usr/, libdir $libdir"
