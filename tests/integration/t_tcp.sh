# layouts: tcp
# NVMe/TCP (issue 13): nvd_tcp_probe brings up the admin queue
# of the kernel's own NVMe/TCP target (nvmet + nvmet-tcp, configured through
# configfs on 127.0.0.1 over a null_blk namespace) with the library's TCP
# code, and what it reads matches the target's configuration and what the
# kernel's nvme-tcp initiator reads; refusals come back in words.  hello_world
# and nvdirect-perf run over TCP through the public API (nvd_ctrlr_connect).

TCP_PROBE=$BIN/tests/integration/nvd_tcp_probe
TCP_ERR=/tmp/tcp_probe.err
# the target: TCP_NQN, TCP_PORT, TCP_TRID, NVMET, tcp_target_up/down
. "$(dirname "${BASH_SOURCE[0]}")/tcp_target.sh"

# field OUTPUT KEY: the value of "KEY : value" in OUTPUT.
tcp_field() { sed -n "s/^$2 *: //p" <<<"$1"; }

test_tcp_probe_identifies_the_kernel_target() {
	trap tcp_target_down EXIT
	tcp_target_up
	out=$("$TCP_PROBE" -r "$TCP_TRID") || { echo "$out"; fail "nvd_tcp_probe failed"; }
	echo "$out"
	[ "$(tcp_field "$out" subnqn)" = "$TCP_NQN" ] || fail "Identify's SUBNQN is not $TCP_NQN"
	[ "$(tcp_field "$out" mn)" = "$TCP_MODEL" ] || fail "Identify's MN is not $TCP_MODEL"
	[ "$(tcp_field "$out" sn)" = "$TCP_SERIAL" ] || fail "Identify's SN is not $TCP_SERIAL"
	[ "$(tcp_field "$out" enabled)" = "CSTS.RDY=1" ] || fail "the controller did not become ready"
	grep -q '^digests *: header off, data off' <<<"$out" || fail "digests on without being asked for"
	[ "$(tcp_field "$out" vs | cut -d. -f1)" -ge 1 ] || fail "VS is not 1.x or later"
	# the kernel's nvme-tcp initiator reads the same controller
	command -v nvme >/dev/null || { note "no nvme-cli: kernel initiator cross-check skipped"; return 0; }
	modprobe nvme-tcp || fail "modprobe nvme-tcp"
	nvme connect -t tcp -a 127.0.0.1 -s "$TCP_PORT" -n "$TCP_NQN" || fail "nvme connect"
	dev=
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$TCP_NQN" ] && dev=/dev/$(basename "$c")
	done
	[ -n "$dev" ] || fail "no /dev/nvmeN for $TCP_NQN after nvme connect"
	wait_for 10 test -c "$dev" || fail "$dev did not appear"
	id=$(nvme id-ctrl "$dev") || fail "nvme id-ctrl $dev"
	k_mn=$(sed -n 's/^mn *: *//p' <<<"$id" | sed 's/ *$//')
	k_nqn=$(sed -n 's/^subnqn *: *//p' <<<"$id" | sed 's/ *$//')
	[ "$k_mn" = "$(tcp_field "$out" mn)" ] || fail "kernel reads MN '$k_mn', nvd_tcp_probe '$(tcp_field "$out" mn)'"
	[ "$k_nqn" = "$(tcp_field "$out" subnqn)" ] || fail "kernel reads SUBNQN '$k_nqn'"
}

test_tcp_probe_with_header_and_data_digests() {
	trap tcp_target_down EXIT
	tcp_target_up
	out=$("$TCP_PROBE" -H -D -r "$TCP_TRID") || { echo "$out"; fail "nvd_tcp_probe -H -D failed"; }
	echo "$out"
	grep -q '^digests *: header on, data on' <<<"$out" || fail "digests were not negotiated on"
	# Identify's 4 KiB came in C2HData with a data digest that checked out
	[ "$(tcp_field "$out" subnqn)" = "$TCP_NQN" ] || fail "Identify's SUBNQN is not $TCP_NQN"
	out=$("$TCP_PROBE" -H -r "$TCP_TRID") || { echo "$out"; fail "nvd_tcp_probe -H failed"; }
	grep -q '^digests *: header on, data off' <<<"$out" || fail "header digest only was not negotiated"
}

test_tcp_refused_connect_says_so() {
	trap tcp_target_down EXIT
	tcp_target_up
	expect_fail "probe of a port nobody listens on" \
		"$TCP_PROBE" -r "trtype:TCP traddr:127.0.0.1 trsvcid:4421 subnqn:$TCP_NQN" 2>"$TCP_ERR"
	cat "$TCP_ERR"
	grep -q 'connect to 127.0.0.1:4421: Connection refused' "$TCP_ERR" ||
		fail "the refusal does not say 'connect to 127.0.0.1:4421: Connection refused'"
	[ "$(wc -l <"$TCP_ERR")" = 1 ] || fail "more than one line of words"
	expect_fail "bad trid" "$TCP_PROBE" -r "trtype:TCP traddr:127.0.0.1 trsvcid:99999" 2>"$TCP_ERR"
	grep -q "trsvcid '99999' is not a TCP port" "$TCP_ERR" || fail "bad trsvcid not named"
}

test_tcp_wrong_subnqn_gives_the_connect_status() {
	trap tcp_target_down EXIT
	tcp_target_up
	expect_fail "Connect to an unknown subsystem" \
		"$TCP_PROBE" -r "trtype:TCP traddr:127.0.0.1 trsvcid:$TCP_PORT subnqn:$TCP_NQN-nope" 2>"$TCP_ERR"
	cat "$TCP_ERR"
	grep -q "Connect to $TCP_NQN-nope at 127.0.0.1:$TCP_PORT as nqn.* Connect Invalid Parameters: SUBNQN (sct 0x1 sc 0x82)" "$TCP_ERR" ||
		fail "the Connect status is not in the words"
}

test_tcp_host_not_allowed_gives_invalid_host() {
	trap tcp_target_down EXIT
	tcp_target_up 0
	expect_fail "Connect from a host the subsystem does not allow" \
		"$TCP_PROBE" -n nqn.2026-12.io.nvdirect:not-allowed -r "$TCP_TRID" 2>"$TCP_ERR"
	cat "$TCP_ERR"
	grep -q "as nqn.2026-12.io.nvdirect:not-allowed: Connect Invalid Host (sct 0x1 sc 0x84)" "$TCP_ERR" ||
		fail "the refusal does not say Connect Invalid Host"
}

# tcp_kernel_connect: connect the kernel's nvme-tcp initiator to TCP_NQN;
# sets TCP_KDEV to its namespace's block device.
tcp_kernel_connect() {
	local before b
	before=$(ls /sys/block)
	modprobe nvme-tcp || fail "modprobe nvme-tcp"
	nvme connect -t tcp -a 127.0.0.1 -s "$TCP_PORT" -n "$TCP_NQN" || fail "nvme connect"
	TCP_KDEV=
	for _ in $(seq 100); do
		# the new namespace disk, not a multipath controller path (nvmeXcYnZ)
		for b in /sys/block/nvme*n*; do
			b=${b##*/}
			case $b in nvme*c*) continue ;; esac
			grep -qx "$b" <<<"$before" || TCP_KDEV=/dev/$b
		done
		[ -n "$TCP_KDEV" ] && [ -b "$TCP_KDEV" ] && return 0
		sleep 0.1
	done
	fail "no namespace block device for $TCP_NQN after nvme connect"
}

TCP_PAT=/tmp/tcp_pattern

# 1 MiB of fresh random bytes in TCP_PAT.
tcp_pattern() { head -c 1048576 /dev/urandom >"$TCP_PAT" || fail "no pattern"; }

# tcp_unlink_and_wait PID WHAT: the subsystem leaves the port (nvmet drops
# its controllers' connections); WHAT, running as PID (a child of this
# shell), must exit within 30 s.  Its exit code is left in rc.
tcp_unlink_and_wait() {
	rc=0
	rm -f "$NVMET/ports/1/subsystems/$TCP_NQN"
	for _ in $(seq 300); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill "$1" 2>/dev/null || true
		fail "$2 still runs 30 s after the target went away"
	fi
	wait "$1" || rc=$?
}

test_tcp_io_written_by_nvdirect_read_by_the_kernel() {
	trap tcp_target_down EXIT
	tcp_target_up
	command -v nvme >/dev/null || fail "nvme-cli is needed for the kernel initiator"
	for dg in "" "-H -D"; do
		tcp_pattern
		# shellcheck disable=SC2086
		out=$("$TCP_PROBE" $dg -W "$TCP_PAT" -r "$TCP_TRID") ||
			{ echo "$out"; fail "nvd_tcp_probe $dg -W failed"; }
		echo "$out"
		[ "$(tcp_field "$out" compare)" = match ] || fail "nvdirect's own read-back differs"
		# both ways of moving write data were used: in the capsule and after R2T
		grep -Eq '^writes *: [1-9][0-9]* in-capsule, [1-9][0-9]* after R2T' <<<"$out" ||
			fail "not both in-capsule and R2T writes"
		if [ -n "$dg" ]; then
			grep -q '^ioq .*digests header on data on' <<<"$out" || fail "I/O queue without digests"
		fi
		tcp_kernel_connect
		dd if="$TCP_KDEV" of=/tmp/tcp_kread bs=64k count=16 iflag=direct status=none ||
			fail "dd from $TCP_KDEV"
		cmp /tmp/tcp_kread "$TCP_PAT" || fail "the kernel reads other bytes than nvdirect wrote ($dg)"
		nvme disconnect -n "$TCP_NQN" >/dev/null || fail "nvme disconnect"
	done
}

test_tcp_io_written_by_the_kernel_read_by_nvdirect() {
	trap tcp_target_down EXIT
	tcp_target_up
	command -v nvme >/dev/null || fail "nvme-cli is needed for the kernel initiator"
	for dg in "" "-H -D"; do
		tcp_pattern
		tcp_kernel_connect
		dd if="$TCP_PAT" of="$TCP_KDEV" bs=64k oflag=direct conv=fsync status=none ||
			fail "dd to $TCP_KDEV"
		nvme disconnect -n "$TCP_NQN" >/dev/null || fail "nvme disconnect"
		# shellcheck disable=SC2086
		out=$("$TCP_PROBE" $dg -R "$TCP_PAT" -r "$TCP_TRID") ||
			{ echo "$out"; fail "nvd_tcp_probe $dg -R: nvdirect reads other bytes than the kernel wrote"; }
		echo "$out"
		[ "$(tcp_field "$out" compare)" = match ] || fail "no match line"
		grep -q '^read *: 1048576 bytes in .* at QD16' <<<"$out" || fail "not the whole 1 MiB at QD16"
	done
	# and a difference is noticed: one LBA changed behind nvdirect's back
	tcp_kernel_connect
	printf 'X' | dd of="$TCP_KDEV" bs=512 seek=7 count=1 conv=sync,fsync oflag=direct status=none ||
		fail "dd one LBA"
	nvme disconnect -n "$TCP_NQN" >/dev/null
	expect_fail "a read-back of a changed LBA" "$TCP_PROBE" -R "$TCP_PAT" -r "$TCP_TRID" 2>"$TCP_ERR"
	cat "$TCP_ERR"
	grep -q "LBA 7 read back differs from $TCP_PAT" "$TCP_ERR" || fail "the differing LBA is not named"
}

test_tcp_target_going_away_mid_io_fails_the_polls() {
	trap tcp_target_down EXIT
	tcp_target_up
	tcp_pattern
	"$TCP_PROBE" -W "$TCP_PAT" -l 1000000 -r "$TCP_TRID" >/tmp/tcp_run.out 2>"$TCP_ERR" &
	pid=$!
	wait_for 60 grep -q "^read " /tmp/tcp_run.out || { kill "$pid" 2>/dev/null || true; cat "$TCP_ERR"; fail "no reads under way"; }
	tcp_unlink_and_wait "$pid" nvd_tcp_probe
	cat "$TCP_ERR"
	[ "$rc" = 1 ] || fail "nvd_tcp_probe exited $rc, expected 1"
	grep -Eq '^nvd_tcp_probe: read completions: .*(closed the connection|reset by peer|terminated the connection)' "$TCP_ERR" ||
		fail "the poll's error does not say the connection went"
	[ "$(wc -l <"$TCP_ERR")" = 1 ] || fail "more than one line of words"
}

# Through the public API (nvd_ctrlr_connect, namespaces, I/O queue pairs):
# hello_world over TCP prints what it prints for PCIe, and the kernel's
# nvme-tcp initiator reads the greeting it wrote.
test_tcp_hello_world_connects_and_the_kernel_reads_its_write() {
	trap tcp_target_down EXIT
	tcp_target_up
	command -v nvme >/dev/null || fail "nvme-cli is needed for the kernel initiator"
	out=$("$HELLO" -r "$TCP_TRID" 2>&1) || { echo "$out"; fail "hello_world -r '$TCP_TRID' failed"; }
	echo "$out"
	grep -q "^Attached to 127.0.0.1" <<<"$out" || fail "no 'Attached to 127.0.0.1'"
	grep -q "^  Controller: $TCP_MODEL (serial $TCP_SERIAL, firmware " <<<"$out" ||
		fail "the controller line does not name the target's model and serial"
	grep -q "^  Namespace ID: 1 size: " <<<"$out" || fail "namespace 1 not listed"
	grep -q "namespace 1 read back: Hello world!" <<<"$out" || fail "no write+read check of namespace 1"
	tcp_kernel_connect
	dd if="$TCP_KDEV" of=/tmp/tcp_lba0 bs=512 count=1 iflag=direct status=none || fail "dd LBA 0"
	head -c 13 /tmp/tcp_lba0 | grep -q "^Hello world!" ||
		fail "the kernel reads '$(head -c 13 /tmp/tcp_lba0 | tr -cd '[:print:]')' at LBA 0, not hello_world's greeting"
	nvme disconnect -n "$TCP_NQN" >/dev/null || fail "nvme disconnect"
}

test_tcp_perf_randread_over_tcp() {
	trap tcp_target_down EXIT
	tcp_target_up
	out=$("$BIN/tools/nvdirect-perf" -r "$TCP_TRID" -q 16 -o 4096 -w randread -t 2 2>&1) ||
		{ echo "$out"; fail "nvdirect-perf -r '$TCP_TRID' failed"; }
	echo "$out"
	grep -q "^TCP (127.0.0.1) NSID 1 from core  0: " <<<"$out" || fail "no row 'TCP (127.0.0.1) NSID 1'"
	iops=$(sed -n 's/^Total *: *\([0-9.]*\) .*/\1/p' <<<"$out")
	[ -n "$iops" ] || fail "no Total row"
	awk -v i="$iops" 'BEGIN { exit !(i > 0) }' || fail "Total IOPS is $iops"
	! grep -qi "error\|abort" <<<"$out" || fail "errors in the run"
}

# The target's port loses the subsystem while nvdirect-perf reads over TCP:
# the polls fail, the run stops early with one line of words, exit 1, no hang.
test_tcp_perf_stops_when_the_target_goes_away() {
	trap tcp_target_down EXIT
	tcp_target_up
	# line-buffered: "Launching workers" must show while it runs
	stdbuf -oL "$BIN/tools/nvdirect-perf" -r "$TCP_TRID" -q 16 -o 4096 -w randread -t 60 \
		>/tmp/tcp_perf.out 2>/tmp/tcp_perf.err &
	pid=$!
	wait_for 60 grep -q "Launching workers" /tmp/tcp_perf.out ||
		{ kill "$pid" 2>/dev/null || true; cat /tmp/tcp_perf.err; fail "nvdirect-perf did not start"; }
	sleep 1
	tcp_unlink_and_wait "$pid" nvdirect-perf
	cat /tmp/tcp_perf.out /tmp/tcp_perf.err
	[ "$rc" = 1 ] || fail "nvdirect-perf exited $rc, expected 1"
	grep -q "^nvdirect-perf: 127.0.0.1 (NVMe/TCP) went away while I/O was running: its connection was lost; [0-9]* I/O in flight aborted" /tmp/tcp_perf.err ||
		fail "the words do not say the target went away"
}

# The nvdirect CLI's admin commands over TCP: Identify and a log page, as
# the kernel's nvme-cli reads them over its own nvme-tcp connection.
test_tcp_cli_id_ctrl_and_smart_log() {
	trap tcp_target_down EXIT
	tcp_target_up
	out=$("$NVDIRECT" id-ctrl -r "$TCP_TRID") || { echo "$out"; fail "nvdirect id-ctrl -r '$TCP_TRID' failed"; }
	echo "$out" | head -20
	[ "$(sed -n 's/^mn *: *//p' <<<"$out" | sed 's/ *$//')" = "$TCP_MODEL" ] || fail "id-ctrl mn is not $TCP_MODEL"
	[ "$(sed -n 's/^sn *: *//p' <<<"$out" | sed 's/ *$//')" = "$TCP_SERIAL" ] || fail "id-ctrl sn is not $TCP_SERIAL"
	out=$("$NVDIRECT" smart-log -r "$TCP_TRID") || { echo "$out"; fail "nvdirect smart-log -r '$TCP_TRID' failed"; }
	echo "$out"
	grep -q "^critical_warning *: " <<<"$out" || fail "no critical_warning line in smart-log"
}

# Digests as a user choice (NVD_CTRLR_TCP_HEADER_DIGEST/DATA_DIGEST): what
# the kernel's target enabled is what nvdirect-perf's Attached line says,
# for each of the admin and I/O connections the run opens, and the CLI
# takes nvme connect's option names; a PCIe controller refuses them in one
# line (exit 2).
test_tcp_digests_asked_for_by_perf_and_the_cli() {
	local flags want out
	trap tcp_target_down EXIT
	tcp_target_up
	for flags in "" "-H" "-I" "-H -I"; do
		case $flags in
		"") want="header digest off, data digest off" ;;
		-H) want="header digest on, data digest off" ;;
		-I) want="header digest off, data digest on" ;;
		*) want="header digest on, data digest on" ;;
		esac
		# shellcheck disable=SC2086
		out=$("$BIN/tools/nvdirect-perf" $flags -r "$TCP_TRID" -q 8 -o 4096 -w randread -t 1 2>&1) ||
			{ echo "$out"; fail "nvdirect-perf $flags -r '$TCP_TRID' failed"; }
		echo "$out" | grep -E "^Attached|^Total"
		grep -q "^Attached to NVMe over Fabrics controller at 127.0.0.1:$TCP_PORT: $TCP_NQN ($want)" <<<"$out" ||
			fail "nvdirect-perf $flags: the Attached line does not say '$want'"
		grep -q "^Total *: *[1-9]" <<<"$out" || fail "nvdirect-perf $flags: no I/O with '$want'"
	done
	out=$("$NVDIRECT" id-ctrl --hdr-digest --data-digest -r "$TCP_TRID") ||
		{ echo "$out"; fail "nvdirect id-ctrl --hdr-digest --data-digest failed"; }
	[ "$(sed -n 's/^mn *: *//p' <<<"$out" | sed 's/ *$//')" = "$TCP_MODEL" ] || fail "id-ctrl with digests: mn is not $TCP_MODEL"
	rc=0
	"$NVDIRECT" id-ctrl --data-digest 0000:00:03.0 2>"$TCP_ERR" >/dev/null || rc=$?
	cat "$TCP_ERR"
	[ "$rc" = 2 ] || fail "digests on a PCIe controller: exit $rc, not 2"
	grep -q "^nvdirect: --data-digest: digests apply to NVMe/TCP only, not to the PCIe controller 0000:00:03.0$" "$TCP_ERR" ||
		fail "the CLI's refusal does not say digests are NVMe/TCP only"
	rc=0
	"$BIN/tools/nvdirect-perf" -H -r 'trtype:PCIe traddr:0000:00:03.0' 2>"$TCP_ERR" >/dev/null || rc=$?
	cat "$TCP_ERR"
	[ "$rc" = 2 ] || fail "nvdirect-perf -H on PCIe: exit $rc, not 2"
	[ "$(wc -l <"$TCP_ERR")" = 1 ] || fail "nvdirect-perf -H on PCIe: more than one line"
	grep -q "digests apply to NVMe/TCP only" "$TCP_ERR" || fail "nvdirect-perf's refusal does not say why"
}

# The fio engine's filename for namespace 1 of the kernel's target: SPDK's
# plugin syntax, the NQN's colons escaped for fio ('\:').
tcp_fio_fname() { echo "trtype=TCP adrfam=IPv4 traddr=127.0.0.1 trsvcid=$TCP_PORT subnqn=${TCP_NQN//:/\\:} ns=1"; }

# fio through the engine over NVMe/TCP (both digests on) writes crc32c
# headers and verifies them itself; the kernel's nvme-tcp initiator then
# verifies the same blocks with psync and with io_uring.  Two job threads
# share the controller; interrupt mode over TCP is refused in words.
test_tcp_fio_engine_writes_and_the_kernel_verifies() {
	local f eng
	fio_engine_built
	trap tcp_target_down EXIT
	tcp_target_up
	f=$(tcp_fio_fname)
	fio_nvd "${FIO_XJOB[@]}" --iodepth=16 --filename="$f" --nvd_hdr_digest=1 --nvd_data_digest=1 \
		--output-format=json >/tmp/fio.json 2>/tmp/fio.err ||
		{ cat /tmp/fio.err /tmp/fio.json; fail "fio write+verify through the engine over TCP failed"; }
	fio_ok /tmp/fio.json
	[ "$(fio_json /tmp/fio.json '.jobs[0].write.io_bytes')" = $((8 << 20)) ] || fail "not 8 MiB written over TCP"
	[ "$(fio_json /tmp/fio.json '.jobs[0].read.io_bytes')" = $((8 << 20)) ] || fail "not 8 MiB read back over TCP"
	tcp_kernel_connect
	for eng in psync io_uring; do
		fio "${FIO_XJOB[@]}" --ioengine=$eng --direct=1 --filename="$TCP_KDEV" --verify_only \
			--output-format=json >/tmp/fio.json 2>/tmp/fio.err ||
			{ cat /tmp/fio.err /tmp/fio.json; fail "the kernel ($eng) does not verify what the engine wrote over TCP"; }
		fio_ok /tmp/fio.json
		[ "$(fio_json /tmp/fio.json '.jobs[0].read.io_bytes')" = $((8 << 20)) ] ||
			fail "the kernel ($eng) verified less than 8 MiB"
	done
	# and the verify checks: blocks the job never wrote fail it
	expect_fail "verify_only of blocks never written" \
		fio "${FIO_XJOB[@]}" --offset=40m --ioengine=psync --direct=1 --filename="$TCP_KDEV" \
		--verify_only --output=/dev/null
	nvme disconnect -n "$TCP_NQN" >/dev/null || fail "nvme disconnect"
	# two job threads share one connect (one association), each its own queue pair and connection
	fio_nvd --name=two --filename="$f" --numjobs=2 --offset=64m --offset_increment=8m --size=4m \
		--rw=randrw --rwmixread=50 --bsrange=4k-32k --iodepth=8 --verify=crc32c \
		--output-format=json >/tmp/fio.json 2>/tmp/fio.err ||
		{ cat /tmp/fio.err /tmp/fio.json; fail "fio numjobs=2 over TCP failed"; }
	fio_ok /tmp/fio.json
	for j in 0 1; do
		[ "$(fio_json /tmp/fio.json ".jobs[$j].write.io_bytes")" -gt 0 ] || fail "TCP job $j wrote nothing"
	done
	expect_fail "nvd_interrupts=1 over TCP" fio_nvd --name=irq --filename="$f" --rw=read --bs=4k \
		--size=64k --nvd_interrupts=1 --output=/dev/null 2>"$TCP_ERR"
	cat "$TCP_ERR"
	grep -q "interrupts are for PCIe queue pairs" "$TCP_ERR" || fail "the interrupt-mode refusal has no words"
}

# Dataset Management over NVMe/TCP (the ranges as the command's data): fio
# trims through the engine, then the blocks read zeroes through the engine
# and through the kernel's initiator (null_blk discard=1 frees them).
test_tcp_fio_trim_then_the_kernel_reads_zeroes() {
	local f
	fio_engine_built
	trap tcp_target_down EXIT
	tcp_target_up
	f=$(tcp_fio_fname)
	set -- --name=trim --filename="$f" --bs=64k --offset=48m --size=4m --iodepth=4
	fio_nvd "$@" --rw=write --verify=pattern --verify_pattern=0x5a5a5a5a --do_verify=0 ||
		fail "writing the pattern over TCP failed"
	# and the 64 KiB after the range, which the trim must leave alone
	fio_nvd --name=edge --filename="$f" --bs=64k --offset=52m --size=64k --rw=write \
		--verify=pattern --verify_pattern=0x5a5a5a5a --do_verify=0 || fail "writing the edge failed"
	# the blocks are not zero yet: the zero verify below can fail
	expect_fail "zero verify before the trim" \
		fio_nvd "$@" --rw=write --verify=pattern --verify_pattern=0 --verify_only --output=/dev/null
	fio_nvd "$@" --rw=trim --output-format=json >/tmp/fio.json 2>/tmp/fio.err ||
		{ cat /tmp/fio.err; fail "trim through the engine over TCP failed"; }
	fio_ok /tmp/fio.json
	[ "$(fio_json /tmp/fio.json '.jobs[0].trim.io_bytes')" = $((4 << 20)) ] || fail "not 4 MiB trimmed"
	fio_nvd "$@" --rw=write --verify=pattern --verify_pattern=0 --verify_only ||
		fail "deallocated blocks do not read back as zeroes through the engine"
	tcp_kernel_connect
	# 48 MiB is 64 KiB block 768; the edge is block 832
	dd if="$TCP_KDEV" of=/tmp/tcp_trimmed bs=64k skip=768 count=64 iflag=direct status=none ||
		fail "dd from $TCP_KDEV"
	cmp -s /tmp/tcp_trimmed <(head -c $((4 << 20)) /dev/zero) ||
		fail "the kernel reads other than zeroes where the engine trimmed"
	dd if="$TCP_KDEV" of=/tmp/tcp_edge bs=64k skip=832 count=1 iflag=direct status=none || fail "dd the edge"
	cmp -s /tmp/tcp_edge <(head -c 65536 /dev/zero | tr '\0' 'Z') ||
		fail "the 64 KiB after the trimmed range lost its 0x5a pattern"
	nvme disconnect -n "$TCP_NQN" >/dev/null || fail "nvme disconnect"
}
