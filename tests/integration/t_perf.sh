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

# jq_true JSON FILTER: the filter (jq -e) holds for the document.
jq_true() { jq -e "$2" >/dev/null <<<"$1" || fail "perf JSON: $2 does not hold"; }

test_perf_json_matches_and_has_percentiles() {
	bind_to nvdirect "$CTRL0"
	out=$("$PERF" -r "trtype:PCIe traddr:$CTRL0 ns:2" -q 4 -o 4096 -w randread -t 1 -L --json) ||
		{ echo "$out"; fail "perf --json exited non-zero"; }
	echo "$out"
	# strict: python's parser refuses what JSON does not allow
	echo "$out" | python3 -c 'import json, sys; json.load(sys.stdin)' || fail "JSON does not parse"
	jq_true "$out" '.devices | length == 1'
	jq_true "$out" ".devices[0].name == \"PCIE ($CTRL0) NSID 2\""
	jq_true "$out" '.devices[0].percentiles_us | has("1") and has("99.99")'
	jq_true "$out" '.devices[0].iops == .total.iops and .total.iops > 0'
	jq_true "$out" '.devices[0].histogram == null'	# -L alone: percentiles only
}

# -LL: the histogram's buckets are in the JSON, and they count every I/O.
test_perf_json_histogram_with_LL() {
	bind_to nvdirect "$CTRL0"
	out=$("$PERF" -r "trtype:PCIe traddr:$CTRL0 ns:1" -q 4 -w randread -t 1 -LL --json) ||
		{ echo "$out"; fail "perf -LL --json exited non-zero"; }
	jq -c '.devices[0].histogram[:3]' <<<"$out"
	jq_true "$out" '.devices[0].histogram | length > 0'
	jq_true "$out" '.devices[0] as $d | ([$d.histogram[].count] | add) == $d.ios'
	jq_true "$out" '.total as $t | ([$t.histogram[].count] | add) == $t.ios'
	jq_true "$out" 'all(.devices[0].histogram[]; .start_us < .end_us and .count > 0)'
	# buckets in order, none overlapping
	jq_true "$out" '.devices[0].histogram as $h | all(range(1; $h | length); $h[. - 1].end_us <= $h[.].start_us)'
}

# --io-queue-size: the default is the library's (CAP.MQES+1 = 2048 on QEMU,
# within 2 MiB of DMA memory per queue pair: 502 entries at MDTS 7), the
# flag takes any size up to the controller's, above it one line; fewer
# entries than -q wait as requests (--io-queue-requests).
test_perf_io_queue_size_and_requests() {
	bind_to nvdirect "$CTRL0"
	r=(-r "trtype:PCIe traddr:$CTRL0 ns:1" -w randread -t 1 --json)
	out=$("$PERF" "${r[@]}" -q 32) || { echo "$out"; fail "default queue size failed"; }
	jq_true "$out" '.devices[0].io_queue_size == 502'
	out=$("$PERF" "${r[@]}" -q 32 --io-queue-size 2048) || { echo "$out"; fail "--io-queue-size 2048 failed"; }
	jq_true "$out" '.devices[0].io_queue_size == 2048 and .total.iops > 0'
	# deeper than the default: at least -q + 1
	out=$("$PERF" "${r[@]}" -q 600) || { echo "$out"; fail "-q 600 failed"; }
	jq_true "$out" '.devices[0].io_queue_size == 601'
	# 8 entries, 32 in flight: 25 wait in the library, and every I/O sent
	# from there keeps its request until it completes
	out=$("$PERF" "${r[@]}" -q 32 --io-queue-size 8 --io-queue-requests 32) ||
		{ echo "$out"; fail "--io-queue-size 8 --io-queue-requests 32 failed"; }
	jq_true "$out" '.devices[0].io_queue_size == 8 and .total.iops > 0'
	perf_refuses "--io-queue-size 4096 exceeds the largest I/O queue of $CTRL0: 2048 entries \\(CAP.MQES\\+1\\)" \
		-r "trtype:PCIe traddr:$CTRL0" --io-queue-size 4096
	perf_refuses "--io-queue-requests 31 is too few for -q 32 on 8-entry queues of $CTRL0: at least 32" \
		-r "trtype:PCIe traddr:$CTRL0" -q 32 --io-queue-size 8 --io-queue-requests 31
	perf_refuses '--io-queue-size 1: entries must be 2..65536' --io-queue-size 1
}

# -c as a core list, -b to pick a controller, -F zipf.
test_perf_core_list_bdf_and_zipf() {
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	out=$("$PERF" -b "$CTRL1" -c '[0-1]' -q 4 -w randread -t 1) || { echo "$out"; fail "-b -c [0-1] failed"; }
	echo "$out"
	echo "$out" | grep -q "PCIE ($CTRL1) NSID 1 from core  0:" || fail "no row for core 0"
	echo "$out" | grep -q "PCIE ($CTRL1) NSID 1 from core  1:" || fail "no row for core 1"
	[ "$(echo "$out" | perf_rows | wc -l)" -eq 2 ] || fail "-b $CTRL1 ran on more than its namespace"
	# the short form, and a list of one core that is not core 0
	out=$("$PERF" -b "${CTRL1#0000:}" -c '[1]' -q 4 -t 1) || { echo "$out"; fail "-b ${CTRL1#0000:} failed"; }
	[ "$(echo "$out" | perf_rows | wc -l)" -eq 1 ] && echo "$out" | grep -q "from core  1:" ||
		{ echo "$out"; fail "-c [1] did not run one thread on core 1"; }
	# two -b: both controllers, all three namespaces that support I/O
	out=$("$PERF" -b "$CTRL0" -b "$CTRL1" -q 2 -t 1) || { echo "$out"; fail "two -b failed"; }
	[ "$(echo "$out" | perf_rows | wc -l)" -eq 3 ] || { echo "$out"; fail "two -b: expected 3 rows"; }
	out=$("$PERF" -r "trtype:PCIe traddr:$CTRL0 ns:1" -F zipf:0.8 -q 8 -w randread -t 1 --json) ||
		{ echo "$out"; fail "-F zipf:0.8 failed"; }
	jq_true "$out" '.zipf_theta == 0.8 and .total.iops > 0'
	perf_refuses '-F zipf:1: expected zipf:THETA' -F zipf:1
	perf_refuses '-F applies only to random workloads' -F zipf:0.5 -w read
	perf_refuses '-c \[0,2-x\] is neither a hex core mask' -c '[0,2-x]'
	perf_refuses '-b and -r both pick controllers' -b "$CTRL0" -r "trtype:PCIe traddr:$CTRL0"
	perf_refuses '-b 0000:00:3.0x is not a PCI address' -b 0000:00:3.0x
	perf_refuses '-b 00:03.8 is not a PCI address' -b 00:03.8
	# -r goes through the library's transport ID parser: the value, the fault, the syntax
	perf_refuses "^nvdirect-perf: -r 'trtype:PCIe traddr:0000:00:zz.0': traddr '0000:00:zz.0' is not a PCI address \(DDDD:BB:DD.F\); expected a transport ID like 'trtype:PCIe traddr:0000:00:03.0' \[ns:N\]\$" \
		-r 'trtype:PCIe traddr:0000:00:zz.0'
	perf_refuses "-r 'traddr:$CTRL0': no trtype" -r "traddr:$CTRL0"
	perf_refuses "-r 'trtype:PCIe traddr:$CTRL0 ns:0': ns '0' is not a namespace ID" -r "trtype:PCIe traddr:$CTRL0 ns:0"
	perf_refuses "-r 'trtype:RDMA traddr:$CTRL0': trtype RDMA is not supported" -r "trtype:RDMA traddr:$CTRL0"
}

# A controller that is not bound: the nvdirect CLI's words and exit status 1.
test_perf_not_bound_exits_as_the_cli() {
	bind_to nvdirect "$CTRL0"
	for a in "-r trtype:PCIe traddr:0000:00:09.0" "-b 0000:00:09.0"; do
		rc=0
		out=$("$PERF" -t 1 ${a%% *} "${a#* }" 2>&1) || rc=$?
		echo "perf $a: [$rc] $out"
		[ "$rc" -eq 1 ] || fail "perf $a exited $rc, expected 1"
		echo "$out" | grep -Eq "^nvdirect-perf: 0000:00:09.0 is not bound to nvdirect \(bound: (.* )?$CTRL0( .*)?; see nvdirect setup\)\$" ||
			fail "perf $a: not the CLI's words"
	done
	rc=0
	"$NVDIRECT" id-ctrl 0000:00:09.0 >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "nvdirect id-ctrl of an unbound controller exited $rc: perf's 1 is no longer the same"
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
	# nothing was left behind by the refusals
	for b in "$CTRL0" "$CTRL1"; do
		[ "$(cat "$(nvd_sys "$b")/owner_pid")" = 0 ] || fail "$b still owned"
	done
}

# Several -r, as spdk_nvme_perf takes them: each a controller or one of its
# namespaces, a short traddr normalised, one controller named twice attached
# once; trtype:TCP parses but this build cannot connect over it (exit 1).
test_perf_transport_ids() {
	local out rc
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	out=$("$PERF" -r "trtype:PCIe traddr:${CTRL0#0000:} ns:2" -r "trtype:pcie traddr:$CTRL1" -q 2 -t 1) ||
		{ echo "$out"; fail "two -r failed"; }
	echo "$out"
	[ "$(echo "$out" | perf_rows | wc -l)" -eq 2 ] || fail "two -r: expected 2 rows"
	echo "$out" | grep -q "PCIE ($CTRL0) NSID 2 from core" || fail "no row for $CTRL0 NSID 2"
	echo "$out" | grep -q "PCIE ($CTRL1) NSID 1 from core" || fail "no row for $CTRL1 NSID 1"
	out=$("$PERF" -r "trtype:PCIe traddr:$CTRL0 ns:1" -r "trtype:PCIe traddr:$CTRL0 ns:2" -q 2 -t 1) ||
		{ echo "$out"; fail "one controller in two -r failed"; }
	echo "$out"
	[ "$(echo "$out" | perf_rows | wc -l)" -eq 2 ] || fail "ns:1 and ns:2 of $CTRL0: expected 2 rows"

	rc=0
	out=$("$PERF" -t 1 -r 'trtype:TCP traddr:127.0.0.1 trsvcid:4420' 2>&1) || rc=$?
	echo "[$rc] $out"
	[ "$rc" -eq 1 ] || fail "-r trtype:TCP exited $rc, expected 1"
	echo "$out" | grep -q "^nvdirect-perf: connecting to trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420: .*an NVMe/TCP controller needs subnqn:" ||
		fail "-r trtype:TCP without subnqn: words do not say the subsystem is missing"
}
