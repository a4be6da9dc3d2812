/* SPDX-License-Identifier: GPL-2.0 */
/*
 * featurestore: a toy trading feature store with an in-process LRU cache.
 * It exists to be observed from outside: feature_cache_lookup() and compute_features() are
 * the uprobe attach points, everything else is load generation and ground-truth tallies.
 */
#ifndef FEATURESTORE_H
#define FEATURESTORE_H

#include <stdint.h>
#include <time.h>

/* Longest symbol the cache stores, including the NUL; longer ones are computed, never cached. */
#define FS_SYMBOL_MAX 16

/* Ticks generated per compute_features() call: a few microseconds of real work. */
#define FS_TICKS 256

/*
 * Probed functions must exist in .symtab under their plain name: no inlining, and no
 * .isra/.constprop/.part clones that a probe on the plain name would silently miss.
 * clang has no noclone (and does not clone external functions this way).
 */
#if defined(__clang__)
#define FS_PROBED __attribute__((noinline, used))
#else
#define FS_PROBED __attribute__((noinline, noclone, used))
#endif

struct features {
	double vwap;		/* sum(price * volume) / sum(volume) */
	double volatility;	/* stddev of per-tick log returns */
	double spread;		/* mean bid/ask spread */
	double mid;		/* last (bid + ask) / 2 */
	double last;		/* last trade price */
	uint64_t ticks;		/* ticks the features were computed from */
	int64_t computed_at_ns; /* CLOCK_REALTIME */
};

/* The probed contract: 1 on hit, 0 when compute_features() had to run (exactly once). */
int feature_cache_lookup(const char *symbol, struct features *out);
int compute_features(const char *symbol, struct features *out);

/* cache.c */
int cache_init(uint32_t capacity, uint64_t ttl_ms, uint64_t compute_us);

/* workload.c */
int universe_init(uint32_t nsymbols, double zipf);
int workers_start(unsigned int nthreads, uint64_t requests, double rate, uint64_t seed,
		  void (*on_all_done)(void));
void workers_stop(void);
void workers_join(void);
void workers_totals(uint64_t *hits, uint64_t *misses);
int tally_write(const char *path);

static inline int64_t fs_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* FNV-1a: cheap, and stable across runs so per-symbol tick streams are reproducible. */
static inline uint64_t fs_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

/* splitmix64: one word of state, good enough statistics for synthetic load. */
static inline uint64_t fs_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform double in [0, 1). */
static inline double fs_rand_unit(uint64_t *state)
{
	return (double)(fs_rand(state) >> 11) * 0x1p-53;
}

#endif /* FEATURESTORE_H */
