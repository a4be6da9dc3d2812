// SPDX-License-Identifier: GPL-2.0
/* Output files written whole: atomically for regular files, in place for anything else. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

/* Flushes, so write errors show even on a stream we keep open (stdout). */
static int print_to(FILE *f, int (*print)(FILE *f, void *arg), void *arg)
{
	int err = print(f, arg);

	if (fflush(f) && !err)
		err = -errno;
	return err;
}

/* Closes F whatever happens; the first error wins. */
static int print_close(FILE *f, int (*print)(FILE *f, void *arg), void *arg)
{
	int err = print_to(f, print, arg);

	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int outfile_write(const char *path, int (*print)(FILE *f, void *arg), void *arg)
{
	struct stat st;
	size_t len;
	char *tmp;
	FILE *f;
	int err;

	if (!path)
		return print_to(stdout, print, arg);
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		f = fopen(path, "w");
		return f ? print_close(f, print, arg) : -errno;
	}

	/* PATH.tmp next to PATH, so the rename stays within one file system. */
	len = strlen(path) + sizeof(".tmp");
	tmp = malloc(len);
	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		goto out;
	}
	err = print_close(f, print, arg);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	free(tmp);
	return err;
}
