#!/usr/bin/env bash
# Runs every integration test (functions test_* in tests/integration/t_*.sh)
# inside the guest, each in its own subshell, checking dmesg after each.
# A file's tests run only in the layouts its "# layouts: A B" line names
# (default: suite); tests/vm/run.sh exports the layout as NVD_LAYOUT.
# Usage: run-all.sh [NAME-PATTERN]
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${NVD_BUILD:=$here/../../build}" "${NVD_KO:?set by tests/vm/run.sh}"
export NVD_BUILD NVD_KO
. "$here/lib.sh"
for f in "$here"/t_*.sh; do . "$f"; done

filter=${1:-.}
layout=${NVD_LAYOUT:-suite}
# layouts_of FUNCTION: the layouts the file defining FUNCTION runs in.
layouts_of() {
	local file l
	file=$(shopt -s extdebug; declare -F "$1" | cut -d' ' -f3-)
	l=$(sed -n 's/^# layouts: *//p' "$file" | head -n1)
	echo "${l:-suite}"
}
pass=0 failed=0 skipped=0 names=()
for t in $(declare -F | awk '{print $3}' | grep '^test_' | grep -E -- "$filter"); do
	case " $(layouts_of "$t") " in
	*" $layout "*) ;;
	*) skipped=$((skipped + 1)); continue ;;
	esac
	dmesg --clear
	start=$(date +%s)
	( set -eE; trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR; "$t" ) >"/tmp/$t.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! dmesg_clean >>"/tmp/$t.log" 2>&1; then
		echo "FAIL: kernel warning in dmesg" >>"/tmp/$t.log"
		rc=1
	fi
	secs=$(($(date +%s) - start))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); echo "PASS $t (${secs}s)"
	else
		failed=$((failed + 1)); names+=("$t"); echo "FAIL $t (${secs}s)"
		sed 's/^/    | /' "/tmp/$t.log"
		dmesg | tail -n 30 | sed 's/^/    dmesg| /'
	fi
	[ -n "${NVD_RESULTS:-}" ] && cp "/tmp/$t.log" "$NVD_RESULTS/" 2>/dev/null
done
echo
[ $failed -gt 0 ] && echo "failed: ${names[*]}"
echo "integration: $pass passed, $failed failed, $skipped skipped (not for layout $layout)"
# a pattern that only matches tests of other layouts ran nothing, and that is fine
[ $failed -eq 0 ] && [ $((pass + skipped)) -gt 0 ]
