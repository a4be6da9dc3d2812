// SPDX-License-Identifier: GPL-2.0
/*
 * shapes: command line, lifecycle and signals, following uprobes-targets/featurestore.
 * Every thread blocks the signals and the main thread collects them with sigtimedwait().
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

#include "core.h"
#include "shapes.h"

static const char *const shape_names[] = {
	[SHAPE_STRUCT] = "struct", [SHAPE_PTRLEN] = "ptrlen", [SHAPE_INTID] = "intid",
	[SHAPE_RAWKEY] = "rawkey", [SHAPE_RETVAL] = "retval", [SHAPE_RETBOOL] = "retbool",
	[SHAPE_LIB] = "lib",
};
#define NSHAPES (sizeof(shape_names) / sizeof(shape_names[0]))

struct options {
	struct workload wl;
	int have_shape;
	double duration;
	uint64_t capacity;
	uint64_t ttl_ms;
	const char *tally;
	const char *symbol_map;
	int wait_start;
	int hold;
};

enum {
	OPT_SHAPE = 256,
	OPT_SYMBOLS,
	OPT_ZIPF,
	OPT_THREADS,
	OPT_RATE,
	OPT_REQUESTS,
	OPT_DURATION,
	OPT_SEED,
	OPT_CAPACITY,
	OPT_TTL,
	OPT_TALLY,
	OPT_WAIT_START,
	OPT_HOLD,
	OPT_RAW_KEYS,
	OPT_ID_BASE,
	OPT_SYMBOL_MAP,
};

static const struct option long_options[] = {
	{ "shape", required_argument, NULL, OPT_SHAPE },
	{ "symbols", required_argument, NULL, OPT_SYMBOLS },
	{ "zipf", required_argument, NULL, OPT_ZIPF },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "requests", required_argument, NULL, OPT_REQUESTS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "capacity", required_argument, NULL, OPT_CAPACITY },
	{ "ttl-ms", required_argument, NULL, OPT_TTL },
	{ "tally", required_argument, NULL, OPT_TALLY },
	{ "wait-start", no_argument, NULL, OPT_WAIT_START },
	{ "hold", no_argument, NULL, OPT_HOLD },
	{ "raw-keys", required_argument, NULL, OPT_RAW_KEYS },
	{ "id-base", required_argument, NULL, OPT_ID_BASE },
	{ "symbol-map", required_argument, NULL, OPT_SYMBOL_MAP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
	"usage: shapes --shape SHAPE [OPTION]...\n"
	"One load generator, one LRU cache, several ways of passing the key to the lookup.\n"
	"\n"
	"  --shape SHAPE          struct | ptrlen | intid | rawkey | retval | retbool | lib\n"
	"  --symbols N            symbol universe size (default 1500)\n"
	"  --zipf S               skew, rank r has weight 1/r^S; 0 = uniform (default 1.1)\n"
	"  --threads T            load generator threads (default 2)\n"
	"  --rate R               lookups/s per thread; 0 = as fast as possible (default 0)\n"
	"  --requests N           lookups per thread, then stop; 0 = unlimited (default 0)\n"
	"  --duration SECS        stop after SECS seconds; 0 = unlimited (default 0)\n"
	"  --seed N               thread i seeds its PRNG with N + i (default 1)\n"
	"  --capacity N           cache entries, LRU eviction (default 1024)\n"
	"  --ttl-ms MS            entry lifetime; 0 = never expires (default 0)\n"
	"  --tally PATH           per-key ground truth (default: stdout)\n"
	"  --wait-start           print 'ready pid=PID', then wait for SIGUSR1\n"
	"  --hold                 after the workload: write tally, print 'done', await SIGTERM\n"
	"  --raw-keys N           rawkey: feature names per symbol, f000000.. (default 1000)\n"
	"  --id-base N            intid: id of the most popular symbol (default 1)\n"
	"  --symbol-map PATH      intid: write 'ID SYMBOL' lines to PATH\n"
	"  -h, --help             show this help\n";

static sigset_t signals;
static pthread_t main_thread;

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("shapes: ", stderr);
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

static const char *parse_path(const char *opt, const char *arg)
{
	if (!*arg)
		usage_error("--%s: expected a path, got ''", opt);
	return arg;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	*o = (struct options){
		.wl = { .symbols = 1500,
			.zipf = 1.1,
			.threads = 2,
			.seed = 1,
			.raw_keys = 1000,
			.id_base = 1 },
		.capacity = 1024,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		const char *name = "";
		unsigned int i;

		for (i = 0; long_options[i].name; i++)
			if (long_options[i].val == c)
				name = long_options[i].name;
		switch (c) {
		case OPT_SHAPE:
			for (i = 0; i < NSHAPES && strcmp(optarg, shape_names[i]); i++)
				;
			if (i == NSHAPES)
				usage_error(
					"--shape: expected struct, ptrlen, intid, rawkey, retval, "
					"retbool or lib, got '%s'",
					optarg);
			o->wl.shape = (enum shape)i;
			o->have_shape = 1;
			break;
		case OPT_SYMBOLS:
			o->wl.symbols = (uint32_t)parse_uint(name, optarg, 1, 10000000);
			break;
		case OPT_ZIPF:
			o->wl.zipf = parse_double(name, optarg);
			break;
		case OPT_THREADS:
			o->wl.threads = (uint32_t)parse_uint(name, optarg, 1, 1024);
			break;
		case OPT_RATE:
			o->wl.rate = parse_double(name, optarg);
			break;
		case OPT_REQUESTS:
			o->wl.requests = parse_uint(name, optarg, 0, UINT64_MAX);
			break;
		case OPT_DURATION:
			o->duration = parse_double(name, optarg);
			break;
		case OPT_SEED:
			o->wl.seed = parse_uint(name, optarg, 0, UINT64_MAX);
			break;
		case OPT_CAPACITY:
			o->capacity = parse_uint(name, optarg, 1, 1 << 26);
			break;
		case OPT_TTL:
			o->ttl_ms = parse_uint(name, optarg, 0, 1000ULL * 86400 * 365);
			break;
		case OPT_TALLY:
			o->tally = parse_path(name, optarg);
			break;
		case OPT_WAIT_START:
			o->wait_start = 1;
			break;
		case OPT_HOLD:
			o->hold = 1;
			break;
		case OPT_RAW_KEYS:
			o->wl.raw_keys = (uint32_t)parse_uint(name, optarg, 1, 100000000);
			break;
		case OPT_ID_BASE:
			o->wl.id_base = (uint32_t)parse_uint(name, optarg, 0, UINT32_MAX);
			break;
		case OPT_SYMBOL_MAP:
			o->symbol_map = parse_path(name, optarg);
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
	if (!o->have_shape)
		usage_error("--shape is required (struct, ptrlen, intid, rawkey, retval, retbool "
			    "or lib)");
	if ((uint64_t)o->wl.id_base + o->wl.symbols - 1 > UINT32_MAX)
		usage_error("--id-base: %u + --symbols %u exceeds the 32-bit id range",
			    o->wl.id_base, o->wl.symbols);
}

static void write_tally(const struct options *o, int fatal)
{
	int err = tally_write(o->tally);

	if (!err)
		return;
	fprintf(stderr, "shapes: writing tally to %s: %s\n", o->tally ? o->tally : "stdout",
		strerror(-err));
	if (fatal)
		exit(1);
}

/* Waits for one of our signals until a CLOCK_MONOTONIC deadline (0: forever); 0 on timeout. */
static int wait_signal(int64_t deadline_ns)
{
	for (;;) {
		int64_t left = deadline_ns - core_now_ns(CLOCK_MONOTONIC);
		struct timespec ts;
		int sig;

		if (!deadline_ns) {
			sig = sigwaitinfo(&signals, NULL);
		} else {
			if (left <= 0)
				return 0;
			ts.tv_sec = left / 1000000000;
			ts.tv_nsec = left % 1000000000;
			sig = sigtimedwait(&signals, NULL, &ts);
		}
		if (sig > 0)
			return sig;
		if (errno == EAGAIN)
			return 0;
	}
}

static void on_all_done(void)
{
	pthread_kill(main_thread, SIGRTMIN);
}

/* Runs the load until it is finished, --duration passes or a stop signal; 1 if signalled. */
static int run(const struct options *o)
{
	int64_t end = o->duration ? core_now_ns(CLOCK_MONOTONIC) + (int64_t)(o->duration * 1e9) : 0;

	for (;;) {
		int sig = wait_signal(end);

		if (!sig)
			return 0; /* --duration passed */
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
	int64_t start;

	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGUSR1);
	sigaddset(&signals, SIGUSR2);
	sigaddset(&signals, SIGRTMIN);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	main_thread = pthread_self();

	parse_options(argc, argv, &o);
	if (universe_init(&o.wl) || cache_init((uint32_t)o.capacity, o.ttl_ms)) {
		fprintf(stderr, "shapes: out of memory\n");
		return 1;
	}
	if (o.symbol_map && (err = symbol_map_write(o.symbol_map))) {
		fprintf(stderr, "shapes: writing symbol map to %s: %s\n", o.symbol_map,
			strerror(-err));
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

	start = core_now_ns(CLOCK_MONOTONIC);
	err = workers_start(on_all_done);
	if (err)
		fprintf(stderr, "shapes: starting workers: %s\n", strerror(-err));
	signalled = err ? 1 : run(&o);
	workers_stop();
	workers_join();
	if (workers_lookups())
		fprintf(stderr, "elapsed_ns=%lld lookups=%llu\n",
			(long long)(core_now_ns(CLOCK_MONOTONIC) - start),
			(unsigned long long)workers_lookups());
	write_tally(&o, 1);
	if (err)
		return 1;

	if (o.hold && !signalled) {
		printf("done\n");
		fflush(stdout);
		while ((sig = wait_signal(0)) != SIGINT && sig != SIGTERM)
			if (sig == SIGUSR2)
				write_tally(&o, 0);
	}
	return 0;
}
