#!/usr/bin/env bash
# mkinitramfs.sh KVER OUT: a busybox initramfs for guest kernel KVER that
# loads virtio/9p/overlay, mounts the host's root read-only and chroots into
# it (see guest-init).  Modules are resolved through modules.dep and
# decompressed (6.12 ships .ko.xz; busybox insmod wants plain .ko).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: mkinitramfs.sh KVER OUT}
out=${2:?usage: mkinitramfs.sh KVER OUT}
mdir=/lib/modules/$kver
[ -f "$mdir/modules.dep" ] || die "no $mdir/modules.dep"
bb=$(command -v busybox) || die "busybox-static is not installed"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,mods,host,rw,newroot}
cp "$bb" "$stage/bin/busybox"
for a in sh mount umount mkdir insmod cat echo sleep poweroff chroot ls \
	 grep sed mknod reboot sync tr cut; do
	ln -s busybox "$stage/bin/$a"
done

# want MODULE...: print module paths (relative to $mdir) with their
# dependencies first, each once.
declare -A seen=()
order=()
want() {
	local name=$1 path deps d
	# no match is not an error here (set -e would end the script silently)
	path=$(grep -E "(^|/)${name}\.ko(\.xz|\.zst|\.gz)?:" "$mdir/modules.dep" | head -n1 | cut -d: -f1) || true
	if [ -z "$path" ]; then
		# built into the kernel: nothing to load
		grep -qE "/${name}\.ko" "$mdir/modules.builtin" 2>/dev/null && return 0
		die "module $name not found for $kver"
	fi
	[ -n "${seen[$path]:-}" ] && return 0
	seen[$path]=1
	deps=$(grep -E "^${path}:" "$mdir/modules.dep" | cut -d: -f2)
	for d in $deps; do
		d=$(basename "$d"); want "${d%%.ko*}"
	done
	order+=("$path")
}
for m in virtio_pci 9pnet_virtio 9p overlay; do want "$m"; done

i=0
for p in "${order[@]}"; do
	dst=$(printf '%s/mods/%02d-%s' "$stage" "$i" "$(basename "${p%%.ko*}").ko")
	case $p in
	*.xz) xz -dc "$mdir/$p" >"$dst" ;;
	*.zst) zstd -qdc "$mdir/$p" >"$dst" ;;
	*.gz) gzip -dc "$mdir/$p" >"$dst" ;;
	*) cp "$mdir/$p" "$dst" ;;
	esac
	i=$((i + 1))
done

install -m 0755 "$(dirname "$0")/guest-init" "$stage/init"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
