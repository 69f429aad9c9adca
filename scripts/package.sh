#!/usr/bin/env bash
# package.sh: build the Debian packages nvdirect-dkms, libnvdirect0,
# libnvdirect-dev, nvdirect-tools and nvdirect-fio into build/deb/
# ($NVD_BUILD/deb) with dpkg-buildpackage (debhelper, dh-dkms), then check
# them with lintian: any error fails, warnings are printed.  nvdirect-fio
# is compiled against the installed fio's source, fetched by
# scripts/fio-source.sh; when that fails, the build profile
# pkg.nvdirect.nofio leaves it out and the other four are built.
#
# The build runs in a copy of the tree's files (tracked, and new ones git
# does not ignore) under build/deb-src/, so the source tree gets no debian/
# build droppings.  First, the versions in CMakeLists.txt (project()),
# dkms.conf (PACKAGE_VERSION) and debian/changelog must agree.
#
# Usage: scripts/package.sh [--no-lintian]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

lintian=1
case ${1:-} in
--no-lintian) lintian=0 ;;
-h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
'') ;;
*) die "unknown option '$1' (see --help)" ;;
esac

ver=$("$top/scripts/check-versions.sh") || exit 1
echo "package: CMakeLists.txt, dkms.conf and debian/changelog agree on version $ver"

src=$NVD_BUILD/deb-src
out=$NVD_BUILD/deb
rm -rf "$src" "$out"
mkdir -p "$src/nvdirect" "$out"
# the tree's own files only: no build directories, no objects
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -f "$top/$f" ] && printf '%s\0' "$f"
		done | tar -C "$top" --null -T - -cf - | tar -C "$src/nvdirect" -xf -
else
	tar -C "$top" --exclude='./build' --exclude='./build-*' --exclude='./.git' -cf - . |
		tar -C "$src/nvdirect" -xf -
fi

# nvdirect-fio needs the installed fio's configured source (debian/rules);
# without it (no network) the other four are built and the reason said
profiles=${DEB_BUILD_PROFILES:-}
if fio_src=$("$top/scripts/fio-source.sh"); then
	export NVD_FIO_SOURCE_DIR=$fio_src
else
	echo "package: nvdirect-fio is not built (fio's source could not be fetched, see above)" >&2
	profiles="$profiles pkg.nvdirect.nofio"
fi

start=$(date +%s)
echo "package: building nvdirect $ver in $src/nvdirect (log: $src/build.log)"
if ! (cd "$src/nvdirect" &&
	DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck noautodbgsym ${DEB_BUILD_OPTIONS:-}" \
		DEB_BUILD_PROFILES="${profiles# }" dpkg-buildpackage -b -us -uc) >"$src/build.log" 2>&1; then
	tail -n 40 "$src/build.log" >&2
	die "dpkg-buildpackage failed (log: $src/build.log)"
fi
mv "$src"/*.deb "$out/"
echo "package: built in $(($(date +%s) - start)) s:"
ls -1 "$out"/*.deb

[ "$lintian" = 1 ] || exit 0
# lintian's own exit status: 0 when no tag at or above --fail-on
if lintian --fail-on error --tag-display-limit 0 "$out"/*.deb >"$out/lintian.txt" 2>&1; then
	lrc=0
else
	lrc=$?
fi
cat "$out/lintian.txt"
[ "$lrc" = 0 ] || die "lintian found errors (exit $lrc; output: $out/lintian.txt)"
echo "package: lintian: no errors, $(grep -c '^W: ' "$out/lintian.txt") warnings"
