// SPDX-License-Identifier: GPL-2.0
/*
 * featurestore: command line, lifecycle and signals.
 *
 * Every thread blocks the signals we care about and the main thread collects them with
 * sigtimedwait(), so signal handling is ordinary code: no async-signal-safety puzzles around
 * writing the tally file.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "featurestore.h"

#define NSEC_PER_SEC 1000000000LL

struct options {
	uint64_t symbols;
	double zipf;
	uint64_t threads;
	double rate;
	uint64_t requests;
	double duration;
	uint64_t seed;
	int wait_start;
	int hold;
	double report_interval;
	uint64_t capacity;
	uint64_t ttl_ms;
	uint64_t compute_us;
	const char *tally;
};

enum {
	OPT_SYMBOLS = 256,
	OPT_ZIPF,
	OPT_THREADS,
	OPT_RATE,
	OPT_REQUESTS,
	OPT_DURATION,
	OPT_SEED,
	OPT_WAIT_START,
	OPT_HOLD,
	OPT_REPORT,
	OPT_CAPACITY,
	OPT_TTL,
	OPT_COMPUTE,
	OPT_TALLY,
};

static const struct option long_options[] = {
	{ "symbols", required_argument, NULL, OPT_SYMBOLS },
	{ "zipf", required_argument, NULL, OPT_ZIPF },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "requests", required_argument, NULL, OPT_REQUESTS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "wait-start", no_argument, NULL, OPT_WAIT_START },
	{ "hold", no_argument, NULL, OPT_HOLD },
	{ "report-interval", required_argument, NULL, OPT_REPORT },
	{ "capacity", required_argument, NULL, OPT_CAPACITY },
	{ "ttl-ms", required_argument, NULL, OPT_TTL },
	{ "compute-us", required_argument, NULL, OPT_COMPUTE },
	{ "tally", required_argument, NULL, OPT_TALLY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
	"usage: featurestore [OPTION]...\n"
	"A trading feature store with an in-process LRU cache and a built-in load generator.\n"
	"\n"
	"  --symbols N            symbol universe size (default 1500)\n"
	"  --zipf S               skew, rank r has weight 1/r^S; 0 = uniform (default 1.1)\n"
	"  --threads T            load generator threads (default 2)\n"
	"  --rate R               lookups/s per thread; 0 = as fast as possible (default 0)\n"
	"  --requests N           lookups per thread, then stop; 0 = unlimited (default 0)\n"
	"  --duration SECS        stop after SECS seconds; 0 = unlimited (default 0)\n"
	"  --seed N               load generator seed; thread i uses N + i (default 1)\n"
	"  --capacity N           cache entries, LRU eviction when full (default 1024)\n"
	"  --ttl-ms MS            entry lifetime; 0 = never expires (default 0)\n"
	"  --compute-us US        extra CPU time added to every recompute (default 0)\n"
	"  --tally PATH           write per-symbol ground truth to PATH (default: stdout)\n"
	"  --wait-start           print 'ready pid=PID', then wait for SIGUSR1 before loading\n"
	"  --hold                 after the workload: write tally, print 'done', await SIGTERM\n"
	"  --report-interval SECS print lookups/s and hit ratio to stderr every SECS (default 0)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Signals: SIGUSR1 starts the load (--wait-start), SIGUSR2 writes the tally,\n"
	"SIGINT/SIGTERM stop the load, write the tally and exit 0.\n";

static sigset_t signals;
static pthread_t main_thread;

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("featurestore: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t parse_uint(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	unsigned long long val;
	char *end;

	errno = 0;
	/* strtoull would accept "-1" and leading blanks; a flag value must be digits only. */
	if (!isdigit((unsigned char)arg[0]))
		goto bad;
	val = strtoull(arg, &end, 10);
	if (*end || val < min)
		goto bad;
	if (val > max || errno == ERANGE)
		usage_error("--%s: expected at most %llu, got '%s'", opt, (unsigned long long)max,
			    arg);
	return val;
bad:
	usage_error("--%s: expected a %s integer, got '%s'", opt, min ? "positive" : "non-negative",
		    arg);
}

static double parse_double(const char *opt, const char *arg)
{
	char *end;
	double val;

	if (!isdigit((unsigned char)arg[0]) && arg[0] != '.')
		goto bad;
	val = strtod(arg, &end);
	if (*end || !isfinite(val) || val < 0)
		goto bad;
	return val;
bad:
	usage_error("--%s: expected a non-negative number, got '%s'", opt, arg);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	*o = (struct options){
		.symbols = 1500,
		.zipf = 1.1,
		.threads = 2,
		.seed = 1,
		.capacity = 1024,
	};

	opterr = 0; /* our own one-line messages instead of getopt's */
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		const char *name = "";
		int i;

		for (i = 0; long_options[i].name; i++)
			if (long_options[i].val == c)
				name = long_options[i].name;

		switch (c) {
		case OPT_SYMBOLS:
			o->symbols = parse_uint(name, optarg, 1, 10000000);
			break;
		case OPT_ZIPF:
			o->zipf = parse_double(name, optarg);
			break;
		case OPT_THREADS:
			o->threads = parse_uint(name, optarg, 1, 1024);
			break;
		case OPT_RATE:
			o->rate = parse_double(name, optarg);
			break;
		case OPT_REQUESTS:
			o->requests = parse_uint(name, optarg, 0, UINT64_MAX);
			break;
		case OPT_DURATION:
			o->duration = parse_double(name, optarg);
			break;
		case OPT_SEED:
			o->seed = parse_uint(name, optarg, 0, UINT64_MAX);
			break;
		case OPT_WAIT_START:
			o->wait_start = 1;
			break;
		case OPT_HOLD:
			o->hold = 1;
			break;
		case OPT_REPORT:
			o->report_interval = parse_double(name, optarg);
			break;
		case OPT_CAPACITY:
			o->capacity = parse_uint(name, optarg, 1, 1 << 26);
			break;
		case OPT_TTL:
			o->ttl_ms = parse_uint(name, optarg, 0, 1000ULL * 86400 * 365);
			break;
		case OPT_COMPUTE:
			o->compute_us = parse_uint(name, optarg, 0, 10 * 1000000);
			break;
		case OPT_TALLY:
			if (!*optarg)
				usage_error("--tally: expected a path, got ''");
			o->tally = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case ':':
			usage_error("option '%s' requires an argument", argv[optind - 1]);
		default:
			usage_error("unrecognized option '%s' (try --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s' (try --help)", argv[optind]);
}

static void write_tally(const struct options *o, int fatal)
{
	int err = tally_write(o->tally);

	if (!err)
		return;
	fprintf(stderr, "featurestore: writing tally to %s: %s\n", o->tally ? o->tally : "stdout",
		strerror(-err));
	if (fatal)
		exit(1);
}

/* Waits for a signal until an absolute CLOCK_MONOTONIC deadline (0: forever); 0 on timeout. */
static int wait_signal(int64_t deadline_ns)
{
	for (;;) {
		int64_t left = deadline_ns - fs_now_ns(CLOCK_MONOTONIC);
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

/* The last worker to finish wakes the main thread out of sigtimedwait(). */
static void on_all_done(void)
{
	pthread_kill(main_thread, SIGRTMIN);
}

static void report(int64_t start_ns, int64_t *last_ns, uint64_t *last_hits, uint64_t *last_misses)
{
	int64_t now = fs_now_ns(CLOCK_MONOTONIC);
	uint64_t hits, misses, dh, dm;
	double secs = (double)(now - *last_ns) / NSEC_PER_SEC;

	workers_totals(&hits, &misses);
	dh = hits - *last_hits;
	dm = misses - *last_misses;
	if (dh + dm)
		fprintf(stderr, "t=%.1fs lookups/s=%.0f hit_ratio=%.2f%%\n",
			(double)(now - start_ns) / NSEC_PER_SEC, (double)(dh + dm) / secs,
			100.0 * (double)dh / (double)(dh + dm));
	else
		fprintf(stderr, "t=%.1fs lookups/s=0 hit_ratio=n/a\n",
			(double)(now - start_ns) / NSEC_PER_SEC);
	*last_ns = now;
	*last_hits = hits;
	*last_misses = misses;
}

/* How long the load took: what make bench compares with and without probes. */
static void print_elapsed(int64_t start_ns, unsigned int threads)
{
	double ns = (double)(fs_now_ns(CLOCK_MONOTONIC) - start_ns);
	uint64_t hits, misses;

	workers_totals(&hits, &misses);
	if (hits + misses)
		fprintf(stderr, "elapsed_ns=%.0f lookups=%llu ns_per_lookup=%.1f\n", ns,
			(unsigned long long)(hits + misses), ns * threads / (double)(hits + misses));
}

/* Runs the load until it finishes, --duration expires or a stop signal; 1 if signalled. */
static int run(const struct options *o)
{
	int64_t start = fs_now_ns(CLOCK_MONOTONIC), last = start;
	int64_t end = o->duration ? start + (int64_t)(o->duration * NSEC_PER_SEC) : 0;
	int64_t interval = (int64_t)(o->report_interval * NSEC_PER_SEC);
	int64_t next_report = interval ? start + interval : 0;
	uint64_t last_hits = 0, last_misses = 0;

	for (;;) {
		int64_t now = fs_now_ns(CLOCK_MONOTONIC);
		int64_t wake = end;
		int sig;

		if (end && now >= end)
			return 0;
		if (next_report && now >= next_report) {
			report(start, &last, &last_hits, &last_misses);
			next_report += interval;
			continue;
		}
		if (next_report && (!wake || next_report < wake))
			wake = next_report;

		sig = wait_signal(wake);
		if (sig == SIGUSR2)
			write_tally(o, 0);
		else if (sig == SIGINT || sig == SIGTERM)
			return 1;
		else if (sig == SIGRTMIN)
			return 0;
	}
}

int main(int argc, char **argv)
{
	struct options o;
	int sig, err, signalled;
	int64_t start_ns;

	/* Before any thread exists, so every thread inherits the mask and signals queue for us. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGUSR1);
	sigaddset(&signals, SIGUSR2);
	sigaddset(&signals, SIGRTMIN);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	main_thread = pthread_self();

	parse_options(argc, argv, &o);

	if (universe_init(o.symbols, o.zipf) || cache_init(o.capacity, o.ttl_ms, o.compute_us)) {
		fprintf(stderr, "featurestore: out of memory\n");
		return 1;
	}

	if (o.wait_start) {
		printf("ready pid=%d\n", (int)getpid());
		fflush(stdout);
		while ((sig = wait_signal(0)) != SIGUSR1) {
			if (sig == SIGUSR2) {
				write_tally(&o, 0);
			} else if (sig == SIGINT || sig == SIGTERM) {
				write_tally(&o, 1);
				return 0;
			}
		}
	}

	start_ns = fs_now_ns(CLOCK_MONOTONIC);
	err = workers_start(o.threads, o.requests, o.rate, o.seed, on_all_done);
	if (err)
		fprintf(stderr, "featurestore: starting workers: %s\n", strerror(-err));
	signalled = err ? 1 : run(&o);
	workers_stop();
	workers_join();
	print_elapsed(start_ns, o.threads);
	write_tally(&o, 1);
	if (err)
		return 1;

	/* A stop signal during the load means "exit now", even with --hold. */
	if (o.hold && !signalled) {
		printf("done\n");
		fflush(stdout);
		while ((sig = wait_signal(0)) != SIGINT && sig != SIGTERM)
			if (sig == SIGUSR2)
				write_tally(&o, 0);
	}
	return 0;
}
