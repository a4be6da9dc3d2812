// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic feature computation: a random walk of trades and quotes, summarised the way a
 * trading feature store would. Its only purpose is to cost a few microseconds of real CPU.
 */
#include <math.h>

#include "clock.h"
#include "features.h"
#include "rng.h"

void features_replay(uint64_t key_hash, uint64_t tick_seed, struct features *out)
{
	uint64_t rng = tick_seed;
	double base = 5.0 + (double)(key_hash % 100000) / 100.0; /* $5 .. $1005 */
	double sigma = 0.0002 + 0.0008 * rng_unit(&rng);	 /* per-tick volatility */
	double price = base, bid = base, ask = base;
	double sum_pv = 0, sum_v = 0, sum_spread = 0, sum_r = 0, sum_r2 = 0;
	double mean;
	int n;

	for (n = 0; n < FEATURES_TICKS; n++) {
		double prev = price;
		double volume = (double)(1 + rng_next(&rng) % 1000) * 100.0;
		double half = price * (0.00005 + 0.0002 * rng_unit(&rng));
		double mid, r;

		/* Uniform steps scaled to the same variance as a normal step of size sigma. */
		price *= 1.0 + sigma * 1.7320508 * (2.0 * rng_unit(&rng) - 1.0);
		r = log(price / prev);
		mid = price + half * (rng_unit(&rng) - 0.5);
		bid = mid - half;
		ask = mid + half;

		sum_pv += price * volume;
		sum_v += volume;
		sum_spread += ask - bid;
		sum_r += r;
		sum_r2 += r * r;
	}

	mean = sum_r / FEATURES_TICKS;
	out->vwap = sum_pv / sum_v;
	out->volatility = sqrt(fmax(sum_r2 / FEATURES_TICKS - mean * mean, 0.0));
	out->spread = sum_spread / FEATURES_TICKS;
	out->mid = (bid + ask) / 2.0;
	out->last = price;
	out->ticks = FEATURES_TICKS;
	out->computed_at_ns = now_ns(CLOCK_REALTIME);
}
