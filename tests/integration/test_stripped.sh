#!/usr/bin/env bash
# A stripped binary: its functions are gone from .symtab, and fsprobe finds them in the separate
# debug file a debuginfo package installs (/usr/lib/debug/.build-id/xx/yyyy.debug), looked up
# inside the process's own root. The debug file lives only in the target's mount namespace.
. "$(dirname "$0")/../lib.sh"

cp "$FEATURESTORE" "$TMP/fs"
objcopy --only-keep-debug "$TMP/fs" "$TMP/fs.debug"
strip --strip-all "$TMP/fs"
id=$(readelf -n "$TMP/fs" | awk '/Build ID/ { print $3 }')
check "the stripped binary has a build id ($id)" test -n "$id"
check "the stripped binary has no symbol for the lookup" bash -c "! nm '$TMP/fs' 2>/dev/null | grep -q $LOOKUP"

# start_stripped NAME WITH_DEBUG: the stripped target in its own mount namespace.
start_stripped() {
	: >"$TMP/$1.out"
	unshare -m --propagation private bash -c "
		mount -t tmpfs none /usr/lib/debug 2>/dev/null || { mkdir -p /usr/lib/debug && mount -t tmpfs none /usr/lib/debug; }
		if [ $2 = 1 ]; then
			mkdir -p /usr/lib/debug/.build-id/${id:0:2}
			cp '$TMP/fs.debug' /usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
		fi
		exec '$TMP/fs' --wait-start --hold --tally '$TMP/$1.tally' --threads 2 --requests 40000" \
		>"$TMP/$1.out" 2>&1 &
	PIDS+=($!)
	wait_for 10 grep -q '^ready' "$TMP/$1.out"
	FS_PID=$(sed -n 's/^ready pid=//p' "$TMP/$1.out")
}

start_stripped nodebug 0
"$FSPROBE" --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" \
	--web.listen-address "127.0.0.1:$(free_port)" 2>"$TMP/err" >/dev/null
check "without its debug file the function is not found: $(cat "$TMP/err")" \
	grep -q "function '$LOOKUP'.*not found" "$TMP/err"
kill "$FS_PID"

start_stripped debug 1
fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" || finish
kill -USR1 "$FS_PID"
wait_for 30 grep -q '^done' "$TMP/debug.out"
scrape "$TMP/m"
same_counts "stripped binary, functions from its build-id debug file" "$TMP/m" "$TMP/debug.tally"
finish
