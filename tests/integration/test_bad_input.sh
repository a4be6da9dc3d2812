#!/usr/bin/env bash
# Bad input and odd targets: each refused with one line on stderr, exit 2 for bad usage or 1 for
# what is found at run time, and nothing left attached (no int3 in the live target's functions,
# no uprobe event left in tracefs). Then a pid reused by a newcomer running the same program,
# in a pid namespace where pids are small and can be chosen: never attached to, never counted.
. "$(dirname "$0")/../lib.sh"

fs_start bad --threads 1 --requests 10 || finish

F=(--lookup "$LOOKUP" --miss "$MISS")
port=$(free_port)
L=(--web.listen-address "127.0.0.1:$port")
T=(--pid "$FS_PID" "${F[@]}" "${L[@]}")
EVENTS=/sys/kernel/tracing/uprobe_events
[ -r "$EVENTS" ] || EVENTS=/sys/kernel/debug/tracing/uprobe_events

# lit TEXT: TEXT as an extended regular expression that matches it literally.
lit() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

# What fsprobe may have left behind: int3 bytes in the target's lookup and miss functions, or a
# uprobe event (libbpf's legacy kind, which outlives its process) on a file of this test.
leftovers() {
	local n
	n=$(breakpoints "$FS_PID" "$LOOKUP" "$MISS")
	[ "$n" = 0 ] || echo "$n int3 in the target"
	[ -r "$EVENTS" ] && grep -E "$(lit "$FEATURESTORE")|$(lit "$TMP")" "$EVENTS" | head -1
}

# refuses NAME STATUS PATTERN CMD...: exit STATUS, exactly one stderr line matching PATTERN (an
# ERE), nothing left attached. Accepted input would run: a timeout ends it (exit 124, a FAIL).
refuses() {
	local name=$1 want=$2 pattern=$3 status lines left
	shift 3
	timeout 20 "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	status=$?
	lines=$(wc -l <"$TMP/err")
	left=$(leftovers)
	if [ "$status" != "$want" ]; then
		fail "$name" "exit $status, wanted $want: $(head -2 "$TMP/err")"
	elif [ "$lines" != 1 ]; then
		fail "$name" "$lines lines on stderr: $(head -3 "$TMP/err" | tr '\n' '|')"
	elif ! grep -Eq -- "$pattern" "$TMP/err"; then
		fail "$name" "message '$(cat "$TMP/err")' lacks /$pattern/"
	elif [ -n "$left" ]; then
		fail "$name" "left attached: $left"
	else
		pass "$name: $(cut -c1-200 "$TMP/err") (exit $status)"
	fi
}

# --- numbers: overflow, sign, zero where it is invalid, trailing or leading garbage ---
number() {
	local opt=$1 range=$2 value=$3
	shift 3
	refuses "$opt '$value'" 2 "^fsprobe: $(lit "$opt: expected $range, got '$value'")\$" "$@"
}
for v in 99999999999999999999 4294967297 -5 0 12abc +5 " 5" "" 0x10 1e3; do
	number --pid "a whole number from 1 to 2147483647" "$v" "$FSPROBE" --pid "$v" "${F[@]}" "${L[@]}"
done
for v in 0 -1 1e3 1000001 99999999999999999999 12abc +7 " 7" 7s; do
	number --max-symbols "a whole number from 1 to 1000000" "$v" "$FSPROBE" "${T[@]}" --max-symbols "$v"
done
for v in -1 65537 4294967296 1e3 12abc +7; do
	number --thread-slots "a whole number from 0 to 65536" "$v" "$FSPROBE" "${T[@]}" --thread-slots "$v"
done
for v in nan inf -inf INFINITY 0 -1 1e309 1e-400 0x1p3 1s " 1" +1 3601; do
	number --interval "seconds from 0.1 to 3600" "$v" "$FSPROBE" top "${T[@]}" --interval "$v"
done
for v in nan inf 0 -5 1e309 12abc 0x10 604801; do
	number --duration "seconds from 0.1 to 604800" "$v" "$FSPROBE" report "${T[@]}" --duration "$v"
done

# --- control bytes in --key and --hit-when ---
# NUL cannot be tested, as it cannot be passed: execve(2) takes each argument as a C string, so
# the first NUL ends it (bash's $'a\0b' is already "a"). Blanks (tab, newline) separate tokens
# like spaces; other control bytes are refused at their column, except as field()'s quoted
# delimiter ('\x01' splits FIX messages). Messages show control bytes as \xHH: always one line.
refuses "--key with 0x01" 2 "$(lit "--key '\\x01': control character 0x01 at column 1")" \
	"$FSPROBE" "${T[@]}" --key $'\x01'
refuses "--key with an escape sequence" 2 \
	"$(lit "--key 'cstr(arg0)\\x1b[31m': control character 0x1b at column 11")" \
	"$FSPROBE" "${T[@]}" --key $'cstr(arg0)\x1b[31m'
refuses "--key with DEL" 2 "control character 0x7f at column 13" \
	"$FSPROBE" "${T[@]}" --key $'cstr(arg0->8\x7f)'
refuses "--key with a tab, otherwise wrong: the tab shown as \\x09" 2 \
	"$(lit "--key 'cstr(\\x09arg9)': argument index out of range (arg0 to arg5) at column 7")" \
	"$FSPROBE" "${T[@]}" --key $'cstr(\targ9)'
refuses "--key ending in a newline, otherwise wrong: one line" 2 \
	"$(lit "--key 'cstr(arg0\\x0a': expected ')' at column 11")" \
	"$FSPROBE" "${T[@]}" --key $'cstr(arg0\n'
refuses "--hit-when with 0x01" 2 "$(lit "--hit-when 'ret != 0\\x01': control character 0x01 at column 9")" \
	"$FSPROBE" --pid "$FS_PID" --lookup "$LOOKUP" --hit-when $'ret != 0\x01' "${L[@]}"
"$FSPROBE" report --pid "$FS_PID" "${F[@]}" --duration 0.2 --key $'\tcstr(\narg0 )\n' \
	>"$TMP/blanks" 2>&1
check "--key with tabs and newlines between tokens is valid (exit 0)" test $? = 0

# --- function names: too long for the matcher, or with a newline ---
long=$(printf 'a%.0s' $(seq 10000))
refuses "--lookup of 10000 characters" 2 \
	"$(lit "--lookup: a function name of 10000 bytes; fsprobe matches names of at most 511")" \
	"$FSPROBE" --pid "$FS_PID" --lookup "$long" --miss "$MISS" "${L[@]}"
refuses "--miss of 10000 characters" 2 "^fsprobe: --miss: a function name of 10000 bytes" \
	"$FSPROBE" --pid "$FS_PID" --lookup "$LOOKUP" --miss "$long" "${L[@]}"
refuses "--hit of 10000 characters" 2 "^fsprobe: --hit: a function name of 10000 bytes" \
	"$FSPROBE" --pid "$FS_PID" --hit "$long" --miss "$MISS" "${L[@]}"
refuses "--miss with a newline: not found, on one line" 1 \
	"function 'compute\\\\x0afeatures' in .*not found" \
	"$FSPROBE" --pid "$FS_PID" --lookup "$LOOKUP" --miss $'compute\nfeatures' "${L[@]}"
# A program with a function of 511 a's: a 10000-character name cut to its buffer would match it.
a511=${long:0:511}
printf 'void %s(void) {}\nint main(void) { %s(); return 0; }\n' "$a511" "$a511" >"$TMP/longname.c"
if gcc -O0 "$TMP/longname.c" -o "$TMP/longname" 2>"$TMP/gcc.err"; then
	refuses "a long name is not cut to match another function" 2 "a function name of 10000 bytes" \
		"$FSPROBE" --binary "$TMP/longname" --lookup "$long" --miss main "${L[@]}"
else
	fail "build a program with a 511-character function name" "$(head -2 "$TMP/gcc.err")"
fi

# --- --binary that is not an x86-64 ELF executable ---
printf 'not a program\n' >"$TMP/text"
: >"$TMP/empty"
printf '#!/bin/sh\nexit 0\n' >"$TMP/script.sh"
chmod +x "$TMP/script.sh"
refuses "--binary: a text file" 1 "$(lit "--binary '$TMP/text' is not an ELF file")" \
	"$FSPROBE" --binary "$TMP/text" "${F[@]}" "${L[@]}"
refuses "--binary: an empty file" 1 "$(lit "--binary '$TMP/empty' is not an ELF file")" \
	"$FSPROBE" --binary "$TMP/empty" "${F[@]}" "${L[@]}"
refuses "--binary: a script" 1 \
	"$(lit "--binary '$TMP/script.sh' is a script (#!/bin/sh), not an ELF executable: its processes run /bin/sh")" \
	"$FSPROBE" --binary "$TMP/script.sh" "${F[@]}" "${L[@]}"
# A 32-bit program with the demo's function names, that waits in pause(2) between lookups. Built
# freestanding, so gcc -m32 needs no 32-bit libc (gcc-multilib); else a bare ELF32 header.
cat >"$TMP/m32.c" <<'EOF'
int compute_features(int k) { return k * 3; }
int feature_cache_lookup(int k) { return k > 0 ? compute_features(k) : 0; }
void _start(void)
{
	for (;;) {
		feature_cache_lookup(1);
		__asm__ volatile("int $0x80" : : "a"(29)); /* pause() */
	}
}
EOF
m32_runs=0
if gcc -m32 -O1 -nostdlib -static -fno-pie -no-pie "$TMP/m32.c" -o "$TMP/m32" 2>/dev/null; then
	m32_runs=1
else
	python3 -c 'import struct,sys
h = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9) + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0x8048000, 52, 0, 0, 52, 32, 0, 40, 0, 0)
open(sys.argv[1], "wb").write(h)' "$TMP/m32"
fi
refuses "--binary: a 32-bit ELF" 1 \
	"$(lit "--binary '$TMP/m32' is a 32-bit ELF file (i386): fsprobe probes x86-64 programs only")" \
	"$FSPROBE" --binary "$TMP/m32" "${F[@]}" "${L[@]}"
python3 -c 'import struct,sys
h = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + struct.pack("<HHIQQQIHHHHHH", 2, 183, 1, 0x400000, 64, 0, 0, 64, 56, 0, 64, 0, 0)
open(sys.argv[1], "wb").write(h)' "$TMP/arm64"
refuses "--binary: a 64-bit ELF for another machine (aarch64)" 1 \
	"$(lit "--binary '$TMP/arm64' is an ELF file for another machine (e_machine 183)")" \
	"$FSPROBE" --binary "$TMP/arm64" "${F[@]}" "${L[@]}"
if [ "$m32_runs" = 1 ]; then
	"$TMP/m32" &
	m32=$!
	PIDS+=("$m32")
	refuses "--pid of a 32-bit process" 1 \
		"$(lit "pid $m32 (m32) runs $TMP/m32, which is a 32-bit ELF file (i386)")" \
		"$FSPROBE" --pid "$m32" "${F[@]}" "${L[@]}"
	kill "$m32"
fi

# --- processes that are no target: a kernel thread, a zombie, fsprobe itself ---
kthread=
for s in /proc/2/stat /proc/[0-9]*/stat; do
	# The 9th field holds the PF_* flags; PF_KTHREAD is 0x00200000.
	f=$(sed 's/.*) //' "$s" 2>/dev/null | awk '{ print $7 }')
	[ -n "$f" ] && (((f & 0x200000) != 0)) && { kthread=${s//[^0-9]/}; break; }
done
if [ -n "$kthread" ]; then
	refuses "--pid of a kernel thread ($kthread, $(cat "/proc/$kthread/comm"))" 1 \
		"^fsprobe: $(lit "pid $kthread ($(cat "/proc/$kthread/comm")) is a kernel thread: it runs no program to probe")\$" \
		"$FSPROBE" --pid "$kthread" "${F[@]}" "${L[@]}"
else
	echo "SKIP --pid of a kernel thread: none visible in this pid namespace"
fi
# A zombie: the child of a parent that never waits (a shell may reap a finished job itself).
python3 -c 'import os, time
pid = os.fork()
if pid == 0:
    os._exit(0)
print(pid, flush=True)
time.sleep(60)' >"$TMP/zombie" &
PIDS+=($!)
wait_for 5 test -s "$TMP/zombie"
zombie=$(head -1 "$TMP/zombie")
wait_for 5 bash -c "sed 's/.*) //' /proc/$zombie/stat | grep -q '^Z'" || fail "make a zombie"
refuses "--pid of a zombie" 1 "^fsprobe: $(lit "pid $zombie (python3) has exited: a zombie, until its parent reaps it")\$" \
	"$FSPROBE" --pid "$zombie" "${F[@]}" "${L[@]}"
# fsprobe's own pid: the shell's, which fsprobe takes over by exec. Functions it has, so the
# refusal is about the pid, not a missing name.
refuses "--pid of fsprobe itself" 1 "^fsprobe: pid [0-9]+ is fsprobe itself\$" \
	sh -c 'exec "$0" --pid $$ --lookup fsp_buf_append --miss fsp_buf_printf "$@"' "$FSPROBE" "${L[@]}"

# --- the target exits and a newcomer running the same program gets its pid ---
# In a new pid namespace (unshare), where fsprobe runs too: pids there are small, and
# /proc/sys/kernel/ns_last_pid sets the next one. The edge target in idle mode keeps its worker
# blocked below its last lookup, which lazy counting settles at each scrape: exact in a pid
# namespace too (the BPF side sees the initial namespace's pids).
EDGE=$OUTPUT/edge
NS=$TMP/ns
mkdir -p "$NS"
cat >"$NS/inner.sh" <<'EOF'
set -u
cd "$NS"
url=http://127.0.0.1:$PORT/metrics
"$EDGE" --wait-start --hold --mode idle --requests 3000 --tally t1 >e1.out 2>&1 &
old=$!
wait_for 10 grep -q '^ready pid=' e1.out || { echo "first target did not start" >why; exit 1; }
"$FSPROBE" --pid "$old" --lookup edge_lookup2 --miss edge_compute2 \
	--web.listen-address "127.0.0.1:$PORT" >fsp.log 2>&1 &
fsp=$!
wait_for 20 curl -sf "$url" -o m0 || { echo "fsprobe did not start: $(tail -2 fsp.log)" >why; exit 1; }
kill -USR1 "$old"
wait_for 30 grep -q '^done' e1.out
curl -sf "$url" -o m1
kill -TERM "$old"
wait "$old"
wait_for 5 grep -q 'exited; still serving' fsp.log
# The next fork gets old: nothing else forks in this namespace in between.
echo $((old - 1)) >/proc/sys/kernel/ns_last_pid
"$EDGE" --wait-start --hold --mode idle --requests 3000 --tally t2 >e2.out 2>&1 &
new=$!
echo "$old $new" >pids
wait_for 10 grep -q '^ready pid=' e2.out
breakpoints "$new" edge_lookup2 edge_compute2 >bp.ready
kill -USR1 "$new"
wait_for 30 grep -q '^done' e2.out
breakpoints "$new" edge_lookup2 edge_compute2 >bp.done
sleep 1.5 # one of fsprobe's 1 s polls of the target
curl -sf "$url" -o m2
kill -TERM "$new" "$fsp"
wait
EOF
if unshare --pid --fork --mount-proc true 2>/dev/null; then
	export -f wait_for breakpoints
	NS=$NS EDGE=$EDGE FSPROBE=$FSPROBE PORT=$(free_port) \
		timeout 120 unshare --pid --fork --mount-proc bash "$NS/inner.sh"
	if [ -s "$NS/why" ]; then
		fail "pid reuse in a pid namespace" "$(cat "$NS/why")"
	else
		read -r old new <"$NS/pids"
		same_counts "in a pid namespace, a worker idle below its last lookup" "$NS/m1" "$NS/t1"
		check "the target was up while it ran" grep -qx 'fsprobe_target_up 1' "$NS/m1"
		check "a newcomer running the same program got the target's pid ($old)" test "$old" = "$new"
		check "no breakpoint in the newcomer, ready or done" \
			bash -c "[ \$(cat '$NS/bp.ready') = 0 ] && [ \$(cat '$NS/bp.done') = 0 ]"
		check "fsprobe_target_up stays 0 with the newcomer running" \
			grep -qx 'fsprobe_target_up 0' "$NS/m2"
		check "the newcomer's 3000 lookups are not counted" \
			bash -c "diff <(grep '^featurestore_' '$NS/m1') <(grep '^featurestore_' '$NS/m2')"
		check "fsprobe said the target exited, and never that it runs again" \
			bash -c "grep -q 'exited; still serving' '$NS/fsp.log' && ! grep -q 'is running' '$NS/fsp.log'"
	fi
else
	echo "SKIP pid reuse: unshare --pid --fork --mount-proc is not possible here"
fi
finish
