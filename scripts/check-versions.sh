#!/usr/bin/env bash
# check-versions.sh: the project's version is written in three places that
# must agree: project(nvdirect VERSION X.Y.Z) in CMakeLists.txt (the
# library's and MODULE_VERSION's source), PACKAGE_VERSION in dkms.conf, and
# the upstream part of debian/changelog's first entry.  Prints the version,
# or one line naming the values that differ and exits 1.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

cm=$(sed -n 's/^project(nvdirect VERSION \([0-9][0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
dk=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")
ch=$(sed -n '1s/^nvdirect (\([^)]*\)).*/\1/p' "$top/debian/changelog")
up=${ch%-*}
if [ -z "$cm" ] || [ -z "$dk" ] || [ -z "$ch" ] || [ "$cm" != "$dk" ] || [ "$cm" != "$up" ]; then
	echo "check-versions: versions disagree: CMakeLists.txt project() '${cm:-?}'," \
		"dkms.conf PACKAGE_VERSION '${dk:-?}', debian/changelog '${ch:-?}' (upstream '${up:-?}')" >&2
	exit 1
fi
echo "$cm"
