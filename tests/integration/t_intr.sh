# Interrupt mode: MSI-X vectors routed to eventfds (NVDIRECT_SET_IRQS), a
# waiter that sleeps instead of spinning, and routes that go with the owner.

WAITER=$BIN/tests/integration/nvd_intr_wait
PERF=$BIN/tools/nvdirect-perf

# irq_lines DEV: /proc/interrupts lines of /dev/nvdirectN's routed vectors.
irq_lines() { grep -c " $(basename "$1")-v" /proc/interrupts || true; }
# irq_count DEV: interrupts delivered so far on its routed vectors.
irq_count() {
	awk -v n=" $(basename "$1")-v" 'index($0, n) { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i }
		END { print s + 0 }' /proc/interrupts
}
# cpu_ticks PID: utime + stime of PID, in clock ticks (proc(5) fields 14,
# 15).  Builtins only: under TCG a fork takes long enough to skew the window.
cpu_ticks() {
	local stat f
	read -r stat <"/proc/$1/stat" || return 1
	read -ra f <<<"${stat##*) }"
	echo $((f[11] + f[12]))
}

# cpu_pct MODE OUT [MS]: run the waiter in MODE, a block every MS ms (20;
# idle in between, like a server between requests), and print the
# percentage of one CPU it used over 4 s in the middle of its run; its
# output goes to OUT.
cpu_pct() {
	local mode=$1 out=$2 pid t0 t1 w0 w1 hz
	hz=$(getconf CLK_TCK)
	"$WAITER" "$CTRL0" 12 "$mode" "${3:-20}" >"$out" 2>&1 &
	pid=$!
	sleep 3
	w0=$EPOCHREALTIME
	t0=$(cpu_ticks $pid) || return 1
	sleep 4
	w1=$EPOCHREALTIME
	t1=$(cpu_ticks $pid) || return 1
	wait $pid || return 1
	awk -v t=$((t1 - t0)) -v hz="$hz" -v a="$w0" -v b="$w1" 'BEGIN { printf "%.1f", 100 * t / hz / (b - a) }'
}

# waiter_ok OUT: every I/O completed and every block read back verified.
waiter_ok() {
	local ios ver
	ios=$(awk '/^ios / { print $2 }' "$1")
	ver=$(awk '/^ios / { print $4 }' "$1")
	[ -n "$ios" ] && [ "$ios" -gt 0 ] || fail "no I/O completed: $(cat "$1")"
	[ "$ver" -eq $((ios / 2)) ] || fail "only $ver of $((ios / 2)) blocks verified"
}

test_intr_idle_waiter_sleeps_and_still_completes_io() {
	bind_to nvdirect "$CTRL0"
	dev=$(nvd_dev "$CTRL0")
	pct_i=$(cpu_pct intr /tmp/intr.out) || { cat /tmp/intr.out; fail "interrupt-mode waiter failed"; }
	cat /tmp/intr.out
	waiter_ok /tmp/intr.out
	sleeps=$(awk '/^ios / { print $6 }' /tmp/intr.out)
	[ "$sleeps" -gt 0 ] || fail "the interrupt-mode waiter never slept"
	pct_p=$(cpu_pct poll /tmp/poll.out) || { cat /tmp/poll.out; fail "polling waiter failed"; }
	cat /tmp/poll.out
	waiter_ok /tmp/poll.out
	note "CPU of one core: interrupt mode $pct_i%, polling $pct_p%"
	# generous: TCG makes every syscall and interrupt slow
	awk -v i="$pct_i" 'BEGIN { exit !(i < 20) }' ||
		fail "interrupt-mode waiter used $pct_i% of a CPU (want < 20%)"
	awk -v i="$pct_i" -v p="$pct_p" 'BEGIN { exit !(p > 50 && p > 3 * i) }' ||
		fail "polling used $pct_p%, not far more than interrupt mode's $pct_i%"
	[ "$(irq_lines "$dev")" = 0 ] || fail "vectors still routed after the waiters exited"
	dmesg_clean || fail "kernel complained"
}

# NVDIRECT_MASK_IRQ: a completion posted while its vector is masked raises
# no interrupt then, and the one the device held signals the eventfd on
# unmask (the no-lost-wakeup rule nvd_qpair_arm relies on).
test_intr_masked_vector_delivers_on_unmask() {
	bind_to nvdirect "$CTRL0"
	"$WAITER" "$CTRL0" 0 masked >/tmp/masked.out 2>&1 || { cat /tmp/masked.out; fail "masked waiter"; }
	cat /tmp/masked.out
	[ "$(irq_lines "$(nvd_dev "$CTRL0")")" = 0 ] || fail "vectors still routed after the waiter exited"
	dmesg_clean || fail "kernel complained"
}

test_intr_killed_owner_leaves_no_irq() {
	bind_to nvdirect "$CTRL0"
	dev=$(nvd_dev "$CTRL0")
	"$WAITER" "$CTRL0" 60 intr >/tmp/kill.out 2>&1 &
	pid=$!
	wait_for 30 test "$(irq_lines "$dev")" = 1 || { kill -9 $pid; fail "no vector routed"; }
	grep " $(basename "$dev")-v1\$" /proc/interrupts || fail "vector 1 not named $(basename "$dev")-v1"
	n0=$(irq_count "$dev")
	sleep 1
	[ "$(irq_count "$dev")" -gt "$n0" ] || fail "no interrupts delivered while I/O ran"
	kill -9 $pid
	wait $pid 2>/dev/null || true
	[ "$(irq_lines "$dev")" = 0 ] || fail "$(irq_lines "$dev") vectors still registered after SIGKILL"
	s=$(nvd_sys "$CTRL0")
	wait_for 20 grep -qx 0 "$s/owner_pid" || fail "owner_pid not cleared"
	[ "$(cat "$s/dma_bytes")" = 0 ] || fail "DMA memory left after SIGKILL"
	# the next owner gets interrupts again
	"$WAITER" "$CTRL0" 1 intr >/tmp/kill2.out 2>&1 || { cat /tmp/kill2.out; fail "second owner failed"; }
	waiter_ok /tmp/kill2.out
	dmesg_clean || fail "kernel complained"
	timeout 30 rmmod nvdirect || fail "rmmod with interrupts used before"
	bind_to nvdirect "$CTRL0"
}

test_intr_unbind_with_vectors_routed() {
	bind_to nvdirect "$CTRL0"
	dev=$(nvd_dev "$CTRL0")
	"$WAITER" "$CTRL0" 60 intr >/tmp/unbind.out 2>&1 &
	pid=$!
	wait_for 30 test "$(irq_lines "$dev")" = 1 || { kill -9 $pid; fail "no vector routed"; }
	unbind "$CTRL0"
	[ "$(grep -c ' nvdirect[0-9]*-v' /proc/interrupts)" = 0 ] || fail "vectors registered after unbind"
	# the waiter finds the device gone (an error, or SIGBUS on the BAR)
	wait_for 30 sh -c "! kill -0 $pid" || { kill -9 $pid; fail "waiter still running after unbind"; }
	wait $pid 2>/dev/null && fail "waiter exited 0 although its device was removed"
	cat /tmp/unbind.out
	dmesg_clean || fail "kernel complained"
	bind_to nvdirect "$CTRL0"
	"$WAITER" "$CTRL0" 1 intr >/tmp/unbind2.out 2>&1 || { cat /tmp/unbind2.out; fail "rebound function has no interrupts"; }
	waiter_ok /tmp/unbind2.out
}

test_perf_interrupt_mode_next_to_polling() {
	bind_to nvdirect "$CTRL0"
	r="trtype:PCIe traddr:$CTRL0 ns:1"
	outi=$("$PERF" -r "$r" -E -q 1 -o 4k -w randread -t 3) || { echo "$outi"; fail "perf -E failed"; }
	outp=$("$PERF" -r "$r" -q 1 -o 4k -w randread -t 3) || { echo "$outp"; fail "perf (polling) failed"; }
	echo "--- -E"; echo "$outi"; echo "--- polling"; echo "$outp"
	for o in "$outi" "$outp"; do
		echo "$o" | grep -q "NSID 1 from core  0:" || fail "no device row"
		iops=$(echo "$o" | grep '^Total ' | sed 's/.*: *//' | awk '{ print $1 }')
		awk -v v="$iops" 'BEGIN { exit !(v > 0) }' || fail "Total IOPS is $iops"
	done
	bi=$(echo "$outi" | sed -n 's/^CPU (interrupt mode): worker threads busy \([0-9.]*\)%.*/\1/p')
	bp=$(echo "$outp" | sed -n 's/^CPU (polling): worker threads busy \([0-9.]*\)%.*/\1/p')
	[ -n "$bi" ] && [ -n "$bp" ] || fail "no CPU line"
	awk -v i="$bi" -v p="$bp" 'BEGIN { exit !(i < p) }' || fail "-E busy $bi% is not below polling's $bp%"
	json=$("$PERF" -r "$r" -E -q 2 -t 1 --json) || fail "perf -E --json failed"
	echo "$json" | grep -q '"mode": "interrupt"' || fail "JSON does not say interrupt mode"
	[ "$(irq_lines "$(nvd_dev "$CTRL0")")" = 0 ] || fail "perf -E left vectors routed"
}

# Adaptive polling (nvd_qpair_wait): the data is right whichever way each
# wait ends, and a waiter idle between blocks sleeps like interrupt mode.
test_adaptive_waiter_verifies_data_and_sleeps_when_idle() {
	bind_to nvdirect "$CTRL0"
	"$WAITER" "$CTRL0" 3 adaptive 0 >/tmp/adapt0.out 2>&1 || { cat /tmp/adapt0.out; fail "back-to-back adaptive waiter failed"; }
	cat /tmp/adapt0.out
	waiter_ok /tmp/adapt0.out
	# a block every 50 ms: adaptive polling spins for a completion that is due,
	# and under TCG a loaded host's stalls of the vCPU count as that thread's
	# CPU time (25% at 20 ms on a host loaded to 13)
	pct=$(cpu_pct adaptive /tmp/adapt.out 50) || { cat /tmp/adapt.out; fail "adaptive waiter failed"; }
	cat /tmp/adapt.out
	waiter_ok /tmp/adapt.out
	sleeps=$(awk '/^ios / { print $6 }' /tmp/adapt.out)
	[ "$sleeps" -gt 0 ] || fail "the adaptive waiter never slept"
	note "CPU of one core, a block every 50 ms: adaptive $pct%"
	# polling burns the whole core here (test_intr_idle_waiter...): > 50%
	awk -v i="$pct" 'BEGIN { exit !(i < 20) }' ||
		fail "adaptive waiter used $pct% of a CPU idle between blocks (want < 20%)"
	[ "$(irq_lines "$(nvd_dev "$CTRL0")")" = 0 ] || fail "vectors still routed after the waiter exited"
}

# nvdirect-perf --adaptive: I/O at full speed and at a low rate, where its
# thread must be nearly idle while polling's is not.
test_perf_adaptive_low_rate_is_nearly_idle() {
	bind_to nvdirect "$CTRL0"
	r="trtype:PCIe traddr:$CTRL0 ns:1"
	out=$("$PERF" -r "$r" --adaptive -q 1 -o 4k -w randread -t 3) || { echo "$out"; fail "perf --adaptive failed"; }
	echo "$out"
	echo "$out" | grep -q "NSID 1 from core  0:" || fail "no device row"
	echo "$out" | grep -Eq '^CPU \(adaptive polling\): worker threads busy [0-9.]+% of their wall time, [0-9]+ sleeps \([0-9]+ naps, [0-9]+ blocks; learned gap' ||
		fail "no adaptive CPU line"
	out=$("$PERF" -r "$r" --adaptive -q 32 -o 4k -w randread -t 2 --json) || { echo "$out"; fail "perf --adaptive -q 32 failed"; }
	jq_true "$out" '.total.iops > 0 and .cpu.mode == "adaptive"'
	# 20 a second: under TCG a thread's CPU time also counts the host's
	# stalls of its vCPU, which at 100 a second on a host loaded to 19
	# made 43% of adaptive polling's 1 ms of spinning per I/O
	ja=$("$PERF" -r "$r" --adaptive -q 1 --rate-iops 20 -o 4k -w randread -t 5 --json) ||
		{ echo "$ja"; fail "perf --adaptive --rate-iops 20 failed"; }
	jp=$("$PERF" -r "$r" -q 1 --rate-iops 20 -o 4k -w randread -t 5 --json) ||
		{ echo "$jp"; fail "perf --rate-iops 20 (polling) failed"; }
	jq -c '.total.ios, .cpu' <<<"$ja"
	jq -c '.total.ios, .cpu' <<<"$jp"
	# 5 s at 20 a second: never faster (the I/O in flight when the window
	# opens and the one due as it closes make up to 102 in it, 5% over
	# 100), and most of them even under TCG
	for j in "$ja" "$jp"; do
		jq_true "$j" '.total.ios > 20 and .total.iops <= 21'
	done
	# generous: polling spins the whole time (~100%), which must fail this
	jq_true "$ja" '.cpu.busy_pct < 25 and .cpu.blocks > 0'
	jq_true "$jp" '.cpu.busy_pct > 50'
	out=$("$PERF" -r "$r" --adaptive -P 2 -t 1 2>&1) && fail "--adaptive -P 2 was accepted"
	[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "one queue pair per thread" ||
		fail "--adaptive -P 2: not one line naming the limit: $out"
	[ "$(irq_lines "$(nvd_dev "$CTRL0")")" = 0 ] || fail "perf --adaptive left vectors routed"
}

# nvdirect-perf --adaptive at QD1 spins on the CQ with its vector masked:
# interrupts come only with its sleeps (each nap or block: the message the
# device held while masked, sent on unmask, and the sleep's own; on a
# loaded host, where a spinning vCPU slows the emulated device, it rightly
# sleeps more).  Bound: 4 a sleep, plus a tenth of the I/Os.  With the
# vector unmasked every completion interrupts, which fails this whenever
# the run mostly spins (sleeps under a fifth of the I/Os), as it does on
# an idle host.
test_perf_adaptive_spinning_takes_few_interrupts() {
	bind_to nvdirect "$CTRL0"
	dev=$(nvd_dev "$CTRL0")
	r="trtype:PCIe traddr:$CTRL0 ns:1"
	"$PERF" -r "$r" --adaptive -q 1 -o 4k -w randread -t 6 --json >/tmp/adapt-irq.json 2>&1 &
	pid=$!
	wait_for 30 test "$(irq_lines "$dev")" = 1 ||
		{ kill $pid 2>/dev/null || true; cat /tmp/adapt-irq.json; fail "no vector routed"; }
	sleep 1
	w0=$EPOCHREALTIME n0=$(irq_count "$dev")
	sleep 3
	w1=$EPOCHREALTIME n1=$(irq_count "$dev")
	wait $pid || { cat /tmp/adapt-irq.json; fail "perf --adaptive failed"; }
	jq -c '.total.iops, .cpu' </tmp/adapt-irq.json
	iops=$(jq '.total.iops' </tmp/adapt-irq.json)
	sleeps=$(jq '(.cpu.naps + .cpu.blocks) * .total.iops / .total.ios' </tmp/adapt-irq.json)
	rate=$(awk -v n=$((n1 - n0)) -v a="$w0" -v b="$w1" 'BEGIN { printf "%.0f", n / (b - a) }')
	note "adaptive QD1: $iops IOPS, $sleeps sleeps and $rate interrupts a second"
	awk -v r="$rate" -v i="$iops" -v s="$sleeps" 'BEGIN { exit !(i > 0 && r < 4 * s + i / 10) }' ||
		fail "$rate interrupts a second at $iops IOPS and $sleeps sleeps a second (want < 4 a sleep + IOPS / 10)"
}
