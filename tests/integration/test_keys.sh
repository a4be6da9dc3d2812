#!/usr/bin/env bash
# Key lengths on both sides of the BPF fast path (keys up to 38 bytes are read onto the stack
# and hinted, longer ones read whole by a slower subprogram) and of the 63-byte limit (longer keys count under their
# first 63 bytes): exact per-symbol counts against the target's tally.
. "$(dirname "$0")/../lib.sh"

S=$OUTPUT/targets/shapes
[ -x "$S" ] || fail "target shapes is built" "run make targets"

# padded LEN KEY: keys of LEN bytes (the symbol, then '_'s), read by KEY.
padded() {
	local len=$1 key=$2 id=pad$((++ncase)) total truncated want=0
	FEATURESTORE=$S fs_start "$id" --shape padded --key-len "$len" --threads 2 \
		--requests 40000 || return
	fsp_start "$id.fsp" --pid "$FS_PID" --lookup cache_get_buf --miss cache_fill_buf \
		--key "$key" || return
	fs_go "$id" || { fail "$len-byte keys, $key: workload finishes"; return; }
	scrape "$TMP/$id.m" || { fail "$len-byte keys, $key: scrape valid"; return; }
	# The tally names the symbol; fsprobe reports the key, cut to 63 bytes.
	awk -v len="$len" '$1 != "TOTAL" { k = $1; while (length(k) < len) k = k "_"; $1 = substr(k, 1, 63) }
		{ print }' "$FS_TALLY" >"$TMP/$id.want"
	same_counts "$len-byte keys, $key" "$TMP/$id.m" "$TMP/$id.want"
	total=$(awk '$1 == "TOTAL" { print $2 }' "$FS_TALLY")
	truncated=$(awk '$1 == "fsprobe_keys_truncated_total" { print $2 }' "$TMP/$id.m")
	((len <= 63)) || want=$total
	check "... fsprobe_keys_truncated_total $truncated, expected $want" [ "$truncated" = "$want" ]
	kill -TERM "$FSP_PID" "$FS_PID"
	wait "$FSP_PID" "$FS_PID" 2>/dev/null
}

ncase=0
for len in 38 39 40 63 64 100; do
	padded "$len" 'cstr(arg0)'
done
for len in 39 40 63 64 100; do
	padded "$len" 'bytes(arg0, arg1)'
done
finish
