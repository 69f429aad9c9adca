#!/usr/bin/env bash
# bench.sh: nvdirect against the kernel's nvme driver, side by side, in one
# guest boot (QEMU nvme on null-co, tsc=reliable).  Not part of the tests.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

usage() {
	cat <<USAGE
usage: scripts/bench.sh [-t SECONDS] [-r REPS] [-k SERIES]
Boots one guest (tests/vm/run.sh -l null: QEMU's nvme on a null-co backend,
no file cost; kernel command line with tsc=reliable) and measures 4 KiB
random reads at QD1 and QD32, REPS times each, for:
  nvdirect-perf (polling), nvdirect-perf -E (n/a while the build refuses it),
  the kernel nvme driver with fio io_uring (interrupts), io_uring hipri
  (nvme poll_queues=2) and libaio;
then the scaling at QD32: nvdirect-perf with 2 queue pairs, 4 queue pairs
(-P) and 2 threads x 1 queue pair (-c 0x3), fio with numjobs=2.
Prints one table (median IOPS, IOPS range, average and p99 latency, ratio
to the kernel's best IOPS at that depth, the 3x target check) and writes
build/bench/{table.txt,results.json,chart.png}, per-run tool output in
build/bench/raw/.  Installs what it needs (tests/vm/deps.sh, jq,
gnuplot-nox) and builds first.
  -t SECONDS  measured seconds per run (default 10; each run also warms up 1 s)
  -r REPS     repetitions of every run (default 3)
  -k SERIES   guest kernel series, e.g. 6.12 (default: oldest installed)
  -h, --help  this text
The default run takes about 12-15 minutes under TCG.  Exits 1 when a run
failed (the table still shows the others), 2 on a bad option.
USAGE
}

secs=10 reps=3 kernel=
while [ $# -gt 0 ]; do
	case $1 in
	-t) secs=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-r) reps=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-k) kernel=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case $secs in '' | *[!0-9]* | 0) echo "bench.sh: -t '$secs': measured seconds must be a whole number, 1 or more" >&2; exit 2 ;; esac
case $reps in '' | *[!0-9]* | 0) echo "bench.sh: -r '$reps': repetitions must be a whole number, 1 or more" >&2; exit 2 ;; esac

"$top/tests/vm/deps.sh" || die "installing the build and guest dependencies failed"
need=()
command -v jq >/dev/null || need+=(jq)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
if [ ${#need[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
		die "cannot install ${need[*]}"
fi
kver=$(guest_kernel "$kernel") || exit 1

cmake -S "$top" -B "$NVD_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || die "cmake configure failed"
cmake --build "$NVD_BUILD" --target nvdirect-perf -j "$(nproc)" -- --no-print-directory >/dev/null ||
	cmake --build "$NVD_BUILD" --target nvdirect-perf -j1 || die "building nvdirect-perf failed"

# 13 timed runs per repetition (the -E ones are refused at once while the
# build does not support it), each with its warm-up and start-up, plus boot.
timeout=$((reps * 13 * (secs + 1 + 20) + 600))
out=$NVD_BUILD/bench
res=$NVD_BUILD/vm/$kver-null/results
rm -rf "$out"
mkdir -p "$out"
echo "bench: guest $kver, null-co, $reps x $secs s per run; console in $out/console.log"
start=$(date +%s)
load=$(cut -d' ' -f1-3 /proc/loadavg)
"$top/tests/vm/run.sh" -k "$kver" -l null -a tsc=reliable -t "$timeout" -L "$out/console.log" -- \
	tests/bench/guest.sh "$secs" "$reps" | grep --line-buffered -E '^(bench|run\.sh|guest-init|FAIL)'
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || echo "bench: the guest exited $rc; reporting what it measured (console: $out/console.log)" >&2
{
	echo "seconds=$secs"
	echo "reps=$reps"
	echo "qemu=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')"
	echo "host_cpus=$(nproc)"
	echo "host_load_at_start=$load"
	echo "host_load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "wall_s=$(($(date +%s) - start))"
} >"$res/bench.env"
cp -r "$res/raw" "$res/runs" "$res/guest.env" "$res/bench.env" "$out/" 2>/dev/null
[ -s "$out/runs" ] || die "the guest recorded no runs (console: $out/console.log)"
"$top/tests/bench/report.sh" "$out" "$out" || exit 1
echo "bench: $out/table.txt, $out/results.json, $out/chart.png"
if grep -qw failed "$out/runs"; then
	echo "bench: some runs failed; their errors are in $out/raw/*.err and results.json" >&2
	exit 1
fi
exit "$rc"
