/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shapes: one load generator, several cache APIs. Each --shape passes the cache key to the
 * probed lookup in a different way, so fsprobe's key expressions can all be checked against
 * exact ground truth.
 */
#ifndef SHAPES_H
#define SHAPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/workers.h"

/* Probed functions: external, in .symtab under their plain name, no clones. */
#if defined(__clang__)
#define SHAPES_PROBED __attribute__((noinline, used))
#else
#define SHAPES_PROBED __attribute__((noinline, noclone, used))
#endif

enum shape {
	SHAPE_STRUCT,  /* cache_get_req(&req): key cstr(arg0->8) */
	SHAPE_PTRLEN,  /* cache_get_buf(ptr, len), not NUL-terminated: key bytes(arg0, arg1) */
	SHAPE_INTID,   /* cache_get_id(id): key u32(arg0) */
	SHAPE_RAWKEY,  /* cache_get_raw("feat:SYM:NAME"): key field(cstr(arg0), ':', 1) */
	SHAPE_RETVAL,  /* cache_find(sym) returns NULL on a miss: --hit-when 'ret != 0' */
	SHAPE_RETBOOL, /* cache_has(sym) returns a bool: --hit-when 'u8(ret) != 0' */
	SHAPE_LIB,     /* libcache_lookup(sym) in libfscache.so: key cstr(arg0) */
	SHAPE_PADDED,  /* cache_get_buf(ptr, len): the symbol, '_' up to --key-len, then a NUL */
};

/* The request handed to cache_get_req(). pahole: symbol is at offset 8. */
struct request {
	uint64_t id;	     /* 0: per-thread sequence number */
	const char *symbol;  /* 8: NUL-terminated */
	uint32_t flags;	     /* 16 */
	int32_t priority;    /* 20 */
	int64_t deadline_ns; /* 24 */
	const char *client;  /* 32 */
};

struct features;

/* cache.c: the probed functions. Each get returns 1 on a hit, 0 on a miss. */
int cache_init(uint32_t capacity, uint64_t ttl_ms);
int cache_get_req(const struct request *req);
int cache_fill_req(const struct request *req, struct features *out);
int cache_get_buf(const char *key, size_t len);
int cache_fill_buf(const char *key, size_t len, struct features *out);
int cache_get_id(uint32_t id);
int cache_fill_id(uint32_t id, struct features *out);
int cache_get_raw(const char *rawkey);
int cache_fill_raw(const char *rawkey, struct features *out);
void *cache_find(const char *symbol);
void cache_insert(const char *symbol);
bool cache_has(const char *symbol);

/* Longest --key-len. */
#define KEY_LEN_MAX 120

/* How the workers build their requests. */
struct workload {
	enum shape shape;
	uint32_t raw_keys; /* rawkey: distinct feature names per symbol */
	uint32_t id_base;  /* intid: id of the most popular symbol */
	uint32_t key_len;  /* padded: bytes in a key (not counting its NUL) */
};

/* workload.c: sets up NSYMBOLS symbols and fills in LOAD's universe, tally and lookup. */
int requests_init(const struct workload *wl, uint32_t nsymbols, double zipf, struct load *load);
int symbol_map_write(const char *path);

#endif
