#!/usr/bin/env bash
# A process in its own mount namespace, running an executable whose path does not exist on the
# host: fsprobe must resolve and attach through /proc/PID, never through the host's paths.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$TMP/mnt"
unshare -m --propagation private bash -c "
	mount -t tmpfs none '$TMP/mnt' &&
	cp '$FEATURESTORE' '$TMP/mnt/featurestore-in-ns' &&
	exec '$TMP/mnt/featurestore-in-ns' --wait-start --hold --tally '$TMP/tally' \
		--threads 2 --requests 50000 --symbols 200 --capacity 120" >"$TMP/ns.out" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q '^ready' "$TMP/ns.out" || { fail "namespaced target starts" "$(cat "$TMP/ns.out")"; finish; }
FS_PID=$(sed -n 's/^ready pid=//p' "$TMP/ns.out")
check "the executable's path does not exist on the host" test ! -e "$TMP/mnt/featurestore-in-ns"
check "its mount namespace differs from ours" test \
	"$(readlink /proc/$FS_PID/ns/mnt)" != "$(readlink /proc/self/ns/mnt)"

fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" || finish
kill -USR1 "$FS_PID"
wait_for 30 grep -q '^done' "$TMP/ns.out"
# The tally was written inside the namespace: read it through the process's root.
cp "/proc/$FS_PID/root$TMP/tally" "$TMP/tally.host" 2>/dev/null || cp "$TMP/tally" "$TMP/tally.host"
scrape "$TMP/m"
same_counts "exact counts for a process in another mount namespace" "$TMP/m" "$TMP/tally.host"
finish
