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
