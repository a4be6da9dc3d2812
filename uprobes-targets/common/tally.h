/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ground truth: exact per-key hit and miss counts, written as the tally file that an outside
 * observer (fsprobe) is checked against:
 *
 *	KEY LOOKUPS HITS MISSES		one line per key looked up, keys in byte order
 *	TOTAL LOOKUPS HITS MISSES
 */
#ifndef COMMON_TALLY_H
#define COMMON_TALLY_H

#include <stdatomic.h>
#include <stdint.h>

#include "universe.h"

/*
 * Only hits and misses are counted: every finished lookup is exactly one of them, so
 * lookups = hits + misses holds in every snapshot, even one taken mid-run.
 */
struct tally_count {
	_Atomic uint64_t hits;
	_Atomic uint64_t misses;
};

struct tally {
	uint32_t n;
	const char (*labels)[SYMBOL_MAX]; /* the key as the observer reports it */
	uint32_t *order;		  /* indices sorted by label */
	struct tally_count *counts;
};

/* N keys named LABELS[0 .. N - 1], which must outlive the tally. 0 or -ENOMEM. */
int tally_init(struct tally *t, uint32_t n, const char (*labels)[SYMBOL_MAX]);

/* Any thread, any time. */
static inline void tally_count(struct tally *t, uint32_t idx, int hit)
{
	struct tally_count *c = &t->counts[idx];

	atomic_fetch_add_explicit(hit ? &c->hits : &c->misses, 1, memory_order_relaxed);
}

/* Writes a snapshot to PATH (NULL: stdout); see outfile_write(). 0 or -errno. */
int tally_write(struct tally *t, const char *path);

#endif /* COMMON_TALLY_H */
