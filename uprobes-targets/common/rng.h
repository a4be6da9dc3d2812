/* SPDX-License-Identifier: GPL-2.0 */
/*
 * splitmix64: one word of state per thread, good enough statistics for synthetic load, and
 * the same streams in every target so their tallies can be compared. Inline: it runs several
 * times per synthetic tick.
 */
#ifndef COMMON_RNG_H
#define COMMON_RNG_H

#include <stdint.h>

static inline uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform double in [0, 1). */
static inline double rng_unit(uint64_t *state)
{
	return (double)(rng_next(state) >> 11) * 0x1p-53;
}

#endif /* COMMON_RNG_H */
