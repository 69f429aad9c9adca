#!/usr/bin/env bash
# bench.sh: nvdirect against the kernel's nvme driver, side by side, in one
# guest boot (QEMU nvme on null-co, tsc=reliable); with -T tcp, over NVMe/TCP
# against the kernel's nvme-tcp initiator.  Not part of the tests.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

. "$top/tests/bench/series.sh"

# Seconds a run costs beyond its measured ones and warm-up (tool start-up,
# attach, rebinding between drivers) and a guest boot, under TCG on 2 host
# CPUs: for the estimate below.
RUN_OVERHEAD=4 BOOT=90
DEFAULT_DEPTHS="1 32 64 128 256"
TCP_DEPTHS="1 32"

# estimate SECONDS REPS DEPTHS SERIES: the run's length in minutes.
estimate() {
	local n
	n=$(bench_runs "$3" "$4" | wc -l)
	echo $(((${2} * n * (${1} + 1 + RUN_OVERHEAD) + BOOT + 59) / 60))
}

usage() {
	cat <<USAGE
usage: scripts/bench.sh [-T pcie|tcp] [-t SECONDS] [-r REPS] [-q "DEPTHS"] [-s "SERIES"] [-k SERIES] [-d US]
Boots one guest (tests/vm/run.sh -l null: QEMU's nvme on a null-co backend,
no file cost; kernel command line with tsc=reliable) and measures 4 KiB
random reads, REPS times each, rotating the order of the runs between
repetitions.  Series (-s; * = not in the default run):
  nvd          nvdirect-perf (polling), at every depth of -q
  nvd-E        nvdirect-perf -E (interrupts), QD1 and QD32
  nvd-A        nvdirect-perf --adaptive, QD1 and QD32 (n/a while refused)
  nvd-fio      fio + nvdirect's engine, QD1 and QD32 (n/a when not built)
  nvd-P2 nvd-P4*  nvdirect-perf -P 2 / -P 4 (1 thread, 32 in flight)
  nvd-2t       nvdirect-perf -c 0x3 (2 threads x 32)
  uring        kernel nvme, fio io_uring, fixed buffers (interrupts)
  hipri        kernel nvme, fio io_uring --hipri=1 (poll_queues=2)
  hipri-fb     the same with fixed buffers and registered files, every depth
  ucmd         io_uring_cmd passthrough on /dev/ngXnY (interrupts)
  ucmd-hipri   the same, polled (--hipri=1), every depth
  libaio*      kernel nvme, fio libaio
  hipri-nopin* hipri with fio not pinned to a CPU
  hipri-2j uring-2j*  numjobs=2, one per CPU
With -T tcp, instead (QD1 and QD32), over NVMe/TCP in the same guest: the
kernel's target (nvmet-tcp on 127.0.0.1:4420, a null_blk namespace, not
memory backed: reads move no memory on the target side) and
  nvd-tcp      nvdirect-perf -r 'trtype:TCP ... subnqn:...' (polling)
  ktcp         the kernel's nvme-tcp initiator (nvme connect
               --nr-poll-queues=2), fio io_uring on /dev/nvmeXnY, fixed buffers
  ktcp-hipri   the same, --hipri=1 (n/a when the disk has no poll queues)
  nullb        the target's /dev/nullb0 through fio io_uring, no transport:
               what TCP costs is the difference
Every single-thread run is pinned to CPU 0 (nvdirect-perf's default core
mask, fio --cpus_allowed=0); every fio run submits and reaps in batches
of half its depth, at most 16.  The kernel's best at a depth is the best of
its single-thread series there, named in the table.  Prints one table
(median IOPS, range, spread around the median, average and p99 latency,
CPU, ratio to the kernel's best), the deep-queue rows, the scaling rows
and issue 11's aims as met or NOT met (for TCP a table of its own: ratio to
the kernel's best nvme-tcp path and to the local null_blk); writes
build/bench/{table.txt,results.json,chart.png,latency.png}, per-run tool
output in build/bench/raw/.  Installs what it needs (tests/vm/deps.sh,
jq, gnuplot-nox) and builds first.
  -t SECONDS  measured seconds per run (default 10; each run also warms up 1 s)
  -r REPS     repetitions of every run (default 3)
  -q DEPTHS   queue depths (default "$DEFAULT_DEPTHS"); series that run
              only at QD1/QD32 skip the others
  -s SERIES   the series to run (default "$(bench_default_series)")
  -k SERIES   guest kernel series, e.g. 6.12 (default: oldest installed)
  -d US       every request of the emulated device takes US microseconds
              more (null-co latency-ns; default 0): a device with a flash
              SSD's service time, where adaptive polling has time to nap
  -T TRANSPORT  pcie (default) or tcp: which default series and depths;
              for tcp "$(bench_default_series tcp)" at "$TCP_DEPTHS"
              (-s may mix both)
  -h, --help  this text
The default run ($(bench_runs "$DEFAULT_DEPTHS" "$(bench_default_series)" | wc -l) runs x 3) takes about $(estimate 10 3 "$DEFAULT_DEPTHS" "$(bench_default_series)") minutes under TCG on an idle
host, -t 2 -r 1 about $(estimate 2 1 "$DEFAULT_DEPTHS" "$(bench_default_series)"); -T tcp ($(bench_runs "$TCP_DEPTHS" "$(bench_default_series tcp)" | wc -l) runs x 3) about $(estimate 10 3 "$TCP_DEPTHS" "$(bench_default_series tcp)"), -T tcp -t 2 -r 1
about $(estimate 2 1 "$TCP_DEPTHS" "$(bench_default_series tcp)"); longer on a loaded one.  Exits 1 when a run
failed (the table still shows the others), 2 on a bad option.
USAGE
}

secs=10 reps=3 kernel= depths= series= transport=pcie
while [ $# -gt 0 ]; do
	case $1 in
	-t) secs=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-r) reps=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-q) depths=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-s) series=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-k) kernel=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-d) dev_latency=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-T) transport=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case $transport in
pcie) : "${depths:=$DEFAULT_DEPTHS}" ;;
tcp) : "${depths:=$TCP_DEPTHS}" ;;
*) echo "bench.sh: -T '$transport': the transport is pcie or tcp" >&2; exit 2 ;;
esac
: "${series:=$(bench_default_series "$transport")}"
case $secs in '' | *[!0-9]* | 0) echo "bench.sh: -t '$secs': measured seconds must be a whole number, 1 or more" >&2; exit 2 ;; esac
case $reps in '' | *[!0-9]* | 0) echo "bench.sh: -r '$reps': repetitions must be a whole number, 1 or more" >&2; exit 2 ;; esac
case ${dev_latency:=0} in *[!0-9]*) echo "bench.sh: -d '$dev_latency': the device latency is whole microseconds" >&2; exit 2 ;; esac
[ "$dev_latency" -le 1000000 ] || { echo "bench.sh: -d $dev_latency: more than a second per request (1000000 us)" >&2; exit 2; }
depths=$(echo $depths | tr ',' ' ')
series=$(echo $series | tr ',' ' ')
for d in $depths; do
	case $d in *[!0-9]* | 0*) echo "bench.sh: -q '$d': a queue depth is a whole number, 1 or more" >&2; exit 2 ;; esac
	[ "$d" -le 1024 ] || { echo "bench.sh: -q $d exceeds 1024, the kernel nvme driver's default queue size" >&2; exit 2; }
done
for s in $series; do
	[[ " $(bench_all_series) " == *" $s "* ]] ||
		{ echo "bench.sh: -s '$s': no such series (one of: $(bench_all_series))" >&2; exit 2; }
done
nruns=$(bench_runs "$depths" "$series" | wc -l)
[ "$nruns" -gt 0 ] || { echo "bench.sh: -q '$depths' -s '$series': no series runs at those depths" >&2; exit 2; }

"$top/tests/vm/deps.sh" || die "installing the build and guest dependencies failed"
need=()
command -v jq >/dev/null || need+=(jq)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
if [ ${#need[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
		die "cannot install ${need[*]}"
fi
kver=$(guest_kernel "$kernel") || exit 1

# the fio engine as scripts/build.sh builds it; without fio's source the
# series "fio + nvdirect engine" is n/a
targets=(nvdirect-perf)
fio_src=
if [[ " $series " == *" nvd-fio "* ]]; then
	fio_src=$("$top/scripts/fio-source.sh") ||
		{ echo "bench: fio's source could not be fetched: the fio engine is not built" >&2; fio_src=; }
	[ -z "$fio_src" ] || targets+=(nvdirect_fio)
fi
cmake -S "$top" -B "$NVD_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNVD_FIO_SOURCE_DIR="$fio_src" >/dev/null ||
	die "cmake configure failed"
cmake --build "$NVD_BUILD" --target "${targets[@]}" -j "$(nproc)" -- --no-print-directory >/dev/null ||
	cmake --build "$NVD_BUILD" --target "${targets[@]}" -j1 || die "building ${targets[*]} failed"

# every timed run with its warm-up and a generous start-up, plus boot
timeout=$((reps * nruns * (secs + 1 + 20 + dev_latency / 10000) + 600))
out=$NVD_BUILD/bench
res=$NVD_BUILD/vm/$kver-null/results
rm -rf "$out"
mkdir -p "$out"
echo "bench: guest $kver, $transport ($series), $reps x $nruns runs of $secs s (about $(estimate "$secs" "$reps" "$depths" "$series") min); console in $out/console.log"
start=$(date +%s)
load=$(cut -d' ' -f1-3 /proc/loadavg)
"$top/tests/vm/run.sh" -k "$kver" -l null -D "$dev_latency" -a tsc=reliable -t "$timeout" -L "$out/console.log" -- \
	tests/bench/guest.sh "$secs" "$reps" "$depths" "$series" | grep --line-buffered -E '^(bench|run\.sh|guest-init|FAIL)'
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || echo "bench: the guest exited $rc; reporting what it measured (console: $out/console.log)" >&2
{
	echo "seconds=$secs"
	echo "reps=$reps"
	echo "device_latency_us=$dev_latency"
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
echo "bench: $out/table.txt, $out/results.json, $out/chart.png, $out/latency.png"
if grep -qw failed "$out/runs"; then
	echo "bench: some runs failed; their errors are in $out/raw/*.err and results.json" >&2
	exit 1
fi
exit "$rc"
