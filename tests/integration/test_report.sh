#!/usr/bin/env bash
# fsprobe report: two reports (JSON and table) attached at once to one target running a fixed
# workload; each count equals the target's own tally exactly, ranked by misses, valid JSON,
# SIGINT ends a report early and it still prints, exit 0, and no probe is left behind.
. "$(dirname "$0")/../lib.sh"

# probes_on PID: uprobes and uretprobes attached to PID's executable, by anyone.
probes_on() {
	bpftool -j perf list | python3 -c '
import json, sys
want = "/proc/%s/exe" % sys.argv[1]
print(sum(1 for p in json.load(sys.stdin) if p.get("filename") == want))' "$1"
}

F=(--lookup "$LOOKUP" --miss "$MISS")
fs_start rep --threads 2 --requests 60000 --symbols 300 --capacity 200 --zipf 1.0 || finish

# JSON: runs out its duration by itself. Table: asked for far longer, ended by SIGINT.
"$FSPROBE" report --pid "$FS_PID" "${F[@]}" --duration 12 --format json \
	>"$TMP/r.json" 2>"$TMP/r.json.err" &
JP=$!
PIDS+=($JP)
"$FSPROBE" report --pid "$FS_PID" "${F[@]}" --duration 600 >"$TMP/r.txt" 2>"$TMP/r.txt.err" &
TP=$!
PIDS+=($TP)
# The load starts only once both have attached: they log 'observing' after attaching.
wait_for 20 grep -q 'observing' "$TMP/r.json.err" || fail "json report attaches" "$(cat "$TMP/r.json.err")"
wait_for 20 grep -q 'observing' "$TMP/r.txt.err" || fail "table report attaches" "$(cat "$TMP/r.txt.err")"
n=$(probes_on "$FS_PID")
check "both reports attached ($n probes on the target)" test "$n" -ge 6
started=$SECONDS
fs_go rep 60 || fail "workload finishes" "$(tail -2 "$TMP/rep.err")"
check "workload done well within the JSON report's 12 s ($((SECONDS - started)) s)" \
	test $((SECONDS - started)) -lt 9

kill -INT "$TP"
wait "$TP"
check "table report: SIGINT ends it early with status 0" test $? = 0
check "table report: says it stopped early" grep -q 'SIGINT: reporting the' "$TMP/r.txt.err"
wait "$JP"
check "json report: exit 0 after its duration" test $? = 0
check "json report: stderr is the one 'observing' line" test "$(wc -l <"$TMP/r.json.err")" = 1

check "json report: valid JSON" python3 -m json.tool "$TMP/r.json" /dev/null

# json_symbols FILE: "SYMBOL HITS MISSES", sorted like tally_symbols.
python3 - "$TMP/r.json" >"$TMP/json.got" <<'PY'
import json, sys
for s in json.load(open(sys.argv[1]))["symbols"]:
    print(s["symbol"], s["hits"], s["misses"])
PY
sort "$TMP/json.got" >"$TMP/json.sorted"
tally_symbols "$FS_TALLY" >"$TMP/want"
if cmp -s "$TMP/json.sorted" "$TMP/want"; then
	pass "json report: per-symbol hits and misses equal the tally ($(wc -l <"$TMP/want") symbols)"
else
	fail "json report: per-symbol counts" "$(diff "$TMP/want" "$TMP/json.sorted" | head -5 | tr '\n' ' ')"
fi

# Totals, ratio, ranking and the fixed keys, checked in one place.
python3 - "$TMP/r.json" "$FS_TALLY" >"$TMP/json.check" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
total = [l.split() for l in open(sys.argv[2]) if l.startswith("TOTAL ")][0]
lookups, hits, misses = map(int, total[1:])
t = r["totals"]
assert (t["lookups"], t["hits"], t["misses"]) == (lookups, hits, misses), (t, total)
assert abs(t["hit_ratio"] - hits / lookups) < 1e-9, t["hit_ratio"]
assert r["overflow"] is None and r["target"]["command"] == "featurestore"
assert [f["name"] for f in r["target"]["functions"]] == ["feature_cache_lookup", "compute_features"]
assert 11.5 <= r["duration_seconds"] <= 14, r["duration_seconds"]
assert r["slo"]["status"] == ("OK" if hits >= 0.95 * lookups else "BREACH")
assert set(r["errors"]) == {"fault", "empty", "field_missing"}
syms = r["symbols"]
keys = ["symbol", "hits", "misses", "lookups", "hit_ratio", "miss_p50_seconds",
        "miss_p99_seconds", "lookup_p50_seconds", "lookup_p99_seconds"]
assert all(list(s) == keys for s in syms), list(syms[0])
rank = [(-s["misses"], s["symbol"].encode()) for s in syms]
assert rank == sorted(rank), "not ranked by misses, then symbol"
assert syms[0]["misses"] > syms[-1]["misses"]
assert all(s["miss_p50_seconds"] is not None for s in syms if s["misses"])
print("ok", len(syms))
PY
check "json report: totals, SLO, keys and ranking by misses ($(cat "$TMP/json.check"))" \
	grep -q '^ok' "$TMP/json.check"

# Table rows: SYMBOL LOOKUPS HITS MISSES ...
awk 'rows && NF { print $1, $3, $4 } /^SYMBOL /{ rows = 1 }' "$TMP/r.txt" | sort >"$TMP/table.sorted"
if cmp -s "$TMP/table.sorted" "$TMP/want"; then
	pass "table report: per-symbol hits and misses equal the tally"
else
	fail "table report: per-symbol counts" "$(diff "$TMP/want" "$TMP/table.sorted" | head -5 | tr '\n' ' ')"
fi
check "table report: rows ranked by misses, then symbol" bash -c "
	awk 'rows && NF { print \$4, \$1 } /^SYMBOL /{ rows = 1 }' '$TMP/r.txt' >'$TMP/rank'
	LC_ALL=C sort -k1,1nr -k2,2 -s '$TMP/rank' | cmp -s - '$TMP/rank'"
read -r lookups hits misses < <(awk '$1 == "TOTAL" { print $2, $3, $4 }' "$FS_TALLY")
check "table report: header totals equal the tally" \
	grep -q "^totals: $lookups lookups, $hits hits, $misses misses; hit ratio" "$TMP/r.txt"

check "no probe left on the target after both reports" test "$(probes_on "$FS_PID")" = 0
check "no breakpoint left in the target" test "$(breakpoints "$FS_PID" "$LOOKUP" "$MISS")" = 0
finish
