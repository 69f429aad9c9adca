#!/usr/bin/env bash
# check-readme-example.sh README CC CFLAGS LIBNVDIRECT_A INCLUDE_DIR...: the C
# program under README's "The library in brief" compiles warning-free with
# the public headers and links against libnvdirect.a, so the example users
# copy cannot drift from the API.  CFLAGS (one word, split here) are the
# build's own, so a sanitizer build links its instrumented library.
set -euo pipefail
readme=$1 cc=$2 lib=$4
read -ra cflags <<<"$3"
shift 4
inc=()
for d in "$@"; do inc+=(-I "$d"); done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the first ```c block after the heading
awk '/^## The library in brief/ { sect = 1; next }
	sect && /^```c$/ { code = 1; next }
	code && /^```$/ { exit }
	code { print }' "$readme" >"$work/example.c"
grep -q 'int main' "$work/example.c" ||
	{ echo "readme example: no program with main() under 'The library in brief' in $readme"; exit 1; }
"$cc" "${cflags[@]}" -std=c11 -Wall -Wextra -Werror "${inc[@]}" -o "$work/example" "$work/example.c" "$lib" -pthread
echo "readme example: $(wc -l <"$work/example.c") lines compile and link against $(basename "$lib")"
