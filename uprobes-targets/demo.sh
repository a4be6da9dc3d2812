#!/usr/bin/env bash
# make demo: the demo feature store under load, fsprobe attached from outside, counts moving.
# DEMO_SECONDS=N stops after N seconds (default: run until Ctrl-C); DEMO_PORT picks the port.
set -u
OUTPUT=${OUTPUT:-build}
PORT=${DEMO_PORT:-9477}
URL=http://127.0.0.1:$PORT/metrics
LOG=$(mktemp /tmp/fsprobe-demo.XXXXXX)
pids=()

stop() {
	kill -TERM "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	rm -f "$LOG" "$LOG.prev"
}
trap stop EXIT
trap 'exit 0' INT TERM

# Near the 95% SLO: 1500 symbols, Zipf 1.1, 1024 cache entries, 2 threads at 20k lookups/s.
"$OUTPUT/featurestore" --threads 2 --rate 10000 --symbols 1500 --capacity 1024 --tally /dev/null \
	>/dev/null 2>&1 &
pids+=($!)
target=$!
"$OUTPUT/fsprobe" --pid "$target" --lookup feature_cache_lookup --miss compute_features \
	--key 'cstr(arg0)' --web.listen-address "127.0.0.1:$PORT" 2>"$LOG" &
pids+=($!)
for _ in $(seq 50); do
	curl -sf "$URL" >/dev/null && break
	if ! kill -0 "${pids[1]}" 2>/dev/null; then
		cat "$LOG" >&2
		exit 1
	fi
	sleep 0.1
done

echo "demo feature store: pid $target (2 threads, 1500 symbols, cache of 1024)"
echo "fsprobe attached:   sudo $OUTPUT/fsprobe --pid $target --lookup feature_cache_lookup --miss compute_features"
echo "metrics:            $URL"
echo "                    (try: curl -s $URL | grep featurestore_)"
echo
printf '%8s %12s %12s %10s %9s   %s\n' time lookups misses lookups/s hit% "most misses"
start=$SECONDS prev=0
while [ -z "${DEMO_SECONDS:-}" ] || ((SECONDS - start < DEMO_SECONDS)); do
	sleep 2
	curl -sf "$URL" | awk -v t=$((SECONDS - start)) -v prev="$prev" '
	/^featurestore_hits_total\{/ { h += $NF }
	/^featurestore_misses_total\{/ {
		m += $NF; s = $0; sub(/^[^"]*"/, "", s); sub(/".*/, "", s); miss[s] = $NF
	}
	END {
		n = 0
		for (s in miss) if (miss[s] > top1) { top1 = miss[s]; name1 = s }
		printf "%7ds %12d %12d %10d %8.2f%%   %s (%d)\n", t, h + m, m, (h + m - prev) / 2,
			h + m ? 100 * h / (h + m) : 0, name1, top1
		print h + m > "/dev/stderr"
	}' 2>"$LOG.prev" || { echo "fsprobe stopped answering" >&2; exit 1; }
	prev=$(cat "$LOG.prev")
done
rm -f "$LOG.prev"
