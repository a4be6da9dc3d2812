// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
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
#include "target.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static void read_comm(pid_t pid, char *comm, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, len, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	pid_t tgid = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid > 0 ? tgid : pid;
}

int fsp_target_open_pid(struct fsp_target *t, pid_t pid)
{
	struct stat st;
	ssize_t n;

	memset(t, 0, sizeof(*t));
	t->pidfd = -1;
	t->pid = pid;
	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH))
		return -ESRCH;
	/* A thread id stands for its process: probes, settling and liveness are per process. */
	t->pid = pid = tgid_of(pid);
	/* Through /proc, so a process in another mount namespace resolves to its own file. */
	snprintf(t->path, sizeof(t->path), "/proc/%d/exe", pid);
	if (stat(t->path, &st))
		return errno == ENOENT ? -ESRCH : -errno;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	n = readlink(t->path, t->exe, sizeof(t->exe) - 1);
	t->exe[n > 0 ? n : 0] = '\0';
	read_comm(pid, t->comm, sizeof(t->comm));
	t->pidfd = syscall(SYS_pidfd_open, pid, 0);
	return 0;
}

int fsp_target_open_binary(struct fsp_target *t, const char *path)
{
	struct stat st;

	memset(t, 0, sizeof(*t));
	t->pidfd = -1;
	if (!realpath(path, t->path))
		return -errno;
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

static int runs_target(const struct fsp_target *t, const char *pid)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	return !stat(path, &st) && st.st_dev == t->dev && st.st_ino == t->ino;
}

unsigned int fsp_target_count(const struct fsp_target *t)
{
	struct pollfd pfd = { .fd = t->pidfd, .events = POLLIN };
	unsigned int n = 0;
	struct dirent *de;
	char pid[16];
	DIR *d;

	if (t->pid) {
		if (t->pidfd >= 0)
			return poll(&pfd, 1, 0) == 0;
		snprintf(pid, sizeof(pid), "%d", t->pid);
		return runs_target(t, pid);
	}
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]) && runs_target(t, de->d_name))
			n++;
	closedir(d);
	return n;
}

void fsp_target_close(struct fsp_target *t)
{
	if (!t)
		return;
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
}
