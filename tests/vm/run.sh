#!/usr/bin/env bash
# run.sh [options] -- COMMAND: boot the guest kernel under QEMU (TCG) with
# QEMU's emulated NVMe controller(s) and run COMMAND (bash) inside it, in the
# project directory, chrooted into the host's root (read-only, tmpfs
# overlay).  Exits with COMMAND's exit code; 124 when the guest timed out.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: tests/vm/run.sh [options] -- COMMAND...
  -k, --kernel SERIES|VER  guest kernel (default: oldest installed, e.g. 6.1)
  -l, --layout NAME        NVMe layout (default: basic)
        basic   00:03.0 serial NVD0001: ns1 512 B LBAs, 256 MiB
        suite   00:03.0 serial NVD0001: ns1 512 B LBAs 256 MiB, ns2 4 KiB LBAs 128 MiB,
                ns3 512 B LBAs + 8 B of metadata in a separate buffer 32 MiB
                (every namespace of the suite has a fixed UUID and EUI-64)
                00:04.0 serial NVD0002 mdts=2: ns1 512 B LBAs 64 MiB
                00:04.1 virtio-rng (the IOMMU group of 00:04.0 on q35)
        null    00:03.0 serial NVD0001: ns1 on null-co (no file cost, reads zero);
                -D US adds US microseconds to every request (null-co latency-ns),
                a device as slow as a flash SSD instead of one answering at once
        faults  00:03.0 serial NVD0003: ns1 512 B LBAs 64 MiB through blkdebug:
                reads of LBAs 3000..3003 and writes of LBAs 5000..5003 fail (EIO)
        hotplug 00:03.0 serial NVD0004: ns1 512 B LBAs 64 MiB, pc machine (ACPI
                hot-plug); the guest drives QEMU's monitor (see below)
        aer     01:00.0 serial NVD0005: ns1 512 B LBAs 64 MiB behind pcie-root-port
                rp1 (00:06.0), q35 machine (AER is the kernel's by _OSC); the
                guest drives QEMU's monitor (pcie_aer_inject_error rp1 ...)
        tcp     as basic; the NVMe/TCP tests run the kernel's own target (nvmet-tcp)
                on 127.0.0.1 inside the guest, so they need no emulated controller
                of their own and no IOMMU
  -i, --iommu              q35 machine with intel-iommu, intel_iommu=on
  -m, --monitor PATH       QEMU monitor on unix socket PATH
  -t, --timeout SEC        kill the guest after SEC seconds (default 1200)
  -q, --qemu-arg ARG       extra QEMU argument (repeatable)
  -a, --append ARG         extra kernel command line argument (repeatable)
  -n, --no-kmod            do not build the module (harness checks)
  -D, --device-latency US  null layout: every request takes US microseconds more
  -L, --log FILE           copy of the guest console (default build/vm/VARIANT/console.log)
Each kernel, machine and layout (VARIANT: KVER, KVER-iommu, KVER-faults...) has its own directory
build/vm/VARIANT (disk images, initramfs, module copy, results), so guests of
different variants can run side by side.
Inside the guest: NVD_GUEST=1, NVD_RESULTS=/mnt (shared with the host's
build/vm/VARIANT/results), the module at \$NVD_KO, binaries under build/,
NVD_LAYOUT, and for faults NVD_FAULT_READ/NVD_FAULT_WRITE (FIRST:COUNT LBAs).
For hotplug and aer the monitor is on (build/vm/VARIANT/monitor.sock unless -m) and
tests/vm/monitor-relay.py runs its commands for the guest: the guest writes
HMP lines to \$NVD_RESULTS/monitor.req and reads \$NVD_RESULTS/monitor.reply;
NVD_HOTPLUG_DRIVE and NVD_HOTPLUG_DEVICE hold the controller's drive_add and
device_add arguments (id nvme0), to plug it back after a device_del.
USAGE
}

kernel= layout=basic iommu=0 monitor= timeout=1200 log= kmod=1 dev_latency_us=0
extra=() append=()
while [ $# -gt 0 ]; do
	case $1 in
	-k | --kernel) kernel=$2; shift 2 ;;
	-l | --layout) layout=$2; shift 2 ;;
	-D | --device-latency) dev_latency_us=$2; shift 2 ;;
	-i | --iommu) iommu=1; shift ;;
	-m | --monitor) monitor=$2; shift 2 ;;
	-t | --timeout) timeout=$2; shift 2 ;;
	-q | --qemu-arg) extra+=("$2"); shift 2 ;;
	-a | --append) append+=("$2"); shift 2 ;;
	-L | --log) log=$2; shift 2 ;;
	-n | --no-kmod) kmod=0; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { usage >&2; exit 2; }

case $kernel in
'' | [0-9].[0-9] | [0-9].[0-9][0-9]) kver=$(guest_kernel "$kernel") ;;
*) kver=$kernel ;;
esac
[ -e "/boot/vmlinuz-$kver" ] || die "no /boot/vmlinuz-$kver"

variant=$kver
[ "$iommu" = 1 ] && variant+=-iommu
[ "$layout" = suite ] || variant+=-$layout
vm=$NVD_BUILD/vm/$variant
mkdir -p "$vm"
log=${log:-$vm/console.log}
ko=
if [ "$kmod" = 1 ]; then
	# The guest's own copy: a rebuild for another guest cannot pull it away.
	ko=$("$(dirname "$0")/build-kmod.sh" "$kver" "$vm/nvdirect.ko")
fi
initrd=$vm/initrd.gz
if [ ! -f "$initrd" ] || [ "$initrd" -ot "$(dirname "$0")/guest-init" ] ||
	[ "$initrd" -ot "$(dirname "$0")/mkinitramfs.sh" ]; then
	"$(dirname "$0")/mkinitramfs.sh" "$kver" "$initrd"
fi

# Fresh, sparse disk images every boot: tests never see an earlier run's data.
img() { rm -f "$vm/$1.img"; truncate -s "$2" "$vm/$1.img"; echo "$vm/$1.img"; }
# discard=unmap: Dataset Management deallocate punches holes, so deallocated
# blocks read back as zeroes, as QEMU's controller promises (DLFEAT)
drive() { echo "-drive file=$(img "$1" "$2"),if=none,id=$1,format=raw,cache=writeback,discard=unmap"; }
# blkdebug_conf FILE EVENT FIRST:COUNT...: fail each 512-byte sector of the
# ranges with EIO on EVENT (read_aio, write_aio), every time.
blkdebug_conf() {
	local f=$1 ev first n s
	shift
	: >"$f"
	while [ $# -ge 2 ]; do
		ev=$1 first=${2%:*} n=${2#*:}
		shift 2
		for ((s = first; s < first + n; s++)); do
			printf '[inject-error]\nevent = "%s"\nerrno = "5"\nsector = "%d"\nonce = "off"\n\n' "$ev" "$s"
		done >>"$f"
	done
}
fault_read= fault_write= hp_drive= hp_device=
# nsids CTRL NSID: fixed, distinct identifiers (QEMU 7.2 reports none by
# default), so Identify and the ns-descs list have something to compare.
nsids() { printf 'uuid=6e766469-7265-4374-a000-0000000%d000%d,eui64=0x6e76640000000%d0%d' "$1" "$2" "$1" "$2"; }
case $dev_latency_us in '' | *[!0-9]*) die "-D '$dev_latency_us': the device latency is whole microseconds" ;; esac
[ "$dev_latency_us" = 0 ] || [ "$layout" = null ] || die "-D $dev_latency_us: a device latency applies to the null layout only"
nvme=()
case $layout in
basic | tcp)
	nvme+=($(drive d1 256M) -device "nvme,id=nvme0,serial=NVD0001,addr=0x3,drive=d1")
	;;
suite)
	# ns3 has metadata (ms=8, mset=0: a separate buffer, MPTR), which
	# libnvdirect lists but refuses I/O on; the kernel's driver uses it.
	# 00:04.1 is a virtio-rng function in nvme1's slot: one IOMMU group with
	# it on q35 (no ACS between functions), a peer bound to a driver (t_perm.sh).
	nvme+=($(drive d1 256M) $(drive d2 128M) $(drive d3 64M) $(drive d4 32M)
		-device "nvme,id=nvme0,serial=NVD0001,addr=0x3"
		-device "nvme-ns,drive=d1,bus=nvme0,nsid=1,logical_block_size=512,physical_block_size=512,$(nsids 1 1)"
		-device "nvme-ns,drive=d2,bus=nvme0,nsid=2,logical_block_size=4096,physical_block_size=4096,$(nsids 1 2)"
		-device "nvme-ns,drive=d4,bus=nvme0,nsid=3,logical_block_size=512,physical_block_size=512,ms=8,mset=0,$(nsids 1 3)"
		-device "nvme,id=nvme1,serial=NVD0002,addr=0x4.0,multifunction=on,mdts=2"
		-device virtio-rng-pci,addr=0x4.1
		-device "nvme-ns,drive=d3,bus=nvme1,nsid=1,logical_block_size=512,physical_block_size=512,$(nsids 2 1)")
	;;
null)
	nvme+=(-drive "driver=null-co,size=1G,read-zeroes=on,latency-ns=$((dev_latency_us * 1000)),if=none,id=d1"
		-device "nvme,id=nvme0,serial=NVD0001,addr=0x3,drive=d1")
	;;
faults)
	# QEMU's nvme device completes a command whose backend I/O failed with
	# a media error status: that is what t_media.sh looks for.
	fault_read=3000:4 fault_write=5000:4
	blkdebug_conf "$vm/faults.conf" read_aio "$fault_read" write_aio "$fault_write"
	nvme+=(-drive "file=blkdebug:$vm/faults.conf:$(img d1 64M),if=none,id=d1,format=raw,cache=writeback"
		-device "nvme,id=nvme0,serial=NVD0003,addr=0x3,drive=d1")
	;;
hotplug)
	# Root-bus devices of the pc machine are ACPI hot-pluggable (q35's are not).
	[ "$iommu" = 1 ] && die "layout hotplug needs the pc machine: drop -i"
	# no image lock: a re-added controller opens the file under a new
	# drive id while QEMU may still hold the old one
	hp_drive="file=$(img d1 64M),if=none,id=d1,format=raw,cache=writeback,file.locking=off"
	hp_device="nvme,id=nvme0,serial=NVD0004,addr=0x3,drive=d1"
	nvme+=(-drive "$hp_drive" -device "$hp_device")
	monitor=${monitor:-$vm/monitor.sock}
	;;
aer)
	# A 2.5 GT/s link: after the secondary bus reset of recovery, a kernel
	# waits for Data Link Layer Link Active on a faster port, which QEMU 7.2
	# does not set again, and recovery fails; at 2.5 GT/s both 6.1 and 6.12
	# just wait and poll the function's config space.
	nvme+=(-device "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x6,x-speed=2_5"
		$(drive d1 64M) -device "nvme,id=nvme0,serial=NVD0005,bus=rp1,drive=d1")
	monitor=${monitor:-$vm/monitor.sock}
	;;
*) die "unknown layout '$layout' (basic, suite, null, faults, hotplug, aer, tcp)" ;;
esac

results=$vm/results
rm -rf "$results"
mkdir -p "$results"
{
	echo "cd '$NVD_TOP' || exit 1"
	echo "export NVD_TOP='$NVD_TOP' NVD_BUILD='$NVD_BUILD' NVD_KO='$ko' NVD_RESULTS=/mnt"
	echo "export NVD_LAYOUT='$layout' NVD_FAULT_READ='$fault_read' NVD_FAULT_WRITE='$fault_write'"
	echo "export NVD_HOTPLUG_DRIVE='$hp_drive' NVD_HOTPLUG_DEVICE='$hp_device'"
	printf '%q ' "$@"
	echo
} >"$results/job.sh"

machine=(-M pc)
# a PCIe root port, and the AER that comes with it, needs q35
[ "$layout" = aer ] && machine=(-M q35)
# no_timer_check: under TCG on a busy host the boot-time check that the
# timer interrupt arrives can miss, and with interrupt remapping (-i) the
# kernel panics over it ("timer doesn't work through Interrupt-remapped
# IO-APIC").
cmdline="console=ttyS0 panic=-1 oops=panic loglevel=4 tsc=reliable no_timer_check"
if [ "$iommu" = 1 ]; then
	machine=(-M q35,kernel-irqchip=split -device intel-iommu,intremap=on)
	cmdline+=" intel_iommu=on iommu=nopt"
fi
[ ${#append[@]} -gt 0 ] && cmdline+=" ${append[*]}"
mon=() relay=
if [ -n "$monitor" ]; then
	rm -f "$monitor"
	mon=(-monitor "unix:$monitor,server,nowait")
fi
if [ "$layout" = hotplug ] || [ "$layout" = aer ]; then
	python3 "$(dirname "$0")/monitor-relay.py" "$monitor" "$results" &
	relay=$!
fi

set +e
timeout -k 10 "$timeout" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -smp 2 -m 2G "${machine[@]}" \
	-nographic -vga none -nic none -no-reboot \
	-kernel "/boot/vmlinuz-$kver" -initrd "$initrd" -append "$cmdline" \
	-fsdev local,id=fs0,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=fs0,mount_tag=hostroot,addr=0x10 \
	-fsdev local,id=fs1,path="$results",security_model=none \
	-device virtio-9p-pci,fsdev=fs1,mount_tag=results,addr=0x11 \
	"${nvme[@]}" "${mon[@]}" "${extra[@]}" </dev/null 2>&1 | tee "$log"
qrc=${PIPESTATUS[0]}
[ -n "$relay" ] && { kill "$relay" 2>/dev/null; wait "$relay" 2>/dev/null; }
set -e
[ "$qrc" = 124 ] && { echo "run.sh: guest timed out after ${timeout}s (console: $log)" >&2; exit 124; }
[ -f "$results/rc" ] || die "guest did not report an exit code (qemu exit $qrc; console: $log)"
exit "$(cat "$results/rc")"
