/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_TARGET_H
#define FSP_TARGET_H

#include <limits.h>
#include <sys/types.h>

/* What is observed: one process (--pid) or every process running one executable (--binary). */
struct fsp_target {
	pid_t pid;           /* the process, or 0 for --binary */
	int pidfd;           /* readable once the process has exited; -1 if unavailable */
	char path[PATH_MAX]; /* ELF to resolve and attach to; /proc/PID/exe works across mounts */
	char exe[PATH_MAX];  /* the executable's own path, for messages */
	char comm[64];
	dev_t dev;           /* the executable's identity */
	ino_t ino;
	unsigned long long start; /* --pid: the process's start time, its identity with the pid */
	char why[512];       /* why open refused, when no errno says it (a kernel thread...) */
};

/*
 * A negative errno on failure: -ESRCH when there is no such process, or -EINVAL with why set:
 * a kernel thread, a zombie, fsprobe itself, or an executable that is not x86-64 ELF.
 */
int fsp_target_open_pid(struct fsp_target *t, pid_t pid);
/* The same for a file: -EINVAL with why set when it is not a regular x86-64 ELF file. */
int fsp_target_open_binary(struct fsp_target *t, const char *path);
/* Processes currently running the target (0 or 1 for --pid). */
unsigned int fsp_target_count(const struct fsp_target *t);
void fsp_target_close(struct fsp_target *t);

#endif
