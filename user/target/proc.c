// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc.h"

void fsp_proc_comm(pid_t pid, char *comm, size_t len)
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

pid_t fsp_proc_tgid(pid_t pid)
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

int fsp_proc_stat(pid_t pid, char *state, unsigned int *flags, unsigned long long *start)
{
	char path[64], line[1024], *p;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so from the last ')'.
	 */
	p = p ? strrchr(line, ')') : NULL;
	if (!p)
		return -EIO;
	n = sscanf(p + 1,
		   " %c %*d %*d %*d %*d %*d %u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
		   "%*d %llu",
		   state, flags, start);
	return n == 3 ? 0 : -EIO;
}

int fsp_proc_exe(pid_t pid, char *out, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, out, len - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return 0;
}

int fsp_proc_each_exec_map(pid_t pid, fsp_proc_map_fn fn, void *ctx)
{
	char path[64], line[PATH_MAX + 128], perms[8];
	int pos, ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		pos = 0;
		/* start-end perms offset dev inode path: anonymous and [special] maps have no '/'.
		 */
		if (sscanf(line, "%*x-%*x %7s %*x %*x:%*x %*u %n", perms, &pos) != 1 || !pos ||
		    perms[2] != 'x' || line[pos] != '/')
			continue;
		ret = fn(line + pos, ctx);
	}
	fclose(f);
	return ret;
}

int fsp_proc_real_path(const char *path, char *out)
{
	unsigned int pid;
	int n = 0;

	if (sscanf(path, "/proc/%u/%n", &pid, &n) == 1 && n &&
	    (!strncmp(path + n, "root/", 5) || !strncmp(path + n, "cwd/", 4) ||
	     !strcmp(path + n, "exe"))) {
		if (strlen(path) >= PATH_MAX)
			return -ENAMETOOLONG;
		strcpy(out, path);
		return 0;
	}
	return realpath(path, out) ? 0 : -errno;
}

int fsp_proc_each_pid(fsp_proc_pid_fn fn, void *ctx)
{
	struct dirent *de;
	int ret = 0;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while (!ret && (de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			ret = fn((pid_t)atoi(de->d_name), ctx);
	closedir(d);
	return ret;
}
