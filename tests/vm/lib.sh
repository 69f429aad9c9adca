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

# apt_archive_uri SUITE: the URI this machine's own apt sources fetch SUITE
# (e.g. bookworm) from, so that entries the project adds (backports, deb-src)
# use the same archive, whatever it is, without naming a host here.  Reads
# one-line (sources.list) and deb822 (*.sources) files; prints the first
# match, or fails.
apt_archive_uri() {
	local suite=$1 etc
	etc=$(apt-config shell d Dir::Etc/d | sed -n "s/^d='\(.*\)'$/\1/p")
	etc=${etc:-/etc/apt/}
	{
		[ -f "$etc/sources.list" ] && awk -v s="$suite" '
			{ sub(/\[[^]]*\]/, ""); n = split($0, f) }
			n >= 3 && f[1] == "deb" && f[3] == s { print f[2]; exit }' "$etc/sources.list"
		for f in "$etc"/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk -v s="$suite" '
				function flush() {
					if (deb && uri != "" && (" " suites " ") ~ (" " s " ")) { print uri; exit }
					deb = 0; uri = ""; suites = ""
				}
				/^[ \t]*$/ { flush(); next }
				tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
				tolower($1) == "uris:" { uri = $2 }
				tolower($1) == "suites:" { suites = ""; for (i = 2; i <= NF; i++) suites = suites " " $i }
				END { flush() }' "$f"
		done
	} | head -n1 | grep . || { echo "no apt source for suite $suite on this machine" >&2; return 1; }
}
