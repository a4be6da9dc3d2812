#!/usr/bin/env bash
# vmtest.sh: run fsprobe's in-guest integration checks on Debian's own kernels under qemu.
#
#   OUTPUT=build bash tests/vmtest/vmtest.sh [KERNEL...]   KERNEL: 5.10, 6.1, 6.12 (default all)
#   OUTPUT=build bash tests/vmtest/vmtest.sh --host        the same checks on this machine's
#                                                          kernel, under busybox (root)
#
# For each kernel: fetch its vmlinuz once (kernels.sh, cached), boot it under qemu with an
# initramfs holding busybox, $OUTPUT/fsprobe with its shared libraries, static builds of the
# test targets and guest-tests.sh; print "vmtest RELEASE: N passed, M failed". The last line is
# "vmtest: N passed, M failed"; the exit status is non-zero when anything failed.
#
# $OUTPUT/fsprobe must be built (make). The static targets go to $OUTPUT/vmtest/, the serial
# log of each kernel to $OUTPUT/vmtest/SERIES.log.
#
# Environment:
#   FSP_VMTEST_CACHE      kernel cache (default /var/cache/fsprobe-vmtest; see kernels.sh)
#   FSP_VMTEST_REFRESH=1  look for newer kernel packages instead of using the cached ones
#   FSP_VMTEST_ACCEL      qemu accelerator (default tcg: nested KVM hangs on our machines)
#   FSP_VMTEST_TIMEOUT    seconds before qemu is killed, per kernel (default 900)
#   VMT_CHECK_TIMEOUT     seconds per group of checks in the guest (default 90)
#   VMT_REQUESTS          lookups per target thread in each check (default 4000)
#   VMT_VARIANT           fsprobe --bpf-variant (fast, compat) in every check; default: auto
#   VMT_GROUPS            groups of checks to run (default all, see guest-tests.sh)

# Debian packages vmtest needs besides the build's (make deps installs those).

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUTPUT=${OUTPUT:-build}
case $OUTPUT in /*) ;; *) OUTPUT=$ROOT/$OUTPUT ;; esac
FSPROBE=$OUTPUT/fsprobe
V=$OUTPUT/vmtest
ACCEL=${FSP_VMTEST_ACCEL:-tcg}
# Two vCPUs, but one TCG thread: with multi-threaded TCG (qemu 7.2) a vCPU can run a stale
# translation of a uprobe's out-of-line instruction slot that another vCPU's thread just
# rewrote. Plain tracefs uprobes on the Go target's "SUBQ $n, SP" (single-stepped out of line)
# then crash it on every kernel, without fsprobe; with thread=single they never did.
# No LA57: TCG's -cpu max has 5-level paging, which puts the uprobe slot page above 47 bits;
# keep the 4-level address space of ordinary machines.
case $ACCEL in
tcg) ACCEL_OPT=tcg,thread=single CPU=max,la57=off ;;
*) ACCEL_OPT=$ACCEL CPU=${FSP_VMTEST_CPU:-host} ;;
esac
VM_TIMEOUT=${FSP_VMTEST_TIMEOUT:-900}
CHECK_TIMEOUT=${VMT_CHECK_TIMEOUT:-90}

die() {
	echo "vmtest: $*" >&2
	exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# need TOOL PACKAGE: TOOL is on PATH, or say which package brings it.
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1 (apt-get install $2)"); }

host=0
kernels=()
for a; do
	case $a in
	--host) host=1 ;;
	5.10 | 6.1 | 6.12) kernels+=("$a") ;;
	-h | --help)
		sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
		exit 0
		;;
	*) die "unknown argument '$a' (kernels: 5.10 6.1 6.12, or --host)" ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=(5.10 6.1 6.12)

need busybox busybox-static
need gcc gcc
need go golang-go
need nm binutils
need readelf binutils
need timeout coreutils
if [ "$host" = 0 ]; then
	need qemu-system-x86_64 qemu-system-x86
	need cpio cpio
	need ldd libc-bin
	need apt-get apt
	need dpkg-deb dpkg
fi
if [ ${#missing[@]} -gt 0 ]; then
	printf 'vmtest: missing %s\n' "${missing[@]}" >&2
	die "missing tools: make vmtest installs them (DEPS_VMTEST in the Makefile)"
fi
BUSYBOX=$(command -v busybox)
# The guest has no libc of its own but fsprobe's: busybox must be the static build.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked: apt-get install busybox-static"
fi
[ -x "$FSPROBE" ] || die "no $FSPROBE: build it first (make OUTPUT=${OUTPUT#"$ROOT"/})"
mkdir -p "$V" || exit 1

# ---- static test targets --------------------------------------------------------------------

T=$ROOT/uprobes-targets
t0=$(now)
# build OUT SOURCES...: rebuild OUT when a source is newer.
stale() {
	local out=$1 f
	shift
	[ -e "$out" ] || return 0
	for f; do [ "$f" -nt "$out" ] && return 0; done
	return 1
}
fs_srcs=("$T"/featurestore/*.[ch] "$T"/common/*.[ch])
if stale "$V/featurestore" "${fs_srcs[@]}"; then
	gcc -O2 -g -pthread -Wall -Wextra -fcf-protection=none -static \
		"$T"/featurestore/*.c "$T"/common/*.c -lm -o "$V/featurestore" ||
		die "cannot build the static featurestore (needs libc6-dev's libc.a)"
fi
# shapes without its shared library: libfscache.c is linked in (only --shape lib needs the .so,
# and the guest does not run that shape).
shapes_srcs=("$T"/cshapes/*.[ch] "$T"/common/*.[ch])
if stale "$V/shapes" "${shapes_srcs[@]}"; then
	gcc -O2 -g -pthread -Wall -Wextra -static "$T"/cshapes/main.c "$T"/cshapes/workload.c \
		"$T"/cshapes/cache.c "$T"/cshapes/libfscache.c "$T"/common/*.c -lm -o "$V/shapes" ||
		die "cannot build the static shapes target"
fi
if stale "$V/featurestore-go" "$T"/go/*; then
	gocache=${GOCACHE:-}
	[ -n "$gocache" ] || [ -n "${HOME:-}" ] || gocache=$V/.go-cache
	(cd "$T/go" && env ${gocache:+GOCACHE="$gocache"} CGO_ENABLED=0 GOPROXY=off GOFLAGS=-mod=mod \
		GO111MODULE=on go build -o "$V/featurestore-go" .) || die "cannot build featurestore-go"
fi
for b in featurestore shapes featurestore-go; do
	readelf -h "$V/$b" | grep -q 'Type:.*EXEC' && ! readelf -lW "$V/$b" | grep -q INTERP ||
		die "$V/$b is not a static, non-PIE executable"
done
# Where the probed functions are, for the detach check's look at the target's text.
nm "$V/featurestore" | awk '$3 == "feature_cache_lookup" || $3 == "compute_features" { print $3, "0x" $1 }' \
	>"$V/featurestore.syms"
[ "$(wc -l <"$V/featurestore.syms")" = 2 ] || die "probed functions not found in $V/featurestore"
targets_s=$(since "$t0")

if [ "$host" = 1 ]; then
	[ "$(id -u)" = 0 ] || die "--host needs root"
	echo "vmtest: targets built in ${targets_s}s; running the guest checks on this host ($(uname -r))"
	out=$V/host.log
	t0=$(now)
	tmp=$(mktemp -d /tmp/fsprobe-vmtest.XXXXXX)
	env FSPROBE="$FSPROBE" VMT_BIN="$V" VMT_TMP="$tmp" BUSYBOX="$BUSYBOX" \
		VMT_CHECK_TIMEOUT="$CHECK_TIMEOUT" VMT_VARIANT="${VMT_VARIANT:-}" \
		"$BUSYBOX" sh "$HERE/guest-tests.sh" 2>&1 | tee "$out"
	rm -rf "$tmp"
	r=$(sed -n 's/^VMTEST-RESULT //p' "$out" | tail -1)
	p=$(echo "$r" | sed -n 's/.*passed=\([0-9]*\).*/\1/p')
	f=$(echo "$r" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')
	[ -n "$p" ] || { p=0 f=1; }
	echo "vmtest host $(uname -r): $p passed, $f failed (${t0:+$(since "$t0")s})"
	echo "vmtest: $p passed, $f failed"
	[ "$f" = 0 ]
	exit
fi

# ---- kernels ----------------------------------------------------------------------------------

t0=$(now)
mapfile -t klines < <(bash "$HERE/kernels.sh" "${kernels[@]}") || exit 1
[ ${#klines[@]} = ${#kernels[@]} ] || die "could not get every kernel (${kernels[*]})"
fetch_s=$(since "$t0")

# ---- initramfs --------------------------------------------------------------------------------

t0=$(now)
R=$V/initramfs
rm -rf "$R" && mkdir -p "$R"/{bin,dev,proc,sys,tmp,run,vmtest,lib64} || exit 1
cp "$BUSYBOX" "$R/bin/busybox"
cp "$HERE/init" "$R/init" && chmod 755 "$R/init"
cp "$HERE/guest-tests.sh" "$V"/{featurestore,shapes,featurestore-go,featurestore.syms} "$R/vmtest/"
cp "$FSPROBE" "$R/bin/fsprobe"
# fsprobe's shared libraries and the dynamic loader, at the paths ldd resolves them to.
libs=$(ldd "$FSPROBE" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }') ||
	die "ldd $FSPROBE failed"
for l in $libs; do
	mkdir -p "$R$(dirname "$l")" && cp -L "$l" "$R$l" || die "cannot copy $l"
done
mknod -m 600 "$R/dev/console" c 5 1 2>/dev/null # else /init reopens it from devtmpfs
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$V/initramfs.cpio" ||
	die "cpio failed"
initramfs_s=$(since "$t0")
echo "vmtest: targets ${targets_s}s, kernels ${fetch_s}s, initramfs $(du -m "$V/initramfs.cpio" | cut -f1) MB in ${initramfs_s}s, accel $ACCEL"

# ---- boot each kernel -------------------------------------------------------------------------

total_p=0 total_f=0
for line in "${klines[@]}"; do
	read -r series rel vmlinuz <<<"$line"
	log=$V/$series.log
	t0=$(now)
	# mitigations=off: no page-table switch on every kernel entry, which costs much under TCG.
	# It changes nothing in the verifier for root, which bypasses the Spectre checks anyway.
	timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 -accel "$ACCEL_OPT" -cpu "$CPU" -m 2G -smp 2 \
		-nographic -no-reboot -nic none -kernel "$vmlinuz" -initrd "$V/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 quiet mitigations=off VMT_CHECK_TIMEOUT=$CHECK_TIMEOUT${VMT_REQUESTS:+ VMT_REQUESTS=$VMT_REQUESTS}${VMT_GROUPS:+ VMT_GROUPS=\"$VMT_GROUPS\"}${VMT_VARIANT:+ VMT_VARIANT=$VMT_VARIANT}" \
		</dev/null >"$log" 2>&1 &
	qpid=$!
	boot_s=
	while kill -0 "$qpid" 2>/dev/null; do
		if [ -z "$boot_s" ] && grep -q 'VMTEST-BOOTED' "$log" 2>/dev/null; then
			boot_s=$(since "$t0")
		fi
		sleep 0.2
	done
	wait "$qpid"
	qst=$?
	total_s=$(since "$t0")
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	r=$(sed -n 's/^VMTEST-RESULT //p' "$log" | tail -1)
	p=$(echo "$r" | sed -n 's/.*passed=\([0-9]*\).*/\1/p')
	f=$(echo "$r" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')
	why=
	if [ -z "$p" ]; then
		# No summary: the guest crashed or was killed. Count what it printed, plus this.
		p=$(grep -c '^PASS ' "$log")
		f=$(($(grep -c '^FAIL ' "$log") + 1))
		if [ "$qst" = 124 ] || [ "$qst" = 137 ]; then
			why=" (killed after ${VM_TIMEOUT}s, no summary)"
		else
			why=" (no summary from the guest, qemu status $qst)"
		fi
	fi
	rel=$(sed -n 's/.*VMTEST-BOOTED .*kernel=//p' "$log" | head -1 | grep . || echo "$rel")
	echo "vmtest $rel: $p passed, $f failed$why"
	echo "  boot ${boot_s:-?}s, total ${total_s}s" >&2
	[ "$f" = 0 ] || {
		grep '^FAIL ' "$log" | sed 's/^/  /' >&2
		echo "  log: $log" >&2
	}
	total_p=$((total_p + p)) total_f=$((total_f + f))
done
echo "vmtest: $total_p passed, $total_f failed"
[ "$total_f" = 0 ]
