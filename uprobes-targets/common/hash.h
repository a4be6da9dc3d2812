/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FNV-1a: cheap, and stable across runs so per-symbol tick streams are reproducible. Inline,
 * so the probed functions and libfscache.so's private LRU each carry their own copy.
 */
#ifndef COMMON_HASH_H
#define COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

static inline uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = FNV_OFFSET;

	while (len--)
		h = (h ^ *p++) * FNV_PRIME;
	return h;
}

/* The same value as hash_bytes(s, strlen(s)), in one pass. */
static inline uint64_t hash_str(const char *s)
{
	uint64_t h = FNV_OFFSET;

	while (*s)
		h = (h ^ (unsigned char)*s++) * FNV_PRIME;
	return h;
}

#endif /* COMMON_HASH_H */
