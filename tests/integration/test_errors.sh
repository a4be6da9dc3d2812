#!/usr/bin/env bash
# Bad input and a hostile environment: one clear line on stderr and a non-zero exit, never a
# crash. Each case runs against the real kernel and a real target.
. "$(dirname "$0")/../lib.sh"

fs_start err --threads 1 --requests 10 || finish

# expect NAME STATUS PATTERN CMD...: exit status, exactly one stderr line, matching PATTERN.
expect() {
	local name=$1 want=$2 pattern=$3 status lines
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
	lines=$(wc -l <"$TMP/err")
	if [ "$status" != "$want" ]; then
		fail "$name" "exit $status, wanted $want: $(head -2 "$TMP/err")"
	elif [ "$lines" != 1 ]; then
		fail "$name" "$lines lines on stderr: $(head -3 "$TMP/err" | tr '\n' '|')"
	elif ! grep -Eq -- "$pattern" "$TMP/err"; then
		fail "$name" "message '$(cat "$TMP/err")' lacks /$pattern/"
	else
		pass "$name: $(cat "$TMP/err")"
	fi
}

F=(--lookup "$LOOKUP" --miss "$MISS")
port=$(free_port)
L=(--web.listen-address "127.0.0.1:$port")

expect "unknown pid" 1 'no process with pid 999999999' "$FSPROBE" --pid 999999999 "${F[@]}" "${L[@]}"
expect "pid not a number" 2 "--pid: expected a whole number" "$FSPROBE" --pid abc "${F[@]}"
expect "missing lookup function, with a suggestion" 1 \
	"function 'feature_cache_lookp'.*: not found, nor in any of its [0-9]+ libraries; did you mean feature_cache_lookup$" \
	"$FSPROBE" --pid "$FS_PID" --lookup feature_cache_lookp --miss "$MISS" "${L[@]}"
expect "missing lookup function, by --binary: no libraries to name" 1 \
	"function 'feature_cache_lookp'.*: not found; did you mean feature_cache_lookup$" \
	"$FSPROBE" --binary "$FEATURESTORE" --lookup feature_cache_lookp --miss "$MISS" "${L[@]}"
expect "missing miss function" 1 "function 'nope_nothing_here'.*not found" \
	"$FSPROBE" --pid "$FS_PID" --lookup "$LOOKUP" --miss nope_nothing_here "${L[@]}"
expect "key syntax error shows the column" 2 "--key 'cstr\(arg0': expected '\)' at column 10" \
	"$FSPROBE" --pid "$FS_PID" "${F[@]}" --key 'cstr(arg0'
expect "key with an unknown type" 2 "unknown key type.*column 1" \
	"$FSPROBE" --pid "$FS_PID" "${F[@]}" --key 'str(arg0)'
expect "key argument out of range" 2 "argument index out of range.*column 6" \
	"$FSPROBE" --pid "$FS_PID" "${F[@]}" --key 'cstr(arg9)'
expect "both --pid and --binary" 2 "exactly one of --pid" \
	"$FSPROBE" --pid "$FS_PID" --binary "$FEATURESTORE" "${F[@]}"
expect "neither --pid nor --binary" 2 "exactly one of --pid" "$FSPROBE" "${F[@]}"
expect "no --miss" 2 "say how to tell hits from misses: --lookup F with --miss G or --hit-when PRED" \
	"$FSPROBE" --pid "$FS_PID" --lookup "$LOOKUP"
expect "bad --max-symbols" 2 "--max-symbols: expected a whole number from 1" \
	"$FSPROBE" --pid "$FS_PID" "${F[@]}" --max-symbols 0
expect "bad --thread-slots" 2 "--thread-slots: expected a whole number from 0 to 65536" \
	"$FSPROBE" --pid "$FS_PID" "${F[@]}" --thread-slots 65537
expect "unknown option" 2 "unknown option '--frobnicate'" "$FSPROBE" --frobnicate
expect "binary that does not exist" 1 "--binary '/nonexistent/x': No such file" \
	"$FSPROBE" --binary /nonexistent/x "${F[@]}"
expect "binary that is not ELF" 1 "is not an ELF file" \
	"$FSPROBE" --binary /etc/hostname "${F[@]}" "${L[@]}"
expect "bad listen address (usage: exit 2, before any probe)" 2 "--web.listen-address 'nonsense': expected HOST:PORT" \
	"$FSPROBE" --pid "$FS_PID" "${F[@]}" --web.listen-address nonsense

# Address in use: hold the port with a listener of our own.
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(30)' "$port" &
PIDS+=($!)
wait_for 5 bash -c "ss -ltn | grep -q ':$port '"
expect "address already in use" 1 "cannot listen on 127.0.0.1:$port: Address already in use" \
	"$FSPROBE" --pid "$FS_PID" "${F[@]}" "${L[@]}"

# Capabilities that load BPF but cannot create uprobe events: named, before anything is tried.
expect "CAP_BPF and CAP_PERFMON alone are not enough" 1 "missing privileges: CAP_SYS_ADMIN \(" \
	setpriv --bounding-set=-all,+bpf,+perfmon,+sys_ptrace "$FSPROBE" --pid "$FS_PID" "${F[@]}"

# Unprivileged: drop to nobody with no capabilities.
expect "no privileges names the capabilities" 1 "missing privileges: CAP_SYS_ADMIN, CAP_SYS_PTRACE \(uprobes need CAP_SYS_ADMIN besides CAP_BPF and CAP_PERFMON\)" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$FSPROBE" --pid "$FS_PID" "${F[@]}"
check "... and does not suggest setcap, which docs/deployment/README.md does not support" \
	bash -c "! grep -qi setcap '$TMP/err'"

# A kernel without BTF or uprobes, shown to fsprobe by hiding the files in a mount namespace.
expect "kernel without BTF" 1 "no BTF.*CONFIG_DEBUG_INFO_BTF" \
	unshare -m bash -c "mount -t tmpfs none /sys/kernel/btf && exec $FSPROBE --pid $FS_PID ${F[*]}"
expect "kernel without uprobes" 1 "no uprobe support.*CONFIG_UPROBE_EVENTS" \
	unshare -m bash -c "mount -t tmpfs none /sys/bus/event_source/devices/uprobe && exec $FSPROBE --pid $FS_PID ${F[*]}"

# fsprobe check: what this kernel supports, and whether fsprobe can run; its exit says which.
"$FSPROBE" check >"$TMP/check" 2>&1
status=$?
check "check: exits 0 on this kernel" test "$status" = 0
check "check: names the programs that load here (fast)" grep -q '^BPF programs: fast' "$TMP/check"
check "check: lists each probed feature" grep -q '^  copy_from_user_task *yes' "$TMP/check"
unshare -m bash -c "mount -t tmpfs none /sys/kernel/btf && exec $FSPROBE check" >"$TMP/check" 2>&1
status=$?
check "check: without BTF exits 1 and says why" bash -c \
	"test $status = 1 && grep -q 'cannot run here: the kernel has no BTF' $TMP/check"
expect "--bpf-variant takes auto, fast or compat" 2 "--bpf-variant: expected auto, fast or compat" \
	"$FSPROBE" --pid "$FS_PID" "${F[@]}" --bpf-variant turbo

"$FSPROBE" --help >"$TMP/help" 2>&1
check "--help exits 0 and documents the key grammar" grep -q 'field(KEY' "$TMP/help"
check "--version" bash -c "$FSPROBE --version | grep -q '^fsprobe [0-9]'"
finish
