# Transfer limits from MDTS.

test_small_mdts_takes_largest_and_refuses_larger() {
	bind_to nvdirect "$CTRL1"
	info=$("$PATTERN" info "$CTRL1" 1)
	echo "$info"
	max=$(echo "$info" | sed -n 's/.*max_io_sectors \([0-9]*\).*/\1/p')
	# mdts=2 with 4 KiB minimum pages: 4 pages, 16 KiB, 32 LBAs of 512 B.
	[ "$max" = 32 ] || fail "max_io_sectors is '$max', expected 32 for mdts=2"
	# the largest transfer is one command
	"$PATTERN" -s 31 -c "$max" write "$CTRL1" 1 64 "$max"
	"$PATTERN" -s 31 -c "$max" verify "$CTRL1" 1 64 "$max"
	# a larger nvd_ns_write/nvd_ns_read (one call each) is split by the library
	big=$((3 * max + 5))
	"$PATTERN" -s 33 -c "$big" write "$CTRL1" 1 4096 "$big"
	"$PATTERN" -s 33 -c "$big" verify "$CTRL1" 1 4096 "$big"
	expect_fail "split read with the wrong seed" "$PATTERN" -s 34 -c "$big" verify "$CTRL1" 1 4096 "$big"
	# a raw command is never split: refused, with words naming the limit.
	# Its LBAs get known data first: other tests write this namespace too
	# (nvd_reset_io's random writes reach LBA 2048 in some runs).
	"$PATTERN" -s 36 -c "$max" write "$CTRL1" 1 2048 $((max + 1))
	if out=$("$PATTERN" -s 32 raw-write "$CTRL1" 1 2048 $((max + 1)) 2>&1); then
		fail "a raw transfer of $((max + 1)) LBAs was accepted"
	fi
	echo "$out"
	echo "$out" | grep -q "transfer limit of 16384 bytes" || fail "error does not name the limit"
	# while a raw command of the largest size works
	"$PATTERN" -s 35 raw-write "$CTRL1" 1 8192 "$max"
	"$PATTERN" -s 35 -c "$max" verify "$CTRL1" 1 8192 "$max"
	# The kernel derives the same limit from the same controller.
	bind_to nvme "$CTRL1"
	dev=$(kdev "$CTRL1" 1)
	kb=$(cat "/sys/block/$(basename "$dev")/queue/max_hw_sectors_kb")
	[ "$kb" = 16 ] || fail "kernel max_hw_sectors_kb is $kb, nvdirect says 16"
	# the split write landed whole, as the kernel reads it
	cmp <(dd if="$dev" bs=512 skip=4096 count="$big" iflag=direct status=none) \
		<("$PATTERN" -s 33 gen 4096 "$big" 512) || fail "the split write differs as the kernel reads it"
	cmp <(dd if="$dev" bs=512 skip=8192 count="$max" iflag=direct status=none) \
		<("$PATTERN" -s 35 gen 8192 "$max" 512) || fail "the raw write differs as the kernel reads it"
	# and the refused raw write sent nothing: its LBAs still hold what was there
	cmp <(dd if="$dev" bs=512 skip=2048 count=$((max + 1)) iflag=direct status=none) \
		<("$PATTERN" -s 36 gen 2048 $((max + 1)) 512) || fail "the refused write reached the device"
}
