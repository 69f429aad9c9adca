# layouts: hotplug
# Hot-remove.  In the hotplug layout (tests/vm/run.sh -l hotplug) the
# controller is QEMU device nvme0 on the pc machine's root bus, and
# qemu_monitor runs monitor commands for us: device_del takes the function
# out of the guest through ACPI hot-plug while we drive it; device_add
# brings it back.  The owner must learn of the removal from error returns
# (ENXIO), never from a signal, and the module must clean up after it.

HP=0000:00:03.0
HP_PERF=$BIN/tools/nvdirect-perf

# qemu_has_nvme0: QEMU still has the device (the guest drops it from sysfs
# before it asks for the eject; QEMU finishes a moment later).
qemu_has_nvme0() { qemu_monitor "info pci" | grep -q '"nvme0"'; }

# hp_remove: device_del, then wait until the function has left the guest
# and QEMU.
hp_remove() {
	qemu_monitor "device_del nvme0"
	wait_for 120 sh -c "! test -e /sys/bus/pci/devices/$HP" ||
		fail "$HP still present 120 s after device_del"
	wait_for 60 eval '! qemu_has_nvme0' || fail "QEMU still has nvme0 after the guest let it go"
}

# hp_readd: plug the controller back and wait for the guest to enumerate
# it.  Under a new drive id: QEMU can keep the removed device's drive in
# use long after the device left "info pci".
hp_readd() {
	local out id
	id=d1r$(date +%s%N)
	out=$(qemu_monitor "drive_add 0 ${NVD_HOTPLUG_DRIVE/id=d1/id=$id}")
	case $out in *[Ee]rror* | *[Ff]ailed*) fail "drive_add: $out" ;; esac
	out=$(qemu_monitor "device_add ${NVD_HOTPLUG_DEVICE/drive=d1/drive=$id}")
	case $out in *[Ee]rror* | *[Ff]ailed*) fail "device_add: $out" ;; esac
	wait_for 120 test -e "/sys/bus/pci/devices/$HP" || fail "$HP did not come back after device_add"
	[ "$(cat "/sys/bus/pci/devices/$HP/class")" = 0x010802 ] || fail "$HP is not an NVMe controller"
}

# hp_bind: the controller is there (an earlier failed test may have left
# it removed) and bound to nvdirect.
hp_bind() {
	[ -e "/sys/bus/pci/devices/$HP" ] || hp_readd
	bind_to nvdirect "$HP"
}

# no_nvdirect_devices: every /dev/nvdirectN and its class device are gone.
no_nvdirect_devices() {
	! ls /sys/class/nvdirect/nvdirect* >/dev/null 2>&1 && ! ls /dev/nvdirect* >/dev/null 2>&1
}

test_hot_remove_under_perf_is_enxio_and_readd_works() {
	hp_bind
	"$HP_PERF" -r "trtype:PCIe traddr:$HP" -q 16 -o 4k -w randrw -M 50 -t 600 \
		>/tmp/hp-perf.out 2>&1 &
	pid=$!
	trap 'kill -9 $pid 2>/dev/null || true' EXIT	# a failed test leaves no owner behind
	# perf's stdout is a file, so fully buffered: owner_pid says it is up
	wait_for 60 grep -qx "$pid" "$(nvd_sys "$HP")/owner_pid" ||
		{ kill -9 "$pid"; cat /tmp/hp-perf.out; fail "perf did not open $HP"; }
	sleep 3
	kill -0 "$pid" || { cat /tmp/hp-perf.out; fail "perf stopped before the removal"; }
	[ "$(cat "$(nvd_sys "$HP")/dma_bytes")" -gt 0 ] || { kill -9 "$pid"; fail "perf holds no DMA memory"; }
	hp_remove
	wait_for 60 sh -c "! kill -0 $pid" || { kill -9 "$pid"; fail "perf still running 60 s after the removal"; }
	rc=0
	wait "$pid" || rc=$?
	cat /tmp/hp-perf.out
	[ "$rc" -lt 128 ] || fail "perf died of signal $((rc - 128))"
	[ "$rc" = 1 ] || fail "perf exited $rc after the removal, expected 1"
	grep -q "^nvdirect-perf: $HP was removed while I/O was running (controller is gone); [0-9]* I/O in flight aborted$" \
		/tmp/hp-perf.out || fail "perf did not say that $HP was removed"
	[ "$(grep -c '^nvdirect-perf: ' /tmp/hp-perf.out)" = 1 ] || fail "perf said more than the one line"
	grep -q '^Total ' /tmp/hp-perf.out || fail "perf printed no table of the I/O done before the removal"
	wait_for 30 no_nvdirect_devices || fail "/dev/nvdirectN still there after the owner exited"
	timeout 30 rmmod nvdirect || fail "module does not unload after the removal"
	nvd_load
	hp_readd
	bind_to nvdirect "$HP"
	"$HELLO" "$HP" || fail "hello_world fails on the re-added controller"
}

test_hot_remove_while_open_reads_all_ones_without_a_signal() {
	hp_bind
	rm -f /tmp/hp-hold.ready
	"$PROBE" hold "$(nvd_dev "$HP")" /tmp/hp-hold.ready >/tmp/hp-hold.out 2>&1 &
	pid=$!
	trap 'kill -9 $pid 2>/dev/null || true' EXIT
	wait_for 30 test -e /tmp/hp-hold.ready || { cat /tmp/hp-hold.out; fail "holder did not start"; }
	hp_remove
	wait "$pid" || { cat /tmp/hp-hold.out; fail "holder saw the wrong answers"; }
	cat /tmp/hp-hold.out
	wait_for 30 no_nvdirect_devices || fail "/dev/nvdirectN still there after the owner exited"
	timeout 30 rmmod nvdirect || fail "module does not unload after the removal"
	hp_readd
	bind_to nvdirect "$HP"
	"$HELLO" "$HP" >/dev/null || fail "hello_world fails on the re-added controller"
}
