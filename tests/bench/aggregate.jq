# Aggregates tests/bench/report.sh's per-run records ($runs[0]) into
# build/bench/results.json: the medians per series and queue depth, the
# ratio to the kernel's best, the scaling rows, the target check and notes.
# $bench and $guest are the KEY=VALUE files of the host and the guest.

def median: sort | if length == 0 then null
	elif length % 2 == 1 then .[length / 2 | floor]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;

# id: order, short (chart) and long label, family (scaling baseline), threads, queue pairs, kernel?
def meta: {
	"nvd":      {order: 0, short: "nvdirect", label: "nvdirect-perf (polling)", family: "nvd", threads: 1, qpairs: 1},
	"nvd-E":    {order: 1, short: "nvdirect -E", label: "nvdirect-perf -E (interrupts)", family: "nvd-E", threads: 1, qpairs: 1},
	"nvd-fio":  {order: 1.5, short: "fio + nvdirect", label: "fio + nvdirect engine (polling)", family: "nvd-fio", threads: 1, qpairs: 1},
	"uring":    {order: 2, short: "io_uring", label: "kernel nvme: fio io_uring (interrupts)", family: "uring", threads: 1, kernel: true},
	"hipri":    {order: 3, short: "io_uring hipri", label: "kernel nvme: fio io_uring hipri (poll_queues)", family: "hipri", threads: 1, kernel: true},
	"libaio":   {order: 4, short: "libaio", label: "kernel nvme: fio libaio (interrupts)", family: "libaio", threads: 1, kernel: true},
	"nvd-P2":   {order: 5, short: "nvdirect -P 2", label: "nvdirect-perf -P 2 (1 thread, 2 qpairs)", family: "nvd", threads: 1, qpairs: 2},
	"nvd-P4":   {order: 6, short: "nvdirect -P 4", label: "nvdirect-perf -P 4 (1 thread, 4 qpairs)", family: "nvd", threads: 1, qpairs: 4},
	"nvd-2t":   {order: 7, short: "nvdirect 2 threads", label: "nvdirect-perf -c 0x3 (2 threads x 1 qpair)", family: "nvd", threads: 2, qpairs: 2},
	"hipri-2j": {order: 8, short: "hipri 2 jobs", label: "kernel nvme: io_uring hipri numjobs=2", family: "hipri", threads: 2},
	"uring-2j": {order: 9, short: "io_uring 2 jobs", label: "kernel nvme: io_uring numjobs=2", family: "uring", threads: 2}
};

($runs[0]) as $all
| ($bench.seconds | tonumber) as $secs
| ($guest.warmup_s // "0" | tonumber) as $warm
# one row per series and queue depth
| [$all | group_by([.series, .qd])[] | . as $g
	| (map(select(.status == "ok"))) as $ok
	| ((meta | .[$g[0].series]) // {order: 99, short: $g[0].series, label: $g[0].series, family: $g[0].series, threads: 1}) as $m
	| $m + {series: $g[0].series, qd: $g[0].qd, runs: length, ok: ($ok | length),
		status: (if ($ok | length) > 0 then "ok"
			elif all(.status == "unsupported") then "unsupported" else "failed" end),
		error: ([.[] | select(.status != "ok") | .error // empty][0])}
	| if .ok > 0 then . + {
		iops: ($ok | map(.iops) | median), iops_min: ($ok | map(.iops) | min),
		iops_max: ($ok | map(.iops) | max), avg_us: ($ok | map(.avg_us) | median),
		p99_us: ($ok | map(.p99_us) | median),
		cpu_pct: ($ok | map(.cpu_pct // empty) | median),
		# the interrupt count spans the warm-up too
		irqs_per_io: ($ok | map(.irqs / (.iops * ($secs + $warm))) | median),
		reps: [$ok[] | {rep, iops, avg_us, p99_us, irqs, cpu_pct}]}
	  else . end
	| if .status == "ok" then del(.error) else . end]
| . as $rows
| [1, 32 | . as $qd | [$rows[] | select(.kernel and .qd == $qd and .status == "ok")] | max_by(.iops)
	| select(. != null) | {qd: $qd, series: .series, label: .label, iops: .iops, p99_us: .p99_us}] as $best
| def best($qd): [$best[] | select(.qd == $qd)][0];
  def base($fam): [$rows[] | select(.series == $fam and .qd == 32)][0];
  def iops($s; $qd): [$rows[] | select(.series == $s and .qd == $qd and .status == "ok")][0].iops;
{
	config: ($bench + {kernel: $guest.kernel, cmdline: $guest.cmdline, guest_cpus: $guest.cpus,
		fio: $guest.fio, clocksource: $guest.clocksource, poll_queues: $guest.poll_queues,
		warmup_s: $warm, seconds: $secs, reps: ($bench.reps | tonumber),
		workload: "4 KiB random read", latency: "submission to completion, microseconds"}),
	kernel_best: $best,
	main: [$rows[] | select(.order <= 4 and (.qd == 1 or .qd == 32))
		| . + (best(.qd) as $b | if $b and .iops then {ratio: (.iops / $b.iops)} else {} end)]
		| sort_by(.qd, .order),
	scaling: [$rows[] | select(.qd == 32 and (.order >= 5 or .series == "nvd" or .series == "hipri" or .series == "uring"))
		| . + (base(.family) as $b | if $b.iops and .iops then {ratio: (.iops / $b.iops)} else {} end)]
		| sort_by(.family != "nvd", .family, .order),
	target: [1, 32 | . as $qd | best($qd) as $b | ([$rows[] | select(.series == "nvd" and .qd == $qd)][0]) as $n
		| if $b == null or $n == null or $n.status != "ok" then
			{qd: $qd, ratio: null, why: (if $b == null then "no kernel result" else "no nvdirect-perf result" end)}
		  else {qd: $qd, kernel_series: $b.series, kernel_label: $b.label,
			nvd_iops: $n.iops, kernel_iops: $b.iops, ratio: ($n.iops / $b.iops),
			nvd_p99_us: $n.p99_us, kernel_p99_us: $b.p99_us,
			iops_met: ($n.iops >= 3 * $b.iops), p99_met: ($n.p99_us < $b.p99_us)} end
		| . + {met: (.iops_met == true and .p99_met == true)}],
	notes: [
		# Where the emulated controller caps.  One thread on 1, 2, 4 queue
		# pairs (the same 32 in flight): growth means the thread had CPU to
		# spare and one queue is held back by the device's per-queue
		# processing (QEMU runs each SQ and CQ in a bottom half of its main
		# loop); flat means the device caps as a whole.
		(iops("nvd"; 32) as $p1 | iops("nvd-P2"; 32) as $p2 | iops("nvd-P4"; 32) as $p4
		| if $p1 and $p2 and $p4 then
			"queue pairs, 1 thread, 32 in flight: 1/2/4 qpairs \($p1 | floor)/\($p2 | floor)/\($p4 | floor) IOPS: "
			+ (if ([$p2, $p4] | max) > 1.25 * $p1 then
				"the thread drives more queues to \(([$p2, $p4] | max) / $p1 * 100 | round / 100)x, so it is not the limit at 1 qpair: "
				+ "the emulated controller's per-queue processing (each SQ/CQ is a bottom half in QEMU's main loop) caps one queue pair"
			   else "no gain from more queue pairs: the emulated controller (QEMU's main loop) caps throughput as a whole" end)
		  else empty end),
		# A second polling thread: does it add to what one thread gets from
		# two queue pairs?
		(iops("nvd-2t"; 32) as $t2 | iops("nvd-P2"; 32) as $p2
		| if $t2 and $p2 then
			"2 threads x 1 qpair (64 in flight): \($t2 | floor) IOPS vs \($p2 | floor) for 1 thread on 2 qpairs: "
			+ (if $t2 > 1.25 * $p2 then "a second thread adds throughput"
			   else "a second polling thread adds nothing: both guest vCPUs spin while QEMU's main loop, which runs the emulated controller, needs host CPU too (\($bench.host_cpus // "?") host CPUs, shared)" end)
		  else empty end),
		# Polling against interrupts, at each depth: both polling paths
		# below the interrupt-driven one points at the host, not a driver.
		(1, 32 | . as $qd | iops("nvd"; $qd) as $n | iops("hipri"; $qd) as $h | iops("uring"; $qd) as $u
		| if $n and $h and $u and $n < $u and $h < $u then
			"QD\($qd): both polling paths (nvdirect-perf \($n | floor), io_uring hipri \($h | floor) IOPS) are below interrupt-driven io_uring (\($u | floor)): "
			+ "under TCG a polling vCPU spins on host CPU that QEMU's main loop, which runs the emulated controller, needs too; an interrupt-driven vCPU sleeps and leaves it"
		  else empty end),
		# The fio engine against nvdirect-perf (it must not be the
		# bottleneck: within 20%) and against the kernel's best (3x).
		(1, 32 | . as $qd | iops("nvd-fio"; $qd) as $f | iops("nvd"; $qd) as $n | best($qd) as $b
		| if $f and $n and $b then
			"QD\($qd): fio + nvdirect engine \($f | floor) IOPS, \($f / $n * 100 | round)% of nvdirect-perf"
			+ " (aim: at least 80%), \($f / $b.iops * 100 | round / 100)x \($b.label)"
			+ (if $qd == 32 then " (aim: 3x)" else "" end)
		  else empty end),
		(if $rows | any(.series == "nvd-fio" and .status == "unsupported") then
			"fio + nvdirect engine: not built (scripts/build.sh could not fetch fio's source), shown as n/a" else empty end),
		(if $rows | any(.series == "nvd-E" and .status == "unsupported") then
			"nvdirect-perf -E: not supported by this build (refused with exit 2), shown as n/a" else empty end),
		# How far apart the repetitions are: a reading from medians is only
		# as good as that.
		([$rows[] | select(.ok > 1 and .iops > 0)] as $r
		| [$r[] | select((.iops_max - .iops_min) > 0.5 * .iops)] as $wide
		| if ($wide | length) > 0 then
			"the repetitions of \($wide | length) of \($r | length) rows spread by more than half their median "
			+ "(host load average \($bench.host_load_at_start // "?") at the start, \($bench.host_load_at_end // "?") at the end, \($bench.host_cpus // "?") CPUs): "
			+ "differences smaller than that spread are noise"
		  elif ($r | length) == 0 then
			"one repetition per run (-r 1): no spread to tell noise from differences by; use -r 3 or more"
		  else empty end),
		"all runs in one guest boot, repetitions interleaved across series; the host is shared, so figures are noisy"
	]
}
