// SPDX-License-Identifier: GPL-2.0
/*
 * libfscache.so: the same LRU as the shapes program, behind an exported C API. Built with
 * -fPIC -shared; `shapes --shape lib` links against it with an $ORIGIN rpath.
 */
#include <string.h>

#include "core.h"
#include "libfscache.h"

#define LIB_EXPORT __attribute__((visibility("default")))
#if defined(__clang__)
#define LIB_PROBED LIB_EXPORT __attribute__((noinline, used))
#else
#define LIB_PROBED LIB_EXPORT __attribute__((noinline, noclone, used))
#endif

static struct core_lru lib_cache;
/* The value the last lookup on this thread produced. */
static __thread struct features lib_last;

LIB_EXPORT int libcache_init(uint32_t capacity, uint64_t ttl_ms)
{
	return core_init(&lib_cache, capacity, (int64_t)ttl_ms * 1000000);
}

LIB_PROBED int libcache_lookup(const char *symbol)
{
	size_t len = strlen(symbol);

	if (core_get(&lib_cache, symbol, len, &lib_last))
		return 1;
	libcache_compute(symbol);
	core_put(&lib_cache, symbol, len, &lib_last);
	return 0;
}

LIB_PROBED int libcache_compute(const char *symbol)
{
	core_compute(symbol, strlen(symbol), &lib_last);
	return 0;
}
