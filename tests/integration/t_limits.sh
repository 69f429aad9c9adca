# Transfer limits from MDTS.

test_small_mdts_takes_largest_and_refuses_larger() {
	bind_to nvdirect "$CTRL1"
	info=$("$PATTERN" info "$CTRL1" 1)
	echo "$info"
	max=$(echo "$info" | sed -n 's/.*max_io_sectors \([0-9]*\).*/\1/p')
	# mdts=2 with 4 KiB minimum pages: 4 pages, 16 KiB, 32 LBAs of 512 B.
	[ "$max" = 32 ] || fail "max_io_sectors is '$max', expected 32 for mdts=2"
	"$PATTERN" -s 31 -c "$max" write "$CTRL1" 1 64 "$max"
	"$PATTERN" -s 31 -c "$max" verify "$CTRL1" 1 64 "$max"
	if out=$("$PATTERN" -s 32 -c $((max + 1)) write "$CTRL1" 1 2048 $((max + 1)) 2>&1); then
		fail "a transfer of $((max + 1)) LBAs was accepted"
	fi
	echo "$out"
	echo "$out" | grep -q "limit is $max LBAs (16384 bytes" || fail "error does not name the limit"
	# The kernel derives the same limit from the same controller.
	bind_to nvme "$CTRL1"
	kb=$(cat "/sys/block/$(basename "$(kdev "$CTRL1" 1)")/queue/max_hw_sectors_kb")
	[ "$kb" = 16 ] || fail "kernel max_hw_sectors_kb is $kb, nvdirect says 16"
	# and the refused write sent nothing: its LBAs still read as zeroes
	cmp <(dd if="$(kdev "$CTRL1" 1)" bs=512 skip=2048 count=$((max + 1)) iflag=direct status=none) \
		<(head -c $(((max + 1) * 512)) /dev/zero) || fail "the refused write reached the device"
}
