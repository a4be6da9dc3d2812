#!/usr/bin/env bash
# --binary: probes on the executable count every process running it, including processes
# started after fsprobe, and target_up follows them.
. "$(dirname "$0")/../lib.sh"

# A private copy, so no other test's processes share the probed inode.
BIN=$TMP/featurestore
cp "$FEATURESTORE" "$BIN"
FEATURESTORE=$BIN

fsp_start fsp --binary "$BIN" --lookup "$LOOKUP" --miss "$MISS" || finish
scrape "$TMP/m0"
check "no process yet: target down" grep -qx 'fsprobe_target_up 0' "$TMP/m0"

fs_start a --threads 2 --requests 100000 --symbols 300 --capacity 200 --seed 1 || finish
A_PID=$FS_PID A_TALLY=$FS_TALLY
fs_start b --threads 2 --requests 80000 --symbols 500 --capacity 300 --seed 7 || finish
B_PID=$FS_PID B_TALLY=$FS_TALLY

check "processes started later are seen: target up" \
	wait_for 5 bash -c "curl -sf $FSP_URL | grep -qx 'fsprobe_target_processes 2'"
kill -USR1 "$A_PID" "$B_PID"
check "both workloads finish" wait_for 60 bash -c \
	"grep -q '^done' $TMP/a.out && grep -q '^done' $TMP/b.out"
scrape "$TMP/final"
same_counts "sum over two processes equals their tallies" "$TMP/final" "$A_TALLY" "$B_TALLY"

kill -TERM "$A_PID" "$B_PID"
check "target down after both exit" \
	wait_for 5 bash -c "curl -sf $FSP_URL | grep -qx 'fsprobe_target_up 0'"
scrape "$TMP/after"
same_counts "counts kept after the processes exit" "$TMP/after" "$A_TALLY" "$B_TALLY"
kill -TERM "$FSP_PID"
wait "$FSP_PID"

# One thread state entry, processes one after another: an exiting thread frees the entry
# for the next process's threads.
fsp_start seq --binary "$BIN" --lookup "$LOOKUP" --miss "$MISS" --thread-slots 1 || finish
tallies=()
for i in 1 2 3; do
	fs_start "seq$i" --threads 2 --requests 30000 --symbols 300 --capacity 200 --seed "$i" || finish
	fs_go "seq$i" || fail "process $i finishes"
	kill -TERM "$FS_PID"
	wait "$FS_PID" 2>/dev/null
	tallies+=("$FS_TALLY")
done
scrape "$TMP/seq"
same_counts "--thread-slots 1, three processes in turn: exact" "$TMP/seq" "${tallies[@]}"
finish
