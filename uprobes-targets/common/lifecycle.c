// SPDX-License-Identifier: GPL-2.0
/*
 * Signals are blocked in every thread and the main thread collects them with sigtimedwait(),
 * so signal handling is ordinary code: no async-signal-safety puzzles around writing the
 * tally file.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "lifecycle.h"

static sigset_t signals;
static pthread_t main_thread;

void lifecycle_block_signals(void)
{
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGUSR1);
	sigaddset(&signals, SIGUSR2);
	sigaddset(&signals, SIGRTMIN);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	main_thread = pthread_self();
}

/* The last worker to finish wakes the main thread out of sigtimedwait(). */
static void all_done(void)
{
	pthread_kill(main_thread, SIGRTMIN);
}

static void write_tally(const struct lifecycle *lc, const struct load *load, int fatal)
{
	int err = tally_write(load->tally, lc->tally_path);

	if (!err)
		return;
	cli_warn("writing tally to %s: %s", lc->tally_path ? lc->tally_path : "stdout",
		 strerror(-err));
	if (fatal)
		exit(1);
}

/* Waits for a signal until an absolute CLOCK_MONOTONIC deadline (0: forever); 0 on timeout. */
static int wait_signal(int64_t deadline_ns)
{
	for (;;) {
		int64_t left = deadline_ns - now_ns(CLOCK_MONOTONIC);
		struct timespec ts;
		int sig;

		if (!deadline_ns) {
			sig = sigwaitinfo(&signals, NULL);
		} else {
			if (left <= 0)
				return 0;
			ts.tv_sec = left / NSEC_PER_SEC;
			ts.tv_nsec = left % NSEC_PER_SEC;
			sig = sigtimedwait(&signals, NULL, &ts);
		}
		if (sig > 0)
			return sig;
		if (errno == EAGAIN)
			return 0;
		/* EINTR: e.g. SIGCONT after a stop; just wait again. */
	}
}

/* Until SIGUSR1 (0) or a stop signal (1), writing the tally on SIGUSR2. */
static int wait_start(const struct lifecycle *lc, const struct load *load)
{
	int sig;

	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	while ((sig = wait_signal(0)) != SIGUSR1) {
		if (sig == SIGUSR2)
			write_tally(lc, load, 0);
		else if (sig == SIGINT || sig == SIGTERM)
			return 1;
	}
	return 0;
}

struct rates {
	int64_t start_ns, last_ns;
	uint64_t last_hits, last_misses;
};

static void report(struct rates *r)
{
	int64_t now = now_ns(CLOCK_MONOTONIC);
	double t = (double)(now - r->start_ns) / NSEC_PER_SEC;
	double secs = (double)(now - r->last_ns) / NSEC_PER_SEC;
	uint64_t hits, misses, dh, dm;

	workers_totals(&hits, &misses);
	dh = hits - r->last_hits;
	dm = misses - r->last_misses;
	if (dh + dm)
		fprintf(stderr, "t=%.1fs lookups/s=%.0f hit_ratio=%.2f%%\n", t,
			(double)(dh + dm) / secs, 100.0 * (double)dh / (double)(dh + dm));
	else
		fprintf(stderr, "t=%.1fs lookups/s=0 hit_ratio=n/a\n", t);
	r->last_ns = now;
	r->last_hits = hits;
	r->last_misses = misses;
}

/* Waits out the load: until it finishes, --duration passes or a stop signal; 1 if signalled. */
static int run(const struct lifecycle *lc, const struct load *load)
{
	int64_t start = now_ns(CLOCK_MONOTONIC);
	int64_t end = lc->duration ? start + (int64_t)(lc->duration * NSEC_PER_SEC) : 0;
	int64_t interval = (int64_t)(lc->report_interval * NSEC_PER_SEC);
	int64_t next_report = interval ? start + interval : 0;
	struct rates rates = { .start_ns = start, .last_ns = start };

	for (;;) {
		int64_t now = now_ns(CLOCK_MONOTONIC);
		int64_t wake = end;
		int sig;

		if (end && now >= end)
			return 0;
		if (next_report && now >= next_report) {
			report(&rates);
			next_report += interval;
			continue;
		}
		if (next_report && (!wake || next_report < wake))
			wake = next_report;

		sig = wait_signal(wake);
		if (sig == SIGUSR2)
			write_tally(lc, load, 0);
		else if (sig == SIGINT || sig == SIGTERM)
			return 1;
		else if (sig == SIGRTMIN)
			return 0;
	}
}

/* How long the load took: what make bench compares with and without probes. */
static void print_elapsed(const struct lifecycle *lc, int64_t start_ns, unsigned int threads)
{
	long long ns = now_ns(CLOCK_MONOTONIC) - start_ns;
	unsigned long long lookups;
	uint64_t hits, misses;

	workers_totals(&hits, &misses);
	lookups = hits + misses;
	if (!lookups)
		return;
	if (lc->ns_per_lookup)
		fprintf(stderr, "elapsed_ns=%lld lookups=%llu ns_per_lookup=%.1f\n", ns, lookups,
			(double)ns * threads / (double)lookups);
	else
		fprintf(stderr, "elapsed_ns=%lld lookups=%llu\n", ns, lookups);
}

int lifecycle_run(const struct lifecycle *lc, const struct load *load)
{
	int64_t start;
	int err, sig, signalled;

	if (lc->wait_start && wait_start(lc, load)) {
		write_tally(lc, load, 1);
		return 0;
	}

	start = now_ns(CLOCK_MONOTONIC);
	err = workers_start(load, all_done);
	if (err)
		cli_warn("starting workers: %s", strerror(-err));
	signalled = err ? 1 : run(lc, load);
	workers_stop();
	workers_join();
	print_elapsed(lc, start, load->threads);
	write_tally(lc, load, 1);
	if (err)
		return 1;

	/* A stop signal during the load means "exit now", even with --hold. */
	if (lc->hold && !signalled) {
		printf("done\n");
		fflush(stdout);
		while ((sig = wait_signal(0)) != SIGINT && sig != SIGTERM)
			if (sig == SIGUSR2)
				write_tally(lc, load, 0);
	}
	return 0;
}
