#!/usr/bin/env bash
# --max-symbols: the first N symbols keep their series; later ones are counted under
# __overflow__; nothing is lost and no series moves.
. "$(dirname "$0")/../lib.sh"

fs_start ov --threads 2 --requests 60000 --symbols 300 --capacity 100 --zipf 0.5 || finish
fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --max-symbols 50 || finish
kill -USR1 "$FS_PID"
scrape "$TMP/mid"
wait_for 60 grep -q '^done' "$TMP/ov.out"
scrape "$TMP/m"

named=$(per_symbol "$TMP/m" | grep -vc '^__overflow__ ')
# An insert race can leave a slot unnamed, so "at most", and rarely fewer.
check "at most 50 symbols have their own series (got $named)" test "$named" -le 50 -a "$named" -ge 48
check "fsprobe_symbols reports $named" grep -qx "fsprobe_symbols $named" "$TMP/m"
per_symbol "$TMP/mid" | cut -d' ' -f1 | grep -v '^__overflow__$' >"$TMP/mid.names"
per_symbol "$TMP/m" | cut -d' ' -f1 >"$TMP/m.names"
check "series present mid-run are still there ($(wc -l <"$TMP/mid.names") of them)" \
	test -z "$(comm -23 "$TMP/mid.names" "$TMP/m.names")"

# Named symbols exact; everything else summed into __overflow__.
per_symbol "$TMP/m" | grep -v '^__overflow__ ' | cut -d' ' -f1 >"$TMP/named"
awk 'NR == FNR { named[$1] = 1; next }
	$1 == "TOTAL" { next }
	$1 in named { print $1, $3, $4; next }
	{ h += $3; m += $4 }
	END { print "__overflow__", h, m }' "$TMP/named" "$FS_TALLY" | sort >"$TMP/want"
per_symbol "$TMP/m" >"$TMP/got"
check "named symbols exact and overflow holds the rest" cmp -s "$TMP/want" "$TMP/got"
ov=$(awk '$1 == "__overflow__" { print $2 + $3 }' "$TMP/want")
check "fsprobe_symbols_overflow_total = $ov" grep -qx "fsprobe_symbols_overflow_total $ov" "$TMP/m"
total=$(awk '$1 == "TOTAL" { print $2 }' "$FS_TALLY")
check "sum of every series = $total lookups" test \
	"$(awk '{ s += $2 + $3 } END { print s }' "$TMP/got")" = "$total"
finish
