#!/usr/bin/env bash
# Install what building and testing nvdirect needs on a fresh Debian 12
# machine.  Idempotent: only missing packages are installed, apt-get update
# runs at most once.
set -euo pipefail

pkgs=(build-essential cmake pkg-config check libkmod-dev kmod xz-utils
      qemu-system-x86 qemu-utils linux-image-amd64 linux-headers-amd64
      busybox-static cpio util-linux fio nvme-cli)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
