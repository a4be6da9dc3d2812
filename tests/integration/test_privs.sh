#!/usr/bin/env bash
# Privileges dropped once the probes are attached: CapEff and NoNewPrivs read from
# /proc/PID/status while fsprobe runs, and the counts exact afterwards (scrapes, the settling
# iterator, target-exit detection and detach all work without them).
. "$(dirname "$0")/../lib.sh"

cap_eff() { awk '/^CapEff:/ { print $2 }' "/proc/$1/status"; }
# Capability bits by name, as in linux/capability.h.
CAP_SYS_PTRACE=19 CAP_BPF=39
# Some kernels (5.10) check CAP_BPF on every bpf() call: fsprobe keeps it there, as its check
# command says.
want_bpf=0
"$FSPROBE" check | grep -q '^capabilities kept once attached: bpf' && want_bpf=1
# mask BITS...: the CapEff a process keeping exactly these capabilities shows.
mask() {
	local m=0 b
	for b in "$@"; do m=$((m | (1 << b))); done
	printf '%016x\n' "$m"
}
expect_pid=$(mask $([ "$want_bpf" = 1 ] && echo $CAP_BPF))
expect_bin=$(mask $CAP_SYS_PTRACE $([ "$want_bpf" = 1 ] && echo $CAP_BPF))

# --pid (lazy counting: the settling iterator runs at every scrape).
fs_start pid --threads 2 --requests 100000 --symbols 300 --capacity 200 || finish
fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" || finish
scrape "$TMP/m0"
check "--pid: CapEff is $expect_pid once attached" test "$(cap_eff "$FSP_PID")" = "$expect_pid"
check "--pid: no_new_privs is set" grep -qx 'NoNewPrivs:	1' "/proc/$FSP_PID/status"
check "--pid: every capability is gone from the bounding set too" \
	bash -c "test \"\$(awk '/^CapBnd:/ { print \$2 }' /proc/$FSP_PID/status)\" = $expect_pid"
fs_go pid || fail "--pid: workload finishes"
scrape "$TMP/pid" || fail "--pid: scrape without privileges"
same_counts "--pid without privileges: exact per symbol (lazy, settled at scrapes)" "$TMP/pid" "$FS_TALLY"
kill -TERM "$FS_PID"
wait "$FS_PID" 2>/dev/null
wait_for 5 bash -c "curl -sf '$FSP_URL' | grep -qx 'fsprobe_target_up 0'"
check "--pid: the target's exit is seen (fsprobe_target_up 0)" \
	bash -c "curl -sf '$FSP_URL' | grep -qx 'fsprobe_target_up 0'"
kill -TERM "$FSP_PID"
wait "$FSP_PID"
check "--pid: SIGTERM detaches and exits 0 without privileges" test "$?" = 0

# --binary keeps sys_ptrace, to count the processes of other users running the binary.
cp "$FEATURESTORE" "$TMP/fs-bin"
fsp_start bin --binary "$TMP/fs-bin" --lookup "$LOOKUP" --miss "$MISS" || finish
check "--binary: CapEff is $expect_bin (sys_ptrace kept)" test "$(cap_eff "$FSP_PID")" = "$expect_bin"
FEATURESTORE=$TMP/fs-bin fs_start bin.t --threads 2 --requests 50000 --symbols 300 || finish
wait_for 5 bash -c "curl -sf '$FSP_URL' | grep -qx 'fsprobe_target_processes 1'"
check "--binary: a process started later is seen without privileges" \
	bash -c "curl -sf '$FSP_URL' | grep -qx 'fsprobe_target_processes 1'"
fs_go bin.t || fail "--binary: workload finishes"
scrape "$TMP/bin"
same_counts "--binary with only sys_ptrace: exact per symbol" "$TMP/bin" "$FS_TALLY"
kill -TERM "$FSP_PID" "$FS_PID"
wait "$FSP_PID" "$FS_PID" 2>/dev/null

# An operator's choice: keep everything, or a list.
fs_start keep --threads 1 --requests 1000 --symbols 10 || finish
fsp_start keep --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --capabilities.keep all || finish
check "--capabilities.keep all: nothing dropped" \
	bash -c "test \"\$(awk '/^CapEff:/ { print \$2 }' /proc/$FSP_PID/status)\" = \"\$(awk '/^CapEff:/ { print \$2 }' /proc/self/status)\""
kill -TERM "$FSP_PID"
wait "$FSP_PID" 2>/dev/null
fsp_start keep2 --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" \
	--capabilities.keep sys_ptrace,CAP_DAC_READ_SEARCH || finish
check "--capabilities.keep sys_ptrace,CAP_DAC_READ_SEARCH: exactly those" \
	test "$(cap_eff "$FSP_PID")" = "$(mask $CAP_SYS_PTRACE 2)"
kill -TERM "$FSP_PID" "$FS_PID"
wait "$FSP_PID" "$FS_PID" 2>/dev/null
"$FSPROBE" --pid 1 --lookup a --miss b --capabilities.keep sys_nice 2>"$TMP/err"
status=$?
check "--capabilities.keep sys_nice: a one-line error, exit 2" \
	bash -c "test $status = 2 && test \$(wc -l <$TMP/err) = 1 && grep -q 'unknown capability' $TMP/err"
finish
