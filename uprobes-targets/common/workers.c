// SPDX-License-Identifier: GPL-2.0
/* Worker threads, pacing, and the per-thread counters the rate reports are made from. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "clock.h"
#include "rng.h"
#include "workers.h"

struct worker {
	pthread_t thread;
	const struct load *load;
	uint64_t rng;	   /* picks symbols: the same stream in every target */
	uint64_t aux;	   /* the lookup's own randomness */
	int64_t period_ns; /* 0: as fast as possible */
	/* Written by the owning worker only, read by the reporter; own line to avoid sharing. */
	_Alignas(64) _Atomic uint64_t hits;
	_Atomic uint64_t misses;
};

static struct worker *workers;
static unsigned int nworkers;
static _Atomic unsigned int running;
static _Atomic int stopping;
static void (*on_all_done)(void);

static int stop_requested(void)
{
	return atomic_load_explicit(&stopping, memory_order_relaxed);
}

/* Sleeps until an absolute deadline in short slices, so a stop request is seen promptly. */
static void pace(int64_t deadline_ns)
{
	const int64_t slice_ns = 100 * 1000000;

	for (;;) {
		int64_t now = now_ns(CLOCK_MONOTONIC);
		int64_t until = deadline_ns;
		struct timespec ts;

		if (now >= deadline_ns || stop_requested())
			return;
		if (until - now > slice_ns)
			until = now + slice_ns;
		ts.tv_sec = until / NSEC_PER_SEC;
		ts.tv_nsec = until % NSEC_PER_SEC;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct load *load = w->load;
	int64_t deadline = now_ns(CLOCK_MONOTONIC);
	uint64_t hits = 0, misses = 0, done;

	for (done = 0; !load->requests || done < load->requests; done++) {
		uint32_t idx;

		if (stop_requested())
			break;
		if (w->period_ns) {
			deadline += w->period_ns;
			/* After a long stall, resume the rate instead of bursting to catch up. */
			if (now_ns(CLOCK_MONOTONIC) - deadline > NSEC_PER_SEC)
				deadline = now_ns(CLOCK_MONOTONIC);
			pace(deadline);
		}

		idx = universe_pick(load->universe, &w->rng);
		if (load->lookup(idx, done, &w->aux)) {
			tally_count(load->tally, idx, 1);
			atomic_store_explicit(&w->hits, ++hits, memory_order_relaxed);
		} else {
			tally_count(load->tally, idx, 0);
			atomic_store_explicit(&w->misses, ++misses, memory_order_relaxed);
		}
	}

	if (atomic_fetch_sub(&running, 1) == 1 && on_all_done)
		on_all_done();
	return NULL;
}

int workers_start(const struct load *load, void (*all_done)(void))
{
	unsigned int i, n = load->threads;
	int err;

	workers = calloc(n, sizeof(*workers));
	if (!workers)
		return -ENOMEM;
	on_all_done = all_done;
	atomic_store(&running, n);

	for (i = 0; i < n; i++) {
		struct worker *w = &workers[i];

		w->load = load;
		w->rng = load->seed + i;
		rng_next(&w->rng); /* decorrelate neighbouring seeds */
		w->aux = (load->seed + i) ^ 0x5851f42d4c957f2dULL;
		w->period_ns = load->rate > 0 ? (int64_t)(1e9 / load->rate) : 0;
		if (load->rate > 0 && w->period_ns < 1)
			w->period_ns = 1;
		err = pthread_create(&w->thread, NULL, worker_main, w);
		if (err) {
			/* The ones already running keep going; the caller stops and joins them. */
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

void workers_totals(uint64_t *hits, uint64_t *misses)
{
	unsigned int i;

	*hits = *misses = 0;
	for (i = 0; i < nworkers; i++) {
		*hits += atomic_load_explicit(&workers[i].hits, memory_order_relaxed);
		*misses += atomic_load_explicit(&workers[i].misses, memory_order_relaxed);
	}
}
