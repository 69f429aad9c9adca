#!/usr/bin/env bash
# test.sh: every test.  Installs what is missing, builds, runs the host unit
# tests (Check, via ctest), then boots the guest kernel(s) under QEMU with
# QEMU's emulated NVMe controllers and runs the integration tests there.
# Usage: scripts/test.sh [unit|integration] [-k SERIES] [PATTERN]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/vm/lib.sh"

what=all kernels= filter=
while [ $# -gt 0 ]; do
	case $1 in
	unit | integration) what=$1; shift ;;
	-k) kernels=$2; shift 2 ;;
	-h | --help) sed -n '2,6p' "$0"; exit 0 ;;
	*) filter=$1; shift ;;
	esac
done

"$top/scripts/build.sh" || exit 1
status=0 passed=0 failed=0

if [ "$what" != integration ]; then
	echo "== unit tests (host)"
	ctest --test-dir "$NVD_BUILD" --output-on-failure -j "$(nproc)" 2>&1 | tee "$NVD_BUILD/unit.log"
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
	p=$(sed -n 's/.* tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 \1/p' "$NVD_BUILD/unit.log")
	if [ -n "$p" ]; then
		set -- $p
		passed=$((passed + $1 - $2)); failed=$((failed + $2))
	else
		status=1
	fi
fi

if [ "$what" != unit ]; then
	for k in ${kernels:-$(guest_kernels)}; do
		echo "== integration tests (guest kernel $k, QEMU NVMe)"
		log=$NVD_BUILD/integration-$k.log
		"$top/tests/vm/run.sh" -k "$k" -l suite -t 2400 -L "$NVD_BUILD/vm/console-$k.log" -- \
			tests/integration/run-all.sh "$filter" >"$log" 2>&1
		rc=$?
		grep -vE '^\[ *[0-9]+\.[0-9]+\]|SeaBIOS|Booting from|Probing EDD' "$log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
		[ $rc = 0 ] || status=1
		p=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$log" | tr -d '\r')
		if [ -n "$p" ]; then
			set -- $p
			passed=$((passed + $1)); failed=$((failed + $2))
		else
			echo "integration ($k): the guest did not finish (exit $rc); console: $NVD_BUILD/vm/console-$k.log"
			failed=$((failed + 1))
		fi
	done
fi

# Media error tests (t_media.sh, "# layouts: faults") need QEMU's blkdebug
# under the namespace: one more short boot per kernel, faults layout.
faults_tests() {
	grep -l '^# layouts:.*\<faults\>' "$top"/tests/integration/t_*.sh |
		xargs -r sed -n 's/^\(test_[A-Za-z0-9_]*\)().*/\1/p' | grep -E -- "${filter:-.}"
}
if [ "$what" != unit ] && [ -n "$(faults_tests)" ]; then
	for k in ${kernels:-$(guest_kernels)}; do
		echo "== media error tests (guest kernel $k, QEMU NVMe over blkdebug)"
		log=$NVD_BUILD/integration-$k-faults.log
		"$top/tests/vm/run.sh" -k "$k" -l faults -t 900 -L "$NVD_BUILD/vm/console-$k-faults.log" -- \
			tests/integration/run-all.sh "$filter" >"$log" 2>&1
		rc=$?
		grep -vE '^\[ *[0-9]+\.[0-9]+\]|SeaBIOS|Booting from|Probing EDD|aio failed' "$log" |
			sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
		[ $rc = 0 ] || status=1
		p=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$log" | tr -d '\r')
		if [ -n "$p" ]; then
			set -- $p
			passed=$((passed + $1)); failed=$((failed + $2))
		else
			echo "integration ($k, faults): the guest did not finish (exit $rc); console: $NVD_BUILD/vm/console-$k-faults.log"
			failed=$((failed + 1))
		fi
	done
fi

echo
echo "$passed passed, $failed failed"
[ $status = 0 ] && [ $failed = 0 ]
