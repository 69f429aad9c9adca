# Controller reset (nvd_ctrlr_reset) during heavy I/O: no command lost (each
# completes or comes back aborted), data written before the reset intact,
# I/O working afterwards.

RESET_IO=$BIN/tests/integration/nvd_reset_io

# reset_io_run BDF RESETS QD: run nvd_reset_io and check what it says.
reset_io_run() {
	local out rc
	out=$("$RESET_IO" "$1" "$2" "$3" 2>&1) && rc=0 || rc=$?
	echo "$out"
	[ "$rc" -eq 0 ] || fail "nvd_reset_io $1 exited $rc"
	echo "$out" | grep -q "^reset $2:" || fail "fewer than $2 resets on $1"
	echo "$out" | grep -q 'region A: verified after' || fail "region A not verified on $1"
	echo "$out" | grep -q 'I/O after the resets: write + read back OK' ||
		fail "no I/O after the resets on $1"
	[ "$(cat "$(nvd_sys "$1")/owner_pid")" = 0 ] || fail "$1 still owned after nvd_reset_io"
	[ "$(cat "$(nvd_sys "$1")/dma_bytes")" = 0 ] || fail "$1 still has pinned memory"
}

test_reset_during_io_loses_nothing() {
	bind_to nvdirect "$CTRL0"
	reset_io_run "$CTRL0" 6 48
}

test_reset_during_io_small_mdts_controller() {
	bind_to nvdirect "$CTRL1"
	reset_io_run "$CTRL1" 3 32
}
