// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* fsprobe: arguments, signals and lifecycle. Everything else lives in its own module. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "check.h"
#include "functions.h"
#include "http.h"
#include "log.h"
#include "privs.h"
#include "render.h"
#include "report.h"
#include "session.h"
#include "sig.h"
#include "top.h"
#include "webconfig.h"

#define DEFAULT_KEY          "cstr(arg0)"
#define DEFAULT_MAX_SYMBOLS  10000
#define MAX_MAX_SYMBOLS      1000000
#define DEFAULT_THREAD_SLOTS 4096
#define MAX_THREAD_SLOTS     65536

struct command;

struct options {
	const struct command *cmd;
	struct fsp_session_opts s;
	const char *listen;
	const char *path;
	const char *web_config;
	__u32 max_conns, max_conns_per_ip;
	double interval;
	double duration;
	const char *format;
	const char *regex;
	const char *caps_keep; /* --capabilities.keep: NULL (auto), or a list for fsp_privs_parse */
	unsigned int keep;     /* its mask, when given */
};

/* A subcommand: its name beside its code, as bpftool keeps them. */
struct command {
	const char *name;
	/* Commands that observe a target get an open session; the others run on their own. */
	int (*observe)(struct fsp_session *s, const struct options *o, const sigset_t *stop);
	int (*run)(const struct options *o);
	int (*check)(const struct options *o);
	int latency; /* measure latency unless --no-latency */
};

/* --- options: one table gives getopt its list, --help its text, and each value its home --- */

enum flag_kind { K_STR, K_PID, K_U32, K_SECONDS, K_SET, K_VERBOSE, K_HELP, K_VERSION };
enum section { SEC_TARGET, SEC_RUN, SEC_TOP, SEC_REPORT, SEC_GENERAL, SEC__MAX };

struct flag {
	const char *name;
	char short_name;
	const char *arg; /* the value's name in --help; NULL when the flag takes none */
	enum section section;
	const char *help; /* lines after the first are indented to the help column */
	enum flag_kind kind;
	size_t off; /* where the value goes in struct options */
	double min, max; /* K_PID, K_U32, K_SECONDS; K_SET stores min */
};

#define AT(field) offsetof(struct options, field)
#define STR(n, sh, a, sec, field, h) \
	{ .name = n, .short_name = sh, .arg = a, .section = sec, .help = h, .kind = K_STR, \
	  .off = AT(field) }
#define NUM(k, n, sh, a, sec, field, lo, hi, h) \
	{ .name = n, .short_name = sh, .arg = a, .section = sec, .help = h, .kind = k, .off = AT(field), .min = lo, \
	  .max = hi }
#define SET(n, sec, field, v, h) \
	{ .name = n, .section = sec, .help = h, .kind = K_SET, .off = AT(field), .min = v }
#define CTL(k, n, sh, h) { .name = n, .short_name = sh, .section = SEC_GENERAL, .help = h, .kind = k }

static const struct flag flags[] = {
	NUM(K_PID, "pid", 'p', "PID", SEC_TARGET, s.pid, 1, 0x7fffffff, "one process"),
	STR("binary", 'b', "PATH", SEC_TARGET, s.binary,
	    "every process running PATH, also ones started later"),
	STR("lookup", 'l', "FUNC", SEC_TARGET, s.lookup,
	    "each call of FUNC is one request for its key"),
	STR("miss", 'm', "FUNC", SEC_TARGET, s.miss,
	    "with --lookup: a miss if FUNC runs inside the lookup, on the\n"
	    "same thread; with --hit: each call of FUNC is a miss"),
	STR("hit-when", 0, "PRED", SEC_TARGET, s.hit_when,
	    "with --lookup: a hit if PRED holds for the return value:\n"
	    "retN|u8(retN)|u32(retN)|i32(retN)|i64(retN) OP INT, where\n"
	    "OP is ==, !=, <, <=, > or >=; ret is ret0 (RAX)"),
	STR("hit", 0, "FUNC", SEC_TARGET, s.hit, "with --miss: each call of FUNC is a hit"),
	STR("key", 'k', "EXPR", SEC_TARGET, s.key, "the request's key (default " DEFAULT_KEY ")"),
	STR("symbol-map", 0, "FILE", SEC_TARGET, s.symbol_map,
	    "names for integer keys: lines of 'ID NAME'"),
	NUM(K_U32, "max-symbols", 0, "N", SEC_TARGET, s.max_symbols, 1, MAX_MAX_SYMBOLS,
	    "symbols with their own series (default 10000); later\n"
	    "symbols are counted under symbol=\"" FSP_OVERFLOW_LABEL "\""),
	SET("latency", SEC_TARGET, s.latency, 1,
	    "measure lookup time and miss penalty (on in top, report)"),
	SET("no-latency", SEC_TARGET, s.latency, 0, "do not (no return probe on the miss function)"),
	SET("lazy", SEC_TARGET, s.lazy, 1,
	    "count without a return probe when the binary proves it\n"
	    "exact (the default)"),
	SET("no-lazy", SEC_TARGET, s.lazy, 0,
	    "always count each lookup at a return probe; by default there\n"
	    "is none when the binary proves it unneeded (about half the\n"
	    "cost per lookup)"),
	STR("bpf-variant", 0, "auto|fast|compat", SEC_TARGET, s.bpf_variant,
	    "which BPF programs load: auto (the default) picks by what\n"
	    "the kernel supports (see fsprobe check)"),
	NUM(K_U32, "thread-slots", 0, "N", SEC_TARGET, s.thread_slots, 0, MAX_THREAD_SLOTS,
	    "threads whose state the probes find fastest (default 4096,\n"
	    "rounded up to a power of two; 0: none); other threads keep\n"
	    "theirs in task storage, a helper call more per lookup (the\n"
	    "costs of both: docs/performance.md)"),
	STR("web.listen-address", 0, "ADDR", SEC_RUN, listen,
	    "HOST:PORT, [IPV6]:PORT or :PORT (default " FSP_HTTP_DEFAULT_LISTEN ")"),
	STR("web.telemetry-path", 0, "PATH", SEC_RUN, path, "(default " FSP_HTTP_DEFAULT_PATH ")"),
	STR("web.config.file", 0, "FILE", SEC_RUN, web_config,
	    "TLS and basic auth: a Prometheus exporter-toolkit web\n"
	    "configuration (YAML)"),
	NUM(K_U32, "web.max-connections", 0, "N", SEC_RUN, max_conns, 1, 65536,
	    "connections served at once (default 512)"),
	NUM(K_U32, "web.max-connections-per-ip", 0, "N", SEC_RUN, max_conns_per_ip, 1, 65536,
	    "of them from one address (default 16)"),
	NUM(K_SECONDS, "interval", 0, "S", SEC_TOP, interval, 0.1, 3600,
	    "refresh every S seconds (default 1)"),
	NUM(K_SECONDS, "duration", 0, "S", SEC_REPORT, duration, 0.1, 7 * 86400,
	    "collect for S seconds, then print and exit"),
	STR("format", 0, "table|json", SEC_REPORT, format, "(default table)"),
	STR("capabilities.keep", 0, "LIST", SEC_GENERAL, caps_keep,
	    "capabilities kept once the probes are attached (default: none\n"
	    "with --pid; sys_ptrace with --binary, to see its processes;\n"
	    "plus bpf on kernels that ask for it at every map read, as\n"
	    "fsprobe check says); a list of sys_admin, sys_ptrace,\n"
	    "dac_read_search, bpf, perfmon; none; or all to drop nothing"),
	CTL(K_VERBOSE, "verbose", 'v', "log attach details and libbpf messages"),
	CTL(K_HELP, "help", 'h', "this text"),
	CTL(K_VERSION, "version", 'V', "print the version"),
};

#define NFLAGS (sizeof(flags) / sizeof(flags[0]))

static const char *const section_head[SEC__MAX] = {
	[SEC_TARGET] = "TARGET is what to observe and how to tell hits from misses:\n",
	[SEC_RUN] = "run:\n",
	[SEC_TOP] = "top:\n",
	[SEC_REPORT] = "report:\n",
	[SEC_GENERAL] = "\n",
};

static const char usage_head[] =
	"Usage: fsprobe [run] TARGET [OPTIONS]       export Prometheus metrics over HTTP\n"
	"       fsprobe top TARGET [--interval S]    live per-symbol view in the terminal\n"
	"       fsprobe report TARGET --duration S [--format table|json]\n"
	"       fsprobe functions (--pid PID | --binary PATH) [REGEX]\n"
	"                                            list functions to pick --lookup/--miss from\n"
	"       fsprobe check                        what this kernel supports, and whether\n"
	"                                            fsprobe can run here\n"
	"\n"
	"Count a running program's feature-cache hits and misses per key with uprobes. The\n"
	"program is not changed or restarted.\n"
	"\n";

static const char usage_keys[] =
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
	"\n";

static const char usage_tail[] =
	"\n"
	"Example: sudo fsprobe --pid 4242 --lookup feature_cache_lookup --miss compute_features\n";

#define HELP_COLUMN 29

static void usage(FILE *f)
{
	const struct flag *fl;
	const char *h;
	int sec, col;

	fputs(usage_head, f);
	for (sec = 0; sec < SEC__MAX; sec++) {
		fputs(section_head[sec], f);
		for (fl = flags; fl < flags + NFLAGS; fl++) {
			if (fl->section != (enum section)sec)
				continue;
			col = fl->short_name ? fprintf(f, "  -%c, --%s", fl->short_name, fl->name) :
					       fprintf(f, "      --%s", fl->name);
			if (fl->arg)
				col += fprintf(f, " %s", fl->arg);
			fprintf(f, "%*s", col < HELP_COLUMN - 1 ? HELP_COLUMN - col : 1, "");
			for (h = fl->help; *h; h++) {
				fputc(*h, f);
				if (*h == '\n')
					fprintf(f, "%*s", HELP_COLUMN, "");
			}
			fputc('\n', f);
		}
		if (sec == SEC_TARGET)
			fputs(usage_keys, f);
	}
	fputs(usage_tail, f);
}

static int parse_number(const struct flag *fl, const char *s, void *to)
{
	char *end;
	double d;

	/*
	 * Digits first: strtoul and strtod skip blanks and take a sign, and strtod also reads
	 * "nan", "inf" and hex ("0x1p3"), none of which is a count or a number of seconds.
	 */
	errno = 0;
	if (fl->kind == K_SECONDS) {
		d = strtod(s, &end);
		if (!(isdigit((unsigned char)s[0]) || (s[0] == '.' && isdigit((unsigned char)s[1]))) ||
		    strpbrk(s, "xX") || *end || errno || !(d >= fl->min && d <= fl->max)) {
			fsp_log_error("--%s: expected seconds from %g to %g, got '%s'", fl->name,
				      fl->min, fl->max, s);
			return -EINVAL;
		}
		*(double *)to = d;
		return 0;
	}
	d = (double)strtoul(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end || errno || d < fl->min || d > fl->max) {
		fsp_log_error("--%s: expected a whole number from %.0f to %.0f, got '%s'", fl->name,
			      fl->min, fl->max, s);
		return -EINVAL;
	}
	if (fl->kind == K_PID)
		*(pid_t *)to = (pid_t)d;
	else
		*(__u32 *)to = (__u32)d;
	return 0;
}

/* Stores one flag's value; 1 means exit 0 now (help, version). */
static int set_flag(const struct flag *fl, const char *arg, struct options *o)
{
	void *to = (char *)o + fl->off;

	switch (fl->kind) {
	case K_STR:
		*(const char **)to = arg;
		return 0;
	case K_PID:
	case K_U32:
	case K_SECONDS:
		return parse_number(fl, arg, to);
	case K_SET:
		*(int *)to = (int)fl->min;
		return 0;
	case K_VERBOSE:
		fsp_log_set_verbose(true);
		return 0;
	case K_HELP:
		usage(stdout);
		return 1;
	case K_VERSION:
		printf("fsprobe %s (libbpf %s)\n", FSP_VERSION, libbpf_version_string());
		return 1;
	}
	return -EINVAL;
}

/* --- commands --- */

static int scrape(void *ctx, enum fsp_render_format fmt, struct fsp_buf *out)
{
	const struct fsp_snapshot *snap;
	int err = fsp_session_read(ctx, &snap);

	return err ? err : fsp_render(snap, fmt, out);
}

/* run: serve metrics until SIGINT or SIGTERM, tracking whether the target still runs. */
static int cmd_run(struct fsp_session *s, const struct options *o, const sigset_t *stop)
{
	struct fsp_http_opts web = { .listen = o->listen, .path = o->path,
				     .web_config = o->web_config, .max_conns = o->max_conns,
				     .max_conns_per_ip = o->max_conns_per_ip };
	struct timespec tick = { .tv_sec = 1 };
	struct fsp_http *http;
	int sig, err, every;
	char url[512];

	err = fsp_http_start(&http, &web, scrape, s);
	if (err)
		return err;
	fsp_log_info("observing %s; key %s", s->describe, o->s.key);
	fsp_log_info("%s", s->bpf_note);
	every = fsp_http_url(fsp_http_scheme(http), o->listen, o->path, url, sizeof(url));
	fsp_log_info("metrics at %s%s", url, every ? " (listening on every address)" : "");
	do {
		sig = sigtimedwait(stop, NULL, &tick);
		if (sig < 0)
			fsp_session_poll(s);
	} while (!fsp_sig_is_stop(sig));
	fsp_log_info("detaching on %s", fsp_sig_name(sig));
	fsp_http_stop(http);
	return 0;
}

static int check_run(const struct options *o)
{
	struct fsp_webconfig web;

	if (fsp_http_check_listen(o->listen))
		return -EINVAL;
	/* A broken --web.config.file is bad usage: said before anything is loaded. */
	if (o->web_config && fsp_webconfig_load(o->web_config, &web))
		return -EINVAL;
	if (o->web_config)
		fsp_webconfig_free(&web);
	if (o->path[0] != '/') {
		fsp_log_error("--web.telemetry-path '%s': must start with '/'", o->path);
		return -EINVAL;
	}
	return 0;
}

static int source_read(void *ctx, const struct fsp_snapshot **out)
{
	return fsp_session_read(ctx, out);
}

static unsigned int source_poll(void *ctx)
{
	return fsp_session_poll(ctx);
}

/* What top and report read: the session, and who it observes for their headers. */
static struct fsp_view_source source_of(struct fsp_session *s)
{
	return (struct fsp_view_source){
		.target = { .describe = s->describe, .pid = s->target.pid,
			    .command = s->target.comm, .executable = s->target.exe,
			    .probes = s->snap.probes, .nprobes = s->snap.nprobes },
		.read = source_read,
		.poll = source_poll,
		.ctx = s,
	};
}

static int cmd_top(struct fsp_session *s, const struct options *o, const sigset_t *stop)
{
	struct fsp_view_source src = source_of(s);

	(void)stop;
	return fsp_top_run(&src, o->interval);
}

static int cmd_report(struct fsp_session *s, const struct options *o, const sigset_t *stop)
{
	struct fsp_view_source src = source_of(s);

	(void)stop;
	return fsp_report_run(&src, o->duration, !strcmp(o->format, "json"));
}

static int check_report(const struct options *o)
{
	if (!o->duration) {
		fsp_log_error("report needs --duration SECONDS");
		return -EINVAL;
	}
	if (strcmp(o->format, "table") && strcmp(o->format, "json")) {
		fsp_log_error("--format: expected table or json, got '%s'", o->format);
		return -EINVAL;
	}
	return 0;
}

static int cmd_functions(const struct options *o)
{
	return fsp_functions_list(o->s.pid, o->s.binary, o->regex) ? 1 : 0;
}

static int check_functions(const struct options *o)
{
	if (!o->s.pid && !o->s.binary) {
		fsp_log_error("functions needs --pid PID or --binary PATH");
		return -EINVAL;
	}
	return 0;
}

static int cmd_check(const struct options *o)
{
	(void)o;
	return fsp_check_run();
}

static const struct command commands[] = {
	{ "run", .observe = cmd_run, .check = check_run },
	{ "top", .observe = cmd_top, .latency = 1 },
	{ "report", .observe = cmd_report, .check = check_report, .latency = 1 },
	{ "functions", .run = cmd_functions, .check = check_functions },
	{ "check", .run = cmd_check },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Returns the index of the first option, or a negative errno. */
static int parse_command(int argc, char **argv, struct options *o)
{
	size_t i;

	o->cmd = &commands[0];
	if (argc < 2 || argv[1][0] == '-')
		return 1; /* no subcommand: run */
	for (i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			o->cmd = &commands[i];
			return 2;
		}
	}
	fsp_log_error("unknown command '%s': use run, top, report, functions or check "
		      "(see fsprobe --help)", argv[1]);
	return -EINVAL;
}

/* Which flags make sense together: the target and mode for every observing command. */
static int check_target(const struct options *o)
{
	const struct fsp_session_opts *s = &o->s;

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
	return 0;
}

/* Returns 0 to run, 1 to exit 0 (help, version), or a negative errno. */
static int parse_args(int argc, char **argv, struct options *o)
{
	struct option long_opts[NFLAGS + 1] = {};
	char shorts[2 * NFLAGS + 2] = ":", *sp = shorts + 1, why[160];
	size_t i;
	int c, idx, first, err;

	*o = (struct options){
		.s = { .key = DEFAULT_KEY, .max_symbols = DEFAULT_MAX_SYMBOLS, .latency = -1,
		       .thread_slots = DEFAULT_THREAD_SLOTS, .lazy = 1 },
		.listen = FSP_HTTP_DEFAULT_LISTEN,
		.path = FSP_HTTP_DEFAULT_PATH,
		.interval = 1,
		.format = "table",
	};
	for (i = 0; i < NFLAGS; i++) {
		/* val is the flag's index past the byte range, so short letters never collide. */
		long_opts[i] = (struct option){ flags[i].name,
						flags[i].arg ? required_argument : no_argument,
						NULL, 256 + (int)i };
		if (flags[i].short_name) {
			*sp++ = flags[i].short_name;
			if (flags[i].arg)
				*sp++ = ':';
		}
	}
	first = parse_command(argc, argv, o);
	if (first < 0)
		return first;
	optind = first;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, long_opts, NULL)) != -1) {
		if (c == ':') {
			fsp_log_error("%s needs a value (see fsprobe --help)", argv[optind - 1]);
			return -EINVAL;
		}
		for (idx = 0; c < 256 && idx < (int)NFLAGS && flags[idx].short_name != c; idx++)
			;
		idx = c >= 256 ? c - 256 : idx;
		if (c == '?' || idx >= (int)NFLAGS) {
			fsp_log_error("unknown option '%s' (see fsprobe --help)", argv[optind - 1]);
			return -EINVAL;
		}
		err = set_flag(&flags[idx], optarg, o);
		if (err)
			return err;
	}
	if (optind < argc && o->cmd->run == cmd_functions && optind + 1 == argc)
		o->regex = argv[optind++];
	if (optind < argc) {
		fsp_log_error("unexpected argument '%s' (see fsprobe --help)", argv[optind]);
		return -EINVAL;
	}
	/* Latency is what top and report show; the exporter pays for it only on request. */
	if (o->s.latency < 0)
		o->s.latency = o->cmd->latency;
	if (o->caps_keep && fsp_privs_parse(o->caps_keep, &o->keep, why, sizeof(why))) {
		fsp_log_error("--capabilities.keep '%s': %s", o->caps_keep, why);
		return -EINVAL;
	}
	err = o->cmd->observe ? check_target(o) : 0;
	if (!err && o->cmd->check)
		err = o->cmd->check(o);
	return err;
}

/*
 * Once attached, fsprobe needs little: reading maps through its open fds, the settling
 * iterator, watching the target, detaching. Keep what is asked, or only what this mode needs.
 */
static int drop_privileges(const struct options *o, const struct fsp_session *s)
{
	unsigned int keep = o->keep;
	char names[96];
	int err;

	if (!o->caps_keep) {
		keep = s->target.pid ? 0 : FSP_CAP_SYS_PTRACE;
		if (fsp_privs_maps_need_bpf_cap())
			keep |= FSP_CAP_BPF;
	}
	err = fsp_privs_drop(keep);
	if (err)
		fsp_log_error("cannot drop privileges to %s: %s", fsp_privs_name(keep, names,
			      sizeof(names)), strerror(-err));
	else
		fsp_log_debug("capabilities kept: %s; no_new_privs set",
			      fsp_privs_name(keep, names, sizeof(names)));
	return err;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	/* Failures are reported by fsprobe itself, in one line; libbpf's detail on request. */
	return fsp_log_verbose() ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct fsp_probe_opts spec;
	struct fsp_session s;
	struct options o;
	sigset_t stop;
	int err;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	if (o.cmd->run)
		return o.cmd->run(&o);
	/* A syntax error is bad usage (exit 2), found before any privilege or kernel check. */
	if (fsp_session_parse(&o.s, &spec))
		return 2;

	/* Blocked before any thread starts, so only the command's own wait sees them. */
	fsp_sig_stop_set(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	libbpf_set_print(libbpf_print);

	err = fsp_session_open(&s, &o.s, &spec);
	if (err)
		return 1;
	err = drop_privileges(&o, &s);
	if (!err)
		err = o.cmd->observe(&s, &o, &stop);
	fsp_session_close(&s);
	return err ? 1 : 0;
}
