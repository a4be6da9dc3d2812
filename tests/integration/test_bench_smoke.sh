#!/usr/bin/env bash
# make bench's smoke run: the benchmark itself works end to end (no timing is asserted here;
# make bench reports the figures, docs/performance.md records them).
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
[ "$status" = 0 ] || sed 's/^/  | /' "$TMP/bench"
finish
