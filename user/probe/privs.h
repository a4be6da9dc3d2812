/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_PRIVS_H
#define FSP_PRIVS_H

#include <stdbool.h>
#include <linux/types.h>

/*
 * Dropping privileges once the probes are attached: what is left is only reading maps through
 * fds already open, running the settling iterator, watching the target, detaching. Each
 * capability fsprobe may keep is one bit of a mask.
 */
enum fsp_privs_cap {
	FSP_CAP_SYS_ADMIN = 1 << 0,   /* attach more uprobes (the node agent) */
	FSP_CAP_SYS_PTRACE = 1 << 1,  /* read other users' /proc/PID/exe: --binary's process count */
	FSP_CAP_DAC_READ_SEARCH = 1 << 2, /* open a binary in a directory only its owner may read */
	FSP_CAP_BPF = 1 << 3,         /* bpf() on kernels that ask for it on every call (5.10) */
	FSP_CAP_PERFMON = 1 << 4,
};

#define FSP_PRIVS_ALL (~0u) /* --capabilities.keep all: drop nothing */

/* "sys_ptrace,bpf", "none" or "all" into a mask; -EINVAL with the bad word in why. */
int fsp_privs_parse(const char *list, unsigned int *mask, char *why, size_t why_len);
/* "sys_ptrace,bpf", or "none", for the log. */
const char *fsp_privs_name(unsigned int mask, char *buf, size_t len);

/*
 * Whether this kernel asks for CAP_BPF even to use BPF map fds a process already holds (5.10
 * does; 6.1 and later check only where maps and programs are made); found by asking the
 * kernel, in a child process that drops everything.
 */
bool fsp_privs_maps_need_bpf_cap(void);

/*
 * Sets no_new_privs and keeps only the capabilities in mask (effective, permitted; none
 * inheritable or ambient; the bounding set cut to them). 0 or a negative errno.
 */
int fsp_privs_drop(unsigned int mask);

#endif
