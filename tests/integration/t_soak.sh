# Data integrity soak (nvd_soak): threads with a queue pair each write
# self-describing blocks at random; afterwards every LBA must hold the last
# generation the controller acknowledged, read through nvdirect and, after a
# rebind, through the kernel's nvme driver.  The verifiers are shown to
# catch damage: they name exactly the LBAs that were tampered with.

# soak_field OUTPUT KEY: the value of nvd_soak's "KEY : value" line.
soak_field() { echo "$1" | sed -n "s/^$2 *: //p" | head -n1; }

# soak_passed OUTPUT: the summary shows no damage, no loss, no failed command.
soak_passed() {
	local k
	[ "$(soak_field "$1" result)" = PASS ] || fail "result is not PASS"
	for k in mismatches lost errors unreadable; do
		[ "$(soak_field "$1" $k)" = 0 ] || fail "$k: $(soak_field "$1" $k), expected 0"
	done
}

# soak_refuses TEXT ARGS...: nvd_soak ARGS exits 2 with one line containing TEXT.
soak_refuses() {
	local want=$1 out rc=0
	shift
	out=$("$SOAK" "$@" 2>&1) || rc=$?
	echo "nvd_soak $* -> $out"
	[ $rc = 2 ] || fail "nvd_soak $*: exit $rc, expected 2"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "nvd_soak $*: expected one line"
	echo "$out" | grep -qF -- "$want" || fail "nvd_soak $*: does not say '$want'"
}

# written_lbas MAP N LBA...: the first N of the LBAs that the soak wrote.
written_lbas() {
	local map=$1 n=$2
	shift 2
	"$SOAK" map -m "$map" "$@" | awk '$1 == "LBA" && $4 > 0 && $4 < 4294967295 { print $2 }' |
		head -n "$n" | xargs
}

test_soak_512_and_4k_namespaces_hold_what_was_acknowledged() {
	local ns out writes
	declare -A seen
	bind_to nvdirect "$CTRL0"
	for ns in 1 2; do
		out=$("$SOAK" run -t 12 -j 2 -q 8 -m "/tmp/soak-ns$ns.map" "$CTRL0" $ns) ||
			{ echo "$out"; fail "soak of namespace $ns failed"; }
		echo "$out"
		soak_passed "$out"
		writes=$(soak_field "$out" ops | sed -n 's/.*(\([0-9]*\) writes.*/\1/p')
		[ "${writes:-0}" -ge 1000 ] || fail "only ${writes:-0} writes in 12 s"
		seen[$ns]=$(soak_field "$out" verified | cut -d, -f1)
	done
	# the kernel's driver finds the same blocks, each with the same generation
	bind_to nvme "$CTRL0"
	for ns in 1 2; do
		out=$("$SOAK" verify-kernel -m "/tmp/soak-ns$ns.map" "$(kdev "$CTRL0" $ns)") ||
			{ echo "$out"; fail "kernel verify of namespace $ns failed"; }
		echo "$out"
		soak_passed "$out"
		[ "$(soak_field "$out" verified | cut -d, -f1)" = "${seen[$ns]}" ] ||
			fail "namespace $ns: the kernel verified '$(soak_field "$out" verified)', nvdirect '${seen[$ns]}'"
	done
}

test_soak_verifiers_name_exactly_the_damaged_lbas() {
	local map=/tmp/soak-neg.map dev out a c d gen_d
	bind_to nvdirect "$CTRL0"
	out=$("$SOAK" run -t 3 -R 20000:2048 -m $map "$CTRL0" 1) || { echo "$out"; fail "soak failed"; }
	read -r a c d <<<"$(written_lbas $map 3 $(seq 20100 50 21900))"
	[ -n "$d" ] || fail "the soak wrote fewer than 3 of the sampled LBAs"
	gen_d=$("$SOAK" map -m $map "$d" | awk '$1 == "LBA" { print $4 }')
	bind_to nvme "$CTRL0"
	dev=$(kdev "$CTRL0" 1)
	out=$("$SOAK" verify-kernel -m $map "$dev") || { echo "$out"; fail "verify failed before any damage"; }

	# a misdirected write: LBA a holds LBA c's block, with a valid checksum
	dd if="$dev" of=/tmp/soak-c.blk bs=512 skip="$c" count=1 iflag=direct status=none
	dd if=/tmp/soak-c.blk of="$dev" bs=512 seek="$a" count=1 oflag=direct status=none
	# foreign data at c
	"$PATTERN" -s 5 gen "$c" 1 512 | dd of="$dev" bs=512 seek="$c" count=1 oflag=direct status=none
	# a lost write at d: acknowledged one generation after what the device holds
	"$SOAK" map -m $map "$d=$((gen_d + 1))" >/dev/null

	expect_damage() {
		local lines
		echo "$1"
		[ "$(soak_field "$1" result)" = FAIL ] || fail "result is not FAIL"
		[ "$(soak_field "$1" mismatches)" = 2 ] || fail "expected 2 mismatches"
		[ "$(soak_field "$1" lost)" = 1 ] || fail "expected 1 lost write"
		lines=$(echo "$1" | grep '^nvd_soak: LBA ')
		[ "$(echo "$lines" | wc -l)" = 3 ] || fail "expected exactly 3 damaged LBAs named"
		echo "$lines" | grep -qx "nvd_soak: LBA $a: mismatch: holds LBA $c's block (gen [0-9]*)" ||
			fail "LBA $a (holding LBA $c's block) not named"
		echo "$lines" | grep -qx "nvd_soak: LBA $c: mismatch: is not a soak block, gen [0-9]* was acknowledged" ||
			fail "LBA $c (foreign data) not named"
		echo "$lines" | grep -qx "nvd_soak: LBA $d: lost: holds gen $gen_d, gen $((gen_d + 1)) was acknowledged" ||
			fail "LBA $d (lost write) not named"
	}
	if out=$("$SOAK" verify-kernel -m $map "$dev" 2>&1); then
		echo "$out"; fail "verify-kernel passed over damaged blocks"
	fi
	expect_damage "$out"
	bind_to nvdirect "$CTRL0"
	if out=$("$SOAK" verify -m $map "$CTRL0" 1 2>&1); then
		echo "$out"; fail "verify through nvdirect passed over damaged blocks"
	fi
	expect_damage "$out"
}

test_soak_4k_verifiers_name_a_damaged_block() {
	local map=/tmp/soak-neg4k.map dev out e b how
	bind_to nvdirect "$CTRL0"
	out=$("$SOAK" run -t 3 -R 1000:1024 -m $map "$CTRL0" 2) || { echo "$out"; fail "soak failed"; }
	e=$(written_lbas $map 1 $(seq 1500 10 1900))
	[ -n "$e" ] || fail "the soak wrote none of the sampled LBAs"
	bind_to nvme "$CTRL0"
	dev=$(kdev "$CTRL0" 2)
	# one byte changed in the middle of the block: only the checksum can tell
	dd if="$dev" of=/tmp/soak-e.blk bs=4096 skip="$e" count=1 iflag=direct status=none
	b=$(od -An -tu1 -j2000 -N1 /tmp/soak-e.blk | tr -d ' ')
	printf "\\x$(printf %02x $((b ^ 0x01)))" | dd of=/tmp/soak-e.blk bs=1 seek=2000 conv=notrunc status=none
	dd if=/tmp/soak-e.blk of="$dev" bs=4096 seek="$e" count=1 oflag=direct status=none
	for how in kernel nvdirect; do
		if [ $how = kernel ]; then
			out=$("$SOAK" verify-kernel -m $map "$dev" 2>&1) && fail "verify-kernel passed"
		else
			bind_to nvdirect "$CTRL0"
			out=$("$SOAK" verify -m $map "$CTRL0" 2 2>&1) && fail "verify passed"
		fi
		echo "$out"
		[ "$(soak_field "$out" mismatches)" = 1 ] || fail "$how: expected 1 mismatch"
		[ "$(soak_field "$out" lost)" = 0 ] || fail "$how: expected no lost write"
		[ "$(echo "$out" | grep -c '^nvd_soak: LBA ')" = 1 ] || fail "$how: expected one LBA named"
		echo "$out" | grep -q "^nvd_soak: LBA $e: mismatch: checksum mismatch (header says LBA $e gen " ||
			fail "$how: LBA $e not named as a checksum mismatch"
	done
}

test_soak_small_transfer_limit_controller() {
	local out
	bind_to nvdirect "$CTRL1"
	# mdts=2: 32 LBAs at most, so commands of 3..32 LBAs take a PRP list
	out=$("$SOAK" run -t 5 -j 2 -q 16 "$CTRL1" 1) || { echo "$out"; fail "soak failed"; }
	echo "$out"
	soak_passed "$out"
	echo "$out" | grep -q "commands of 1..32 LBAs" || fail "commands not capped at 32 LBAs"
}

test_soak_refuses_bad_flags_naming_value_and_limit() {
	local out
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	out=$("$SOAK" --help) || fail "--help failed"
	echo "$out" | grep -q "^usage: nvd_soak run" || fail "--help prints no usage"
	soak_refuses "-t 0 is below the minimum of 1" run -t 0 "$CTRL0" 1
	soak_refuses "-t 'ten' is not a number" run -t ten "$CTRL0" 1
	soak_refuses "-j 65 exceeds the maximum of 64" run -j 65 "$CTRL0" 1
	soak_refuses "-M 101 exceeds the maximum of 100" run -M 101 "$CTRL0" 1
	soak_refuses "-R '20' is not FIRST:COUNT" run -R 20 "$CTRL0" 1
	soak_refuses "-q 70000 exceeds the maximum of 65535" run -q 70000 "$CTRL0" 1
	soak_refuses "(CAP.MQES)" run -q 60000 "$CTRL0" 1
	soak_refuses "-b 1000 exceeds 512 LBAs, the most one command carries here (the soak's buffer size)" \
		run -b 1000 "$CTRL0" 1
	soak_refuses "-b 64 exceeds 32 LBAs, the most one command carries here (the namespace's transfer limit)" \
		run -b 64 "$CTRL1" 1
	soak_refuses "-R 524000:1000 ends past the last LBA 524287 of namespace 1" \
		run -R 524000:1000 "$CTRL0" 1
	soak_refuses "verify needs the map: -m FILE" verify "$CTRL0" 1
	soak_refuses "unknown command 'soak'" soak "$CTRL0" 1
	"$SOAK" run -t 1 -R 0:64 -m /tmp/soak-512.map "$CTRL0" 1 >/dev/null || fail "short soak failed"
	soak_refuses "map /tmp/soak-512.map is for 512-byte LBAs; namespace 2 has 4096-byte LBAs" \
		verify -m /tmp/soak-512.map "$CTRL0" 2
	head -c 300 /dev/urandom >/tmp/soak-bad.map
	soak_refuses "cannot load map /tmp/soak-bad.map: not a soak map" verify -m /tmp/soak-bad.map "$CTRL0" 1
}
