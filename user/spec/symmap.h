/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_SYMMAP_H
#define FSP_SYMMAP_H

#include <stddef.h>
#include <linux/types.h>
#include "fsprobe.h"

/* --symbol-map: integer key ids shown as names ("ID NAME" lines). */
struct fsp_symmap_entry {
	__u64 id;
	char name[FSP_KEY_MAX];
};

struct fsp_symmap {
	struct fsp_symmap_entry *entries; /* sorted by id */
	size_t n;
};

/* Loads and checks path; on error logs "FILE:LINE: why" and returns a negative errno. */
int fsp_symmap_load(const char *path, struct fsp_symmap *map);
/* The name of id, or NULL; map may be NULL. */
const char *fsp_symmap_find(const struct fsp_symmap *map, __u64 id);
void fsp_symmap_free(struct fsp_symmap *map);

#endif
