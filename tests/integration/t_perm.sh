# Who may open a controller, as VFIO decides (kmod/access.c): with an IOMMU
# translating the function's DMA (the q35 + intel-iommu guest) the file's
# permissions are enough; without (the pc guest) CAP_SYS_RAWIO is needed,
# and the library says so.  DMA memory counts against RLIMIT_MEMLOCK.

PERM_USER=nvdtest
PERM_PERF=$BIN/tools/nvdirect-perf

# perm_user: an ordinary user (no capabilities), created once per boot.
# The build may lie below a directory only root may enter (a CI clone in a
# mktemp -d): the user gets search permission on the way to it, changed in
# the guest's writable overlay only, never on the host.
perm_user() {
	local d=$BIN
	id "$PERM_USER" >/dev/null 2>&1 || useradd -M -s /bin/bash "$PERM_USER" ||
		fail "useradd $PERM_USER"
	while [ "$d" != / ] && [ -n "$d" ]; do
		[ -n "$(find "$d" -maxdepth 0 -perm -o=x)" ] || chmod o+x "$d" ||
			fail "cannot let $PERM_USER reach the build: chmod o+x $d"
		d=$(dirname "$d")
	done
}

# as_user CMD...: run CMD as $PERM_USER with an ordinary user's ulimit -l
# (8192 KiB, the kernel's default); stdout and stderr together.
as_user() {
	su -s /bin/bash "$PERM_USER" -c "ulimit -l 8192 && exec $(printf '%q ' "$@") 2>&1"
}

# give_dev BDF: rw for $PERM_USER on the function's /dev/nvdirectN, as the
# udev rule gives it to a group.
give_dev() {
	local d
	d=$(nvd_dev "$1") || fail "$1 has no /dev/nvdirectN"
	chown "$PERM_USER" "$d" && chmod 0600 "$d" || fail "chown $d"
}

# dma_translated BDF: an IOMMU DMA domain (not identity) translates BDF.
dma_translated() {
	case $(cat "/sys/bus/pci/devices/$1/iommu_group/type" 2>/dev/null) in
	DMA | DMA-FQ) return 0 ;;
	*) return 1 ;;
	esac
}

test_ordinary_user_opens_only_when_an_iommu_translates() {
	perm_user
	bind_to nvdirect "$CTRL0"
	give_dev "$CTRL0"
	iso=$(cat "$(nvd_sys "$CTRL0")/dma_isolation")
	note "dma_isolation: $iso"
	if grep -qw intel_iommu=on /proc/cmdline; then
		dma_translated "$CTRL0" || fail "intel_iommu=on, yet $CTRL0 is not in a DMA domain"
		[ "$iso" = iommu ] || fail "dma_isolation '$iso' behind an IOMMU, expected 'iommu'"
		out=$(as_user "$HELLO" "$CTRL0") || { echo "$out"; fail "hello_world as $PERM_USER failed"; }
		echo "$out" | grep -q 'read back: Hello world!$' || { echo "$out"; fail "no read-back as $PERM_USER"; }
		out=$(as_user "$NVDIRECT" id-ctrl "$CTRL0") || { echo "$out"; fail "id-ctrl as $PERM_USER failed"; }
		echo "$out" | grep -q '^sn *: NVD0001' || { echo "$out"; fail "id-ctrl as $PERM_USER printed no serial"; }
	else
		dma_translated "$CTRL0" && fail "no intel_iommu=on, yet $CTRL0 is in a DMA domain"
		[ "$iso" = "none: CAP_SYS_RAWIO needed" ] || fail "dma_isolation '$iso' without an IOMMU"
		for cmd in "$HELLO $CTRL0" "$NVDIRECT id-ctrl $CTRL0"; do
			# shellcheck disable=SC2086
			if out=$(as_user $cmd); then
				echo "$out"; fail "'$cmd' as $PERM_USER succeeded without an IOMMU"
			fi
			echo "$out"
			echo "$out" | grep -q "$(nvd_dev "$CTRL0"): no IOMMU translation for this device, so CAP_SYS_RAWIO is needed" ||
				fail "'$cmd' as $PERM_USER: the refusal does not say why"
		done
		dmesg | grep -q "refused: no IOMMU translation for this device" ||
			fail "no line in dmesg about the refusal"
	fi
	[ "$(cat "$(nvd_sys "$CTRL0")/owner_pid")" = 0 ] || fail "owner left behind"
	# root, as always, in both
	out=$("$HELLO" "$CTRL0") || { echo "$out"; fail "hello_world as root failed"; }
	"$NVDIRECT" id-ctrl "$CTRL0" >/dev/null || fail "id-ctrl as root failed"
}

test_without_file_permission_the_words_say_so() {
	perm_user
	bind_to nvdirect "$CTRL0"
	d=$(nvd_dev "$CTRL0")
	chown root "$d" && chmod 0600 "$d"
	if out=$(as_user "$NVDIRECT" id-ctrl "$CTRL0"); then
		echo "$out"; fail "id-ctrl as $PERM_USER opened a 0600 root node"
	fi
	echo "$out"
	echo "$out" | grep -q "no read and write permission on $d" || fail "the refusal does not name the permission"
}

# NVDIRECT_DMA_ALLOC is charged to VmPin against RLIMIT_MEMLOCK: refused past
# it for an ordinary user (ENOMEM, words from the library), not for root.
test_dma_alloc_past_memlock_is_refused() {
	perm_user
	bind_to nvdirect "$CTRL0"
	d=$(nvd_dev "$CTRL0")
	s=$(nvd_sys "$CTRL0")
	# root keeps CAP_IPC_LOCK first, then drops it (both on pc and q35)
	"$PROBE" dmalimit "$d"
	if dma_translated "$CTRL0"; then
		give_dev "$CTRL0"
		out=$(as_user "$PROBE" dmalimit "$d") || { echo "$out"; fail "dmalimit as $PERM_USER"; }
		echo "$out"
		run=(as_user)
	else
		run=(setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock)
	fi
	# through the library: attach alone needs more than 64 KiB
	if out=$("${run[@]}" bash -c "ulimit -l 64 && exec $HELLO $CTRL0" 2>&1); then
		echo "$out"; fail "hello_world under ulimit -l 64 without CAP_IPC_LOCK succeeded"
	fi
	echo "$out"
	echo "$out" | grep -Eq "allocating [0-9]+ bytes of DMA memory exceeds RLIMIT_MEMLOCK: limit 65536 bytes \(ulimit -l\)" ||
		fail "the library's error does not name RLIMIT_MEMLOCK and its value"
	[ "$(cat "$s/dma_bytes")" = 0 ] || fail "dma_bytes $(cat "$s/dma_bytes") after the refused attach"
	# root is not held to it
	(ulimit -l 64 && "$HELLO" "$CTRL0" >/dev/null) || fail "root under ulimit -l 64 failed"
}

# peak_dma BDF CMD...: run CMD (bash) with no CAP_IPC_LOCK; print the most DMA
# memory the function had allocated meanwhile (bytes).  Fails with CMD.
peak_dma() {
	local s max=0 b pid bdf=$1
	shift
	s=$(nvd_sys "$bdf")
	setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock bash -c "$*" >/tmp/peak-dma.out 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		b=$(cat "$s/dma_bytes")
		[ "$b" -gt "$max" ] && max=$b
		sleep 0.1
	done
	wait "$pid" || { cat /tmp/peak-dma.out >&2; return 1; }
	echo "$max"
}

# What an attach with one I/O queue pair and nvdirect-perf take, against an
# ordinary user's default ulimit -l of 8192 KiB without CAP_IPC_LOCK; the
# figures go to the log (README, "What the module exposes").
test_perf_fits_the_default_memlock_limit() {
	bind_to nvdirect "$CTRL0"
	perf="$PERM_PERF -r 'trtype:PCIe traddr:$CTRL0 ns:1' -w randread -t 2"
	setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock bash -c \
		"ulimit -l 8192 && exec $PATTERN -s 3 loop $CTRL0 1 0 8" >/tmp/perm-loop.out 2>&1 &
	pid=$!
	wait_for 30 grep -q looping /tmp/perm-loop.out ||
		{ cat /tmp/perm-loop.out; fail "attach + one queue pair under ulimit -l 8192 failed"; }
	one=$(cat "$(nvd_sys "$CTRL0")/dma_bytes")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	note "attach + 1 I/O queue pair + 4 KiB I/O: $one bytes ($((one / 1024)) KiB)"
	[ "$one" -gt 0 ] || fail "the attach's DMA memory was not counted"
	q32=$(peak_dma "$CTRL0" "ulimit -l 8192 && exec $perf -q 32 -o 4k") ||
		fail "nvdirect-perf -q 32 -o 4k under ulimit -l 8192 failed"
	note "nvdirect-perf -q 32 -o 4k: $q32 bytes ($((q32 / 1024)) KiB)"
	q128=$(peak_dma "$CTRL0" "ulimit -l 8192 && exec $perf -q 128 -o 16k") ||
		fail "nvdirect-perf -q 128 -o 16k under ulimit -l 8192 failed"
	note "nvdirect-perf -q 128 -o 16k: $q128 bytes ($((q128 / 1024)) KiB)"
	# past it, one buffer per I/O in flight: -q 128 -o 128K needs 16 MiB of
	# buffers alone, refused under the default limit, in words
	big=$(peak_dma "$CTRL0" "ulimit -l unlimited && exec $perf -q 128 -o 128K") ||
		fail "nvdirect-perf -q 128 -o 128K under ulimit -l unlimited failed"
	note "nvdirect-perf -q 128 -o 128K: $big bytes ($((big / 1024)) KiB)"
	[ "$big" -gt $((8192 * 1024)) ] || fail "-q 128 -o 128K took only $big bytes: the figures are wrong"
	if out=$(peak_dma "$CTRL0" "ulimit -l 8192 && exec $perf -q 128 -o 128K" 2>&1); then
		fail "nvdirect-perf -q 128 -o 128K fitted in ulimit -l 8192: not charged?"
	fi
	grep -q "exceeds RLIMIT_MEMLOCK: limit 8388608 bytes (ulimit -l)" /tmp/peak-dma.out ||
		{ cat /tmp/peak-dma.out; fail "the refusal does not name the limit"; }
}

# CTRL1 shares its slot with a virtio-rng function (suite layout, 00:04.1),
# and with no ACS between functions of a slot the two are one IOMMU group:
# while virtio-pci drives the other one, the device could reach CTRL1's DMA,
# so an ordinary user may not open CTRL1.  With the peer unbound, it may.
test_group_shared_with_a_bound_device_needs_cap_sys_rawio() {
	peer=0000:00:04.1
	[ -e "/sys/bus/pci/devices/$peer" ] || fail "no $peer next to $CTRL1 (tests/vm/run.sh, suite layout)"
	perm_user
	bind_to nvdirect "$CTRL1"
	give_dev "$CTRL1"
	s=$(nvd_sys "$CTRL1")
	if ! grep -qw intel_iommu=on /proc/cmdline; then
		[ "$(cat "$s/dma_isolation")" = "none: CAP_SYS_RAWIO needed" ] ||
			fail "dma_isolation '$(cat "$s/dma_isolation")' without an IOMMU"
		return 0
	fi
	[ "$(readlink "/sys/bus/pci/devices/$peer/iommu_group")" = \
		"$(readlink "/sys/bus/pci/devices/$CTRL1/iommu_group")" ] ||
		fail "$peer and $CTRL1 are not in one IOMMU group"
	drv=$(driver_of "$peer")
	[ "$drv" != none ] || fail "$peer is bound to no driver"
	iso=$(cat "$s/dma_isolation")
	note "dma_isolation: $iso"
	[ "$iso" = "group shared with $peer ($drv): CAP_SYS_RAWIO needed" ] ||
		fail "dma_isolation '$iso' does not name $peer ($drv)"
	if out=$(as_user "$NVDIRECT" id-ctrl "$CTRL1"); then
		echo "$out"; fail "id-ctrl as $PERM_USER opened $CTRL1 while $peer is bound to $drv"
	fi
	echo "$out"
	echo "$out" | grep -qF "its IOMMU group is shared with $peer ($drv), bound to a driver, so CAP_SYS_RAWIO is needed" ||
		fail "the refusal does not name the group's other member"
	"$NVDIRECT" id-ctrl "$CTRL1" >/dev/null || fail "root cannot open $CTRL1"
	unbind "$peer"
	rc=0
	[ "$(cat "$s/dma_isolation")" = iommu ] || rc=1
	out=$(as_user "$NVDIRECT" id-ctrl "$CTRL1") || rc=2
	echo "$peer" >/sys/bus/pci/drivers_probe
	[ "$(driver_of "$peer")" = "$drv" ] || fail "$peer did not go back to $drv"
	[ $rc = 0 ] || { echo "$out"; fail "with $peer unbound: dma_isolation '$(cat "$s/dma_isolation")', id-ctrl rc $rc"; }
}

# DMA memory is allocated with __GFP_ACCOUNT: the caller's memory cgroup
# sees it (issue 12 item 4), through dma-direct (pc) and iommu-dma (q35).
test_dma_memory_is_charged_to_the_memory_cgroup() {
	bind_to nvdirect "$CTRL0"
	cg=/sys/fs/cgroup
	mountpoint -q "$cg" || mount -t cgroup2 none "$cg" || fail "mount cgroup2"
	grep -qw memory "$cg/cgroup.controllers" || fail "no memory controller in cgroup2"
	echo +memory >"$cg/cgroup.subtree_control" || fail "enable the memory controller"
	mkdir -p "$cg/nvdtest"
	rc=0
	bash -c "echo \$\$ >$cg/nvdtest/cgroup.procs && exec $PROBE dmacg $(nvd_dev "$CTRL0") $cg/nvdtest/memory.current" || rc=$?
	rmdir "$cg/nvdtest" 2>/dev/null || true
	[ $rc = 0 ] || fail "DMA memory not charged to the memory cgroup"
}
