/* SPDX-License-Identifier: GPL-2.0 */
/* Output files that readers poll while the target runs: the tally, the symbol map. */
#ifndef COMMON_OUTFILE_H
#define COMMON_OUTFILE_H

#include <stdio.h>

/*
 * Writes what PRINT(f, ARG) prints to PATH, or to stdout when PATH is NULL. A regular file
 * (or a new one) is replaced atomically: readers see the old content or the new, never a
 * partial one. /dev/null, a FIFO or a terminal is written in place, as renaming over it would
 * replace it. PRINT returns 0 or -errno; so does outfile_write().
 */
int outfile_write(const char *path, int (*print)(FILE *f, void *arg), void *arg);

#endif /* COMMON_OUTFILE_H */
