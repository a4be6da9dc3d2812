/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load generator: worker threads that draw symbols from a universe, make one lookup per
 * draw through the program's callback, and count the outcome in the tally.
 */
#ifndef COMMON_WORKERS_H
#define COMMON_WORKERS_H

#include <stdint.h>

#include "tally.h"
#include "universe.h"

struct load {
	unsigned int threads;
	uint64_t requests; /* lookups per thread; 0: until stopped */
	double rate;	   /* lookups/s per thread; 0: as fast as possible */
	uint64_t seed;	   /* thread i seeds its PRNG with seed + i */
	const struct universe *universe;
	struct tally *tally; /* counts each lookup under its universe index */
	/*
	 * One lookup of universe entry IDX; 1 on a hit, 0 on a miss. SEQ numbers the thread's
	 * lookups from 0; AUX is a per-thread PRNG of its own, for anything else random, so the
	 * symbol stream stays the same whatever the lookup draws.
	 */
	int (*lookup)(uint32_t idx, uint64_t seq, uint64_t *aux);
};

/*
 * Starts load->threads workers; LOAD must outlive them. ALL_DONE runs on the last worker
 * to finish. 0, or -errno with the workers already started still running.
 */
int workers_start(const struct load *load, void (*all_done)(void));
/* Asks the workers to stop after their current lookup. */
void workers_stop(void);
void workers_join(void);
/* Lookups finished so far, from any thread. */
void workers_totals(uint64_t *hits, uint64_t *misses);

#endif /* COMMON_WORKERS_H */
