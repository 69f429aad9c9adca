# Aggregates tests/bench/report.sh's per-run records ($runs[0]) into
# build/bench/results.json: the medians and spread per series and queue
# depth, the kernel's best per depth, the deep-queue and scaling rows,
# issue 11's aims as met or not, the NVMe/TCP rows (their own table: issue
# 11's aims are about PCIe), and notes.  $bench and $guest are the
# KEY=VALUE files of the host and the guest.

def median: sort | if length == 0 then null
	elif length % 2 == 1 then .[length / 2 | floor]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def r2: . * 100 | round / 100;
def r1: . * 10 | round / 10;

# id: order, short (chart) and long label, family (scaling baseline),
# threads, queue pairs, kernel?; main: a row of the QD1/QD32 table (one
# thread, one queue pair); tcp: a row of the NVMe/TCP table (ktcp: the
# kernel's nvme-tcp initiator; nullb: the target's device, no transport)
def meta: {
	"nvd":         {order: 0, short: "nvdirect", label: "nvdirect-perf (polling)", family: "nvd", threads: 1, qpairs: 1, main: true},
	"nvd-A":       {order: 1, short: "nvdirect --adaptive", label: "nvdirect-perf --adaptive (poll or sleep)", family: "nvd-A", threads: 1, qpairs: 1, main: true},
	"nvd-E":       {order: 2, short: "nvdirect -E", label: "nvdirect-perf -E (interrupts)", family: "nvd-E", threads: 1, qpairs: 1, main: true},
	"nvd-fio":     {order: 3, short: "fio + nvdirect", label: "fio + nvdirect engine (polling)", family: "nvd-fio", threads: 1, qpairs: 1, main: true},
	"hipri-fb":    {order: 4, short: "hipri fixedbufs", label: "kernel: io_uring hipri, fixedbufs+regfiles", family: "hipri-fb", threads: 1, kernel: true, main: true},
	"hipri":       {order: 5, short: "io_uring hipri", label: "kernel: io_uring hipri", family: "hipri", threads: 1, kernel: true, main: true},
	"ucmd-hipri":  {order: 6, short: "uring_cmd hipri", label: "kernel: io_uring_cmd /dev/ng hipri", family: "ucmd-hipri", threads: 1, kernel: true, main: true},
	"ucmd":        {order: 7, short: "uring_cmd", label: "kernel: io_uring_cmd /dev/ng (interrupts)", family: "ucmd", threads: 1, kernel: true, main: true},
	"hipri-nopin": {order: 8, short: "hipri unpinned", label: "kernel: io_uring hipri, fio not pinned", family: "hipri-nopin", threads: 1, kernel: true, main: true},
	"uring":       {order: 9, short: "io_uring", label: "kernel: io_uring fixedbufs (interrupts)", family: "uring", threads: 1, kernel: true, main: true},
	"libaio":      {order: 10, short: "libaio", label: "kernel: libaio (interrupts)", family: "libaio", threads: 1, kernel: true, main: true},
	"nvd-P2":      {order: 20, short: "nvdirect -P 2", label: "nvdirect-perf -P 2 (1 thread, 2 qpairs)", family: "nvd", threads: 1, qpairs: 2},
	"nvd-P4":      {order: 21, short: "nvdirect -P 4", label: "nvdirect-perf -P 4 (1 thread, 4 qpairs)", family: "nvd", threads: 1, qpairs: 4},
	"nvd-2t":      {order: 22, short: "nvdirect 2 threads", label: "nvdirect-perf -c 0x3 (2 threads x 1 qpair)", family: "nvd", threads: 2, qpairs: 2},
	"hipri-2j":    {order: 23, short: "hipri 2 jobs", label: "kernel: io_uring hipri fb numjobs=2", family: "hipri-fb", threads: 2},
	"uring-2j":    {order: 24, short: "io_uring 2 jobs", label: "kernel: io_uring fb numjobs=2", family: "uring", threads: 2},
	"nvd-tcp":     {order: 40, short: "nvdirect TCP", label: "nvdirect-perf over TCP (polling)", family: "nvd-tcp", threads: 1, qpairs: 1, tcp: true},
	"ktcp-hipri":  {order: 41, short: "nvme-tcp hipri", label: "kernel nvme-tcp: io_uring hipri, fb", family: "ktcp-hipri", threads: 1, tcp: true, ktcp: true},
	"ktcp":        {order: 42, short: "nvme-tcp", label: "kernel nvme-tcp: io_uring fb (interrupts)", family: "ktcp", threads: 1, tcp: true, ktcp: true},
	"nullb":       {order: 43, short: "null_blk local", label: "local /dev/nullb0: io_uring fb, no TCP", family: "nullb", threads: 1, tcp: true, nullb: true}
};

# spdk_nvme_perf in issue 11's boot (2048-entry queues): QD32 223,469,
# QD64 229k, QD128 266k, QD256 311k IOPS; its growth over QD32 is the aim.
def spdk_scaling: {"64": (229000 / 223469), "128": (266000 / 223469), "256": (311000 / 223469)};

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
		io_queue_size: ($ok | map(.io_queue_size // empty) | max),
		# the interrupt count spans the warm-up too; none over TCP
		irqs_per_io: ($ok | map(select(.irqs != null) | .irqs / (.iops * ($secs + $warm))) | median),
		reps: [$ok[] | {rep, iops, avg_us, p99_us, irqs, cpu_pct}]}
		# spread: the farthest repetition from the median, in percent of it
		| . + {spread_pct: (if .ok > 1 and .iops > 0 then
			([.iops_max - .iops, .iops - .iops_min] | max) / .iops * 100 else null end)}
		| . + {within_10pct: (if .spread_pct == null then null else .spread_pct <= 10 end)}
	  else . end
	| if .status == "ok" then del(.error) else . end]
| . as $rows
| ([$rows[].qd] | unique) as $depths
# the kernel's best at each depth: its single-thread series there
| [$depths[] | . as $qd | [$rows[] | select(.kernel and .threads == 1 and .qd == $qd and .status == "ok")] | max_by(.iops)
	| select(. != null) | {qd: $qd, series: .series, label: .label, short: .short, iops: .iops, p99_us: .p99_us}] as $best
# the kernel's nvme-tcp initiator at its best per depth, and the local
# null_blk device there
| [$depths[] | . as $qd | [$rows[] | select(.ktcp and .qd == $qd and .status == "ok")] | max_by(.iops)
	| select(. != null) | {qd: $qd, series: .series, label: .label, short: .short, iops: .iops, avg_us: .avg_us, p99_us: .p99_us}] as $tbest
| def best($qd): [$best[] | select(.qd == $qd)][0];
  def tbest($qd): [$tbest[] | select(.qd == $qd)][0];
  def row($s; $qd): [$rows[] | select(.series == $s and .qd == $qd)][0];
  def iops($s; $qd): [$rows[] | select(.series == $s and .qd == $qd and .status == "ok")][0].iops;
  def vs_best: . + (best(.qd) as $b | if $b and .iops then {ratio: (.iops / $b.iops)} else {} end);
  def fmtk: floor | tostring;
{
	config: ($bench + {kernel: $guest.kernel, cmdline: $guest.cmdline, guest_cpus: $guest.cpus,
		fio: $guest.fio, clocksource: $guest.clocksource, poll_queues: $guest.poll_queues,
		depths: $guest.depths, series: $guest.series, tcp_target: $guest.tcp_target, ktcp: $guest.ktcp,
		warmup_s: $warm, seconds: $secs, reps: ($bench.reps | tonumber),
		workload: "4 KiB random read", latency: "submission to completion, microseconds",
		pinning: "single-thread runs on CPU 0 (nvdirect-perf -c 0x1, fio --cpus_allowed=0)",
		order: "repetition r starts (r-1)/reps of the way into the list of runs"}),
	kernel_best: $best,
	tcp_best: $tbest,
	main: [$rows[] | select(.main and (.qd == 1 or .qd == 32)) | vs_best] | sort_by(.qd, .order),
	# ratio: to the kernel's best nvme-tcp path at that depth; local: to
	# the target's null_blk device read without a transport
	tcp: [$rows[] | select(.tcp) | . + (tbest(.qd) as $b | if $b and .iops then {ratio: (.iops / $b.iops)} else {} end)
		| . + (iops("nullb"; .qd) as $l | if $l and .iops then {local: (.iops / $l)} else {} end)]
		| sort_by(.qd, .order),
	# every depth above 32 with its QD32 row, for the series measured there;
	# scale: IOPS over the same series' QD32
	deep: (([$rows[] | select(.qd > 32 and (.tcp | not)) | .series] | unique) as $ds
		| [$rows[] | select(.qd >= 32 and (.series as $s | $ds | index($s)) and .threads == 1) | vs_best
		| . + (iops(.series; 32) as $b | if $b and .iops then {scale: (.iops / $b)} else {} end)]
		| sort_by(.order, .qd)),
	scaling: [$rows[] | select(.qd == 32 and (.tcp | not) and ((.main | not) or .series == "nvd" or .series == "hipri-fb" or .series == "uring"))
		| . + (iops(.family; 32) as $b | if $b and .iops then {ratio: (.iops / $b)} else {} end)]
		| sort_by(.family != "nvd", .family, .order),
	# issue 11's aims, each as measured in this boot: met true/false, or
	# null when not measured
	aims: [
		(32, 1 | . as $qd | (if $qd == 32 then 6.5 else 2.5 end) as $x | best($qd) as $b | row("nvd"; $qd) as $n
		| if $b == null or $n.iops == null then
			{aim: "QD\($qd) IOPS >= \($x)x the kernel's best", met: null,
			 text: "not measured (\(if $b == null then "no kernel result" else "no nvdirect-perf result" end))"}
		  else {aim: "QD\($qd) IOPS >= \($x)x the kernel's best", qd: $qd, met: ($n.iops >= $x * $b.iops),
			ratio: ($n.iops / $b.iops), kernel_series: $b.series,
			text: "\($n.iops / $b.iops | r2)x \($b.label) (\($n.iops | fmtk) vs \($b.iops | fmtk) IOPS)"} end),
		(1, 32 | . as $qd | best($qd) as $b | row("nvd"; $qd) as $n
		| if $b == null or $n.p99_us == null then
			{aim: "QD\($qd) p99 below the kernel's best path's", met: null, text: "not measured"}
		  else {aim: "QD\($qd) p99 below the kernel's best path's", qd: $qd, met: ($n.p99_us < $b.p99_us),
			text: "\($n.p99_us | r1) vs \($b.p99_us | r1) us (\($b.label))"} end),
		([$rows[] | select(.within_10pct != null and (.tcp | not))] as $r | [$r[] | select(.within_10pct | not)] as $out
		| if ($r | length) == 0 then
			{aim: "every series' repetitions within 10% of their median", met: null,
			 text: "not measured (one repetition per run: use -r 3)"}
		  else {aim: "every series' repetitions within 10% of their median", met: (($out | length) == 0),
			text: (if ($out | length) == 0 then "all \($r | length) rows"
				else "\($out | length) of \($r | length) rows outside: "
					+ ([$out[] | "\(.short) QD\(.qd) ±\(.spread_pct | round)%"] | join(", ")) end)} end),
		([$rows[] | select(.series == "nvd" and .qd > 32 and .status == "ok")] as $d | iops("nvd"; 32) as $b
		| if ($d | length) == 0 or $b == null then empty
		  else {aim: "deep queues scale at least as spdk_nvme_perf's (QD64/128/256 over QD32: 1.02/1.19/1.39)",
			met: all($d[]; (spdk_scaling[.qd | tostring]) as $s | $s == null or .iops / $b >= $s),
			text: ([$d[] | "QD\(.qd) \(.iops / $b | r2)x" + (spdk_scaling[.qd | tostring] as $s
				| if $s then " (spdk \($s | r2)x)" else "" end)] | join(", "))} end)
	],
	notes: [
		(if any($rows[]; .kernel) then "kernel's best: per depth the best of the kernel's single-thread series there ("
			+ ([$rows[] | select(.kernel and .threads == 1) | .short] | unique | join(", ")) + ")" else empty end),
		# Over TCP: nvdirect against the kernel's initiator, and what the
		# transport costs over the device read locally.
		(1, 32 | . as $qd | row("nvd-tcp"; $qd) as $n | tbest($qd) as $b
		| if $n.iops and $b then
			"QD\($qd) over TCP: nvdirect-perf \($n.iops | fmtk) IOPS, \($n.iops / $b.iops | r2)x \($b.label) (\($b.iops | fmtk)), p99 \($n.p99_us | r1) vs \($b.p99_us | r1) us"
		  elif $n.status == "failed" and $b then
			"QD\($qd) over TCP: nvdirect-perf failed in every run (\($n.error // "?" | split("\n")[0])); the kernel's nvme-tcp best \($b.iops | fmtk) IOPS (\($b.label))"
		  else empty end),
		(1, 32 | . as $qd | tbest($qd) as $b | row("nullb"; $qd) as $l
		| if $b and $l.iops then
			"QD\($qd): what TCP costs the kernel: \($b.label) \($b.iops | fmtk) IOPS, avg \($b.avg_us | r1) us, against the target's null_blk read locally \($l.iops | fmtk) IOPS, avg \($l.avg_us | r1) us (+\($b.avg_us - $l.avg_us | r1) us per I/O)"
		  else empty end),
		(if $rows | any(.series == "ktcp-hipri" and .status == "unsupported") then
			"kernel nvme-tcp hipri: the connected disk has no poll queues (nvme connect --nr-poll-queues), shown as n/a" else empty end),
		(if $rows | any(.tcp) then
			"over TCP: \($guest.tcp_target // "the kernel's target") in the same guest as the initiator: both share its \($guest.cpus // "?") vCPUs; no nvme interrupts to count (irq/IO -)" else empty end),
		# Where the emulated controller caps.  One thread on 1, 2, 4 queue
		# pairs (the same 32 in flight): growth means the thread had CPU to
		# spare and one queue is held back by the device's per-queue
		# processing (QEMU runs each SQ and CQ in a bottom half of its main
		# loop); flat means the device caps as a whole.
		(iops("nvd"; 32) as $p1 | ([iops("nvd-P2"; 32), iops("nvd-P4"; 32)] | map(select(. != null))) as $pn
		| if $p1 and ($pn | length) > 0 then
			"queue pairs, 1 thread, 32 in flight: 1/2/4 qpairs \($p1 | fmtk)/\(iops("nvd-P2"; 32) // "-" | if type == "number" then fmtk else . end)/\(iops("nvd-P4"; 32) // "-" | if type == "number" then fmtk else . end) IOPS: "
			+ (if ($pn | max) > 1.25 * $p1 then
				"the thread drives more queues to \(($pn | max) / $p1 | r2)x, so it is not the limit at 1 qpair: "
				+ "the emulated controller's per-queue processing (each SQ/CQ is a bottom half in QEMU's main loop) caps one queue pair"
			   else "no gain from more queue pairs: the emulated controller (QEMU's main loop) caps throughput as a whole" end)
		  else empty end),
		# A second polling thread: does it add to what one thread gets?
		(iops("nvd-2t"; 32) as $t2 | (if iops("nvd-P2"; 32) then [iops("nvd-P2"; 32), "1 thread on 2 qpairs"]
			else [iops("nvd"; 32), "1 thread on 1 qpair"] end) as [$p2, $what]
		| if $t2 and $p2 then
			"2 threads x 1 qpair (64 in flight): \($t2 | fmtk) IOPS vs \($p2 | fmtk) for \($what): "
			+ (if $t2 > 1.25 * $p2 then "a second thread adds throughput"
			   else "a second polling thread adds nothing: both guest vCPUs spin while QEMU's main loop, which runs the emulated controller, needs host CPU too (\($bench.host_cpus // "?") host CPUs, shared)" end)
		  else empty end),
		# Polling against interrupts, at each depth: both polling paths
		# below the interrupt-driven one points at the host, not a driver.
		(1, 32 | . as $qd | iops("nvd"; $qd) as $n | best($qd) as $b | iops("uring"; $qd) as $u
		| if $n and $b and $u and $b.series != "uring" and $n < $u and $b.iops < $u then
			"QD\($qd): both polling paths (nvdirect-perf \($n | fmtk), \($b.short) \($b.iops | fmtk) IOPS) are below interrupt-driven io_uring (\($u | fmtk)): "
			+ "under TCG a polling vCPU spins on host CPU that QEMU's main loop, which runs the emulated controller, needs too; an interrupt-driven vCPU sleeps and leaves it"
		  else empty end),
		# Pinning: what fio's thread placement was worth, when measured.
		(1, 32 | . as $qd | iops("hipri"; $qd) as $p | iops("hipri-nopin"; $qd) as $u
		| if $p and $u then "QD\($qd): io_uring hipri pinned to CPU 0 \($p | fmtk) IOPS, not pinned \($u | fmtk) (\($p / $u | r2)x)" else empty end),
		# Adaptive polling against pure polling (issue 11 item 4: within 10%
		# of its IOPS while busy at most half the time).
		(1, 32 | . as $qd | row("nvd-A"; $qd) as $a | row("nvd"; $qd) as $n
		| if $a.iops and $n.iops then
			"QD\($qd): nvdirect-perf --adaptive \($a.iops | fmtk) IOPS, \($a.iops / $n.iops * 100 | round)% of polling, p99 \($a.p99_us | r1) vs \($n.p99_us | r1) us, CPU \($a.cpu_pct // "?" | if type == "number" then round else . end)% vs \($n.cpu_pct // "?" | if type == "number" then round else . end)%"
		  else empty end),
		# The fio engine against nvdirect-perf (it must not be the
		# bottleneck: within 20%) and against the kernel's best (3x).
		(1, 32 | . as $qd | iops("nvd-fio"; $qd) as $f | iops("nvd"; $qd) as $n | best($qd) as $b
		| if $f and $n and $b then
			"QD\($qd): fio + nvdirect engine \($f | fmtk) IOPS, \($f / $n * 100 | round)% of nvdirect-perf"
			+ " (aim: at least 80%), \($f / $b.iops | r2)x \($b.label)"
			+ (if $qd == 32 then " (aim: 3x)" else "" end)
		  else empty end),
		(if $rows | any(.series == "nvd-fio" and .status == "unsupported") then
			"fio + nvdirect engine: not built (scripts/build.sh could not fetch fio's source), shown as n/a" else empty end),
		(if $rows | any(.series == "nvd-E" and .status == "unsupported") then
			"nvdirect-perf -E: not supported by this build (refused with exit 2), shown as n/a" else empty end),
		(if $rows | any(.series == "nvd-A" and .status == "unsupported") then
			"nvdirect-perf --adaptive: not supported by this build (refused with exit 2), shown as n/a" else empty end),
		(row("nvd"; ($depths | max)) as $n | if $n.io_queue_size then
			"nvdirect-perf's I/O queues: \($n.io_queue_size) entries (its default, the controller's maximum within the library's budget) at every depth up to QD\($n.qd)"
		  else empty end),
		(if ([$rows[] | select(.ok > 1)] | length) == 0 then
			"one repetition per run (-r 1): no spread to tell noise from differences by; use -r 3 or more"
		  else "spread: the farthest repetition from the median, in percent of it; host load average \($bench.host_load_at_start // "?") at the start, \($bench.host_load_at_end // "?") at the end (\($bench.host_cpus // "?") CPUs): differences smaller than the spread are noise" end),
		"all runs in one guest boot, the order of the runs rotated between repetitions; the host is shared, so figures are noisy"
	]
}
