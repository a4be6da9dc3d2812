// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "env.h"
#include "log.h"

static int has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return !!(d[cap / 32].effective & (1u << (cap % 32)));
}

static int check_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};
	char missing[128] = "";

	if (syscall(SYS_capget, &h, d))
		return -errno;
	/*
	 * CAP_BPF and CAP_PERFMON load the programs, but creating a uprobe perf event for them
	 * still takes CAP_SYS_ADMIN (measured on 6.18 with perf_event_paranoid=2); it covers
	 * the other two.
	 */
	if (!has_cap(d, CAP_SYS_ADMIN))
		strcat(missing, "CAP_SYS_ADMIN, ");
	/* Reading another user's /proc/PID/exe and maps. */
	if (!has_cap(d, CAP_SYS_PTRACE))
		strcat(missing, "CAP_SYS_PTRACE, ");
	if (!missing[0])
		return 0;
	missing[strlen(missing) - 2] = '\0';
	fsp_log_error("missing privileges: %s (uprobes need CAP_SYS_ADMIN besides CAP_BPF and "
		      "CAP_PERFMON); run as root (sudo fsprobe ...) or grant them with setcap or the "
		      "container's securityContext", missing);
	return -EPERM;
}

int fsp_env_check(void)
{
	int err = check_caps();

	if (err)
		return err;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fsp_log_error("this kernel has no BTF (/sys/kernel/btf/vmlinux is missing); fsprobe "
			      "needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return -ENOTSUP;
	}
	if (access("/sys/bus/event_source/devices/uprobe/type", R_OK)) {
		fsp_log_error("this kernel has no uprobe support (no "
			      "/sys/bus/event_source/devices/uprobe); it needs CONFIG_UPROBE_EVENTS=y");
		return -ENOTSUP;
	}
	return 0;
}
