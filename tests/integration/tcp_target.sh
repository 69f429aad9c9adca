# The kernel's own NVMe/TCP target in the guest, for t_tcp.sh and the
# benchmark (tests/bench/guest.sh): nvmet + nvmet-tcp configured through
# configfs on 127.0.0.1:TCP_PORT, subsystem TCP_NQN over one null_blk
# namespace (/dev/nullb0).  Sourced after tests/integration/lib.sh (fail,
# wait_for).  TCP_NULLB: null_blk's module parameters (default memory
# backed, 1 GiB: what is written is kept; discard on, so Dataset Management
# deallocates and the blocks read zeroes after).

TCP_NQN=nqn.2026-12.io.nvdirect:tcp-test
TCP_MODEL=nvdirect-tcp-model
TCP_SERIAL=nvdtcp0001
TCP_PORT=4420
: "${TCP_NULLB:=nr_devices=1 gb=1 memory_backed=1 discard=1}"
TCP_TRID="trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$TCP_PORT subnqn:$TCP_NQN"
NVMET=/sys/kernel/config/nvmet

# tcp_target_up [ALLOW_ANY_HOST]: subsystem TCP_NQN with one null_blk
# namespace (TCP_NULLB), on a TCP port at 127.0.0.1:TCP_PORT.
tcp_target_up() {
	local s=$NVMET/subsystems/$TCP_NQN p=$NVMET/ports/1
	# shellcheck disable=SC2086 # one word per parameter
	modprobe null_blk $TCP_NULLB || fail "modprobe null_blk $TCP_NULLB"
	modprobe nvmet || fail "modprobe nvmet"
	modprobe nvmet-tcp || fail "modprobe nvmet-tcp"
	# Digests need the crc32c hash loaded: when nvmet-tcp's own request for
	# it fails, 6.1's ICReq error path frees hashes it never allocated
	# (NULL dereference in nvmet_tcp_release_queue_work, a kernel panic).
	modprobe crc32c_generic || fail "modprobe crc32c_generic"
	ip link set lo up
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
	wait_for 10 test -b /dev/nullb0 || fail "no /dev/nullb0 from null_blk"
	mkdir "$s"
	echo "${1:-1}" >"$s/attr_allow_any_host"
	echo "$TCP_MODEL" >"$s/attr_model"
	echo "$TCP_SERIAL" >"$s/attr_serial"
	mkdir "$s/namespaces/1"
	echo /dev/nullb0 >"$s/namespaces/1/device_path"
	echo 1 >"$s/namespaces/1/enable"
	mkdir "$p"
	echo tcp >"$p/addr_trtype"
	echo ipv4 >"$p/addr_adrfam"
	echo 127.0.0.1 >"$p/addr_traddr"
	echo "$TCP_PORT" >"$p/addr_trsvcid"
	ln -s "$s" "$p/subsystems/$TCP_NQN"
}

# Undo tcp_target_up (and any kernel initiator connection to it), whatever
# part of it was done.  Runs as an EXIT trap: no step may stop the rest.
tcp_target_down() {
	local s=$NVMET/subsystems/$TCP_NQN p=$NVMET/ports/1
	trap - ERR
	set +e
	command -v nvme >/dev/null && nvme disconnect -n "$TCP_NQN" >/dev/null 2>&1
	rm -f "$p/subsystems/$TCP_NQN"
	[ -d "$p" ] && rmdir "$p"
	[ -d "$s/namespaces/1" ] && { echo 0 >"$s/namespaces/1/enable"; rmdir "$s/namespaces/1"; }
	[ -d "$s" ] && rmdir "$s"
	modprobe -r nvme-tcp nvme-fabrics 2>/dev/null
	modprobe -r nvmet-tcp nvmet null_blk 2>/dev/null
	[ ! -d "$s" ] || echo "t_tcp: $s is still there" >&2
	return 0
}
