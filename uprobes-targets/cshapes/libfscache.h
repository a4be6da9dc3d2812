/* SPDX-License-Identifier: GPL-2.0 */
/* libfscache.so: a feature cache in a shared library, for probing a function in a DSO. */
#ifndef LIBFSCACHE_H
#define LIBFSCACHE_H

#include <stdint.h>

/* 0 on success. Call once, before any lookup. ttl_ms 0: entries never expire. */
int libcache_init(uint32_t capacity, uint64_t ttl_ms);
/* Probed lookup: 1 on a hit, 0 after libcache_compute() ran (exactly once) for a miss. */
int libcache_lookup(const char *symbol);
/* Probed miss function: called only from libcache_lookup(), on the same thread. */
int libcache_compute(const char *symbol);

#endif
