// SPDX-License-Identifier: GPL-2.0
/*
 * featurestore-cxx load generator: flags, tally file, symbol names, Zipf model, PRNG streams
 * and signals as in uprobes-targets/featurestore.
 */
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <getopt.h>
#include <memory>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "featurestore.hpp"

static const char *const tickers[] = {
	"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B", "JPM",  "V",
	"UNH",	"XOM",	"JNJ",	"MA",	"PG",	 "AVGO", "HD",	 "CVX",	  "MRK",  "ABBV",
	"COST", "PEP",	"KO",	"ADBE", "WMT",	 "BAC",	 "CRM",	 "MCD",	  "CSCO", "TMO",
	"ACN",	"NFLX", "AMD",	"LIN",	"ORCL",	 "ABT",	 "DIS",	 "WFC",	  "INTC", "CMCSA",
	"VZ",	"TXN",	"PFE",	"QCOM", "NKE",	 "IBM",	 "GS",	 "MS",	  "CAT",  "BA",
};
static const char long_suffix[] = ".US.EQUITY.PRIMARY";

struct Options {
	uint64_t symbols = 1500, threads = 2, requests = 0, seed = 1, capacity = 1024, ttl_ms = 0;
	double zipf = 1.1, rate = 0, duration = 0;
	bool wait_start = false, hold = false, long_keys = false, find_mode = false;
	const char *tally = nullptr;
};

struct Tally {
	std::atomic<uint64_t> hits{ 0 }, misses{ 0 };
};

static Options opt;
static std::vector<std::string> names; /* rank order: names[0] is the most popular */
static std::vector<double> cdf;
static std::vector<uint32_t> by_name;
static std::unique_ptr<Tally[]> tally;
static std::atomic<bool> stopping{ false };
static std::atomic<unsigned> running{ 0 };
static pthread_t main_thread;
static sigset_t signals;

static void universe_init()
{
	double sum = 0;
	for (uint32_t i = 0; i < opt.symbols; i++) {
		char buf[32];
		if (i < sizeof(tickers) / sizeof(tickers[0]))
			snprintf(buf, sizeof(buf), "%s", tickers[i]);
		else
			snprintf(buf, sizeof(buf), "SYM%05u", i + 1);
		names.emplace_back(buf);
		/* --long-keys: every second rank gets a 22+ byte, heap-allocated key. */
		if (opt.long_keys && i % 2 == 1)
			names.back() += long_suffix;
		sum += std::pow(i + 1.0, -opt.zipf);
		cdf.push_back(sum);
		by_name.push_back(i);
	}
	for (double &c : cdf)
		c /= sum;
	cdf.back() = 1.0;
	std::sort(by_name.begin(), by_name.end(),
		  [](uint32_t a, uint32_t b) { return names[a] < names[b]; });
	tally.reset(new Tally[opt.symbols]);
}

static uint32_t pick(uint64_t &rng)
{
	double u = rnd_unit(rng);
	if (opt.zipf == 0.0)
		return uint32_t(u * double(opt.symbols));
	return uint32_t(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
}

static void pace(int64_t deadline)
{
	for (;;) {
		int64_t now = now_ns(CLOCK_MONOTONIC), until = deadline;
		if (now >= deadline || stopping.load(std::memory_order_relaxed))
			return;
		if (until - now > 100000000)
			until = now + 100000000;
		timespec ts{ time_t(until / 1000000000), long(until % 1000000000) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
	}
}

static void worker(FeatureCache *cache, uint64_t rng)
{
	int64_t period = opt.rate > 0 ? std::max<int64_t>(1, int64_t(1e9 / opt.rate)) : 0;
	int64_t deadline = now_ns(CLOCK_MONOTONIC);

	rnd(rng); /* decorrelate neighbouring seeds */
	for (uint64_t done = 0; !opt.requests || done < opt.requests; done++) {
		if (stopping.load(std::memory_order_relaxed))
			break;
		if (period) {
			deadline += period;
			if (now_ns(CLOCK_MONOTONIC) - deadline > 1000000000)
				deadline = now_ns(CLOCK_MONOTONIC);
			pace(deadline);
		}
		uint32_t idx = pick(rng);
		/* A request-scoped copy: short names use the SSO buffer, long ones the heap. */
		std::string symbol(names[idx]);
		Features f;
		bool hit;
		if (opt.find_mode) {
			hit = cache->find(symbol) != nullptr;
			if (!hit)
				cache->insert(symbol, f);
		} else {
			hit = cache->get(symbol, f);
		}
		(hit ? tally[idx].hits : tally[idx].misses).fetch_add(1, std::memory_order_relaxed);
	}
	if (running.fetch_sub(1) == 1)
		pthread_kill(main_thread, SIGRTMIN);
}

static int write_tally()
{
	std::string out;
	uint64_t th = 0, tm = 0;
	char line[128];
	for (uint32_t idx : by_name) {
		uint64_t h = tally[idx].hits.load(), m = tally[idx].misses.load();
		if (!h && !m)
			continue;
		snprintf(line, sizeof(line), " %llu %llu %llu\n", (unsigned long long)(h + m),
			 (unsigned long long)h, (unsigned long long)m);
		out += names[idx] + line;
		th += h;
		tm += m;
	}
	snprintf(line, sizeof(line), "TOTAL %llu %llu %llu\n", (unsigned long long)(th + tm),
		 (unsigned long long)th, (unsigned long long)tm);
	out += line;
	if (!opt.tally) {
		bool ok = fwrite(out.data(), 1, out.size(), stdout) == out.size();
		return fflush(stdout) == 0 && ok ? 0 : -1;
	}
	/* /dev/null, a FIFO...: write in place; renaming over it would replace the device. */
	struct stat st;
	bool in_place = stat(opt.tally, &st) == 0 && !S_ISREG(st.st_mode);
	std::string tmp = in_place ? opt.tally : std::string(opt.tally) + ".tmp";
	FILE *f = fopen(tmp.c_str(), "w");
	if (!f)
		return -1;
	bool ok = fwrite(out.data(), 1, out.size(), f) == out.size();
	ok = (fclose(f) == 0) && ok && (in_place || rename(tmp.c_str(), opt.tally) == 0);
	if (!ok && !in_place)
		unlink(tmp.c_str());
	return ok ? 0 : -1;
}

static void tally_or_die(bool fatal)
{
	if (write_tally() == 0)
		return;
	fprintf(stderr, "featurestore-cxx: writing tally to %s: %s\n",
		opt.tally ? opt.tally : "stdout", strerror(errno));
	if (fatal)
		exit(1);
}

/* ---- options and lifecycle ----------------------------------------------------------- */

[[noreturn]] __attribute__((format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("featurestore-cxx: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t parse_uint(const char *name, const char *arg, uint64_t min, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = isdigit((unsigned char)arg[0]) ? strtoull(arg, &end, 10) : 0;
	if (!isdigit((unsigned char)arg[0]) || *end || v < min)
		usage_error("--%s: expected a %s integer, got '%s'", name,
			    min ? "positive" : "non-negative", arg);
	if (v > max || errno == ERANGE)
		usage_error("--%s: expected at most %llu, got '%s'", name, (unsigned long long)max,
			    arg);
	return v;
}

static double parse_double(const char *name, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);
	if ((!isdigit((unsigned char)arg[0]) && arg[0] != '.') || *end || !std::isfinite(v) ||
	    v < 0)
		usage_error("--%s: expected a non-negative number, got '%s'", name, arg);
	return v;
}

static const char usage_text[] =
	"usage: featurestore-cxx [OPTION]...\n"
	"The featurestore target with a C++ FeatureCache keyed by std::string.\n\n"
	"  --symbols N  --zipf S  --threads T  --rate R  --requests N  --duration SECS\n"
	"  --seed N  --capacity N  --ttl-ms MS  --tally PATH  --wait-start  --hold\n"
	"      as in featurestore (defaults 1500, 1.1, 2, 0, 0, 0, 1, 1024, 0, stdout)\n"
	"  --mode get|find   get: FeatureCache::get(); find: find(), then insert() on nullptr\n"
	"  --long-keys       append '.US.EQUITY.PRIMARY' to every second symbol (heap strings)\n";

static void parse_options(int argc, char **argv)
{
	static const option longopts[] = {
		{ "symbols", 1, nullptr, 's' },	   { "zipf", 1, nullptr, 'z' },
		{ "threads", 1, nullptr, 't' },	   { "rate", 1, nullptr, 'r' },
		{ "requests", 1, nullptr, 'n' },   { "duration", 1, nullptr, 'd' },
		{ "seed", 1, nullptr, 'S' },	   { "capacity", 1, nullptr, 'c' },
		{ "ttl-ms", 1, nullptr, 'T' },	   { "tally", 1, nullptr, 'o' },
		{ "wait-start", 0, nullptr, 'w' }, { "hold", 0, nullptr, 'H' },
		{ "mode", 1, nullptr, 'm' },	   { "long-keys", 0, nullptr, 'L' },
		{ "help", 0, nullptr, 'h' },	   { nullptr, 0, nullptr, 0 },
	};
	int c, idx = 0;
	opterr = 0; /* our own one-line messages instead of getopt's */
	while ((c = getopt_long(argc, argv, ":h", longopts, &idx)) != -1) {
		const char *name = longopts[idx].name;
		switch (c) {
		case 's':
			opt.symbols = parse_uint(name, optarg, 1, 10000000);
			break;
		case 'z':
			opt.zipf = parse_double(name, optarg);
			break;
		case 't':
			opt.threads = parse_uint(name, optarg, 1, 1024);
			break;
		case 'r':
			opt.rate = parse_double(name, optarg);
			break;
		case 'n':
			opt.requests = parse_uint(name, optarg, 0, UINT64_MAX);
			break;
		case 'd':
			opt.duration = parse_double(name, optarg);
			break;
		case 'S':
			opt.seed = parse_uint(name, optarg, 0, UINT64_MAX);
			break;
		case 'c':
			opt.capacity = parse_uint(name, optarg, 1, 1 << 26);
			break;
		case 'T':
			opt.ttl_ms = parse_uint(name, optarg, 0, 1000ULL * 86400 * 365);
			break;
		case 'o':
			if (!*optarg)
				usage_error("--tally: expected a path, got ''");
			opt.tally = optarg;
			break;
		case 'w':
			opt.wait_start = true;
			break;
		case 'H':
			opt.hold = true;
			break;
		case 'L':
			opt.long_keys = true;
			break;
		case 'm':
			if (strcmp(optarg, "get") && strcmp(optarg, "find"))
				usage_error("--mode: expected get or find, got '%s'", optarg);
			opt.find_mode = !strcmp(optarg, "find");
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

/* A signal from the set, or 0 once DEADLINE (CLOCK_MONOTONIC ns; 0 = none) has passed. */
static int wait_signal(int64_t deadline)
{
	for (;;) {
		int sig;
		if (!deadline) {
			sig = sigwaitinfo(&signals, nullptr);
		} else {
			int64_t left = deadline - now_ns(CLOCK_MONOTONIC);
			if (left <= 0)
				return 0;
			timespec ts{ time_t(left / 1000000000), long(left % 1000000000) };
			sig = sigtimedwait(&signals, nullptr, &ts);
		}
		if (sig > 0)
			return sig;
		if (errno == EAGAIN)
			return 0;
	}
}

int main(int argc, char **argv)
{
	sigemptyset(&signals);
	for (int s : { SIGINT, SIGTERM, SIGUSR1, SIGUSR2, int(SIGRTMIN) })
		sigaddset(&signals, s);
	pthread_sigmask(SIG_BLOCK, &signals, nullptr); /* inherited by every std::thread */
	main_thread = pthread_self();

	parse_options(argc, argv);
	universe_init();
	FeatureCache cache(opt.capacity, int64_t(opt.ttl_ms) * 1000000);

	int sig;
	if (opt.wait_start) {
		printf("ready pid=%d\n", int(getpid()));
		fflush(stdout);
		while ((sig = wait_signal(0)) != SIGUSR1) {
			if (sig == SIGUSR2) {
				tally_or_die(false);
			} else if (sig == SIGINT || sig == SIGTERM) {
				tally_or_die(true);
				return 0;
			}
		}
	}

	int64_t start = now_ns(CLOCK_MONOTONIC);
	int64_t end = opt.duration ? start + int64_t(opt.duration * 1e9) : 0;
	std::vector<std::thread> threads;
	running = unsigned(opt.threads);
	for (uint64_t i = 0; i < opt.threads; i++)
		threads.emplace_back(worker, &cache, opt.seed + i);
	bool signalled = false;
	for (;;) {
		sig = wait_signal(end);
		if (sig == SIGUSR2)
			tally_or_die(false);
		else if (sig == SIGINT || sig == SIGTERM)
			signalled = true;
		if (sig != SIGUSR2 && sig != SIGUSR1)
			break; /* all done, --duration passed, or a stop signal */
	}
	stopping = true;
	for (auto &t : threads)
		t.join();
	fprintf(stderr, "elapsed_ns=%lld\n", (long long)(now_ns(CLOCK_MONOTONIC) - start));
	tally_or_die(true);

	if (opt.hold && !signalled) {
		printf("done\n");
		fflush(stdout);
		while ((sig = wait_signal(0)) != SIGINT && sig != SIGTERM)
			if (sig == SIGUSR2)
				tally_or_die(false);
	}
	return 0;
}
