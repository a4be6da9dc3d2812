#!/usr/bin/env bash
# make bench: what each lookup costs the demo feature store with no probe and with fsprobe
# attached, measured in one run on the same binary. Needs root.
# BENCH_REQUESTS (default 2000000) and BENCH_RUNS (default 5; the median is reported).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUTPUT=${OUTPUT:-build}
case $OUTPUT in /*) ;; *) OUTPUT=$ROOT/$OUTPUT ;; esac
REQUESTS=${BENCH_REQUESTS:-2000000}
RUNS=${BENCH_RUNS:-5}
TMP=$(mktemp -d /tmp/fsprobe-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$TMP"' EXIT

# All hits on one thread: the probe's cost is then most of what changes.
WORKLOAD=(--threads 1 --requests "$REQUESTS" --symbols 100 --capacity 1024 --zipf 1.1)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# one_run with|without: prints ns per lookup.
one_run() {
	local out=$TMP/fs.out err=$TMP/fs.err fs fsp=
	"$OUTPUT/featurestore" "${WORKLOAD[@]}" --wait-start --tally /dev/null >"$out" 2>"$err" &
	fs=$!
	until grep -q '^ready' "$out"; do sleep 0.05; done
	if [ "$1" = with ]; then
		"$OUTPUT/fsprobe" --pid "$fs" --lookup feature_cache_lookup --miss compute_features \
			--web.listen-address "127.0.0.1:$port" 2>"$TMP/fsp.log" &
		fsp=$!
		until curl -sf "http://127.0.0.1:$port/metrics" >/dev/null; do sleep 0.05; done
	fi
	kill -USR1 "$fs"
	wait "$fs"
	if [ -n "$fsp" ]; then
		kill -TERM "$fsp"
		wait "$fsp"
	fi
	sed -n 's/.*ns_per_lookup=//p' "$err"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "fsprobe bench: $REQUESTS lookups on 1 thread, all hits, median of $RUNS alternating runs"
echo "machine: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
: >"$TMP/without"
: >"$TMP/with"
for _ in $(seq "$RUNS"); do
	one_run without >>"$TMP/without"
	one_run with >>"$TMP/with"
done
base=$(median <"$TMP/without")
probed=$(median <"$TMP/with")
printf '\n%-28s %12s %12s %8s\n' scenario ns/lookup "added ns" ratio
printf '%-28s %12.1f %12s %8s\n' "no probe" "$base" - 1.00
awk -v b="$base" -v p="$probed" 'BEGIN { printf "%-28s %12.1f %12.1f %8.2f\n", "fsprobe (entry+return+miss)", p, p - b, p / b }'
