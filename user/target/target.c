// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <elf.h>
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

/*
 * What the executable at path is, when not something fsprobe can probe: "" for x86-64 ELF, else
 * the reason in why after prefix ("--binary 'X'" or "pid N (comm) runs X,").
 */
static int check_exe(const char *path, const char *prefix, char *why, size_t len)
{
	unsigned char h[64] = {};
	char interp[96] = "?";
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, h, sizeof(h) - 1, 0);
	close(fd);
	if (n < 0)
		return -errno;
	if (n >= 2 && h[0] == '#' && h[1] == '!') {
		/* The kernel runs the interpreter: that is the program its processes run. */
		sscanf((char *)h + 2, " %95[^ \t\n]", interp);
		snprintf(why, len, "%s is a script (#!%s), not an ELF executable: its processes run "
			 "%s", prefix, interp, interp);
	} else if (n < EI_NIDENT + 4 || memcmp(h, ELFMAG, SELFMAG)) {
		snprintf(why, len, "%s is not an ELF file", prefix);
	} else if (h[EI_CLASS] != ELFCLASS64) {
		/* e_machine sits at the same offset in both classes. */
		snprintf(why, len, "%s is a 32-bit ELF file (%s): fsprobe probes x86-64 programs only",
			 prefix, h[18] == EM_386 ? "i386" : "not x86-64");
	} else if (h[EI_DATA] != ELFDATA2LSB || (h[18] | h[19] << 8) != EM_X86_64) {
		snprintf(why, len, "%s is an ELF file for another machine (e_machine %d): fsprobe "
			 "probes x86-64 programs only", prefix, h[EI_DATA] == ELFDATA2LSB ?
			 h[18] | h[19] << 8 : h[18] << 8 | h[19]);
	}
	return why[0] ? -EINVAL : 0;
}

static int open_pid(struct fsp_target *t, pid_t pid)
{
	char state, prefix[320];
	unsigned int flags;
	struct stat st;
	int err;

	memset(t, 0, sizeof(*t));
	t->pidfd = -1;
	t->pid = pid;
	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH))
		return -ESRCH;
	/* A thread id stands for its process: probes, settling and liveness are per process. */
	t->pid = pid = fsp_proc_tgid(pid);
	/*
	 * First, so that all read below is this process's: if it is still running once read (the
	 * last check), its pid was not given to a newcomer in between. fsp_target_count goes on
	 * asking the pidfd, so a newcomer with the pid is never taken for the target.
	 */
	t->pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (t->pidfd < 0 && errno == ESRCH)
		return -ESRCH;
	fsp_proc_comm(pid, t->comm, sizeof(t->comm));
	err = fsp_proc_stat(pid, &state, &flags, &t->start);
	if (err)
		return err;
	if (pid == getpid())
		snprintf(t->why, sizeof(t->why), "pid %d is fsprobe itself", pid);
	else if (flags & FSP_PF_KTHREAD)
		snprintf(t->why, sizeof(t->why), "pid %d (%s) is a kernel thread: it runs no "
			 "program to probe", pid, t->comm);
	else if (state == 'Z' || state == 'X')
		snprintf(t->why, sizeof(t->why), "pid %d (%s) has exited: a zombie, until its "
			 "parent reaps it", pid, t->comm);
	if (t->why[0])
		return -EINVAL;
	/* Through /proc, so a process in another mount namespace resolves to its own file. */
	snprintf(t->path, sizeof(t->path), "/proc/%d/exe", pid);
	if (stat(t->path, &st))
		return errno == ENOENT ? -ESRCH : -errno;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	if (fsp_proc_exe(pid, t->exe, sizeof(t->exe)))
		t->exe[0] = '\0';
	snprintf(prefix, sizeof(prefix), "pid %d (%s) runs %.200s, which", pid, t->comm, t->exe);
	err = check_exe(t->path, prefix, t->why, sizeof(t->why));
	if (err)
		return err;
	return fsp_target_count(t) ? 0 : -ESRCH;
}

int fsp_target_open_pid(struct fsp_target *t, pid_t pid)
{
	int err = open_pid(t, pid);

	if (err)
		fsp_target_close(t);
	return err;
}

int fsp_target_open_binary(struct fsp_target *t, const char *path)
{
	char prefix[256];
	struct stat st;
	int err;

	memset(t, 0, sizeof(*t));
	t->pidfd = -1;
	err = fsp_proc_real_path(path, t->path);
	if (err)
		return err;
	if (stat(t->path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		snprintf(t->why, sizeof(t->why), "--binary '%.200s': not a regular file", path);
		return -EINVAL;
	}
	snprintf(t->exe, sizeof(t->exe), "%s", t->path);
	snprintf(t->comm, sizeof(t->comm), "%s", strrchr(t->path, '/') + 1);
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	snprintf(prefix, sizeof(prefix), "--binary '%.200s'", path);
	return check_exe(t->path, prefix, t->why, sizeof(t->why));
}

static int runs_target(const struct fsp_target *t, pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	return !stat(path, &st) && st.st_dev == t->dev && st.st_ino == t->ino;
}

/* --pid without a pidfd: the pid still names the process that was opened, still running. */
static int still_running(const struct fsp_target *t)
{
	unsigned long long start;
	unsigned int flags;
	char state;

	return !fsp_proc_stat(t->pid, &state, &flags, &start) && start == t->start &&
	       state != 'Z' && state != 'X';
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
		return t->pidfd >= 0 ? poll(&pfd, 1, 0) == 0 : still_running(t);
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
