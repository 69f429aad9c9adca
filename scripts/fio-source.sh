#!/usr/bin/env bash
# fio-source.sh: fetch the source of the installed fio (Debian's package, the
# same version) into $NVD_BUILD/fio-src/ and configure it, so the nvdirect
# ioengine (fio/) can be compiled against its headers: fio installs none.
#
# apt runs with a private configuration under $NVD_BUILD/fio-src/apt/: a
# deb-src entry for the archive this machine's own apt sources use for its
# release (apt_archive_uri), nothing written to /etc/apt.  Prints the
# configured source tree on stdout; on failure prints one line saying why on
# stderr and exits 1.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

fail() { echo "fio-source: $*" >&2; exit 1; }

ver=$(dpkg-query -W -f='${Version}' fio 2>/dev/null) || true
[ -n "$ver" ] || fail "fio is not installed (run tests/vm/deps.sh)"
upstream=${ver%-*}
upstream=${upstream#*:}
dir=$NVD_BUILD/fio-src
tree=$dir/fio-$upstream
stamp=$tree/.nvdirect-configured

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$ver" ]; then
	echo "$tree"
	exit 0
fi

command -v dpkg-source >/dev/null || fail "dpkg-source missing (package dpkg-dev; run tests/vm/deps.sh)"
# shellcheck disable=SC1091
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || fail "no VERSION_CODENAME in /etc/os-release"
uri=$(apt_archive_uri "$codename") || fail "no apt source for $codename on this machine to fetch fio's source from"

apt=$dir/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $codename main" \
	>"$apt/sources.list"
aptopts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
	 -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
	 -o APT::Sandbox::User=root)

# apt-get update may exit 0 with nothing fetched: look for the index too
if ! apt-get "${aptopts[@]}" -qq update >"$apt/update.log" 2>&1 ||
	! compgen -G "$apt/lists/*_Sources*" >/dev/null; then
	fail "apt-get update of deb-src $uri $codename fetched nothing (no network?): $(grep -m1 -E '^(E|W):' "$apt/update.log" || tail -n1 "$apt/update.log")"
fi
rm -rf "$tree"
(cd "$dir" && apt-get "${aptopts[@]}" -qq source "fio=$ver") >"$apt/source.log" 2>&1 ||
	fail "apt-get source fio=$ver failed: $(grep -m1 -E '^(E|W):' "$apt/source.log" || tail -n1 "$apt/source.log")"
[ -f "$tree/fio.h" ] || fail "apt-get source fio=$ver left no $tree/fio.h"

# Debian's options (debian/rules) as far as they change what the engine
# sees: --disable-native.  gfio and libnbd add engines and a GUI, not
# fields of struct thread_data or struct io_u.
(cd "$tree" && ./configure --disable-native --prefix=/usr) >"$dir/configure.log" 2>&1 ||
	fail "fio's ./configure failed, see $dir/configure.log"
[ -f "$tree/config-host.h" ] || fail "fio's ./configure wrote no config-host.h"
echo "$ver" >"$stamp"
echo "$tree"
