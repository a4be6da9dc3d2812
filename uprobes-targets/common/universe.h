/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The symbols the load generators look up, most popular first, and their Zipf popularity.
 * Every C target draws from the same universe, so their tallies can be compared.
 */
#ifndef COMMON_UNIVERSE_H
#define COMMON_UNIVERSE_H

#include <stdint.h>

/* Longest name, NUL included. */
#define SYMBOL_MAX 16

struct universe {
	uint32_t n;
	char (*names)[SYMBOL_MAX]; /* rank r of the Zipf distribution is names[r - 1] */
	double *cdf;		   /* cdf[i] = P(rank <= i + 1), cdf[n - 1] == 1 */
	int uniform;		   /* zipf 0: every symbol equally likely */
};

/* N symbols (N >= 1), rank r with weight 1/r^ZIPF. 0 or -ENOMEM. */
int universe_init(struct universe *u, uint32_t n, double zipf);

/* A random index into u->names, drawn with one value of RNG. */
uint32_t universe_pick(const struct universe *u, uint64_t *rng);

#endif /* COMMON_UNIVERSE_H */
