#!/usr/bin/env bash
# make bench: what fsprobe costs, measured in one run on the same binaries. Needs root.
#
#   1. per-lookup cost on the demo feature store, plain and -fcf-protection builds, with no
#      probe, with fsprobe, with an equivalent bpftrace one-liner and with an empty program;
#   2. the BPF programs' own run time per hit (kernel.bpf_stats_enabled), also net of the
#      accounting's own cost, which an empty program on the same probe measures;
#   3. scrape latency and fsprobe's RSS at 100, 10,000 and 100,000 symbols;
#   4. exact counts at the target's top speed on two threads.
#
# BENCH_QUICK=1 is the short smoke run CI does. BENCH_RUNS (default 5) alternating runs each;
# the median is reported, as ratios to the unprobed run of the same build.
#
# Every figure is also recorded as KEY VALUE in $OUTPUT/bench/results.txt, and a full run (not
# BENCH_QUICK, not BENCH_WRITE=0) rewrites the cost table in docs/performance.md from them
# (tests/bench/cost_table.py): the one place the docs take a cost figure from.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUTPUT=${OUTPUT:-build}
case $OUTPUT in /*) ;; *) OUTPUT=$ROOT/$OUTPUT ;; esac
if [ -n "${BENCH_QUICK:-}" ]; then
	REQUESTS=200000 RUNS=1 SIZES="100 2000" SPEED_REQUESTS=200000 SCRAPES=3
else
	REQUESTS=${BENCH_REQUESTS:-1000000} RUNS=${BENCH_RUNS:-5} SIZES="100 10000 100000"
	SPEED_REQUESTS=2000000 SCRAPES=20
fi
TMP=$(mktemp -d /tmp/fsprobe-bench.XXXXXX)
mkdir -p "$OUTPUT/bench"
RESULTS=$OUTPUT/bench/results.txt
: >"$RESULTS"
rec() { echo "$1 $2" >>"$RESULTS"; } # KEY VALUE
STATS_WAS=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo 0)
cleanup() {
	kill $(jobs -p) 2>/dev/null
	wait 2>/dev/null
	echo "$STATS_WAS" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$port/metrics
# bpftrace 0.17 attaches uprobes through tracefs.
[ -e /sys/kernel/tracing/uprobe_events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
HAVE_BPFTRACE=1
command -v bpftrace >/dev/null && [ -e /sys/kernel/tracing/uprobe_events ] || HAVE_BPFTRACE=0

wait_for() { # TIMEOUT CMD...
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}

# start_target BIN ARGS...: a --wait-start target; sets TPID.
start_target() {
	local bin=$1
	shift
	"$bin" "$@" --wait-start --tally "$TMP/tally" >"$TMP/t.out" 2>"$TMP/t.err" &
	TPID=$!
	wait_for 10 grep -q '^ready' "$TMP/t.out"
}

start_fsprobe() { # ARGS...: sets FPID
	"$OUTPUT/fsprobe" --web.listen-address "127.0.0.1:$port" "$@" 2>"$TMP/fsp.log" &
	FPID=$!
	wait_for 20 curl -sf "$URL" -o /dev/null || { cat "$TMP/fsp.log" >&2; return 1; }
}

# start_bpftrace BIN empty|peer: an empty program on BIN's lookup (the uprobe alone), or the
# peer one-liner counting lookups and misses by key for $TPID; sets BT once attached.
start_bpftrace() {
	local bin=$1 script="uprobe:$1:feature_cache_lookup { }"
	[ "$2" = peer ] &&
		script="uprobe:$bin:feature_cache_lookup /pid == $TPID/ { @lookups[str(arg0)] = count(); }
			uprobe:$bin:compute_features /pid == $TPID/ { @misses[str(arg0)] = count(); }"
	bpftrace -e "$script" >"$TMP/bt.out" 2>&1 &
	BT=$!
	wait_for 30 grep -q '^Attaching' "$TMP/bt.out"
	sleep 0.5
}

# one_run BIN none|fsprobe|no-lazy|latency|bpftrace|empty: ns per lookup for a fixed all-hit workload on one thread.
one_run() {
	local bin=$1 how=$2 peer=
	start_target "$bin" --threads 1 --requests "$REQUESTS" --symbols 100 --capacity 1024
	case $how in
	fsprobe)
		start_fsprobe --pid "$TPID" --lookup feature_cache_lookup --miss compute_features
		peer=$FPID
		;;
	no-lazy)
		start_fsprobe --pid "$TPID" --lookup feature_cache_lookup --miss compute_features --no-lazy
		peer=$FPID
		;;
	latency)
		start_fsprobe --pid "$TPID" --lookup feature_cache_lookup --miss compute_features --latency
		peer=$FPID
		;;
	empty)
		start_bpftrace "$bin" empty
		peer=$BT
		;;
	bpftrace)
		start_bpftrace "$bin" peer
		peer=$BT
		;;
	esac
	kill -USR1 "$TPID"
	wait "$TPID"
	if [ -n "$peer" ]; then
		kill -INT "$peer"
		wait "$peer" 2>/dev/null
	fi
	sed -n 's/.*ns_per_lookup=//p' "$TMP/t.err"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "fsprobe bench on $(uname -r), $(nproc) CPUs, $CPU_MODEL"
rec meta.date "$(date -u +%Y-%m-%d)"
rec meta.kernel "$(uname -r)"
rec meta.cpus "$(nproc)"
rec meta.cpu "$CPU_MODEL"
rec meta.requests "$REQUESTS"
rec meta.runs "$RUNS"
rec meta.sizes "${SIZES// /,}"
echo "$REQUESTS lookups per run on 1 thread, all hits; median of $RUNS alternating runs"
echo
printf '%-8s %-10s %10s %10s %9s\n' build observer ns/lookup "added ns" "x no-probe"
echo "(fsprobe: the default, no return probe here as the binary proves it exact; no-lazy: with one;"
echo " latency: fsprobe --latency;"
echo " empty: an empty bpftrace program at the function's first byte, the uprobe alone)"
declare -A added
for build in plain cet; do
	bin=$OUTPUT/featurestore
	[ $build = cet ] && bin=$OUTPUT/featurestore-cet
	hows="none fsprobe no-lazy latency"
	[ "$HAVE_BPFTRACE" = 1 ] && hows="none fsprobe no-lazy latency bpftrace empty"
	for how in $hows; do : >"$TMP/$how"; done
	for _ in $(seq "$RUNS"); do
		for how in $hows; do one_run "$bin" "$how" >>"$TMP/$how"; done
	done
	base=$(median <"$TMP/none")
	for how in $hows; do
		v=$(median <"$TMP/$how")
		rec "wall.$build.$how" "$v"
		added[$build.$how]=$(awk -v v="$v" -v b="$base" 'BEGIN { printf "%.1f", v - b }')
		awk -v b="$build" -v h="$how" -v v="$v" -v base="$base" 'BEGIN {
			printf "%-8s %-10s %10.1f %10.1f %9.2f\n", b, h, v, v - base, v / base }'
	done
done
[ "$HAVE_BPFTRACE" = 1 ] || echo "(bpftrace or tracefs unavailable: no peer column)"

# BPF run time per hit, from the kernel's own accounting. That accounting reads the clock
# around every run, which itself costs: an empty program on the same probe, in the same run,
# measures it, and "net" is a program's time less the empty one's.
prog_ns() { # NAME-PREFIX: ns/run of the first loaded program whose name starts so, and runs
	bpftool prog show -j | python3 -c '
import json, sys
runs = [p for p in json.load(sys.stdin) if p.get("name", "").startswith(sys.argv[1]) and p.get("run_cnt")]
print("%.1f %d" % (runs[0]["run_time_ns"] / runs[0]["run_cnt"], runs[0]["run_cnt"]) if runs else "")' "$1"
}
# bpf_run SYMBOLS FSPROBE-ARGS...: fsprobe and an empty bpftrace program on one workload, all
# hits after each symbol's first lookup; leaves fsprobe's metrics in $TMP/stats and the empty
# program's ns/run in $TMP/empty.
bpf_run() {
	local bt= n=$1
	shift
	start_target "$OUTPUT/featurestore" --threads 1 --requests "$REQUESTS" --symbols "$n" \
		--capacity "$n" --zipf 0
	start_fsprobe --pid "$TPID" --lookup feature_cache_lookup --miss compute_features "$@"
	: >"$TMP/empty"
	if [ "$HAVE_BPFTRACE" = 1 ]; then
		start_bpftrace "$OUTPUT/featurestore" empty
		bt=$BT
	fi
	kill -USR1 "$TPID"
	wait "$TPID"
	curl -sf "$URL" >"$TMP/stats"
	[ -z "$bt" ] || prog_ns feature_cache >"$TMP/empty"
	kill -INT "$FPID" $bt
	wait "$FPID" $bt 2>/dev/null
}
# per_prog: "PROGRAM RUNS NS/RUN" from fsprobe's self-metrics in $TMP/stats
per_prog() {
	awk '/^fsprobe_bpf_program_run_seconds_total\{/ { match($0, /"[^"]*"/); p = substr($0, RSTART + 1, RLENGTH - 2); t[p] = $NF }
		/^fsprobe_bpf_program_runs_total\{/ { match($0, /"[^"]*"/); p = substr($0, RSTART + 1, RLENGTH - 2); n[p] = $NF }
		END { for (p in t) if (n[p] > 0) printf "%s %d %.1f\n", p, n[p], t[p] * 1e9 / n[p] }' "$TMP/stats" | sort
}
echo 1 >/proc/sys/kernel/bpf_stats_enabled
BIG_SYMS=10000
[ -n "${BENCH_QUICK:-}" ] && BIG_SYMS=2000
bpf_run "$BIG_SYMS"
big_ns=$(per_prog | awk '$1 == "lookup_entry" { print $3 }')
big_empty=$(awk '{ print $1 }' "$TMP/empty")
bpf_run 100 --no-lazy
per_prog >"$TMP/prog-nolazy"
# Every thread's state in task storage (a helper call) instead of the inlined array.
bpf_run 100 --thread-slots 0
noslot_ns=$(per_prog | awk '$1 == "lookup_entry" { print $3 }')
noslot_empty=$(awk '{ print $1 }' "$TMP/empty")
bpf_run 100
per_prog >"$TMP/prog"
empty_ns=$(awk '{ print $1 }' "$TMP/empty")
# The peer's program on the same workload, for scale.
bt_run=
if [ "$HAVE_BPFTRACE" = 1 ]; then
	start_target "$OUTPUT/featurestore" --threads 1 --requests "$REQUESTS" --symbols 100 --capacity 100
	start_bpftrace "$OUTPUT/featurestore" peer
	kill -USR1 "$TPID"
	wait "$TPID"
	bt_run=$(prog_ns feature_cache | awk '{ print $1 }')
	kill -INT "$BT"
	wait "$BT" 2>/dev/null
fi
echo "$STATS_WAS" >/proc/sys/kernel/bpf_stats_enabled
echo
echo "BPF programs (kernel.bpf_stats_enabled=1), $REQUESTS lookups of 100 symbols, all hits but 100:"
net() { awk -v v="$1" -v e="${empty_ns:-0}" 'BEGIN { if (e > 0) printf "%.1f", v - e; else print "n/a" }'; }
printf '  %-30s %10s %12s %10s\n' program runs "ns/run" "net ns"
while read -r p n v; do
	printf '  %-30s %10d %12.1f %10s\n' "$p" "$n" "$v" "$(net "$v")"
done <"$TMP/prog"
while read -r p n v; do
	printf '  %-30s %10d %12.1f %10s\n' "$p (--no-lazy)" "$n" "$v" "$(net "$v")"
done < <(grep '^lookup_' "$TMP/prog-nolazy")
[ -z "$empty_ns" ] || printf '  %-30s %10s %12.1f %10s\n' "empty program (the accounting)" "" "$empty_ns" 0
[ -z "$bt_run" ] || printf '  %-30s %10s %12.1f %10s\n' "bpftrace one-liner, lookup" "" "$bt_run" "$(net "$bt_run")"
[ -z "$big_ns" ] || printf '  %-30s %10s %12.1f %10s\n' "lookup_entry, $BIG_SYMS symbols" "" "$big_ns" \
	"$(awk -v v="$big_ns" -v e="${big_empty:-0}" 'BEGIN { if (e > 0) printf "%.1f", v - e; else print "n/a" }')"
[ -z "$noslot_ns" ] || printf '  %-30s %10s %12.1f %10s\n' "lookup_entry, --thread-slots 0" "" \
	"$noslot_ns" "$(awk -v v="$noslot_ns" -v e="${noslot_empty:-0}" 'BEGIN { if (e > 0) printf "%.1f", v - e; else print "n/a" }')"
echo "  ($BIG_SYMS symbols, uniform: the target's cache and fsprobe's maps no longer fit the CPU caches)"
# On a hit only lookup_entry runs (lazy counting; --no-lazy adds lookup_return).
hit_ns=$(awk '$1 == "lookup_entry" { print $3 }' "$TMP/prog")
hit_net=$(net "$hit_ns")
rec prog.lookup_entry "$hit_ns"
rec prog.empty "$empty_ns"
rec prog.lookup_return.nolazy "$(awk '$1 == "lookup_return" { print $3 }' "$TMP/prog-nolazy")"
rec prog.big.symbols "$BIG_SYMS"
rec prog.big.lookup_entry "$big_ns"
rec prog.big.empty "$big_empty"
rec prog.noslots.lookup_entry "$noslot_ns"
rec prog.noslots.empty "$noslot_empty"
rec prog.bpftrace "$bt_run"

# maps_memory PID: "TOTAL COUNTS SLOTS SLOT_ENTRIES" in bytes: the kernel memory (memlock) of
# every BPF map PID holds, of its per-CPU counters (counts), and of its thread table.
maps_memory() {
	bpftool map show -j | python3 -c '
import json, os, sys
pid = sys.argv[1]
ids = set()
for fd in os.listdir("/proc/%s/fdinfo" % pid):
    try:
        info = open("/proc/%s/fdinfo/%s" % (pid, fd)).read()
    except OSError:
        continue
    for line in info.splitlines():
        if line.startswith("map_id:"):
            ids.add(int(line.split()[1]))
maps = [m for m in json.load(sys.stdin) if m["id"] in ids]
by = {m.get("name"): m for m in maps}
slots = by.get("thread_table", {})
print(sum(m["bytes_memlock"] for m in maps), by.get("counts", {}).get("bytes_memlock", 0),
      slots.get("bytes_memlock", 0), slots.get("max_entries", 0))' "$1"
}

# Scrape latency, RSS and kernel memory as the number of symbols grows.
echo
printf '%-10s %12s %10s %10s\n' symbols "scrape ms" "RSS MB" "kernel MB"
declare -A scrape rss
for n in $SIZES; do
	start_target "$OUTPUT/featurestore" --threads 2 --requests $((n * 6 + 20000)) --symbols "$n" \
		--zipf 0 --capacity "$n" --hold
	start_fsprobe --pid "$TPID" --lookup feature_cache_lookup --miss compute_features \
		--max-symbols "$n"
	kill -USR1 "$TPID"
	wait_for 120 grep -q '^done' "$TMP/t.out"
	for _ in $(seq "$SCRAPES"); do
		curl -sf -o /dev/null -w '%{time_total}\n' "$URL"
	done | median >"$TMP/scrape"
	scrape[$n]=$(awk '{ printf "%.2f", $1 * 1000 }' "$TMP/scrape")
	rss[$n]=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$FPID/status")
	seen=$(curl -sf "$URL" | awk '$1 == "fsprobe_symbols" { print $2 }')
	read -r kmem counts slots nslots < <(maps_memory "$FPID")
	printf '%-10s %12s %10s %10s   (%s series)\n' "$n" "${scrape[$n]}" "${rss[$n]}" \
		"$(awk -v b="$kmem" 'BEGIN { printf "%.1f", b / 1048576 }')" "$seen"
	rec "scrape.$n" "${scrape[$n]}"
	rec "rss.$n" "${rss[$n]}"
	rec "series.$n" "$seen"
	rec "kmem.$n" "$kmem"
	rec "kmem.counts.$n" "$counts"
	rec "kmem.slots" "$slots"
	rec "kmem.slot_entries" "$nslots"
	kill -INT "$FPID" "$TPID"
	wait "$FPID" "$TPID" 2>/dev/null
done

# Exact at top speed on two threads.
start_target "$OUTPUT/featurestore" --threads 2 --requests "$SPEED_REQUESTS" --hold
start_fsprobe --pid "$TPID" --lookup feature_cache_lookup --miss compute_features
kill -USR1 "$TPID"
wait_for 120 grep -q '^done' "$TMP/t.out"
got=$(curl -sf "$URL" | awk '/^featurestore_hits_total\{/ { h += $NF } /^featurestore_misses_total\{/ { m += $NF } END { print h, m }')
want=$(awk '$1 == "TOTAL" { print $3, $4 }' "$TMP/tally")
rate=$(sed -n 's/.*ns_per_lookup=//p' "$TMP/t.err")
kill -INT "$FPID" "$TPID"
wait "$FPID" "$TPID" 2>/dev/null
rec exact.requests "$SPEED_REQUESTS"
rec exact.got "${got// /,}"
rec exact.want "${want// /,}"
rec exact.ns_per_lookup "$rate"

verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "NOT MET"; fi; }
echo
echo "targets:"
if [ "$HAVE_BPFTRACE" = 1 ]; then
	echo "  plain: fsprobe adds ${added[plain.fsprobe]} ns <= bpftrace's ${added[plain.bpftrace]} ns:" \
		"$(verdict "${added[plain.fsprobe]} <= ${added[plain.bpftrace]}")"
	echo "  cet:   fsprobe adds ${added[cet.fsprobe]} ns <= 1/10 of bpftrace's ${added[cet.bpftrace]} ns:" \
		"$(verdict "${added[cet.fsprobe]} * 10 <= ${added[cet.bpftrace]}")"
	echo "  (for reference, --no-lazy adds ${added[plain.no-lazy]} ns plain, ${added[cet.no-lazy]} ns cet)"
fi
[ "$HAVE_BPFTRACE" = 1 ] && echo "  (cross-check by wall clock, accounting off: on the plain build fsprobe adds" \
	"$(awk -v a="${added[plain.fsprobe]}" -v e="${added[plain.empty]}" 'BEGIN { printf "%.1f", a - e }')" \
	"ns per lookup more than an empty program on the same probe)"
if [ "$hit_net" = n/a ]; then
	echo "  BPF program <= 100 ns per hit: lookup_entry ${hit_ns} ns as accounted; no empty" \
		"program to net out the accounting (bpftrace unavailable): $(verdict "$hit_ns <= 100")"
else
	echo "  BPF program <= 100 ns per hit: lookup_entry ${hit_net} ns net (${hit_ns} as accounted," \
		"less ${empty_ns} for an empty program): $(verdict "$hit_net <= 100")"
fi
big=$(echo $SIZES | awk '{ print $2 }')
echo "  scrape of $big symbols <= 20 ms (${scrape[$big]} ms): $(verdict "${scrape[$big]} <= 20")"
echo "  RSS at $big symbols <= 30 MB (${rss[$big]} MB): $(verdict "${rss[$big]} <= 30")"
echo "  exact at top speed on 2 threads (${rate} ns/lookup): fsprobe '$got', tally '$want':" \
	"$([ "$got" = "$want" ] && echo met || echo "NOT MET")"
if [ -n "${BENCH_QUICK:-}" ] || [ "${BENCH_WRITE:-1}" = 0 ]; then
	echo "(results in $RESULTS; docs/performance.md not rewritten: a full run does that)"
else
	python3 "$ROOT/tests/bench/cost_table.py" write "$RESULTS" "$ROOT/docs/performance.md" &&
		echo "docs/performance.md: cost table rewritten from this run ($RESULTS)"
fi
[ "$got" = "$want" ]
