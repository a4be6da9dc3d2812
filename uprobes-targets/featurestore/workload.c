// SPDX-License-Identifier: GPL-2.0
/*
 * What a featurestore worker does per request: look one symbol up through
 * feature_cache_lookup(), the probed function. The universe, the threads and the tally are
 * uprobes-targets/common's.
 */
#include <string.h>

#include "featurestore.h"

static struct universe uni;
static struct tally tally;

static int request(uint32_t idx, uint64_t seq, uint64_t *aux)
{
	char symbol[SYMBOL_MAX];
	struct features f;

	(void)seq;
	(void)aux;
	/* A request-scoped copy, as a real service would parse the symbol off the wire. */
	memcpy(symbol, uni.names[idx], SYMBOL_MAX);
	return feature_cache_lookup(symbol, &f);
}

int requests_init(struct load *load, uint32_t nsymbols, double zipf)
{
	int err = universe_init(&uni, nsymbols, zipf);

	if (!err)
		err = tally_init(&tally, nsymbols, uni.names);
	load->universe = &uni;
	load->tally = &tally;
	load->lookup = request;
	return err;
}
