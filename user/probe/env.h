/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_ENV_H
#define FSP_ENV_H

#include <stdbool.h>

/* The oldest kernel fsprobe loads on: the compat programs' floor, proven by make vmtest. */
#define FSP_ENV_MIN_MAJOR 5
#define FSP_ENV_MIN_MINOR 10

/* What fsprobe needs from the machine, found without logging anything. */
struct fsp_env {
	char missing_caps[64]; /* "CAP_SYS_ADMIN, CAP_SYS_PTRACE"; "" when none is missing */
	bool btf;              /* /sys/kernel/btf/vmlinux */
	bool uprobes;          /* the uprobe perf event type */
	bool kernel_ok;        /* FSP_ENV_MIN_MAJOR.FSP_ENV_MIN_MINOR or later */
	char release[65];
};

void fsp_env_read(struct fsp_env *e);
/* Whether a kernel release ("5.10.0-46-amd64") is FSP_ENV_MIN_MAJOR.FSP_ENV_MIN_MINOR or later. */
bool fsp_env_kernel_ok(const char *release);
/* Privileges and kernel features fsprobe needs; logs the first thing missing, one line. */
int fsp_env_check(void);

#endif
