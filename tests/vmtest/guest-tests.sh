#!/bin/sh
# guest-tests.sh: fsprobe's integration checks for the vmtest guest, in POSIX sh with busybox
# (sh, awk, wget, dd, od, timeout...): no bash, python or curl. Each check compares fsprobe's
# per-symbol counts with the ground truth the target tallies itself, as tests/integration does.
#
#   guest-tests.sh              run every group, each under a timeout; print "PASS name" or
#                               "FAIL name: why" per check, then the summary line
#                               "VMTEST-RESULT passed=N failed=M kernel=RELEASE"
#   guest-tests.sh group NAME   run one group (what the runner calls, under timeout)
#
# Environment:
#   FSPROBE            fsprobe (dynamically linked is fine)
#   VMT_BIN            featurestore, shapes, featurestore-go (static, built by vmtest.sh)
#   VMT_TMP            scratch directory (default /tmp/vmtest.PID)
#   VMT_CHECK_TIMEOUT  seconds per group (default 60); its processes are killed after it
#   VMT_REQUESTS       lookups per target thread (default 4000)
#   VMT_GUEST=1        in the vmtest guest: uprobe_events must be empty, not just free of ours
#   VMT_VARIANT        --bpf-variant for every fsprobe run (default: fsprobe picks)
#   VMT_GROUPS         groups to run (default all: pid binary hitwhen field go nolazy detach)
#   BUSYBOX            on a host: this busybox's applets come first in PATH, so the host runs
#                      the same tools as the guest (vmtest.sh --host sets it)
#
# fsprobe runs with --verbose: a verifier rejection is in its log, printed in full at the
# first failure and as a tail after that.
set -u

: "${FSPROBE:?set FSPROBE to the fsprobe binary}" "${VMT_BIN:?set VMT_BIN to the static targets}"
VMT_TMP=${VMT_TMP:-/tmp/vmtest.$$}
VMT_CHECK_TIMEOUT=${VMT_CHECK_TIMEOUT:-60}
VMT_REQUESTS=${VMT_REQUESTS:-4000}
VMT_GROUPS=${VMT_GROUPS:-pid binary hitwhen field go nolazy detach}
export FSPROBE VMT_BIN VMT_TMP VMT_CHECK_TIMEOUT VMT_REQUESTS VMT_GROUPS VMT_VARIANT
LOOKUP=feature_cache_lookup
MISS=compute_features
REQ=$VMT_REQUESTS
mkdir -p "$VMT_TMP" || exit 1

if [ -n "${BUSYBOX:-}" ] && [ ! -d "$VMT_TMP/bb" ]; then
	mkdir -p "$VMT_TMP/bb"
	for a in $("$BUSYBOX" --list); do ln -s "$BUSYBOX" "$VMT_TMP/bb/$a"; done
fi
[ -n "${BUSYBOX:-}" ] && PATH=$VMT_TMP/bb:$PATH && export PATH

# ---- results ------------------------------------------------------------------------------

pass() { echo "PASS $1"; }
# fail NAME WHY: one failed check; with fsprobe's log when one is set.
fail() {
	echo "FAIL $1${2:+: $2}"
	[ -n "${FSP_LOG:-}" ] && [ -f "$FSP_LOG" ] && show_log
	return 0
}
# fail_all WHY NAME...: the group could not get far enough to run these checks.
fail_all() {
	why=$1
	shift
	for n; do fail "$n" "$why"; FSP_LOG=; done
}
show_log() {
	if [ ! -e "$VMT_TMP/.full-log-shown" ]; then
		: >"$VMT_TMP/.full-log-shown"
		echo "---- fsprobe log $FSP_LOG (in full, first failure; $(wc -l <"$FSP_LOG") lines) ----"
		head -n 4000 "$FSP_LOG"
	else
		echo "---- fsprobe log $FSP_LOG (last 25 lines) ----"
		tail -n 25 "$FSP_LOG"
	fi
	echo "---- end of fsprobe log ----"
}

# ---- helpers ------------------------------------------------------------------------------

# wait_for SECONDS CMD...: poll CMD every 0.1 s.
wait_for() {
	n=$(($1 * 10))
	shift
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

alive() { kill -0 "$1" 2>/dev/null; }
track() { echo "$1" >>"$VMT_TMP/pids"; }

# free_port: a TCP port nobody listens on.
free_port() {
	p=$((20000 + ($$ * 7 + ${ncase:-0} * 13) % 20000))
	while netstat -ltn 2>/dev/null | grep -q "[:.]$p "; do p=$((p + 1)); done
	echo "$p"
}

# fs_start ID BIN ARGS...: start a target waiting for SIGUSR1; sets FS_PID FS_OUT FS_TALLY.
fs_start() {
	_id=$1 _bin=$2
	shift 2
	FS_OUT=$T/$_id.out FS_TALLY=$T/$_id.tally
	: >"$FS_OUT"
	"$_bin" --wait-start --hold --tally "$FS_TALLY" "$@" >"$FS_OUT" 2>"$T/$_id.err" &
	FS_PID=$!
	track "$FS_PID"
	wait_for 20 grep -q '^ready pid=' "$FS_OUT" && return 0
	echo "target $_id did not start: $(head -c 300 "$T/$_id.err")"
	return 1
}

# fs_done [SECONDS]: the target FS_PID printed "done" (its tally is written) within SECONDS
# (default 40). When not, DONE_WHY says why: it died (with its status and stderr) or is late.
fs_done() {
	_n=$((${1:-40} * 10))
	while ! grep -q '^done' "$FS_OUT"; do
		if ! alive "$FS_PID"; then
			grep -q '^done' "$FS_OUT" && return 0
			wait "$FS_PID"
			_st=$?
			_err=${FS_OUT%.out}.err
			DONE_WHY="the target died before finishing its workload (status $_st): $( (grep -m1 -E '^(panic|fatal error|SIG)' "$_err" || head -1 "$_err") | head -c 200)"
			echo "---- the target's stderr, $_err (first 40 lines) ----"
			head -n 40 "$_err"
			echo "---- end of the target's stderr ----"
			return 1
		fi
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || { DONE_WHY="the workload did not finish within ${1:-40} s"; return 1; }
		sleep 0.1
	done
}

# fsp_start ID ARGS...: start fsprobe; sets FSP_PID FSP_URL FSP_LOG. Fails as soon as
# fsprobe exits, or when it serves no metrics within 45 s.
fsp_start() {
	_id=$1
	shift
	ncase=$((${ncase:-0} + 1))
	_addr=127.0.0.1:$(free_port)
	FSP_URL=http://$_addr/metrics
	FSP_LOG=$T/$_id.log
	"$FSPROBE" --verbose ${VMT_VARIANT:+--bpf-variant "$VMT_VARIANT"} \
		--web.listen-address "$_addr" "$@" >"$FSP_LOG" 2>&1 &
	FSP_PID=$!
	track "$FSP_PID"
	n=450
	while [ "$n" -gt 0 ]; do
		scrape "$T/$_id.first" && return 0
		if ! alive "$FSP_PID"; then
			wait "$FSP_PID"
			FSP_WHY="fsprobe exited with status $? before serving metrics: $( (grep -iE 'error|cannot|fail' "$FSP_LOG" || grep . "$FSP_LOG") | tail -1 | head -c 200)"
			# The verifier's reason: the line before its "processed N insns" summary.
			_v=$(awk '/^processed [0-9]+ insns/ { print prev; exit } { prev = $0 }' "$FSP_LOG")
			[ -z "$_v" ] || FSP_WHY="$FSP_WHY; verifier: $(echo "$_v" | head -c 200)"
			# Or the first thing libbpf could not do before any program was verified.
			_v=$(grep -m1 -E '^libbpf: (Error|.*failed to create)' "$FSP_LOG")
			[ -z "$_v" ] || FSP_WHY="$FSP_WHY; $(echo "$_v" | head -c 200)"
			return 1
		fi
		n=$((n - 1))
		sleep 0.1
	done
	FSP_WHY="fsprobe served no metrics within 45 s"
	return 1
}

# (busybox timeout leaves a watcher for up to 1 s: not on our stdout, the runner's pipe.)
scrape() { timeout 10 wget -q -O "$1" "$FSP_URL" >/dev/null 2>&1; }

# target_processes N: fsprobe counts N processes running the probed binary.
target_processes() {
	timeout 10 wget -q -O - "$FSP_URL" 2>/dev/null | grep -qx "fsprobe_target_processes $1"
}

# per_symbol METRICS: "SYMBOL HITS MISSES" for every symbol series, sorted.
per_symbol() {
	awk '
	/^featurestore_(hits|misses)_total\{symbol="/ {
		s = $0; sub(/^[^"]*"/, "", s); sub(/"\} [0-9]+$/, "", s)
		if ($0 ~ /^featurestore_hits/) h[s] = $NF; else m[s] = $NF
		seen[s] = 1
	}
	END { for (s in seen) print s, h[s] + 0, m[s] + 0 }' "$1" | sort
}

# tally_symbols TALLY...: the targets' "SYMBOL LOOKUPS HITS MISSES" lines summed, as
# "SYMBOL HITS MISSES".
tally_symbols() {
	awk '$1 != "TOTAL" { h[$1] += $3; m[$1] += $4 } END { for (s in h) print s, h[s], m[s] }' "$@" | sort
}

# same_counts NAME METRICS TALLY...: PASS when every symbol's hits and misses equal the tallies.
same_counts() {
	name=$1 metrics=$2
	shift 2
	per_symbol "$metrics" >"$T/got"
	tally_symbols "$@" >"$T/want"
	if [ ! -s "$T/want" ]; then
		fail "$name" "the target's tally is empty"
	elif cmp -s "$T/got" "$T/want"; then
		pass "$name ($(wc -l <"$T/want") symbols, $(awk '{ n += $2 + $3 } END { print n }' "$T/want") lookups exact)"
	else
		fail "$name" "differs from the tally (want/got): $(diff "$T/want" "$T/got" | grep '^[-+][^-+]' | head -6 | tr '\n' ' ')"
	fi
}

# stop PID...: SIGTERM, then wait for them.
stop() {
	for p; do kill -TERM "$p" 2>/dev/null; done
	for p; do wait "$p" 2>/dev/null; done
}

# kernel_at_least MAJOR MINOR
kernel_at_least() {
	uname -r | awk -F'[.-]' -v a="$1" -v b="$2" '{ exit !($1 > a || ($1 == a && $2 >= b)) }'
}

# text_bytes PID SYMBOL: the first 16 bytes of SYMBOL in PID's memory, in hex. The static
# targets are not position independent: the address in VMT_BIN/NAME.syms is the address.
text_bytes() {
	addr=$(awk -v s="$2" '$1 == s { print $2 }' "$VMT_BIN/featurestore.syms")
	[ -n "$addr" ] || return 1
	dd if="/proc/$1/mem" bs=1 skip=$((addr)) count=16 2>/dev/null | od -An -tx1 | tr -d ' \n'
}

# ---- groups -------------------------------------------------------------------------------

# --pid, fsprobe's default (lazy) mode: both probes attached, exact per-symbol counts, and
# the mode it chose.
g_pid() {
	N1="pid: both probes attached, target up" N2="pid: per-symbol hits and misses exact (--pid)"
	N3="lazy: default mode"
	fs_start pid "$VMT_BIN/featurestore" --threads 2 --requests "$REQ" --symbols 200 \
		--capacity 120 --zipf 1.0 || { fail_all "target did not start" "$N1" "$N2" "$N3"; return; }
	fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --key 'cstr(arg0)' ||
		{ fail_all "$FSP_WHY" "$N1" "$N2" "$N3"; return; }
	m=$T/fsp.first
	if grep -q "^fsprobe_probe_attached{function=\"$LOOKUP\",role=\"lookup\",.*} 1\$" "$m" &&
		grep -q "^fsprobe_probe_attached{function=\"$MISS\",role=\"miss\",.*} 1\$" "$m" &&
		grep -qx 'fsprobe_target_up 1' "$m"; then
		pass "$N1"
	else
		fail "$N1" "$(grep -E '^fsprobe_(probe_attached|target_up)' "$m" | tr '\n' ' ')"
	fi
	kill -USR1 "$FS_PID"
	fs_done || { fail_all "$DONE_WHY" "$N2" "$N3"; return; }
	scrape "$T/final" || { fail_all "scrape failed" "$N2" "$N3"; return; }
	same_counts "$N2" "$T/final" "$FS_TALLY"
	# fsprobe names the BPF programs it loaded, and says when it counts at returns: compat on
	# kernels without task storage or atomics (5.10) or when asked, and no lazy counting
	# before 5.18 (bpf_copy_from_user_task). Lazy counting means no return probe.
	line=$(grep -m1 'BPF programs: ' "$FSP_LOG")
	if [ -n "${VMT_VARIANT:-}" ]; then
		want=$VMT_VARIANT
	elif kernel_at_least 5 12; then
		want=fast
	else
		want=compat
	fi
	case $line in
	*"BPF programs: $want "*) pass "variant: $want, and fsprobe says so (${line#*BPF programs: })" ;;
	*) fail "variant: $want expected" "${line:-no 'BPF programs:' line in the log}" ;;
	esac
	# Privileges dropped once attached: none kept where the kernel lets map fds be used without
	# them, CAP_BPF (bit 39) where it asks at every map read, as fsprobe check says.
	eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$FSP_PID/status")
	if "$FSPROBE" check | grep -q '^capabilities kept once attached: bpf'; then
		want_eff=0000008000000000
	else
		want_eff=0000000000000000
	fi
	if [ "$eff" = "$want_eff" ] && grep -q 'NoNewPrivs:.*1' "/proc/$FSP_PID/status"; then
		pass "privileges: CapEff $eff once attached, no_new_privs set"
	else
		fail "privileges: CapEff $want_eff expected once attached" "CapEff $eff"
	fi
	# fsprobe check says the same before anything is attached (with no override to follow).
	if [ -z "${VMT_VARIANT:-}" ]; then
		if "$FSPROBE" check >"$T/check" 2>&1 && grep -q "^BPF programs: $want" "$T/check"; then
			pass "check: exits 0 and names the $want programs"
		else
			fail "check: exits 0 and names the $want programs" "$(tr '\n' '|' <"$T/check")"
		fi
	fi
	if [ "$want" = fast ] && kernel_at_least 5 18; then
		if grep -q 'counting each lookup at its return' "$FSP_LOG"; then
			fail "$N3" "kernel $(uname -r) >= 5.18 but fsprobe fell back: $(grep -m1 'counting each lookup at its return' "$FSP_LOG")"
		elif grep -q "attached $LOOKUP (return)" "$FSP_LOG"; then
			fail "$N3" "a return probe was attached: $(grep -m1 "attached $LOOKUP (return)" "$FSP_LOG")"
		else
			pass "$N3 counts without a return probe (kernel >= 5.18)"
		fi
	elif case $line in *"every lookup is counted at its return"*) true ;; *) false ;; esac &&
		grep -q "attached $LOOKUP (return)" "$FSP_LOG"; then
		pass "$N3 counts at return probes here ($want programs, kernel $(uname -r)) and says so"
	else
		fail "$N3" "expected return probes and the startup line to say so: ${line:-none}"
	fi
	stop "$FSP_PID" "$FS_PID"
}

# --binary: a private copy of the target, probed before any process runs it; two processes
# started afterwards are both counted.
g_binary() {
	N1="binary: processes started after fsprobe are seen" N2="binary: per-symbol counts exact over two later processes"
	bin=$T/featurestore-binary
	cp "$VMT_BIN/featurestore" "$bin"
	fsp_start fsp --binary "$bin" --lookup "$LOOKUP" --miss "$MISS" ||
		{ fail_all "$FSP_WHY" "$N1" "$N2"; return; }
	fs_start a "$bin" --threads 2 --requests "$REQ" --symbols 150 --capacity 100 --seed 1 ||
		{ fail_all "target a did not start" "$N1" "$N2"; return; }
	a_pid=$FS_PID a_out=$FS_OUT a_tally=$FS_TALLY
	fs_start b "$bin" --threads 2 --requests "$REQ" --symbols 250 --capacity 150 --seed 7 ||
		{ fail_all "target b did not start" "$N1" "$N2"; return; }
	b_pid=$FS_PID b_out=$FS_OUT b_tally=$FS_TALLY
	if wait_for 10 target_processes 2; then
		pass "$N1"
	else
		fail "$N1" "fsprobe_target_processes is not 2: $(timeout 10 wget -q -O - "$FSP_URL" | grep -E '^fsprobe_target_(up|processes)' | tr '\n' ' ')"
	fi
	kill -USR1 "$a_pid" "$b_pid"
	FS_PID=$a_pid FS_OUT=$a_out
	fs_done || { fail_all "process a: $DONE_WHY" "$N2"; return; }
	FS_PID=$b_pid FS_OUT=$b_out
	fs_done || { fail_all "process b: $DONE_WHY" "$N2"; return; }
	scrape "$T/final" || { fail_all "scrape failed" "$N2"; return; }
	same_counts "$N2" "$T/final" "$a_tally" "$b_tally"
	stop "$FSP_PID" "$a_pid" "$b_pid"
}

# exact NAME ID TARGET TARGET-ARGS... -- FSPROBE-ARGS...: start TARGET, attach fsprobe by --pid,
# run the workload and compare every symbol with the target's tally (check NAME).
exact() {
	_n=$1 _id=$2 _bin=$3
	shift 3
	_targs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do _targs="$_targs $1"; shift; done
	shift
	# shellcheck disable=SC2086 # the target's arguments are plain words
	fs_start "$_id" "$_bin" $_targs || { fail_all "target did not start" "$_n"; return 1; }
	fsp_start fsp --pid "$FS_PID" "$@" || { fail_all "$FSP_WHY" "$_n"; return 1; }
	kill -USR1 "$FS_PID"
	fs_done || { fail_all "$DONE_WHY" "$_n"; return 1; }
	scrape "$T/final" || { fail_all "scrape failed" "$_n"; return 1; }
}

# --hit-when on the lookup's return value, no miss function.
g_hitwhen() {
	N1="hit-when: --hit-when 'ret == 1' per-symbol exact"
	exact "$N1" hw "$VMT_BIN/featurestore" --threads 2 --requests "$REQ" --symbols 200 \
		--capacity 120 -- --lookup "$LOOKUP" --hit-when 'ret == 1' || return
	same_counts "$N1" "$T/final" "$FS_TALLY"
	stop "$FSP_PID" "$FS_PID"
}

# field() in the kernel: raw keys "SYMBOL:fNNNNNN" counted under their middle field.
g_field() {
	N1="field: field(cstr(arg0), ':', 1) per-symbol exact"
	exact "$N1" raw "$VMT_BIN/shapes" --shape rawkey --symbols 60 --raw-keys 50 --zipf 0 \
		--threads 2 --requests "$REQ" --capacity 1000 -- --lookup cache_get_raw \
		--miss cache_fill_raw --key "field(cstr(arg0), ':', 1)" || return
	same_counts "$N1" "$T/final" "$FS_TALLY"
	stop "$FSP_PID" "$FS_PID"
}

# Go: register ABI, go_string key, goroutines, RET probes instead of uretprobes.
g_go() {
	N1="go: (*Cache).Get/load with go_string(arg1) per-symbol exact"
	exact "$N1" go "$VMT_BIN/featurestore-go" --threads 2 --requests "$REQ" --symbols 200 \
		--capacity 120 -- --lookup 'main.(*Cache).Get' --miss 'main.(*Cache).load' \
		--key 'go_string(arg1)' || return
	same_counts "$N1" "$T/final" "$FS_TALLY"
	stop "$FSP_PID" "$FS_PID"
}

# --no-lazy: every lookup counted at a return probe.
g_nolazy() {
	N1="no-lazy: return-probe mode per-symbol exact"
	exact "$N1" nl "$VMT_BIN/featurestore" --threads 2 --requests "$REQ" --symbols 200 \
		--capacity 120 --seed 3 -- --lookup "$LOOKUP" --miss "$MISS" --no-lazy || return
	if grep -q "attached $LOOKUP (return)" "$FSP_LOG"; then
		same_counts "$N1" "$T/final" "$FS_TALLY"
	else
		fail "$N1" "fsprobe's log shows no return probe on $LOOKUP"
	fi
	stop "$FSP_PID" "$FS_PID"
}

# SIGTERM while the target runs: fsprobe exits 0, the breakpoints are gone from the target's
# text, no uprobe event is left, and the target goes on calling the probed functions to the
# end of its workload.
g_detach() {
	N1="detach: SIGTERM exits 0" N2="detach: no uprobe left behind"
	N3="detach: the target keeps running and finishes its workload"
	# Paced, so that it is still looking symbols up when fsprobe goes: about 4 s.
	fs_start dt "$VMT_BIN/featurestore" --threads 2 --rate 400 --requests 1600 --symbols 100 \
		--capacity 60 || { fail_all "target did not start" "$N1" "$N2" "$N3"; return; }
	before=$(text_bytes "$FS_PID" "$LOOKUP")$(text_bytes "$FS_PID" "$MISS")
	fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" ||
		{ fail_all "$FSP_WHY" "$N1" "$N2" "$N3"; return; }
	during=$(text_bytes "$FS_PID" "$LOOKUP")$(text_bytes "$FS_PID" "$MISS")
	kill -USR1 "$FS_PID"
	sleep 1
	kill -TERM "$FSP_PID"
	wait "$FSP_PID"
	st=$?
	if [ "$st" = 0 ] && grep -q 'detaching on SIGTERM' "$FSP_LOG"; then
		pass "$N1"
	else
		fail "$N1" "exit status $st$(grep -q 'detaching on SIGTERM' "$FSP_LOG" || echo ", no 'detaching on SIGTERM' in its log")"
	fi
	after=$(text_bytes "$FS_PID" "$LOOKUP")$(text_bytes "$FS_PID" "$MISS")
	ev=/sys/kernel/tracing/uprobe_events
	[ -r "$ev" ] || ev=/sys/kernel/debug/tracing/uprobe_events
	if [ "${VMT_GUEST:-0}" = 1 ]; then
		left=$(cat "$ev" 2>/dev/null)
	else # other processes on a host may have uprobes of their own
		left=$(grep -F "$VMT_BIN" "$ev" 2>/dev/null)
	fi
	if [ -z "$before" ] || [ "$before" = "$during" ]; then
		fail "$N2" "no breakpoint seen in the target while attached (text $before / $during), so this check cannot tell"
	elif [ "$after" != "$before" ]; then
		fail "$N2" "the target's text still differs after detach: $before -> $after"
	elif [ ! -r "$ev" ]; then
		fail "$N2" "cannot read uprobe_events under /sys/kernel/tracing or /sys/kernel/debug/tracing"
	elif [ -n "$left" ]; then
		fail "$N2" "$ev still has: $(echo "$left" | head -3 | tr '\n' ' ')"
	else
		pass "$N2 (breakpoints gone from the text, $ev empty)"
	fi
	FSP_LOG=
	if ! fs_done 30; then
		fail "$N3" "$DONE_WHY"
	elif ! awk '$1 == "TOTAL" { ok = $2 == 3200 } END { exit !ok }' "$FS_TALLY"; then
		fail "$N3" "tally: $(grep TOTAL "$FS_TALLY")"
	else
		pass "$N3 (3200 lookups)"
	fi
	stop "$FS_PID"
}

# ---- runner -------------------------------------------------------------------------------

if [ "${1:-}" = group ]; then
	T=$VMT_TMP/$2
	rm -rf "$T" && mkdir -p "$T" || exit 1
	FSP_LOG=
	"g_$2"
	exit 0
fi

uptime_s() { cut -d' ' -f1 /proc/uptime; }
passed=0 failed=0
echo "vmtest guest: kernel $(uname -r), fsprobe $("$FSPROBE" --version 2>&1 | head -1), groups: $VMT_GROUPS"
for g in $VMT_GROUPS; do
	t0=$(uptime_s)
	: >"$VMT_TMP/pids"
	{
		timeout -s TERM "$VMT_CHECK_TIMEOUT" sh "$0" group "$g"
		echo $? >"$VMT_TMP/$g.status"
	} 2>&1 | tee "$VMT_TMP/$g.results"
	# Whatever the group left running (it may have been killed half way).
	for p in $(cat "$VMT_TMP/pids"); do kill -KILL "$p" 2>/dev/null; done
	st=$(cat "$VMT_TMP/$g.status" 2>/dev/null)
	p=$(grep -c '^PASS ' "$VMT_TMP/$g.results")
	f=$(grep -c '^FAIL ' "$VMT_TMP/$g.results")
	if [ "$st" != 0 ]; then
		echo "FAIL $g: the group did not finish (status ${st:-?}, timeout ${VMT_CHECK_TIMEOUT}s)"
		f=$((f + 1))
	elif [ $((p + f)) = 0 ]; then
		echo "FAIL $g: the group reported nothing"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
	echo "TIME $g $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')s"
done
echo "VMTEST-RESULT passed=$passed failed=$failed kernel=$(uname -r)"
[ "$failed" = 0 ]
