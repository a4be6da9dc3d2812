// SPDX-License-Identifier: GPL-2.0
/*
 * What a shapes worker does per request: build it in the chosen shape and make the probed
 * call. The universe, the threads and the tally are uprobes-targets/common's, the same as
 * featurestore's, so the symbol streams match; the tally is keyed by what fsprobe reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/outfile.h"
#include "../common/rng.h"
#include "libfscache.h"
#include "shapes.h"

/* --shape ptrlen: the buffer a key sits in, followed by these (anything but a NUL). */
#define PTRLEN_BUF 64
static const char garbage[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789|#%";

static struct workload wl;
static struct universe uni;
static char (*ids)[SYMBOL_MAX]; /* intid: the decimal ids, the key fsprobe reports */
static struct tally tally;

/* One lookup of symbol IDX in the configured shape; 1 on a hit. */
static int request(uint32_t idx, uint64_t seq, uint64_t *aux)
{
	const char *name = uni.names[idx];
	char sym[SYMBOL_MAX], buf[KEY_LEN_MAX + 1];
	size_t len = strlen(name), i;
	struct request req;

	switch (wl.shape) {
	case SHAPE_STRUCT:
		memcpy(sym, name, SYMBOL_MAX);
		req = (struct request){ .id = seq,
					.symbol = sym,
					.flags = 1,
					.priority = 0,
					.deadline_ns = now_ns(CLOCK_MONOTONIC) + 1000000,
					.client = "shapes" };
		return cache_get_req(&req);
	case SHAPE_PTRLEN:
		/* "GET <key>" then non-NUL garbage up to the end of the buffer. */
		memcpy(buf, "GET ", 4);
		memcpy(buf + 4, name, len);
		for (i = 4 + len; i < PTRLEN_BUF - 1; i++)
			buf[i] = garbage[rng_next(aux) % (sizeof(garbage) - 1)];
		buf[PTRLEN_BUF - 1] = '\0';
		return cache_get_buf(buf + 4, len);
	case SHAPE_INTID:
		return cache_get_id(wl.id_base + idx);
	case SHAPE_RAWKEY:
		snprintf(buf, sizeof(buf), "feat:%s:f%06u", name,
			 (unsigned int)(rng_next(aux) % wl.raw_keys));
		return cache_get_raw(buf);
	case SHAPE_RETVAL:
		memcpy(sym, name, SYMBOL_MAX);
		if (cache_find(sym))
			return 1;
		cache_insert(sym);
		return 0;
	case SHAPE_RETBOOL:
		memcpy(sym, name, SYMBOL_MAX);
		if (cache_has(sym))
			return 1;
		cache_insert(sym);
		return 0;
	case SHAPE_LIB:
		memcpy(sym, name, SYMBOL_MAX);
		return libcache_lookup(sym);
	case SHAPE_PADDED:
		/* Never shorter than the name, so keys stay distinct. */
		if (len < wl.key_len) {
			memcpy(buf, name, len);
			memset(buf + len, '_', wl.key_len - len);
			len = wl.key_len;
		} else {
			memcpy(buf, name, len);
		}
		buf[len] = '\0';
		return cache_get_buf(buf, len);
	}
	return 0;
}

int requests_init(const struct workload *w, uint32_t n, double zipf, struct load *load)
{
	uint32_t i;
	int err;

	wl = *w;
	load->universe = &uni;
	load->tally = &tally;
	load->lookup = request;
	err = universe_init(&uni, n, zipf);
	if (err)
		return err;
	if (wl.shape != SHAPE_INTID)
		return tally_init(&tally, n, uni.names);

	ids = calloc(n, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		snprintf(ids[i], SYMBOL_MAX, "%u", wl.id_base + i);
	return tally_init(&tally, n, ids);
}

static int map_print(FILE *f, void *arg)
{
	uint32_t i;

	(void)arg;
	for (i = 0; i < uni.n; i++)
		fprintf(f, "%u %s\n", wl.id_base + i, uni.names[i]);
	return 0;
}

int symbol_map_write(const char *path)
{
	return outfile_write(path, map_print, NULL);
}
