#!/usr/bin/env bash
# The host half of scripts/bench.sh after the guest is gone: turns what
# tests/bench/guest.sh left in RESULTS (raw/*.json, runs, guest.env, and
# bench.env from scripts/bench.sh) into OUT/results.json, OUT/table.txt
# (also printed), OUT/chart.png and OUT/latency.png.  Per series and queue
# depth: the median of the repetitions for IOPS, average and p99 latency,
# the IOPS range and spread, and the ratio to the kernel's best IOPS at that
# depth (the best of its single-thread series there, named); the NVMe/TCP
# series in a table of their own, against the kernel's nvme-tcp initiator
# and the local null_blk device.
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
	[ "$irqs" != - ] || irqs=null	# not counted (over TCP)
	if [ "$status" = ok ]; then
		jq -c --arg s "$series" --argjson qd "$qd" --argjson rep "$rep" --argjson irqs "$irqs" '
			if has("jobs") then .jobs[0] | (.usr_cpu + .sys_cpu) as $cpu | .read | {iops, ios: .total_ios,
				avg_us: (.lat_ns.mean / 1000), p99_us: (.lat_ns.percentile["99.000000"] / 1000), cpu_pct: $cpu}
			else .cpu.busy_pct as $cpu | .devices[0].io_queue_size as $qs | .total
				| {iops, ios, avg_us, p99_us: .percentiles_us["99"], cpu_pct: $cpu, io_queue_size: $qs} end
			| {series: $s, qd: $qd, rep: $rep, status: "ok", irqs: $irqs} + .' "$f" ||
			die "cannot read $f"
	else
		jq -nc --arg s "$series" --argjson qd "$qd" --argjson rep "$rep" --arg st "$status" \
			--rawfile err "${f%.json}.err" '{series: $s, qd: $qd, rep: $rep, status: $st, error: ($err | rtrimstr("\n"))}'
	fi
done <"$res/runs" | jq -s . >"$out/runs.json"

jq -n --slurpfile runs "$out/runs.json" --argjson bench "$(envjson "$res/bench.env")" \
	--argjson guest "$(envjson "$res/guest.env")" -f "$here/aggregate.jq" >"$out/results.json"

# The latency CDF of every QD1 and QD32 row of the main table, from all its
# repetitions' histograms together: nvdirect-perf's -LL buckets (counted at
# their upper edge), fio's json+ lat_ns bins (ns: count).  Points are
# [microseconds, percent of I/Os completed within].
R=$out/results.json
jq -r '(.main + .tcp)[] | select(.status == "ok") | "\(.series) \(.qd) \(.reps | map(.rep) | join(","))"' "$R" |
	while read -r series qd reps; do
		for rep in ${reps//,/ }; do
			jq -c '(if has("jobs") then .jobs[0].read.lat_ns.bins // {} | to_entries | map([(.key | tonumber) / 1000, .value])
				else (.total.histogram // [.devices[].histogram // empty] | flatten) | map([.end_us, .count]) end)[]' \
				"$res/raw/$series.qd$qd.rep$rep.json"
		done | jq -sc --arg s "$series" --argjson qd "$qd" '
			group_by(.[0]) | map([.[0][0], (map(.[1]) | add)]) | sort_by(.[0]) as $p
			| ($p | map(.[1]) | add) as $n
			| {series: $s, qd: $qd, ios: $n,
			   points: (if $n > 0 then reduce $p[] as $x ([]; . + [[$x[0], ((if length > 0 then .[-1][1] else 0 end) + $x[1])]])
				| map([(.[0] * 1000 | round / 1000), (.[1] / $n * 100 * 10000 | round / 10000)]) else [] end)}'
	done | jq -s . >"$out/cdf.json"
jq --slurpfile cdf "$out/cdf.json" '. + {latency_cdf: ([(.main + .tcp)[] | {series, qd, label: .label, short, order}] as $m
	| $cdf[0] | map(. as $c | ($m[] | select(.series == $c.series and .qd == $c.qd)) + $c))}' "$R" >"$R.tmp" && mv "$R.tmp" "$R"
rm -f "$out/cdf.json"

# The table.
num() { jq -r "$1" "$R"; }
# ratio V: "7.00x", or "-" when not measured
ratio() { if [ "$1" = - ]; then printf '%s' -; else printf '%.2fx' "$1"; fi; }
fmt_row() {	# label qd iops min max spread within avg p99 irq/IO cpu ratio extra status error
	local extra=
	[ "${13}" = "~" ] || extra=$(printf ' %7s' "$(ratio "${13}")")
	if [ "${14}" = ok ]; then
		printf '%-44s %4s %9.0f  %-16s %6s %4s %8.1f %8.1f %6s %4s %8s%s\n' "$1" "$2" "$3" \
			"$(printf '%.0f..%.0f' "$4" "$5")" "$6" "$7" "$8" "$9" \
			"$(if [ "${10}" = - ]; then echo -; else printf '%.2f' "${10}"; fi)" "${11}" "$(ratio "${12}")" "$extra"
	elif [ "${14}" = unsupported ]; then
		printf '%-44s %4s  n/a (not supported by this build: %.70s)\n' "$1" "$2" "${15}"
	else
		printf '%-44s %4s  failed: %s\n' "$1" "$2" "${15}"
	fi
}
# rows JQPATH [RATIO [EXTRA]]: the aggregated rows at JQPATH, the field
# RATIO (default ratio) in the last column, and EXTRA after it.
rows() {
	jq -r --arg ratio "${2:-ratio}" --arg extra "${3:-}" "
		def x(\$f): if \$f == \"\" then \"~\" else (.[\$f] // null | if . then tostring else \"-\" end) end;
		($1)[] | [.label, .qd, .iops // 0, .iops_min // 0, .iops_max // 0,
		(.spread_pct // null | if . then \"±\" + (. * 10 | round / 10 | tostring) + \"%\" else \"-\" end),
		(.within_10pct | if . == null then \"-\" elif . then \"yes\" else \"no\" end),
		.avg_us // 0, .p99_us // 0, (.irqs_per_io // \"-\"), (.cpu_pct // null | if . then round | tostring else \"-\" end),
		x(\$ratio), x(\$extra), .status, (.error // \"-\" | gsub(\"[\\t\\n]\"; \" \"))] | @tsv" "$R" |
		while IFS=$'\t' read -r l q i mn mx sp w a p irq c r e st err; do
			fmt_row "$l" "$q" "$i" "$mn" "$mx" "$sp" "$w" "$a" "$p" "$irq" "$c" "$r" "$e" "$st" "$err"
		done
}
header() { printf '%-44s %4s %9s  %-16s %6s %4s %8s %8s %6s %4s %8s%s\n' series QD IOPS min..max spread "<10%" 'avg us' 'p99 us' irq/IO CPU% "$1" "${2:+ $(printf '%7s' "$2")}"; }
nmain=$(num '.main | length') ntcp=$(num '.tcp | length')
{
	if [ "$nmain" -gt 0 ]; then
		echo "nvdirect benchmark: 4 KiB random read, QEMU $(num .config.qemu) nvme on null-co$(num '.config.device_latency_us // "0" | if . == "0" then "" else " with \(.) us added to every request" end') (TCG, -smp $(num .config.guest_cpus))"
	else
		echo "nvdirect benchmark over NVMe/TCP: 4 KiB random read, QEMU $(num .config.qemu) guest (TCG, -smp $(num .config.guest_cpus))"
	fi
	echo "guest kernel $(num .config.kernel), clocksource $(num .config.clocksource), $(num .config.reps) x $(num .config.seconds) s per run (+$(num .config.warmup_s) s warm-up), median of the repetitions, run order rotated between them"
	echo "host: $(num .config.host_cpus) CPUs, load average $(num .config.host_load_at_start) at the start, $(num '.config.host_load_at_end // "?"') at the end"
	echo "latency: submission to completion in microseconds (nvdirect-perf -L; fio lat_ns); spread: farthest repetition from the median; <10%: every repetition within 10% of it"
	echo "irq/IO: nvme interrupts per I/O; CPU%: of one CPU, fio usr+sys, nvdirect-perf's busy time; single-thread runs pinned to CPU 0"
	if [ "$nmain" -gt 0 ]; then
		echo
		header 'x kbest'
		rows '.main | map(select(.qd == 1))'
		rows '.main | map(select(.qd == 32))'
		echo
		jq -r '.kernel_best[] | "kernel'"'"'s best at QD\(.qd): \(.label), \(.iops | floor) IOPS, p99 \(.p99_us * 10 | round / 10) us"' "$R"
	fi
	if [ "$(num '.deep | length')" -gt 0 ]; then
		echo
		echo "deep queues (x kbest: against the kernel's best at that depth; x QD32: over the same series at QD32)"
		header 'x kbest' 'x QD32'
		rows .deep ratio scale
	fi
	if [ "$(num '.scaling | length')" -gt 0 ]; then
		echo
		echo "scaling at QD32 per thread (in flight = threads x 32; -P splits a thread's 32 across its queue pairs)"
		header 'x 1 thr'
		rows .scaling
	fi
	if [ "$ntcp" -gt 0 ]; then
		echo
		echo "over NVMe/TCP: $(num '.config.tcp_target // "the kernel'"'"'s target"'); kernel initiator $(num '.config.ktcp // "not connected"')"
		echo "(x ktcp: against the kernel's best nvme-tcp path at that depth; x local: against /dev/nullb0 read in the guest, no transport)"
		header 'x ktcp' 'x local'
		rows '.tcp | map(select(.qd == 1))' ratio local
		rows '.tcp | map(select(.qd != 1))' ratio local
		jq -r '.tcp_best[] | "kernel nvme-tcp best at QD\(.qd): \(.label), \(.iops | floor) IOPS, p99 \(.p99_us * 10 | round / 10) us"' "$R"
	fi
	if [ "$nmain" -gt 0 ]; then
		echo
		echo "issue 11's aims, as measured in this boot:"
		jq -r '.aims[] | "  \(.aim): " + (if .met == null then "" elif .met then "met, " else "NOT met, " end) + .text' "$R"
	fi
	jq -r '.notes[]' "$R" | while read -r n; do echo "note: $n" | fold -s -w 110 | sed 's/ *$//; 2,$s/^/      /'; done
} | tee "$out/table.txt"

# The charts: IOPS and p99 per series at QD1 and QD32, IOPS over the queue
# depth, and the scaling runs (chart.png); the latency CDFs (latency.png).
jq -r '(.main + .tcp) | group_by(.series) | sort_by(.[0].order)[] |
	[(.[0].short + (if .[0].status == "ok" then "" else " (n/a)" end)), (map(select(.qd == 1))[0].iops // "NaN"), (map(select(.qd == 32))[0].iops // "NaN"),
	 (map(select(.qd == 1))[0].p99_us // "NaN"), (map(select(.qd == 32))[0].p99_us // "NaN")] |
	"\"\(.[0])\" \(.[1]) \(.[2]) \(.[3]) \(.[4])"' "$R" >"$out/main.dat"
jq -r '.scaling[] | "\"\(.short)\" \(.iops // "NaN")"' "$R" >"$out/scaling.dat"
# one block per series (gnuplot index), a header line with its name, then QD IOPS
jq -r '[.deep[] | select(.status == "ok")] | group_by(.series) | sort_by(.[0].order)[]
	| "\"\(.[0].short)\"", (sort_by(.qd)[] | "\(.qd) \(.iops)"), "", ""' "$R" >"$out/deep.dat"
for qd in 1 32; do
	jq -r --argjson qd "$qd" '[.latency_cdf[] | select(.qd == $qd and (.points | length) > 0)] | sort_by(.order // 0)[]
		| "\"\(.short)\"", (.points[] | "\(.[0]) \(.[1])"), "", ""' "$R" >"$out/cdf.qd$qd.dat"
done
if [ "$nmain" -gt 0 ] && [ "$ntcp" -gt 0 ]; then where="nvme null-co and NVMe/TCP to nvmet on 127.0.0.1"
elif [ "$nmain" -gt 0 ]; then where="nvme null-co"
else where="NVMe/TCP to nvmet on 127.0.0.1 (null_blk)"; fi
title="4 KiB random read, QEMU $(num .config.qemu) $where (TCG), guest $(num .config.kernel), median of $(num .config.reps) x $(num .config.seconds) s"
gnuplot -e "dir='$out'; ttl='$title'" "$here/chart.gp" 2>"$out/gnuplot.log" ||
	{ cat "$out/gnuplot.log" >&2; die "gnuplot failed (chart.gp)"; }
gnuplot -e "dir='$out'; ttl='$title'" "$here/latency.gp" 2>>"$out/gnuplot.log" ||
	{ cat "$out/gnuplot.log" >&2; die "gnuplot failed (latency.gp)"; }
