# The nvdirect CLI: its output agrees with nvme-cli on the kernel's driver
# for the same controller, format really reformats, setup/reset/status
# hand controllers over and back, and bad arguments get one line, exit 2.

# kctl BDF: the kernel's controller node (/dev/nvmeX) of BDF.
kctl() {
	local c
	for c in /sys/bus/pci/devices/"$1"/nvme/nvme*; do
		[ -e "$c" ] && { echo "/dev/$(basename "$c")"; return 0; }
	done
	return 1
}

# fields FILE: "key<TAB>value" for every "key : value" line, whitespace
# trimmed and runs of blanks in keys squeezed ("lbaf  0" = "lbaf 0").
fields() {
	awk '{
		i = index($0, ":"); if (i < 2) next
		k = substr($0, 1, i - 1); v = substr($0, i + 1)
		gsub(/[ \t]+/, " ", k); sub(/^ /, "", k); sub(/ $/, "", k)
		sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
		if (k != "") print k "\t" v
	}' "$1"
}

# same_fields KERNEL NVDIRECT MIN [KEY-REGEX]: every key both print (and
# matching KEY-REGEX) has the same value, and at least MIN keys were compared.
same_fields() {
	local n
	n=$(awk -F'\t' -v re="${4:-.}" '
		NR == FNR { k[$1] = $2; next }
		($1 in k) && $1 ~ re {
			n++
			if (k[$1] != $2) { printf "differs: %s: kernel \"%s\", nvdirect \"%s\"\n", $1, k[$1], $2 > "/dev/stderr"; bad++ }
		}
		END { print (bad ? -1 : n + 0) }' <(fields "$1") <(fields "$2"))
	note "compared $n fields"
	[ "$n" -ge "$3" ]
}

test_cli_id_ctrl_matches_kernel() {
	local b k w
	for b in "$CTRL0" "$CTRL1"; do
		bind_to nvme "$b"
		k=$(kctl "$b")
		nvme id-ctrl "$k" >/tmp/k_idctrl.txt
		nvme id-ctrl "$k" -H >/tmp/k_idctrlH.txt
		bind_to nvdirect "$b"
		"$NVDIRECT" id-ctrl "$b" >/tmp/n_idctrl.txt
		"$NVDIRECT" id-ctrl "$b" -H >/tmp/n_idctrlH.txt
		same_fields /tmp/k_idctrl.txt /tmp/n_idctrl.txt 70 ||
			fail "$b: nvdirect id-ctrl and nvme id-ctrl disagree"
		# -H decodes (OACS, FRMW, LPA, ONCS, FNA, VWC, SGLS...) read as nvme-cli's
		same_decodes /tmp/k_idctrlH.txt /tmp/n_idctrlH.txt 50 ||
			fail "$b: id-ctrl -H decodes differ from nvme id-ctrl -H"
	done
	for w in 'Format NVM Supported' 'Format Applies to' 'Volatile Write Cache' \
		'Scatter-Gather Lists' 'Number of Firmware Slots' 'SMART/Health Log' 'Write Zeroes'; do
		grep -q "$w" /tmp/n_idctrlH.txt || fail "id-ctrl -H does not decode '$w'"
	done
	grep -q '^mdts *: 2$' /tmp/n_idctrl.txt || fail "$CTRL1 should report mdts 2"
	# the comparison can fail: a changed value is caught
	sed 's/^\(mdts *: \).*/\17/' /tmp/n_idctrl.txt >/tmp/n_bad.txt
	expect_fail "a different mdts" same_fields /tmp/k_idctrl.txt /tmp/n_bad.txt 70
}

# decode_lines FILE: the "  [b:b] : value<TAB>meaning" lines of -H output,
# blanks squeezed.
decode_lines() {
	grep -E '^ +\[[0-9]+:[0-9]+\] *:' "$1" | sed 's/[[:space:]]\+/ /g; s/ $//' | sort -u
}

# same_decodes KERNEL NVDIRECT MIN: every -H decode line nvdirect prints is
# one nvme-cli prints too, and there are at least MIN of them.
same_decodes() {
	local missing n
	n=$(decode_lines "$2" | wc -l)
	missing=$(comm -13 <(decode_lines "$1") <(decode_lines "$2"))
	note "$n decode lines"
	[ -z "$missing" ] || {
		echo "nvme-cli does not print:"; echo "$missing"
		echo "nvme-cli prints:"; decode_lines "$1"
		return 1
	}
	[ "$n" -ge "$3" ]
}

test_cli_id_ns_matches_kernel() {
	local ns k
	bind_to nvme "$CTRL0"
	k=$(kctl "$CTRL0")
	for ns in 1 2 3; do
		nvme id-ns "$k" -n $ns >/tmp/k_idns$ns.txt
		nvme id-ns "$k" -n $ns -H >/tmp/k_idnsH$ns.txt
	done
	bind_to nvdirect "$CTRL0"
	for ns in 1 2 3; do
		"$NVDIRECT" id-ns "$CTRL0" -n $ns >/tmp/n_idns$ns.txt
		same_fields /tmp/k_idns$ns.txt /tmp/n_idns$ns.txt 25 ||
			fail "namespace $ns: nvdirect id-ns and nvme id-ns disagree"
		"$NVDIRECT" id-ns "$CTRL0" -n $ns -H >/tmp/n_idnsH$ns.txt
		same_decodes /tmp/k_idnsH$ns.txt /tmp/n_idnsH$ns.txt 18 ||
			fail "namespace $ns: id-ns -H decodes differ from nvme id-ns -H"
	done
	grep -q 'lbads:12 .*(in use)' /tmp/n_idns2.txt || fail "namespace 2 should use 4 KiB LBAs"
	grep -q 'Data Size: 512 bytes.*(in use)' /tmp/n_idnsH1.txt ||
		fail "id-ns -H does not decode the LBA format in use"
	# namespace 3: 8 bytes of metadata per 512 B LBA, in a separate buffer, in both
	for f in /tmp/k_idns3.txt /tmp/n_idns3.txt; do
		grep -Eq '^lbaf +[0-9]+ : ms:8 +lbads:9 .*\(in use\)' $f || fail "$f: ms:8 lbads:9 not in use"
	done
	for f in /tmp/k_idnsH3.txt /tmp/n_idnsH3.txt; do
		grep -Eq 'Metadata Size: 8 +bytes - Data Size: 512 bytes.*\(in use\)' $f ||
			fail "$f: -H does not show 8 bytes of metadata in use"
		grep -q 'Metadata Transferred in Separate Contiguous Buffer' $f ||
			fail "$f: -H does not say the metadata is in a separate buffer"
	done
	grep -q '^nvdirect: 8 bytes of metadata per LBA (separate buffer): reads and writes not supported' \
		/tmp/n_idns3.txt || fail "id-ns -n 3 does not say nvdirect does no I/O on it"
	grep -q '^nvdirect' /tmp/n_idns1.txt && fail "id-ns -n 1 has a note though it takes I/O"
	return 0
}

test_cli_smart_log_matches_kernel() {
	bind_to nvme "$CTRL0"
	nvme smart-log "$(kctl "$CTRL0")" >/tmp/k_smart.txt
	bind_to nvdirect "$CTRL0"
	"$NVDIRECT" smart-log "$CTRL0" >/tmp/n_smart.txt
	cat /tmp/n_smart.txt
	# counters move with every command; these do not
	same_fields /tmp/k_smart.txt /tmp/n_smart.txt 6 \
		'^(critical_warning|temperature|available_spare|available_spare_threshold|percentage_used|endurance group critical warning summary|Warning Temperature Time|Critical Composite Temperature Time)$' ||
		fail "smart-log disagrees with nvme smart-log"
	grep -Eq '^power_cycles +: [0-9]+$' /tmp/n_smart.txt || fail "no power_cycles counter"
}

# Each feature's value as both tools print it ("value:0x..."), or "failed".
FEATURES="1 2 4 5 6 7 8 10"	# not 0x0b: the kernel driver sets async event config

test_cli_get_feature_matches_kernel() {
	local f s k n=0
	bind_to nvme "$CTRL0"
	k=$(kctl "$CTRL0")
	for f in $FEATURES; do
		for s in 0 1 3; do
			{ nvme get-feature "$k" -f $f -s $s 2>/dev/null | grep -o 'value:0x[0-9a-f]*' ||
				echo failed; } >/tmp/k_feat_${f}_$s.txt
		done
	done
	bind_to nvdirect "$CTRL0"
	for f in $FEATURES; do
		for s in 0 1 3; do
			{ "$NVDIRECT" get-feature "$CTRL0" -f $f -s $s 2>/dev/null | grep -o 'value:0x[0-9a-f]*' ||
				echo failed; } >/tmp/n_feat.txt
			cmp -s /tmp/k_feat_${f}_$s.txt /tmp/n_feat.txt ||
				fail "feature $f sel $s: kernel $(cat /tmp/k_feat_${f}_$s.txt), nvdirect $(cat /tmp/n_feat.txt)"
			grep -q failed /tmp/n_feat.txt || n=$((n + 1))
		done
	done
	note "$n feature values agree"
	[ $n -ge 9 ] || fail "too few features answered to compare"
	"$NVDIRECT" get-feature "$CTRL0" -f 4 -H | grep -q 'Temperature Threshold.*Kelvin' ||
		fail "get-feature -H does not decode the temperature threshold"
	# a feature QEMU does not have fails with its status, exit 1
	expect_fail "unsupported feature 0x7f" "$NVDIRECT" get-feature "$CTRL0" -f 0x7f
}

test_cli_error_log_has_elpe_plus_one_entries() {
	local elpe
	bind_to nvme "$CTRL0"
	nvme error-log "$(kctl "$CTRL0")" | grep -c '^error_count' >/tmp/k_nerr.txt || true
	bind_to nvdirect "$CTRL0"
	elpe=$("$NVDIRECT" id-ctrl "$CTRL0" | sed -n 's/^elpe *: //p')
	"$NVDIRECT" error-log "$CTRL0" >/tmp/n_err.txt
	head -n 3 /tmp/n_err.txt
	grep -q "entries:$((elpe + 1))\$" /tmp/n_err.txt || fail "error-log should list elpe+1 = $((elpe + 1)) entries"
	[ "$(grep -c '^error_count' /tmp/n_err.txt)" = "$(cat /tmp/k_nerr.txt)" ] ||
		fail "nvme error-log shows $(cat /tmp/k_nerr.txt) entries, nvdirect $(grep -c '^error_count' /tmp/n_err.txt)"
	"$NVDIRECT" error-log "$CTRL0" -e 1 -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["errors"]) == 1 and "error_count" in d["errors"][0], d' || fail "error-log -e 1 -o json is not 1 entry of JSON"
}

# lbaf_index ID-NS-FILE LBADS: the first LBA format without metadata of 2^LBADS bytes.
lbaf_index() {
	sed -n "s/^lbaf *\([0-9]*\) : ms:0 *lbads:$2 .*/\1/p" "$1" | head -n1
}

test_cli_format_reformats_and_erases() {
	local big small dev
	bind_to nvdirect "$CTRL1"
	"$PATTERN" -s 31 write "$CTRL1" 1 0 2048
	"$NVDIRECT" id-ns "$CTRL1" -n 1 >/tmp/n_fmt0.txt
	big=$(lbaf_index /tmp/n_fmt0.txt 12)
	small=$(lbaf_index /tmp/n_fmt0.txt 9)
	note "LBA formats: 512 B at $small, 4 KiB at $big"
	[ -n "$big" ] && [ -n "$small" ] || fail "QEMU should offer 512 B and 4 KiB formats"
	expect_fail "format without --force and no terminal" "$NVDIRECT" format "$CTRL1" -n 1 -l "$big" </dev/null
	"$NVDIRECT" format "$CTRL1" -n 1 -l "$big" --force
	"$NVDIRECT" id-ns "$CTRL1" -n 1 | grep -Eq "^lbaf +$big : ms:0 +lbads:12 .*\(in use\)" ||
		fail "LBA format $big is not in use after format"
	"$PATTERN" info "$CTRL1" 1 | grep -q '^lba_size 4096 ' || fail "nvdirect does not see 4 KiB LBAs"
	expect_fail "the old data after format" "$PATTERN" -s 31 verify "$CTRL1" 1 0 256
	# the kernel sees the new format and zeroes where the data was
	bind_to nvme "$CTRL1"
	dev=$(kdev "$CTRL1" 1)
	[ "$(cat "/sys/block/$(basename "$dev")/queue/logical_block_size")" = 4096 ] ||
		fail "the kernel does not see 4 KiB LBAs"
	cmp <(dd if="$dev" bs=4096 count=256 iflag=direct status=none) <(head -c $((256 * 4096)) /dev/zero) ||
		fail "data is not zero after format"
	# and back, so the other tests find the layout they expect
	bind_to nvdirect "$CTRL1"
	"$NVDIRECT" format "$CTRL1" -n 1 -l "$small" --force
	"$PATTERN" info "$CTRL1" 1 | grep -q '^lba_size 512 ' || fail "format back to 512 B LBAs"
	# an LBA format the namespace does not have is refused before anything is sent
	"$NVDIRECT" format "$CTRL1" -n 1 -l 63 --force 2>/tmp/err.txt && fail "format -l 63 succeeded"
	grep -q -- '-l 63' /tmp/err.txt || fail "format -l 63: $(cat /tmp/err.txt)"
}

test_cli_setup_skips_mounted_binds_free_and_resets() {
	local out k1 pid
	bind_to nvme "$CTRL0"
	bind_to nvme "$CTRL1"
	rm -rf /run/nvdirect
	# setup must load the module itself (run alone, no earlier test loaded it)
	if nvd_loaded; then rmmod nvdirect || fail "rmmod nvdirect"; fi
	modprobe ext4 || fail "modprobe ext4"
	mkfs.ext4 -q -F "$(kdev "$CTRL1" 1)"
	mkdir -p /tmp/cli_mnt
	mount "$(kdev "$CTRL1" 1)" /tmp/cli_mnt
	k1=$(basename "$(kdev "$CTRL1" 1)")
	out=$(NVD_KO= "$NVDIRECT" setup --module "$NVD_KO") || { umount /tmp/cli_mnt; fail "setup: $out"; }
	# named, it is still skipped, and the exit status says so
	"$NVDIRECT" setup "$CTRL1" >/tmp/setup1.txt && { umount /tmp/cli_mnt; fail "setup of a mounted controller succeeded"; }
	umount /tmp/cli_mnt
	grep -q "so not binding" /tmp/setup1.txt || fail "named setup: $(cat /tmp/setup1.txt)"
	echo "$out"
	nvd_loaded || fail "setup did not load nvdirect.ko"
	echo "$out" | grep -qx "$CTRL0 (1b36 0010): nvme -> nvdirect" || fail "setup did not bind $CTRL0"
	echo "$out" | grep -q "^$CTRL1 (1b36 0010): Active devices: mount@$k1:/tmp/cli_mnt, so not binding\$" ||
		fail "setup did not skip the mounted $CTRL1"
	[ "$(driver_of "$CTRL0")" = nvdirect ] || fail "$CTRL0 is on $(driver_of "$CTRL0")"
	[ "$(driver_of "$CTRL1")" = nvme ] || fail "$CTRL1 is on $(driver_of "$CTRL1")"
	[ "$(cat /run/nvdirect/$CTRL0)" = nvme ] || fail "previous driver not remembered"

	"$NVDIRECT" status | tee /tmp/status.txt
	grep -Eq "^$CTRL0 +1b36:0010 +nvdirect +/dev/nvdirect[0-9]+ +- +0 +nvme\$" /tmp/status.txt ||
		fail "status row of $CTRL0"
	grep -Eq "^$CTRL1 +1b36:0010 +nvme +/dev/nvme[0-9]+ +- +- +-\$" /tmp/status.txt ||
		fail "status row of $CTRL1"
	"$NVDIRECT" status -o json | python3 -c '
import json, sys
d = {c["bdf"]: c for c in json.load(sys.stdin)["controllers"]}
assert d["'"$CTRL0"'"]["driver"] == "nvdirect" and d["'"$CTRL1"'"]["driver"] == "nvme", d' ||
		fail "status -o json"
	"$NVDIRECT" id-ctrl "$CTRL0" | grep -q '^sn *: NVD0001' || fail "bound controller does not work"
	# an owner with its own memory pinned (zero copy) shows in the table
	"$PATTERN" -z -c 8 loop "$CTRL0" 1 0 4096 >/tmp/cli-loop.out 2>&1 &
	pid=$!
	wait_for 30 grep -q looping /tmp/cli-loop.out || { kill $pid; fail "loop did not start"; }
	"$NVDIRECT" status | tee /tmp/status.txt
	kill $pid; wait $pid 2>/dev/null || true
	grep -Eq "^$CTRL0 +1b36:0010 +nvdirect +/dev/nvdirect[0-9]+ +$pid +[1-9][0-9]* +nvme\$" /tmp/status.txt ||
		fail "status should show owner $pid with pinned bytes"
	# setup of a controller in use by nvdirect's own owner is harmless
	"$NVDIRECT" setup "$CTRL0" | grep -q "already bound" || fail "setup of a bound controller"

	out=$("$NVDIRECT" reset)
	echo "$out"
	echo "$out" | grep -qx "$CTRL0 (1b36 0010): nvdirect -> nvme" || fail "reset did not give $CTRL0 back"
	[ "$(driver_of "$CTRL0")" = nvme ] || fail "$CTRL0 is on $(driver_of "$CTRL0") after reset"
	[ ! -e /run/nvdirect/$CTRL0 ] || fail "state of $CTRL0 left behind"
	wait_for 30 kdev "$CTRL0" 1 >/dev/null || fail "no block device for $CTRL0 after reset"
	# named: binds just that one, a second setup says it is already bound
	"$NVDIRECT" setup "$CTRL1" | grep -qx "$CTRL1 (1b36 0010): nvme -> nvdirect" || fail "setup $CTRL1"
	"$NVDIRECT" setup "$CTRL1" | grep -q "already bound" || fail "second setup $CTRL1"
	[ "$(driver_of "$CTRL0")" = nvme ] || fail "setup $CTRL1 touched $CTRL0"
	"$NVDIRECT" reset "$CTRL1" | grep -qx "$CTRL1 (1b36 0010): nvdirect -> nvme" || fail "reset $CTRL1"
}

# cli_src: the source tree (contrib/, doc/), two levels above this file.
cli_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# setup_skips_holder BDF NODE: while a process holds /dev/NODE, setup of BDF
# is skipped with "open@NODE:pid P"; once the holder is gone it binds.
setup_skips_holder() {
	local bdf=$1 node=$2 pid rc=0
	[ -c "/dev/$node" ] || fail "/dev/$node is not a character device"
	# a process holding /dev/NODE open on fd 3 (not in $(...): its stdout
	# would keep the substitution waiting)
	sleep 600 3<"/dev/$node" >/dev/null &
	pid=$!
	wait_for 10 test -e "/proc/$pid/fd/3" || fail "holder of /dev/$node did not start"
	"$NVDIRECT" setup "$bdf" >/tmp/setup_open.txt || rc=$?
	kill "$pid"; wait "$pid" 2>/dev/null || true
	cat /tmp/setup_open.txt
	[ $rc = 1 ] || fail "setup of $bdf with /dev/$node open: exit $rc, expected 1"
	grep -qx "$bdf (1b36 0010): Active devices: open@$node:pid $pid, so not binding" /tmp/setup_open.txt ||
		fail "setup did not name the holder of /dev/$node"
	[ "$(driver_of "$bdf")" = nvme ] || fail "$bdf went to $(driver_of "$bdf") while /dev/$node was open"
	"$NVDIRECT" setup "$bdf" | grep -qx "$bdf (1b36 0010): nvme -> nvdirect" ||
		fail "setup of $bdf once /dev/$node was closed"
	"$NVDIRECT" reset "$bdf" | grep -qx "$bdf (1b36 0010): nvdirect -> nvme" || fail "reset $bdf"
	wait_for 30 kdev "$bdf" 1 >/dev/null || fail "no block device for $bdf after reset"
}

test_cli_setup_skips_open_char_devices() {
	local c ng
	bind_to nvme "$CTRL0"
	nvd_load
	c=$(basename "$(kctl "$CTRL0")")
	for ng in /sys/class/nvme/"$c"/ng*; do break; done
	[ -e "$ng" ] || fail "no generic namespace node under $c"
	# a generic namespace (/dev/ngXnY), then the controller itself (/dev/nvmeX)
	setup_skips_holder "$CTRL0" "$(basename "$ng")"
	setup_skips_holder "$CTRL0" "$c"
}

# param_of NAME: nvdirect.ko's parameter NAME as sysfs shows it.
param_of() { cat "/sys/module/nvdirect/parameters/$1"; }

# setup_refused WHY ARGS...: setup ARGS exits 2 with one line matching WHY,
# and nvdirect.ko is not loaded.
setup_refused() {
	local why=$1 rc=0; shift
	"$NVDIRECT" setup "$@" >/dev/null 2>/tmp/err.txt || rc=$?
	note "nvdirect setup $*: $(cat /tmp/err.txt)"
	[ $rc = 2 ] || fail "setup $*: exit $rc, expected 2"
	[ "$(wc -l </tmp/err.txt)" = 1 ] || fail "setup $*: not one line"
	grep -q -- "$why" /tmp/err.txt || fail "setup $*: does not say '$why'"
	! nvd_loaded || fail "setup $* loaded nvdirect.ko"
}

test_cli_setup_param() {
	local out rc=0
	bind_to nvme "$CTRL0"
	bind_to nvme "$CTRL1"
	if nvd_loaded; then rmmod nvdirect || fail "rmmod nvdirect"; fi
	setup_refused "nvdirect.ko has no parameter 'bogus' (its parameters: max_dma_bytes, max_pinned_bytes)" \
		--param bogus=1 "$CTRL0"
	setup_refused "'lots' is not a valid value for max_pinned_bytes (ulong)" \
		--param max_pinned_bytes=lots "$CTRL0"
	setup_refused "is not NAME=VALUE" --param max_pinned_bytes "$CTRL0"
	[ "$(driver_of "$CTRL0")" = nvme ] || fail "a refused setup moved $CTRL0"

	out=$("$NVDIRECT" setup --param max_pinned_bytes=2147483648 --param max_dma_bytes=0x20000000 "$CTRL0") ||
		fail "setup --param: $out"
	echo "$out"
	echo "$out" | grep -q "^loaded .* with max_pinned_bytes=2147483648 max_dma_bytes=0x20000000\$" ||
		fail "setup did not say what it loaded"
	[ "$(param_of max_pinned_bytes)" = 2147483648 ] || fail "max_pinned_bytes is $(param_of max_pinned_bytes)"
	[ "$(param_of max_dma_bytes)" = 536870912 ] || fail "max_dma_bytes is $(param_of max_dma_bytes)"
	[ "$(driver_of "$CTRL0")" = nvdirect ] || fail "$CTRL0 not bound"
	# loaded already: another value is said, not ignored; the same one is fine
	"$NVDIRECT" setup --param max_pinned_bytes=4096 "$CTRL1" 2>/tmp/err.txt && fail "a different value was ignored"
	cat /tmp/err.txt
	grep -q "already loaded with max_pinned_bytes=2147483648" /tmp/err.txt || fail "setup did not say the loaded value"
	[ "$(driver_of "$CTRL1")" = nvme ] || fail "$CTRL1 bound despite the refused parameter"
	"$NVDIRECT" setup --param max_pinned_bytes=0x80000000 "$CTRL1" | grep -qx "$CTRL1 (1b36 0010): nvme -> nvdirect" ||
		fail "setup with the loaded value"
	"$NVDIRECT" reset >/dev/null || fail "reset"
	rmmod nvdirect || fail "rmmod nvdirect"
}

# The installed module, found by name as modprobe finds it, with the options
# modprobe.d gives it, when neither --module nor $NVD_KO names one.  The
# module tree is a copy with nvdirect.ko in extra/ (as DKMS installs it),
# bind-mounted over the real one: depmod of all modules takes minutes in TCG.
test_cli_setup_loads_installed_module() {
	local v mods tree=/tmp/cli_modroot out rc=0
	v=$(uname -r) mods=/lib/modules/$(uname -r)
	bind_to nvme "$CTRL0"
	if nvd_loaded; then rmmod nvdirect || fail "rmmod nvdirect"; fi
	mkdir -p "$tree$mods/extra"
	cp "$NVD_KO" "$tree$mods/extra/nvdirect.ko" || fail "cannot install nvdirect.ko"
	cp "$mods"/modules.builtin* "$mods/modules.order" "$tree$mods/" 2>/dev/null
	depmod -b "$tree" "$v" || fail "depmod"
	echo "options nvdirect max_dma_bytes=805306368" >/etc/modprobe.d/nvdirect-test.conf
	mount --bind "$tree$mods" "$mods" || fail "mount --bind $mods"
	out=$(cd / && NVD_KO= "$NVDIRECT" setup --param max_pinned_bytes=3221225472 "$CTRL0") || rc=$?
	umount "$mods"
	rm -f /etc/modprobe.d/nvdirect-test.conf
	echo "$out"
	[ $rc = 0 ] || fail "setup without --module: exit $rc"
	echo "$out" | grep -qx "loaded $mods/extra/nvdirect.ko with max_pinned_bytes=3221225472" ||
		fail "setup did not load the installed module"
	[ "$(param_of max_dma_bytes)" = 805306368 ] || fail "modprobe.d's option not applied: $(param_of max_dma_bytes)"
	[ "$(param_of max_pinned_bytes)" = 3221225472 ] || fail "--param not applied: $(param_of max_pinned_bytes)"
	[ "$(driver_of "$CTRL0")" = nvdirect ] || fail "$CTRL0 not bound"
	"$NVDIRECT" reset "$CTRL0" >/dev/null || fail "reset"
	rmmod nvdirect || fail "rmmod nvdirect"
	# nothing installed, no ./nvdirect.ko: one line that says where to look
	rc=0
	(cd / && NVD_KO= "$NVDIRECT" setup "$CTRL0") 2>/tmp/err.txt || rc=$?
	cat /tmp/err.txt
	[ $rc = 1 ] && grep -q "not installed, no ./nvdirect.ko.*--module PATH" /tmp/err.txt ||
		fail "setup with no module to load: exit $rc"
	! nvd_loaded || fail "nvdirect.ko loaded from nowhere"
}

test_cli_bash_completion() {
	local words
	bind_to nvme "$CTRL0"
	bind_to nvdirect "$CTRL1"
	# shellcheck source=/dev/null
	. "$cli_src/contrib/bash-completion/nvdirect"
	COMP_WORDS=(nvdirect id-ctrl ''); COMP_CWORD=2; _nvdirect
	words=" ${COMPREPLY[*]} "
	note "nvdirect id-ctrl <TAB>:$words"
	case $words in *" $CTRL0 "*) ;; *) fail "completion misses $CTRL0 (on nvme)" ;; esac
	case $words in *" $CTRL1 "*) ;; *) fail "completion misses $CTRL1 (on nvdirect)" ;; esac
	COMP_WORDS=(nvdirect-perf -r 'trtype:PCIe traddr:'); COMP_CWORD=2; _nvdirect_perf
	printf '%s\n' "${COMPREPLY[@]}" | grep -qx "trtype:PCIe traddr:$CTRL1" || fail "nvdirect-perf -r completion"
}

# bad_arg CMD...: exit status 2 and exactly one line on stderr, shown.
bad_arg() {
	local rc=0
	"$NVDIRECT" "$@" >/dev/null 2>/tmp/err.txt || rc=$?
	note "nvdirect $*: $(cat /tmp/err.txt)"
	[ $rc = 2 ] || fail "nvdirect $*: exit $rc, expected 2"
	[ "$(wc -l </tmp/err.txt)" = 1 ] || fail "nvdirect $*: not one line"
}

test_cli_bad_arguments_get_one_line() {
	bind_to nvdirect "$CTRL0"
	bad_arg frobnicate
	bad_arg id-ctrl
	bad_arg id-ctrl 0000:00:zz.0
	bad_arg id-ns "$CTRL0"
	bad_arg id-ns "$CTRL0" -n 0
	bad_arg id-ns "$CTRL0" -n 9
	grep -q "active: 1 2 3)" /tmp/err.txt || fail "id-ns -n 9 should list the active namespaces"
	bad_arg get-feature "$CTRL0" -f 256
	grep -q "'256'.*1\.\.255" /tmp/err.txt || fail "get-feature -f 256 should name the value and the range"
	bad_arg get-feature "$CTRL0" -f 4 -s 4
	bad_arg format "$CTRL0" -n 1 -l 64 --force
	bad_arg format "$CTRL0" -n 1 -l 9 --force
	grep -q "0\.\.7" /tmp/err.txt || fail "format -l 9 should name the namespace's formats"
	bad_arg format "$CTRL0" -n 1 --ses 3 --force
	bad_arg smart-log "$CTRL0" -o yaml
	bad_arg error-log "$CTRL0" -e 0
	bad_arg list --bogus
	bad_arg id-ctrl "$CTRL0" -f 4
	bad_arg setup 0000:00:1f.7
	bad_arg fw-log
	bad_arg fw-log "$CTRL0" -n 1
	grep -q "fw-log does not take -n" /tmp/err.txt || fail "fw-log -n should be refused by name"
	bad_arg ns-descs "$CTRL0"
	grep -q "needs -n NSID" /tmp/err.txt || fail "ns-descs without -n should ask for it"
	bad_arg ns-descs "$CTRL0" -n 7
	grep -q -- "-n 7: no such active namespace.*active: 1 2 3)" /tmp/err.txt ||
		fail "ns-descs -n 7 should list the active namespaces"
	bad_arg ns-descs "$CTRL0" -n 0xffffffff
	bad_arg ns-descs "$CTRL0" -n 1 -o xml
	grep -q "'xml'.*normal, json" /tmp/err.txt || fail "-o xml should name the formats"
	# each command has its own help, exit 0
	for c in fw-log ns-descs id-ns; do
		"$NVDIRECT" $c --help | grep -q "^usage: nvdirect $c " || fail "$c --help"
		"$NVDIRECT" help $c | grep -q "^usage: nvdirect $c " || fail "help $c"
	done
}

# -r TRID on the commands that name a controller: the same output as the
# BDF; ns:N is -n N; bad or conflicting ones get one line, exit 2; setup
# and reset take -r too; trtype:TCP parses but cannot connect (exit 1).
test_cli_transport_id() {
	local rc out
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	"$NVDIRECT" id-ctrl "$CTRL0" >/tmp/bdf.txt || fail "id-ctrl $CTRL0"
	"$NVDIRECT" id-ctrl -r "trtype:PCIe traddr:$CTRL0" >/tmp/trid.txt || fail "id-ctrl -r"
	[ "$(wc -l </tmp/trid.txt)" -gt 50 ] || fail "id-ctrl -r printed $(wc -l </tmp/trid.txt) lines"
	cmp /tmp/bdf.txt /tmp/trid.txt || fail "id-ctrl -r differs from id-ctrl BDF"
	"$NVDIRECT" id-ns "$CTRL0" -n 2 >/tmp/bdf.txt || fail "id-ns -n 2"
	"$NVDIRECT" id-ns -r "trtype:PCIe traddr:${CTRL0#0000:} ns:2" >/tmp/trid.txt || fail "id-ns -r ns:2"
	cmp /tmp/bdf.txt /tmp/trid.txt || fail "id-ns -r ... ns:2 differs from id-ns BDF -n 2"
	"$NVDIRECT" id-ns "$CTRL0" -n 1 | cmp -s - /tmp/trid.txt && fail "namespaces 1 and 2 look the same: the comparison proves nothing"

	bad_arg id-ctrl -r 'trtype:PCIe traddr:0000:00:zz.0'
	grep -qxF "nvdirect: -r 'trtype:PCIe traddr:0000:00:zz.0': traddr '0000:00:zz.0' is not a PCI address (DDDD:BB:DD.F); expected a transport ID like 'trtype:PCIe traddr:0000:00:03.0'" /tmp/err.txt ||
		fail "malformed -r: words do not name the value and the syntax"
	bad_arg id-ctrl -r "trtype:PCIe traddr:$CTRL0 bogus:1"
	grep -q "unknown key 'bogus'" /tmp/err.txt || fail "-r with an unknown key: not named"
	bad_arg id-ctrl "$CTRL0" -r "trtype:PCIe traddr:$CTRL0"
	bad_arg id-ctrl -r "trtype:PCIe traddr:$CTRL0" -r "trtype:PCIe traddr:$CTRL1"
	bad_arg id-ctrl -r "trtype:PCIe traddr:$CTRL0 ns:1"
	grep -q "id-ctrl does not take a namespace" /tmp/err.txt || fail "id-ctrl -r ... ns:1 accepted"
	bad_arg id-ns -r "trtype:PCIe traddr:$CTRL0 ns:1" -n 2
	bad_arg list -r "trtype:PCIe traddr:$CTRL0"
	bad_arg setup -r 'trtype:TCP traddr:127.0.0.1'
	grep -q "setup moves PCI functions between drivers: -r 'trtype:TCP traddr:127.0.0.1' is trtype:TCP, not PCIe" /tmp/err.txt ||
		fail "setup -r trtype:TCP: $(cat /tmp/err.txt)"
	bad_arg reset -r "trtype:PCIe traddr:$CTRL1 ns:1"
	grep -q "reset moves whole controllers" /tmp/err.txt || fail "reset -r ... ns:1: $(cat /tmp/err.txt)"

	rc=0
	out=$("$NVDIRECT" id-ctrl -r 'trtype:TCP traddr:127.0.0.1' 2>&1) || rc=$?
	note "id-ctrl -r trtype:TCP: [$rc] $out"
	[ "$rc" = 1 ] || fail "id-ctrl -r trtype:TCP exited $rc, expected 1"
	echo "$out" | grep -q "^nvdirect: cannot connect to trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420: .*an NVMe/TCP controller needs subnqn:" ||
		fail "id-ctrl -r trtype:TCP without subnqn: words do not say the subsystem is missing"

	# reset and setup by TRID move the named controller only
	"$NVDIRECT" reset -r "trtype:PCIe traddr:$CTRL1" || fail "reset -r $CTRL1"
	[ "$(driver_of "$CTRL1")" = nvme ] || fail "reset -r: $CTRL1 is on $(driver_of "$CTRL1")"
	[ "$(driver_of "$CTRL0")" = nvdirect ] || fail "reset -r $CTRL1 moved $CTRL0"
	"$NVDIRECT" setup -r "trtype:PCIe traddr:$CTRL1" || fail "setup -r $CTRL1"
	[ "$(driver_of "$CTRL1")" = nvdirect ] || fail "setup -r: $CTRL1 is on $(driver_of "$CTRL1")"
}

test_cli_list_and_json() {
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	"$NVDIRECT" list | tee /tmp/list.txt
	head -n1 /tmp/list.txt | grep -Eq '^Node +BDF +SN +Model +Namespace +Usage +Format +FW Rev' ||
		fail "list header"
	[ "$(grep -c '^/dev/nvdirect' /tmp/list.txt)" = 4 ] || fail "list should show 4 namespaces"
	grep -Eq "^/dev/nvdirect[0-9]+ +$CTRL0 +NVD0001 +QEMU NVMe Ctrl +2 +.*4 KiB \+  0 B" /tmp/list.txt ||
		fail "list row of $CTRL0 namespace 2"
	# the namespace with metadata is listed, with its metadata size
	grep -Eq "^/dev/nvdirect[0-9]+ +$CTRL0 +NVD0001 +QEMU NVMe Ctrl +3 +.*512   B \+  8 B" /tmp/list.txt ||
		fail "list row of $CTRL0 namespace 3 (512 B + 8 B of metadata)"
	"$NVDIRECT" id-ctrl "$CTRL0" -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["vid"] == 0x1b36 and d["sn"].strip() == "NVD0001" and d["mdts"] == 7, d' ||
		fail "id-ctrl -o json"
	"$NVDIRECT" list -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)["Devices"]
assert len(d) == 4 and sorted(x["SectorSize"] for x in d) == [512, 512, 512, 4096], d' ||
		fail "list -o json"
	"$NVDIRECT" id-ctrl "$CTRL0" -H | grep -q 'Format NVM Supported' || fail "id-ctrl -H does not decode OACS"
}

# same_json KERNEL NVDIRECT: the two JSON documents hold the same values; a
# top-level object with one member keyed by the device name (fw-log) is
# compared by that member, since the names differ.
same_json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
k, n = (json.load(open(f)) for f in sys.argv[1:3])
def body(d):
    return list(d.values())[0] if isinstance(d, dict) and len(d) == 1 and "ns-descs" not in d else d
if body(k) != body(n):
    sys.exit("kernel %s\nnvdirect %s" % (k, n))
print("  same JSON:", json.dumps(body(n)))
PY
}

test_cli_fw_log_matches_kernel() {
	local b k
	for b in "$CTRL0" "$CTRL1"; do
		bind_to nvme "$b"
		k=$(kctl "$b")
		nvme fw-log "$k" >/tmp/k_fw.txt
		nvme fw-log "$k" -o json >/tmp/k_fw.json
		bind_to nvdirect "$b"
		"$NVDIRECT" fw-log "$b" >/tmp/n_fw.txt
		"$NVDIRECT" fw-log "$b" -o json >/tmp/n_fw.json
		cat /tmp/k_fw.txt /tmp/n_fw.txt
		same_fields /tmp/k_fw.txt /tmp/n_fw.txt 2 '^(afi|frs[1-7])$' ||
			fail "$b: nvdirect fw-log and nvme fw-log disagree"
		same_json /tmp/k_fw.json /tmp/n_fw.json || fail "$b: fw-log -o json differs"
	done
	head -n1 /tmp/n_fw.txt | grep -qx "Firmware Log for device:$CTRL1" || fail "fw-log title"
	# QEMU runs slot 1, which holds its version
	grep -Eq '^afi +: 0x1$' /tmp/n_fw.txt || fail "afi should say slot 1 is active"
	grep -Eq '^frs1 +: 0x[0-9a-f]+ \([0-9.]+\.*\)$' /tmp/n_fw.txt || fail "frs1 should hold a revision"
	"$NVDIRECT" fw-log "$CTRL1" -H | grep -q 'Active Firmware Slot' || fail "fw-log -H does not decode afi"
	# the comparison can fail
	sed 's/^afi.*/afi  : 0x2/' /tmp/n_fw.txt >/tmp/n_bad.txt
	expect_fail "a different afi" same_fields /tmp/k_fw.txt /tmp/n_bad.txt 2 '^(afi|frs[1-7])$'
}

test_cli_ns_descs_matches_kernel() {
	local ns k pairs="$CTRL0:1 $CTRL0:2 $CTRL0:3 $CTRL1:1" p b
	for b in "$CTRL0" "$CTRL1"; do bind_to nvme "$b"; done
	for p in $pairs; do
		b=${p%:*} ns=${p##*:}
		nvme ns-descs "$(kctl "$b")" -n $ns >"/tmp/k_desc_$p.txt"
		nvme ns-descs "$(kctl "$b")" -n $ns -o json >"/tmp/k_desc_$p.json"
	done
	for b in "$CTRL0" "$CTRL1"; do bind_to nvdirect "$b"; done
	for p in $pairs; do
		b=${p%:*} ns=${p##*:}
		"$NVDIRECT" ns-descs "$b" -n $ns >"/tmp/n_desc_$p.txt"
		"$NVDIRECT" ns-descs "$b" -n $ns -o json >"/tmp/n_desc_$p.json"
		cat "/tmp/n_desc_$p.txt"
		head -n1 "/tmp/n_desc_$p.txt" | grep -qx "NVME Namespace Identification Descriptors NS $ns:" ||
			fail "ns-descs title of $p"
		# the layout gives each namespace a UUID and an EUI-64; csi 0 is NVM
		same_fields "/tmp/k_desc_$p.txt" "/tmp/n_desc_$p.txt" 3 '^(eui64|nguid|uuid|csi)$' ||
			{ cat "/tmp/k_desc_$p.txt"; fail "$p: nvdirect ns-descs and nvme ns-descs disagree"; }
		same_json "/tmp/k_desc_$p.json" "/tmp/n_desc_$p.json" || fail "$p: ns-descs -o json differs"
	done
	# the identifiers tests/vm/run.sh gave namespace 3 of $CTRL0
	grep -qx 'uuid *: 6e766469-7265-4374-a000-000000010003' "/tmp/n_desc_$CTRL0:3.txt" ||
		fail "uuid of $CTRL0 namespace 3"
	grep -qx 'eui64 *: 6e76640000000103' "/tmp/n_desc_$CTRL0:3.txt" || fail "eui64 of $CTRL0 namespace 3"
	grep -qx 'csi *: 0' "/tmp/n_desc_$CTRL0:3.txt" || fail "csi of $CTRL0 namespace 3"
	[ "$(cat /tmp/n_desc_*.txt | sed -n 's/^uuid *: //p' | sort -u | wc -l)" = 4 ] ||
		fail "expected 4 distinct namespace UUIDs"
	# -H adds where each descriptor sits
	"$NVDIRECT" ns-descs "$CTRL0" -n 3 -H | grep -Eq '^nidt +: 3$' || fail "ns-descs -H shows no nidt"
}
