#!/usr/bin/env bash
# The guest half of scripts/bench.sh: inside one guest booted with the null
# layout (QEMU nvme on null-co, 0000:00:03.0), 4 KiB random reads through
# nvdirect-perf (polling, -E, --adaptive, more queue pairs or threads),
# through fio with nvdirect's engine (fio/fio-nvdirect.so), and through the
# kernel's nvme driver with fio (io_uring with and without hipri, fixed
# buffers and registered files, io_uring_cmd passthrough on /dev/ngXnY,
# libaio); and over NVMe/TCP to the kernel's own target on 127.0.0.1
# (tests/integration/tcp_target.sh, null_blk not memory backed): nvdirect-perf
# -r trtype:TCP, fio on the kernel's nvme-tcp initiator (with and without
# hipri), and fio on the target's /dev/nullb0 itself, the baseline without
# a transport.  The series and where they run are in series.sh.  Every
# single-thread run is pinned to CPU 0: nvdirect-perf by its default core
# mask 0x1, fio by --cpus_allowed=0.
# Repetitions are the outer loop and each one starts one third (1/REPS) further
# into the list of runs, so neither a burst of host load nor a place early
# or late in the boot lands on one series more than on another.  Each run
# leaves its tool's JSON in $NVD_RESULTS/raw/ and one line
# "SERIES QD REP STATUS IRQS" in $NVD_RESULTS/runs (STATUS ok, unsupported
# or failed; IRQS the nvme interrupts the guest took during the run, - over
# TCP, where the PCIe device's interrupts say nothing).
# Nothing here is judged: the host side (tests/bench/report.sh) aggregates.
# Usage (from tests/vm/run.sh): guest.sh SECONDS REPS "DEPTHS" "SERIES"
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NVD_BUILD:?set by tests/vm/run.sh}" "${NVD_KO:?set by tests/vm/run.sh}" "${NVD_RESULTS:?}"
. "$here/../integration/lib.sh"
. "$here/series.sh"
# reads need no memory behind them: null_blk returns without copying
TCP_NULLB="nr_devices=1 gb=1 memory_backed=0"
. "$here/../integration/tcp_target.sh"

usage="usage: guest.sh SECONDS REPS DEPTHS SERIES"
secs=${1:?$usage}
reps=${2:?$usage}
depths=${3:?$usage}
series=${4:?$usage}
BDF=0000:00:03.0
PERF=$NVD_BUILD/tools/nvdirect-perf
PERF_TRID="trtype:PCIe traddr:$BDF ns:1"	# nvd's target, unless the caller sets it
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

# irqs_since COUNT: the interrupts since irqs said COUNT; - while the run
# is one of the NVMe/TCP section's (NO_IRQ_COUNT set: loopback and null_blk
# raise none of the nvme device's)
irqs_since() { if [ -n "${NO_IRQ_COUNT:-}" ]; then echo -; else echo $(($(irqs) - $1)); fi; }

# record SERIES QD REP STATUS IRQS
record() { echo "$*" >>"$NVD_RESULTS/runs"; }

# nvd SERIES QD REP ARGS...: one nvdirect-perf run on PERF_TRID, with its latency
# histogram (-LL) in the JSON.  An option this build refuses (exit 2,
# "unknown option" or "not supported") is n/a, not a failure.
#
# Its interrupts are counted once, half a second before the run ends:
# nvdirect's vectors leave /proc/interrupts when nvdirect-perf closes the
# controller, so a count after it would miss them all (and one sample
# wakes the other vCPU once, not all the time).
nvd() {
	local series=$1 qd=$2 rep=$3 f rc i0 pid n
	shift 3
	f=$out/$series.qd$qd.rep$rep
	i0=$(irqs)
	"$PERF" -r "$PERF_TRID" -q "$qd" -o 4096 -w randread \
		-t "$secs" -a "$WARM" -LL --json "$@" >"$f.json" 2>"$f.err" &
	pid=$!
	for ((n = 1; n < secs + WARM; n++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 1
	done
	sleep 0.5
	n=$(irqs_since "$i0")
	wait "$pid"
	rc=$?
	if [ $rc -eq 0 ]; then
		record "$series" "$qd" "$rep" ok "$n"
	elif [ $rc -eq 2 ] && grep -qiE 'not supported|unknown option' "$f.err"; then
		record "$series" "$qd" "$rep" unsupported 0
	else
		record "$series" "$qd" "$rep" failed 0
		log "$series QD$qd rep $rep failed (exit $rc): $(head -c 300 "$f.err")"
	fi
}

# kfio SERIES QD REP FILENAME ARGS...: one fio run, against the kernel's
# block or generic device or (with --ioengine) nvdirect's engine.  json+
# adds the latency bins (lat_ns.bins) the CDF is drawn from.  Every fio run
# batches alike: half the depth, at most 16, submitted and reaped together
# (fio's defaults, batches of 1, make each I/O its own io_uring_enter() or
# its own doorbell; README, The fio engine).
kfio() {
	local series=$1 qd=$2 rep=$3 dev=$4 f rc i0 batch
	shift 4
	f=$out/$series.qd$qd.rep$rep
	batch=$((qd / 2 > 16 ? 16 : (qd / 2 < 1 ? 1 : qd / 2)))
	i0=$(irqs)
	fio --name="$series" --filename="$dev" --rw=randread --bs=4k \
		--iodepth="$qd" --time_based --runtime="$secs" --ramp_time="$WARM" \
		--iodepth_batch_submit="$batch" --iodepth_batch_complete_min="$batch" \
		--norandommap --randrepeat=0 --lat_percentiles=1 --group_reporting \
		--output-format=json+ --output="$f.json" "$@" >"$f.err" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		record "$series" "$qd" "$rep" ok "$(irqs_since "$i0")"
	else
		record "$series" "$qd" "$rep" failed 0
		log "$series QD$qd rep $rep failed (exit $rc): $(head -c 300 "$f.err")"
	fi
}

# nvme_with_poll_queues: the kernel driver owns the controller, with
# POLL_QUEUES polled queues besides its interrupt-driven ones; sets $blk
# (the namespace's block device) and $chr (its generic character device,
# for io_uring_cmd passthrough).
nvme_with_poll_queues() {
	if [ "$(cat /sys/module/nvme/parameters/poll_queues 2>/dev/null)" != "$POLL_QUEUES" ]; then
		unbind "$BDF"
		rmmod nvme 2>/dev/null
		modprobe nvme poll_queues=$POLL_QUEUES || fail "modprobe nvme poll_queues=$POLL_QUEUES"
	fi
	bind_to nvme "$BDF"
	blk=$(kdev "$BDF" 1) || fail "no block device for $BDF namespace 1"
	[ "$(cat "/sys/block/${blk#/dev/}/queue/io_poll")" = 1 ] ||
		fail "$blk has no poll queues (queue/io_poll is 0): hipri would not poll"
	# nvmeXnY's generic device is ngXnY (NVMe generic char devices, 5.13+)
	chr=/dev/ng${blk#/dev/nvme}
	wait_for 10 test -c "$chr" || fail "no generic device $chr beside $blk"
}

# tcp_up: the kernel's NVMe/TCP target on 127.0.0.1:TCP_PORT over
# /dev/nullb0, once per boot.
tcp_up() {
	[ -n "${tcp_is_up:-}" ] && return 0
	tcp_target_up
	tcp_is_up=1
	echo "tcp_target=nvmet-tcp 127.0.0.1:$TCP_PORT $TCP_NQN, null_blk $TCP_NULLB" >>"$NVD_RESULTS/guest.env"
}

# ktcp_connected: the kernel's nvme-tcp initiator connected to the target,
# with POLL_QUEUES polled queues when nvme-cli and the driver take them
# (nvme connect --nr-poll-queues); sets $tblk, its namespace's block device
# (the multipath head nvmeXnY, not a path nvmeXcYnZ), once per boot.  When
# it cannot, returns 1 with the reason in $ktcp_err: those runs fail, the
# others go on.
ktcp_err=
ktcp_connected() {
	local b msg
	[ -n "${tblk:-}" ] && return 0
	[ -z "$ktcp_err" ] || return 1
	tcp_up
	ktcp_err="no nvme-cli: the kernel's nvme-tcp initiator cannot be connected"
	command -v nvme >/dev/null || return 1
	ktcp_err="modprobe nvme-tcp failed"
	modprobe nvme-tcp || return 1
	if ! msg=$(nvme connect -t tcp -a 127.0.0.1 -s "$TCP_PORT" -n "$TCP_NQN" --nr-poll-queues="$POLL_QUEUES" 2>&1 >/dev/null); then
		ktcp_err="nvme connect -t tcp -a 127.0.0.1 -s $TCP_PORT -n $TCP_NQN --nr-poll-queues=$POLL_QUEUES: ${msg:-failed}"
		return 1
	fi
	for _ in $(seq 100); do
		# a disk's parent is its subsystem (multipath head) or controller,
		# both with subsysnqn
		for b in /sys/block/nvme*n*; do
			case ${b##*/} in nvme*c*) continue ;; esac
			[ "$(cat "$(realpath "$b")/../subsysnqn" 2>/dev/null)" = "$TCP_NQN" ] && tblk=/dev/${b##*/}
		done
		[ -n "${tblk:-}" ] && [ -b "$tblk" ] && break
		tblk=
		sleep 0.1
	done
	ktcp_err="no namespace block device for $TCP_NQN after nvme connect"
	[ -n "${tblk:-}" ] || return 1
	ktcp_err=
	echo "ktcp=$tblk, nr_poll_queues=$POLL_QUEUES, io_poll=$(cat "/sys/block/${tblk#/dev/}/queue/io_poll")" >>"$NVD_RESULTS/guest.env"
}

PIN=(--cpus_allowed=0)
PIN2=(--cpus_allowed=0-1 --cpus_allowed_policy=split)
FB=(--fixedbufs=1 --registerfiles=1)

# run_one SERIES QD REP: one run of the series (the driver is bound).
run_one() {
	local s=$1 qd=$2 rep=$3
	case $s in
	nvd) nvd "$s" "$qd" "$rep" ;;
	nvd-E) nvd "$s" "$qd" "$rep" -E ;;
	nvd-A) nvd "$s" "$qd" "$rep" --adaptive ;;
	nvd-P2) nvd "$s" "$qd" "$rep" -P 2 ;;
	nvd-P4) nvd "$s" "$qd" "$rep" -P 4 ;;
	nvd-2t) nvd "$s" "$qd" "$rep" -c 0x3 ;;
	nvd-fio)
		if [ -f "$ENGINE" ]; then
			kfio "$s" "$qd" "$rep" "trtype=PCIe traddr=${BDF//:/.} ns=1" \
				--ioengine="$ENGINE" --thread=1 "${PIN[@]}"
		else
			echo "no fio engine at $ENGINE (scripts/build.sh could not fetch fio's source)" \
				>"$out/$s.qd$qd.rep$rep.err"
			record "$s" "$qd" "$rep" unsupported 0
		fi ;;
	uring) kfio "$s" "$qd" "$rep" "$blk" --direct=1 --ioengine=io_uring "${FB[@]}" "${PIN[@]}" ;;
	hipri) kfio "$s" "$qd" "$rep" "$blk" --direct=1 --ioengine=io_uring --hipri=1 "${PIN[@]}" ;;
	hipri-fb) kfio "$s" "$qd" "$rep" "$blk" --direct=1 --ioengine=io_uring --hipri=1 "${FB[@]}" "${PIN[@]}" ;;
	hipri-nopin) kfio "$s" "$qd" "$rep" "$blk" --direct=1 --ioengine=io_uring --hipri=1 ;;
	# passthrough: NVMe commands straight to the generic device, no block
	# layer bio; it takes no O_DIRECT (a character device)
	ucmd) kfio "$s" "$qd" "$rep" "$chr" --ioengine=io_uring_cmd --cmd_type=nvme "${FB[@]}" "${PIN[@]}" ;;
	ucmd-hipri) kfio "$s" "$qd" "$rep" "$chr" --ioengine=io_uring_cmd --cmd_type=nvme --hipri=1 "${FB[@]}" "${PIN[@]}" ;;
	libaio) kfio "$s" "$qd" "$rep" "$blk" --direct=1 --ioengine=libaio "${PIN[@]}" ;;
	hipri-2j) kfio "$s" "$qd" "$rep" "$blk" --direct=1 --ioengine=io_uring --hipri=1 "${FB[@]}" --numjobs=2 "${PIN2[@]}" ;;
	uring-2j) kfio "$s" "$qd" "$rep" "$blk" --direct=1 --ioengine=io_uring "${FB[@]}" --numjobs=2 "${PIN2[@]}" ;;
	# the NVMe/TCP section (NO_IRQ_COUNT: no nvme interrupt count)
	nvd-tcp) NO_IRQ_COUNT=1 PERF_TRID="$TCP_TRID ns:1" nvd "$s" "$qd" "$rep" ;;
	ktcp) NO_IRQ_COUNT=1 kfio "$s" "$qd" "$rep" "$tblk" --direct=1 --ioengine=io_uring "${FB[@]}" "${PIN[@]}" ;;
	ktcp-hipri)
		if [ "$(cat "/sys/block/${tblk#/dev/}/queue/io_poll")" = 1 ]; then
			NO_IRQ_COUNT=1 kfio "$s" "$qd" "$rep" "$tblk" --direct=1 --ioengine=io_uring --hipri=1 "${FB[@]}" "${PIN[@]}"
		else
			echo "$tblk has no poll queues (queue/io_poll is 0 after nvme connect --nr-poll-queues=$POLL_QUEUES)" \
				>"$out/$s.qd$qd.rep$rep.err"
			record "$s" "$qd" "$rep" unsupported 0
		fi ;;
	nullb) NO_IRQ_COUNT=1 kfio "$s" "$qd" "$rep" /dev/nullb0 --direct=1 --ioengine=io_uring "${FB[@]}" "${PIN[@]}" ;;
	*) fail "no such series '$s' (series.sh and run_one disagree)" ;;
	esac
}

{
	echo "kernel=$(uname -r)"
	echo "cmdline=$(cat /proc/cmdline)"
	echo "cpus=$(nproc)"
	echo "fio=$(fio --version)"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "poll_queues=$POLL_QUEUES"
	echo "warmup_s=$WARM"
	echo "depths=$depths"
	echo "series=$series"
} >"$NVD_RESULTS/guest.env"
grep -qw tsc=reliable /proc/cmdline || fail "the guest kernel was booted without tsc=reliable"

mapfile -t runs < <(bench_runs "$depths" "$series")
n=${#runs[@]}
[ "$n" -gt 0 ] || fail "no runs for depths '$depths' and series '$series'"
for ((rep = 1; rep <= reps; rep++)); do
	start=$(((rep - 1) * n / reps))
	log "repetition $rep of $reps: $n runs from ${runs[start]% *}"
	for ((i = 0; i < n; i++)); do
		read -r s qd drv <<<"${runs[(start + i) % n]}"
		case $drv in
		nvdirect) bind_to nvdirect "$BDF" ;;
		nvme) nvme_with_poll_queues ;;
		tcp | nullb) tcp_up ;;
		ktcp)
			if ! ktcp_connected; then
				echo "$ktcp_err" >"$out/$s.qd$qd.rep$rep.err"
				record "$s" "$qd" "$rep" failed 0
				log "$s QD$qd rep $rep failed: $ktcp_err"
				continue
			fi ;;
		esac
		run_one "$s" "$qd" "$rep"
	done
done
unbind "$BDF"
[ -z "${tcp_is_up:-}" ] || tcp_target_down
log "done: $(wc -l <"$NVD_RESULTS/runs") runs"
