#!/usr/bin/env bash
# The container image (make image), run the way the DaemonSet runs it, without a container
# runtime (podman cannot start containers here): the image's filesystem, from
# `podman image mount`, copied onto a tmpfs in a new mount namespace and made read-only
# (readOnlyRootFilesystem), with what the runtime gives a hostPID pod (the host's /proc, /sys
# read-only, a few /dev nodes) and the DaemonSet's own volumes (read from daemonset.yaml, the
# ConfigMap's files included); fsprobe chrooted into it, in the host's pid namespace, must
# count a demo feature store on the host exactly. Also: the image's labels, ENTRYPOINT and CMD,
# --version, and that it holds fsprobe, its libraries and loader, passwd and group, nothing else.
. "$(dirname "$0")/../lib.sh"
K8S=$ROOT/docs/deployment/kubernetes

command -v podman >/dev/null || { fail "podman is installed" "make deps"; finish; }
VERSION=$(sed -n 's/^VERSION *:= *//p' "$ROOT/Makefile")
IMAGE=fsprobe:$VERSION
if make -C "$ROOT" --no-print-directory OUTPUT="$OUTPUT" image >"$TMP/make.log" 2>&1; then
	pass "make image builds $IMAGE ($(podman image inspect "$IMAGE" --format '{{.Size}}' |
		awk '{ printf "%.1f MB", $1 / 1e6 }'))"
else
	fail "make image" "$(tail -5 "$TMP/make.log")"
	finish
fi

# --- what the image says about itself ------------------------------------------------------
podman image inspect "$IMAGE" --format '{{json .Config}}' >"$TMP/config.json"
revision=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
python3 - "$TMP/config.json" "$VERSION" "$revision" >"$TMP/labels.out" 2>&1 <<'PY'
import json, sys
c, version, revision = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
l = c.get("Labels") or {}
want = {"title": "fsprobe", "version": version, "revision": revision,
        "source": "https://github.com/fsprobe/fsprobe",
        "licenses": "LGPL-2.1-or-later OR BSD-2-Clause"}
for k, v in want.items():
    got = l.get("org.opencontainers.image." + k)
    print("%s org.opencontainers.image.%s is %r" % ("PASS" if got == v else "FAIL", k, got))
d = l.get("org.opencontainers.image.description", "")
print("%s org.opencontainers.image.description is set" % ("PASS" if d else "FAIL"))
print("%s ENTRYPOINT %s" % ("PASS" if c.get("Entrypoint") == ["/usr/sbin/fsprobe"] else "FAIL",
                            c.get("Entrypoint")))
print("%s CMD %s" % ("PASS" if c.get("Cmd") == ["--config", "/etc/fsprobe/config.yaml"] else "FAIL",
                     c.get("Cmd")))
PY
while IFS= read -r line; do
	case $line in
	PASS\ *) pass "${line#PASS }" ;;
	FAIL\ *) fail "${line#FAIL }" ;;
	*) fail "image config" "$line" ;;
	esac
done <"$TMP/labels.out"
mapfile -t ENTRYPOINT < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["Entrypoint"]))' "$TMP/config.json")
mapfile -t IMAGE_CMD < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["Cmd"]))' "$TMP/config.json")

# --- its filesystem ------------------------------------------------------------------------
MNT=$(podman image mount "$IMAGE") || { fail "podman image mount $IMAGE"; finish; }
trap 'cleanup; podman image unmount "$IMAGE" >/dev/null 2>&1' EXIT

out=$(chroot "$MNT" "${ENTRYPOINT[@]}" --version 2>&1)
check "fsprobe --version in the image: '$out'" grep -q "^fsprobe $VERSION " <<<"$out"

# The libraries the image's own loader finds in the image, for the image's fsprobe.
chroot "$MNT" /lib64/ld-linux-x86-64.so.2 --list /usr/sbin/fsprobe >"$TMP/ldlist" 2>&1
check "every library resolves inside the image ($(grep -c '=>' "$TMP/ldlist") of them)" \
	bash -c "! grep -q 'not found' '$TMP/ldlist' && grep -q '=> /' '$TMP/ldlist'"
{
	echo usr/sbin/fsprobe
	echo etc/passwd
	echo etc/group
	echo lib64/ld-linux-x86-64.so.2
	awk '$2 == "=>" && $3 ~ /^\// { print substr($3, 2) }' "$TMP/ldlist"
} | sort -u >"$TMP/want-files"
(cd "$MNT" && find . -mindepth 1 ! -type d -printf '%P\n' | sort) >"$TMP/files"
check "the image holds fsprobe, its $(grep -c '^lib/' "$TMP/want-files") libraries, the loader, passwd and group, nothing else" \
	cmp -s "$TMP/want-files" "$TMP/files"
cmp -s "$TMP/want-files" "$TMP/files" || diff "$TMP/want-files" "$TMP/files" | head -5
check "no shell in the image (sh, bash, dash, ash, busybox)" \
	test -z "$(cd "$MNT" && find . -name sh -o -name bash -o -name dash -o -name ash -o -name busybox)"
chroot "$MNT" /bin/sh -c true >/dev/null 2>&1
check "chroot IMAGE /bin/sh cannot run (exit $?)" test $? = 127

# --- run it as the DaemonSet would ---------------------------------------------------------
# The DaemonSet's volumes: "HOSTPATH MOUNTPATH" per line, the ConfigMap's files staged in a
# folder of their own; a host folder missing here (no kubelet: /var/log/containers, pods) is an
# empty one.
port=$(free_port)
python3 - "$K8S" "$TMP/volumes" "$port" >"$TMP/mounts" 2>"$TMP/mounts.err" <<'PY'
import os, sys, yaml
k8s, stage, port = sys.argv[1], sys.argv[2], sys.argv[3]
ds = yaml.safe_load(open(os.path.join(k8s, "daemonset.yaml")))
cm = yaml.safe_load(open(os.path.join(k8s, "configmap.yaml")))
pod = ds["spec"]["template"]["spec"]
vols = {v["name"]: v for v in pod["volumes"]}
for m in pod["containers"][0]["volumeMounts"]:
    v = vols[m["name"]]
    assert m.get("readOnly"), m
    if "configMap" in v:
        assert v["configMap"]["name"] == cm["metadata"]["name"]
        d = os.path.join(stage, m["name"])
        os.makedirs(d)
        for f, text in cm["data"].items():
            if f == "config.yaml":   # the test's own port, on loopback
                c = yaml.safe_load(text)
                c["web"]["listen_address"] = "127.0.0.1:" + port
                text = yaml.safe_dump(c, sort_keys=False)
            open(os.path.join(d, f), "w").write(text)
        src = d
    else:
        src = v["hostPath"]["path"]
        if not os.path.isdir(src):
            src = os.path.join(stage, m["name"])
            os.makedirs(src)
    print(src, m["mountPath"])
PY
check "the DaemonSet's $(wc -l <"$TMP/mounts") volumes, all read-only: $(awk '{ printf "%s ", $2 }' "$TMP/mounts")" \
	test -s "$TMP/mounts" -a ! -s "$TMP/mounts.err"

# run_image ARGS...: the image's ENTRYPOINT with ARGS, chrooted as described at the top; in the
# background, its pid in FSP_PID, its output in FSP_LOG.
run_image() {
	FSP_LOG=$TMP/image-fsprobe.log
	mkdir -p "$TMP/root"
	unshare --mount --propagation private bash -c '
		set -e
		mnt=$1 root=$2 mounts=$3
		shift 3
		mount -t tmpfs -o mode=0755 image-root "$root"
		cp -a "$mnt"/. "$root"/
		# What the runtime gives the pod: /proc of its pid namespace (hostPID: the host'"'"'s),
		# /sys read-only (a privileged pod gets it read-write: fsprobe needs no write),
		# /dev with the usual nodes.
		mkdir -p "$root/proc" "$root/sys" "$root/dev"
		mount --bind /proc "$root/proc"
		mount --bind -o ro /sys "$root/sys"
		for d in null zero full random urandom; do
			touch "$root/dev/$d" && mount --bind "/dev/$d" "$root/dev/$d"
		done
		while read -r src dst; do
			mkdir -p "$root$dst"
			mount --bind -o ro "$src" "$root$dst"
		done <"$mounts"
		mount -o remount,bind,ro "$root"
		exec chroot "$root" "$@"' image "$MNT" "$TMP/root" "$TMP/mounts" "${ENTRYPOINT[@]}" "$@" \
		>"$FSP_LOG" 2>&1 &
	FSP_PID=$!
	PIDS+=("$FSP_PID")
}

fs_start img --threads 4 --requests 200000 --symbols 400 --capacity 250 --zipf 1.0 || finish
# Today fsprobe is told the demo's pid: the agent's --config is not merged yet. Once it is, run
# the image's own CMD instead (the ConfigMap's config, mounted above, with the port changed):
#   RUN_ARGS=("${IMAGE_CMD[@]}")
RUN_ARGS=(--pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --key 'cstr(arg0)'
	--web.listen-address "127.0.0.1:$port")
run_image "${RUN_ARGS[@]}"
FSP_URL=http://127.0.0.1:$port/metrics
wait_for 20 scrape_ok "$TMP/first" || { fail "fsprobe starts in the image" "$(tail -3 "$FSP_LOG")"; finish; }
pass "fsprobe in the image serves metrics: $(head -1 "$FSP_LOG")"
check "it runs chrooted into the image's read-only root ($(readlink "/proc/$FSP_PID/root"))" \
	test "$(readlink "/proc/$FSP_PID/root")" = "$TMP/root"
check "its executable is the image's /usr/sbin/fsprobe" cmp -s "/proc/$FSP_PID/exe" "$MNT/usr/sbin/fsprobe"
check "in its own mount namespace" test "$(readlink "/proc/$FSP_PID/ns/mnt")" != "$(readlink /proc/self/ns/mnt)"
check "in the host's pid namespace" test "$(readlink "/proc/$FSP_PID/ns/pid")" = "$(readlink /proc/self/ns/pid)"
check "its root filesystem is read-only" \
	grep -q " / ro," <(awk '$5 == "/" { print " " $5 " " $6 "," }' "/proc/$FSP_PID/mountinfo")

fs_go img || fail "workload finishes"
scrape "$TMP/final" || fail "final scrape is valid for promtool"
check "target up" grep -qx 'fsprobe_target_up 1' "$TMP/final"

# Per-symbol counts, whatever other labels the series carry (target, k8s_* with --config).
awk '/^featurestore_(hits|misses)_total\{/ && match($0, /symbol="[^"]*"/) {
	s = substr($0, RSTART + 8, RLENGTH - 9)
	if ($0 ~ /^featurestore_hits/) h[s] += $NF; else m[s] += $NF
	seen[s] = 1
}
END { for (s in seen) print s, h[s] + 0, m[s] + 0 }' "$TMP/final" | sort >"$TMP/got"
tally_symbols "$FS_TALLY" >"$TMP/want"
if [ -s "$TMP/want" ] && cmp -s "$TMP/got" "$TMP/want"; then
	pass "exact per-symbol hits and misses from the image, 4 threads x 200000 lookups ($(wc -l <"$TMP/want") symbols)"
else
	fail "per-symbol counts from the image" "differ from the tally: $(diff "$TMP/want" "$TMP/got" | head -5 | tr '\n' ' ')"
fi
finish
