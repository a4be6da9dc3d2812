/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cache core shared by the shapes program and libfscache.so: a byte-string keyed LRU
 * behind one mutex. Everything here is static so each of the two binaries carries its own
 * private copy and no helper symbol of one can interpose on the other (the synthetic
 * computation they both link, common/features.c, is hidden for the same reason).
 */
#ifndef SHAPES_CORE_H
#define SHAPES_CORE_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/features.h"
#include "../common/hash.h"

/* Longest key stored, in bytes. Longer keys are never cached: every lookup of one misses. */
#define CORE_KEY_MAX 127
#define CORE_NIL     UINT32_MAX

/* The cost of a miss: the features of KEY, from a tick stream derived from KEY alone. */
static inline void core_compute(const void *key, size_t len, struct features *out)
{
	uint64_t h = hash_bytes(key, len);

	features_replay(h, h, out);
}

struct core_entry {
	unsigned char key[CORE_KEY_MAX];
	uint8_t len;
	uint64_t hash;
	int64_t stored_ns; /* CLOCK_MONOTONIC, for the TTL */
	struct features feat;
	uint32_t chain;	     /* next in bucket */
	uint32_t prev, next; /* LRU list, most recent at head */
};

struct core_lru {
	pthread_mutex_t lock;
	struct core_entry *e;
	uint32_t *buckets;
	uint32_t mask, capacity, used, head, tail;
	int64_t ttl_ns; /* 0: never expires */
};

static inline int core_init(struct core_lru *c, uint32_t capacity, int64_t ttl_ns)
{
	uint32_t nb = 1;

	while (nb < 2 * (uint64_t)capacity)
		nb <<= 1;
	pthread_mutex_init(&c->lock, NULL);
	c->e = calloc(capacity, sizeof(*c->e));
	c->buckets = malloc(nb * sizeof(*c->buckets));
	if (!c->e || !c->buckets)
		return -1;
	memset(c->buckets, 0xff, nb * sizeof(*c->buckets));
	c->mask = nb - 1;
	c->capacity = capacity;
	c->used = 0;
	c->head = c->tail = CORE_NIL;
	c->ttl_ns = ttl_ns;
	return 0;
}

static inline uint32_t *core_bucket(struct core_lru *c, uint64_t hash)
{
	return &c->buckets[(hash ^ (hash >> 32)) & c->mask];
}

static inline uint32_t core_find(struct core_lru *c, const void *key, size_t len, uint64_t hash)
{
	uint32_t i;

	for (i = *core_bucket(c, hash); i != CORE_NIL; i = c->e[i].chain)
		if (c->e[i].hash == hash && c->e[i].len == len && !memcmp(c->e[i].key, key, len))
			return i;
	return CORE_NIL;
}

static inline void core_unlink(struct core_lru *c, uint32_t i)
{
	struct core_entry *e = &c->e[i];

	if (e->prev != CORE_NIL)
		c->e[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != CORE_NIL)
		c->e[e->next].prev = e->prev;
	else
		c->tail = e->prev;
}

static inline void core_push(struct core_lru *c, uint32_t i)
{
	c->e[i].prev = CORE_NIL;
	c->e[i].next = c->head;
	if (c->head != CORE_NIL)
		c->e[c->head].prev = i;
	else
		c->tail = i;
	c->head = i;
}

/* 1 and a copy in *out when KEY is cached and fresh (and it becomes most recent), else 0. */
static inline int core_get(struct core_lru *c, const void *key, size_t len, struct features *out)
{
	uint64_t hash = hash_bytes(key, len);
	uint32_t i;
	int hit = 0;

	if (len > CORE_KEY_MAX)
		return 0;
	pthread_mutex_lock(&c->lock);
	i = core_find(c, key, len, hash);
	if (i != CORE_NIL &&
	    (!c->ttl_ns || now_ns(CLOCK_MONOTONIC) - c->e[i].stored_ns < c->ttl_ns)) {
		if (c->head != i) {
			core_unlink(c, i);
			core_push(c, i);
		}
		*out = c->e[i].feat;
		hit = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Stores KEY (evicting the least recently used entry when full) or refreshes it. */
static inline void core_put(struct core_lru *c, const void *key, size_t len,
			    const struct features *f)
{
	uint64_t hash = hash_bytes(key, len);
	uint32_t i;

	if (len > CORE_KEY_MAX)
		return;
	pthread_mutex_lock(&c->lock);
	i = core_find(c, key, len, hash);
	if (i == CORE_NIL) {
		uint32_t *link;

		if (c->used < c->capacity) {
			i = c->used++;
		} else {
			i = c->tail;
			core_unlink(c, i);
			for (link = core_bucket(c, c->e[i].hash); *link != i;
			     link = &c->e[*link].chain)
				;
			*link = c->e[i].chain;
		}
		memcpy(c->e[i].key, key, len);
		c->e[i].len = (uint8_t)len;
		c->e[i].hash = hash;
		link = core_bucket(c, hash);
		c->e[i].chain = *link;
		*link = i;
	} else {
		core_unlink(c, i);
	}
	core_push(c, i);
	c->e[i].feat = *f;
	c->e[i].stored_ns = now_ns(CLOCK_MONOTONIC);
	pthread_mutex_unlock(&c->lock);
}

#endif /* SHAPES_CORE_H */
