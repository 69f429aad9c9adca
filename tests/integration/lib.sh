# Helpers for the in-guest integration tests; sourced by run-all.sh.
# shellcheck shell=bash

BIN=$NVD_BUILD
HELLO=$BIN/tools/hello_world
NVDIRECT=$BIN/tools/nvdirect
PATTERN=$BIN/tests/integration/nvd_pattern
SOAK=$BIN/tests/integration/nvd_soak
PROBE=$BIN/tests/integration/nvd_uapi_probe

CTRL0=0000:00:03.0	# suite layout: ns1 512 B LBAs, ns2 4 KiB LBAs
CTRL1=0000:00:04.0	# suite layout: mdts=2, ns1 512 B LBAs

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "  $*"; }

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
	local t=$(($1 * 5)); shift
	while ! "$@" 2>/dev/null; do
		t=$((t - 1))
		[ $t -gt 0 ] || return 1
		sleep 0.2
	done
}

nvd_loaded() { [ -d /sys/module/nvdirect ]; }
nvd_load() { nvd_loaded || insmod "$NVD_KO" || fail "insmod $NVD_KO"; }

driver_of() {
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || { echo none; return; }
	basename "$l"
}

unbind() {
	local drv
	drv=$(driver_of "$1")
	[ "$drv" = none ] && return 0
	echo "$1" >"/sys/bus/pci/drivers/$drv/unbind" || fail "unbind $1 from $drv"
}

# bind_to DRIVER BDF: hand BDF to nvdirect or nvme, through driver_override.
bind_to() {
	local drv=$1 bdf=$2
	[ "$(driver_of "$bdf")" = "$drv" ] && return 0
	case $drv in
	nvdirect) nvd_load ;;
	nvme) modprobe nvme || fail "modprobe nvme" ;;
	esac
	unbind "$bdf"
	echo "$drv" >"/sys/bus/pci/devices/$bdf/driver_override"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	[ "$(driver_of "$bdf")" = "$drv" ] || fail "$bdf did not bind to $drv"
	if [ "$drv" = nvme ]; then
		wait_for 30 kdev "$bdf" 1 >/dev/null || fail "no block device appeared for $bdf"
		udev_settle_nodes
	fi
}

# Without udev, make sure the nvme block nodes exist (devtmpfs does it).
udev_settle_nodes() { sleep 1; }

# nvd_dev BDF: /dev/nvdirectN of a function bound to nvdirect.
nvd_dev() {
	local d
	for d in /sys/class/nvdirect/nvdirect*; do
		[ "$(basename "$(readlink "$d/device")")" = "$1" ] && { echo "/dev/$(basename "$d")"; return 0; }
	done
	return 1
}
nvd_sys() { echo "/sys/class/nvdirect/$(basename "$(nvd_dev "$1")")"; }

# kdev BDF NSID: the kernel's block device for namespace NSID.  Matched on
# the disk's nsid attribute, not its name: the N in nvmeXnN is an instance
# number, and since namespaces are scanned in parallel (6.x) nsid 2 can well
# be nvme0n1.
kdev() {
	local c n b
	for c in /sys/bus/pci/devices/"$1"/nvme/nvme*; do
		for n in "$c"/nvme*n*; do
			b=$(basename "$n")
			[ -b "/dev/$b" ] && [ "$(cat "/sys/block/$b/nsid" 2>/dev/null)" = "$2" ] &&
				{ echo "/dev/$b"; return 0; }
		done
	done
	return 1
}

# PCI command register bit 2: bus master enable.
bus_master() {
	local b
	b=$(od -An -tu1 -j4 -N1 "/sys/bus/pci/devices/$1/config" | tr -d ' ')
	echo $(((b >> 2) & 1))
}

# No kernel splat, no leak report, no IOMMU fault (a device DMA-ing outside
# what was mapped for it).
dmesg_clean() {
	local bad
	bad=$(dmesg | grep -E 'WARNING|BUG:|Oops|Call Trace|general protection|nvdirect.*(leak|still)|DMAR: \[DMA|DMAR: DRHD: handling fault|IO_PAGE_FAULT' || true)
	[ -z "$bad" ] || { echo "$bad" >&2; return 1; }
}

# expect_fail DESCRIPTION CMD...: CMD must exit non-zero.
expect_fail() {
	local what=$1; shift
	if "$@"; then fail "$what: succeeded, expected a failure"; fi
	return 0
}

# qemu_monitor CMD...: run HMP commands (one per argument) in QEMU's monitor
# through tests/vm/monitor-relay.py (layout hotplug); prints the reply.
qemu_monitor() {
	local req=$NVD_RESULTS/monitor.req reply=$NVD_RESULTS/monitor.reply
	rm -f "$reply"
	printf '%s\n' "$@" >"$req.tmp" && mv "$req.tmp" "$req"
	wait_for 60 test -e "$reply" || fail "QEMU's monitor did not answer '$*'"
	cat "$reply"
}
