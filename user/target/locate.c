// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "locate.h"
#include "proc.h"

#define MAX_LIBS 256

/* "libfoo.so:func" names a library; "ns::Class::get" does not (only "::" colons). */
static const char *split_lib(const char *spec, char *lib, size_t len)
{
	const char *c;

	for (c = strchr(spec, ':'); c; c = strchr(c + 2, ':')) {
		if (c[1] == ':')
			continue;
		if (c == spec || (size_t)(c - spec) >= len)
			return spec;
		memcpy(lib, spec, c - spec);
		lib[c - spec] = '\0';
		return c + 1;
	}
	return spec;
}

struct libs {
	const char *exe;
	char (*path)[PATH_MAX];
	int n;
};

static int add_lib(const char *file, void *ctx)
{
	struct libs *l = ctx;
	int i;

	if (strstr(file, " (deleted)") || !strcmp(file, l->exe))
		return 0;
	for (i = 0; i < l->n && strcmp(l->path[i], file); i++)
		;
	if (i == l->n)
		snprintf(l->path[l->n++], PATH_MAX, "%s", file);
	return l->n == MAX_LIBS;
}

/* Executable file-backed mappings of pid other than its executable: its shared libraries. */
static int mapped_libs(const struct fsp_target *t, char (*libs)[PATH_MAX])
{
	struct libs l = { .exe = t->exe, .path = libs };
	int err = fsp_proc_each_exec_map(t->pid, add_lib, &l);

	return err < 0 ? err : l.n;
}

static int lib_matches(const char *file, const char *lib)
{
	const char *base = strrchr(file, '/') + 1;

	return !strcmp(file, lib) || !strncmp(base, lib, strlen(lib));
}

/* Resolve in one file, falling back to its separate debug file for stripped binaries. */
static int in_file(const char *path, const char *root, const char *name, struct fsp_func *fn,
		   char *why, size_t len)
{
	char debug[PATH_MAX], ignored[256];
	struct fsp_func dfn;
	int err = fsp_resolve_func(path, name, fn, why, len);

	if (err != -ENOENT || fsp_resolve_debug_file(path, root, debug, sizeof(debug)))
		goto out;
	/* Its segments hold no bytes, so only the address (-ERANGE or not) is of use. */
	err = fsp_resolve_func(debug, name, &dfn, ignored, sizeof(ignored));
	if (err && err != -ERANGE) {
		err = -ENOENT;
		goto out;
	}
	/* The debug file shares the addresses; offsets come from the file that is mapped. */
	err = fsp_resolve_offset(path, dfn.vaddr, &dfn.offset);
	if (!err)
		*fn = dfn;
out:
	snprintf(fn->path, sizeof(fn->path), "%s", path);
	return err;
}

int fsp_locate_func(const struct fsp_target *t, const char *spec, struct fsp_func *fn, char *why,
		    size_t why_len)
{
	char root[64] = "", lib[PATH_MAX] = "", path[PATH_MAX + 64], exe_why[512], found_in[64];
	const char *name = split_lib(spec, lib, sizeof(lib));
	char (*libs)[PATH_MAX] = NULL;
	struct fsp_func cand;
	int n = 0, i, err, hits = 0;

	if (t->pid)
		snprintf(root, sizeof(root), "/proc/%d/root", t->pid);
	if (!lib[0]) {
		err = in_file(t->path, root, name, fn, exe_why, sizeof(exe_why));
		if (err != -ENOENT || !t->pid) {
			snprintf(why, why_len, "%s", exe_why);
			return err;
		}
	} else if (!t->pid) {
		if (lib[0] != '/') {
			snprintf(why, why_len, "with --binary, name the library by its full path "
				 "(/usr/lib/.../%s:%s)", lib, name);
			return -EINVAL;
		}
		return in_file(lib, "", name, fn, why, why_len);
	}

	libs = calloc(MAX_LIBS, sizeof(*libs));
	if (!libs)
		return -ENOMEM;
	n = mapped_libs(t, libs);
	for (i = 0; i < n; i++) {
		if (lib[0] && !lib_matches(libs[i], lib))
			continue;
		snprintf(path, sizeof(path), "%s%s", root, libs[i]);
		if (in_file(path, root, name, &cand, why, why_len))
			continue;
		if (hits++ == 0) {
			*fn = cand;
			snprintf(found_in, sizeof(found_in), "%s", strrchr(libs[i], '/') + 1);
		} else {
			snprintf(why, why_len, "%s is in %s and %s; say which: %s:%s", name,
				 found_in, strrchr(libs[i], '/') + 1, found_in, name);
			err = -ENOTUNIQ;
			goto free_libs;
		}
	}
	err = hits ? 0 : -ENOENT;
	if (!hits && lib[0])
		snprintf(why, why_len, "no mapped library matches '%s' and has %s", lib, name);
	else if (!hits && !strncmp(exe_why, "not found", 9)) /* the libraries before any guess */
		snprintf(why, why_len, "not found, nor in any of its %d libraries%s", n, exe_why + 9);
	else if (!hits)
		snprintf(why, why_len, "%s (nor in any of its %d libraries)", exe_why, n);
free_libs:
	free(libs);
	return err;
}
