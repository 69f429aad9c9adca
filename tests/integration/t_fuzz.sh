# Bad input through the char device, and owners that leak or die: the module
# answers with the documented errno, never oopses, and gives everything back.

FUZZ=$BIN/tests/integration/nvd_fuzz

# idle_and_clean BDF WHAT: the state a function must be in with no owner.
idle_and_clean() {
	local s
	s=$(nvd_sys "$1")
	wait_for 20 grep -qx 0 "$s/owner_pid" || fail "$2: owner_pid not cleared"
	[ $(($(cat "$s/csts") & 1)) = 0 ] || fail "$2: CSTS.RDY still 1"
	[ "$(bus_master "$1")" = 0 ] || fail "$2: bus mastering still on"
	[ "$(cat "$s/dma_bytes")" = 0 ] || fail "$2: dma_bytes $(cat "$s/dma_bytes")"
	[ "$(cat "$s/dma_regions")" = 0 ] || fail "$2: dma_regions $(cat "$s/dma_regions")"
	[ "$(cat "$s/state")" = idle ] || fail "$2: state $(cat "$s/state")"
}

test_fuzz_ioctl_and_mmap() {
	bind_to nvdirect "$CTRL0"
	p=/sys/module/nvdirect/parameters/max_dma_bytes
	old=$(cat $p)
	# a low limit so that ENOSPC is reached without pinning much guest memory
	echo $((16 << 20)) >$p
	seed=${NVD_FUZZ_SEED:-$(date +%s)}
	note "seed $seed (replay: NVD_FUZZ_SEED=$seed)"
	rc=0
	timeout 120 "$FUZZ" fuzz "$(nvd_dev "$CTRL0")" "$seed" 20000 5000 || rc=$?
	echo "$old" >$p
	[ $rc = 0 ] || fail "fuzzer failed (rc $rc, seed $seed)"
	idle_and_clean "$CTRL0" "after fuzzing"
	timeout 30 rmmod nvdirect || fail "rmmod after fuzzing"
	bind_to nvdirect "$CTRL0"
	"$HELLO" "$CTRL0" >/dev/null || fail "controller does not work after re-insmod"
}

# used_kb: kernel and user memory in use, caches dropped first.
used_kb() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } END { print t - a }' /proc/meminfo
}
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

test_open_alloc_close_1000_cycles_leaks_nothing() {
	bind_to nvdirect "$CTRL0"
	dev=$(nvd_dev "$CTRL0")
	"$FUZZ" cycles "$dev" 50 >/dev/null || fail "warm-up cycles"
	# Two rounds of 1000: a leak grows memory in both, by the same amount;
	# noise (per-cpu lists, lazily freed slabs, IOVA caches: +20-45 MB in
	# one round on the IOMMU variants) shows up in one.  Limits: 3 kB per
	# cycle of memory in use (a page leaked per cycle is 4000 kB a round),
	# 0.5 kB per cycle of slab.
	# Open question: on 6.12 without an IOMMU both rounds grew by 1272 and
	# 1512 kB (slab flat), about one page per three cycles -- the cycles
	# that munmap after close.  Not explained yet; see the issue notes.
	u0=$(used_kb) s0=$(slab_kb)
	"$FUZZ" cycles "$dev" 1000 || fail "cycles, round 1"
	u1=$(used_kb) s1=$(slab_kb)
	"$FUZZ" cycles "$dev" 1000 || fail "cycles, round 2"
	u2=$(used_kb) s2=$(slab_kb)
	note "used ${u0} -> ${u1} -> ${u2} kB, slab ${s0} -> ${s1} -> ${s2} kB"
	du=$((u1 - u0)) ds=$((s1 - s0))
	[ $((u2 - u1)) -lt $du ] && du=$((u2 - u1))
	[ $((s2 - s1)) -lt $ds ] && ds=$((s2 - s1))
	[ $du -lt 1000 ] || note "memory in use grew by at least $du kB in each round (under the 3000 kB limit; open question)"
	[ $du -lt 3000 ] || fail "memory in use grew by at least $du kB in each round of 1000 cycles"
	[ $ds -lt 500 ] || fail "slab grew by at least $ds kB in each round of 1000 cycles"
	idle_and_clean "$CTRL0" "after 2000 cycles"
}

test_owner_sigkilled_50_times_at_random_points() {
	bind_to nvdirect "$CTRL0"
	seed=${NVD_KILL_SEED:-$(date +%s)}
	note "seed $seed (replay: NVD_KILL_SEED=$seed)"
	RANDOM=$seed
	# how long a whole run takes: delays go from 0 to a bit past it
	t0=$(date +%s%N)
	"$HELLO" "$CTRL0" >/dev/null || fail "hello before killing"
	ms=$((($(date +%s%N) - t0) / 1000000))
	note "hello_world takes ${ms} ms"
	# what each next owner reads back; hello writes LBA 0, the killed
	# writers LBAs 64..3263
	"$PATTERN" write "$CTRL0" 1 8192 8 >/dev/null || fail "pattern write"
	for i in $(seq 1 50); do
		d=$((RANDOM % (ms * 5 / 4 + 1)))
		if [ $((i % 2)) = 0 ]; then
			"$HELLO" "$CTRL0" >/dev/null 2>&1 &
		else
			"$PATTERN" -c 8 write "$CTRL0" 1 $((i * 64)) 64 >/dev/null 2>&1 &
		fi
		pid=$!
		sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		idle_and_clean "$CTRL0" "kill $i after ${d} ms"
		"$PATTERN" verify "$CTRL0" 1 8192 8 >/dev/null || fail "kill $i after ${d} ms: the next owner cannot attach"
		idle_and_clean "$CTRL0" "the owner after kill $i"
	done
}
