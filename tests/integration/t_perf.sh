# nvdirect-perf: spdk_nvme_perf's table and flags, and the values it refuses.

PERF=$BIN/tools/nvdirect-perf

# Device rows of a perf table: "NAME from core N: IOPS MiB/s avg min max".
perf_rows() { grep ' from core ' | sed 's/.*: *//'; }

test_perf_table_has_every_namespace_and_a_total() {
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	out=$("$PERF" -q 8 -o 4k -w randread -t 2) || { echo "$out"; fail "perf exited non-zero"; }
	echo "$out"
	echo "$out" | grep -q 'Latency(us)' || fail "no Latency(us) header"
	echo "$out" | grep -Eq '^Device Information +: +IOPS +MiB/s +Average +min +max$' ||
		fail "column header differs from spdk_nvme_perf's"
	for n in "($CTRL0) NSID 1" "($CTRL0) NSID 2" "($CTRL1) NSID 1"; do
		row=$(echo "$out" | grep -F "PCIE $n from core  0:") || fail "no row for $n"
		iops=$(echo "$row" | sed 's/.*: *//' | awk '{print $1}')
		awk -v v="$iops" 'BEGIN { exit !(v > 0) }' || fail "$n: IOPS is $iops"
	done
	[ "$(echo "$out" | perf_rows | wc -l)" -eq 3 ] || fail "expected 3 device rows"
	sum=$(echo "$out" | perf_rows | awk '{ s += $1 } END { printf "%.2f", s }')
	total=$(echo "$out" | grep '^Total ' | sed 's/.*: *//' | awk '{print $1}')
	awk -v s="$sum" -v t="$total" 'BEGIN { d = s - t; if (d < 0) d = -d; exit !(t > 0 && d <= t / 1000) }' ||
		fail "Total IOPS $total is not the sum of the rows $sum"
	for b in "$CTRL0" "$CTRL1"; do
		[ "$(cat "$(nvd_sys "$b")/dma_bytes")" = 0 ] || fail "$b still has pinned memory after perf"
	done
}

test_perf_json_matches_and_has_percentiles() {
	bind_to nvdirect "$CTRL0"
	out=$("$PERF" -r "trtype:PCIe traddr:$CTRL0 ns:2" -q 4 -o 4096 -w randread -t 1 -L --json) ||
		{ echo "$out"; fail "perf --json exited non-zero"; }
	echo "$out"
	[ "$(echo "$out" | grep -c '"name": ')" -eq 1 ] || fail "expected one device in the JSON"
	echo "$out" | grep -q "\"name\": \"PCIE ($CTRL0) NSID 2\"" || fail "device name missing"
	echo "$out" | grep -q '"percentiles_us": {"1": ' || fail "no percentiles with -L"
	dev=$(echo "$out" | grep -A1 '"name": ' | sed -n 's/.*"iops": \([0-9.]*\).*/\1/p')
	tot=$(echo "$out" | grep -A1 '"total": ' | sed -n 's/.*"iops": \([0-9.]*\).*/\1/p')
	[ -n "$dev" ] && [ "$dev" = "$tot" ] || fail "device IOPS '$dev' differs from total '$tot'"
	awk -v v="$tot" 'BEGIN { exit !(v > 0) }' || fail "total IOPS is $tot"
	if command -v python3 >/dev/null; then
		echo "$out" | python3 -c 'import json, sys; json.load(sys.stdin)' || fail "JSON does not parse"
	fi
}

test_perf_mixed_workload_and_two_threads() {
	bind_to nvdirect "$CTRL0"
	out=$("$PERF" -r "trtype:PCIe traddr:$CTRL0" -q 4 -o 4k -w randrw -M 70 -t 1) ||
		{ echo "$out"; fail "randrw -M 70 failed"; }
	echo "$out"
	[ "$(echo "$out" | perf_rows | wc -l)" -eq 2 ] || fail "expected 2 rows for randrw"
	out=$("$PERF" -r "trtype:PCIe traddr:$CTRL0 ns:1" -c 0x3 -P 2 -q 4 -o 512 -w write -t 1) ||
		{ echo "$out"; fail "two threads failed"; }
	echo "$out"
	echo "$out" | grep -q "NSID 1 from core  0:" || fail "no row for core 0"
	echo "$out" | grep -q "NSID 1 from core  1:" || fail "no row for core 1"
	[ "$(echo "$out" | perf_rows | wc -l)" -eq 2 ] || fail "expected 2 rows with -c 0x3"
}

# Runs perf with "$@", expects exit 2 and one line matching the ERE $want.
perf_refuses() {
	want=$1
	shift
	rc=0
	out=$("$PERF" -t 1 "$@" 2>&1) || rc=$?
	echo "perf $*: [$rc] $out"
	[ "$rc" -eq 2 ] || fail "perf $* exited $rc, expected 2"
	[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "perf $*: expected one line"
	echo "$out" | grep -Eq -- "$want" || fail "perf $*: message does not match '$want'"
}

test_perf_refuses_bad_values_before_any_io() {
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	perf_refuses "-q 65536 exceeds the queue size of $CTRL0: at most [0-9]+ I/Os" \
		-r "trtype:PCIe traddr:$CTRL0" -q 65536
	perf_refuses '-q 0' -q 0
	perf_refuses "-o 32768 exceeds the maximum transfer of $CTRL1 NSID 1: 16384 bytes" \
		-r "trtype:PCIe traddr:$CTRL1" -o 32k
	perf_refuses "-o 1000 is not a multiple of the 512-byte LBA size of $CTRL0 NSID 1" \
		-r "trtype:PCIe traddr:$CTRL0 ns:1" -o 1000
	perf_refuses "-o 512 is not a multiple of the 4096-byte LBA size of $CTRL0 NSID 2" \
		-r "trtype:PCIe traddr:$CTRL0 ns:2" -o 512
	# namespace 3 is formatted with metadata: listed, but no I/O through nvdirect
	perf_refuses "-r ns:3: $CTRL0 namespace 3 does not support I/O \\(metadata format\\)" \
		-r "trtype:PCIe traddr:$CTRL0 ns:3"
	perf_refuses 'unknown workload' -w scan
	perf_refuses 'read percentage must be 0..100' -w rw -M 101
	perf_refuses 'needs -M' -w randrw
	perf_refuses 'core 9, which is not present' -c 0x200
	perf_refuses 'run time must be 1 second or more' -t 0
	perf_refuses '0000:00:09.0: no such controller bound to nvdirect' -r 'trtype:PCIe traddr:0000:00:09.0'
	# nothing was left behind by the refusals
	for b in "$CTRL0" "$CTRL1"; do
		[ "$(cat "$(nvd_sys "$b")/owner_pid")" = 0 ] || fail "$b still owned"
	done
}
