#!/usr/bin/env bash
# The target exits: fsprobe keeps serving the final counts with target_up 0 and says so.
# SIGINT and SIGTERM detach and exit 0, leaving no probe behind.
. "$(dirname "$0")/../lib.sh"

"$FEATURESTORE" --wait-start --tally "$TMP/t" --threads 2 --requests 50000 --symbols 100 \
	>"$TMP/fs.out" 2>&1 &
FS_PID=$!
PIDS+=($FS_PID)
wait_for 10 grep -q '^ready' "$TMP/fs.out"
fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" || finish
check "breakpoints in the target while attached" \
	test "$(breakpoints "$FS_PID" "$LOOKUP" "$MISS")" = 2
"$FEATURESTORE" --wait-start --tally /dev/null >"$TMP/other.out" &
other=$!
PIDS+=($other)
wait_for 10 grep -q '^ready' "$TMP/other.out"
check "a process running the same file but not observed has no breakpoint" \
	test "$(breakpoints "$other" "$LOOKUP" "$MISS")" = 0
kill "$other"
wait "$other" 2>/dev/null
# The target writes its tally on exit; to /dev/null it must write in place, not rename over it.
check "/dev/null is still a device after a tally was written to it" test -c /dev/null
kill -USR1 "$FS_PID"
wait "$FS_PID"
check "target exited 0" test $? = 0
check "fsprobe logs the exit" wait_for 5 grep -q 'exited; still serving its final counts' "$FSP_LOG"
scrape "$TMP/m"
check "target_up 0 after exit" grep -qx 'fsprobe_target_up 0' "$TMP/m"
same_counts "final counts still served after the target exited" "$TMP/m" "$TMP/t"

kill -INT "$FSP_PID"
wait "$FSP_PID"
check "SIGINT exits 0" test $? = 0

fs_start two --threads 1 --requests 1000 || finish
fsp_start fsp2 --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" || finish
check "breakpoints in the second target" test "$(breakpoints "$FS_PID" "$LOOKUP" "$MISS")" = 2
kill -TERM "$FSP_PID"
wait "$FSP_PID"
check "SIGTERM exits 0" test $? = 0
check "log says it detached" grep -q 'detaching on SIGTERM' "$FSP_LOG"
check "no breakpoint left in the target after SIGTERM" \
	test "$(breakpoints "$FS_PID" "$LOOKUP" "$MISS")" = 0
finish
