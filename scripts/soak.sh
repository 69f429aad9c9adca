#!/usr/bin/env bash
# soak.sh: the long data integrity soak (the short one is in the integration
# tests, t_soak.sh).  Builds, boots the guest (suite layout) and soaks each
# namespace through nvdirect for SECONDS: 0000:00:03.0 ns 1 (512 B LBAs) and
# ns 2 (4 KiB LBAs), 0000:00:04.0 ns 1 (mdts=2).  Each soak ends with every
# LBA read back through nvdirect; then the controllers go back to the
# kernel's nvme driver and the same blocks are checked through /dev/nvmeXnY.
# Usage: scripts/soak.sh [-t SECONDS] [-k SERIES] [-j THREADS] [-q DEPTH]
# Summaries land in build/vm/KVER/results/soak-*.log too.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

secs=120 kernel= threads=2 depth=16 guest=0
while [ $# -gt 0 ]; do
	case $1 in
	-t) secs=$2; shift 2 ;;
	-k) kernel=$2; shift 2 ;;
	-j) threads=$2; shift 2 ;;
	-q) depth=$2; shift 2 ;;
	--guest) guest=1; shift ;;
	-h | --help) sed -n '2,9p' "$0"; exit 0 ;;
	*) echo "soak.sh: unknown argument '$1' (try -h)" >&2; exit 2 ;;
	esac
done
case $secs in
'' | *[!0-9]*) echo "soak.sh: -t '$secs' is not a number of seconds" >&2; exit 2 ;;
esac
[ "$secs" -ge 1 ] || { echo "soak.sh: -t $secs is below the minimum of 1 second" >&2; exit 2; }

if [ "$guest" = 0 ]; then
	. "$top/tests/vm/lib.sh"
	"$top/scripts/build.sh" || exit 1
	k=$(guest_kernel "$kernel") || exit 1
	# three soaks of SECONDS, their verifies, boot and rebinds
	exec "$top/tests/vm/run.sh" -k "$k" -l suite -t $((3 * secs + 900)) \
		-L "$NVD_BUILD/vm/console-soak.log" -- \
		scripts/soak.sh --guest -t "$secs" -j "$threads" -q "$depth"
fi

# ---- inside the guest --------------------------------------------------
. "$top/tests/integration/lib.sh"
status=0
targets=("$CTRL0 1" "$CTRL0 2" "$CTRL1 1")

for t in "${targets[@]}"; do
	set -- $t
	bind_to nvdirect "$1"
	echo "== soak $1 ns $2: ${secs} s, $threads threads x qd $depth"
	"$SOAK" run -t "$secs" -j "$threads" -q "$depth" -m "/tmp/soak-${1//:/_}-$2.map" "$1" "$2" \
		2>&1 | tee "$NVD_RESULTS/soak-${1//:/_}-$2.log"
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
done
for t in "${targets[@]}"; do
	set -- $t
	bind_to nvme "$1"
	echo "== verify $1 ns $2 through the kernel ($(kdev "$1" "$2"))"
	"$SOAK" verify-kernel -m "/tmp/soak-${1//:/_}-$2.map" "$(kdev "$1" "$2")" \
		2>&1 | tee -a "$NVD_RESULTS/soak-${1//:/_}-$2.log"
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
done
dmesg_clean || status=1
echo
[ $status = 0 ] && echo "soak: PASS" || echo "soak: FAIL"
exit $status
