#!/usr/bin/env bash
# --pid: exact per-symbol counts against the target's own tally, with concurrent threads,
# every scrape valid for promtool and no counter ever going down between scrapes.
. "$(dirname "$0")/../lib.sh"

fs_start pid --threads 4 --requests 300000 --symbols 400 --capacity 250 --zipf 1.0 || finish
fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --key 'cstr(arg0)' || finish

scrape "$TMP/m0"
check "attached: lookup probe reports 1" \
	grep -q '^fsprobe_probe_attached{function="feature_cache_lookup",role="lookup",.*} 1$' "$TMP/m0"
check "attached: miss probe reports 1" \
	grep -q '^fsprobe_probe_attached{function="compute_features",role="miss",.*} 1$' "$TMP/m0"
check "hit ratio absent before the first lookup" bash -c "! grep -q '^featurestore_hit_ratio ' $TMP/m0"
check "target up" grep -qx 'fsprobe_target_up 1' "$TMP/m0"

kill -USR1 "$FS_PID"
# Scrape while the load runs: each scrape valid, counters never lower than the one before.
ok=1 prev=$TMP/m0 i=0
while ! grep -q '^done' "$TMP/pid.out" && ((i < 300)); do
	i=$((i + 1))
	scrape "$TMP/s$i" || { ok=0; break; }
	monotonic "$prev" "$TMP/s$i" || { ok=0; break; }
	prev=$TMP/s$i
	sleep 0.05
done
check "$i scrapes under load: valid for promtool and monotonic" test "$ok" = 1
wait_for 60 grep -q '^done' "$TMP/pid.out"

scrape "$TMP/final"
check "final scrape is monotonic too" monotonic "$prev" "$TMP/final"
same_counts "per-symbol hits and misses, 4 threads x 300000 lookups" "$TMP/final" "$FS_TALLY"
total=$(awk '$1 == "TOTAL" { print $3 / $2 }' "$FS_TALLY")
got=$(metric "$TMP/final" featurestore_hit_ratio)
check "hit ratio gauge $got equals the tally's $total" \
	python3 -c "import sys; sys.exit(abs($got - $total) > 1e-6)"
check "no key read errors" grep -q '^fsprobe_key_read_errors_total{reason="fault"} 0$' "$TMP/final"
check "both series exist for every symbol" test \
	"$(grep -c '^featurestore_hits_total{' "$TMP/final")" = "$(grep -c '^featurestore_misses_total{' "$TMP/final")"
kill -TERM "$FSP_PID" "$FS_PID"
wait "$FSP_PID" "$FS_PID" 2>/dev/null

# One thread state entry for four threads: three keep their state in task storage instead.
fs_start slots --threads 4 --requests 100000 --symbols 400 --capacity 250 || finish
fsp_start slots.fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --thread-slots 1 || finish
fs_go slots || fail "--thread-slots 1: workload finishes"
scrape "$TMP/slots"
same_counts "--thread-slots 1, 4 threads: the entry's owner and task storage both exact" \
	"$TMP/slots" "$FS_TALLY"
finish
