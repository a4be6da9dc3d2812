// SPDX-License-Identifier: GPL-2.0
/*
 * Load generation and ground truth: the symbol universe (the same names, Zipf model and
 * per-thread PRNG streams as uprobes-targets/featurestore), worker threads that build each
 * request in the chosen shape, and exact per-key tallies.
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

#include "core.h"
#include "libfscache.h"
#include "shapes.h"

/* Most popular first. */
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

/* Characters that follow a --shape ptrlen key in its buffer: anything but a NUL. */
static const char garbage[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789|#%";

struct tally {
	_Atomic uint64_t hits;
	_Atomic uint64_t misses;
};

static struct {
	struct workload wl;
	char (*names)[SYMBOL_MAX];
	char (*labels)[SYMBOL_MAX]; /* the key fsprobe reports: the name, or the decimal id */
	double *cdf;
	uint32_t *by_label; /* indices sorted by label (byte order) */
	struct tally *tally;
} uni;

struct worker {
	pthread_t thread;
	uint64_t rng; /* picks symbols: the same stream as featurestore's */
	uint64_t aux; /* everything else random (raw key names, garbage bytes) */
	_Alignas(64) _Atomic uint64_t lookups;
};

static struct worker *workers;
static unsigned int nworkers;
static _Atomic unsigned int running;
static _Atomic int stopping;
static void (*all_done)(void);

static int by_label_cmp(const void *a, const void *b)
{
	return strcmp(uni.labels[*(const uint32_t *)a], uni.labels[*(const uint32_t *)b]);
}

int universe_init(const struct workload *wl)
{
	uint32_t i, n = wl->symbols;
	double sum = 0;

	uni.wl = *wl;
	uni.names = calloc(n, sizeof(*uni.names));
	uni.labels = calloc(n, sizeof(*uni.labels));
	uni.cdf = malloc(n * sizeof(*uni.cdf));
	uni.by_label = malloc(n * sizeof(*uni.by_label));
	uni.tally = calloc(n, sizeof(*uni.tally));
	if (!uni.names || !uni.labels || !uni.cdf || !uni.by_label || !uni.tally)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		if (i < NTICKERS)
			snprintf(uni.names[i], SYMBOL_MAX, "%s", tickers[i]);
		else
			snprintf(uni.names[i], SYMBOL_MAX, "SYM%05u", i + 1);
		if (wl->shape == SHAPE_INTID)
			snprintf(uni.labels[i], SYMBOL_MAX, "%u", wl->id_base + i);
		else
			memcpy(uni.labels[i], uni.names[i], SYMBOL_MAX);
		uni.by_label[i] = i;
		sum += pow(i + 1.0, -wl->zipf);
		uni.cdf[i] = sum;
	}
	for (i = 0; i < n; i++)
		uni.cdf[i] /= sum;
	uni.cdf[n - 1] = 1.0;
	qsort(uni.by_label, n, sizeof(*uni.by_label), by_label_cmp);
	return 0;
}

static uint32_t universe_pick(uint64_t *rng)
{
	double u = core_rand_unit(rng);
	uint32_t lo = 0, hi = uni.wl.symbols - 1;

	if (uni.wl.zipf == 0.0)
		return (uint32_t)(u * uni.wl.symbols);
	while (lo < hi) { /* smallest i with cdf[i] > u */
		uint32_t mid = lo + (hi - lo) / 2;

		if (uni.cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* One lookup of symbol IDX in the configured shape; 1 on a hit. */
static int request(struct worker *w, uint32_t idx, uint64_t seq)
{
	const char *name = uni.names[idx];
	char sym[SYMBOL_MAX], buf[64];
	size_t len = strlen(name), i;
	struct request req;

	switch (uni.wl.shape) {
	case SHAPE_STRUCT:
		memcpy(sym, name, SYMBOL_MAX);
		req = (struct request){ .id = seq,
					.symbol = sym,
					.flags = 1,
					.priority = 0,
					.deadline_ns = core_now_ns(CLOCK_MONOTONIC) + 1000000,
					.client = "shapes" };
		return cache_get_req(&req);
	case SHAPE_PTRLEN:
		/* "GET <key>" then non-NUL garbage up to the end of the buffer. */
		memcpy(buf, "GET ", 4);
		memcpy(buf + 4, name, len);
		for (i = 4 + len; i < sizeof(buf) - 1; i++)
			buf[i] = garbage[core_rand(&w->aux) % (sizeof(garbage) - 1)];
		buf[sizeof(buf) - 1] = '\0';
		return cache_get_buf(buf + 4, len);
	case SHAPE_INTID:
		return cache_get_id(uni.wl.id_base + idx);
	case SHAPE_RAWKEY:
		snprintf(buf, sizeof(buf), "feat:%s:f%06u", name,
			 (unsigned int)(core_rand(&w->aux) % uni.wl.raw_keys));
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
	}
	return 0;
}

/* Sleeps until an absolute deadline in short slices, so a stop request is seen promptly. */
static void pace(int64_t deadline_ns)
{
	for (;;) {
		int64_t now = core_now_ns(CLOCK_MONOTONIC), until = deadline_ns;
		struct timespec ts;

		if (now >= deadline_ns || atomic_load_explicit(&stopping, memory_order_relaxed))
			return;
		if (until - now > 100000000)
			until = now + 100000000;
		ts.tv_sec = until / 1000000000;
		ts.tv_nsec = until % 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int64_t period = uni.wl.rate > 0 ? (int64_t)(1e9 / uni.wl.rate) : 0;
	int64_t deadline = core_now_ns(CLOCK_MONOTONIC);
	uint64_t done;

	if (uni.wl.rate > 0 && period < 1)
		period = 1;
	for (done = 0; !uni.wl.requests || done < uni.wl.requests; done++) {
		uint32_t idx;

		if (atomic_load_explicit(&stopping, memory_order_relaxed))
			break;
		if (period) {
			deadline += period;
			if (core_now_ns(CLOCK_MONOTONIC) - deadline > 1000000000)
				deadline = core_now_ns(CLOCK_MONOTONIC);
			pace(deadline);
		}
		idx = universe_pick(&w->rng);
		if (request(w, idx, done))
			atomic_fetch_add_explicit(&uni.tally[idx].hits, 1, memory_order_relaxed);
		else
			atomic_fetch_add_explicit(&uni.tally[idx].misses, 1, memory_order_relaxed);
		atomic_store_explicit(&w->lookups, done + 1, memory_order_relaxed);
	}
	if (atomic_fetch_sub(&running, 1) == 1 && all_done)
		all_done();
	return NULL;
}

int workers_start(void (*on_all_done)(void))
{
	unsigned int i, n = uni.wl.threads;
	int err;

	workers = calloc(n, sizeof(*workers));
	if (!workers)
		return -ENOMEM;
	all_done = on_all_done;
	atomic_store(&running, n);
	for (i = 0; i < n; i++) {
		struct worker *w = &workers[i];

		w->rng = uni.wl.seed + i;
		core_rand(&w->rng); /* decorrelate neighbouring seeds */
		w->aux = (uni.wl.seed + i) ^ 0x5851f42d4c957f2dULL;
		err = pthread_create(&w->thread, NULL, worker_main, w);
		if (err) {
			atomic_fetch_sub(&running, n - i);
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

uint64_t workers_lookups(void)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < nworkers; i++)
		sum += atomic_load_explicit(&workers[i].lookups, memory_order_relaxed);
	return sum;
}

static int tally_print(FILE *f)
{
	uint64_t th = 0, tm = 0;
	uint32_t i;

	for (i = 0; i < uni.wl.symbols; i++) {
		uint32_t idx = uni.by_label[i];
		uint64_t h = atomic_load_explicit(&uni.tally[idx].hits, memory_order_relaxed);
		uint64_t m = atomic_load_explicit(&uni.tally[idx].misses, memory_order_relaxed);

		if (!h && !m)
			continue;
		fprintf(f, "%s %llu %llu %llu\n", uni.labels[idx], (unsigned long long)(h + m),
			(unsigned long long)h, (unsigned long long)m);
		th += h;
		tm += m;
	}
	fprintf(f, "TOTAL %llu %llu %llu\n", (unsigned long long)(th + tm), (unsigned long long)th,
		(unsigned long long)tm);
	return 0;
}

static int map_print(FILE *f)
{
	uint32_t i;

	for (i = 0; i < uni.wl.symbols; i++)
		fprintf(f, "%u %s\n", uni.wl.id_base + i, uni.names[i]);
	return 0;
}

/*
 * Writes PATH.tmp, then renames it over PATH, so readers never see a partial file; stdout
 * when PATH is NULL. 0 or -errno.
 */
int atomic_write(const char *path, int (*print)(FILE *f))
{
	size_t len;
	char *tmp;
	FILE *f;
	int err;

	struct stat st;

	if (!path) {
		print(stdout);
		return fflush(stdout) ? -errno : 0;
	}
	/* /dev/null, a FIFO...: write in place; renaming over it would replace the device. */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		f = fopen(path, "w");
		if (!f)
			return -errno;
		err = print(f);
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
		free(tmp);
		return err;
	}
	err = print(f);
	if (fflush(f) && !err)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

int tally_write(const char *path)
{
	return atomic_write(path, tally_print);
}

int symbol_map_write(const char *path)
{
	return atomic_write(path, map_print);
}
