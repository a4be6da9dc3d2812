/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_PROC_H
#define FSP_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* The one reader of /proc: what a process runs, what it has mapped, which processes exist. */

/* The process's command name ("" when it cannot be read). */
void fsp_proc_comm(pid_t pid, char *comm, size_t len);
/* The process a thread id belongs to (pid itself when it cannot be read). */
pid_t fsp_proc_tgid(pid_t pid);
/*
 * From /proc/PID/stat: the state letter ('R', 'S', 'Z' for a zombie...), the kernel's PF_* flags
 * (PF_KTHREAD: a kernel thread) and the start time in clock ticks after boot, which with the pid
 * names one process for good. A negative errno when the process is gone.
 */
int fsp_proc_stat(pid_t pid, char *state, unsigned int *flags, unsigned long long *start);
#define FSP_PF_KTHREAD 0x00200000
/* The executable's path as the process sees it (readlink /proc/PID/exe); a negative errno. */
int fsp_proc_exe(pid_t pid, char *out, size_t len);

/* Called with the path of each file mapped executable, as the process names it, in order. */
typedef int (*fsp_proc_map_fn)(const char *path, void *ctx);
/* Stops early and returns fn's non-zero value; a negative errno when maps cannot be read. */
int fsp_proc_each_exec_map(pid_t pid, fsp_proc_map_fn fn, void *ctx);

/*
 * path, canonical, into out (PATH_MAX bytes): realpath, except for a path through another
 * process's /proc/PID/root, /proc/PID/cwd or /proc/PID/exe. Those are links into that process's
 * mount namespace, which realpath would follow as their text ("/") into ours: such a path stays
 * as given, for the kernel to resolve when it is opened. 0 or a negative errno.
 */
int fsp_proc_real_path(const char *path, char *out);

typedef int (*fsp_proc_pid_fn)(pid_t pid, void *ctx);
/* Every process (not thread) now in /proc; stops early and returns fn's non-zero value. */
int fsp_proc_each_pid(fsp_proc_pid_fn fn, void *ctx);

#endif
