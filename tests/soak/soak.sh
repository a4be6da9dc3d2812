#!/usr/bin/env bash
# make soak (not in CI): SOAK_SECONDS (default 600) of one million distinct raw keys
# ("feat:SYM:fNNNNNN", 1,000 symbols x 1,000 features) through field(cstr(arg0), ':', 1), two
# threads at top speed, a scrape every second. Afterwards fsprobe's RSS, the kernel memory of
# its maps and its open fds must be flat after warm-up, and the counts exact.
. "$(dirname "$0")/../lib.sh"

SECONDS_RUN=${SOAK_SECONDS:-600}
WARMUP=$((SECONDS_RUN / 5 > 60 ? 60 : SECONDS_RUN / 5))
SHAPES=$OUTPUT/targets/shapes
[ -x "$SHAPES" ] || { fail "no $SHAPES (make targets)"; finish; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
# The kernel memory charged for the BPF maps the process holds open (fdinfo's memlock).
map_bytes() {
	local f t=0 m
	for f in /proc/"$1"/fdinfo/*; do
		grep -q '^map_id:' "$f" 2>/dev/null || continue
		m=$(awk '/^memlock:/ { print $2 }' "$f")
		t=$((t + ${m:-0}))
	done
	echo "$t"
}

FEATURESTORE=$SHAPES fs_start soak --shape rawkey --symbols 1000 --raw-keys 1000 --zipf 0 \
	--threads 2 --capacity 5000 --duration "$SECONDS_RUN" || finish
fsp_start fsp --pid "$FS_PID" --lookup cache_get_raw --miss cache_fill_raw \
	--key "field(cstr(arg0), ':', 1)" --max-symbols 2000 || finish
kill -USR1 "$FS_PID"

samples=$TMP/samples
start=$(date +%s)
scrapes=0 failed=0
while ! grep -q '^done' "$TMP/soak.out"; do
	now=$(($(date +%s) - start))
	curl -sf -m 5 -o "$TMP/m" "$FSP_URL" && scrapes=$((scrapes + 1)) || failed=$((failed + 1))
	echo "$now $(rss_kb "$FSP_PID") $(map_bytes "$FSP_PID") $(fds "$FSP_PID")" >>"$samples"
	sleep 1
	((now < SECONDS_RUN + 120)) || break
done
wait_for 60 grep -q '^done' "$TMP/soak.out"
scrape "$TMP/final"

echo "      $scrapes scrapes, $failed failed; samples (s, RSS kB, map bytes, fds):"
awk -v w="$WARMUP" 'NR == 1 || $1 >= w && !s++ || NR % 60 == 0 { print "        " $0 } END { print "        " $0 }' "$samples"
check "every scrape answered ($scrapes, $failed failed)" test "$failed" = 0
read -r w_rss w_map w_fds <<<"$(awk -v w="$WARMUP" '$1 >= w { print $2, $3, $4; exit }' "$samples")"
read -r e_rss e_map e_fds <<<"$(tail -1 "$samples" | awk '{ print $2, $3, $4 }')"
check "RSS flat after warm-up: ${w_rss} kB at ${WARMUP} s, ${e_rss} kB at the end (at most +10%)" \
	test "$e_rss" -le $((w_rss + w_rss / 10))
check "kernel map memory flat after warm-up: $w_map -> $e_map bytes" test "$e_map" = "$w_map"
check "open fds flat after warm-up: $w_fds -> $e_fds" test "$e_fds" = "$w_fds"
same_counts "counts exact after $SECONDS_RUN s of 1,000,000 raw keys" "$TMP/final" "$FS_TALLY"
total=$(awk '$1 == "TOTAL" { print $2 }' "$FS_TALLY")
echo "      $total lookups in $SECONDS_RUN s"
finish
