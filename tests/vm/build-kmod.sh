#!/usr/bin/env bash
# build-kmod.sh KVER [DEST]: build nvdirect.ko for guest kernel KVER in its
# own directory (build/kmod-KVER/) so several kernels never share objects.
# Prints the path of the module; with DEST, copies it there first, so that a
# guest's module cannot be pulled away by a later build for another guest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: build-kmod.sh KVER [DEST]}
dest=${2:-}
[ -d "/lib/modules/$kver/build" ] || die "no headers for $kver in /lib/modules/$kver/build"
out=$NVD_BUILD/kmod-$kver
mkdir -p "$out"
# One build per kernel at a time: guests of two variants may start together.
exec 9>"$out.lock"
flock 9
# Copy rather than build in place: Kbuild writes objects next to sources.
rm -rf "${out:?}"/*
cp -r "$NVD_TOP/Kbuild" "$NVD_TOP/kmod" "$NVD_TOP/CMakeLists.txt" "$out/"	# CMakeLists.txt: the version
make -s -C "/lib/modules/$kver/build" M="$out" W=1 modules >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; die "module build failed for $kver"; }
# compiler warnings (W=1) and modpost's WARNING: lines alike
if grep -qi 'warning:' "$out/build.log"; then
	cat "$out/build.log" >&2
	rm -f "$out/nvdirect.ko"
	die "module build for $kver has warnings"
fi
if [ -n "$dest" ]; then
	cp "$out/nvdirect.ko" "$dest"
	echo "$dest"
else
	echo "$out/nvdirect.ko"
fi
