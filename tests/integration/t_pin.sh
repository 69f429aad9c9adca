# Zero copy from the application's own memory: NVDIRECT_MEM_PIN/UNPIN and
# nvd_mem_register.  Pinned memory is charged to RLIMIT_MEMLOCK, counted in
# pinned_bytes, and unpinned only after the controller has stopped.

MEMPROBE=$BIN/tests/integration/nvd_mem_probe
MAXPIN=/sys/module/nvdirect/parameters/max_pinned_bytes

test_zero_copy_data_matches_the_kernel() {
	bind_to nvdirect "$CTRL0"
	s=$(nvd_sys "$CTRL0")
	# writes from malloc'd memory 512 bytes into a page, reads into an mmap
	"$PATTERN" -z -s 41 write "$CTRL0" 1 200 3000
	"$PATTERN" -z -s 41 verify "$CTRL0" 1 200 3000
	"$PATTERN" -z -s 42 write "$CTRL0" 2 20 300
	"$PATTERN" -z -s 42 verify "$CTRL0" 2 20 300
	expect_fail "zero-copy verify with the wrong seed" "$PATTERN" -z -s 43 verify "$CTRL0" 2 20 300
	[ "$(cat "$s/pinned_bytes")" = 0 ] || fail "pinned_bytes $(cat "$s/pinned_bytes") after the owners exited"
	bind_to nvme "$CTRL0"
	cmp <(dd if="$(kdev "$CTRL0" 1)" bs=512 skip=200 count=3000 iflag=direct status=none) \
		<("$PATTERN" -s 41 gen 200 3000 512) || fail "512 B namespace differs as the kernel reads it"
	cmp <(dd if="$(kdev "$CTRL0" 2)" bs=4096 skip=20 count=300 iflag=direct status=none) \
		<("$PATTERN" -s 42 gen 20 300 4096) || fail "4 KiB namespace differs as the kernel reads it"
	# and the other way: the kernel writes, nvdirect reads into registered memory
	"$PATTERN" -s 44 gen 900 1000 512 |
		dd of="$(kdev "$CTRL0" 1)" bs=512 seek=900 oflag=direct status=none
	sync
	bind_to nvdirect "$CTRL0"
	"$PATTERN" -z -s 44 verify "$CTRL0" 1 900 1000
}

test_pin_ioctl_abi() {
	bind_to nvdirect "$CTRL0"
	old=$(cat "$MAXPIN")
	echo 131072 >"$MAXPIN"
	rc=0
	"$PROBE" pin "$(nvd_dev "$CTRL0")" || rc=$?
	echo "$old" >"$MAXPIN"
	[ $rc = 0 ] || fail "pin ABI probe failed"
}

test_pin_past_memlock_is_refused() {
	bind_to nvdirect "$CTRL0"
	s=$(nvd_sys "$CTRL0")
	"$PROBE" pinlimit "$(nvd_dev "$CTRL0")"
	# The library's own DMA memory counts against the limit too: measure
	# what the attach takes, then leave 64 KiB for pins on top of it.
	"$PATTERN" -z -c 256 -s 45 loop "$CTRL0" 1 0 256 >/tmp/pin-dma.out 2>&1 &
	pid=$!
	wait_for 30 grep -q looping /tmp/pin-dma.out || { cat /tmp/pin-dma.out; fail "loop did not start"; }
	dma=$(cat "$s/dma_bytes")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	limit=$((dma / 1024 + 64))
	note "the attach takes $dma bytes of DMA memory; ulimit -l $limit"
	# through the library: 128 KiB chunks against 64 KiB left under the limit
	if out=$(ulimit -l "$limit" && setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock \
		"$PATTERN" -z -c 256 -s 45 write "$CTRL0" 1 0 256 2>&1); then
		fail "pinning 128 KiB with 64 KiB left under ulimit -l $limit without CAP_IPC_LOCK succeeded"
	fi
	echo "$out"
	echo "$out" | grep -Eq "pinning [0-9]+ bytes at 0x[0-9a-f]+ exceeds RLIMIT_MEMLOCK: limit $((limit * 1024)) bytes \(ulimit -l\), [0-9]+ already pinned" ||
		fail "the library's error does not name RLIMIT_MEMLOCK, its value and what is pinned"
	[ "$(cat "$s/pinned_bytes")" = 0 ] || fail "pinned_bytes $(cat "$s/pinned_bytes") after a refused pin"
	# the same with CAP_IPC_LOCK is allowed: the limit, not something else, refused it
	(ulimit -l "$limit" && "$PATTERN" -z -c 256 -s 45 write "$CTRL0" 1 0 256) ||
		fail "with CAP_IPC_LOCK the same pin failed"
}

test_sigkill_with_pinned_memory_stops_controller_first() {
	bind_to nvdirect "$CTRL0"
	s=$(nvd_sys "$CTRL0")
	"$PATTERN" -z -c 8 loop "$CTRL0" 1 0 4096 >/tmp/pin-loop.out 2>&1 &
	pid=$!
	wait_for 30 grep -q looping /tmp/pin-loop.out || { cat /tmp/pin-loop.out; fail "loop did not start"; }
	sleep 1
	[ "$(bus_master "$CTRL0")" = 1 ] || fail "bus mastering off while the owner runs"
	[ $(($(cat "$s/csts") & 1)) = 1 ] || fail "controller not ready while the owner runs"
	pinned=$(cat "$s/pinned_bytes")
	# 4 buffers of 8 LBAs, each 512 bytes into a page: 2 pages each
	[ "$pinned" = $((4 * 2 * 4096)) ] || fail "pinned_bytes $pinned while the owner runs, expected 32768"
	vmpin=$(awk '/^VmPin:/ {print $2 * 1024}' "/proc/$pid/status")
	dma=$(cat "$s/dma_bytes")
	# the module's DMA regions are charged to VmPin too
	[ "$vmpin" = $((pinned + dma)) ] ||
		fail "VmPin $vmpin of the owner is not pinned_bytes $pinned + dma_bytes $dma"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	wait_for 20 grep -qx 0 "$s/owner_pid" || fail "owner_pid not cleared"
	note "csts $(cat "$s/csts") bus_master $(bus_master "$CTRL0") pinned_bytes $(cat "$s/pinned_bytes") dma_bytes $(cat "$s/dma_bytes")"
	[ $(($(cat "$s/csts") & 1)) = 0 ] || fail "CSTS.RDY still 1 after the owner died"
	[ "$(bus_master "$CTRL0")" = 0 ] || fail "bus mastering still on after the owner died"
	[ "$(cat "$s/pinned_bytes")" = 0 ] || fail "user memory still pinned after the owner died"
	[ "$(cat "$s/dma_bytes")" = 0 ] || fail "DMA memory left after the owner died"
	[ "$(cat "$s/state")" = idle ] || fail "state $(cat "$s/state") after the owner died"
	"$HELLO" "$CTRL0" >/dev/null || fail "the next owner cannot attach"
}

# No I/O in flight here: QEMU 7.2's NVMe model can crash (use after free in
# its completion callback) when a reset meets in-flight I/O at just the
# wrong moment, and unbinding resets at once.  The SIGKILL test above covers
# pinned memory mid-I/O.
test_unbind_with_pinned_memory_does_not_hang() {
	bind_to nvdirect "$CTRL0"
	rm -f /tmp/holdpin.ready
	"$PROBE" holdpin "$(nvd_dev "$CTRL0")" /tmp/holdpin.ready >/tmp/holdpin.out 2>&1 &
	pid=$!
	wait_for 30 test -e /tmp/holdpin.ready || { cat /tmp/holdpin.out; fail "holder did not start"; }
	[ "$(cat "$(nvd_sys "$CTRL0")/pinned_bytes")" = 65536 ] || fail "pinned_bytes is not 65536"
	timeout 30 sh -c "echo $CTRL0 >/sys/bus/pci/drivers/nvdirect/unbind" || fail "unbind hung"
	[ "$(bus_master "$CTRL0")" = 0 ] || fail "bus mastering on after unbind"
	wait "$pid" || { cat /tmp/holdpin.out; fail "holder saw the wrong answers"; }
	cat /tmp/holdpin.out
	timeout 30 rmmod nvdirect || fail "module does not unload"
}

test_unregistered_memory_is_refused() {
	bind_to nvdirect "$CTRL0"
	"$MEMPROBE" reuse "$CTRL0"
	[ "$(cat "$(nvd_sys "$CTRL0")/pinned_bytes")" = 0 ] || fail "pinned_bytes not 0 after the probe"
}
