# The owner dies or the device goes away: nothing keeps DMA-ing into freed
# memory, nothing hangs.

test_sigkill_mid_io_stops_controller() {
	bind_to nvdirect "$CTRL0"
	s=$(nvd_sys "$CTRL0")
	"$PATTERN" -c 8 loop "$CTRL0" 1 0 4096 >/tmp/kill-loop.out 2>&1 &
	pid=$!
	wait_for 30 grep -q looping /tmp/kill-loop.out || fail "loop did not start"
	sleep 1
	[ "$(bus_master "$CTRL0")" = 1 ] || fail "bus mastering off while the owner runs"
	[ $(($(cat "$s/csts") & 1)) = 1 ] || fail "controller not ready while the owner runs"
	[ "$(cat "$s/dma_bytes")" -gt 0 ] || fail "no pinned memory while the owner runs"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	wait_for 20 grep -qx 0 "$s/owner_pid" || fail "owner_pid not cleared"
	note "csts $(cat "$s/csts") bus_master $(bus_master "$CTRL0") dma_bytes $(cat "$s/dma_bytes")"
	[ $(($(cat "$s/csts") & 1)) = 0 ] || fail "CSTS.RDY still 1 after the owner died"
	[ "$(bus_master "$CTRL0")" = 0 ] || fail "bus mastering still on after the owner died"
	[ "$(cat "$s/dma_bytes")" = 0 ] || fail "pinned memory left after the owner died"
	[ "$(cat "$s/dma_regions")" = 0 ] || fail "DMA regions left after the owner died"
	[ "$(cat "$s/state")" = idle ] || fail "state $(cat "$s/state") after the owner died"
	"$HELLO" "$CTRL0" >/dev/null || fail "the next owner cannot attach"
}

test_unbind_while_open_does_not_hang() {
	bind_to nvdirect "$CTRL0"
	rm -f /tmp/hold.ready
	"$PROBE" hold "$(nvd_dev "$CTRL0")" /tmp/hold.ready >/tmp/hold.out 2>&1 &
	pid=$!
	wait_for 30 test -e /tmp/hold.ready || { cat /tmp/hold.out; fail "holder did not start"; }
	timeout 30 sh -c "echo $CTRL0 >/sys/bus/pci/drivers/nvdirect/unbind" ||
		fail "unbind while open hung or failed"
	[ "$(driver_of "$CTRL0")" = none ] || fail "still bound after unbind"
	[ "$(bus_master "$CTRL0")" = 0 ] || fail "bus mastering on after unbind"
	wait "$pid" || { cat /tmp/hold.out; fail "holder saw the wrong errors"; }
	cat /tmp/hold.out
	timeout 30 rmmod nvdirect || fail "module does not unload after the owner exited"
	bind_to nvdirect "$CTRL0"
	"$HELLO" "$CTRL0" >/dev/null || fail "controller does not work after rebinding"
}

test_unbind_during_library_io_does_not_hang() {
	bind_to nvdirect "$CTRL0"
	"$PATTERN" -c 8 loop "$CTRL0" 1 0 4096 >/tmp/unbind-loop.out 2>&1 &
	pid=$!
	wait_for 30 grep -q looping /tmp/unbind-loop.out || fail "loop did not start"
	timeout 30 sh -c "echo $CTRL0 >/sys/bus/pci/drivers/nvdirect/unbind" || fail "unbind hung"
	# The owner stops with an error (the library's ENXIO), not a signal,
	# and does not spin forever.
	wait_for 30 sh -c "! kill -0 $pid" || { kill -9 "$pid"; fail "owner still running 30 s after unbind"; }
	rc=0
	wait "$pid" || rc=$?
	cat /tmp/unbind-loop.out
	[ "$rc" -lt 128 ] || fail "the owner died of signal $((rc - 128))"
	[ "$rc" != 0 ] || fail "the owner exited 0 after losing its controller"
	timeout 30 rmmod nvdirect || fail "module does not unload"
}
