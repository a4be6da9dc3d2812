# Fake Kubernetes pods on this node, for the node agent's tests (bash; source it; needs root).
#
# podman/crun cannot run here, so a "container" is built by hand the way a runtime builds one:
# an overlayfs root whose lower dir (the image) every pod shares, its own upper and work dirs,
# new pid, mount and UTS namespaces, pivot_root into the overlay, /proc mounted inside, and a
# cgroup named as kubelet and containerd name it. kubelet's log names are faked too, so the
# agent finds namespace, pod and container names as it will on a node.
#
#   pods_image                  build the image (the shared lower dir) once: /app/featurestore
#                               (the demo target linked -static), /bin/busybox and its applets
#   pod_start [-n NAMESPACE] [-c CONTAINER] [-d systemd|cgroupfs] POD [ARGS...]
#                               start pod POD (a DNS name, no '_'): its container runs
#                               /app/featurestore --wait-start --hold --tally /out/main-R.tally
#                               ARGS (R: restart count) as pid 1 of its pid namespace; returns
#                               once it printed "ready". -d: kubelet's cgroup driver (default
#                               systemd: cgroup v2; cgroupfs: a v1 hierarchy if mounted)
#   pod_exec POD PROC [ARGS...] another process of /app/featurestore in POD's container (its
#                               namespaces and cgroup, as kubectl exec), another command line:
#                               --wait-start --hold --tally /out/PROC.tally ARGS
#   pod_go POD [PROC]           SIGUSR1 (start the load), wait until "done" (tally written)
#   pod_restart POD             stop the container's processes (TERM, then KILL), start its
#                               main process again: same cgroup, overlay, ids and names
#   pod_delete POD              stop it, remove its cgroups, overlay, dirs and log files
#   pod_info POD                "key=value" lines: pod namespace container pod_uid
#                               container_id runtime driver pid exe cgroup (the path in
#                               /proc/PID/cgroup) cgroup_dir hierarchy ("unified", or the v1
#                               controller) log tally out restarts hostname
#   pod_get POD KEY             one of those values; pod_pid POD [PROC], pod_tally POD [PROC]
#   pods_cleanup                stop and remove every pod and the image: nothing stays mounted
#                               or in a cgroup. Runs at exit (before any EXIT trap set earlier,
#                               e.g. tests/lib.sh's), and on INT/TERM.
#
# Call the functions that change state (all but pod_info, pod_get, pod_pid, pod_tally) in the
# main shell, not in $(...): the pods are recorded in its variables.
#
# Paths for the agent's configuration and checks:
#   PODS_DIR          everything the pods own (mktemp under /tmp; removed at the end)
#   PODS_IMAGE        the lower dir; $PODS_IMAGE/app/featurestore is the inode every pod's
#                     /app/featurestore maps (uprobes resolve overlayfs to it: d_real_inode)
#   PODS_LOG_DIR      kubelet's /var/log/containers: <pod>_<namespace>_<container>-<id>.log,
#                     symlinks into PODS_PODLOG_DIR (/var/log/pods/<ns>_<pod>_<uid>/<container>/
#                     <restart>.log), which holds the main process's stdout and stderr
#   PODS_CG_V2        the unified hierarchy's mount point (/sys/fs/cgroup/unified on a hybrid
#                     host, /sys/fs/cgroup on a v2 one)
#   PODS_CG_V1        the v1 hierarchy for -d cgroupfs (pids first; never memory, so nothing
#                     leaves the memory limit it runs under); "" when there is none, and
#                     PODS_V1_CONTROLLER its controller (as in /proc/PID/cgroup's lines)
#
# A process's host pid is pod_pid; the host reaches its binary as /proc/PID/root/app/featurestore
# or /proc/PID/exe (readlink says "/app/featurestore", the path inside the container). Both
# pods' files have the lower file's inode number and each overlay's own st_dev.

PODS_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PODS_DIR=${PODS_DIR:-$(mktemp -d /tmp/fsprobe-pods.XXXXXX)}
PODS_IMAGE=$PODS_DIR/image
PODS_LOG_DIR=$PODS_DIR/var/log/containers
PODS_PODLOG_DIR=$PODS_DIR/var/log/pods
PODS_CG_V2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
PODS_CG_V1='' PODS_V1_CONTROLLER=''
for _c in pids cpu cpuacct blkio freezer devices; do
	PODS_CG_V1=$(awk -v c="$_c" '$3 == "cgroup" && ("," $4 ",") ~ ("," c ",") { print $2; exit }' \
		/proc/mounts)
	[ -n "$PODS_CG_V1" ] && PODS_V1_CONTROLLER=$_c && break
done
unset _c
# This shell's own cgroups, where a wrapper (unshare, nsenter) returns once its child has joined
# a pod's: a container's cgroup holds the container's processes alone.
PODS_HOME_V2=$PODS_CG_V2$(sed -n 's/^0:://p' /proc/self/cgroup)
PODS_HOME_V1=''
[ -z "$PODS_CG_V1" ] || PODS_HOME_V1=$PODS_CG_V1$(awk -F: -v c="$PODS_V1_CONTROLLER" \
	'$1 != "0" && ("," $2 ",") ~ ("," c ",") { print $3; exit }' /proc/self/cgroup)

declare -gA PODS_NS=() PODS_CONTAINER=() PODS_UID=() PODS_CID=() PODS_DRIVER=() PODS_HIER=() \
	PODS_CGDIR=() PODS_CGPATH=() PODS_ARGS=() PODS_RESTARTS=()
# Per process, keyed "POD/PROC" (the container's own process is PROC "main").
declare -gA PODS_PID=() PODS_WRAP=() PODS_OUT=() PODS_TALLY=()
PODS_CGCREATED=() # cgroup dirs this shell made, parents first
PODS_MOUNTS=()    # overlay mount points in the host's mount namespace

_pods_err() { echo "pods: $*" >&2; }

_pods_wait() { # TIMEOUT_S CMD...
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS >= deadline)) && return 1
		sleep 0.1
	done
}

_pods_hex64() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

pods_image() {
	local fs=$PODS_SRC/uprobes-targets a
	[ -x "$PODS_IMAGE/app/featurestore" ] && return 0
	local busybox
	busybox=$(command -v busybox) || { _pods_err "busybox (busybox-static) is not installed"; return 1; }
	! readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter' ||
		{ _pods_err "$busybox is not static: install busybox-static"; return 1; }
	mkdir -p "$PODS_IMAGE"/{app,bin,etc,proc,dev,tmp,out,mnt} "$PODS_LOG_DIR" "$PODS_PODLOG_DIR" || return 1
	# The Makefile's $(OUTPUT)/featurestore rule, linked -static (a container image brings its libc).
	${CC:-cc} -O2 -g -pthread -Wall -Wextra -Werror -fcf-protection=none -static \
		"$fs"/featurestore/*.c "$fs"/common/*.c -lm -o "$PODS_IMAGE/app/featurestore" ||
		{ _pods_err "static build of featurestore failed"; return 1; }
	cp "$busybox" "$PODS_IMAGE/bin/busybox" || return 1
	# Relative links, so the applets work from the host's view of the overlay and from inside.
	for a in sh mount umount pivot_root hostname cat ls ps sleep kill; do
		ln -sf busybox "$PODS_IMAGE/bin/$a" || return 1
	done
	echo "root:x:0:0:root:/:/bin/sh" >"$PODS_IMAGE/etc/passwd"
}

# _pods_mkcg ROOT REL: mkdir -p, recording the dirs it made (a retry covers a concurrent rmdir).
_pods_mkcg() {
	local dir=$1 c _
	local IFS=/
	for c in $2; do
		dir=$dir/$c
		[ -d "$dir" ] && continue
		for _ in 1 2 3; do
			mkdir "$dir" 2>/dev/null && { PODS_CGCREATED+=("$dir"); break; }
			[ -d "$dir" ] && break
			sleep 0.1
		done
		[ -d "$dir" ] || { _pods_err "cannot create cgroup $dir"; return 1; }
	done
}

# _pods_rmcg DIR: rmdir a cgroup dir once its last process has gone (a dying task holds it a moment).
_pods_rmcg() {
	[ -d "$1" ] || return 0
	_pods_wait 5 rmdir "$1" 2>/dev/null ||
		{ _pods_err "cannot remove cgroup $1: pids $(tr '\n' ' ' <"$1/cgroup.procs")"; return 1; }
}

# _pods_forget_cg DIR...: drop dirs from PODS_CGCREATED.
_pods_forget_cg() {
	local d g keep=()
	for d in "${PODS_CGCREATED[@]}"; do
		for g in "$@"; do [ "$d" = "$g" ] && continue 2; done
		keep+=("$d")
	done
	PODS_CGCREATED=("${keep[@]}")
}

_pods_known() { [ -n "${PODS_CID[$1]:-}" ] || { _pods_err "no pod '$1'"; return 1; }; }

pod_start() {
	local ns=default container=featurestore driver=systemd OPTIND=1 o
	while getopts n:c:d: o; do
		case $o in
		n) ns=$OPTARG ;;
		c) container=$OPTARG ;;
		d) driver=$OPTARG ;;
		*) return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	local pod=${1:?pod_start: POD}
	shift
	[[ $pod =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ && $ns =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ &&
		$container =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] ||
		{ _pods_err "pod, namespace and container names are DNS names (no '_')"; return 1; }
	[ -z "${PODS_CID[$pod]:-}" ] || { _pods_err "pod $pod exists"; return 1; }
	pods_image || return 1

	local uid cid root rel dir=$PODS_DIR/pods/$pod
	uid=$(cat /proc/sys/kernel/random/uuid)
	cid=$(_pods_hex64)
	# kubelet's pod cgroup and containerd's container cgroup below it, per cgroup driver.
	case $driver in
	systemd)
		root=$PODS_CG_V2
		rel=kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid//-/_}.slice/cri-containerd-$cid.scope
		PODS_HIER[$pod]=unified
		;;
	cgroupfs)
		root=${PODS_CG_V1:-$PODS_CG_V2}
		rel=kubepods/burstable/pod$uid/$cid
		PODS_HIER[$pod]=${PODS_V1_CONTROLLER:-unified}
		;;
	*) _pods_err "driver: systemd or cgroupfs, not '$driver'"; return 1 ;;
	esac
	[ -n "$root" ] || { _pods_err "no cgroup hierarchy mounted"; return 1; }
	PODS_NS[$pod]=$ns PODS_CONTAINER[$pod]=$container PODS_UID[$pod]=$uid PODS_CID[$pod]=$cid
	PODS_DRIVER[$pod]=$driver PODS_CGDIR[$pod]=$root/$rel PODS_CGPATH[$pod]=/$rel
	PODS_RESTARTS[$pod]=0 PODS_ARGS[$pod]=$(printf '%q ' "$@")
	_pods_mkcg "$root" "$rel" || { pod_delete "$pod"; return 1; }

	# The container's root: the shared image below, its own writable layer above.
	mkdir -p "$dir"/{upper,work,merged,out} || { pod_delete "$pod"; return 1; }
	mount -t overlay overlay -o "lowerdir=$PODS_IMAGE,upperdir=$dir/upper,workdir=$dir/work" \
		"$dir/merged" || { _pods_err "overlay mount failed"; pod_delete "$pod"; return 1; }
	PODS_MOUNTS+=("$dir/merged")
	# What the runtime bind-mounts from the sandbox (meta.c's hostname fallback reads it).
	echo "$pod" >"$dir/merged/etc/hostname"

	# kubelet's log layout: the file under /var/log/pods, the symlink naming it in containers/.
	mkdir -p "$PODS_PODLOG_DIR/${ns}_${pod}_$uid/$container" || { pod_delete "$pod"; return 1; }
	_pods_run_main "$pod" || { pod_delete "$pod"; return 1; }
}

_pods_podlog() { echo "$PODS_PODLOG_DIR/${PODS_NS[$1]}_${1}_${PODS_UID[$1]}/${PODS_CONTAINER[$1]}/${PODS_RESTARTS[$1]}.log"; }
_pods_loglink() { echo "$PODS_LOG_DIR/${1}_${PODS_NS[$1]}_${PODS_CONTAINER[$1]}-${PODS_CID[$1]}.log"; }

# _pods_started KEY WRAPPER: wait for the wrapper's child (the process) and its "ready" line.
_pods_started() {
	local key=$1 wrap=$2 pid=
	# shellcheck disable=SC2016 # evaluated in the loop
	_pods_wait 10 eval 'pid=$(pgrep -P "$wrap" | head -1); [ -n "$pid" ]' ||
		{ _pods_err "$key: no process: $(tail -3 "${PODS_OUT[$key]}")"; return 1; }
	PODS_PID[$key]=$pid
	echo "$wrap" >"$([ "${PODS_HIER[${key%%/*}]}" = unified ] && echo "$PODS_HOME_V2" ||
		echo "$PODS_HOME_V1")/cgroup.procs" || _pods_err "$key: wrapper $wrap stays in the pod's cgroup"
	_pods_wait 10 grep -q '^ready pid=' "${PODS_OUT[$key]}" ||
		{ _pods_err "$key: not ready: $(tail -3 "${PODS_OUT[$key]}")"; return 1; }
}

# The container's process: joins the cgroup, then unshare makes the namespaces and forks pid 1,
# which (the image's busybox) names the host, mounts /proc and the tally dir, pivots into the
# overlay and execs the target.
_pods_run_main() {
	local pod=$1 key=$1/main dir=$PODS_DIR/pods/$1 n=${PODS_RESTARTS[$1]} log link args
	log=$(_pods_podlog "$pod")
	link=$(_pods_loglink "$pod")
	: >"$log"
	ln -sfn "$log" "$link" || return 1
	eval "args=(${PODS_ARGS[$pod]})"
	PODS_OUT[$key]=$log
	PODS_TALLY[$key]=$dir/out/main-$n.tally
	rm -f "${PODS_TALLY[$key]}"
	# shellcheck disable=SC2016 # expanded by the container's shell
	(
		echo "$BASHPID" >"${PODS_CGDIR[$pod]}/cgroup.procs" || exit 125
		exec unshare --pid --fork --mount --uts --propagation private -- \
			"$dir/merged/bin/busybox" sh -c '
			set -e
			export PATH=$2/bin
			hostname "$1"
			cd "$2"
			mount -t proc proc proc
			mount -o bind "$3" out
			pivot_root . mnt
			export PATH=/bin
			cd /
			umount -l /mnt
			shift 4
			exec /app/featurestore "$@"' \
			sh "$pod" "$dir/merged" "$dir/out" - \
			--wait-start --hold --tally "/out/main-$n.tally" "${args[@]}"
	) >"$log" 2>&1 </dev/null &
	PODS_WRAP[$key]=$!
	_pods_started "$key" "$!"
}

pod_exec() {
	local pod=${1:?pod_exec: POD} proc=${2:?pod_exec: PROC} key
	shift 2
	_pods_known "$pod" || return 1
	key=$pod/$proc
	if [ "$proc" = main ] || [ -n "${PODS_PID[$key]:-}" ]; then
		_pods_err "$key exists"
		return 1
	fi
	PODS_OUT[$key]=$PODS_DIR/pods/$pod/$proc.out
	PODS_TALLY[$key]=$PODS_DIR/pods/$pod/out/$proc.tally
	rm -f "${PODS_TALLY[$key]}"
	: >"${PODS_OUT[$key]}"
	(
		echo "$BASHPID" >"${PODS_CGDIR[$pod]}/cgroup.procs" || exit 125
		exec nsenter -t "${PODS_PID[$pod/main]}" -p -m -u -r -w -- \
			/app/featurestore --wait-start --hold --tally "/out/$proc.tally" "$@"
	) >"${PODS_OUT[$key]}" 2>&1 </dev/null &
	PODS_WRAP[$key]=$!
	_pods_started "$key" "$!"
}

pod_pid() { echo "${PODS_PID[$1/${2:-main}]:-}"; }
pod_tally() { echo "${PODS_TALLY[$1/${2:-main}]:-}"; }

pod_go() {
	local key=$1/${2:-main}
	if [ -z "${PODS_PID[$key]:-}" ] || ! grep -qx "${PODS_PID[$key]}" "${PODS_CGDIR[$1]}/cgroup.procs"; then
		_pods_err "no process $key"
		return 1
	fi
	kill -USR1 "${PODS_PID[$key]}" || return 1
	_pods_wait "${PODS_GO_TIMEOUT:-60}" grep -q '^done' "${PODS_OUT[$key]}" ||
		{ _pods_err "$key: no 'done': $(tail -3 "${PODS_OUT[$key]}")"; return 1; }
}

_pods_dead() { [[ ! -e /proc/$1/stat || $(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) == Z* ]]; }
_pods_cg_empty() { [ ! -s "$1/cgroup.procs" ]; }

# _pods_stop POD: every process of the container gone, wrappers reaped, records dropped. Signals
# go to the pids in the container's cgroup only: a recorded pid may have been reused once its
# process exited (pid_max is 32768 here, and other tests start processes all the time).
_pods_stop() {
	local pod=$1 key p cg=${PODS_CGDIR[$1]:-} main=${PODS_PID[$1/main]:-}
	if [ -n "$cg" ] && [ -f "$cg/cgroup.procs" ]; then
		# Exec'd processes first, while their pid namespace lives: its pid 1's exit would KILL
		# them (and nsenter then dies by SIGKILL too, which bash reports).
		while read -r p; do [ "$p" = "$main" ] || kill -TERM "$p" 2>/dev/null; done <"$cg/cgroup.procs"
		# shellcheck disable=SC2016 # evaluated in the loop
		[ -z "$main" ] || _pods_wait 5 eval '[ "$(cat "$cg/cgroup.procs")" = "$main" ]'
		while read -r p; do kill -TERM "$p" 2>/dev/null; done <"$cg/cgroup.procs"
	fi
	# TERM ends the target at once (after its tally); anything left gets KILL.
	if [ -n "$cg" ] && [ -d "$cg" ]; then
		_pods_wait 5 _pods_cg_empty "$cg" || {
			while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$cg/cgroup.procs"
			_pods_wait 5 _pods_cg_empty "$cg" || _pods_err "$pod: processes left in $cg"
		}
	fi
	for key in "${!PODS_WRAP[@]}"; do
		[[ $key == "$pod"/* ]] || continue
		# A wrapper exits once it reaped its child; KILL one that does not (our own unreaped
		# child: its pid cannot have been reused), which leaves its child to init to reap.
		_pods_wait 5 _pods_dead "${PODS_WRAP[$key]}" || kill -KILL "${PODS_WRAP[$key]}" 2>/dev/null
		# (bash reports a job killed by a signal on the shell's stderr while reaping it:
		# nsenter dies by its child's signal.)
		{ wait "${PODS_WRAP[$key]}"; } 2>/dev/null
		unset "PODS_WRAP[$key]" "PODS_PID[$key]"
	done
}

pod_restart() {
	local pod=${1:?pod_restart: POD}
	_pods_known "$pod" || return 1
	_pods_stop "$pod"
	PODS_RESTARTS[$pod]=$((PODS_RESTARTS[$pod] + 1))
	_pods_run_main "$pod"
}

# Also undoes a pod_start that failed part way: each step checks what exists.
pod_delete() {
	local pod=${1:?pod_delete: POD} dir=$PODS_DIR/pods/$1 key d m keep=() rc=0
	[ -n "${PODS_CID[$pod]:-}" ] || return 0
	_pods_stop "$pod"
	# The container's cgroup, then the pod's; shared parents when no other pod uses them.
	d=${PODS_CGDIR[$pod]}
	_pods_rmcg "$d" || rc=1
	_pods_rmcg "${d%/*}" || rc=1
	_pods_forget_cg "$d" "${d%/*}"
	for d in "${d%/*/*}" "${d%/*/*/*}"; do
		[[ " ${PODS_CGCREATED[*]} " == *" $d "* ]] && rmdir "$d" 2>/dev/null && _pods_forget_cg "$d"
	done
	for m in "${PODS_MOUNTS[@]}"; do
		if [ "$m" = "$dir/merged" ]; then
			umount "$m" || { _pods_err "umount $m failed"; rc=1; keep+=("$m"); }
		else
			keep+=("$m")
		fi
	done
	PODS_MOUNTS=("${keep[@]}")
	rm -f "$(_pods_loglink "$pod")"
	rm -rf "$PODS_PODLOG_DIR/${PODS_NS[$pod]}_${pod}_${PODS_UID[$pod]}"
	grep -q " $dir/" /proc/mounts || rm -rf --one-file-system "$dir"
	for key in "${!PODS_OUT[@]}"; do
		[[ $key == "$pod"/* ]] && unset "PODS_OUT[$key]" "PODS_TALLY[$key]"
	done
	unset "PODS_NS[$pod]" "PODS_CONTAINER[$pod]" "PODS_UID[$pod]" "PODS_CID[$pod]" \
		"PODS_DRIVER[$pod]" "PODS_HIER[$pod]" "PODS_CGDIR[$pod]" "PODS_CGPATH[$pod]" \
		"PODS_ARGS[$pod]" "PODS_RESTARTS[$pod]"
	return $rc
}

pod_info() {
	local pod=${1:?pod_info: POD} pid
	_pods_known "$pod" || return 1
	pid=${PODS_PID[$pod/main]:-}
	cat <<EOF
pod=$pod
namespace=${PODS_NS[$pod]}
container=${PODS_CONTAINER[$pod]}
pod_uid=${PODS_UID[$pod]}
container_id=${PODS_CID[$pod]}
runtime=$([ "${PODS_DRIVER[$pod]}" = systemd ] && echo containerd)
driver=${PODS_DRIVER[$pod]}
pid=$pid
exe=/proc/$pid/root/app/featurestore
cgroup=${PODS_CGPATH[$pod]}
cgroup_dir=${PODS_CGDIR[$pod]}
hierarchy=${PODS_HIER[$pod]}
log=$(_pods_loglink "$pod")
tally=${PODS_TALLY[$pod/main]:-}
out=${PODS_OUT[$pod/main]:-}
restarts=${PODS_RESTARTS[$pod]}
hostname=$pod
EOF
}

pod_get() { pod_info "$1" | sed -n "s/^$2=//p"; }

pods_cleanup() {
	local pod m i rc=0
	for pod in "${!PODS_CID[@]}"; do
		pod_delete "$pod" || rc=1
	done
	# Whatever a failed step left: mounts under PODS_DIR (deepest first), cgroup dirs we made.
	for m in "${PODS_MOUNTS[@]}" $(awk -v d="$PODS_DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
		grep -q " $m " /proc/mounts && { umount "$m" 2>/dev/null || umount -l "$m" || rc=1; }
	done
	PODS_MOUNTS=()
	for ((i = ${#PODS_CGCREATED[@]} - 1; i >= 0; i--)); do
		m=${PODS_CGCREATED[i]}
		[ -d "$m" ] || continue
		while read -r pod; do kill -KILL "$pod" 2>/dev/null; done <"$m/cgroup.procs"
		_pods_rmcg "$m" || rc=1
	done
	PODS_CGCREATED=()
	if [ -d "$PODS_DIR" ]; then
		if awk -v d="$PODS_DIR/" 'index($2, d) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
			_pods_err "mounts left under $PODS_DIR: not removed"
			rc=1
		else
			rm -rf --one-file-system "$PODS_DIR"
		fi
	fi
	return $rc
}

# Run before any EXIT trap set earlier (tests/lib.sh's removes its TMP and kills its PIDS).
_pods_prev_trap=''
_pods_trap_arg() { _pods_prev_trap=${3:-}; }
eval "_pods_trap_arg $(trap -p EXIT)"
_pods_exit() {
	pods_cleanup
	eval "$_pods_prev_trap"
}
trap _pods_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
