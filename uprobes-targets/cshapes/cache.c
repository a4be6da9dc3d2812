// SPDX-License-Identifier: GPL-2.0
/*
 * The probed functions of every shape. They share one LRU (only one shape runs per
 * process). Each lookup calls its miss function exactly once per miss, from inside the
 * lookup, on the caller's thread; retval/retbool have no miss function inside the lookup:
 * the caller inserts after a miss, as such APIs do.
 */
#include <string.h>

#include "core.h"
#include "libfscache.h"
#include "shapes.h"

static struct core_lru cache;
/* What the last lookup on this thread produced: where hits copy their value to. */
static __thread struct features last;

int cache_init(uint32_t capacity, uint64_t ttl_ms)
{
	if (core_init(&cache, capacity, (int64_t)ttl_ms * 1000000))
		return -1;
	return libcache_init(capacity, ttl_ms);
}

/* --shape struct: the key is a member of a request struct. */
SHAPES_PROBED int cache_get_req(const struct request *req)
{
	size_t len = strlen(req->symbol);

	if (core_get(&cache, req->symbol, len, &last))
		return 1;
	cache_fill_req(req, &last);
	core_put(&cache, req->symbol, len, &last);
	return 0;
}

SHAPES_PROBED int cache_fill_req(const struct request *req, struct features *out)
{
	core_compute(req->symbol, strlen(req->symbol), out);
	return 0;
}

/* --shape ptrlen: KEY points into a larger buffer; KEY[LEN] is not a NUL. */
SHAPES_PROBED int cache_get_buf(const char *key, size_t len)
{
	if (core_get(&cache, key, len, &last))
		return 1;
	cache_fill_buf(key, len, &last);
	core_put(&cache, key, len, &last);
	return 0;
}

SHAPES_PROBED int cache_fill_buf(const char *key, size_t len, struct features *out)
{
	core_compute(key, len, out);
	return 0;
}

/* --shape intid: the key is a 32-bit id; the cache stores its 4 bytes. */
SHAPES_PROBED int cache_get_id(uint32_t id)
{
	if (core_get(&cache, &id, sizeof(id), &last))
		return 1;
	cache_fill_id(id, &last);
	core_put(&cache, &id, sizeof(id), &last);
	return 0;
}

SHAPES_PROBED int cache_fill_id(uint32_t id, struct features *out)
{
	core_compute(&id, sizeof(id), out);
	return 0;
}

/* --shape rawkey: "feat:SYMBOL:NAME", cached under the whole string. */
SHAPES_PROBED int cache_get_raw(const char *rawkey)
{
	size_t len = strlen(rawkey);

	if (core_get(&cache, rawkey, len, &last))
		return 1;
	cache_fill_raw(rawkey, &last);
	core_put(&cache, rawkey, len, &last);
	return 0;
}

SHAPES_PROBED int cache_fill_raw(const char *rawkey, struct features *out)
{
	core_compute(rawkey, strlen(rawkey), out);
	return 0;
}

/*
 * --shape retval: a pointer to this thread's copy of the cached value, or NULL on a miss.
 * The copy stays valid until the thread's next lookup, whatever other threads evict.
 */
SHAPES_PROBED void *cache_find(const char *symbol)
{
	return core_get(&cache, symbol, strlen(symbol), &last) ? &last : NULL;
}

/* retval and retbool: what the caller does after a miss. Not called from a lookup. */
SHAPES_PROBED void cache_insert(const char *symbol)
{
	size_t len = strlen(symbol);
	struct features f;

	core_compute(symbol, len, &f);
	core_put(&cache, symbol, len, &f);
}

/*
 * --shape retbool: a C bool, of which the ABI defines only the low byte (%al). The inline
 * asm fills %eax with 0xa5a5a5 above the truth value and tells the compiler only %al holds
 * the result, so the function returns 0xa5a5a500 on a miss and 0xa5a5a501 on a hit:
 * `ret != 0` is always true here and only `u8(ret) != 0` classifies correctly.
 */
SHAPES_PROBED bool cache_has(const char *symbol)
{
	struct features f;
	bool found = core_get(&cache, symbol, strlen(symbol), &f);
	bool r;

#if defined(__x86_64__)
	__asm__("movl $0xa5a5a500, %%eax\n\t"
		"movb %1, %%al"
		: "=&a"(r)
		: "q"(found));
#else
	r = found;
#endif
	return r;
}
