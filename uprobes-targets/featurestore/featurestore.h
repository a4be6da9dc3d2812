/* SPDX-License-Identifier: GPL-2.0 */
/*
 * featurestore: a toy trading feature store with an in-process LRU cache.
 * It exists to be observed from outside: feature_cache_lookup() and compute_features() are
 * the uprobe attach points, everything else is load generation and ground-truth tallies.
 */
#ifndef FEATURESTORE_H
#define FEATURESTORE_H

#include <stdint.h>

#include "../common/features.h"
#include "../common/workers.h"

/* Longest symbol the cache stores, including the NUL; longer ones are computed, never cached. */
#define FS_SYMBOL_MAX 16

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

/*
 * The probed contract: 1 on hit, 0 when compute_features() had to run (exactly once).
 * `fsprobe functions` suggests this pair only while it stands out by name, so other functions
 * in this binary, common code included, keep clear of the miss words (miss, load, compute,
 * fill, refresh) and of "cache" with a lookup word (get, lookup, find, fetch).
 */
int feature_cache_lookup(const char *symbol, struct features *out);
int compute_features(const char *symbol, struct features *out);

/* cache.c */
int cache_init(uint32_t capacity, uint64_t ttl_ms, uint64_t compute_us);

/* workload.c: sets up NSYMBOLS symbols and fills in LOAD's universe, tally and lookup. */
int requests_init(struct load *load, uint32_t nsymbols, double zipf);

#endif /* FEATURESTORE_H */
