// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "env.h"
#include "kver.h"
#include "log.h"

static int has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return !!(d[cap / 32].effective & (1u << (cap % 32)));
}

static void read_caps(char *missing, size_t len)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

	missing[0] = '\0';
	if (syscall(SYS_capget, &h, d)) {
		snprintf(missing, len, "unknown (capget failed)");
		return;
	}
	/*
	 * CAP_BPF and CAP_PERFMON load the programs, but creating a uprobe perf event for them
	 * still takes CAP_SYS_ADMIN (measured on 6.18 with perf_event_paranoid=2); it covers
	 * the other two. CAP_SYS_PTRACE reads another user's /proc/PID/exe and maps.
	 */
	snprintf(missing, len, "%s%s%s", has_cap(d, CAP_SYS_ADMIN) ? "" : "CAP_SYS_ADMIN",
		 !has_cap(d, CAP_SYS_ADMIN) && !has_cap(d, CAP_SYS_PTRACE) ? ", " : "",
		 has_cap(d, CAP_SYS_PTRACE) ? "" : "CAP_SYS_PTRACE");
}

bool fsp_env_kernel_ok(const char *release)
{
	return fsp_kver_at_least(release, FSP_ENV_MIN_MAJOR, FSP_ENV_MIN_MINOR);
}

void fsp_env_read(struct fsp_env *e)
{
	memset(e, 0, sizeof(*e));
	read_caps(e->missing_caps, sizeof(e->missing_caps));
	e->btf = !access("/sys/kernel/btf/vmlinux", R_OK);
	e->uprobes = !access("/sys/bus/event_source/devices/uprobe/type", R_OK);
	fsp_kver_release(e->release, sizeof(e->release));
	e->kernel_ok = fsp_env_kernel_ok(e->release);
}

int fsp_env_check(void)
{
	struct fsp_env e;

	fsp_env_read(&e);
	if (e.missing_caps[0]) {
		fsp_log_error("missing privileges: %s (uprobes need CAP_SYS_ADMIN besides CAP_BPF "
			      "and CAP_PERFMON); run as root (sudo fsprobe ...) or grant them with "
			      "the container's securityContext",
			      e.missing_caps);
		return -EPERM;
	}
	if (!e.kernel_ok) {
		fsp_log_error("kernel %s is older than %d.%d, the oldest fsprobe runs on: it lacks "
			      "what the BPF programs need (BTF-typed tracepoints, map batch "
			      "operations, bounded loops); upgrade the kernel",
			      e.release, FSP_ENV_MIN_MAJOR, FSP_ENV_MIN_MINOR);
		return -ENOTSUP;
	}
	if (!e.btf) {
		fsp_log_error("kernel %s has no BTF (/sys/kernel/btf/vmlinux is missing); fsprobe "
			      "needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			      e.release);
		return -ENOTSUP;
	}
	if (!e.uprobes) {
		fsp_log_error(
			"kernel %s has no uprobe support (no "
			"/sys/bus/event_source/devices/uprobe); it needs CONFIG_UPROBE_EVENTS=y",
			e.release);
		return -ENOTSUP;
	}
	return 0;
}
