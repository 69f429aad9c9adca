#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# symbols.sh SO A SOVERSION HEADER...: what libnvdirect puts in a program's
# namespace.  The shared library exports only nvd_* (in version node
# NVDIRECT_<SOVERSION>), among them every function the public headers
# declare; its soname is libnvdirect.so.<SOVERSION>.  The static library
# defines no global outside nvd_ (internal ones are nvd__*), so linking it
# into a large program cannot clash.
set -euo pipefail
so=$1 a=$2 sover=$3
shift 3
node=NVDIRECT_$sover
fail=0

soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
if [ "$soname" != "libnvdirect.so.$sover" ]; then
	echo "symbols: $so has soname '$soname', want libnvdirect.so.$sover"
	fail=1
fi

# "name@@NODE" per defined dynamic symbol; the node itself is listed too
mapfile -t dyn < <(nm -D --defined-only --with-symbol-versions "$so" | awk '{ print $3 }')
if [ "${#dyn[@]}" -lt 50 ]; then
	echo "symbols: only ${#dyn[@]} dynamic symbols in $so; nm failed?"
	exit 1
fi
for s in "${dyn[@]}"; do
	name=${s%%@*} ver=${s#*@@}
	[ "$name" = "$node" ] && continue
	if [[ ! $name =~ ^nvd_[a-z0-9] ]]; then
		echo "symbols: $so exports $s, not public API (nvd_*)"
		fail=1
	elif [ "$ver" != "$node" ]; then
		echo "symbols: $so exports $name in version node '$ver', want $node"
		fail=1
	fi
done

# every function the public headers declare (static inline ones aside)
mapfile -t api < <(grep -hE '^[a-z]' "$@" | grep -vE '^(static|typedef|struct [a-z_]+ \{)' |
	grep -oE '\bnvd_[a-z0-9_]+\(' | tr -d '(' | sort -u)
if [ "${#api[@]}" -lt 50 ]; then
	echo "symbols: only ${#api[@]} functions found in $*"
	exit 1
fi
# a here-string, not a pipe: under pipefail grep -q's early exit would
# make printf's SIGPIPE look like a missing symbol
dynlist=$(printf '%s\n' "${dyn[@]}")
for f in "${api[@]}"; do
	if ! grep -qx "$f@@$node" <<<"$dynlist"; then
		echo "symbols: $f is declared in the public headers but $so does not export it"
		fail=1
	fi
done

mapfile -t glob < <(nm -g --defined-only "$a" | awk 'NF == 3 { print $3 }')
if [ "${#glob[@]}" -lt 50 ]; then
	echo "symbols: only ${#glob[@]} global symbols in $a; nm failed?"
	exit 1
fi
for s in "${glob[@]}"; do
	# AddressSanitizer's ODR indicator of a global is named after it
	if [[ ! ${s#__odr_asan.} =~ ^nvd_ ]]; then
		echo "symbols: $a defines global $s outside the nvd_ prefix"
		fail=1
	fi
done

[ $fail = 0 ] && echo "symbols: $so exports ${#dyn[@]} names, all nvd_* in $node, all ${#api[@]} public functions; $a defines ${#glob[@]} globals, all nvd_*"
exit $fail
