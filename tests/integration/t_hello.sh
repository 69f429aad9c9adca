# hello_world end to end, and what it says when it cannot run.

test_hello_world_writes_and_reads_every_namespace() {
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	out=$("$HELLO") || { echo "$out"; fail "hello_world exited non-zero"; }
	echo "$out"
	n=$(echo "$out" | grep -c 'read back: Hello world!$')
	[ "$n" -eq 3 ] || fail "expected 'Hello world!' read back from 3 namespaces, saw $n"
	for b in "$CTRL0" "$CTRL1"; do
		s=$(nvd_sys "$b")
		[ "$(cat "$s/owner_pid")" = 0 ] || fail "$b still owned after hello_world"
		[ "$(cat "$s/dma_bytes")" = 0 ] || fail "$b still has pinned memory after hello_world"
	done
	# The kernel's driver sees the same bytes at LBA 0 of both namespaces,
	# and nothing was written to the one with metadata.
	bind_to nvme "$CTRL0"
	for ns in 1 2; do
		head -c 12 "$(kdev "$CTRL0" $ns)" | grep -q '^Hello world!$' ||
			fail "kernel reads no 'Hello world!' at LBA 0 of namespace $ns"
	done
	cmp <(head -c 512 "$(kdev "$CTRL0" 3)") <(head -c 512 /dev/zero) ||
		fail "LBA 0 of namespace 3 (metadata, skipped) was written"
}

# One process attaches both controllers before any I/O, and writes and reads
# every namespace of both that takes I/O; the one with metadata is listed,
# refused by the library in words, and does not make the run fail.
test_hello_world_drives_both_controllers_in_one_process() {
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	out=$("$HELLO") || { echo "$out"; fail "hello_world exited non-zero"; }
	echo "$out"
	# both attached before the first I/O: the "Attached to" lines come first
	echo "$out" | awk -v a="$CTRL0" -v b="$CTRL1" '
		$0 == "Attached to " a { sa = NR }
		$0 == "Attached to " b { sb = NR }
		/read back:/ && !first { first = NR }
		END { exit !(sa && sb && first && sa < first && sb < first) }' ||
		fail "hello_world did not attach $CTRL0 and $CTRL1 before its first I/O"
	# every namespace listed under its controller
	listed=$(echo "$out" | awk '/^Attached to / { c = $3 } /^  Namespace ID: / { print c, $3 }')
	[ "$listed" = "$CTRL0 1
$CTRL0 2
$CTRL0 3
$CTRL1 1" ] || fail "namespaces listed: $(echo $listed), expected 1 2 3 of $CTRL0 and 1 of $CTRL1"
	for want in "$CTRL0 namespace 1" "$CTRL0 namespace 2" "$CTRL1 namespace 1"; do
		echo "$out" | grep -qx "$want read back: Hello world!" || fail "no read back from $want"
	done
	echo "$out" | grep -q "^$CTRL0 namespace 3 read back" && fail "namespace 3 (metadata) was read"
	echo "$out" | grep -Eq '^  Namespace ID: 3 size: [0-9]+MB \([0-9]+ bytes, 512-byte LBAs, 8 bytes of metadata per LBA: not supported by nvdirect, skipped\)$' ||
		fail "namespace 3 is not listed as skipped for its 8 bytes of metadata"
	# nvd_ns_read on it: -EOPNOTSUPP, with words naming the namespace and its metadata
	echo "$out" | grep -x "$CTRL0 namespace 3 skipped: read refused: .*" >/tmp/refused.txt ||
		fail "no refused read on namespace 3"
	grep -q 'not supported by this controller or namespace (.*namespace 3.*8 bytes' /tmp/refused.txt ||
		fail "refusal does not name EOPNOTSUPP, namespace 3 and 8 bytes: $(cat /tmp/refused.txt)"
}

test_hello_world_named_controller_only() {
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	out=$("$HELLO" "$CTRL1") || fail "hello_world $CTRL1 failed"
	echo "$out"
	echo "$out" | grep -q "$CTRL1" || fail "output does not name $CTRL1"
	! echo "$out" | grep -q "$CTRL0" || fail "hello_world $CTRL1 touched $CTRL0"
}

test_hello_world_says_why_when_nothing_is_bound() {
	unbind "$CTRL0"
	unbind "$CTRL1"
	nvd_load
	if out=$("$HELLO" 2>&1); then fail "hello_world succeeded with nothing bound"; fi
	echo "$out"
	[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "expected one line of reason"
	echo "$out" | grep -qi 'no controller is bound' || fail "reason does not say nothing is bound"
	if out=$("$HELLO" 0000:00:09.0 2>&1); then fail "hello_world on a missing function succeeded"; fi
	echo "$out"
	echo "$out" | grep -q '0000:00:09.0' || fail "reason does not name the address"
}

# -r TRID names the controller as SPDK's hello_world takes it; ns:N picks one
# namespace; a malformed TRID is refused in one line, exit 2; trtype:TCP
# parses but this build cannot connect over it, and says so (exit 1).
test_hello_world_by_transport_id() {
	local out rc
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	out=$("$HELLO" -r "trtype:PCIe traddr:$CTRL1") || { echo "$out"; fail "hello_world -r $CTRL1 failed"; }
	echo "$out"
	echo "$out" | grep -qx "$CTRL1 namespace 1 read back: Hello world!" || fail "-r $CTRL1: no read back"
	! echo "$out" | grep -q "$CTRL0" || fail "hello_world -r $CTRL1 touched $CTRL0"
	# a short traddr and ns:2: that namespace only
	out=$("$HELLO" -r "trtype:pcie traddr:${CTRL0#0000:} ns:2") || { echo "$out"; fail "-r ... ns:2 failed"; }
	echo "$out"
	[ "$(echo "$out" | grep -c 'read back: Hello world!$')" = 1 ] ||
		fail "-r ... ns:2 wrote more than one namespace"
	echo "$out" | grep -qx "$CTRL0 namespace 2 read back: Hello world!" || fail "-r ... ns:2: no read back of namespace 2"

	rc=0
	out=$("$HELLO" -r "trtype:PCIe traddr:0000:00:zz.0" 2>&1) || rc=$?
	echo "[$rc] $out"
	[ "$rc" = 2 ] || fail "malformed -r exited $rc, expected 2"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "malformed -r: expected one line"
	echo "$out" | grep -qxF "hello_world: -r 'trtype:PCIe traddr:0000:00:zz.0': traddr '0000:00:zz.0' is not a PCI address (DDDD:BB:DD.F); expected a transport ID like 'trtype:PCIe traddr:0000:00:03.0'" ||
		fail "malformed -r: words do not name the value and the syntax"
	rc=0
	out=$("$HELLO" -r "trtype:PCIe traddr:$CTRL0" "$CTRL1" 2>&1) || rc=$?
	[ "$rc" = 2 ] || fail "-r and a BDF together exited $rc, expected 2: $out"

	rc=0
	out=$("$HELLO" -r "trtype:TCP traddr:127.0.0.1 trsvcid:4420" 2>&1) || rc=$?
	echo "[$rc] $out"
	[ "$rc" = 1 ] || fail "-r trtype:TCP exited $rc, expected 1"
	echo "$out" | grep -q "^hello_world: cannot connect to trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420: .*an NVMe/TCP controller needs subnqn:" ||
		fail "-r trtype:TCP without subnqn: words do not say the subsystem is missing"
	for b in "$CTRL0" "$CTRL1"; do
		[ "$(cat "$(nvd_sys "$b")/owner_pid")" = 0 ] || fail "$b still owned after hello_world -r"
	done
}
