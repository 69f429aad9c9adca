# The char device's contract: permissions, exclusivity, ioctl and mmap ABI,
# sysfs, and binding only when asked.

test_second_open_is_busy() {
	bind_to nvdirect "$CTRL0"
	"$PROBE" exclusive "$(nvd_dev "$CTRL0")"
}

# Without CAP_SYS_RAWIO: EPERM unless an IOMMU translates (kmod/access.c).
test_open_without_cap_sys_rawio_needs_an_iommu() {
	bind_to nvdirect "$CTRL0"
	if grep -qw intel_iommu=on /proc/cmdline; then
		"$PROBE" noperm "$(nvd_dev "$CTRL0")" ok
	else
		"$PROBE" noperm "$(nvd_dev "$CTRL0")" EPERM
	fi
}

test_ioctl_and_mmap_abi() {
	bind_to nvdirect "$CTRL0"
	"$PROBE" abi "$(nvd_dev "$CTRL0")"
}

# NVDIRECT_MASK_IRQ's errors, and a masked vector unrouted or closed
# leaves the irq balanced (enable_irq would warn "Unbalanced enable").
test_uapi_irq_mask_errors_and_balance() {
	bind_to nvdirect "$CTRL0"
	"$PROBE" irqmask "$(nvd_dev "$CTRL0")" || fail "irqmask"
	[ "$(grep -c " $(basename "$(nvd_dev "$CTRL0")")-v" /proc/interrupts)" = 0 ] ||
		fail "vectors still registered after close"
	dmesg_clean || fail "kernel complained"
}

test_sysfs_attributes() {
	bind_to nvdirect "$CTRL0"
	s=$(nvd_sys "$CTRL0")
	[ "$(cat /sys/class/nvdirect/abi_version)" = 1 ] || fail "class abi_version"
	[ "$(basename "$(readlink "$s/device")")" = "$CTRL0" ] || fail "device link"
	[ "$(cat "$s/owner_pid")" = 0 ] || fail "owner_pid of a free device"
	[ "$(cat "$s/state")" = idle ] || fail "state of a free device: $(cat "$s/state")"
	[ "$(cat "$s/dma_bytes")" = 0 ] || fail "dma_bytes of a free device"
	[ "$(cat "$s/dma_regions")" = 0 ] || fail "dma_regions of a free device"
	case $(cat "/sys/bus/pci/devices/$CTRL0/iommu_group/type" 2>/dev/null) in
	DMA | DMA-FQ) want=iommu ;;
	*) want="none: CAP_SYS_RAWIO needed" ;;
	esac
	[ "$(cat "$s/dma_isolation")" = "$want" ] || fail "dma_isolation '$(cat "$s/dma_isolation")', expected '$want'"
	[ -c "$(nvd_dev "$CTRL0")" ] || fail "no char device node"
	"$PATTERN" loop "$CTRL0" 1 0 256 >/tmp/sysfs-loop.out 2>&1 &
	pid=$!
	wait_for 30 grep -q looping /tmp/sysfs-loop.out || fail "loop did not start"
	[ "$(cat "$s/owner_pid")" = "$pid" ] || fail "owner_pid $(cat "$s/owner_pid") is not $pid"
	[ "$(cat "$s/state")" = open ] || fail "state while open: $(cat "$s/state")"
	[ "$(cat "$s/dma_bytes")" -gt 0 ] || fail "dma_bytes while running"
	kill "$pid"; wait "$pid" || true
}

test_module_binds_only_when_asked() {
	modprobe nvme
	bind_to nvme "$CTRL1"
	unbind "$CTRL0"
	echo >"/sys/bus/pci/devices/$CTRL0/driver_override"
	if nvd_loaded; then rmmod nvdirect || fail "rmmod"; fi
	insmod "$NVD_KO"
	sleep 1
	[ "$(driver_of "$CTRL0")" = none ] || fail "nvdirect bound $CTRL0 without being asked"
	[ "$(driver_of "$CTRL1")" = nvme ] || fail "loading nvdirect took $CTRL1 from nvme"
	# a plain probe with both drivers loaded: the kernel's nvme wins
	echo "$CTRL0" >/sys/bus/pci/drivers_probe
	[ "$(driver_of "$CTRL0")" = nvme ] ||
		fail "a plain probe bound $CTRL0 to $(driver_of "$CTRL0"), not nvme"
}

# The MSI-X table and PBA are never reachable through /dev/nvdirectN: every
# mapping the owner can get is tried (the probe stores into any that holds
# them), and with the driver unbound the table reads as it did before.
test_msix_table_cannot_be_changed_by_the_owner() {
	bind_to nvdirect "$CTRL0"
	unbind "$CTRL0"
	"$PROBE" msixdump "$CTRL0" >/tmp/msix-before.txt || fail "reading the table before"
	bind_to nvdirect "$CTRL0"
	"$PROBE" msix "$(nvd_dev "$CTRL0")" "$CTRL0"
	dmesg | grep -q "refused: it holds the MSI-X table or PBA" || fail "no dmesg line about the refused mmap"
	# the library maps around it and still works
	"$HELLO" "$CTRL0" >/dev/null || fail "hello_world after the probe"
	unbind "$CTRL0"
	"$PROBE" msixdump "$CTRL0" >/tmp/msix-after.txt || fail "reading the table after"
	note "table and PBA: $(wc -l </tmp/msix-after.txt) words, first $(head -n1 /tmp/msix-after.txt)"
	[ -s /tmp/msix-after.txt ] || fail "nothing read"
	diff /tmp/msix-before.txt /tmp/msix-after.txt || fail "the MSI-X table or PBA changed"
	bind_to nvdirect "$CTRL0"
}
