// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* fsprobe: arguments, signals and lifecycle. Everything else lives in its own module. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "functions.h"
#include "http.h"
#include "log.h"
#include "render.h"
#include "report.h"
#include "session.h"
#include "top.h"

#define DEFAULT_LISTEN      "127.0.0.1:9477"
#define DEFAULT_PATH        "/metrics"
#define DEFAULT_KEY         "cstr(arg0)"
#define DEFAULT_MAX_SYMBOLS 10000
#define MAX_MAX_SYMBOLS     1000000
#define DEFAULT_THREAD_SLOTS 4096
#define MAX_THREAD_SLOTS     65536

enum command { CMD_RUN, CMD_TOP, CMD_REPORT, CMD_FUNCTIONS };

struct options {
	enum command cmd;
	struct fsp_session_opts s;
	const char *listen;
	const char *path;
	double interval;
	double duration;
	const char *format;
	const char *regex;
};

static const char usage[] =
	"Usage: fsprobe [run] TARGET [OPTIONS]       export Prometheus metrics over HTTP\n"
	"       fsprobe top TARGET [--interval S]    live per-symbol view in the terminal\n"
	"       fsprobe report TARGET --duration S [--format table|json]\n"
	"       fsprobe functions --pid PID [REGEX]  list functions to pick --lookup/--miss from\n"
	"\n"
	"Count a running program's feature-cache hits and misses per key with uprobes. The\n"
	"program is not changed or restarted.\n"
	"\n"
	"TARGET is what to observe and how to tell hits from misses:\n"
	"  -p, --pid PID              one process\n"
	"  -b, --binary PATH          every process running PATH, also ones started later\n"
	"  -l, --lookup FUNC          each call of FUNC is one request for its key\n"
	"  -m, --miss FUNC            with --lookup: a miss if FUNC runs inside the lookup, on the\n"
	"                             same thread; with --hit: each call of FUNC is a miss\n"
	"      --hit-when PRED        with --lookup: a hit if PRED holds for the return value:\n"
	"                             retN|u8(retN)|u32(retN)|i32(retN)|i64(retN) OP INT, where\n"
	"                             OP is ==, !=, <, <=, > or >=; ret is ret0 (RAX)\n"
	"      --hit FUNC             with --miss: each call of FUNC is a hit\n"
	"  -k, --key EXPR             the request's key (default " DEFAULT_KEY ")\n"
	"      --symbol-map FILE      names for integer keys: lines of 'ID NAME'\n"
	"      --max-symbols N        symbols with their own series (default 10000); later\n"
	"                             symbols are counted under symbol=\"" FSP_OVERFLOW_LABEL "\"\n"
	"      --latency              measure lookup time and miss penalty (on in top, report)\n"
	"      --no-latency           do not (no return probe on the miss function)\n"
	"      --no-lazy              always count each lookup at a return probe; by default there\n"
	"                             is none when the binary proves it unneeded (about half the\n"
	"                             cost per lookup)\n"
	"      --thread-slots N       threads whose state the probes find fastest (default 4096,\n"
	"                             400 bytes each, rounded up to a power of two; 0: none);\n"
	"                             other threads cost about 20 ns more per lookup\n"
	"\n"
	"Key expressions:\n"
	"  cstr(E)                    NUL-terminated string at address E\n"
	"  bytes(E, LEN)              LEN bytes at E; LEN is a number or an expression\n"
	"  cxx_string(E)              the libstdc++ std::string at E\n"
	"  go_string(argN)            a Go string: bytes(argN, argN+1)\n"
	"  u64(E) u32(E) i64(E) i32(E)  E's value as an integer id\n"
	"  field(KEY, 'C', N)         field N (from 0) of KEY split on C, in the kernel\n"
	"  E is argN (N = 0..5) followed by ->OFF (read 8 bytes at E+OFF), +OFF or -OFF;\n"
	"  argN follow the System V ABI, or Go's in a Go program (detected)\n"
	"  e.g. cstr(arg0)  cstr(arg1->8)  bytes(arg0, arg1)  field(cstr(arg0), ':', 1)\n"
	"\n"
	"run:   --web.listen-address ADDR  HOST:PORT, [IPV6]:PORT or :PORT (default 127.0.0.1:9477)\n"
	"       --web.telemetry-path PATH  (default " DEFAULT_PATH ")\n"
	"top:   --interval S           refresh every S seconds (default 1)\n"
	"report: --duration S          collect for S seconds, then print and exit\n"
	"       --format table|json    (default table)\n"
	"\n"
	"  -v, --verbose              log attach details and libbpf messages\n"
	"  -h, --help                 this text\n"
	"  -V, --version              print the version\n"
	"\n"
	"Example: sudo fsprobe --pid 4242 --lookup feature_cache_lookup --miss compute_features\n";

enum {
	OPT_LISTEN = 256,
	OPT_PATH,
	OPT_MAX_SYMBOLS,
	OPT_THREAD_SLOTS,
	OPT_HIT,
	OPT_HIT_WHEN,
	OPT_LATENCY,
	OPT_NO_LATENCY,
	OPT_INTERVAL,
	OPT_DURATION,
	OPT_FORMAT,
	OPT_SYMBOL_MAP,
	OPT_LAZY,
	OPT_NO_LAZY,
};

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "binary", required_argument, NULL, 'b' },
	{ "lookup", required_argument, NULL, 'l' },
	{ "miss", required_argument, NULL, 'm' },
	{ "hit", required_argument, NULL, OPT_HIT },
	{ "hit-when", required_argument, NULL, OPT_HIT_WHEN },
	{ "key", required_argument, NULL, 'k' },
	{ "symbol-map", required_argument, NULL, OPT_SYMBOL_MAP },
	{ "max-symbols", required_argument, NULL, OPT_MAX_SYMBOLS },
	{ "thread-slots", required_argument, NULL, OPT_THREAD_SLOTS },
	{ "latency", no_argument, NULL, OPT_LATENCY },
	{ "no-latency", no_argument, NULL, OPT_NO_LATENCY },
	{ "lazy", no_argument, NULL, OPT_LAZY },
	{ "no-lazy", no_argument, NULL, OPT_NO_LAZY },
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{},
};

static int parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || *out < min || *out > max) {
		fsp_log_error("%s: expected a whole number from %lu to %lu, got '%s'", opt, min,
			      max, s);
		return -EINVAL;
	}
	return 0;
}

static int parse_seconds(const char *opt, const char *s, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (!*s || *end || errno || !(*out >= 0.1 && *out <= max)) {
		fsp_log_error("%s: expected seconds from 0.1 to %g, got '%s'", opt, max, s);
		return -EINVAL;
	}
	return 0;
}

static int parse_command(int argc, char **argv, struct options *o)
{
	static const char *const names[] = { "run", "top", "report", "functions" };
	size_t i;

	if (argc < 2 || argv[1][0] == '-')
		return 1; /* no subcommand: run */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(argv[1], names[i])) {
			o->cmd = (enum command)i;
			return 2;
		}
	}
	if (o->cmd == CMD_RUN && argc > 1)
		fsp_log_error("unknown command '%s': use run, top, report or functions "
			      "(see fsprobe --help)", argv[1]);
	return -EINVAL;
}

/* Which flags make sense together, per command. */
static int check_combination(struct options *o)
{
	struct fsp_session_opts *s = &o->s;

	if (o->cmd == CMD_FUNCTIONS) {
		if (!s->pid && !s->binary) {
			fsp_log_error("functions needs --pid PID or --binary PATH");
			return -EINVAL;
		}
		return 0;
	}
	if (!s->pid == !s->binary) {
		fsp_log_error("give exactly one of --pid PID or --binary PATH (see fsprobe --help)");
		return -EINVAL;
	}
	if (s->hit ? (s->lookup || s->hit_when || !s->miss) :
		     (!s->lookup || !s->miss == !s->hit_when)) {
		fsp_log_error("say how to tell hits from misses: --lookup F with --miss G or "
			      "--hit-when PRED, or --hit F with --miss G (see fsprobe --help)");
		return -EINVAL;
	}
	if (o->cmd == CMD_RUN) {
		struct sockaddr_storage ss;
		socklen_t len;

		if (fsp_http_parse_addr(o->listen, &ss, &len)) {
			fsp_log_error("--web.listen-address '%s': expected HOST:PORT, [IPV6]:PORT or "
				      ":PORT", o->listen);
			return -EINVAL;
		}
		if (o->path[0] != '/') {
			fsp_log_error("--web.telemetry-path '%s': must start with '/'", o->path);
			return -EINVAL;
		}
	}
	if (o->cmd == CMD_REPORT && !o->duration) {
		fsp_log_error("report needs --duration SECONDS");
		return -EINVAL;
	}
	if (o->cmd == CMD_REPORT && strcmp(o->format, "table") && strcmp(o->format, "json")) {
		fsp_log_error("--format: expected table or json, got '%s'", o->format);
		return -EINVAL;
	}
	return 0;
}

/* Returns 0 to run, 1 to exit 0 (help, version), or a negative errno. */
static int parse_args(int argc, char **argv, struct options *o)
{
	unsigned long v;
	int c, first;

	*o = (struct options){
		.s = { .key = DEFAULT_KEY, .max_symbols = DEFAULT_MAX_SYMBOLS, .latency = -1,
		       .thread_slots = DEFAULT_THREAD_SLOTS,
		       .lazy = 1 },
		.listen = DEFAULT_LISTEN,
		.path = DEFAULT_PATH,
		.interval = 1,
		.format = "table",
	};
	first = parse_command(argc, argv, o);
	if (first < 0)
		return first;
	optind = first;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:b:l:m:k:vhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_uint("--pid", optarg, 1, 0x7fffffff, &v))
				return -EINVAL;
			o->s.pid = v;
			break;
		case 'b':
			o->s.binary = optarg;
			break;
		case 'l':
			o->s.lookup = optarg;
			break;
		case 'm':
			o->s.miss = optarg;
			break;
		case OPT_HIT:
			o->s.hit = optarg;
			break;
		case OPT_HIT_WHEN:
			o->s.hit_when = optarg;
			break;
		case 'k':
			o->s.key = optarg;
			break;
		case OPT_SYMBOL_MAP:
			o->s.symbol_map = optarg;
			break;
		case OPT_MAX_SYMBOLS:
			if (parse_uint("--max-symbols", optarg, 1, MAX_MAX_SYMBOLS, &v))
				return -EINVAL;
			o->s.max_symbols = v;
			break;
		case OPT_THREAD_SLOTS:
			if (parse_uint("--thread-slots", optarg, 0, MAX_THREAD_SLOTS, &v))
				return -EINVAL;
			o->s.thread_slots = v;
			break;
		case OPT_LAZY:
		case OPT_NO_LAZY:
			o->s.lazy = c == OPT_LAZY;
			break;
		case OPT_LATENCY:
		case OPT_NO_LATENCY:
			o->s.latency = c == OPT_LATENCY;
			break;
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_PATH:
			o->path = optarg;
			break;
		case OPT_INTERVAL:
			if (parse_seconds("--interval", optarg, 3600, &o->interval))
				return -EINVAL;
			break;
		case OPT_DURATION:
			if (parse_seconds("--duration", optarg, 7 * 86400, &o->duration))
				return -EINVAL;
			break;
		case OPT_FORMAT:
			o->format = optarg;
			break;
		case 'v':
			fsp_log_set_verbose(true);
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case 'V':
			printf("fsprobe %s (libbpf %s)\n", FSP_VERSION, libbpf_version_string());
			return 1;
		case ':':
			fsp_log_error("%s needs a value (see fsprobe --help)", argv[optind - 1]);
			return -EINVAL;
		default:
			fsp_log_error("unknown option '%s' (see fsprobe --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc && o->cmd == CMD_FUNCTIONS && optind + 1 == argc)
		o->regex = argv[optind++];
	if (optind < argc) {
		fsp_log_error("unexpected argument '%s' (see fsprobe --help)", argv[optind]);
		return -EINVAL;
	}
	/* Latency is what top and report show; the exporter pays for it only on request. */
	if (o->s.latency < 0)
		o->s.latency = o->cmd == CMD_TOP || o->cmd == CMD_REPORT;
	return check_combination(o);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	/* Failures are reported by fsprobe itself, in one line; libbpf's detail on request. */
	return fsp_log_verbose() ? vfprintf(stderr, fmt, ap) : 0;
}

static int scrape(void *ctx, struct fsp_buf *out)
{
	const struct fsp_snapshot *snap;
	int err = fsp_session_read(ctx, &snap);

	return err ? err : fsp_render_metrics(snap, out);
}

/* run: serve metrics until SIGINT or SIGTERM, tracking whether the target still runs. */
static int cmd_run(struct fsp_session *s, const struct options *o, const sigset_t *stop)
{
	struct timespec tick = { .tv_sec = 1 };
	struct fsp_http *http;
	int sig, err;

	err = fsp_http_start(&http, o->listen, o->path, scrape, s);
	if (err)
		return err;
	fsp_log_info("observing %s; key %s", s->describe, o->s.key);
	fsp_log_info("metrics at http://%s%s", o->listen, o->path);
	do {
		sig = sigtimedwait(stop, NULL, &tick);
		if (sig < 0)
			fsp_session_poll(s);
	} while (sig != SIGINT && sig != SIGTERM);
	fsp_log_info("detaching on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	fsp_http_stop(http);
	return 0;
}

int main(int argc, char **argv)
{
	struct fsp_probe_opts syntax;
	struct fsp_session s;
	struct options o;
	sigset_t stop;
	int err;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	if (o.cmd == CMD_FUNCTIONS)
		return fsp_functions_list(o.s.pid, o.s.binary, o.regex) ? 1 : 0;
	/* A syntax error is bad usage (exit 2), found before any privilege or kernel check. */
	if (fsp_session_parse(&o.s, &syntax))
		return 2;

	/* Blocked before any thread starts, so only the command's own wait sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	libbpf_set_print(libbpf_print);

	err = fsp_session_open(&s, &o.s);
	if (err)
		return 1;
	switch (o.cmd) {
	case CMD_TOP:
		err = fsp_top_run(&s, o.interval);
		break;
	case CMD_REPORT:
		err = fsp_report_run(&s, o.duration, !strcmp(o.format, "json"));
		break;
	default:
		err = cmd_run(&s, &o, &stop);
		break;
	}
	fsp_session_close(&s);
	return err ? 1 : 0;
}
