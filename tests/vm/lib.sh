# Shared helpers for the VM harness; sourced, not run.
# shellcheck shell=bash

NVD_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NVD_BUILD=${NVD_BUILD:-$NVD_TOP/build}

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# guest_kernels: every installed kernel that has a vmlinuz and headers,
# oldest first.  The host's `uname -r` is a different kernel and is never used.
guest_kernels() {
	local d v
	for d in /lib/modules/*/; do
		v=$(basename "$d")
		[ -e "/boot/vmlinuz-$v" ] && [ -d "$d/build" ] && echo "$v"
	done | sort -V
}

# guest_kernel [SERIES]: newest installed kernel of SERIES (e.g. 6.1), or
# the oldest installed one when SERIES is empty.
guest_kernel() {
	local want=${1:-} v
	if [ -z "$want" ]; then
		v=$(guest_kernels | head -n1)
	else
		v=$(guest_kernels | grep -E "^${want//./\\.}\." | tail -n1)
	fi
	[ -n "$v" ] || die "no guest kernel ${want:+$want }installed (run tests/vm/deps.sh)"
	echo "$v"
}
