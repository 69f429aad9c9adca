#!/usr/bin/env bash
# build-kmod.sh KVER: build nvdirect.ko for guest kernel KVER in its own
# directory (build/kmod-KVER/) so several kernels never share objects.
# Prints the path of the module.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: build-kmod.sh KVER}
[ -d "/lib/modules/$kver/build" ] || die "no headers for $kver in /lib/modules/$kver/build"
out=$NVD_BUILD/kmod-$kver
mkdir -p "$out"
# Copy rather than build in place: Kbuild writes objects next to sources.
rm -rf "${out:?}"/*
cp -r "$NVD_TOP/Kbuild" "$NVD_TOP/kmod" "$out/"
make -s -C "/lib/modules/$kver/build" M="$out" W=1 modules >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; die "module build failed for $kver"; }
if grep -q 'warning:' "$out/build.log"; then
	cat "$out/build.log" >&2
	die "module build for $kver has warnings"
fi
echo "$out/nvdirect.ko"
