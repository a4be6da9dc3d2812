/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_PLACE_H
#define FSP_PLACE_H

#include <linux/types.h>

struct fsp_place {
	__u64 offset;    /* file offset to attach the probe at */
	__u32 skipped;   /* bytes skipped from the function's first byte */
	char reason[96]; /* short, for --verbose and a metric label */
};

/*
 * Choose where the entry uprobe of the function at file offset func_offset (func_size bytes,
 * 0 when unknown) in the ELF file at path goes. It moves past a leading endbr64 only onto an
 * instruction the kernel emulates, so registers, flags, memory and the stack pointer there are
 * those at the entry and the return address is still at [sp]. Returns 0 or a negative errno;
 * out always holds a usable placement, the first byte when in doubt or on error.
 */
int fsp_place_probe(const char *path, __u64 func_offset, __u64 func_size, struct fsp_place *out);

/*
 * Go functions start with a stack-bound check that may call runtime.morestack and jump back to
 * the entry: a probe after the check sees each call once, with the entry's registers and sp.
 */
int fsp_place_go_entry(const char *path, __u64 func_offset, __u64 func_size,
		       struct fsp_place *out);
/* File offsets of a function's RET instructions (Go must not get uretprobes); count or -errno. */
int fsp_place_go_returns(const char *path, __u64 func_offset, __u64 func_size, __u64 *offs,
			 int max);

/* What this kernel does with a probe on a 5-byte nop: "optimized", "emulated", "single-stepped". */
const char *fsp_place_nop5(void);

#endif
