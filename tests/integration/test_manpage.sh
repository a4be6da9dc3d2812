#!/usr/bin/env bash
# fsprobe(8), rendered from docs/fsprobe.8.scd: it renders without warnings, and says what the
# binary does: the same options as --help (both ways), the same commands, every metric a live
# fsprobe exports (both ways), the exit statuses it returns, and the version it prints.
. "$(dirname "$0")/../lib.sh"

# ok NAME CMD...: check, returning whether it passed (check itself always returns 0).
ok() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; return 1; fi
}

MAN=$OUTPUT/fsprobe.8
make --no-print-directory -C "$ROOT" OUTPUT="$OUTPUT" "$MAN" >"$TMP/make" 2>&1
ok "the man page renders (scdoc)" test -s "$MAN" || { cat "$TMP/make"; finish; }
LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MAN" >"$TMP/man.txt" 2>"$TMP/man.warnings"
check "man --warnings: none" test ! -s "$TMP/man.warnings"
LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$MAN" 2>/dev/null | col -bx >"$TMP/man"
"$FSPROBE" --help >"$TMP/help"

# section NAME: the rendered section's lines, up to the next heading.
section() { awk -v s="$1" '/^[A-Z]/ { on = $0 == s; next } on' "$TMP/man"; }
# entries NAME: the first line of each entry of a section (indented 7, text below by 11).
entries() { section "$1" | grep -E '^ {7}[^ ]'; }

for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS 'KEY EXPRESSIONS' METRICS 'EXIT STATUS' \
	FILES EXAMPLES 'SEE ALSO'; do
	check "section $s" grep -qx "$s" "$TMP/man"
done

# Options: short and long, from --help's option lines and from the man page's OPTIONS entries.
awk '/^ +(-[A-Za-z], )?--[a-z]/ {
	for (i = 1; i <= NF; i++) {
		o = $i; sub(/,$/, "", o)
		if (o ~ /^-[A-Za-z]$/) print o
		else if (o ~ /^--[a-z]/) { print o; break }
	}
}' "$TMP/help" | sort -u >"$TMP/opts.help"
entries OPTIONS | grep -oE '(^|[ ,])--?[A-Za-z][a-z.-]*' | tr -d ' ,' | sort -u >"$TMP/opts.man"
check "--help lists options ($(wc -l <"$TMP/opts.help"))" test "$(wc -l <"$TMP/opts.help")" -gt 20
missing=$(comm -23 "$TMP/opts.help" "$TMP/opts.man" | tr '\n' ' ')
extra=$(comm -13 "$TMP/opts.help" "$TMP/opts.man" | tr '\n' ' ')
if [ -z "$missing" ]; then pass "every option in --help is in the man page"; else
	fail "every option in --help is in the man page" "missing from OPTIONS: $missing"; fi
if [ -z "$extra" ]; then pass "every option in the man page is in --help"; else
	fail "every option in the man page is in --help" "not in --help: $extra"; fi

# Commands: "fsprobe [run]", "fsprobe top" ... in the usage; one entry each under COMMANDS.
grep -oE '^(Usage: |       )fsprobe (\[run\]|[a-z]+)' "$TMP/help" | awk '{ print $NF }' | tr -d '[]' |
	sort -u >"$TMP/cmds.help"
entries COMMANDS | awk '{ print $1 }' | sort -u >"$TMP/cmds.man"
check "the same commands in --help and COMMANDS ($(echo $(cat "$TMP/cmds.man")))" \
	cmp -s "$TMP/cmds.help" "$TMP/cmds.man"

# Version: the man page's footer, --version and the Makefile's VERSION are one.
version=$(sed -n 's/^VERSION *:= *//p' "$ROOT/Makefile")
check "the man page shows fsprobe $version" grep -qE "^fsprobe $version +" "$TMP/man"
check "--version prints $version" bash -c "'$FSPROBE' --version | grep -q '^fsprobe $version '"

# Exit statuses: the three the page lists, and the binary returning them.
check "EXIT STATUS lists 0, 1 and 2" test "$(entries 'EXIT STATUS' | tr -d ' ' | tr '\n' ' ')" = "0 1 2 "
"$FSPROBE" --help >/dev/null
check "exit 0: --help" test $? = 0
"$FSPROBE" --pid 2147483647 --lookup f --miss g >/dev/null 2>&1
check "exit 1: runtime failure (no such process)" test $? = 1
"$FSPROBE" --no-such-option >/dev/null 2>&1
check "exit 2: bad usage" test $? = 2

check "FILES names /etc/default/fsprobe and /etc/fsprobe/config.yaml" bash -c "
	grep -qE '^ {7}/etc/default/fsprobe\$' '$TMP/man' &&
	grep -qE '^ {7}/etc/fsprobe/config.yaml\$' '$TMP/man'"
check "the key grammar is in the page" grep -q "key *:= *cstr(expr)" "$TMP/man"

# Metrics: every family a live fsprobe exports (with --latency) is under METRICS, and back.
fs_start man --threads 2 --requests 2000 --symbols 50 || finish
fsp_start man --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --latency || finish
fs_go man || fail "workload finishes"
scrape "$TMP/metrics" || fail "scrape"
awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$TMP/metrics" | sort -u >"$TMP/metrics.live"
entries METRICS | grep -oE '(featurestore|fsprobe)_[a-z_]+' | sort -u >"$TMP/metrics.man"
check "fsprobe exports metric families ($(wc -l <"$TMP/metrics.live"))" \
	test "$(wc -l <"$TMP/metrics.live")" -gt 15
missing=$(comm -23 "$TMP/metrics.live" "$TMP/metrics.man" | tr '\n' ' ')
extra=$(comm -13 "$TMP/metrics.live" "$TMP/metrics.man" | tr '\n' ' ')
if [ -z "$missing" ]; then pass "every exported metric is in the man page"; else
	fail "every exported metric is in the man page" "missing from METRICS: $missing"; fi
if [ -z "$extra" ]; then pass "every metric in the man page is exported"; else
	fail "every metric in the man page is exported" "not exported: $extra"; fi
finish
