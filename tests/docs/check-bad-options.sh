#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Both tools refuse a bad command line the same way: exactly one line on
# stderr naming what was wrong, nothing on stdout, exit status 2.  None of
# these reaches a device, so they run on the host.
# Usage: check-bad-options.sh NVDIRECT NVDIRECT-PERF
set -u
nvdirect=$1 perf=$2
bad=0

# refused WORDS TOOL ARGS...: exit 2, stdout empty, one stderr line with WORDS.
refused() {
	local words=$1 rc=0; shift
	"$@" >/tmp/nvd-bad-out.$$ 2>/tmp/nvd-bad-err.$$ || rc=$?
	echo "$(basename "$1") ${*:2}: $(cat /tmp/nvd-bad-err.$$)"
	if [ $rc != 2 ] || [ -s /tmp/nvd-bad-out.$$ ] || [ "$(wc -l </tmp/nvd-bad-err.$$)" != 1 ] ||
		! grep -q -- "$words" /tmp/nvd-bad-err.$$; then
		echo "FAIL: exit $rc (want 2), $(wc -l </tmp/nvd-bad-out.$$) stdout lines (want 0), stderr:" >&2
		cat /tmp/nvd-bad-err.$$ >&2
		bad=1
	fi
	rm -f /tmp/nvd-bad-out.$$ /tmp/nvd-bad-err.$$
}

refused "unknown option '--bogus'" "$perf" --bogus
refused "unknown option '-x'" "$perf" -x
refused "-q needs a value" "$perf" -q
refused "--io-depth needs a value" "$perf" --io-depth
refused "unexpected argument 'extra'" "$perf" extra
refused "unknown option '--bogus'" "$nvdirect" list --bogus
refused "unknown command 'frobnicate'" "$nvdirect" frobnicate
refused "--module needs a value" "$nvdirect" setup --module
refused "--param needs a value" "$nvdirect" setup --param
refused "--param 'max_pinned_bytes' is not NAME=VALUE" "$nvdirect" setup --param max_pinned_bytes
refused "--param '=1' is not NAME=VALUE" "$nvdirect" setup --param =1
refused "list does not take --param" "$nvdirect" list --param a=1
exit $bad
