# Shared helpers for fsprobe's integration tests (bash). Source it; needs root.
#
# Every test prints "PASS name" or "FAIL name: why" per check; tests/run.sh counts them.

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTPUT=${OUTPUT:-build}
case $OUTPUT in /*) ;; *) OUTPUT=$ROOT/$OUTPUT ;; esac
FSPROBE=${FSPROBE:-$OUTPUT/fsprobe}
case $FSPROBE in /*) ;; *) FSPROBE=$ROOT/$FSPROBE ;; esac
FEATURESTORE=$OUTPUT/featurestore
LOOKUP=feature_cache_lookup
MISS=compute_features

TMP=$(mktemp -d /tmp/fsprobe-test.XXXXXX)
PIDS=()
FAILS=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1${2:+: $2}"
	FAILS=$((FAILS + 1))
}
# check NAME CMD...: PASS when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
finish() { exit $((FAILS > 0)); }

# A TCP port nobody listens on, from the kernel's ephemeral range.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS >= deadline)) && return 1
		sleep 0.1
	done
}

# fs_start NAME ARGS...: start the demo target waiting for SIGUSR1; sets FS_PID, FS_TALLY.
fs_start() {
	local name=$1
	shift
	FS_TALLY=$TMP/$name.tally
	: >"$TMP/$name.out" # before the background start, so the first poll finds the file
	"$FEATURESTORE" --wait-start --hold --tally "$FS_TALLY" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	PIDS+=($!)
	FS_PID=$!
	wait_for 10 grep -q '^ready pid=' "$TMP/$name.out" || {
		fail "$name starts" "$(cat "$TMP/$name.err")"
		return 1
	}
}

# fs_go: start the load of FS_PID and wait until its workload is done and tallied.
fs_go() {
	local out=$TMP/$1.out
	kill -USR1 "$FS_PID"
	wait_for "${2:-60}" grep -q '^done' "$out"
}

# fsp_start NAME ARGS...: start fsprobe on a free port; sets FSP_PID, FSP_URL, FSP_LOG.
# Set FSP_PATH when passing --web.telemetry-path.
fsp_start() {
	local name=$1 port
	shift
	port=$(free_port)
	FSP_URL=http://127.0.0.1:$port${FSP_PATH:-/metrics}
	FSP_LOG=$TMP/$name.log
	"$FSPROBE" --web.listen-address "127.0.0.1:$port" "$@" >"$FSP_LOG" 2>&1 &
	FSP_PID=$!
	PIDS+=($FSP_PID)
	wait_for 20 scrape_ok "$TMP/$name.first" || {
		fail "$name starts" "$(tail -3 "$FSP_LOG")"
		return 1
	}
}

scrape_ok() {
	curl -sf "$FSP_URL" -o "$1" 2>/dev/null
}

# scrape FILE: fetch metrics and validate them with promtool.
scrape() {
	curl -sf "$FSP_URL" -o "$1" || return 1
	promtool check metrics <"$1" >"$1.promtool" 2>&1 || {
		echo "promtool: $(cat "$1.promtool")" >&2
		return 1
	}
}

# metric FILE NAME: the value of an unlabelled sample, or of NAME{...} given in full.
metric() {
	awk -v n="$2" '$1 == n { print $2; found = 1 } END { exit !found }' "$1"
}

# per_symbol FILE: "SYMBOL HITS MISSES" for every symbol series, sorted.
per_symbol() {
	awk '
	/^featurestore_(hits|misses)_total\{symbol="/ {
		s = $0; sub(/^[^"]*"/, "", s); sub(/"\} [0-9]+$/, "", s)
		if (s == "") s = "\"\""  # the empty key, as tallies write it
		if ($0 ~ /^featurestore_hits/) h[s] = $NF; else m[s] = $NF
		seen[s] = 1
	}
	END { for (s in seen) print s, h[s] + 0, m[s] + 0 }' "$1" | sort
}

# tally_symbols TALLY...: sum of "SYMBOL LOOKUPS HITS MISSES" files as "SYMBOL HITS MISSES".
tally_symbols() {
	awk '$1 != "TOTAL" { h[$1] += $3; m[$1] += $4 } END { for (s in h) print s, h[s], m[s] }' "$@" | sort
}

# same_counts NAME METRICS TALLY...: every symbol's hits and misses equal the ground truth.
same_counts() {
	local name=$1 metrics=$2
	shift 2
	per_symbol "$metrics" >"$TMP/got"
	tally_symbols "$@" >"$TMP/want"
	if cmp -s "$TMP/got" "$TMP/want"; then
		pass "$name ($(wc -l <"$TMP/want") symbols exact)"
	else
		fail "$name" "differs from ground truth: $(diff "$TMP/want" "$TMP/got" | head -5 | tr '\n' ' ')"
	fi
}

# breakpoints PID FUNC: how many of the process's functions FUNC... start with int3 (0xcc): the
# byte the kernel writes into the process while a uprobe is registered there, and removes after.
breakpoints() {
	local pid=$1 n=0 f addr base
	shift
	base=$(awk -v exe="$(readlink "/proc/$pid/exe")" '$6 == exe && $3 == "00000000" { split($1, a, "-"); print a[1]; exit }' "/proc/$pid/maps")
	for f in "$@"; do
		addr=$(nm "/proc/$pid/exe" | awk -v f="$f" '$3 == f { print $1 }')
		# Probes may sit past a leading endbr64: look at the first 8 bytes.
		python3 - "$pid" "$base" "$addr" <<'PY' && n=$((n + 1))
import sys
pid, base, addr = sys.argv[1], int(sys.argv[2], 16), int(sys.argv[3], 16)
with open(f"/proc/{pid}/mem", "rb") as m:
    m.seek(base + addr)
    sys.exit(0 if 0xcc in m.read(8) else 1)
PY
	done
	echo "$n"
}

# monotonic OLD NEW: no counter sample in NEW is below the same sample in OLD.
monotonic() {
	awk '
	NR == FNR { if ($1 ~ /_total/) old[$1] = $2; next }
	$1 in old && $2 + 0 < old[$1] + 0 { print "went down:", $1, old[$1], "->", $2; bad = 1 }
	END { exit bad }' "$1" "$2"
}
