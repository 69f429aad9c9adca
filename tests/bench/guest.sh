#!/usr/bin/env bash
# The guest half of scripts/bench.sh: inside one guest booted with the null
# layout (QEMU nvme on null-co, 0000:00:03.0), 4 KiB random reads at QD1 and
# QD32 through nvdirect-perf (polling, -E), through fio with nvdirect's
# engine (fio/fio-nvdirect.so), and through the kernel's nvme
# driver with fio (io_uring, io_uring hipri on poll queues, libaio), then
# the scaling runs at QD32.  Repetitions are the outer loop, so a burst of
# load on the host lands on every series alike.  Each run leaves its tool's
# JSON in $NVD_RESULTS/raw/ and one line "SERIES QD REP STATUS IRQS" in
# $NVD_RESULTS/runs (STATUS ok, unsupported or failed; IRQS the nvme
# interrupts the guest took during the run).  Nothing here is judged: the
# host side (tests/bench/report.sh) aggregates.
# Usage (from tests/vm/run.sh): guest.sh SECONDS REPS
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NVD_BUILD:?set by tests/vm/run.sh}" "${NVD_KO:?set by tests/vm/run.sh}" "${NVD_RESULTS:?}"
. "$here/../integration/lib.sh"

secs=${1:?usage: guest.sh SECONDS REPS}
reps=${2:?usage: guest.sh SECONDS REPS}
BDF=0000:00:03.0
PERF=$NVD_BUILD/tools/nvdirect-perf
ENGINE=$NVD_BUILD/fio/fio-nvdirect.so
WARM=1			# seconds of I/O before measuring, every run
POLL_QUEUES=2		# one per guest CPU: fio numjobs=2 polls on its own queue
out=$NVD_RESULTS/raw
mkdir -p "$out"
: >"$NVD_RESULTS/runs"

log() { echo "bench: $*"; }

# Interrupts of the controller so far (every vector, every CPU): polled runs
# should add next to none.
irqs() { awk '/nvme|nvdirect/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts; }

# record SERIES QD REP STATUS IRQS
record() { echo "$*" >>"$NVD_RESULTS/runs"; }

# nvd SERIES QD REP ARGS...: one nvdirect-perf run.
nvd() {
	local series=$1 qd=$2 rep=$3 f rc i0
	shift 3
	f=$out/$series.qd$qd.rep$rep
	i0=$(irqs)
	"$PERF" -r "trtype:PCIe traddr:$BDF ns:1" -q "$qd" -o 4096 -w randread \
		-t "$secs" -a "$WARM" -L --json "$@" >"$f.json" 2>"$f.err"
	rc=$?
	if [ $rc -eq 0 ]; then
		record "$series" "$qd" "$rep" ok $(($(irqs) - i0))
	elif [ $rc -eq 2 ] && grep -qi 'not supported' "$f.err"; then
		record "$series" "$qd" "$rep" unsupported 0
	else
		record "$series" "$qd" "$rep" failed 0
		log "$series QD$qd rep $rep failed (exit $rc): $(head -c 300 "$f.err")"
	fi
}

# kfio SERIES QD REP FILENAME ARGS...: one fio run, against the kernel's
# block device or (with --ioengine) nvdirect's engine.
kfio() {
	local series=$1 qd=$2 rep=$3 dev=$4 f rc i0
	shift 4
	f=$out/$series.qd$qd.rep$rep
	i0=$(irqs)
	fio --name="$series" --filename="$dev" --direct=1 --rw=randread --bs=4k \
		--iodepth="$qd" --time_based --runtime="$secs" --ramp_time="$WARM" \
		--norandommap --randrepeat=0 --lat_percentiles=1 --group_reporting \
		--output-format=json --output="$f.json" "$@" >"$f.err" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		record "$series" "$qd" "$rep" ok $(($(irqs) - i0))
	else
		record "$series" "$qd" "$rep" failed 0
		log "$series QD$qd rep $rep failed (exit $rc): $(head -c 300 "$f.err")"
	fi
}

# nvme_with_poll_queues: the kernel driver owns the controller, with
# POLL_QUEUES polled queues besides its interrupt-driven ones; prints the
# namespace's block device.
nvme_with_poll_queues() {
	local dev
	if [ "$(cat /sys/module/nvme/parameters/poll_queues 2>/dev/null)" != "$POLL_QUEUES" ]; then
		unbind "$BDF"
		rmmod nvme 2>/dev/null
		modprobe nvme poll_queues=$POLL_QUEUES || fail "modprobe nvme poll_queues=$POLL_QUEUES"
	fi
	bind_to nvme "$BDF" >&2
	dev=$(kdev "$BDF" 1) || fail "no block device for $BDF namespace 1"
	[ "$(cat "/sys/block/${dev#/dev/}/queue/io_poll")" = 1 ] ||
		fail "$dev has no poll queues (queue/io_poll is 0): hipri would not poll"
	echo "$dev"
}

{
	echo "kernel=$(uname -r)"
	echo "cmdline=$(cat /proc/cmdline)"
	echo "cpus=$(nproc)"
	echo "fio=$(fio --version)"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "poll_queues=$POLL_QUEUES"
	echo "warmup_s=$WARM"
} >"$NVD_RESULTS/guest.env"
grep -qw tsc=reliable /proc/cmdline || fail "the guest kernel was booted without tsc=reliable"

for ((rep = 1; rep <= reps; rep++)); do
	log "repetition $rep of $reps: nvdirect"
	bind_to nvdirect "$BDF"
	for qd in 1 32; do
		nvd nvd "$qd" "$rep"
		nvd nvd-E "$qd" "$rep" -E
	done
	nvd nvd-2t 32 "$rep" -c 0x3
	nvd nvd-P2 32 "$rep" -P 2
	nvd nvd-P4 32 "$rep" -P 4
	for qd in 1 32; do
		if [ -f "$ENGINE" ]; then
			kfio nvd-fio "$qd" "$rep" "trtype=PCIe traddr=${BDF//:/.} ns=1" \
				--ioengine="$ENGINE" --thread=1
		else
			echo "no fio engine at $ENGINE (scripts/build.sh could not fetch fio's source)" \
				>"$out/nvd-fio.qd$qd.rep$rep.err"
			record nvd-fio "$qd" "$rep" unsupported 0
		fi
	done

	log "repetition $rep of $reps: kernel nvme driver"
	dev=$(nvme_with_poll_queues) || exit 1
	for qd in 1 32; do
		kfio uring "$qd" "$rep" "$dev" --ioengine=io_uring --fixedbufs=1 --registerfiles=1
		kfio hipri "$qd" "$rep" "$dev" --ioengine=io_uring --fixedbufs=1 --registerfiles=1 --hipri=1
		kfio libaio "$qd" "$rep" "$dev" --ioengine=libaio
	done
	kfio hipri-2j 32 "$rep" "$dev" --ioengine=io_uring --fixedbufs=1 --registerfiles=1 --hipri=1 --numjobs=2
	kfio uring-2j 32 "$rep" "$dev" --ioengine=io_uring --fixedbufs=1 --registerfiles=1 --numjobs=2
done
unbind "$BDF"
log "done: $(wc -l <"$NVD_RESULTS/runs") runs"
