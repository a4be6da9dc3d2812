# A systemd to start the installed fsprobe.service under, for tests/integration/test_deb.sh.
# Source it after lib.sh; needs root.
#
# On a host booted with systemd that is the host's own manager. Where PID 1 is something else
# (containers, this project's CI VMs), sd_start boots a throw-away systemd as PID 1 of new
# pid, mount, UTS and IPC namespaces: the same /lib/systemd/systemd, so the unit runs under the
# real thing (capabilities, seccomp, ProtectSystem, restart logic), not an imitation. Every
# unit but the manager's own and fsprobe.service is masked there (no udev, no getty, none of
# the host's services), it has its own /run and /etc/systemd/system, and resource accounting
# is off so that it creates cgroups only in its own hierarchy; sd_stop kills it and removes
# the cgroups it created.
#
#   sd_start           sets SD, the command prefix that runs a command beside that manager
#   "${SD[@]}" systemctl start fsprobe
#   sd_stop

SD=()
SD_PID=
SD_UNSHARE=

sd_start() {
	if [ "$(cat /proc/1/comm)" = systemd ] && [ -d /run/systemd/system ]; then
		SD=()
		systemctl daemon-reload
		return
	fi
	local d=$TMP/systemd n u
	mkdir -p "$d/units"
	find /sys/fs/cgroup -type d \( -path '*/init.scope*' -o -path '*/system.slice*' \) 2>/dev/null |
		sort >"$d/cgroups.before"
	for u in /lib/systemd/system/*; do
		n=${u##*/}
		case $n in
		fsprobe.service | systemd-journald.service | systemd-journald.socket | \
			systemd-journald-dev-log.socket) ;;
		*.service | *.socket | *.mount | *.automount | *.path | *.timer | *.swap)
			ln -s /dev/null "$d/units/$n" ;;
		esac
	done
	printf '[Unit]\nDescription=fsprobe tests\nDefaultDependencies=no\n' >"$d/units/fsprobe-test.target"
	printf '[Manager]\nDefaultCPUAccounting=no\nDefaultIOAccounting=no\nDefaultMemoryAccounting=no\nDefaultTasksAccounting=no\nDefaultIPAccounting=no\n' \
		>"$d/system.conf"
	unshare --pid --fork --mount --mount-proc --uts --ipc --propagation private sh -c "
		mount -t tmpfs tmpfs /run &&
		mount --bind '$d/units' /etc/systemd/system &&
		mount --bind '$d/system.conf' /etc/systemd/system.conf &&
		exec env container=fsprobe-test /lib/systemd/systemd --system \
			--unit=fsprobe-test.target --log-target=console --show-status=no" \
		>"$d/log" 2>&1 &
	SD_UNSHARE=$!
	wait_for 10 sd_found || { echo "systemd did not start: $(tail -3 "$d/log")" >&2; return 1; }
	SD=(nsenter -t "$SD_PID" -a)
	wait_for 20 sd_running || { echo "systemd is not running: $(tail -3 "$d/log")" >&2; return 1; }
}

sd_found() {
	SD_PID=$(pgrep -P "$SD_UNSHARE" -x systemd)
	[ -n "$SD_PID" ]
}

sd_running() {
	case $("${SD[@]}" systemctl is-system-running 2>/dev/null) in
	running | degraded) return 0 ;;
	esac
	return 1
}

sd_stop() {
	[ -n "$SD_UNSHARE" ] || return 0
	# Killing a pid namespace's PID 1 kills everything in it.
	[ -n "$SD_PID" ] && kill -KILL "$SD_PID" 2>/dev/null
	wait "$SD_UNSHARE" 2>/dev/null
	SD_UNSHARE=
	# Only what this systemd makes (init.scope, system.slice/...) and was not there before:
	# other programs may be creating cgroups meanwhile. Children sort after their parents:
	# reversed, each is removed before its parent.
	find /sys/fs/cgroup -type d \( -path '*/init.scope*' -o -path '*/system.slice*' \) 2>/dev/null |
		sort | comm -23 - "$TMP/systemd/cgroups.before" | sort -r | xargs -r rmdir 2>/dev/null
	return 0
}
