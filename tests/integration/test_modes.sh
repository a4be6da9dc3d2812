#!/usr/bin/env bash
# Ways to tell hits from misses, each exact against the target's tally:
# --lookup F --hit-when PRED on F's return value (the demo's lookup returns 1 on a hit).
. "$(dirname "$0")/../lib.sh"

for pred in 'ret == 1' 'i32(ret) != 0' 'u8(ret) > 0' 'u32(ret) >= 1'; do
	fs_start ret --threads 2 --requests 60000 --symbols 300 --capacity 200 || finish
	fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --hit-when "$pred" || finish
	fs_go ret
	scrape "$TMP/m"
	same_counts "--hit-when '$pred'" "$TMP/m" "$FS_TALLY"
	check "--hit-when lists only the lookup probe" test \
		"$(grep -c '^fsprobe_probe_attached{' "$TMP/m")" = 1
	kill -TERM "$FSP_PID" "$FS_PID"
	wait "$FSP_PID" "$FS_PID" 2>/dev/null
done

# --lazy: no return probe, the binary proves the miss function runs only inside the lookup.
fs_start lazy --threads 4 --requests 100000 --symbols 300 --capacity 200 || finish
fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --lazy || finish
fs_go lazy
scrape "$TMP/lazy.m"
same_counts "--lazy (counted at the next lookup, thread exit or scrape)" "$TMP/lazy.m" "$FS_TALLY"
check "--lazy: proven, so no return probe" bash -c "! grep -q 'counting each lookup at its return' '$FSP_LOG'"
kill -TERM "$FSP_PID" "$FS_PID"
wait "$FSP_PID" "$FS_PID" 2>/dev/null

# A predicate that inverts the meaning must swap hits and misses exactly.
fs_start inv --threads 2 --requests 30000 --symbols 100 --capacity 60 || finish
fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --hit-when 'ret == 0' || finish
fs_go inv
scrape "$TMP/m"
awk '$1 != "TOTAL" { print $1, $2, $4, $3 }' "$FS_TALLY" >"$TMP/swapped"
same_counts "--hit-when 'ret == 0' swaps hits and misses" "$TMP/m" "$TMP/swapped"
finish
