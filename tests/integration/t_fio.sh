# The fio ioengine (fio/, built by scripts/build.sh against fio's own
# source): data it writes is what the kernel's driver reads and the other
# way round, several namespaces and jobs in one job file, trim, the engine
# options, and the words when it cannot run.

FIO_ENGINE=$BIN/fio/fio-nvdirect.so

# fio_engine_built: the engine exists, or the test fails saying why.
fio_engine_built() {
	[ -f "$FIO_ENGINE" ] ||
		fail "no fio engine at $FIO_ENGINE: scripts/build.sh did not build it (could it fetch fio's source? see its output)"
}
# fio_fname BDF NSID: the engine's filename for a namespace (SPDK's syntax).
fio_fname() { echo "trtype=PCIe traddr=${1//:/.} ns=$2"; }
# fio_nvd ARGS...: fio through the engine.
fio_nvd() { fio --ioengine="$FIO_ENGINE" --thread=1 "$@"; }
# fio_json FILE JQ: one value of fio's --output-format=json (fio's notes
# on stdout before the JSON skipped).
fio_json() { sed -n '/^{/,$p' "$1" | jq -r "$2"; }
# fio_ok OUT: fio's JSON says every job ran without error.
fio_ok() {
	local n
	n=$(fio_json "$1" '[.jobs[] | select(.error != 0)] | length') || fail "fio wrote no JSON: $(cat "$1")"
	[ -n "$n" ] || fail "fio wrote no JSON: $(cat "$1")"
	[ "$n" = 0 ] || fail "$n fio jobs ended with an error: $(jq -c '[.jobs[] | {jobname, error}]' "$1")"
}

# The workload both sides run: 8 MiB of 4 KiB random writes with crc32c
# headers at 16 MiB; verify_only replays it (randrepeat: same offsets).
FIO_XJOB=(--name=xcheck --rw=randwrite --bs=4k --offset=16m --size=8m --verify=crc32c)

test_fio_write_and_crc32c_verify_through_the_engine() {
	fio_engine_built
	bind_to nvdirect "$CTRL0"
	fio_nvd "${FIO_XJOB[@]}" --iodepth=16 --filename="$(fio_fname "$CTRL0" 1)" \
		--output-format=json >/tmp/fio.json 2>/tmp/fio.err ||
		{ cat /tmp/fio.err /tmp/fio.json; fail "fio write+verify through the engine failed"; }
	fio_ok /tmp/fio.json
	[ "$(fio_json /tmp/fio.json '.jobs[0].write.io_bytes')" = $((8 << 20)) ] || fail "not 8 MiB written"
	[ "$(fio_json /tmp/fio.json '.jobs[0].read.io_bytes')" = $((8 << 20)) ] || fail "not 8 MiB read back to verify"
	# latency percentiles come with it
	[ "$(fio_json /tmp/fio.json '.jobs[0].write.clat_ns.percentile["99.000000"]')" -gt 0 ] ||
		fail "no 99th percentile of the write latency"
	# and the submission latency: an engine with a commit hook reports it itself
	fio_slat_sane /tmp/fio.json write 2048
}

# fio_slat_sane OUT DIR N: fio reported the submission latency of N I/Os of
# DIR, each above 0 (fio counts an issue time left from the io_u's last use
# as 0) and within the job's run time.
fio_slat_sane() {
	local n min max run
	n=$(fio_json "$1" ".jobs[0].$2.slat_ns.N")
	min=$(fio_json "$1" ".jobs[0].$2.slat_ns.min")
	max=$(fio_json "$1" ".jobs[0].$2.slat_ns.max")
	run=$(fio_json "$1" '.jobs[0].job_runtime')
	[ "$n" = "$3" ] || fail "submission latency of $n ${2}s, not of all $3"
	[ "$min" -gt 0 ] && [ "$max" -le $((run * 1000000)) ] ||
		fail "${2}s' submission latency from $min to $max ns in a job of $run ms"
}

test_fio_engine_writes_and_the_kernel_verifies() {
	local dev
	fio_engine_built
	bind_to nvdirect "$CTRL0"
	fio_nvd "${FIO_XJOB[@]}" --iodepth=32 --do_verify=0 --filename="$(fio_fname "$CTRL0" 1)" ||
		fail "fio write through the engine failed"
	bind_to nvme "$CTRL0"
	dev=$(kdev "$CTRL0" 1)
	fio "${FIO_XJOB[@]}" --ioengine=psync --direct=1 --filename="$dev" --verify_only \
		--output-format=json >/tmp/fio.json 2>/tmp/fio.err ||
		{ cat /tmp/fio.err /tmp/fio.json; fail "the kernel's driver does not verify what the engine wrote"; }
	fio_ok /tmp/fio.json
	[ "$(fio_json /tmp/fio.json '.jobs[0].read.io_bytes')" = $((8 << 20)) ] ||
		fail "the kernel side verified less than 8 MiB"
	# and the same verify over blocks the job did not write fails: it checks
	expect_fail "verify_only of blocks never written" \
		fio "${FIO_XJOB[@]}" --offset=40m --ioengine=psync --direct=1 --filename="$dev" \
		--verify_only --output=/dev/null
}

test_fio_kernel_writes_and_the_engine_verifies() {
	local dev
	fio_engine_built
	bind_to nvme "$CTRL0"
	dev=$(kdev "$CTRL0" 2)
	# namespace 2: 4 KiB LBAs; md5 this time
	fio "${FIO_XJOB[@]}" --verify=md5 --ioengine=psync --direct=1 --do_verify=0 --filename="$dev" ||
		fail "fio write through the kernel's driver failed"
	bind_to nvdirect "$CTRL0"
	# create_serialize=0: fio sets the files up in the job thread, after init()
	fio_nvd "${FIO_XJOB[@]}" --verify=md5 --iodepth=8 --verify_only --create_serialize=0 \
		--filename="$(fio_fname "$CTRL0" 2)" --output-format=json >/tmp/fio.json 2>/tmp/fio.err ||
		{ cat /tmp/fio.err /tmp/fio.json; fail "the engine does not verify what the kernel wrote"; }
	fio_ok /tmp/fio.json
	[ "$(fio_json /tmp/fio.json '.jobs[0].read.io_bytes')" = $((8 << 20)) ] ||
		fail "the engine verified less than 8 MiB"
}

# Three namespaces on two controllers (one with mdts=2: 16 KiB transfers,
# larger ones split) in one job, two job threads: each its own queue pairs,
# one attach per controller, I/O memory registered with both.
test_fio_two_namespaces_two_controllers_numjobs_2() {
	local files
	fio_engine_built
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	files="$(fio_fname "$CTRL0" 1):$(fio_fname "$CTRL0" 2):$(fio_fname "$CTRL1" 1)"
	fio_nvd --name=multi --filename="$files" --numjobs=2 --offset_increment=16m \
		--rw=randrw --rwmixread=30 --bsrange=4k-64k --iodepth=8 --size=24m --offset=8m \
		--verify=crc32c --output-format=json >/tmp/fio.json 2>/tmp/fio.err ||
		{ cat /tmp/fio.err /tmp/fio.json; fail "fio over 3 namespaces with numjobs=2 failed"; }
	fio_ok /tmp/fio.json
	[ "$(fio_json /tmp/fio.json '.jobs | length')" = 2 ] || fail "expected 2 jobs in fio's JSON"
	for j in 0 1; do
		[ "$(fio_json /tmp/fio.json ".jobs[$j].write.io_bytes")" -gt 0 ] || fail "job $j wrote nothing"
		[ "$(fio_json /tmp/fio.json ".jobs[$j].read.io_bytes")" -gt 0 ] || fail "job $j read nothing"
	done
	for b in "$CTRL0" "$CTRL1"; do
		[ "$(cat "$(nvd_sys "$b")/owner_pid")" = 0 ] || fail "$b still owned after fio"
	done
}

test_fio_trim_then_read_gives_zeroes() {
	local f
	fio_engine_built
	bind_to nvdirect "$CTRL0"
	f=$(fio_fname "$CTRL0" 1)
	set -- --name=trim --filename="$f" --bs=64k --offset=48m --size=4m --iodepth=4
	fio_nvd "$@" --rw=write --verify=pattern --verify_pattern=0x5a5a5a5a --do_verify=0 ||
		fail "writing the pattern failed"
	# the blocks are not zero yet: the zero verify below can fail
	expect_fail "zero verify before the trim" \
		fio_nvd "$@" --rw=write --verify=pattern --verify_pattern=0 --verify_only --output=/dev/null
	fio_nvd "$@" --rw=trim --output-format=json >/tmp/fio.json || fail "trim through the engine failed"
	fio_ok /tmp/fio.json
	[ "$(fio_json /tmp/fio.json '.jobs[0].trim.io_bytes')" = $((4 << 20)) ] || fail "not 4 MiB trimmed"
	fio_nvd "$@" --rw=write --verify=pattern --verify_pattern=0 --verify_only ||
		fail "deallocated blocks do not read back as zeroes"
}

# fio_irq_count DEV: interrupts delivered so far on /dev/nvdirectN's routed
# MSI-X vectors (their /proc/interrupts lines exist while a process owns them).
fio_irq_count() {
	awk -v n=" $(basename "$1")-v" 'index($0, n) { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i }
		END { print s + 0 }' /proc/interrupts
}

# Interrupt mode, no shadow doorbells, a doorbell per queue() (not the
# default delayed ones), registered memory with one controller: the same verified I/O, and the queue pair's MSI-X
# vector takes interrupts while fio runs.
test_fio_engine_options_interrupts_and_doorbells() {
	local dev pid irqs=0 n
	fio_engine_built
	bind_to nvdirect "$CTRL0"
	dev=$(nvd_dev "$CTRL0")
	fio_nvd --name=opts --filename="$(fio_fname "$CTRL0" 1)" --rw=randwrite --bs=4k --size=2m \
		--offset=64m --iodepth=8 --iodepth_batch=4 --verify=crc32c --rate_iops=500 \
		--nvd_interrupts=1 --nvd_shadow_doorbells=0 --nvd_delay_doorbells=0 --nvd_queue_size=16 \
		--nvd_registered_mem=1 \
		--output-format=json >/tmp/fio.json 2>/tmp/fio.err &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		n=$(fio_irq_count "$dev")
		[ "$n" -gt "$irqs" ] && irqs=$n
		sleep 0.2
	done
	wait $pid || { cat /tmp/fio.err /tmp/fio.json; fail "fio with the engine's options failed"; }
	fio_ok /tmp/fio.json
	[ "$(fio_json /tmp/fio.json '.jobs[0].read.io_bytes')" = $((2 << 20)) ] || fail "not 2 MiB verified"
	fio_slat_sane /tmp/fio.json write 512
	[ "$irqs" -gt 0 ] || fail "no interrupt on $dev's vectors while fio ran: nvd_interrupts=1 was not used"
	note "$irqs interrupts"
}

# fio_sq_doorbells FILE: the SQ doorbell register writes of the job's I/O
# queue pair, from the line NVDIRECT_DEBUG=1 prints when it is freed.
fio_sq_doorbells() {
	sed -n 's/^nvdirect: qid [0-9]*: shadow doorbells o[nf]*; SQ doorbell writes \([0-9]*\) .*/\1/p' "$1"
}

# The doorbell options reach the queue pair: shadow doorbells on by default
# (QEMU's controller offers Doorbell Buffer Config) and off on request;
# then with nvd_delay_doorbells=0 every read rings the SQ tail register,
# with delayed doorbells (the default) one write per fio commit (every
# iodepth_batch_submit io_us, and before fio waits).
test_fio_engine_doorbell_options_reach_the_queue_pair() {
	local n=2048 sq
	fio_engine_built
	bind_to nvdirect "$CTRL0"
	set -- --name=db --filename="$(fio_fname "$CTRL0" 1)" --rw=read --bs=4k --size=$((n * 4))k \
		--iodepth=16 --output=/dev/null
	NVDIRECT_DEBUG=1 fio_nvd "$@" 2>/tmp/fio.dbg || { cat /tmp/fio.dbg; fail "fio with default doorbells failed"; }
	grep -qE '^nvdirect: qid [0-9]+: shadow doorbells on;' /tmp/fio.dbg ||
		fail "shadow doorbells not on by default: $(grep 'qid' /tmp/fio.dbg)"

	NVDIRECT_DEBUG=1 fio_nvd "$@" --nvd_shadow_doorbells=0 --nvd_delay_doorbells=0 2>/tmp/fio.dbg ||
		{ cat /tmp/fio.dbg; fail "fio with nvd_shadow_doorbells=0 nvd_delay_doorbells=0 failed"; }
	grep -qE '^nvdirect: qid [0-9]+: shadow doorbells off; SQ doorbell writes [0-9]+ \(shadow 0\), CQ doorbell writes [0-9]+ \(shadow 0\)' /tmp/fio.dbg ||
		fail "nvd_shadow_doorbells=0 left them on: $(grep 'qid' /tmp/fio.dbg)"
	sq=$(fio_sq_doorbells /tmp/fio.dbg)
	[ "${sq:-0}" -ge $n ] || fail "$sq SQ doorbell writes for $n reads, each ringing its own"
	note "$sq SQ doorbell writes for $n reads"

	NVDIRECT_DEBUG=1 fio_nvd "$@" --nvd_shadow_doorbells=0 \
		--iodepth_batch_submit=16 --iodepth_batch_complete_min=16 2>/tmp/fio.dbg ||
		{ cat /tmp/fio.dbg; fail "fio with delayed doorbells in batches of 16 failed"; }
	sq=$(fio_sq_doorbells /tmp/fio.dbg)
	[ -n "$sq" ] && [ "$sq" -gt 0 ] && [ "$sq" -le $((n / 4)) ] ||
		fail "delayed doorbells: ${sq:-no} SQ doorbell writes for $n reads in batches of 16 (at most $((n / 4)) expected)"
	note "delayed: $sq SQ doorbell writes for $n reads"
}

test_fio_engine_refusals_name_the_problem() {
	local f out
	fio_engine_built
	bind_to nvdirect "$CTRL0"
	f=$(fio_fname "$CTRL0" 1)
	set -- --name=bad --rw=read --bs=4k --size=1m --output=/dev/null
	# fio splits filenames at ':', so a PCI address with colons arrives cut
	out=$(fio_nvd "$@" --filename="trtype=PCIe traddr=$CTRL0 ns=1" 2>&1) && fail "colons accepted"
	echo "$out" | grep -qF "nvdirect: filename 'trtype=PCIe traddr=0000': traddr '0000' is not a PCI address (DDDD:BB:DD.F); expected 'trtype=PCIe traddr=DDDD.BB.DD.F ns=N' or 'trtype=TCP adrfam=IPv4 traddr=ADDR trsvcid=PORT subnqn=NQN ns=N' (dots for the colons of a PCI address, '\\:' for those of an NQN)" ||
		fail "bad filename: $out"
	out=$(fio --ioengine="$FIO_ENGINE" "$@" --filename="$f" 2>&1) && fail "ran without thread=1"
	echo "$out" | grep -qF "nvdirect: the engine runs jobs as threads of one process sharing each controller: add thread=1 (--thread)" ||
		fail "no thread=1: $out"
	out=$(fio_nvd "$@" --filename="$f" --iodepth=300 --nvd_queue_size=256 2>&1) && fail "iodepth 300 on 256 entries"
	echo "$out" | grep -qF "nvdirect: iodepth=300 exceeds the 255 commands a queue of nvd_queue_size=256 holds" ||
		fail "iodepth above the queue: $out"
	out=$(fio_nvd "$@" --filename="$f" --iodepth=16 --nvd_queue_size=16 2>&1) && fail "iodepth 16 on 16 entries"
	echo "$out" | grep -qF "nvdirect: iodepth=16 exceeds the 15 commands a queue of nvd_queue_size=16 holds" ||
		fail "iodepth at the queue's size: $out"
	fio_nvd "$@" --filename="$f" --iodepth=15 --nvd_queue_size=16 || fail "iodepth 15 on 16 entries refused"
	out=$(fio_nvd "$@" --filename="$f" --nvd_queue_size=65536 2>&1) && fail "nvd_queue_size=65536 accepted"
	echo "$out" | grep -qE "nvdirect: nvd_queue_size=65536 is outside what $CTRL0 supports: 2\.\.[0-9]+ \(MQES\)" ||
		fail "queue above MQES: $out"
	out=$(fio_nvd "$@" --filename="$(fio_fname "$CTRL0" 9)" 2>&1) && fail "namespace 9 accepted"
	echo "$out" | grep -qF "nvdirect: $CTRL0 has no active namespace 9 (active: 1 2 3)" ||
		fail "unknown namespace: $out"
	out=$(fio_nvd "$@" --filename="$(fio_fname "$CTRL0" 3)" 2>&1) && fail "namespace 3 (metadata) accepted"
	echo "$out" | grep -qF "nvdirect: $CTRL0 namespace 3 has 8 bytes of metadata per LBA: nvdirect does no I/O on it" ||
		fail "namespace with metadata: $out"
	bind_to nvme "$CTRL0"
	out=$(fio_nvd "$@" --filename="$f" 2>&1) && fail "ran on a controller bound to nvme"
	echo "$out" | grep -qE "nvdirect: $CTRL0 is not bound to nvdirect \(bound:( none|[ 0-9a-f:.]*)\); bind it with 'nvdirect setup'" ||
		fail "unbound controller: $out"
}
