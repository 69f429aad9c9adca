#!/usr/bin/env bash
# Install what building and testing nvdirect needs on a fresh Debian 12
# machine, plus a second guest kernel (6.12, from bookworm-backports).
# Idempotent: only missing packages are installed, apt-get update runs at
# most once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(build-essential g++ cmake pkg-config check libkmod-dev libjson-c-dev kmod xz-utils
      qemu-system-x86 qemu-utils linux-image-amd64 linux-headers-amd64
      busybox-static cpio util-linux fio jq nvme-cli
      debhelper dh-dkms dkms dpkg-dev fakeroot lintian man-db groff-base adduser passwd udev)

# The backports suite alone: mixing in a newer release (trixie) breaks
# dependency resolution for the rest of the system.  It comes from the
# archive this machine's own apt sources use for bookworm.
bpo_list=/etc/apt/sources.list.d/nvdirect-bookworm-backports.list
bpo_series=6.12

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

# have_bpo_kernel: a 6.12 image with its headers is installed.
have_bpo_kernel() {
	local d
	for d in /lib/modules/"$bpo_series".*/; do
		[ -d "$d/build" ] && [ -e "/boot/vmlinuz-$(basename "$d")" ] && return 0
	done
	return 1
}
need_bpo=0
have_bpo_kernel || need_bpo=1

[ ${#missing[@]} -eq 0 ] && [ $need_bpo = 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	[ ${#missing[@]} -gt 0 ] &&
		echo "deps: missing packages (${missing[*]}); run as root to install them" >&2
	[ $need_bpo = 1 ] &&
		echo "deps: no $bpo_series guest kernel; run as root to install it from bookworm-backports" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
updated=0
if [ $need_bpo = 1 ]; then
	bpo_line="deb $(apt_archive_uri bookworm) bookworm-backports main" || exit 1
	grep -qsxF "$bpo_line" "$bpo_list" || echo "$bpo_line" >"$bpo_list"
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	apt-get update -qq
	updated=1
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $need_bpo = 1 ]; then
	echo "deps: installing the $bpo_series guest kernel from bookworm-backports"
	[ $updated = 1 ] || apt-get update -qq
	apt-get install -y -qq --no-install-recommends -t bookworm-backports \
		linux-image-amd64 linux-headers-amd64 >/dev/null
	have_bpo_kernel || { echo "deps: bookworm-backports did not bring a $bpo_series kernel with headers" >&2; exit 1; }
fi
