// SPDX-License-Identifier: GPL-2.0
/*
 * The feature cache and the expensive computation behind it.
 *
 * One mutex guards a chained hash table plus an exact LRU list. A single lock keeps the hit
 * ratio a pure function of the access pattern (no per-stripe capacity skew), which is what
 * the tallies are compared against. compute_features() runs outside the lock so slow
 * recomputes of different symbols overlap.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/hash.h"
#include "featurestore.h"

#define NIL UINT32_MAX

struct entry {
	char key[FS_SYMBOL_MAX];
	uint64_t hash;
	int64_t stored_ns; /* CLOCK_MONOTONIC, only used for the TTL */
	struct features feat;
	uint32_t chain;	     /* next entry in the same bucket */
	uint32_t prev, next; /* LRU list, most recently used at head */
};

static struct {
	pthread_mutex_t lock;
	struct entry *entries;
	uint32_t *buckets;
	uint32_t mask; /* number of buckets - 1 */
	uint32_t capacity;
	uint32_t used;
	uint32_t head, tail;
	int64_t ttl_ns;	    /* 0: entries never expire */
	int64_t compute_ns; /* extra cost added to every compute_features() */
	int64_t start_ns;   /* CLOCK_MONOTONIC at init, origin of the tick epochs */
} cache = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

int cache_init(uint32_t capacity, uint64_t ttl_ms, uint64_t compute_us)
{
	uint32_t nbuckets = 1;

	/* Two buckets per entry keeps chains short without tuning. */
	while (nbuckets < 2 * (uint64_t)capacity)
		nbuckets <<= 1;

	cache.entries = calloc(capacity, sizeof(*cache.entries));
	cache.buckets = malloc(nbuckets * sizeof(*cache.buckets));
	if (!cache.entries || !cache.buckets)
		return -ENOMEM;
	memset(cache.buckets, 0xff, nbuckets * sizeof(*cache.buckets));

	cache.mask = nbuckets - 1;
	cache.capacity = capacity;
	cache.head = cache.tail = NIL;
	cache.ttl_ns = (int64_t)ttl_ms * 1000000;
	cache.compute_ns = (int64_t)compute_us * 1000;
	cache.start_ns = now_ns(CLOCK_MONOTONIC);
	return 0;
}

static uint32_t *bucket_of(uint64_t hash)
{
	return &cache.buckets[(hash ^ (hash >> 32)) & cache.mask];
}

static uint32_t find(const char *symbol, uint64_t hash)
{
	uint32_t i;

	for (i = *bucket_of(hash); i != NIL; i = cache.entries[i].chain) {
		struct entry *e = &cache.entries[i];

		if (e->hash == hash && !strcmp(e->key, symbol))
			return i;
	}
	return NIL;
}

static void lru_unlink(uint32_t i)
{
	struct entry *e = &cache.entries[i];

	if (e->prev != NIL)
		cache.entries[e->prev].next = e->next;
	else
		cache.head = e->next;
	if (e->next != NIL)
		cache.entries[e->next].prev = e->prev;
	else
		cache.tail = e->prev;
}

static void lru_push_head(uint32_t i)
{
	struct entry *e = &cache.entries[i];

	e->prev = NIL;
	e->next = cache.head;
	if (cache.head != NIL)
		cache.entries[cache.head].prev = i;
	else
		cache.tail = i;
	cache.head = i;
}

static void lru_touch(uint32_t i)
{
	if (cache.head == i)
		return;
	lru_unlink(i);
	lru_push_head(i);
}

static void chain_unlink(uint32_t i)
{
	uint32_t *link = bucket_of(cache.entries[i].hash);

	while (*link != i)
		link = &cache.entries[*link].chain;
	*link = cache.entries[i].chain;
}

static int fresh(uint32_t i)
{
	return !cache.ttl_ns || now_ns(CLOCK_MONOTONIC) - cache.entries[i].stored_ns < cache.ttl_ns;
}

/* Takes a free slot, or the least recently used entry once the cache is full. */
static uint32_t slot_alloc(void)
{
	uint32_t i;

	if (cache.used < cache.capacity)
		return cache.used++;
	i = cache.tail;
	lru_unlink(i);
	chain_unlink(i);
	return i;
}

/* Caller holds the lock. Another thread may have stored the symbol while we computed. */
static void store(const char *symbol, uint64_t hash, const struct features *feat)
{
	uint32_t i = find(symbol, hash);
	struct entry *e;

	if (i == NIL) {
		uint32_t *bucket = bucket_of(hash);

		i = slot_alloc();
		e = &cache.entries[i];
		strcpy(e->key, symbol);
		e->hash = hash;
		e->chain = *bucket;
		*bucket = i;
		lru_push_head(i);
	} else {
		e = &cache.entries[i];
		lru_touch(i);
	}
	e->feat = *feat;
	e->stored_ns = now_ns(CLOCK_MONOTONIC);
}

FS_PROBED int feature_cache_lookup(const char *symbol, struct features *out)
{
	uint64_t hash = hash_str(symbol);
	int cacheable = strnlen(symbol, FS_SYMBOL_MAX) < FS_SYMBOL_MAX;

	if (cacheable) {
		uint32_t i;

		pthread_mutex_lock(&cache.lock);
		i = find(symbol, hash);
		if (i != NIL && fresh(i)) {
			lru_touch(i);
			*out = cache.entries[i].feat;
			pthread_mutex_unlock(&cache.lock);
			return 1;
		}
		pthread_mutex_unlock(&cache.lock);
	}

	compute_features(symbol, out);

	if (cacheable) {
		pthread_mutex_lock(&cache.lock);
		store(symbol, hash, out);
		pthread_mutex_unlock(&cache.lock);
	}
	return 0;
}

/* Burns CPU rather than sleeping: recomputes are CPU bound, and timer slack would blur µs. */
static void spin_until(int64_t deadline_ns)
{
	while (now_ns(CLOCK_MONOTONIC) < deadline_ns)
		;
}

/*
 * Replays a synthetic tick stream for the symbol. The stream depends only on the symbol and
 * the epoch (whole seconds since start), so a recompute within the same second is identical.
 */
FS_PROBED int compute_features(const char *symbol, struct features *out)
{
	int64_t start = now_ns(CLOCK_MONOTONIC);
	uint64_t epoch = (uint64_t)(start - cache.start_ns) / NSEC_PER_SEC;
	uint64_t sym = hash_str(symbol);

	features_replay(sym, sym ^ (epoch * 0xd1b54a32d192ed03ULL), out);
	if (cache.compute_ns)
		spin_until(start + cache.compute_ns);
	return 0;
}
