// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "proc.h"
#include "target.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

int fsp_target_open_pid(struct fsp_target *t, pid_t pid)
{
	struct stat st;

	memset(t, 0, sizeof(*t));
	t->pidfd = -1;
	t->pid = pid;
	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH))
		return -ESRCH;
	/* A thread id stands for its process: probes, settling and liveness are per process. */
	t->pid = pid = fsp_proc_tgid(pid);
	/* Through /proc, so a process in another mount namespace resolves to its own file. */
	snprintf(t->path, sizeof(t->path), "/proc/%d/exe", pid);
	if (stat(t->path, &st))
		return errno == ENOENT ? -ESRCH : -errno;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	if (fsp_proc_exe(pid, t->exe, sizeof(t->exe)))
		t->exe[0] = '\0';
	fsp_proc_comm(pid, t->comm, sizeof(t->comm));
	t->pidfd = syscall(SYS_pidfd_open, pid, 0);
	return 0;
}

int fsp_target_open_binary(struct fsp_target *t, const char *path)
{
	struct stat st;
	int err;

	memset(t, 0, sizeof(*t));
	t->pidfd = -1;
	err = fsp_proc_real_path(path, t->path);
	if (err)
		return err;
	if (stat(t->path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	snprintf(t->exe, sizeof(t->exe), "%s", t->path);
	snprintf(t->comm, sizeof(t->comm), "%s", strrchr(t->path, '/') + 1);
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	return 0;
}

static int runs_target(const struct fsp_target *t, pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	return !stat(path, &st) && st.st_dev == t->dev && st.st_ino == t->ino;
}

struct count {
	const struct fsp_target *t;
	unsigned int n;
};

static int count_one(pid_t pid, void *ctx)
{
	struct count *c = ctx;

	c->n += runs_target(c->t, pid);
	return 0;
}

unsigned int fsp_target_count(const struct fsp_target *t)
{
	struct pollfd pfd = { .fd = t->pidfd, .events = POLLIN };
	struct count c = { .t = t };

	if (t->pid)
		return t->pidfd >= 0 ? poll(&pfd, 1, 0) == 0 : runs_target(t, t->pid);
	fsp_proc_each_pid(count_one, &c);
	return c.n;
}

void fsp_target_close(struct fsp_target *t)
{
	if (!t)
		return;
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
}
