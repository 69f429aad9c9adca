#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# headers.sh CC CXX INCLUDEDIR...: the installed headers compile as C11 and
# as C++11 and C++17 with -Wall -Wextra -Wpedantic -Werror, and in C++ the
# library's functions keep C linkage.  INCLUDEDIRs: the headers as they are
# installed (lib/include and the build's generated include/).  Exit 77
# (skipped) when there is no C++ compiler.
set -euo pipefail
cc=$1 cxx=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
inc=()
for d in "$@"; do inc+=(-I "$d"); done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
warn=(-Wall -Wextra -Wpedantic -Werror)

"$cc" -std=c11 "${warn[@]}" "${inc[@]}" -c "$here/headers.c" -o "$out/c.o"
echo "headers: C11 clean"
if [ -z "$cxx" ] || [[ $cxx == *NOTFOUND ]]; then
	echo "headers: no C++ compiler found; C++ not checked"
	exit 77
fi
for std in c++11 c++17; do
	"$cxx" -x c++ -std=$std "${warn[@]}" "${inc[@]}" -c "$here/headers.c" -o "$out/$std.o"
	# a C++ object refers to a C function by its plain name only under extern "C"
	if ! nm -u "$out/$std.o" | grep -qx ' *U nvd_version'; then
		echo "headers: as $std, nvd_version is not referenced with C linkage:"
		nm -u "$out/$std.o"
		exit 1
	fi
	echo "headers: $std clean, C linkage"
done
