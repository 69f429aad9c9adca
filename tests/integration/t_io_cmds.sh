# NVM commands beyond read/write (write zeroes, deallocate, flush, compare),
# vectored I/O and large transfers, through SGLs and through PRPs
# (tests/integration/io_cmds.c).

IO_CMDS=$BIN/tests/integration/nvd_io_cmds

# io_cmds_run NSID [FORCE_PRP]: run nvd_io_cmds, print its lines, require
# every check to pass and the descriptor path it reports.
io_cmds_run() {
	local out rc=0 sgls c
	out=$(NVDIRECT_FORCE_PRP=${2:-0} "$IO_CMDS" "$CTRL0" "$1" 2>&1) || rc=$?
	echo "$out"
	[ $rc = 0 ] || fail "nvd_io_cmds ns $1 FORCE_PRP=${2:-0} failed"
	echo "$out" | grep -q '^FAIL' && fail "a check failed but exit status was 0"
	for c in write-zeroes deallocate flush compare-equal compare-different writev-aligned large; do
		echo "$out" | grep -q "^ok   $c:" || fail "ns $1: check $c did not pass"
	done
	# evidence of the path taken: the scattered list (512 B off a page
	# boundary, 8 KiB, the rest) cannot be PRPs.  It works only with SGLs
	# and is refused in words with PRPs forced.
	if [ "${2:-0}" = 1 ]; then
		echo "$out" | grep -q '^ok   writev-scattered-refused: PRPs forced: writev refused: .*PRPs cannot describe.*SGLs are turned off' ||
			fail "ns $1: with PRPs forced the scattered list was not refused in words"
	else
		sgls=$(echo "$out" | sed -n 's/.*controller SGLS \(0x[0-9a-f]*\),.*/\1/p')
		if [ -z "$sgls" ] || [ $((sgls & 3)) = 0 ]; then
			fail "ns $1: the controller reports no SGL support (SGLS '$sgls')"
		fi
		echo "$out" | grep -q '^ok   writev-scattered: 3 elements.*read back identical' ||
			fail "ns $1: the scattered list did not go through an SGL"
	fi
	# the harness gives QEMU discard=unmap: trimmed blocks must read zeroes
	echo "$out" | grep -q "^ok   deallocate-reads-zeroes:" ||
		fail "ns $1: deallocated blocks did not read back as zeroes"
}

# io_cmds_kernel_check NSID LBS: the vectored writes as the kernel reads them.
io_cmds_kernel_check() {
	local dev lbs=$2 lba n
	dev=$(kdev "$CTRL0" "$1")
	# scattered: 512 + 8192 + (1536 or 3584) bytes at 4 MiB, seed 77
	lba=$((4 * 1024 * 1024 / lbs))
	n=$(( (lbs == 512 ? 10240 : 12288) / lbs ))
	cmp <(dd if="$dev" bs="$lbs" skip="$lba" count="$n" iflag=direct status=none) \
		<("$PATTERN" -s 77 gen "$lba" "$n" "$lbs") ||
		fail "ns $1: the scattered writev differs as the kernel reads it"
	# page aligned: 16 KiB at 4 MiB + 64 KiB, seed 78
	lba=$(((4 * 1024 * 1024 + 65536) / lbs))
	n=$((16384 / lbs))
	cmp <(dd if="$dev" bs="$lbs" skip="$lba" count="$n" iflag=direct status=none) \
		<("$PATTERN" -s 78 gen "$lba" "$n" "$lbs") ||
		fail "ns $1: the aligned writev differs as the kernel reads it"
}

test_io_cmds_sgl_and_prp() {
	bind_to nvdirect "$CTRL0"
	for ns in 1 2; do
		io_cmds_run $ns
		io_cmds_run $ns 1
	done
	bind_to nvme "$CTRL0"
	io_cmds_kernel_check 1 512
	io_cmds_kernel_check 2 4096
}
