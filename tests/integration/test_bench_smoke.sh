#!/usr/bin/env bash
# make bench's smoke run: the benchmark itself works end to end (no timing is asserted here;
# make bench reports the figures, and a full run writes them into docs/performance.md).
. "$(dirname "$0")/../lib.sh"

BENCH_QUICK=1 OUTPUT=$OUTPUT bash "$ROOT/tests/bench/bench.sh" >"$TMP/bench" 2>&1
status=$?
check "bench smoke run exits 0 (counts exact at top speed)" test "$status" = 0
check "bench reports fsprobe against no probe for both builds" \
	test "$(grep -cE '^(plain|cet) +fsprobe ' "$TMP/bench")" = 2
check "bench reports lookup_entry's run time, as accounted and net" \
	grep -qE '^  lookup_entry +[0-9]+ +[0-9.]+ +[0-9.]+$' "$TMP/bench"
check "bench measures the accounting with an empty program" \
	grep -qE '^  empty program \(the accounting\) +[0-9.]+ +0$' "$TMP/bench"
check "bench reports scrape latency and RSS" grep -qE '^2000 +[0-9.]+ +[0-9.]+' "$TMP/bench"
check "bench reports the kernel memory of fsprobe's maps" grep -qE '^2000 +[0-9.]+ +[0-9.]+ +[0-9.]+ ' "$TMP/bench"
check "bench records every figure, and the cost table renders from them with none missing" \
	bash -c "python3 '$ROOT/tests/bench/cost_table.py' render '$OUTPUT/bench/results.txt' >'$TMP/table' &&
		grep -q 'id=\"cost-return-probe\"' '$TMP/table' && ! grep -q 'n/a' '$TMP/table'"
check "a quick run leaves docs/performance.md alone" grep -q "not rewritten" "$TMP/bench"
[ "$status" = 0 ] || sed 's/^/  | /' "$TMP/bench"
finish
