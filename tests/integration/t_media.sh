# layouts: faults
# Media errors.  In the faults layout (tests/vm/run.sh -l faults) QEMU's
# blkdebug fails the backend reads of LBAs $NVD_FAULT_READ and the writes
# of $NVD_FAULT_WRITE, and QEMU's nvme device completes those commands with
# a media error.  The caller gets the status decoded; the queue pair goes on.

MEDIA=0000:00:03.0
READ_ERR="Unrecovered Read Error (sct 0x2 sc 0x81)"
WRITE_ERR="Write Fault (sct 0x2 sc 0x80)"

# media_layout: the bad LBAs are known (tests/vm/run.sh exports them).
media_layout() {
	[ -n "${NVD_FAULT_READ:-}" ] && [ -n "${NVD_FAULT_WRITE:-}" ] ||
		fail "NVD_FAULT_READ/NVD_FAULT_WRITE unset: run this in the faults layout"
}

# media_field OUTPUT KEY: the value of nvd_soak's "KEY : value" line.
media_field() { echo "$1" | sed -n "s/^$2 *: //p" | head -n1; }

test_media_read_error_is_decoded_and_the_queue_pair_goes_on() {
	media_layout
	local first=${NVD_FAULT_READ%:*} n=${NVD_FAULT_READ#*:} last out rc lines
	last=$((first + n - 1))
	bind_to nvdirect "$MEDIA"
	# A plain reader: the chunk before the bad LBAs reads back what was
	# written; the read of the bad ones fails with one line naming LBA and status.
	"$PATTERN" -s 4 -c 8 write "$MEDIA" 1 $((first - 8)) 24 || fail "writes over unreadable LBAs failed"
	rc=0
	out=$("$PATTERN" -s 4 -c 8 verify "$MEDIA" 1 $((first - 8)) 24 2>&1) || rc=$?
	echo "$out"
	[ $rc = 1 ] || fail "nvd_pattern exited $rc, expected 1"
	[ "$out" = "nvd_pattern: read of LBA $first+8 failed: $READ_ERR" ] ||
		fail "nvd_pattern does not name LBA $first and '$READ_ERR' in one line"
	# One thread, one queue pair: the verify reads before and after the bad
	# LBAs are in flight with the failing one, then each LBA of the failed
	# read is read again on its own.  Writes (-M 0: no reads yet) succeed.
	rc=0
	out=$("$SOAK" run -t 3 -M 0 -j 1 -q 8 -R $((first - 1000)):2000 -m /tmp/media-read.map \
		"$MEDIA" 1 2>&1) || rc=$?
	echo "$out"
	[ $rc = 1 ] || fail "soak over unreadable LBAs exited $rc, expected 1"
	lines=$(echo "$out" | grep -E '^nvd_soak: (LBA|read|write|thread)')
	[ "$lines" = "nvd_soak: LBA $first..$last: read failed: $READ_ERR" ] ||
		fail "expected exactly one line naming LBAs $first..$last and '$READ_ERR'"
	[ "$(media_field "$out" unreadable)" = "$n" ] || fail "expected $n unreadable LBAs"
	[ "$(media_field "$out" errors)" = 1 ] || fail "expected one failed command"
	[ "$(media_field "$out" mismatches)" = 0 ] || fail "data around the bad LBAs is wrong"
	[ "$(media_field "$out" lost)" = 0 ] || fail "writes around the bad LBAs were lost"
	media_field "$out" verified | grep -q "^$((2000 - n)) LBAs" ||
		fail "every LBA but the $n bad ones must have been read and checked"
	# the same from a fresh attach: the controller is fine after the errors
	rc=0
	out=$("$SOAK" verify -m /tmp/media-read.map "$MEDIA" 1 2>&1) || rc=$?
	echo "$out"
	[ $rc = 1 ] || fail "verify exited $rc, expected 1"
	echo "$out" | grep -qx "nvd_soak: LBA $first..$last: read failed: $READ_ERR" ||
		fail "verify does not name the bad LBAs"
	[ "$(media_field "$out" mismatches)" = 0 ] || fail "verify: mismatches"
}

test_media_write_error_is_decoded_and_other_writes_land() {
	media_layout
	local first=${NVD_FAULT_WRITE%:*} n=${NVD_FAULT_WRITE#*:} last out rc lba cnt
	last=$((first + n - 1))
	bind_to nvdirect "$MEDIA"
	# nvd_pattern writes 8 LBAs per command and stops at the first failure
	rc=0
	out=$("$PATTERN" -s 3 -c 8 write "$MEDIA" 1 $((first - 16)) 32 2>&1) || rc=$?
	echo "$out"
	[ $rc = 1 ] || fail "nvd_pattern write exited $rc, expected 1"
	[ "$out" = "nvd_pattern: write of LBA $first+8 failed: $WRITE_ERR" ] ||
		fail "nvd_pattern does not name LBA $first and '$WRITE_ERR' in one line"
	"$PATTERN" -s 3 -c 8 verify "$MEDIA" 1 $((first - 16)) 16 ||
		fail "the writes before the failed one did not land"
	# The soak's random writes keep hitting the bad LBAs; every failure is
	# reported with its LBAs and status, and everything else verifies.
	rc=0
	out=$("$SOAK" run -t 3 -j 1 -q 8 -R $((first - 200)):400 -m /tmp/media-write.map \
		"$MEDIA" 1 2>&1) || rc=$?
	echo "$out"
	[ $rc = 1 ] || fail "soak over unwritable LBAs exited $rc, expected 1"
	[ "$(media_field "$out" errors)" -gt 0 ] || fail "no write failed"
	[ "$(media_field "$out" mismatches)" = 0 ] || fail "mismatches around the bad LBAs"
	[ "$(media_field "$out" lost)" = 0 ] || fail "writes around the bad LBAs were lost"
	[ "$(media_field "$out" unreadable)" = 0 ] || fail "unreadable LBAs"
	media_field "$out" verified | grep -q "^400 LBAs" || fail "not every LBA was checked"
	# the bad LBAs were never written successfully: the map does not know them
	[ "$(media_field "$out" skipped | cut -d' ' -f1)" -ge "$n" ] || fail "fewer than $n LBAs skipped"
	echo "$out" | grep -E '^nvd_soak: (LBA|read|thread)' && fail "unexpected failures"
	echo "$out" | grep -E '^nvd_soak: write of LBA' | while read -r _ _ _ _ range _; do
		lba=${range%+*} cnt=${range#*+}
		[ "$lba" -le "$last" ] && [ $((lba + cnt - 1)) -ge "$first" ] ||
			fail "write of LBA $range failed, yet misses the bad LBAs $first..$last"
	done
	echo "$out" | grep -E '^nvd_soak: write of LBA' | grep -vqF "failed: $WRITE_ERR" &&
		fail "a failed write reports another status than '$WRITE_ERR'"
	"$SOAK" map -m /tmp/media-write.map $(seq "$first" "$last") | grep '^LBA' |
		grep -v ' gen 4294967295 ' && fail "a bad LBA has a known generation"
	return 0
}
