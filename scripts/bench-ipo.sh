#!/usr/bin/env bash
# bench-ipo.sh: instructions per I/O of libnvdirect's submit + complete path
# (nvd_ns_read + nvd_qpair_process_completions, 4 KiB reads), counted by
# valgrind's callgrind against the in-memory fake controller of the unit
# tests.  The fake's own instructions are outside the counted calls.  Host
# only, no QEMU; the counts are repeatable for the same binary.  The
# benchmark's completion callback is excluded too.  Modes: plain (a doorbell
# register write per command), delay (NVD_CTRLR_DELAY_CMD_SUBMIT: one SQ
# doorbell per batch), shadow (shadow doorbells + EventIdx).
# Usage: scripts/bench-ipo.sh [IOS]   (default 100000 per depth)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

ios=${1:-100000}
case $ios in
'' | *[!0-9]*) die "IOS '$ios' is not a positive number" ;;
esac
command -v valgrind >/dev/null || { apt-get install -y -q valgrind >/dev/null || die "cannot install valgrind"; }
cmake -S "$top" -B "$NVD_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$NVD_BUILD" --target nvd_bench_ipo -- --no-print-directory >/dev/null

printf '%-8s %-8s %12s %16s\n' mode depth I/Os instructions/IO
for mode in plain delay shadow; do
for depth in 1 32; do
	out=$NVD_BUILD/bench/callgrind.ipo.$mode.$depth
	mkdir -p "$(dirname "$out")"
	valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
		--toggle-collect=nvd_ns_read --toggle-collect=nvd_qpair_process_completions --toggle-collect=io_done \
		"$NVD_BUILD/tests/bench/nvd_bench_ipo" "$ios" "$depth" "$mode" >"$out.log" 2>&1 ||
		{ cat "$out.log" >&2; die "benchmark failed at depth $depth ($mode)"; }
	total=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out.log")
	[ -n "$total" ] || die "no instruction count in $out.log"
	printf '%-8s %-8s %12s %16s\n' "$mode" "$depth" "$ios" "$((total / ios))"
done
done
echo "profiles: callgrind_annotate $NVD_BUILD/bench/callgrind.ipo.plain.1"
