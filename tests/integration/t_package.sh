# The Debian packages, installed as a user would (scripts/package.sh built
# them on the host into $NVD_BUILD/deb): DKMS builds nvdirect.ko for the
# running kernel, modprobe and `nvdirect setup` load that module, udev gives
# /dev/nvdirectN to the group nvdirect, and an ordinary member of the group
# may use a controller only when an IOMMU translates its DMA.  Purging the
# packages takes the module out of DKMS again.

PKG_DEBS=$NVD_BUILD/deb
PKG_NAMES="nvdirect-fio nvdirect-tools libnvdirect-dev libnvdirect0 nvdirect-dkms"
PKG_USER=nvdpkguser

# pkg_translated BDF: BDF's DMA goes through a remapping IOMMU domain.
pkg_translated() {
	local t=/sys/bus/pci/devices/$1/iommu_group/type
	[ -e "$t" ] || return 1
	case $(cat "$t") in
	DMA | DMA-FQ) return 0 ;;
	*) return 1 ;;
	esac
}

# pkg_as_user CMD: CMD through su as the ordinary member of group nvdirect, in a
# login session (pam_limits: the default ulimit -l), stdout and stderr both.
pkg_as_user() { su -l "$PKG_USER" -s /bin/sh -c "$*" 2>&1; }

# pkg_node_is NODE "GROUP MODE": NODE has that group and octal mode.
pkg_node_is() { [ "$(stat -c '%G %a' "$1")" = "$2" ]; }

# pkg_udevd_pid: the udevd this test started, if it still runs.
pkg_udevd_pid() { cat /run/nvd-pkg-udevd.pid 2>/dev/null; }

# pkg_quick_on, pkg_quick_off: around dpkg, spare what takes minutes under
# TCG over the 9p root and is not nvdirect's: DKMS's postinst builds for the
# running kernel and for the newest one in /boot (so /boot shows only the
# running kernel's config and System.map), and man-db's trigger rebuilds its
# whole index (its auto-update flag is set aside).
pkg_quick_on() {
	mkdir -p /run/nvd-pkg-boot
	cp /boot/config-"$(uname -r)" /boot/System.map-"$(uname -r)" /run/nvd-pkg-boot/
	mount --bind /run/nvd-pkg-boot /boot
	[ -e /var/lib/man-db/auto-update ] && mv /var/lib/man-db/auto-update /run/nvd-pkg-man-auto-update
	return 0
}
pkg_quick_off() {
	if [ -d /run/nvd-pkg-boot ]; then
		mountpoint -q /boot && umount /boot
		rm -rf /run/nvd-pkg-boot
	fi
	[ -e /run/nvd-pkg-man-auto-update ] && mv /run/nvd-pkg-man-auto-update /var/lib/man-db/auto-update
	return 0
}

# Put the guest back as the other tests expect it, whatever state a failure
# left: no udevd, both controllers on nvme, no nvdirect loaded (the
# harness's $NVD_KO loads again by insmod), no package, user or group.
pkg_cleanup() {
	local p b
	pkg_quick_off
	if p=$(pkg_udevd_pid) && [ -n "$p" ]; then
		udevadm control --exit 2>/dev/null || kill "$p" 2>/dev/null || true
		rm -f /run/nvd-pkg-udevd.pid
	fi
	for b in "$CTRL0" "$CTRL1"; do
		[ "$(driver_of "$b")" = nvme ] || (bind_to nvme "$b") || true
	done
	rm -rf /run/nvdirect
	nvd_loaded && { rmmod nvdirect || true; }
	for p in $PKG_NAMES; do
		if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install'; then
			pkg_quick_on
			dpkg --purge "$p" >/dev/null 2>&1 || true
			pkg_quick_off
		fi
	done
	id "$PKG_USER" >/dev/null 2>&1 && { userdel -r "$PKG_USER" 2>/dev/null || true; }
	getent group nvdirect >/dev/null && { groupdel nvdirect || true; }
	return 0
}

# pkg_fio_engine: fio loads the engine nvdirect-fio installed and writes
# 1 MiB to CTRL0 through it, then reads it back and verifies it: as the
# ordinary user where an IOMMU translates CTRL0's DMA, as root otherwise.
pkg_fio_engine() {
	local eng out job
	eng=$(dpkg -L nvdirect-fio | grep '/nvdirect/fio-nvdirect\.so$') || fail "nvdirect-fio ships no fio-nvdirect.so"
	note "fio engine: $eng"
	job="fio --name=pkg --ioengine=$eng --thread=1 --filename='trtype=PCIe traddr=${CTRL0//:/.} ns=1'"
	job+=" --rw=write --bs=4k --size=1m --verify=crc32c --do_verify=1 --output-format=json"
	if pkg_translated "$CTRL0"; then
		out=$(pkg_as_user "$job") || { echo "$out"; fail "fio with the packaged engine as $PKG_USER"; }
	else
		out=$(eval "$job" 2>&1) || { echo "$out"; fail "fio with the packaged engine"; }
	fi
	# written whole, read back whole by the verify pass, no error
	jq -e '.jobs[0] | .error == 0 and .write.io_bytes == 1048576 and .read.io_bytes == 1048576' <<<"$out" >/dev/null ||
		{ echo "$out"; fail "fio with the packaged engine did not write and verify 1 MiB"; }
}

test_package_dkms_udev_group_and_unprivileged_use() {
	local ver kver debs t0 out mod rule node p cmd total
	ver=$("$NVD_TOP/scripts/check-versions.sh")
	kver=$(uname -r)
	debs=$(ls "$PKG_DEBS"/*.deb 2>/dev/null | wc -l)
	[ "$debs" -eq 5 ] || fail "expected 5 packages in $PKG_DEBS, found $debs (scripts/package.sh builds them; nvdirect-fio needs fio's source)"
	trap pkg_cleanup EXIT
	pkg_cleanup
	# the harness's module is not loaded and no module named nvdirect is known
	nvd_loaded && fail "nvdirect still loaded before the packages are installed"
	modinfo -n nvdirect >/dev/null 2>&1 && fail "a module nvdirect is known before the packages: $(modinfo -n nvdirect)"

	t0=$(date +%s)
	pkg_quick_on
	out=$(dpkg -i "$PKG_DEBS"/*.deb 2>&1) || { pkg_quick_off; echo "$out"; fail "dpkg -i of the packages failed"; }
	pkg_quick_off
	echo "$out"
	note "dpkg -i with DKMS's build for $kver took $(($(date +%s) - t0)) s"
	for p in $PKG_NAMES; do
		dpkg-query -W -f='${Status} ${Version}\n' "$p" | grep -qx "install ok installed $ver-[0-9]*" ||
			fail "$p is not installed at version $ver: $(dpkg-query -W -f='${Status} ${Version}' "$p")"
	done
	dkms status -m nvdirect
	dkms status -m nvdirect -v "$ver" -k "$kver" | grep -q ': installed' ||
		fail "DKMS did not install nvdirect/$ver for the running kernel $kver: $(dkms status -m nvdirect)"
	mod=$(modinfo -n nvdirect) || fail "modinfo finds no nvdirect after the install"
	case $mod in
	/lib/modules/"$kver"/updates/dkms/nvdirect.ko*) ;;
	*) fail "modinfo nvdirect gives $mod, not DKMS's /lib/modules/$kver/updates/dkms/" ;;
	esac
	[ "$(modinfo -F version "$mod")" = "$ver" ] ||
		fail "the DKMS module's MODULE_VERSION is '$(modinfo -F version "$mod")', expected $ver"
	getent group nvdirect | grep -q '^nvdirect:' || fail "the package did not create the group nvdirect"
	rule=$(dpkg -L nvdirect-dkms | grep '/rules\.d/.*nvdirect.*\.rules$') ||
		fail "nvdirect-dkms ships no udev rule"
	note "udev rule: $rule"

	# modprobe by name loads DKMS's module
	modprobe nvdirect || fail "modprobe nvdirect"
	[ "$(cat /sys/module/nvdirect/version)" = "$ver" ] ||
		fail "loaded nvdirect has version '$(cat /sys/module/nvdirect/version 2>/dev/null)', expected $ver"
	rmmod nvdirect || fail "rmmod nvdirect after modprobe"

	# udevd applies the installed rule to the node devtmpfs creates (the
	# guest runs none of its own: start one for this test, stop it after)
	[ -x /lib/systemd/systemd-udevd ] || fail "no /lib/systemd/systemd-udevd to apply the rule with"
	/lib/systemd/systemd-udevd --daemon || fail "systemd-udevd --daemon did not start"
	pgrep -xo systemd-udevd >/run/nvd-pkg-udevd.pid || fail "systemd-udevd is not running"

	# setup, the installed CLI with no --module and no $NVD_KO, loads the
	# installed module through libkmod
	out=$(cd / && env -u NVD_KO /usr/bin/nvdirect setup "$CTRL0" 2>&1) || { echo "$out"; fail "nvdirect setup $CTRL0"; }
	echo "$out"
	echo "$out" | grep -qx "$CTRL0 (1b36 0010): nvme -> nvdirect" || fail "setup did not bind $CTRL0"
	echo "$out" | grep -qx "loaded /lib/modules/$kver/updates/dkms/nvdirect.ko.*" ||
		fail "setup did not say it loaded DKMS's /lib/modules/$kver/updates/dkms/nvdirect.ko"
	[ "$(cat /sys/module/nvdirect/version)" = "$ver" ] || fail "setup loaded a module of version '$(cat /sys/module/nvdirect/version)'"
	modinfo -n nvdirect | grep -q "/updates/dkms/" || fail "modinfo no longer points at DKMS's module"
	node=$(nvd_dev "$CTRL0") || fail "no /dev/nvdirectN for $CTRL0"
	# (udevadm settle ignores requests in a chroot: wait for the effect)
	wait_for 30 pkg_node_is "$node" "nvdirect 660" ||
		fail "$node is $(stat -c '%U:%G %a' "$node"), expected group nvdirect, mode 0660 from the udev rule"
	note "$node: $(stat -c '%U:%G %a' "$node")"

	useradd -m -G nvdirect "$PKG_USER" || fail "useradd"
	note "$PKG_USER: $(id "$PKG_USER"), ulimit -l $(pkg_as_user 'ulimit -l')"
	if pkg_translated "$CTRL0"; then
		out=$(pkg_as_user "/usr/bin/nvdirect id-ctrl $CTRL0") || { echo "$out"; fail "id-ctrl as $PKG_USER behind an IOMMU"; }
		echo "$out" | grep -Eq '^sn +: NVD0001' || { echo "$out"; fail "id-ctrl as $PKG_USER: no serial NVD0001"; }
		out=$(pkg_as_user "/usr/bin/nvdirect-perf -r 'trtype:PCIe traddr:$CTRL0' -q 4 -o 4096 -w randread -t 1") ||
			{ echo "$out"; fail "nvdirect-perf as $PKG_USER behind an IOMMU"; }
		echo "$out"
		total=$(echo "$out" | sed -n 's/^Total *: *//p' | awk '{print $1}')
		awk -v t="${total:-0}" 'BEGIN { exit !(t > 0) }' || fail "nvdirect-perf as $PKG_USER: Total IOPS '$total'"
	else
		for cmd in "/usr/bin/nvdirect id-ctrl $CTRL0" \
			"/usr/bin/nvdirect-perf -r 'trtype:PCIe traddr:$CTRL0' -q 4 -o 4096 -w randread -t 1"; do
			if out=$(pkg_as_user "$cmd"); then echo "$out"; fail "'$cmd' as $PKG_USER worked without IOMMU translation"; fi
			echo "$out"
			echo "$out" | grep -qi 'no IOMMU translation' && echo "$out" | grep -q 'CAP_SYS_RAWIO' ||
				fail "'$cmd' as $PKG_USER: refusal does not say 'no IOMMU translation ... CAP_SYS_RAWIO'"
		done
	fi
	pkg_fio_engine
	[ "$(cat "$(nvd_sys "$CTRL0")/owner_pid")" = 0 ] || fail "$CTRL0 still owned after the user's commands"

	out=$(/usr/bin/nvdirect reset 2>&1) || { echo "$out"; fail "nvdirect reset"; }
	echo "$out" | grep -qx "$CTRL0 (1b36 0010): nvdirect -> nvme" || { echo "$out"; fail "reset did not give $CTRL0 back"; }
	rmmod nvdirect || fail "rmmod nvdirect after reset"

	pkg_quick_on
	out=$(dpkg --purge $PKG_NAMES 2>&1) || { pkg_quick_off; echo "$out"; fail "dpkg --purge"; }
	pkg_quick_off
	echo "$out"
	[ -z "$(dkms status -m nvdirect)" ] || fail "DKMS still lists nvdirect after the purge: $(dkms status -m nvdirect)"
	[ ! -e "$mod" ] || fail "$mod is still there after the purge"
	modinfo -n nvdirect >/dev/null 2>&1 && fail "modinfo still finds nvdirect after the purge: $(modinfo -n nvdirect)"
	[ ! -e "/usr/src/nvdirect-$ver" ] || fail "/usr/src/nvdirect-$ver is still there after the purge"
	[ ! -e /usr/bin/nvdirect ] || fail "/usr/bin/nvdirect is still there after the purge"
	[ -z "$(find /usr/lib -path '*/nvdirect/fio-nvdirect.so')" ] || fail "fio-nvdirect.so is still there after the purge"
	# what the next test needs: the harness's module loads again
	pkg_cleanup
	nvd_load
	rmmod nvdirect
}
