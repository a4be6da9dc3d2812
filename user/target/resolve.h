/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_RESOLVE_H
#define FSP_RESOLVE_H

#include <stddef.h>
#include <linux/types.h>

/* Names are matched whole, never cut: a longer one is refused (-ENAMETOOLONG). */
#define FSP_FUNC_NAME_MAX 512 /* with the NUL */

struct fsp_func {
	char path[4096]; /* the file to attach to (set by fsp_locate_func) */
	char name[128];
	__u64 vaddr;  /* symbol value */
	__u64 offset; /* file offset, what a uprobe takes */
	__u64 size;
};

/*
 * Resolve name in the ELF file at path. On failure returns a negative errno and writes a
 * sentence to why: -ENOENT with close names, -EINVAL when only a compiler clone exists,
 * -ENOTUNIQ when several functions share the name, -ERANGE (out->vaddr set) when the address
 * is in no loaded segment, as in a separate debug file.
 */
int fsp_resolve_func(const char *path, const char *name, struct fsp_func *out, char *why,
		     size_t why_len);

/* Called for every defined function symbol (.symtab and .dynsym; a name may come twice). */
typedef int (*fsp_resolve_each_fn)(const char *name, __u64 vaddr, __u64 size, void *ctx);
/* Stops early and returns cb's value when cb returns non-zero; -ENOEXEC for a non-ELF file. */
int fsp_resolve_each(const char *path, fsp_resolve_each_fn fn, void *ctx);

/* 1 when path is a Go program (its own register ABI, goroutines, no uretprobes), else 0. */
int fsp_resolve_is_go(const char *path);
/* File offset of a virtual address, by the file's loadable segments. */
int fsp_resolve_offset(const char *path, __u64 vaddr, __u64 *off);
/* The separate debug file of path (by build-id) under root ("" or "/proc/PID/root"). */
int fsp_resolve_debug_file(const char *path, const char *root, char *out, size_t len);

#endif
