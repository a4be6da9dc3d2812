#!/usr/bin/env bash
# tests/agent/pods.sh, the node agent's fake pods: two sibling containers of one image share the
# lower inode under their own overlay st_dev, each in its own pid, mount and UTS namespaces and a
# kubelet-named cgroup, with kubelet's log names; restart, exec and delete work and nothing is
# left behind. And the problem the agent solves: one inode-wide probe counts every sibling.
# shellcheck disable=SC2016,SC2034 # checks are eval'd strings, reading variables set here
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/agent/pods.sh"

pods_image || { fail "the image builds"; finish; }
check "the image's /app/featurestore is static" \
	eval '! readelf -l "$PODS_IMAGE/app/featurestore" | grep -q "program interpreter"'
# Pod-level cgroup dirs (systemd's -pod<uid>.slice, cgroupfs's pod<uid>) and the kubepods roots.
pod_cgroups() {
	find "$PODS_CG_V2" ${PODS_CG_V1:+"$PODS_CG_V1"} -path '*/kubepods*' -type d \
		\( -name 'pod*' -o -name '*-pod*.slice' \) 2>/dev/null | sort
}
kubepods_roots() { find "$PODS_CG_V2" ${PODS_CG_V1:+"$PODS_CG_V1"} -maxdepth 1 -name 'kubepods*' | sort; }
pre_cg=$(kubepods_roots)

A=pricing-5c7f9 B=risk-0
pod_start -d systemd -n trading "$A" --threads 2 --requests 60000 --symbols 300 --capacity 200 \
	--seed 1 || { fail "pod $A starts"; finish; }
pod_start -d cgroupfs -n risk "$B" --threads 2 --requests 40000 --symbols 500 --capacity 300 \
	--seed 7 || { fail "pod $B starts"; finish; }
A_PID=$(pod_pid "$A") B_PID=$(pod_pid "$B")
# A process by pid and start time (pids wrap quickly: pid_max 32768, other tests running); a
# zombie has no id.
proc_id() { echo "$1@$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '$1 != "Z" { print $20 }')"; }
gone() { [ "$(proc_id "${1%@*}")" != "$1" ]; }
A_ID0=$(proc_id "$A_PID") B_ID0=$(proc_id "$B_PID")

# The binary: one inode, two devices, as overlayfs gives sibling containers.
ino() { stat -L -c %i "$1"; }
dev() { stat -L -c %d "$1"; }
A_EXE=/proc/$A_PID/root/app/featurestore B_EXE=/proc/$B_PID/root/app/featurestore
check "both pods' /app/featurestore: the lower file's inode number" \
	test "$(ino "$A_EXE")" = "$(ino "$B_EXE")" -a "$(ino "$A_EXE")" = "$(ino "$PODS_IMAGE/app/featurestore")"
check "both pods' /app/featurestore: different st_dev" test "$(dev "$A_EXE")" != "$(dev "$B_EXE")"
check "/proc/PID/exe reads /app/featurestore, the path inside the container" \
	test "$(readlink "/proc/$A_PID/exe")" = /app/featurestore -a "$(readlink "/proc/$B_PID/exe")" = /app/featurestore
check "/proc/PID/exe stats as /proc/PID/root/app/featurestore" \
	test "$(dev "/proc/$A_PID/exe"):$(ino "/proc/$A_PID/exe")" = "$(dev "$A_EXE"):$(ino "$A_EXE")"

# Namespaces: each pod its own pid (the target is its pid 1), mount and UTS namespaces.
ns_apart() {
	local n
	for n in pid mnt uts; do
		[ "$(readlink "/proc/$A_PID/ns/$n")" != "$(readlink /proc/self/ns/$n)" ] &&
			[ "$(readlink "/proc/$B_PID/ns/$n")" != "$(readlink /proc/self/ns/$n)" ] &&
			[ "$(readlink "/proc/$A_PID/ns/$n")" != "$(readlink "/proc/$B_PID/ns/$n")" ] || return 1
	done
}
check "each pod has its own pid, mnt and uts namespaces" ns_apart
pid1() { grep -qP "^NSpid:\t$1\t1\$" "/proc/$1/status"; }
check "the target is pid 1 in its pod" eval 'pid1 "$A_PID" && pid1 "$B_PID"'
check "hostname is the pod name" \
	test "$(nsenter -t "$A_PID" -u hostname):$(nsenter -t "$B_PID" -u hostname)" = "$A:$B"
check "/etc/hostname in the container names the pod" \
	test "$(cat "/proc/$A_PID/root/etc/hostname")" = "$A"
own_proc() { # PID: its /proc lists its own pid namespace: pid 1, not the host's hundreds
	local p=("/proc/$1/root/proc/"[0-9]*)
	[ "${#p[@]}" -lt 5 ] && [ -e "/proc/$1/root/proc/1/exe" ]
}
check "/proc is the pod's own" own_proc "$A_PID"

# Cgroups as kubelet names them, seen from the host.
check "pod A's cgroup: systemd driver, containerd scope" \
	grep -qE '^0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod[0-9a-f]{8}(_[0-9a-f]{4}){3}_[0-9a-f]{12}.slice/cri-containerd-[0-9a-f]{64}.scope$' \
	"/proc/$A_PID/cgroup"
B_HIER=$(pod_get "$B" hierarchy)
check "pod B's cgroup: cgroupfs driver ($B_HIER)" \
	grep -qE "^[0-9]+:${B_HIER#unified}:/kubepods/burstable/pod[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/[0-9a-f]{64}\$" \
	"/proc/$B_PID/cgroup"
in_cgroup() { # POD PID: /proc/PID/cgroup names the pod's cgroup, made of its uid and id
	local h path uid
	h=$(pod_get "$1" hierarchy) path=$(pod_get "$1" cgroup) uid=$(pod_get "$1" pod_uid)
	[ "$(pod_get "$1" driver)" = systemd ] && uid=${uid//-/_}
	[[ $path == */*pod$uid*/*$(pod_get "$1" container_id)* ]] &&
		awk -F: -v h="${h#unified}" -v p="$path" '$2 == h && $3 == p { f = 1 } END { exit !f }' "/proc/$2/cgroup"
}
check "the cgroup paths carry the pods' uid and container id" eval 'in_cgroup "$A" "$A_PID" && in_cgroup "$B" "$B_PID"'
check "each cgroup holds its pod's process alone" eval '
	[ "$(cat "$(pod_get "$A" cgroup_dir)/cgroup.procs")" = "$A_PID" ] &&
	[ "$(cat "$(pod_get "$B" cgroup_dir)/cgroup.procs")" = "$B_PID" ]'
logs_ok() { # POD NS
	local link
	link=$(pod_get "$1" log)
	[ "$link" = "$PODS_LOG_DIR/$1_$2_featurestore-$(pod_get "$1" container_id).log" ] && [ -L "$link" ] &&
		[ "$(readlink "$link")" = "$PODS_PODLOG_DIR/$2_$1_$(pod_get "$1" pod_uid)/featurestore/0.log" ] &&
		grep -q '^ready pid=1$' "$link"
}
logs_both() { logs_ok "$A" trading && logs_ok "$B" risk; }
check "kubelet's log names: containers/<pod>_<ns>_<container>-<id>.log -> pods/<ns>_<pod>_<uid>/..." \
	logs_both

# What the agent's meta.c recovers from them (build/libfsprobe.a holds it).
if nm "$OUTPUT/libfsprobe.a" 2>/dev/null | grep -q ' T fsp_meta_find_names$'; then
	cat >"$TMP/meta.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include "meta.h"
int main(int argc, char **argv)
{
	struct fsp_meta_ids ids;
	struct fsp_meta_names n;
	char host[256] = "";
	int e1, e2, e3;

	if (argc != 3)
		return 2;
	e1 = fsp_meta_read_cgroup(NULL, atoi(argv[1]), &ids);
	e2 = fsp_meta_find_names(argv[2], ids.container_id, &n);
	e3 = fsp_meta_read_hostname(NULL, atoi(argv[1]), host, sizeof(host));
	printf("%d %d %d id=%s uid=%s runtime=%s ns=%s pod=%s container=%s host=%s\n", e1, e2, e3,
	       ids.container_id, ids.pod_uid, ids.runtime, n.namespace, n.pod, n.container, host);
	return 0;
}
EOF
	if cc -O2 -Wall -Werror -I"$ROOT/user/agent" "$TMP/meta.c" "$OUTPUT/libfsprobe.a" -o "$TMP/meta" 2>"$TMP/meta.err"; then
		meta_want() { # POD NS RUNTIME
			echo "0 0 0 id=$(pod_get "$1" container_id) uid=$(pod_get "$1" pod_uid) runtime=$3 ns=$2 pod=$1 container=featurestore host=$1"
		}
		meta_reads() { # POD PID NAMESPACE RUNTIME
			local got
			got=$("$TMP/meta" "$2" "$PODS_LOG_DIR")
			if [ "$got" = "$(meta_want "$1" "$3" "$4")" ]; then
				pass "meta.c reads pod $1: id, uid, names, hostname"
			else
				fail "meta.c reads pod $1" "$got"
			fi
		}
		meta_reads "$A" "$A_PID" trading containerd
		# A bare id under kubepods is cgroupfs's: containerd and cri-dockerd look alike, no runtime.
		meta_reads "$B" "$B_PID" risk ""
	else
		fail "the meta.c helper builds against libfsprobe.a" "$(head -3 "$TMP/meta.err")"
	fi
else
	echo "SKIP meta.c checks: $OUTPUT/libfsprobe.a has no fsp_meta_* (make first)"
fi

# One inode-wide probe, through pod A's file as the host sees it (/proc/PID/root/...), fires for
# pod B as well: the sum of both tallies.
probe=$A_EXE
check "fsprobe functions --binary $probe reads the pod's binary, not the host's path" \
	bash -c "'$FSPROBE' functions --binary '$probe' '^$LOOKUP\$' | grep -q '^L.*$LOOKUP'"
fsp_start fsp --binary "$probe" --lookup "$LOOKUP" --miss "$MISS" || finish
pod_go "$A" || fail "pod A's load finishes"
pod_go "$B" || fail "pod B's load finishes"
scrape "$TMP/m1"
same_counts "one probe through pod A's binary counts both pods: the sum of their tallies" \
	"$TMP/m1" "$(pod_tally "$A")" "$(pod_tally "$B")"
echo "NOTE fsprobe_target_processes $(metric "$TMP/m1" fsprobe_target_processes) (it matches /proc/PID/exe's st_dev and st_ino: pod B's st_dev differs)"

# kubectl exec: the same binary, another command line, in pod A's namespaces and cgroup.
pod_exec "$A" batch --threads 1 --requests 20000 --symbols 200 --capacity 100 --seed 3 ||
	fail "exec in pod A"
X_PID=$(pod_pid "$A" batch)
X_ID0=$(proc_id "$X_PID")
cmdline() { tr '\0' ' ' <"/proc/$1/cmdline"; }
same_ns() { # PID PID
	local n
	for n in pid mnt uts; do
		[ "$(readlink "/proc/$1/ns/$n")" = "$(readlink "/proc/$2/ns/$n")" ] || return 1
	done
}
check "exec: another command line" \
	test "$(cmdline "$X_PID")" = "/app/featurestore --wait-start --hold --tally /out/batch.tally --threads 1 --requests 20000 --symbols 200 --capacity 100 --seed 3 "
exec_joins() {
	cmp -s "/proc/$X_PID/cgroup" "/proc/$A_PID/cgroup" && same_ns "$X_PID" "$A_PID" &&
		! grep -qP '^NSpid:.*\t1$' "/proc/$X_PID/status"
}
check "exec: pod A's cgroup, pid, mnt and uts namespaces, not pid 1" exec_joins
check "exec: the same file" test "$(dev "/proc/$X_PID/exe"):$(ino "/proc/$X_PID/exe")" = "$(dev "$A_EXE"):$(ino "$A_EXE")"
pod_go "$A" batch || fail "the exec'd process's load finishes"
A_TALLY0=$(pod_tally "$A")
cp "$(pod_tally "$A" batch)" "$TMP/batch.tally"

# Restart: a new process in the same container.
A_DEV=$(dev "$A_EXE") A_CG=$(cat "/proc/$A_PID/cgroup") A_INFO=$(pod_info "$A")
pod_restart "$A" || fail "pod A restarts"
A2_PID=$(pod_pid "$A")
A2_ID=$(proc_id "$A2_PID")
check "restart: a new pid, the old process and the exec'd one gone" \
	eval '[ "$A2_PID" != "$A_PID" ] && gone "$A_ID0" && gone "$X_ID0"'
check "restart: same cgroup, container id, pod uid, names" eval '
	[ "$(cat "/proc/$A2_PID/cgroup")" = "$A_CG" ] &&
	[ "$(pod_info "$A" | grep -vE "^(pid|exe|tally|out|restarts)=")" = "$(grep -vE "^(pid|exe|tally|out|restarts)=" <<<"$A_INFO")" ] &&
	[ "$(cat "$(pod_get "$A" cgroup_dir)/cgroup.procs")" = "$A2_PID" ]'
check "restart: same overlay (st_dev), new namespaces, pid 1" eval '
	[ "$(dev "/proc/$A2_PID/root/app/featurestore")" = "$A_DEV" ] &&
	[ "$(readlink "/proc/$A2_PID/ns/pid")" != "$(readlink "/proc/self/ns/pid")" ] &&
	pid1 "$A2_PID"'
check "restart: the log link now names restart 1's file" eval '
	readlink "$(pod_get "$A" log)" | grep -q "/featurestore/1.log\$" && grep -q "^ready" "$(pod_get "$A" log)"'
pod_go "$A" || fail "the restarted process's load finishes"
scrape "$TMP/m2"
same_counts "the probe counts the restarted and exec'd processes too: the sum of four tallies" \
	"$TMP/m2" "$A_TALLY0" "$(pod_tally "$B")" "$TMP/batch.tally" "$(pod_tally "$A")"

# Delete pod B.
B_CGDIR=$(pod_get "$B" cgroup_dir) B_LOG=$(pod_get "$B" log)
check "pod_delete returns 0" pod_delete "$B"
check "delete: process, cgroup dirs, overlay, logs gone" eval '
	gone "$B_ID0" && [ ! -d "$B_CGDIR" ] && [ ! -d "${B_CGDIR%/*}" ] &&
	! grep -q "$PODS_DIR/pods/$B/" /proc/mounts && [ ! -e "$B_LOG" ] &&
	[ ! -e "$PODS_DIR/pods/$B" ] && ! ls "$PODS_PODLOG_DIR" | grep -q "_${B}_"'
check "delete: pod A runs on" grep -qx "$A2_PID" "$(pod_get "$A" cgroup_dir)/cgroup.procs"

kill -TERM "$FSP_PID"
wait "$FSP_PID"
A_CGDIR=$(pod_get "$A" cgroup_dir)
check "pods_cleanup returns 0" pods_cleanup
check "cleanup: nothing mounted under $PODS_DIR" eval '! grep -q "$PODS_DIR" /proc/mounts'
check "cleanup: no pod cgroups left" eval '
	[ ! -d "$A_CGDIR" ] && [ -z "$(pod_cgroups)" ] && [ "$(kubepods_roots)" = "$pre_cg" ]'
check "cleanup: $PODS_DIR removed, pod A's process gone" eval '[ ! -e "$PODS_DIR" ] && gone "$A2_ID"'

# Cleanup at exit, from a shell that is killed with a pod running and another half started.
D=$TMP/killed
mkdir -p "$D"
PODS_DIR=$D/pods bash -c ". '$ROOT/tests/agent/pods.sh'
	pod_start -d systemd ok-pod --threads 1 --requests 1000 || exit 1
	pod_start -d cgroupfs bad-pod --threads nope 2>/dev/null && exit 1
	pod_info ok-pod >'$D/info'
	while :; do sleep 0.1; done" >"$D/out" 2>&1 &
SH=$!
PIDS+=("$SH")
if wait_for 30 test -s "$D/info"; then
	K_PID=$(sed -n 's/^pid=//p' "$D/info") K_CG=$(sed -n 's/^cgroup_dir=//p' "$D/info")
	K_ID=$(proc_id "$K_PID")
	check "a failed pod_start leaves nothing of its own" eval '
		! grep -q "$D/pods/pods/bad-pod" /proc/mounts && [ ! -e "$D/pods/pods/bad-pod" ] &&
		! ls "$D/pods/var/log/containers" | grep -q "^bad-pod_" && [ "$(pod_cgroups)" = "${K_CG%/*}" ]'
	kill -TERM "$SH"
	wait "$SH"
	check "TERM: the shell's exit trap cleans up" eval '
		gone "$K_ID" && [ ! -d "$K_CG" ] && ! grep -q "$D/pods" /proc/mounts && [ ! -e "$D/pods" ] &&
		[ -z "$(pod_cgroups)" ] && [ "$(kubepods_roots)" = "$pre_cg" ]'
else
	fail "a pod starts in a child shell" "$(tail -3 "$D/out")"
fi
finish
