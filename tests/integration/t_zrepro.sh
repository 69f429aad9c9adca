# temporary: soak mismatch repro (not committed)
test_zrepro_soak_loop() {
	local i out r mode
	bind_to nvdirect "$CTRL0"
	for mode in shadow noshadow; do
		for i in 1 2 3 4 5 6; do
			if [ $mode = noshadow ]; then export NVDIRECT_NO_SHADOW_DOORBELLS=1; else unset NVDIRECT_NO_SHADOW_DOORBELLS; fi
			out=$("$SOAK" run -t 12 -j 2 -q 8 -m /tmp/r.map "$CTRL0" 2 2>&1); r=$?
			echo "REPRO $mode $i rc=$r $(echo "$out" | grep -E '^(mismatches|ops)')"
			echo "$out" | grep -i "mismatch:" | head -5
			if [ $r != 0 ]; then
				echo "REVERIFY: $("$SOAK" verify -m /tmp/r.map "$CTRL0" 2 2>&1 | grep -E 'mismatch')"
			fi
		done
	done
}
