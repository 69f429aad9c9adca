#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages and the bash completion keep up with the tools:
#  - every man page in doc/ is free of groff warnings;
#  - every subcommand and every short and long option that `nvdirect --help`
#    prints is in nvdirect(8), and every option of `nvdirect-perf --help` in
#    nvdirect-perf(1);
#  - the bash completion offers each of them.
# Then it proves it can fail: a --help with one more option is caught.
# Usage: check-docs.sh NVDIRECT NVDIRECT-PERF DOC-DIR COMPLETION
set -u
nvdirect=$1 perf=$2 doc=$3 completion=$4
bad=0
err() { echo "FAIL: $*" >&2; bad=1; }

# opts_of: the options a --help text (stdin) names: -x and --long-name.
opts_of() {
	grep -oE '(^|[][ ,(/|])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[][ ,(/|]//' | sort -u
}

# cmds_of: the commands of nvdirect's usage, the first word of each line
# indented by two spaces under "Commands".
cmds_of() {
	sed -n '/^Commands/,/^$/p' | grep -E '^  [a-z]' | awk '{print $1}' | sort -u
}

# page_text PAGE: the roff source with escapes and font changes dropped, so
# "\-\-module" and "\fB\-n\fR" read as --module and -n.
page_text() {
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\c$//' "$1"
}

# has_opt TEXT OPT: OPT appears as a word of its own (not inside a longer
# option: -s is not found in --sel).
has_opt() {
	grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" <<<"$1"
}

# check_page HELP PAGE WHAT: every option of HELP in PAGE.
check_page() {
	local help=$1 page=$2 text o n=0
	text=$(page_text "$page")
	for o in $(opts_of <<<"$help"); do
		n=$((n + 1))
		has_opt "$text" "$o" || err "$(basename "$page") does not mention $o (from --help)"
	done
	[ "$n" -ge 10 ] || err "only $n options found in the --help of $(basename "$page")'s tool"
}

# completes FUNCTION WORD...: the completions of the last WORD.
completes() {
	local fn=$1; shift
	bash -c '. "$1"; shift; fn=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); "$fn"; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$completion" "$fn" "$@"
}

# ---- man pages: no warnings -------------------------------------------------
for p in "$doc"/nvdirect.8 "$doc"/nvdirect-perf.1 "$doc"/libnvdirect.3 "$doc"/nvdirect.4; do
	[ -s "$p" ] || { err "$p is missing"; continue; }
	w=$(groff -man -ww -z "$p" 2>&1)
	[ -z "$w" ] || err "$(basename "$p"): groff warns: $w"
done

# ---- nvdirect(8) ------------------------------------------------------------
help=$("$nvdirect" --help) || err "nvdirect --help failed"
cmds=$(cmds_of <<<"$help")
[ "$(wc -w <<<"$cmds")" -ge 12 ] || err "found only these commands in nvdirect --help: $cmds"
text=$(page_text "$doc/nvdirect.8")
for c in $cmds; do
	# described under COMMANDS: a paragraph tag that starts with it
	grep -A1 '^\.TP' <<<"$text" | grep -qE "^\.B[IR]? +\"?$c([ \"]|\$)" ||
		err "nvdirect.8 has no entry for the command $c"
done
check_page "$help" "$doc/nvdirect.8"
for c in $cmds; do
	opts=$(completes _nvdirect nvdirect "$c" 0000:00:03.0 -)
	for o in $(opts_of <<<"$("$nvdirect" help "$c")"); do
		[ "$o" = --help ] || grep -qx -- "$o" <<<"$opts" ||
			err "bash completion of nvdirect $c does not offer $o"
	done
done
offered=$(completes _nvdirect nvdirect '')
for c in $cmds; do
	grep -qx -- "$c" <<<"$offered" || err "bash completion does not offer the command $c"
done

# ---- nvdirect-perf(1) -------------------------------------------------------
phelp=$("$perf" --help) || err "nvdirect-perf --help failed"
check_page "$phelp" "$doc/nvdirect-perf.1"
offered=$(completes _nvdirect_perf nvdirect-perf -)
for o in $(opts_of <<<"$phelp"); do
	grep -qx -- "$o" <<<"$offered" || err "bash completion of nvdirect-perf does not offer $o"
done

# ---- the check can fail -----------------------------------------------------
# (in a subshell: its own bad)
if (bad=0; check_page "$help
  -Z, --frobnicate-queue N  an option nobody documented" "$doc/nvdirect.8" 2>/dev/null; exit $bad); then
	err "an option in --help that nvdirect.8 lacks was not caught"
fi

[ "$bad" = 0 ] && echo "man pages and bash completion cover every command and option of --help"
exit "$bad"
