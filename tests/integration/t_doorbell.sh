# Shadow doorbells (Doorbell Buffer Config, which QEMU's controller offers):
# the same data with them on and off, and the library says it used them.
# NVDIRECT_NO_SHADOW_DOORBELLS=1 turns them off; NVDIRECT_DEBUG=1 prints
# whether they were on and each queue's doorbell counts when it is freed.

# pattern_dbg SHADOW(on|off) ARGS...: run nvd_pattern, check the debug lines.
pattern_dbg() {
	local want=$1 out rc=0; shift
	if [ "$want" = on ]; then
		out=$(NVDIRECT_DEBUG=1 "$PATTERN" "$@" 2>&1) || rc=$?
	else
		out=$(NVDIRECT_NO_SHADOW_DOORBELLS=1 NVDIRECT_DEBUG=1 "$PATTERN" "$@" 2>&1) || rc=$?
	fi
	echo "$out" | grep -E "shadow doorbells|doorbell writes" || true
	[ $rc = 0 ] || { echo "$out" | tail -5; fail "nvd_pattern $* (shadow doorbells $want) failed"; }
	echo "$out" | grep -q "shadow doorbells $want" ||
		fail "the library did not report shadow doorbells $want"
	if [ "$want" = on ]; then
		echo "$out" | grep -Eq "qid [0-9]+: shadow doorbells on; SQ doorbell writes [0-9]+ \(shadow [1-9]" ||
			fail "no SQ tail went through the shadow doorbell"
	else
		echo "$out" | grep -Eq "qid [0-9]+: shadow doorbells off; SQ doorbell writes [1-9][0-9]* \(shadow 0\)" ||
			fail "with shadows off the SQ doorbell register was not written"
	fi
}

test_shadow_doorbells_on_and_off_give_identical_data() {
	bind_to nvdirect "$CTRL0"
	# written with shadows, read back without, and the other way round
	pattern_dbg on -s 61 write "$CTRL0" 1 100 3000
	pattern_dbg off -s 61 verify "$CTRL0" 1 100 3000
	pattern_dbg off -s 62 write "$CTRL0" 2 10 400
	pattern_dbg on -s 62 verify "$CTRL0" 2 10 400
	pattern_dbg on -z -s 63 write "$CTRL0" 1 5000 1000
	pattern_dbg off -z -s 63 verify "$CTRL0" 1 5000 1000
	expect_fail "verify with the wrong seed" "$PATTERN" -s 64 verify "$CTRL0" 1 100 3000
}
