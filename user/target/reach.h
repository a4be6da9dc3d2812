/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_REACH_H
#define FSP_REACH_H

#include <stddef.h>
#include <linux/types.h>

/*
 * 1 when the function at vaddr target in the ELF file at path can only be reached by direct
 * calls from inside [from, from + size): every reference in code and data is checked. 0 when
 * that is not proven, with the reason in why; a negative errno on error.
 */
int fsp_reach_only_from(const char *path, __u64 target, __u64 from, __u64 size, char *why,
			size_t why_len);

#endif
