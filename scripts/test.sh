#!/usr/bin/env bash
# test.sh: every test.  Installs what is missing, builds, runs the host unit
# tests (Check, via ctest; then again built with AddressSanitizer and
# UBSan), then boots guests under QEMU with QEMU's emulated
# NVMe controllers and runs the integration tests in each variant: every
# installed guest kernel on a pc machine (no IOMMU) and on q35 with
# intel-iommu (intel_iommu=on).
#
# Usage: scripts/test.sh [unit|integration] [-k SERIES]... [--iommu|--no-iommu]
#                        [-j N] [PATTERN]
#   unit, integration  run only that half (default: both)
#   -k SERIES          only guest kernel SERIES (6.1, 6.12, or a full version);
#                      repeatable (default: every installed guest kernel)
#   --iommu            only the q35 + intel-iommu variants (no hotplug boot:
#                      it needs the pc machine)
#   --no-iommu         only the variants without an IOMMU
#   -j N               boot N guests at a time (default 1: on 2 cores two
#                      TCG guests take as long as one after the other)
#   PATTERN            only integration tests whose name matches (grep -E)
# Examples: scripts/test.sh integration -k 6.12 --iommu
#           scripts/test.sh integration --no-iommu test_hello
# Ends with "N passed, N failed" over everything that ran.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

what=all kernels=() iommu_modes="0 1" jobs=1 filter=
while [ $# -gt 0 ]; do
	case $1 in
	unit | integration) what=$1; shift ;;
	-k) kernels+=("$2"); shift 2 ;;
	--iommu) iommu_modes=1; shift ;;
	--no-iommu) iommu_modes=0; shift ;;
	-j) jobs=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	*) filter=$1; shift ;;
	esac
done
case $jobs in
[1-9] | [1-9][0-9]) ;;
*) echo "test.sh: -j wants a number of guests, not '$jobs'" >&2; exit 2 ;;
esac

"$top/scripts/build.sh" || exit 1
status=0 passed=0 failed=0
# count_unit LOG: add a ctest run's counts to the totals
count_unit() {
	local p
	p=$(sed -n 's/.* tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 \1/p' "$1")
	if [ -n "$p" ]; then
		set -- $p
		passed=$((passed + $1 - $2)) failed=$((failed + $2))
	else
		status=1
	fi
}

if [ "$what" != integration ]; then
	echo "== unit tests (host)"
	ctest --test-dir "$NVD_BUILD" --output-on-failure -j "$(nproc)" 2>&1 | tee "$NVD_BUILD/unit.log"
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
	count_unit "$NVD_BUILD/unit.log"
	# again under AddressSanitizer (leaks included) and UBSan, any report fatal
	echo "== unit tests (host, AddressSanitizer + UBSan)"
	san=$NVD_BUILD/sanitize
	if cmake -S "$top" -B "$san" -DCMAKE_BUILD_TYPE=Debug -DNVD_WERROR=ON \
		-DCMAKE_C_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
		>"$san.log" 2>&1 && cmake --build "$san" -j "$(nproc)" >>"$san.log" 2>&1; then
		ctest --test-dir "$san" --output-on-failure -j "$(nproc)" 2>&1 | tee "$san/unit.log"
		[ "${PIPESTATUS[0]}" = 0 ] || status=1
		count_unit "$san/unit.log"
	else
		tail -20 "$san.log"
		echo "the sanitizer build failed (log: $san.log)"
		status=1
	fi
fi

# The Debian packages t_package.sh installs in the guest ($NVD_BUILD/deb),
# when the integration tests selected include it; lintian errors fail the run.
if [ "$what" != unit ] && sed -n 's/^\(test_[A-Za-z0-9_]*\)().*/\1/p' "$top/tests/integration/t_package.sh" |
	grep -qE -- "${filter:-.}"; then
	echo "== Debian packages (scripts/package.sh)"
	"$top/scripts/package.sh" 2>&1 | tee "$NVD_BUILD/package.log"
	[ "${PIPESTATUS[0]}" = 0 ] || { echo "scripts/package.sh failed (log: $NVD_BUILD/package.log)"; status=1; }
fi

# The variants, "KVER IOMMU LAYOUT" each, kernels oldest first, plain before IOMMU.
variants=()
if [ "$what" != unit ]; then
	if [ ${#kernels[@]} -eq 0 ]; then
		mapfile -t kvers < <(guest_kernels)
	else
		kvers=()
		for k in "${kernels[@]}"; do
			case $k in
			[0-9].[0-9] | [0-9].[0-9][0-9]) kvers+=("$(guest_kernel "$k")") || exit 1 ;;
			*) kvers+=("$k") ;;
			esac
		done
	fi
	# Files whose "# layouts:" line names layouts other than suite (media
	# errors: faults; hot-remove: hotplug; PCI errors: aer; NVMe/TCP: tcp)
	# get one more short boot per kernel in each such layout, when any of
	# their tests match.
	others=()
	for l in $(sed -n 's/^# layouts: *//p' "$top"/tests/integration/t_*.sh | tr -s ' ' '\n' |
		grep -vx -e suite -e '' | sort -u); do
		n=$(grep -l "^# layouts:.*\<$l\>" "$top"/tests/integration/t_*.sh |
			xargs -r sed -n 's/^\(test_[A-Za-z0-9_]*\)().*/\1/p' | grep -cE -- "${filter:-.}")
		[ "$n" -gt 0 ] && others+=("$l")
	done
	# The suite boots unless PATTERN names only tests of other layouts.
	suite=$(for f in "$top"/tests/integration/t_*.sh; do
		l=$(sed -n 's/^# layouts: *//p' "$f" | head -n1)
		case " ${l:-suite} " in *" suite "*) sed -n 's/^\(test_[A-Za-z0-9_]*\)().*/\1/p' "$f" ;; esac
	done | grep -cE -- "${filter:-.}")
	[ "$suite" -eq 0 ] && [ ${#others[@]} -gt 0 ] || suite=1
	for k in "${kvers[@]}"; do
		if [ "$suite" -gt 0 ]; then
			for i in $iommu_modes; do variants+=("$k $i suite"); done
		fi
		for l in "${others[@]}"; do
			i=${iommu_modes%% *}
			# ACPI hot-plug needs the pc machine (q35's root bus is not hot-pluggable)
			[ "$l" = hotplug ] && [ "$i" = 1 ] && continue
			variants+=("$k $i $l")
		done
	done
fi

# name KVER IOMMU LAYOUT: the variant's name in logs and file names (the
# same as run.sh's directory under build/vm).
name() {
	local n=$1
	[ "$2" = 1 ] && n+=-iommu
	[ "$3" = suite ] || n+=-$3
	echo "$n"
}
label() {
	local l="guest kernel $1"
	if [ "$2" = 1 ]; then l+=", q35 + intel-iommu (intel_iommu=on)"
	elif [ "$3" = aer ]; then l+=", q35, no IOMMU"
	else l+=", pc, no IOMMU"; fi
	[ "$3" = faults ] && l+=", blkdebug media errors"
	[ "$3" = hotplug ] && l+=", ACPI hot-plug through QEMU's monitor"
	[ "$3" = aer ] && l+=", a fatal AER error injected at a root port through QEMU's monitor"
	[ "$3" = tcp ] && l+=", the kernel's NVMe/TCP target on 127.0.0.1"
	echo "$l"
}

# run_variant KVER IOMMU LAYOUT: boot it and run the suite; log, exit code and
# duration go to build/integration-NAME.{log,rc,secs}.
# qemu_crashed LOG: the signal exit code (139 SIGSEGV, 134 SIGABRT) when QEMU
# itself died before the guest reported; nothing (and false) otherwise.  A
# hang killed by run.sh's timeout (124, 137) is not a crash: it may be ours.
qemu_crashed() {
	local rc
	rc=$(sed -n 's/.*guest did not report an exit code (qemu exit \([0-9]*\);.*/\1/p' "$1" | tail -n1)
	case $rc in
	134 | 139) echo "$rc" ;;
	*) return 1 ;;
	esac
}

# run_variant KVER IOMMU LAYOUT: boot it and run the suite; log, exit code and
# duration go to build/integration-NAME.{log,rc,secs}.  QEMU 7.2 has crashed
# (SIGSEGV) now and then in the middle of a run, with the guest fine up to
# then; such a boot is kept as NAME.qemu-crash.log and the whole variant
# boots once more, which the report says (build/integration-NAME.crash).
run_variant() {
	local n base start opt=() try qrc
	n=$(name "$1" "$2" "$3")
	base=$NVD_BUILD/integration-$n
	[ "$2" = 1 ] && opt=(-i)
	start=$(date +%s)
	rm -f "$base.crash"
	for try in 1 2; do
		"$top/tests/vm/run.sh" -k "$1" "${opt[@]}" -l "$3" -t 2400 \
			-L "$NVD_BUILD/vm/console-$n.log" -- \
			tests/integration/run-all.sh "$filter" >"$base.log" 2>&1
		echo $? >"$base.rc"
		[ "$try" = 1 ] && qrc=$(qemu_crashed "$base.log") || break
		mv "$base.log" "$base.qemu-crash.log"
		echo "QEMU ($(qemu-system-x86_64 --version | head -n1)) died with exit $qrc" \
			"after $(grep -c '^PASS\|^FAIL' "$base.qemu-crash.log") tests had reported" \
			"(log: $base.qemu-crash.log); the variant booted once more" >"$base.crash"
	done
	echo $(($(date +%s) - start)) >"$base.secs"
}

summary=()
# report_variant KVER IOMMU LAYOUT: print its section and add up its counts.
report_variant() {
	local n base rc secs p
	n=$(name "$1" "$2" "$3")
	base=$NVD_BUILD/integration-$n
	rc=$(cat "$base.rc" 2>/dev/null || echo 1)
	secs=$(cat "$base.secs" 2>/dev/null || echo '?')
	echo "== integration tests: $(label "$1" "$2" "$3"), QEMU NVMe"
	[ -f "$base.crash" ] && echo "NOTE: $(cat "$base.crash")"
	grep -vE '^\[ *[0-9]+\.[0-9]+\]|SeaBIOS|Booting from|Probing EDD|aio failed' "$base.log" |
		sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
	[ "$rc" = 0 ] || status=1
	p=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$base.log" | tr -d '\r')
	if [ -n "$p" ]; then
		set -- $p
		passed=$((passed + $1)); failed=$((failed + $2))
		summary+=("$(printf '%-34s %3d passed, %d failed, %s s%s' "$n" "$1" "$2" "$secs" \
			"$([ -f "$base.crash" ] && echo ' (QEMU crashed once; booted again)')")")
	else
		echo "integration ($n): the guest did not finish (exit $rc); console: $NVD_BUILD/vm/console-$n.log"
		failed=$((failed + 1))
		summary+=("$(printf '%-34s did not finish (exit %s), %s s' "$n" "$rc" "$secs")")
	fi
	echo "== end of $n ($secs s)"
}

if [ "$jobs" = 1 ]; then
	for v in "${variants[@]}"; do
		run_variant $v
		report_variant $v
	done
else
	# Guests in the background, at most $jobs at a time; sections in order.
	pids=()
	for v in "${variants[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
		run_variant $v &
		pids+=($!)
	done
	for i in "${!variants[@]}"; do
		wait "${pids[$i]}"
		report_variant ${variants[$i]}
	done
fi

if [ ${#summary[@]} -gt 0 ]; then
	echo
	echo "== integration summary"
	printf '%s\n' "${summary[@]}"
fi
echo
echo "$passed passed, $failed failed"
[ $status = 0 ] && [ $failed = 0 ]
