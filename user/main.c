// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* fsprobe: arguments, signals and lifecycle. Everything else lives in its own module. */
#include <errno.h>
#include <pthread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "env.h"
#include "http.h"
#include "keyspec.h"
#include "log.h"
#include "probe.h"
#include "render.h"
#include "target.h"

#define DEFAULT_LISTEN      "127.0.0.1:9477"
#define DEFAULT_PATH        "/metrics"
#define DEFAULT_KEY         "cstr(arg0)"
#define DEFAULT_MAX_SYMBOLS 10000
#define MAX_MAX_SYMBOLS     1000000

struct options {
	pid_t pid;
	const char *binary;
	const char *lookup;
	const char *miss;
	const char *key;
	const char *listen;
	const char *path;
	__u32 max_symbols;
};

/* What a scrape needs; target_up and processes are written by main, read by the HTTP thread. */
struct app {
	struct fsp_target target;
	struct fsp_probe *probe;
	struct fsp_collector *collector;
	struct fsp_snapshot snap;
	unsigned int processes;
};

static const char usage[] =
	"Usage: fsprobe (--pid PID | --binary PATH) --lookup FUNC --miss FUNC [OPTIONS]\n"
	"\n"
	"Count a running program's feature-cache hits and misses per key with uprobes, and\n"
	"serve them as Prometheus metrics. The program is not changed or restarted.\n"
	"\n"
	"Target:\n"
	"  -p, --pid PID              observe one process\n"
	"  -b, --binary PATH          observe every process running PATH, also ones started later\n"
	"  -l, --lookup FUNC          the cache's lookup function: each call is one request\n"
	"  -m, --miss FUNC            runs inside a lookup, on the same thread, when it misses\n"
	"  -k, --key EXPR             the request's key (default " DEFAULT_KEY ")\n"
	"\n"
	"Key expressions:\n"
	"  cstr(E)                    NUL-terminated string at address E\n"
	"  bytes(E, LEN)              LEN bytes at E; LEN is a number or an expression\n"
	"  cxx_string(E)              the libstdc++ std::string at E\n"
	"  u64(E) u32(E) i64(E) i32(E)  E's value as an integer id\n"
	"  field(KEY, 'C', N)         field N (from 0) of KEY split on C, in the kernel\n"
	"  E is argN (N = 0..5) followed by ->OFF (read 8 bytes at E+OFF), +OFF or -OFF\n"
	"  e.g. cstr(arg0)  cstr(arg1->8)  bytes(arg0, arg1)  field(cstr(arg0), ':', 1)\n"
	"\n"
	"Exporter:\n"
	"      --web.listen-address ADDR  HOST:PORT, [IPV6]:PORT or :PORT (default " DEFAULT_LISTEN ")\n"
	"      --web.telemetry-path PATH  (default " DEFAULT_PATH ")\n"
	"      --max-symbols N        symbols with their own series (default 10000); later\n"
	"                             symbols are counted under symbol=\"" FSP_OVERFLOW_LABEL "\"\n"
	"\n"
	"  -v, --verbose              log attach details and libbpf messages\n"
	"  -h, --help                 this text\n"
	"  -V, --version              print the version\n"
	"\n"
	"Example: sudo fsprobe --pid 4242 --lookup feature_cache_lookup --miss compute_features\n";

enum { OPT_LISTEN = 256, OPT_PATH, OPT_MAX_SYMBOLS };

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "binary", required_argument, NULL, 'b' },
	{ "lookup", required_argument, NULL, 'l' },
	{ "miss", required_argument, NULL, 'm' },
	{ "key", required_argument, NULL, 'k' },
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
	{ "max-symbols", required_argument, NULL, OPT_MAX_SYMBOLS },
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

/* Returns 0 to run, 1 to exit 0 (help, version), or a negative errno. */
static int parse_args(int argc, char **argv, struct options *o)
{
	unsigned long v;
	int c;

	*o = (struct options){ .key = DEFAULT_KEY, .listen = DEFAULT_LISTEN,
			       .path = DEFAULT_PATH, .max_symbols = DEFAULT_MAX_SYMBOLS };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:b:l:m:k:vhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_uint("--pid", optarg, 1, 0x7fffffff, &v))
				return -EINVAL;
			o->pid = v;
			break;
		case 'b':
			o->binary = optarg;
			break;
		case 'l':
			o->lookup = optarg;
			break;
		case 'm':
			o->miss = optarg;
			break;
		case 'k':
			o->key = optarg;
			break;
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_PATH:
			o->path = optarg;
			break;
		case OPT_MAX_SYMBOLS:
			if (parse_uint("--max-symbols", optarg, 1, MAX_MAX_SYMBOLS, &v))
				return -EINVAL;
			o->max_symbols = v;
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
	if (optind < argc) {
		fsp_log_error("unexpected argument '%s' (see fsprobe --help)", argv[optind]);
		return -EINVAL;
	}
	if (!o->pid == !o->binary) {
		fsp_log_error("give exactly one of --pid PID or --binary PATH (see fsprobe --help)");
		return -EINVAL;
	}
	if (!o->lookup || !o->miss) {
		fsp_log_error("--lookup FUNC and --miss FUNC are both required (see fsprobe --help)");
		return -EINVAL;
	}
	return 0;
}

static int parse_key(const char *spec, struct fsp_key_prog *kp)
{
	struct fsp_keyspec_error e;

	if (!fsp_keyspec_parse(spec, kp, &e))
		return 0;
	fsp_log_error("--key '%s': %s at column %d: '%.*s' <-- here", spec, e.msg, e.column,
		      e.column - 1, spec);
	return -EINVAL;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	/* Failures are reported by fsprobe itself, in one line; libbpf's detail on request. */
	return fsp_log_verbose() ? vfprintf(stderr, fmt, ap) : 0;
}

static int scrape(void *ctx, struct fsp_buf *out)
{
	struct app *app = ctx;
	int err;

	err = fsp_collect_read(app->collector, &app->snap);
	if (err)
		return err;
	app->snap.target_processes = __atomic_load_n(&app->processes, __ATOMIC_RELAXED);
	app->snap.target_up = app->snap.target_processes > 0;
	return fsp_render_metrics(&app->snap, out);
}

static int open_target(const struct options *o, struct fsp_target *t)
{
	int err = o->pid ? fsp_target_open_pid(t, o->pid) : fsp_target_open_binary(t, o->binary);

	if (err == -ESRCH)
		fsp_log_error("no process with pid %d (list candidates with: pgrep -a NAME)",
			      o->pid);
	else if (err && o->pid)
		fsp_log_error("cannot read /proc/%d/exe: %s", o->pid, strerror(-err));
	else if (err)
		fsp_log_error("--binary '%s': %s", o->binary,
			      err == -EINVAL ? "not a regular file" : strerror(-err));
	return err;
}

/* Wait for SIGINT or SIGTERM, tracking whether the target still runs. */
static void run(struct app *app)
{
	struct timespec tick = { .tv_sec = 1 };
	unsigned int n, was = app->processes;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		n = fsp_target_count(&app->target);
		__atomic_store_n(&app->processes, n, __ATOMIC_RELAXED);
		if (was && !n)
			fsp_log_info("target %s exited; still serving its final counts with "
				     "fsprobe_target_up 0", app->target.pid ? app->target.comm :
									     app->target.exe);
		else if (!was && n)
			fsp_log_info("target %s is running (%u process%s)", app->target.exe, n,
				     n == 1 ? "" : "es");
		was = n;
	}
	fsp_log_info("detaching on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

int main(int argc, char **argv)
{
	struct fsp_probe_opts po = {};
	struct app app = {};
	struct fsp_http *http = NULL;
	struct options o;
	sigset_t set;
	int err;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	if (parse_key(o.key, &po.key))
		return 2;
	err = fsp_env_check();
	if (!err)
		err = open_target(&o, &app.target);
	if (err)
		return 1;

	/* Blocked before any thread starts, so only sigtimedwait in run() sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	libbpf_set_print(libbpf_print);

	po.target = &app.target;
	po.lookup = o.lookup;
	po.miss = o.miss;
	po.max_symbols = o.max_symbols;
	err = fsp_probe_open(&app.probe, &po);
	if (err)
		goto close_target;
	err = fsp_collect_open(&app.collector, app.probe, o.max_symbols, po.key.type);
	if (err) {
		fsp_log_error("cannot allocate tables for %u symbols", o.max_symbols);
		goto destroy_probe;
	}
	app.snap.version = FSP_VERSION;
	app.snap.nprobes = fsp_probe_info(app.probe, app.snap.probes, FSP_MAX_PROBES);
	app.processes = fsp_target_count(&app.target);
	err = fsp_http_start(&http, o.listen, o.path, scrape, &app);
	if (err)
		goto destroy_collector;

	if (app.target.pid)
		fsp_log_info("observing pid %d (%s): lookups in %s, misses in %s, key %s",
			     app.target.pid, app.target.comm, o.lookup, o.miss, o.key);
	else
		fsp_log_info("observing every process running %s (%u now): lookups in %s, "
			     "misses in %s, key %s", app.target.exe, app.processes, o.lookup,
			     o.miss, o.key);
	fsp_log_info("metrics at http://%s%s", o.listen, o.path);
	run(&app);

	fsp_http_stop(http);
destroy_collector:
	fsp_collect_destroy(app.collector);
destroy_probe:
	fsp_probe_destroy(app.probe);
close_target:
	fsp_target_close(&app.target);
	return err ? 1 : 0;
}
