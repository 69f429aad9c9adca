# hello_world end to end, and what it says when it cannot run.

test_hello_world_writes_and_reads_every_namespace() {
	bind_to nvdirect "$CTRL0"
	bind_to nvdirect "$CTRL1"
	out=$("$HELLO") || { echo "$out"; fail "hello_world exited non-zero"; }
	echo "$out"
	n=$(echo "$out" | grep -c 'Hello world!')
	[ "$n" -eq 3 ] || fail "expected 'Hello world!' read back from 3 namespaces, saw $n"
	for b in "$CTRL0" "$CTRL1"; do
		s=$(nvd_sys "$b")
		[ "$(cat "$s/owner_pid")" = 0 ] || fail "$b still owned after hello_world"
		[ "$(cat "$s/dma_bytes")" = 0 ] || fail "$b still has pinned memory after hello_world"
	done
	# The kernel's driver sees the same bytes at LBA 0 of both namespaces.
	bind_to nvme "$CTRL0"
	for ns in 1 2; do
		head -c 12 "$(kdev "$CTRL0" $ns)" | grep -q '^Hello world!$' ||
			fail "kernel reads no 'Hello world!' at LBA 0 of namespace $ns"
	done
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
