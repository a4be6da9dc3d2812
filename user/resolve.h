/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_RESOLVE_H
#define FSP_RESOLVE_H

#include <stddef.h>
#include <linux/types.h>

struct fsp_func {
	char name[128];
	__u64 vaddr;  /* symbol value */
	__u64 offset; /* file offset, what a uprobe takes */
	__u64 size;
};

/*
 * Resolve name in the ELF file at path. On failure returns a negative errno and writes a
 * sentence to why: -ENOENT with close names, -EINVAL when only a compiler clone exists,
 * -ENOTUNIQ when several functions share the name.
 */
int fsp_resolve_func(const char *path, const char *name, struct fsp_func *out, char *why,
		     size_t why_len);

#endif
