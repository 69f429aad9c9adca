#!/usr/bin/env bash
# The host half of scripts/bench.sh after the guest is gone: turns what
# tests/bench/guest.sh left in RESULTS (raw/*.json, runs, guest.env, and
# bench.env from scripts/bench.sh) into OUT/results.json, OUT/table.txt
# (also printed) and OUT/chart.png.  Per series and queue depth: the median
# of the repetitions for IOPS, average and p99 latency, the IOPS range, and
# the ratio to the kernel's best IOPS at that depth (best of fio io_uring,
# io_uring hipri and libaio).
# Usage: report.sh RESULTS OUT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
res=${1:?usage: report.sh RESULTS OUT}
out=${2:?usage: report.sh RESULTS OUT}
die() { echo "report.sh: $*" >&2; exit 1; }
[ -s "$res/runs" ] || die "no runs recorded in $res/runs (did the guest get that far?)"
mkdir -p "$out"

# envjson FILE: KEY=VALUE lines as one JSON object.
envjson() { jq -Rn '[inputs | capture("^(?<k>[^=]+)=(?<v>.*)$") | {(.k): .v}] | add // {}' <"$1"; }

# One object per run, the same fields whichever tool ran it.  Latency is
# submission to completion: nvdirect-perf's (-L), fio's lat_ns (slat + clat).
while read -r series qd rep status irqs; do
	f=$res/raw/$series.qd$qd.rep$rep.json
	if [ "$status" = ok ]; then
		jq -c --arg s "$series" --argjson qd "$qd" --argjson rep "$rep" --argjson irqs "$irqs" '
			if has("jobs") then .jobs[0] | (.usr_cpu + .sys_cpu) as $cpu | .read | {iops, ios: .total_ios,
				avg_us: (.lat_ns.mean / 1000), p99_us: (.lat_ns.percentile["99.000000"] / 1000), cpu_pct: $cpu}
			else .cpu.busy_pct as $cpu | .total | {iops, ios, avg_us, p99_us: .percentiles_us["99"], cpu_pct: $cpu} end
			| {series: $s, qd: $qd, rep: $rep, status: "ok", irqs: $irqs} + .' "$f" ||
			die "cannot read $f"
	else
		jq -nc --arg s "$series" --argjson qd "$qd" --argjson rep "$rep" --arg st "$status" \
			--rawfile err "${f%.json}.err" '{series: $s, qd: $qd, rep: $rep, status: $st, error: ($err | rtrimstr("\n"))}'
	fi
done <"$res/runs" | jq -s . >"$out/runs.json"

jq -n --slurpfile runs "$out/runs.json" --argjson bench "$(envjson "$res/bench.env")" \
	--argjson guest "$(envjson "$res/guest.env")" -f "$here/aggregate.jq" >"$out/results.json"

# The table.
R=$out/results.json
num() { jq -r "$1" "$R"; }
fmt_row() {	# label qd iops min max avg p99 irq/IO cpu ratio status error
	if [ "${11}" = ok ]; then
		printf '%-46s %5s %10.0f  %-17s %9.1f %9.1f %7.2f %5s %7.2fx\n' "$1" "$2" "$3" \
			"$(printf '%.0f..%.0f' "$4" "$5")" "$6" "$7" "$8" "$9" "${10}"
	elif [ "${11}" = unsupported ]; then
		printf '%-46s %5s  n/a (not supported by this build)\n' "$1" "$2"
	else
		printf '%-46s %5s  failed: %s\n' "$1" "$2" "${12}"
	fi
}
rows() {	# jq path to an array of aggregated rows
	jq -r "($1)[] | [.label, .qd, .iops // 0, .iops_min // 0, .iops_max // 0, .avg_us // 0,
		.p99_us // 0, .irqs_per_io // 0, (.cpu_pct // null | if . then round | tostring else \"-\" end),
		.ratio // 0, .status, (.error // \"\" | gsub(\"[\\t\\n]\"; \" \"))] | @tsv" "$R" |
		while IFS=$'\t' read -r l q i mn mx a p irq c r st e; do fmt_row "$l" "$q" "$i" "$mn" "$mx" "$a" "$p" "$irq" "$c" "$r" "$st" "$e"; done
}
{
	echo "nvdirect benchmark: 4 KiB random read, QEMU $(num .config.qemu) nvme on null-co (TCG, -smp $(num .config.guest_cpus))"
	echo "guest kernel $(num .config.kernel), clocksource $(num .config.clocksource), $(num .config.reps) x $(num .config.seconds) s per run (+$(num .config.warmup_s) s warm-up), median of the repetitions"
	echo "host: $(num .config.host_cpus) CPUs, load average $(num .config.host_load_at_start) at the start, $(num '.config.host_load_at_end // "?"') at the end"
	echo "latency: submission to completion in microseconds (nvdirect-perf -L; fio lat_ns); irq/IO: nvme interrupts per I/O; CPU%: of one CPU, fio usr+sys, nvdirect-perf's busy time when it reports one"
	echo
	printf '%-46s %5s %10s  %-17s %9s %9s %7s %5s %8s\n' series QD IOPS min..max 'avg us' 'p99 us' irq/IO CPU% 'x kbest'
	rows '.main | map(select(.qd == 1))'
	rows '.main | map(select(.qd == 32))'
	echo
	jq -r '.kernel_best[] | "kernel'"'"'s best at QD\(.qd): \(.label), \(.iops | floor) IOPS"' "$R"
	echo
	echo "scaling at QD32 per thread (in flight = threads x 32; -P splits a thread's 32 across its queue pairs)"
	printf '%-46s %5s %10s  %-17s %9s %9s %7s %5s %8s\n' series QD IOPS min..max 'avg us' 'p99 us' irq/IO CPU% 'x 1 thr'
	rows .scaling
	echo
	echo "target, as measured in this boot: nvdirect polling >= 3x the kernel's best IOPS at QD1 and QD32, with lower p99"
	jq -r '.target[] | "  QD\(.qd): " + (if .ratio == null then "not measured (\(.why))" else
		"\(.ratio * 100 | round / 100)x \(.kernel_label) (\(.nvd_iops | floor) vs \(.kernel_iops | floor) IOPS): " +
		(if .iops_met then "met" else "NOT met" end) +
		"; p99 \(.nvd_p99_us * 10 | round / 10) vs \(.kernel_p99_us * 10 | round / 10) us: " +
		(if .p99_met then "lower, met" else "NOT lower" end) end)' "$R"
	jq -r '.notes[]' "$R" | while read -r n; do echo "note: $n" | fold -s -w 110 | sed 's/ *$//; 2,$s/^/      /'; done
} | tee "$out/table.txt"

# The chart: IOPS and p99 per series at QD1 and QD32, and the scaling runs.
jq -r '.main | group_by(.series) | sort_by(.[0].order)[] |
	[(.[0].short + (if .[0].status == "ok" then "" else " (n/a)" end)), (map(select(.qd == 1))[0].iops // "NaN"), (map(select(.qd == 32))[0].iops // "NaN"),
	 (map(select(.qd == 1))[0].p99_us // "NaN"), (map(select(.qd == 32))[0].p99_us // "NaN")] |
	"\"\(.[0])\" \(.[1]) \(.[2]) \(.[3]) \(.[4])"' "$R" >"$out/main.dat"
jq -r '.scaling[] | "\"\(.short)\" \(.iops // "NaN")"' "$R" >"$out/scaling.dat"
title="4 KiB random read, QEMU $(num .config.qemu) nvme null-co (TCG), guest $(num .config.kernel), median of $(num .config.reps) x $(num .config.seconds) s"
gnuplot -e "dir='$out'; ttl='$title'" "$here/chart.gp" 2>"$out/gnuplot.log" ||
	{ cat "$out/gnuplot.log" >&2; die "gnuplot failed"; }
