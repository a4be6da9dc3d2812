// SPDX-License-Identifier: GPL-2.0
/*
 * Load generation and ground truth: the symbol universe, the Zipf popularity model, the
 * worker threads that call feature_cache_lookup(), and the exact per-symbol tallies that an
 * outside observer is checked against.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "featurestore.h"

/* Most popular first: rank r of the Zipf distribution is universe entry r - 1. */
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

/*
 * Only hits and misses are counted: every finished lookup is exactly one of them, so
 * lookups = hits + misses holds in every snapshot, even one taken mid-run on SIGUSR2.
 */
struct tally {
	_Atomic uint64_t hits;
	_Atomic uint64_t misses;
};

static struct {
	uint32_t n;
	char (*names)[FS_SYMBOL_MAX];
	double *cdf;	   /* cdf[i] = P(rank <= i + 1), cdf[n - 1] == 1 */
	uint32_t *by_name; /* indices sorted by name, for the tally file */
	struct tally *tally;
	int uniform;
} uni;

struct worker {
	pthread_t thread;
	uint64_t rng;
	uint64_t requests; /* 0: until stopped */
	int64_t period_ns; /* 0: as fast as possible */
	/* Written by the owning worker only, read by the reporter; own line to avoid sharing. */
	_Alignas(64) _Atomic uint64_t hits;
	_Atomic uint64_t misses;
};

static struct worker *workers;
static unsigned int nworkers;
static _Atomic unsigned int running;
static _Atomic int stopping;
static void (*all_done)(void);

static int by_name_cmp(const void *a, const void *b)
{
	return strcmp(uni.names[*(const uint32_t *)a], uni.names[*(const uint32_t *)b]);
}

int universe_init(uint32_t nsymbols, double zipf)
{
	double sum = 0;
	uint32_t i;

	uni.n = nsymbols;
	uni.names = calloc(nsymbols, sizeof(*uni.names));
	uni.cdf = malloc(nsymbols * sizeof(*uni.cdf));
	uni.by_name = malloc(nsymbols * sizeof(*uni.by_name));
	uni.tally = calloc(nsymbols, sizeof(*uni.tally));
	if (!uni.names || !uni.cdf || !uni.by_name || !uni.tally)
		return -ENOMEM;

	for (i = 0; i < nsymbols; i++) {
		if (i < NTICKERS)
			snprintf(uni.names[i], FS_SYMBOL_MAX, "%s", tickers[i]);
		else
			snprintf(uni.names[i], FS_SYMBOL_MAX, "SYM%05u", i + 1);
		uni.by_name[i] = i;
		sum += pow(i + 1.0, -zipf);
		uni.cdf[i] = sum;
	}
	for (i = 0; i < nsymbols; i++)
		uni.cdf[i] /= sum;
	uni.cdf[nsymbols - 1] = 1.0; /* no rounding gap a draw could fall through */
	uni.uniform = zipf == 0.0;

	qsort(uni.by_name, nsymbols, sizeof(*uni.by_name), by_name_cmp);
	return 0;
}

static uint32_t universe_pick(uint64_t *rng)
{
	double u = fs_rand_unit(rng);
	uint32_t lo = 0, hi = uni.n - 1;

	if (uni.uniform)
		return (uint32_t)(u * uni.n);

	/* Smallest i with cdf[i] > u. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (uni.cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Sleeps until an absolute deadline in short slices, so a stop request is seen promptly. */
static void pace(int64_t deadline_ns)
{
	const int64_t slice_ns = 100 * 1000000;

	for (;;) {
		int64_t now = fs_now_ns(CLOCK_MONOTONIC);
		int64_t until = deadline_ns;
		struct timespec ts;

		if (now >= deadline_ns || atomic_load_explicit(&stopping, memory_order_relaxed))
			return;
		if (until - now > slice_ns)
			until = now + slice_ns;
		ts.tv_sec = until / 1000000000;
		ts.tv_nsec = until % 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int64_t deadline = fs_now_ns(CLOCK_MONOTONIC);
	uint64_t hits = 0, misses = 0, done;

	for (done = 0; !w->requests || done < w->requests; done++) {
		char symbol[FS_SYMBOL_MAX];
		struct features f;
		uint32_t idx;

		if (atomic_load_explicit(&stopping, memory_order_relaxed))
			break;
		if (w->period_ns) {
			deadline += w->period_ns;
			/* After a long stall, resume the rate instead of bursting to catch up. */
			if (fs_now_ns(CLOCK_MONOTONIC) - deadline > 1000000000)
				deadline = fs_now_ns(CLOCK_MONOTONIC);
			pace(deadline);
		}

		idx = universe_pick(&w->rng);
		/* A request-scoped copy, as a real service would parse the symbol off the wire. */
		memcpy(symbol, uni.names[idx], FS_SYMBOL_MAX);

		if (feature_cache_lookup(symbol, &f)) {
			atomic_fetch_add_explicit(&uni.tally[idx].hits, 1, memory_order_relaxed);
			atomic_store_explicit(&w->hits, ++hits, memory_order_relaxed);
		} else {
			atomic_fetch_add_explicit(&uni.tally[idx].misses, 1, memory_order_relaxed);
			atomic_store_explicit(&w->misses, ++misses, memory_order_relaxed);
		}
	}

	if (atomic_fetch_sub(&running, 1) == 1 && all_done)
		all_done();
	return NULL;
}

int workers_start(unsigned int nthreads, uint64_t requests, double rate, uint64_t seed,
		  void (*on_all_done)(void))
{
	unsigned int i;
	int err;

	workers = calloc(nthreads, sizeof(*workers));
	if (!workers)
		return -ENOMEM;
	all_done = on_all_done;
	atomic_store(&running, nthreads);

	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		w->rng = seed + i;
		fs_rand(&w->rng); /* decorrelate neighbouring seeds */
		w->requests = requests;
		w->period_ns = rate > 0 ? (int64_t)(1e9 / rate) : 0;
		if (rate > 0 && w->period_ns < 1)
			w->period_ns = 1;
		err = pthread_create(&w->thread, NULL, worker_main, w);
		if (err) {
			/* The ones already running keep going; the caller stops and joins them. */
			atomic_fetch_sub(&running, nthreads - i);
			return -err;
		}
		nworkers++;
	}
	return 0;
}

void workers_stop(void)
{
	atomic_store(&stopping, 1);
}

void workers_join(void)
{
	unsigned int i;

	for (i = 0; i < nworkers; i++)
		pthread_join(workers[i].thread, NULL);
}

void workers_totals(uint64_t *hits, uint64_t *misses)
{
	unsigned int i;

	*hits = *misses = 0;
	for (i = 0; i < nworkers; i++) {
		*hits += atomic_load_explicit(&workers[i].hits, memory_order_relaxed);
		*misses += atomic_load_explicit(&workers[i].misses, memory_order_relaxed);
	}
}

static int tally_print(FILE *f)
{
	uint64_t total_hits = 0, total_misses = 0;
	uint32_t i;

	for (i = 0; i < uni.n; i++) {
		uint32_t idx = uni.by_name[i];
		uint64_t hits = atomic_load_explicit(&uni.tally[idx].hits, memory_order_relaxed);
		uint64_t misses =
			atomic_load_explicit(&uni.tally[idx].misses, memory_order_relaxed);

		if (!hits && !misses)
			continue;
		fprintf(f, "%s %llu %llu %llu\n", uni.names[idx],
			(unsigned long long)(hits + misses), (unsigned long long)hits,
			(unsigned long long)misses);
		total_hits += hits;
		total_misses += misses;
	}
	fprintf(f, "TOTAL %llu %llu %llu\n", (unsigned long long)(total_hits + total_misses),
		(unsigned long long)total_hits, (unsigned long long)total_misses);
	return fflush(f) ? -errno : 0;
}

/* Readers never see a half-written tally: write PATH.tmp, then rename it over PATH. */
int tally_write(const char *path)
{
	struct stat st;
	size_t len;
	char *tmp;
	FILE *f;
	int err;

	if (!path)
		return tally_print(stdout);
	/* /dev/null, a FIFO, a terminal: write in place; renaming over them would replace them. */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		f = fopen(path, "w");
		if (!f)
			return -errno;
		err = tally_print(f);
		if (fclose(f) && !err)
			err = -errno;
		return err;
	}

	len = strlen(path) + sizeof(".tmp");
	tmp = malloc(len);
	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len, "%s.tmp", path);

	f = fopen(tmp, "w");
	if (!f) {
		err = -errno;
		goto out;
	}
	err = tally_print(f);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	free(tmp);
	return err;
}
