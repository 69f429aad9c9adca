# What GET_INFO says about address translation is what the platform does,
# and I/O works either way (run.sh -i: q35 with intel-iommu, intel_iommu=on).

# translated BDF: the function's DMA goes through an IOMMU domain that
# remaps (type DMA or DMA-FQ), not an identity (passthrough) one.
translated() {
	local g=/sys/bus/pci/devices/$1/iommu_group
	[ -e "$g" ] || return 1
	case $(cat "$g/type" 2>/dev/null) in
	DMA | DMA-FQ) return 0 ;;
	*) return 1 ;;
	esac
}

# field NAME INFO: the value of "NAME value" in nvd_uapi_probe info output.
field() { echo "$2" | sed -n "s/^$1 //p"; }

# in_system_ram ADDR: ADDR (0x...) lies in a top-level "System RAM" range of
# /proc/iomem (root sees the real addresses).
in_system_ram() {
	local a=$(($1)) lo hi
	while IFS='-: ' read -r lo hi _; do
		[ $a -ge $((16#$lo)) ] && [ $a -le $((16#$hi)) ] && return 0
	done < <(grep -E '^[0-9a-f]+-[0-9a-f]+ : System RAM$' /proc/iomem)
	return 1
}

test_get_info_iommu_flag_matches_the_platform() {
	if grep -qw intel_iommu=on /proc/cmdline; then
		# the -i guest must really have one, or this test proves nothing there
		[ -n "$(ls /sys/class/iommu 2>/dev/null)" ] ||
			fail "booted with intel_iommu=on but /sys/class/iommu is empty"
		translated "$CTRL0" || fail "intel_iommu=on but $CTRL0 is not in a translating domain"
	fi
	bind_to nvdirect "$CTRL0"
	info=$("$PROBE" info "$(nvd_dev "$CTRL0")") || { echo "$info"; fail "nvd_uapi_probe info"; }
	echo "$info"
	flag=$(field iommu "$info") bus=$(field bus_addr "$info") phys=$(field phys_addr "$info")
	[ -n "$flag" ] && [ -n "$bus" ] && [ -n "$phys" ] || fail "incomplete info output"
	if translated "$CTRL0"; then
		note "IOMMU: group $(basename "$(readlink "/sys/bus/pci/devices/$CTRL0/iommu_group")"), type $(cat "/sys/bus/pci/devices/$CTRL0/iommu_group/type")"
		[ "$flag" = 1 ] || fail "DMA is translated but GET_INFO info_flags lacks NVDIRECT_INFO_IOMMU"
		[ "$phys" != unknown ] || fail "pagemap does not show the IOMMU-backed region's page"
		[ "$bus" != "$phys" ] || fail "bus address $bus is the physical address: no IOVA"
	else
		note "no translating IOMMU in front of $CTRL0"
		[ "$flag" = 0 ] || fail "no IOMMU translates, yet GET_INFO reports NVDIRECT_INFO_IOMMU"
		# untranslated: the device is given a physical address of RAM
		in_system_ram "$bus" || fail "no IOMMU, yet bus address $bus is not in System RAM"
		[ "$phys" = unknown ] || [ "$bus" = "$phys" ] ||
			fail "no IOMMU, yet bus address $bus is not the physical address $phys"
	fi
}

test_io_through_the_platform_translation() {
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	out=$("$HELLO") || { echo "$out"; fail "hello_world exited non-zero"; }
	[ "$(echo "$out" | grep -c 'Hello world!')" -eq 3 ] || { echo "$out"; fail "hello_world did not read back 3 namespaces"; }
	# transfers larger than a page, split at MDTS on CTRL1: PRP lists too
	"$PATTERN" -s 41 -c 256 write "$CTRL0" 1 4096 2048
	"$PATTERN" -s 41 -c 256 verify "$CTRL0" 1 4096 2048
	"$PATTERN" -s 42 write "$CTRL1" 1 0 1000
	"$PATTERN" -s 42 verify "$CTRL1" 1 0 1000
	expect_fail "verify with the wrong seed" "$PATTERN" -s 43 verify "$CTRL1" 1 0 1000
	# and the kernel reads what nvdirect wrote through the same IOMMU
	bind_to nvme "$CTRL0"
	cmp <(dd if="$(kdev "$CTRL0" 1)" bs=512 skip=4096 count=2048 iflag=direct status=none) \
		<("$PATTERN" -s 41 gen 4096 2048 512) || fail "the kernel reads different data"
	# an IOMMU fault fails the test through dmesg_clean (lib.sh)
}

# A DMA region is mapped by the DMA API (dma_mmap_coherent()) at mmap, the
# way the platform's DMA ops do it, not page by page from the module's
# fault handler: behind an IOMMU that is iommu-dma's vm_map_pages(), every
# page present before the first access; without one it is dma-direct's
# remap_pfn_range(), a VM_IO|VM_PFNMAP vma.  The fault-handler path showed
# neither (VM_MIXEDMAP, nothing resident until touched).
test_dma_region_is_mapped_by_the_dma_api() {
	bind_to nvdirect "$CTRL0"
	out=$("$PROBE" mapkind "$(nvd_dev "$CTRL0")") || { echo "$out"; fail "nvd_uapi_probe mapkind"; }
	echo "$out"
	flags=" $(field vmflags "$out") " resident=$(field resident_before_access "$out")
	# vmflag_has FLAG: the two-letter mnemonic of fs/proc/task_mmu.c is in VmFlags
	vmflag_has() { case $flags in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
	vmflag_has dc && vmflag_has de || fail "VmFlags$flags lack dc/de (no fork, no mremap growth)"
	if translated "$CTRL0"; then
		vmflag_has mm || fail "behind an IOMMU the region should be VM_MIXEDMAP (vm_map_pages): VmFlags$flags"
		[ "$resident" = 4 ] || fail "$resident of 4 pages resident before the first access: not mapped at mmap"
	else
		vmflag_has pf || fail "without an IOMMU the region should be VM_PFNMAP (remap_pfn_range): VmFlags$flags"
		vmflag_has io || fail "VM_PFNMAP region without VM_IO: VmFlags$flags"
		! vmflag_has mm || fail "VM_MIXEDMAP and VM_PFNMAP at once: VmFlags$flags"
	fi
}
