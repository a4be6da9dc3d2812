/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_ELF_FILE_H
#define FSP_ELF_FILE_H

#include <gelf.h>
#include <libelf.h>
#include <linux/types.h>

/* The one place an ELF file is opened and its symbols walked. */
struct fsp_elf {
	int fd;
	Elf *elf;
};

/* -ENOEXEC when path is not an ELF file; nothing is left open on failure. */
int fsp_elf_open(struct fsp_elf *e, const char *path);
/* Accepts a file that failed to open, or was never opened (fd -1). */
void fsp_elf_close(struct fsp_elf *e);

enum fsp_elf_syms {
	FSP_ELF_FUNCS,   /* defined functions (and ifuncs) with an address, .symtab and .dynsym */
	FSP_ELF_DYNAMIC, /* every defined .dynsym symbol: what other objects can reach */
};

typedef int (*fsp_elf_sym_fn)(const char *name, const GElf_Sym *sym, void *ctx);
/* Calls fn for each symbol of the kind asked; stops early and returns fn's non-zero value. */
int fsp_elf_each_sym(const struct fsp_elf *e, enum fsp_elf_syms which, fsp_elf_sym_fn fn,
		     void *ctx);
/* File offset of a virtual address, by the loadable segments; -ENOENT when in none. */
int fsp_elf_offset(const struct fsp_elf *e, __u64 vaddr, __u64 *off);
/* The GNU build-id as lowercase hex; -ENOENT when there is none. */
int fsp_elf_build_id(const struct fsp_elf *e, char *out, size_t len);

/* 1 when the file at fd is 64-bit little-endian x86-64, the only code fsprobe decodes. */
int fsp_elf_is_x86_64(int fd);

/*
 * The start of a compiler clone's suffix in name (gcc's .isra, .constprop, .part, .cold,
 * .lto_priv, .localalias; LLVM's .llvm.), or NULL. A clone is not what callers call and may
 * take its arguments differently: never listed, never attached by that name.
 */
const char *fsp_elf_clone_suffix(const char *name);

#endif
