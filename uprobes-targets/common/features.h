/* SPDX-License-Identifier: GPL-2.0 */
/* The cached value and the synthetic "expensive" computation a cache miss pays for. */
#ifndef COMMON_FEATURES_H
#define COMMON_FEATURES_H

#include <stdint.h>

/* Ticks replayed per computation: a couple of microseconds of real work. */
#define FEATURES_TICKS 256

/* All doubles, then two 64-bit integers: 56 bytes. */
struct features {
	double vwap;		/* sum(price * volume) / sum(volume) */
	double volatility;	/* stddev of per-tick log returns */
	double spread;		/* mean bid/ask spread */
	double mid;		/* last (bid + ask) / 2 */
	double last;		/* last trade price */
	uint64_t ticks;		/* ticks the features were computed from */
	int64_t computed_at_ns; /* CLOCK_REALTIME */
};

/*
 * Replays FEATURES_TICKS synthetic ticks into *out. KEY_HASH sets the price level, TICK_SEED
 * the tick stream: equal seeds give equal features (computed_at_ns aside).
 *
 * Hidden, so that libfscache.so, which links its own copy, never exports it: the shapes
 * executable and the library must not interpose on each other's helpers.
 */
#define FEATURES_HIDDEN __attribute__((visibility("hidden")))

FEATURES_HIDDEN void features_replay(uint64_t key_hash, uint64_t tick_seed, struct features *out);

#endif /* COMMON_FEATURES_H */
