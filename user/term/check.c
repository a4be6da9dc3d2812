// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include "check.h"
#include "env.h"
#include "kernel.h"
#include "place.h"
#include "privs.h"

/* The kernel each feature arrived in, for the reader deciding what to upgrade to. */
static const char *const since[FSP_KF__MAX] = {
	[FSP_KF_TASK_STORAGE] = "5.11",
	[FSP_KF_TASK_BTF] = "5.11",
	[FSP_KF_ATOMICS] = "5.12",
	[FSP_KF_COPY_TASK] = "5.18",
};

static void row(const char *what, int ok, const char *detail)
{
	printf("  %-22s %-4s %s\n", what, ok ? "yes" : "no", detail);
}

int fsp_check_run(void)
{
	struct fsp_kernel k;
	struct fsp_env e;
	char need[32], missing[128];
	int f, usable;

	fsp_env_read(&e);
	printf("fsprobe %s on kernel %s\n", FSP_VERSION, e.release);
	row("privileges", !e.missing_caps[0], e.missing_caps[0] ? e.missing_caps : "");
	snprintf(need, sizeof(need), "(%d.%d or later)", FSP_ENV_MIN_MAJOR, FSP_ENV_MIN_MINOR);
	row("kernel version", e.kernel_ok, need);
	row("BTF", e.btf, "(/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF)");
	row("uprobes", e.uprobes, "(CONFIG_UPROBE_EVENTS)");
	usable = !e.missing_caps[0] && e.kernel_ok && e.btf && e.uprobes;
	if (!usable || fsp_kernel_probe(&k)) {
		printf("fsprobe cannot run here: %s\n",
		       e.missing_caps[0] ? "run it as root"
		       : !e.kernel_ok	 ? "the kernel is too old"
		       : !e.btf		 ? "the kernel has no BTF"
		       : !e.uprobes	 ? "the kernel has no uprobes"
					 : "the kernel's BTF cannot be read");
		return 1;
	}
	for (f = 0; f < FSP_KF__MAX; f++) {
		snprintf(need, sizeof(need), "(%s)", since[f]);
		row(fsp_kernel_feature_name(f), k.has[f], need);
	}
	printf("BPF programs: %s%s%s\n", fsp_kernel_variant_name(k.variant),
	       k.variant == FSP_VARIANT_FAST ? "" : ", without: ",
	       k.variant == FSP_VARIANT_FAST ? ""
					     : fsp_kernel_missing(&k, missing, sizeof(missing)));
	printf("lazy counting: %s\n", k.lazy ? "yes, where the binary proves it exact"
					     : "no: every lookup is counted at a return probe");
	printf("probe on a 5-byte nop: %s\n", fsp_place_nop5());
	printf("latency histograms: yes\n");
	printf("capabilities kept once attached: %s\n",
	       fsp_privs_maps_need_bpf_cap() ? "bpf with --pid, sys_ptrace,bpf with --binary (this "
					       "kernel asks for CAP_BPF at every map read)"
					     : "none with --pid, sys_ptrace with --binary");
	printf("fsprobe can run here\n");
	return 0;
}
