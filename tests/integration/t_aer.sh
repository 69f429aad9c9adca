# layouts: aer
# PCI error recovery (AER, PCIe Base 6.0 section 6.2, through the kernel's
# Documentation/PCI/pci-error-recovery.rst).  In the aer layout
# (tests/vm/run.sh -l aer) the controller is QEMU device nvme0 behind
# pcie-root-port rp1 of the q35 machine, whose _OSC leaves AER to the
# kernel.  pcie_aer_inject_error makes rp1 report an uncorrectable fatal
# error (Malformed TLP); the kernel freezes the link below it and calls
# error_detected (the module takes the function from its owner as removal
# does), resets the secondary bus, then slot_reset and resume.

AER_BDF=0000:01:00.0

test_fatal_pci_error_is_enodev_for_the_owner_and_a_new_owner_attaches_after_recovery() {
	bind_to nvdirect "$AER_BDF"
	rm -f /tmp/aer-hold.ready
	"$PROBE" hold "$(nvd_dev "$AER_BDF")" /tmp/aer-hold.ready >/tmp/aer-hold.out 2>&1 &
	pid=$!
	trap 'kill -9 $pid 2>/dev/null || true' EXIT
	wait_for 30 test -e /tmp/aer-hold.ready || { cat /tmp/aer-hold.out; fail "holder did not start"; }
	out=$(qemu_monitor "pcie_aer_inject_error rp1 MALF_TLP")
	case $out in *"OK id: rp1"*) ;; *) fail "pcie_aer_inject_error: $out" ;; esac
	# the holder: ioctls ENODEV, BAR0 all ones, DMA regions keep their contents
	wait "$pid" || { cat /tmp/aer-hold.out; fail "the owner saw the wrong answers after the PCI error"; }
	cat /tmp/aer-hold.out
	dmesg | grep -q "PCI error (frozen link) while open by pid $pid" ||
		fail "dmesg does not name the owner the PCI error took the device from"
	wait_for 60 sh -c "dmesg | grep -q 'recovered from a PCI error'" ||
		{ dmesg | tail -n 20; fail "no recovery within 60 s of the error"; }
	dmesg | grep -q 'AER: device recovery successful' || fail "the kernel's recovery did not succeed"
	[ "$(bus_master "$AER_BDF")" = 0 ] || fail "bus mastering on after recovery, with no owner"
	"$HELLO" "$AER_BDF" >/dev/null || fail "hello_world fails on the recovered controller"
}
