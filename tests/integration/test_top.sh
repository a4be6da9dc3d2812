#!/usr/bin/env bash
# fsprobe top in a real terminal (tmux, 80x24): the table shows the target's symbols, keys
# change the order, a resize redraws to the new size, q and SIGTERM exit 0 with the terminal
# restored and no probe left; without a terminal it refuses in one line.
. "$(dirname "$0")/../lib.sh"

# A tmux server of our own, its socket in $TMP so cleanup removes it.
tm() { tmux -u -S "$TMP/tmux.sock" "$@"; }
trap 'tm kill-server 2>/dev/null; cleanup' EXIT

probes_on() {
	bpftool -j perf list | python3 -c '
import json, sys
want = "/proc/%s/exe" % sys.argv[1]
print(sum(1 for p in json.load(sys.stdin) if p.get("filename") == want))' "$1"
}

# screen: the pane as text, one line per terminal row.
screen() { tm capture-pane -p -t top; }
shows() { screen | grep -q -- "$1"; }
# rows FIELD [FILE]: that column of the data rows, between the titles and the count or keys.
rows() {
	awk -v f="$1" '/^SYMBOL / { on = 1; next } /^… |^sort:/ { on = 0 } on && NF { print $f }' \
		"${2:-/dev/stdin}"
}
# sorted_as KEY FIELD SORTFLAGS: the key line marks KEY, and rows are ordered by FIELD.
sorted_as() {
	local got
	screen >"$TMP/sorted"
	grep -q "^sort:.*\[$1" "$TMP/sorted" || return 1
	got=$(rows "$2" "$TMP/sorted" | sed 's/%$//' | grep -v '^-$')
	[ -n "$got" ] && [ "$got" = "$(printf '%s\n' "$got" | LC_ALL=C sort $3)" ]
}
# frame_fits W H FILE: a capture of H lines, header first, keys last, and "… N more" where N
# is every symbol not shown (the header says how many there are).
frame_fits() {
	local w=$1 h=$2 f=$3 total shown more
	screen >"$f"
	total=$(grep -o ', [0-9]* symbols' "$f" | tr -dc 0-9)
	shown=$(rows 1 "$f" | wc -l)
	more=$(grep -o '^… [0-9]* more' "$f" | tr -dc 0-9)
	test "$(wc -l <"$f")" = "$h" && head -1 "$f" | grep -q '^pid ' &&
		grep -v '^ *$' "$f" | tail -1 | grep -q '^sort: ' &&
		test "$shown" = $((h - 9)) && test "$more" = $((total - shown)) &&
		python3 -c 'import sys; sys.exit(max(len(l.rstrip("\n")) for l in open(sys.argv[1],
			encoding="utf-8")) > int(sys.argv[2]))' "$f" "$w"
}
header_ok() {
	screen >"$TMP/head"
	grep -q "^pid $FS_PID (featurestore): lookups in feature_cache_lookup" "$TMP/head" &&
		grep -q '^probes: feature_cache_lookup (lookup), compute_features (miss)$' "$TMP/head" &&
		grep -Eq '^hit ratio: last 0.[0-9]s [0-9.]+% (OK|BREACH), since start' "$TMP/head" &&
		grep -Eq '^lookups/s [0-9]+, misses/s [0-9.]+, miss penalty p50 [0-9.]+us' "$TMP/head"
}
demo_symbols() {
	screen | rows 1 >"$TMP/syms"
	test "$(grep -Ec '^(SYM[0-9]{5}|[A-Z][A-Z.]*)$' "$TMP/syms")" -ge 10 &&
		! grep -Evq '^(SYM[0-9]{5}|[A-Z][A-Z.]*)$' "$TMP/syms"
}

F=(--lookup "$LOOKUP" --miss "$MISS")
# A steady load for the whole test: 2 threads at 3000 lookups/s, 300 symbols, misses going on.
fs_start top --threads 2 --rate 3000 --symbols 300 --capacity 150 --zipf 1.0 --duration 120 || finish
kill -USR1 "$FS_PID"

# The shell records the terminal state before and after, and fsprobe's exit status.
cmd="stty -g >$TMP/stty.before; $FSPROBE top --pid $FS_PID ${F[*]} --interval 0.5 2>$TMP/top.err;"
cmd+=" echo EXIT=\$? >$TMP/top.exit; stty -g >$TMP/stty.after; sleep 600"
tm new-session -d -s top -x 80 -y 24 "$cmd"

if wait_for 20 shows '^SYMBOL '; then pass "top draws its table"; else
	fail "top draws its table" "$(screen | head -5 | tr '\n' '|') $(cat "$TMP/top.err")"
	finish
fi
check "probes attached while top runs" test "$(probes_on "$FS_PID")" -ge 3
check "the demo's symbols are listed" wait_for 10 demo_symbols
check "header: target, probes, hit ratio and SLO, rates, miss penalty" wait_for 5 header_ok
check "80x24: 24 lines, 15 rows, '… N more' counts the rest, keys last" \
	wait_for 5 frame_fits 80 24 "$TMP/s80"
check "sorted by misses/s by default" wait_for 5 sorted_as "m misses" 4 -gr

tm send-keys -t top h
check "h: lowest hit % first" wait_for 5 sorted_as "h hit" 3 -g
tm send-keys -t top s
check "s: by symbol" wait_for 5 sorted_as "s symbol" 1 ""
first_s=$(screen | rows 1 | head -3 | tr '\n' ' ')
tm send-keys -t top m
check "m: most misses/s first again" wait_for 5 sorted_as "m misses" 4 -gr
first_m=$(screen | rows 1 | head -3 | tr '\n' ' ')
check "the first rows changed with the order ('$first_s' then '$first_m')" \
	test "$first_s" != "$first_m"
tm send-keys -t top l
check "l: most lookups/s first" wait_for 5 sorted_as "l lookups" 2 -gr

tm resize-window -t top -x 100 -y 30
check "resize to 100x30: the frame follows (30 lines, 21 rows)" \
	wait_for 5 frame_fits 100 30 "$TMP/s100"
check "100 columns: the header is no longer cut" \
	grep -q "misses in compute_features$" "$TMP/s100"

tm send-keys -t top p
check "p pauses" wait_for 5 shows 'PAUSED'
tm send-keys -t top p
tm send-keys -t top q
check "q exits with status 0" wait_for 10 grep -qsx 'EXIT=0' "$TMP/top.exit"
check "terminal settings restored" cmp -s "$TMP/stty.before" "$TMP/stty.after"
check "alternate screen left" bash -c "! tmux -S $TMP/tmux.sock capture-pane -p -t top | grep -q SYMBOL"
check "nothing on stderr" test ! -s "$TMP/top.err"
check "no probe left after q" test "$(probes_on "$FS_PID")" = 0
check "no breakpoint left after q" test "$(breakpoints "$FS_PID" "$LOOKUP" "$MISS")" = 0

# SIGTERM, as from a supervisor: the same clean exit.
tm kill-session -t top
rm -f "$TMP/top.exit" "$TMP/stty.after"
tm new-session -d -s top -x 80 -y 24 "$cmd"
wait_for 20 shows '^SYMBOL ' || fail "top starts again"
shell=$(tm list-panes -t top -F '#{pane_pid}')
fsp=$(pgrep -P "$shell" -x fsprobe)
kill -TERM "$fsp"
check "SIGTERM exits with status 0" wait_for 10 grep -qsx 'EXIT=0' "$TMP/top.exit"
check "terminal settings restored after SIGTERM" wait_for 5 cmp -s "$TMP/stty.before" "$TMP/stty.after"
check "no probe left after SIGTERM" test "$(probes_on "$FS_PID")" = 0

# Not a terminal: refused in one line, before anything is drawn.
"$FSPROBE" top --pid "$FS_PID" "${F[@]}" </dev/null >"$TMP/nt.out" 2>"$TMP/nt.err"
status=$?
check "no terminal: exit 1" test "$status" = 1
check "no terminal: the one-line message" test "$(cat "$TMP/nt.err")" = \
	"fsprobe: top needs a terminal; for a script use: fsprobe report ... --duration 10 --format json"
check "no terminal: nothing on stdout" test ! -s "$TMP/nt.out"
check "no terminal: no probe left" test "$(probes_on "$FS_PID")" = 0
finish
