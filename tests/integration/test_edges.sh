#!/usr/bin/env bash
# Pairing edge cases, each exact against the target's tally (uprobes-targets/edge):
#   a miss function reached by a tail call (jmp), keys that cannot be read between good ones,
#   a worker that stays alive, blocked deeper than its last lookup, and one that execs.
. "$(dirname "$0")/../lib.sh"

EDGE=$OUTPUT/edge
# Every test target answers --help with its usage on stdout and exit 0.
for t in "$EDGE" "$FEATURESTORE" "$OUTPUT/featurestore-cet" "$OUTPUT"/targets/featurestore-* \
	"$OUTPUT/targets/shapes"; do
	[ -x "$t" ] || continue
	check "$(basename "$t") --help prints its usage" \
		bash -c "out=\$('$t' --help 2>&1) && grep -q '^usage: ' <<<\"\$out\""
done
check "edge_lookup tail-calls edge_compute (jmp)" \
	bash -c "objdump -d --no-show-raw-insn '$EDGE' | awk '/<edge_lookup>:/,/^\$/' | grep -q 'jmp.*<edge_compute>'"

# run ID NAME MODE FSPROBE-ARGS...: exact per symbol once the worker is done.
run() {
	local id=$1 name=$2 mode=$3 fns=(--lookup edge_lookup --miss edge_compute)
	shift 3
	[ "$mode" = idle ] || [ "$mode" = exec ] && fns=(--lookup edge_lookup2 --miss edge_compute2)
	[ "$mode" = nul ] && fns=(--lookup edge_lookup_n --miss edge_compute_n --key 'bytes(arg0, arg1)')
	FEATURESTORE=$EDGE fs_start "$id" --mode "$mode" --requests 3000 || return
	fsp_start "$id.fsp" --pid "$FS_PID" "${fns[@]}" "$@" || return
	fs_go "$id" || { fail "$name: workload finishes"; return; }
	[ "$mode" != exec ] || wait_for 10 grep -qx sleep "/proc/$FS_PID/comm" ||
		fail "$name: the worker execs sleep"
	scrape "$TMP/$id.m"
	same_counts "$name" "$TMP/$id.m" "$FS_TALLY"
	kill -TERM "$FSP_PID" "$FS_PID"
	wait "$FSP_PID" "$FS_PID" 2>/dev/null
}

run tail "tail call into the miss function: misses counted" tail
run taillat "tail call with --latency" tail --latency
run empty "empty keys count as the symbol \"\" and do not take other lookups' misses" empty
check "... and are counted as empty keys (1000)" \
	grep -qx 'fsprobe_key_read_errors_total{reason="empty"} 1000' "$TMP/empty.m"
run fault "keys that cannot be read count under __unreadable__, in the totals too" fault
check "... and as read faults (1000)" \
	grep -qx 'fsprobe_key_read_errors_total{reason="fault"} 1000' "$TMP/fault.m"
check "... and the hit ratio covers them (1000 hits of 3000 lookups)" \
	grep -qx 'featurestore_hit_ratio 0.333333333' "$TMP/fault.m"
run idle "a worker idle below its last lookup: every lookup counted" idle --no-lazy
run emptylazy "empty keys with --lazy" empty --lazy
run faultlazy "unreadable keys with --lazy" fault --lazy
run idlelazy "a worker idle below its last lookup, with --lazy: settled by its return slot" idle --lazy
check "--lazy was proven safe for edge_lookup2/edge_compute2 (no return probe)" \
	bash -c "! grep -q 'counting each lookup at its return' '$TMP/idlelazy.fsp.log'"
run idletask "... and with all thread state in task storage (--thread-slots 0)" idle --lazy \
	--thread-slots 0
run exec "a worker thread that execs another program: its last lookup counted at exec" exec
run exectask "... and with its state in task storage (--thread-slots 0)" exec --thread-slots 0
run nul "bytes() keys that differ after a NUL: two series, two labels" nul
finish
