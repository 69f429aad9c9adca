#!/usr/bin/env bash
# ctest bench_report: tests/bench/report.sh on made-up guest results (the
# files guest.sh leaves, in the tools' own JSON shapes) with known answers:
# the kernel's best per depth is the best of its single-thread series and
# is named, the spread is the farthest repetition from the median, the aims
# are judged from the medians, a refused option is n/a, the CDFs end at 100%
# and both charts are drawn; the NVMe/TCP series get a table of their own
# (against the kernel's best nvme-tcp path and the local null_blk), stay out
# of the PCIe kernel's best and issue 11's aims, and a failed connect is
# shown with its words, never as a number.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v jq >/dev/null && command -v gnuplot >/dev/null || { echo "jq or gnuplot missing: skipped"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/res/raw"
fails=0
check() {	# check WHAT COMMAND...
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi
}

# nvdperf SERIES QD REP IOPS P99: nvdirect-perf --json -LL's shape; the
# histogram puts 90% of I/Os at 10..20 us and 10% at P99..P99+10.
nvdperf() {
	jq -n --argjson iops "$4" --argjson p99 "$5" '{workload: "randread", queue_depth: '"$2"',
		devices: [{name: "x", io_queue_size: 1024}],
		total: {iops: $iops, ios: ($iops * 2), avg_us: 20, percentiles_us: {"99": $p99},
			histogram: [{start_us: 10, end_us: 20, count: 900}, {start_us: $p99, end_us: ($p99 + 10), count: 100}]},
		cpu: {mode: "polling", busy_pct: 99.5}}' >"$t/res/raw/$1.qd$2.rep$3.json"
	echo "$1 $2 $3 ok 0" >>"$t/res/runs"
}
# fiojson SERIES QD REP IOPS P99: fio --output-format=json+'s shape.
fiojson() {
	jq -n --argjson iops "$4" --argjson p99 "$5" '{jobs: [{usr_cpu: 10, sys_cpu: 40, read: {iops: $iops,
		total_ios: ($iops * 2), lat_ns: {mean: 40000, percentile: {"99.000000": ($p99 * 1000)},
			bins: {"40000": 98, ($p99 * 1000 | tostring): 2}}}}]}' >"$t/res/raw/$1.qd$2.rep$3.json"
	echo "$1 $2 $3 ok 100" >>"$t/res/runs"
}
# tcpfio SERIES QD REP IOPS P99: fio over TCP, no interrupt count (-).
tcpfio() {
	fiojson "$@"
	sed -i '$ s/ ok 100$/ ok -/' "$t/res/runs"
}
connect_failed() {	# SERIES QD REP
	echo "nvdirect-perf: connecting to trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420 subnqn:nqn.x: Protocol not supported" \
		>"$t/res/raw/$1.qd$2.rep$3.err"
	echo "$1 $2 $3 failed 0" >>"$t/res/runs"
}
refused() {	# SERIES QD REP
	echo "nvdirect-perf: unknown option '--adaptive' (see --help)" >"$t/res/raw/$1.qd$2.rep$3.err"
	echo "$1 $2 $3 unsupported 0" >>"$t/res/runs"
}

for rep in 1 2 3; do
	# nvd QD1: 100k, 90k, 130k: median 100k, spread ±30%
	nvdperf nvd 1 $rep $((rep == 1 ? 100000 : rep == 2 ? 90000 : 130000)) 50
	nvdperf nvd 32 $rep 700000 100		# 7x the kernel's best (100k): met
	nvdperf nvd 64 $rep 720000 120
	nvdperf nvd 256 $rep 1000000 200	# 1.43x QD32 vs spdk's 1.39x: met
	refused nvd-A 1 $rep
	fiojson hipri 1 $rep 30000 80
	fiojson ucmd-hipri 1 $rep 45000 60	# best at QD1; nvd 100k = 2.22x: NOT met
	fiojson hipri 32 $rep 90000 900
	fiojson uring 32 $rep 100000 700	# best at QD32, interrupt-driven
	fiojson hipri-2j 32 $rep 150000 900	# two threads: never the kernel's best
	fiojson hipri-fb 64 $rep 95000 900
	fiojson hipri-fb 256 $rep 96000 1900
	# over TCP: nvdirect's connect refused at QD1; at QD32 60k median, ±50%
	connect_failed nvd-tcp 1 $rep
	nvdperf nvd-tcp 32 $rep $((rep == 1 ? 60000 : rep == 2 ? 30000 : 90000)) 500
	sed -i '$ s/ ok 0$/ ok -/' "$t/res/runs"
	tcpfio ktcp 1 $rep 20000 100
	tcpfio ktcp-hipri 1 $rep 25000 90	# the kernel's nvme-tcp best at QD1
	tcpfio ktcp 32 $rep 40000 900		# and at QD32
	tcpfio ktcp-hipri 32 $rep 30000 1000
	tcpfio nullb 1 $rep 50000 30		# above every PCIe kernel row: not one of them
	tcpfio nullb 32 $rep 120000 300
done
cat >"$t/res/guest.env" <<ENV
kernel=6.1.0-test
cmdline=tsc=reliable
cpus=2
fio=fio-3.33
clocksource=tsc
poll_queues=2
warmup_s=1
depths=1 32 64 256
series=nvd nvd-A hipri ucmd-hipri uring hipri-2j hipri-fb nvd-tcp ktcp ktcp-hipri nullb
tcp_target=nvmet-tcp 127.0.0.1:4420 nqn.x, null_blk nr_devices=1 gb=1 memory_backed=0
ktcp=/dev/nvme1n1, nr_poll_queues=2, io_poll=1
ENV
printf 'seconds=2\nreps=3\nqemu=7.2\nhost_cpus=2\nhost_load_at_start=1 1 1\nhost_load_at_end=1 1 1\n' >"$t/res/bench.env"

"$here/report.sh" "$t/res" "$t/out" >"$t/table" 2>"$t/err" || { cat "$t/err"; echo "FAIL: report.sh exited $?"; exit 1; }
R=$t/out/results.json
tbl=$t/out/table.txt
check "the kernel's best at QD1 is named: io_uring_cmd hipri" grep -q "kernel's best at QD1: kernel: io_uring_cmd /dev/ng hipri, 45000 IOPS" "$tbl"
check "the kernel's best at QD32 is interrupt-driven io_uring, not the 2-job row" grep -q "kernel's best at QD32: kernel: io_uring fixedbufs (interrupts), 100000 IOPS" "$tbl"
check "the nvd QD1 row: median 100000, spread ±30%, not within 10%" \
	grep -Eq '^nvdirect-perf \(polling\) +1 +100000 +90000\.\.130000 +±30% +no ' "$tbl"
check "the nvd QD32 row: within 10%, 7x the kernel's best" grep -Eq '^nvdirect-perf \(polling\) +32 +700000 .* ±0% +yes .* 7.00x$' "$tbl"
check "QD32 aim met at 7x" grep -q "QD32 IOPS >= 6.5x the kernel's best: met, 7x" "$tbl"
check "QD1 aim NOT met at 2.22x" grep -q "QD1 IOPS >= 2.5x the kernel's best: NOT met, 2.22x" "$tbl"
check "p99 at QD1 judged against the best path's (60 us)" grep -q "QD1 p99 below the kernel's best path's: met, 50 vs 60 us" "$tbl"
check "the spread aim names the row outside" grep -q "within 10% of their median: NOT met, 1 of .* rows outside: nvdirect QD1 ±30%" "$tbl"
check "deep queues judged against spdk's growth" grep -q "QD256 1.43x (spdk 1.39x)" "$tbl"
check "--adaptive refused is n/a, with the tool's words" grep -Eq "^nvdirect-perf --adaptive .* +1  n/a \(not supported by this build: nvdirect-perf: unknown option '--adaptive'" "$tbl"
check "the deep rows compare with the kernel's best at that depth" \
	grep -Eq '^nvdirect-perf \(polling\) +256 +1000000 .* 10.42x +1.43x$' <(sed -n '/^deep queues/,/^$/p' "$tbl")
check "the kernel's best at QD256 is its only row there" \
	test "$(jq -r '.kernel_best[] | select(.qd == 256) | .series' "$R")" = hipri-fb
check "a CDF per main row with I/O, ending at 100%" \
	test "$(jq '[.latency_cdf[] | .points[-1][1]] | unique' -c "$R")" = "[100]"
check "the nvd QD1 CDF: 90% within 20 us (the -LL buckets' upper edges), all 3 repetitions" \
	test "$(jq -c '.latency_cdf[] | select(.series == "nvd" and .qd == 1) | [.ios, .points[0]]' "$R")" = "[3000,[20,90]]"
check "fio's bins in us: 98% at 40 us" \
	test "$(jq -c '.latency_cdf[] | select(.series == "hipri" and .qd == 1) | .points[0]' "$R")" = "[40,98]"
check "chart.png drawn" test -s "$t/out/chart.png"
check "latency.png drawn" test -s "$t/out/latency.png"

tcp=$(sed -n '/^over NVMe\/TCP/,/^$/p' "$tbl")
check "the TCP table: nvdirect QD32 1.50x the kernel's nvme-tcp best, 0.50x the local null_blk, irq/IO -" \
	grep -Eq '^nvdirect-perf over TCP \(polling\) +32 +60000 +30000\.\.90000 +±50% +no +20\.0 +500\.0 +- +100 +1\.50x +0\.50x$' <<<"$tcp"
check "a refused TCP connect is a failure with its words, not a number" \
	grep -Eq '^nvdirect-perf over TCP \(polling\) +1  failed: nvdirect-perf: connecting to trtype:TCP .*Protocol not supported$' <<<"$tcp"
check "the kernel's nvme-tcp best at QD1 is hipri" \
	grep -q "^kernel nvme-tcp best at QD1: kernel nvme-tcp: io_uring hipri, fb, 25000 IOPS" <<<"$tcp"
check "the kernel's nvme-tcp best at QD32 is interrupt-driven" \
	grep -q "^kernel nvme-tcp best at QD32: kernel nvme-tcp: io_uring fb (interrupts), 40000 IOPS" <<<"$tcp"
check "the local null_blk row is 1.00x itself" grep -Eq '^local /dev/nullb0: io_uring fb, no TCP +32 +120000 .* 3\.00x +1\.00x$' <<<"$tcp"
check "no TCP row in the PCIe table" test "$(jq '[.main[] | select(.tcp)] | length' "$R")" = 0
check "what TCP costs the kernel at QD1: avg over the local device's" \
	jq -e '.notes | any(startswith("QD1: what TCP costs the kernel: kernel nvme-tcp: io_uring hipri, fb 25000 IOPS, avg 40 us, against the target'"'"'s null_blk read locally 50000 IOPS"))' "$R" >/dev/null
check "the failed nvdirect TCP runs are a note, not a ratio" \
	jq -e '.notes | any(startswith("QD1 over TCP: nvdirect-perf failed in every run (nvdirect-perf: connecting to"))' "$R" >/dev/null

# a TCP-only run (-T tcp): its table, no PCIe table or issue 11's aims
mkdir -p "$t/tcp/raw"
grep -E '^(nvd-tcp|ktcp|ktcp-hipri|nullb) ' "$t/res/runs" >"$t/tcp/runs"
cp "$t/res/raw/"{nvd-tcp,ktcp,nullb}* "$t/tcp/raw/"
sed 's/^series=.*/series=nvd-tcp ktcp ktcp-hipri nullb/; s/^depths=.*/depths=1 32/' "$t/res/guest.env" >"$t/tcp/guest.env"
cp "$t/res/bench.env" "$t/tcp/"
"$here/report.sh" "$t/tcp" "$t/tcpout" >/dev/null 2>"$t/err" || { cat "$t/err"; echo "FAIL: report.sh (TCP only) exited $?"; exit 1; }
check "TCP only: the TCP table, titled so" grep -q '^nvdirect benchmark over NVMe/TCP' "$t/tcpout/table.txt"
check "TCP only: the same nvdirect QD32 row" grep -Eq '^nvdirect-perf over TCP \(polling\) +32 +60000 .* 1\.50x +0\.50x$' "$t/tcpout/table.txt"
check "TCP only: no PCIe kernel's best, no issue 11 aims" bash -c "! grep -Eq \"^(kernel's best|issue 11)\" '$t/tcpout/table.txt'"
check "TCP only: both charts drawn" test -s "$t/tcpout/chart.png" -a -s "$t/tcpout/latency.png"
check "TCP only: a CDF per TCP row with I/O" \
	test "$(jq '[.latency_cdf[] | select(.points[-1][1] == 100)] | length' "$t/tcpout/results.json")" = 7
[ $fails -eq 0 ] || { cat "$tbl" "$t/tcpout/table.txt"; exit 1; }
