// SPDX-License-Identifier: GPL-2.0
/* The symbol universe and Zipf sampling. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"
#include "universe.h"

/* The most popular names; the rest are SYM00051, SYM00052, ... */
/* clang-format off */
static const char *const tickers[] = {
	"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B", "JPM", "V",
	"UNH", "XOM", "JNJ", "MA", "PG", "AVGO", "HD", "CVX", "MRK", "ABBV",
	"COST", "PEP", "KO", "ADBE", "WMT", "BAC", "CRM", "MCD", "CSCO", "TMO",
	"ACN", "NFLX", "AMD", "LIN", "ORCL", "ABT", "DIS", "WFC", "INTC", "CMCSA",
	"VZ", "TXN", "PFE", "QCOM", "NKE", "IBM", "GS", "MS", "CAT", "BA",
};
/* clang-format on */

#define NTICKERS (sizeof(tickers) / sizeof(tickers[0]))

int universe_init(struct universe *u, uint32_t n, double zipf)
{
	double sum = 0;
	uint32_t i;

	u->n = n;
	u->names = calloc(n, sizeof(*u->names));
	u->cdf = malloc(n * sizeof(*u->cdf));
	if (!u->names || !u->cdf)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		if (i < NTICKERS)
			snprintf(u->names[i], SYMBOL_MAX, "%s", tickers[i]);
		else
			snprintf(u->names[i], SYMBOL_MAX, "SYM%05u", i + 1);
		sum += pow(i + 1.0, -zipf);
		u->cdf[i] = sum;
	}
	for (i = 0; i < n; i++)
		u->cdf[i] /= sum;
	u->cdf[n - 1] = 1.0; /* no rounding gap a draw could fall through */
	u->uniform = zipf == 0.0;
	return 0;
}

uint32_t universe_pick(const struct universe *u, uint64_t *rng)
{
	double r = rng_unit(rng);
	uint32_t lo = 0, hi = u->n - 1;

	if (u->uniform)
		return (uint32_t)(r * u->n);

	/* Smallest i with cdf[i] > r. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (u->cdf[mid] > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}
