#!/usr/bin/env bash
# The capability list of docs/deployment/README.md ("Capabilities"), which the DaemonSet's
# least-privilege securityContext adds, is enough, and each entry is needed: fsprobe as root
# with exactly those capabilities (setpriv: the bounding set, so that after exec permitted and
# effective are the list) counts the demo exactly; without CAP_SYS_ADMIN or CAP_SYS_PTRACE it
# stops with its one-line privileges error (and with CAP_BPF and CAP_PERFMON in its place the
# kernel refuses the uprobe, past that check); without CAP_DAC_READ_SEARCH it cannot open the
# executable of a feature store running as another user from a folder only that user reads.
. "$(dirname "$0")/../lib.sh"

# The list, from the guide's table, and the DaemonSet's `add:` must say the same.
doc=$(awk '/^## Capabilities/ { on = 1; next } /^## / { on = 0 }
	on && /^\| `CAP_/ { split($0, f, "`"); print f[2] }' "$ROOT/docs/deployment/README.md" | sort | tr '\n' ' ')
ds=$(sed -n 's/^ *# *add: \[\(.*\)\]$/\1/p' "$ROOT/docs/deployment/kubernetes/daemonset.yaml" |
	tr -d ' ' | tr ',' '\n' | sed 's/^/CAP_/' | sort | tr '\n' ' ')
check "the guide and the DaemonSet list the same capabilities: ${doc:-none}" test -n "$doc" -a "$doc" = "$ds"
read -r -a CAPS <<<"$doc"

# setpriv's spelling: -all,+sys_admin,...
capset() {
	local c s=-all
	for c in "$@"; do
		c=${c#CAP_}
		s+=,+${c,,}
	done
	echo "$s"
}
# with_caps CAP... -- CMD...: CMD as root with exactly CAP..., nothing inherited; 20 s at most.
with_caps() {
	local caps=()
	while [ "$1" != -- ]; do caps+=("$1"); shift; done
	shift
	timeout 20 setpriv --bounding-set "$(capset "${caps[@]}")" --inh-caps=-all --ambient-caps=-all "$@"
}
# without CAP: the list less CAP.
without() {
	local c
	for c in "${CAPS[@]}"; do [ "$c" = "$1" ] || echo "$c"; done
}

# fsprobe through a wrapper, so that lib.sh's fsp_start runs it with exactly the list.
REAL_FSPROBE=$FSPROBE
FSPROBE=$TMP/fsprobe-caps
printf '#!/bin/sh\nexec setpriv --bounding-set %s --inh-caps=-all --ambient-caps=-all %s "$@"\n' \
	"$(capset "${CAPS[@]}")" "$REAL_FSPROBE" >"$FSPROBE"
chmod +x "$FSPROBE"

fs_start caps --threads 4 --requests 100000 --symbols 300 --capacity 200 || finish
fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --key 'cstr(arg0)' || finish
mask=$(python3 -c 'import sys
bit = {"CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_SYS_PTRACE": 19, "CAP_SYS_ADMIN": 21,
       "CAP_SYS_RESOURCE": 24, "CAP_PERFMON": 38, "CAP_BPF": 39}
print("%016x" % sum(1 << bit[c] for c in sys.argv[1:]))' "${CAPS[@]}")
# It was given exactly the list (its bounding set still shows it); once attached it keeps
# less (tests/integration/test_privs.sh): the list suffices to attach and count.
check "fsprobe's bounding set is exactly the list ($mask)" \
	test "$(awk '/^CapBnd:/ { print $2 }' "/proc/$FSP_PID/status")" = "$mask"
check "... and once attached its effective set is within it" \
	test $((0x$(awk '/^CapEff:/ { print $2 }' "/proc/$FSP_PID/status") & ~0x$mask)) = 0
fs_go caps || fail "workload finishes"
scrape "$TMP/m"
same_counts "with exactly ${CAPS[*]}: per-symbol hits and misses, 4 threads x 100000 lookups" "$TMP/m" "$FS_TALLY"
kill -TERM "$FSP_PID" "$FS_PID"
wait "$FSP_PID" "$FS_PID" 2>/dev/null

# Without one: fsprobe exits non-zero, with its reason, on one line.
fs_start caps2 --threads 1 --requests 1000 --symbols 20 || finish
for drop in CAP_SYS_ADMIN CAP_SYS_PTRACE; do
	mapfile -t rest < <(without "$drop")
	with_caps "${rest[@]}" -- "$REAL_FSPROBE" --pid "$FS_PID" --lookup "$LOOKUP" \
		--miss "$MISS" --web.listen-address "127.0.0.1:$(free_port)" >"$TMP/no.out" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 124 ] && [ "$(wc -l <"$TMP/no.out")" = 1 ] &&
		grep -q "^fsprobe: missing privileges: $drop " "$TMP/no.out"; then
		pass "without $drop: exit $rc, '$(cut -c1-90 "$TMP/no.out")...'"
	else
		fail "without $drop" "exit $rc: $(head -3 "$TMP/no.out" | tr '\n' ' ')"
	fi
done
# The kernel's refusal, not only fsprobe's check: with CAP_BPF and CAP_PERFMON instead of
# CAP_SYS_ADMIN, and fsprobe's capability check told that all is there (a preloaded syscall()
# that adds CAP_SYS_ADMIN to what capget reports), attaching the uprobe fails.
cat >"$TMP/capget.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <linux/capability.h>
long syscall(long n, ...)
{
	long (*real)(long, ...) = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	long a[6], r;
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	r = real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (n == SYS_capget && r == 0)
		((struct __user_cap_data_struct *)a[1])[0].effective |= 1u << CAP_SYS_ADMIN;
	return r;
}
C
if cc -shared -fPIC -o "$TMP/capget.so" "$TMP/capget.c" -ldl 2>"$TMP/cc.err"; then
	mapfile -t rest < <(without CAP_SYS_ADMIN)
	with_caps "${rest[@]}" CAP_BPF CAP_PERFMON -- env LD_PRELOAD="$TMP/capget.so" "$REAL_FSPROBE" \
		--pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" \
		--web.listen-address "127.0.0.1:$(free_port)" >"$TMP/nosa.out" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q "cannot attach uprobe.*Permission denied" "$TMP/nosa.out"; then
		pass "with CAP_BPF and CAP_PERFMON for CAP_SYS_ADMIN the kernel refuses: '$(grep -o 'cannot attach uprobe.*' "$TMP/nosa.out" | head -1)'"
	else
		fail "the kernel refuses the uprobe without CAP_SYS_ADMIN" "exit $rc: $(head -3 "$TMP/nosa.out" | tr '\n' ' ')"
	fi
else
	fail "compile the capget shim" "$(head -3 "$TMP/cc.err")"
fi
kill -TERM "$FS_PID"

# CAP_DAC_READ_SEARCH: the feature store runs as nobody from a folder only nobody may read.
chmod 0711 "$TMP"
mkdir "$TMP/priv"
cp "$FEATURESTORE" "$TMP/priv/featurestore"
chown -R 65534:65534 "$TMP/priv"
chmod 0700 "$TMP/priv" "$TMP/priv/featurestore"
setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/priv/featurestore" --wait-start --hold \
	--tally "$TMP/priv/tally" --threads 2 --requests 50000 --symbols 200 --capacity 120 \
	>"$TMP/priv.out" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q '^ready' "$TMP/priv.out" || { fail "feature store as nobody starts" "$(cat "$TMP/priv.out")"; finish; }
FS_PID=$(sed -n 's/^ready pid=//p' "$TMP/priv.out")
mapfile -t rest < <(without CAP_DAC_READ_SEARCH)
with_caps "${rest[@]}" -- "$REAL_FSPROBE" --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" \
	--web.listen-address "127.0.0.1:$(free_port)" >"$TMP/nodac.out" 2>&1
rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -Eq "cannot (open|read) /proc/$FS_PID/exe: Permission denied" "$TMP/nodac.out"; then
	pass "without CAP_DAC_READ_SEARCH, a target only its user may read: exit $rc, '$(head -1 "$TMP/nodac.out" | sed 's/.*: cannot/cannot/')'"
else
	fail "without CAP_DAC_READ_SEARCH" "exit $rc: $(head -3 "$TMP/nodac.out" | tr '\n' ' ')"
fi
fsp_start fsp-priv --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" || finish
kill -USR1 "$FS_PID"
wait_for 60 grep -q '^done' "$TMP/priv.out" || fail "workload as nobody finishes"
scrape "$TMP/priv.m"
same_counts "with exactly ${CAPS[*]}, a target running as nobody from a 0700 folder" "$TMP/priv.m" "$TMP/priv/tally"
finish
