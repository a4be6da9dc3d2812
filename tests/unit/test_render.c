// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsp_render_metrics: hand-built snapshots render to exactly the expected exposition text, and
 * promtool accepts it. test_render_key.c covers keys on their own.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "render.h"
#include "testutil.h"

#define PROMTOOL "/usr/bin/promtool"
/* promtool check metrics reads the text format only; this strict OpenMetrics parser checks ours. */
#define OM_PARSER                                                                                  \
	"/usr/bin/python3 -c 'import sys; from prometheus_client.openmetrics.parser import "      \
	"text_string_to_metric_families as p; print(len(list(p(sys.stdin.read()))), "            \
	"\"OpenMetrics families parsed\")'"

/* The fixed parts of the exposition, in the order fsp_render_metrics writes them. */
#define HITS_HEAD                                                                                  \
	"# HELP featurestore_hits_total Feature cache lookups served from the cache, per "         \
	"symbol.\n"                                                                                \
	"# TYPE featurestore_hits_total counter\n"
#define MISSES_HEAD                                                                                \
	"# HELP featurestore_misses_total Feature cache lookups that ran the miss (recompute) "    \
	"function, per symbol.\n"                                                                  \
	"# TYPE featurestore_misses_total counter\n"
#define RATIO_HEAD                                                                                 \
	"# HELP featurestore_hit_ratio Hits / (hits + misses) over all symbols since fsprobe "     \
	"attached.\n"                                                                              \
	"# TYPE featurestore_hit_ratio gauge\n"
#define BUILD                                                                                      \
	"# HELP fsprobe_build_info fsprobe build information.\n"                                   \
	"# TYPE fsprobe_build_info gauge\n"                                                        \
	"fsprobe_build_info{version=\"9.8.7-test\"} 1\n"
#define BUILD_AND_PROBES BUILD PROBES
#define PROBES                                                                                     \
	"# HELP fsprobe_probe_attached 1 when the probe on a function is attached, else 0.\n"      \
	"# TYPE fsprobe_probe_attached gauge\n"                                                    \
	"fsprobe_probe_attached{function=\"cache_lookup\",role=\"lookup\",offset=\"0x1234\","      \
	"placement=\"after endbr64, on push (emulated)\"} 1\n"                                     \
	"fsprobe_probe_attached{function=\"compute_feature\",role=\"miss\",offset=\"0x5678\","     \
	"placement=\"first byte\"} 0\n"
/* setup_two_symbols' series. */
#define TWO_SYMBOLS                                                                                \
	HITS_HEAD                                                                                  \
	"featurestore_hits_total{symbol=\"alpha\"} 3\n"                                            \
	"featurestore_hits_total{symbol=\"beta\"} 5\n"                                             \
	MISSES_HEAD                                                                                \
	"featurestore_misses_total{symbol=\"alpha\"} 1\n"                                          \
	"featurestore_misses_total{symbol=\"beta\"} 0\n"                                           \
	RATIO_HEAD                                                                                 \
	"featurestore_hit_ratio 0.888888889\n"
/* The gauges both formats write alike; arguments are the values, as written. */
#define GAUGES(nsym, max, up, procs)                                                               \
	"# HELP fsprobe_symbols Distinct symbols with their own series.\n"                         \
	"# TYPE fsprobe_symbols gauge\n"                                                           \
	"fsprobe_symbols " #nsym "\n"                                                              \
	"# HELP fsprobe_symbols_max Symbols tracked before overflow (--max-symbols).\n"            \
	"# TYPE fsprobe_symbols_max gauge\n"                                                       \
	"fsprobe_symbols_max " #max "\n"                                                           \
	"# HELP fsprobe_target_up 1 while an observed process is running, else 0.\n"               \
	"# TYPE fsprobe_target_up gauge\n"                                                         \
	"fsprobe_target_up " #up "\n"                                                              \
	"# HELP fsprobe_target_processes Observed processes currently running.\n"                  \
	"# TYPE fsprobe_target_processes gauge\n"                                                  \
	"fsprobe_target_processes " #procs "\n"
/* Self-observation series; arguments are the values, as written. */
#define SELF(fault, empty, field, trunc, overflow, deep, unwound, outside, nsym, max, up, procs)   \
	"# HELP fsprobe_key_read_errors_total Lookups whose key could not be read, by reason "     \
	"(counted as the symbol __unreadable__, or as the empty symbol when empty).\n"             \
	"# TYPE fsprobe_key_read_errors_total counter\n"                                           \
	"fsprobe_key_read_errors_total{reason=\"fault\"} " #fault "\n"                             \
	"fsprobe_key_read_errors_total{reason=\"empty\"} " #empty "\n"                             \
	"fsprobe_key_read_errors_total{reason=\"field_missing\"} " #field "\n"                     \
	"# HELP fsprobe_keys_truncated_total Lookups whose key was cut to its first 63 bytes "     \
	"(still counted).\n"                                                                       \
	"# TYPE fsprobe_keys_truncated_total counter\n"                                            \
	"fsprobe_keys_truncated_total " #trunc "\n"                                                \
	"# HELP fsprobe_symbols_overflow_total Lookups counted under symbol=\"__overflow__\" "     \
	"past --max-symbols.\n"                                                                    \
	"# TYPE fsprobe_symbols_overflow_total counter\n"                                          \
	"fsprobe_symbols_overflow_total " #overflow "\n"                                           \
	"# HELP fsprobe_lookups_too_deep_total Lookups not counted: nested deeper than fsprobe "   \
	"tracks, or no thread state.\n"                                                            \
	"# TYPE fsprobe_lookups_too_deep_total counter\n"                                          \
	"fsprobe_lookups_too_deep_total " #deep "\n"                                               \
	"# HELP fsprobe_lookups_unwound_total Lookups left without a return (longjmp, "            \
	"exception); counted at unwind.\n"                                                         \
	"# TYPE fsprobe_lookups_unwound_total counter\n"                                           \
	"fsprobe_lookups_unwound_total " #unwound "\n"                                             \
	"# HELP fsprobe_miss_outside_lookup_total Calls of the miss function outside any "         \
	"observed lookup (not counted).\n"                                                         \
	"# TYPE fsprobe_miss_outside_lookup_total counter\n"                                       \
	"fsprobe_miss_outside_lookup_total " #outside "\n"                                         \
	GAUGES(nsym, max, up, procs) PROG_STATS
/* No programs in these snapshots: the families are declared, with no samples. */
#define PROG_STATS                                                                                 \
	"# HELP fsprobe_bpf_stats_enabled 1 when kernel.bpf_stats_enabled=1, so the BPF "          \
	"program run counters below move.\n"                                                       \
	"# TYPE fsprobe_bpf_stats_enabled gauge\n"                                                 \
	"fsprobe_bpf_stats_enabled 0\n"                                                            \
	"# HELP fsprobe_bpf_program_run_seconds_total Time the kernel spent running each BPF "     \
	"program while bpf_stats_enabled was on.\n"                                                \
	"# TYPE fsprobe_bpf_program_run_seconds_total counter\n"                                   \
	"# HELP fsprobe_bpf_program_runs_total Runs of each BPF program while "                    \
	"bpf_stats_enabled was on.\n"                                                              \
	"# TYPE fsprobe_bpf_program_runs_total counter\n"                                          \
	"# HELP fsprobe_bpf_program_recursion_misses_total Runs the kernel skipped because "       \
	"another BPF program was running on the CPU.\n"                                            \
	"# TYPE fsprobe_bpf_program_recursion_misses_total counter\n"

/*
 * The same families in OpenMetrics 1.0: a counter's family is named without the "_total" of its
 * samples, a "_seconds" family has a UNIT, a '"' in HELP is escaped, and "# EOF" ends it all.
 */
#define OM_HITS_HEAD                                                                               \
	"# HELP featurestore_hits Feature cache lookups served from the cache, per symbol.\n"      \
	"# TYPE featurestore_hits counter\n"
#define OM_MISSES_HEAD                                                                             \
	"# HELP featurestore_misses Feature cache lookups that ran the miss (recompute) "          \
	"function, per symbol.\n"                                                                  \
	"# TYPE featurestore_misses counter\n"
#define OM_TWO_SYMBOLS                                                                             \
	OM_HITS_HEAD                                                                               \
	"featurestore_hits_total{symbol=\"alpha\"} 3\n"                                            \
	"featurestore_hits_total{symbol=\"beta\"} 5\n"                                             \
	OM_MISSES_HEAD                                                                             \
	"featurestore_misses_total{symbol=\"alpha\"} 1\n"                                          \
	"featurestore_misses_total{symbol=\"beta\"} 0\n"                                           \
	RATIO_HEAD                                                                                 \
	"featurestore_hit_ratio 0.888888889\n"
#define OM_SELF(fault, empty, field, trunc, overflow, deep, unwound, outside, nsym, max, up,      \
		procs, prog_stats)                                                                 \
	"# HELP fsprobe_key_read_errors Lookups whose key could not be read, by reason "          \
	"(counted as the symbol __unreadable__, or as the empty symbol when empty).\n"                                                                       \
	"# TYPE fsprobe_key_read_errors counter\n"                                                 \
	"fsprobe_key_read_errors_total{reason=\"fault\"} " #fault "\n"                             \
	"fsprobe_key_read_errors_total{reason=\"empty\"} " #empty "\n"                             \
	"fsprobe_key_read_errors_total{reason=\"field_missing\"} " #field "\n"                     \
	"# HELP fsprobe_keys_truncated Lookups whose key was cut to its first 63 bytes (still "    \
	"counted).\n"                                                                              \
	"# TYPE fsprobe_keys_truncated counter\n"                                                  \
	"fsprobe_keys_truncated_total " #trunc "\n"                                                \
	"# HELP fsprobe_symbols_overflow Lookups counted under symbol=\\\"__overflow__\\\" past "  \
	"--max-symbols.\n"                                                                         \
	"# TYPE fsprobe_symbols_overflow counter\n"                                                \
	"fsprobe_symbols_overflow_total " #overflow "\n"                                           \
	"# HELP fsprobe_lookups_too_deep Lookups not counted: nested deeper than fsprobe tracks, "  \
	"or no thread state.\n"                                                                    \
	"# TYPE fsprobe_lookups_too_deep counter\n"                                                \
	"fsprobe_lookups_too_deep_total " #deep "\n"                                               \
	"# HELP fsprobe_lookups_unwound Lookups left without a return (longjmp, exception); "      \
	"counted at unwind.\n"                                                                     \
	"# TYPE fsprobe_lookups_unwound counter\n"                                                 \
	"fsprobe_lookups_unwound_total " #unwound "\n"                                             \
	"# HELP fsprobe_miss_outside_lookup Calls of the miss function outside any observed "      \
	"lookup (not counted).\n"                                                                  \
	"# TYPE fsprobe_miss_outside_lookup counter\n"                                             \
	"fsprobe_miss_outside_lookup_total " #outside "\n"                                         \
	GAUGES(nsym, max, up, procs) prog_stats "# EOF\n"
/* PROG_STATS in OpenMetrics, with the samples of one program given as s, r and m lines. */
#define OM_PROG_STATS(enabled, s, r, m)                                                            \
	"# HELP fsprobe_bpf_stats_enabled 1 when kernel.bpf_stats_enabled=1, so the BPF "          \
	"program run counters below move.\n"                                                       \
	"# TYPE fsprobe_bpf_stats_enabled gauge\n"                                                 \
	"fsprobe_bpf_stats_enabled " #enabled "\n"                                                 \
	"# HELP fsprobe_bpf_program_run_seconds Time the kernel spent running each BPF program "   \
	"while bpf_stats_enabled was on.\n"                                                        \
	"# TYPE fsprobe_bpf_program_run_seconds counter\n"                                         \
	"# UNIT fsprobe_bpf_program_run_seconds seconds\n" s                                       \
	"# HELP fsprobe_bpf_program_runs Runs of each BPF program while bpf_stats_enabled was "    \
	"on.\n"                                                                                    \
	"# TYPE fsprobe_bpf_program_runs counter\n" r                                              \
	"# HELP fsprobe_bpf_program_recursion_misses Runs the kernel skipped because another BPF " \
	"program was running on the CPU.\n"                                                        \
	"# TYPE fsprobe_bpf_program_recursion_misses counter\n" m
#define OM_NO_PROGS OM_PROG_STATS(0, "", "", "")

/* A string key: at most FSP_KEY_MAX bytes, NUL-padded like the BPF side leaves it. */
static struct fsp_symbol sym(const char *key, __u64 hits, __u64 misses)
{
	struct fsp_symbol s = { .hits = hits, .misses = misses };

	memcpy(s.key.data, key, strnlen(key, FSP_KEY_MAX));
	return s;
}

/* An integer key: the 8-byte value, sign-extended for i32 by the BPF side. */
static struct fsp_symbol int_sym(__u64 v, __u64 hits, __u64 misses)
{
	struct fsp_symbol s = { .hits = hits, .misses = misses };

	memcpy(s.key.data, &v, sizeof(v));
	return s;
}

static void base(struct fsp_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->version = "9.8.7-test";
	s->key_type = FSP_KEY_CSTR;
	s->max_symbols = 100;
	s->probes[0] = (struct fsp_probe_info){ .function = "cache_lookup",
						.role = "lookup",
						.placement = "after endbr64, on push (emulated)",
						.offset = 0x1234,
						.attached = 1 };
	s->probes[1] = (struct fsp_probe_info){ .function = "compute_feature",
						.role = "miss",
						.placement = "first byte",
						.offset = 0x5678 };
	s->nprobes = 2;
	s->target_up = 1;
	s->target_processes = 1;
}

static void assert_renders(const struct fsp_snapshot *s, enum fsp_render_format fmt,
			   const char *want)
{
	struct fsp_buf out = {};

	assert_int_equal(fmt == FSP_RENDER_TEXT ? fsp_render_metrics(s, &out) :
						  fsp_render(s, fmt, &out), 0);
	assert_non_null(out.data);
	assert_text(out.data, out.len, want);
	fsp_buf_free(&out);
}

/*
 * Whole-output cases: each setup changes base()'s snapshot, which must render to exactly want.
 * A setup keeps its symbols in static storage: the snapshot only points at them.
 */
struct render_case {
	const char *name;
	void (*setup)(struct fsp_snapshot *s);
	const char *want;
};

/* No symbols: no ratio sample (0/0 is not a ratio), but probes and self-stats all show. */
static void setup_empty(struct fsp_snapshot *s)
{
	int i;

	for (i = 0; i < FSP_STAT__MAX; i++)
		s->stats[i] = 1 + i; /* distinct, so a swapped index shows */
	s->target_up = 0;
	s->target_processes = 0;
}

static void setup_two_symbols(struct fsp_snapshot *s)
{
	static struct fsp_symbol syms[2];

	syms[0] = sym("alpha", 3, 1);
	syms[1] = sym("beta", 5, 0);
	s->symbols = syms;
	s->nsymbols = 2;
	s->target_processes = 3;
}

/* The BPF variant is shown once known, after the build information. */
static void setup_bpf_variant(struct fsp_snapshot *s)
{
	setup_two_symbols(s);
	s->bpf = (struct fsp_bpf_variant){ .name = "compat", .kernel = "5.10.0-46-amd64",
					   .missing = "task_storage,atomics" };
}

/* Lookups whose key could not be read: their own series, and in the ratio (10 / 12). */
static void setup_unreadable(struct fsp_snapshot *s)
{
	setup_two_symbols(s);
	s->unreadable = (struct fsp_counts){ .hits = 2, .misses = 1 };
}

/* Overflow counts are part of the ratio: (1 + 10) / (1 + 2 + 10 + 20). */
static void setup_overflow(struct fsp_snapshot *s)
{
	static struct fsp_symbol syms[1];

	syms[0] = sym("a", 1, 2);
	s->symbols = syms;
	s->nsymbols = 1;
	s->max_symbols = 1;
	s->overflow = (struct fsp_counts){ .hits = 10, .misses = 20 };
}

/* Only misses overflowed: the hits series shows too, at 0, so both always pair up. */
static void setup_overflow_misses_only(struct fsp_snapshot *s)
{
	s->max_symbols = 1;
	s->overflow = (struct fsp_counts){ .hits = 0, .misses = 5 };
}

/*
 * Key a"b\c<newline>d: fsp_keytext_put doubles the backslash (its one-to-one rule), then the
 * text format escapes backslash, quote and newline: a \" b \\\\ c \n d on the wire.
 */
static void setup_label_escaping(struct fsp_snapshot *s)
{
	static struct fsp_symbol syms[1];

	syms[0] = sym("a\"b\\c\nd", 1, 2);
	s->symbols = syms;
	s->nsymbols = 1;
}

/* Not UTF-8 becomes \xHH text, whose backslash the text format then escapes. */
static void setup_utf8(struct fsp_snapshot *s)
{
	static struct fsp_symbol syms[2];

	syms[0] = sym("caf\xc3\xa9", 1, 0);
	syms[1] = sym("\xff", 2, 0);
	s->symbols = syms;
	s->nsymbols = 2;
}

static void setup_integer_keys(struct fsp_snapshot *s)
{
	static struct fsp_symbol syms[2];

	syms[0] = int_sym(7, 1, 1);
	syms[1] = int_sym(UINT64_MAX, 2, 0);
	s->key_type = FSP_KEY_U64;
	s->symbols = syms;
	s->nsymbols = 2;
}

/* Latency over all symbols, and one BPF program's accounting: the families with a unit. */
static void setup_latency_progs(struct fsp_snapshot *s)
{
	static struct fsp_symbol syms[1];
	static struct fsp_latency lat[1];

	syms[0] = sym("alpha", 3, 1);
	s->symbols = syms;
	s->nsymbols = 1;
	s->latency = lat;
	s->total_latency.lookup.buckets[0] = 2; /* at most 1.024 us */
	s->total_latency.lookup.buckets[3] = 1; /* at most 8.192 us */
	s->total_latency.lookup.sum_ns = 12000;
	s->total_latency.miss.buckets[5] = 1; /* at most 32.768 us */
	s->total_latency.miss.sum_ns = 40000;
	s->nprogs = 1;
	snprintf(s->progs[0].name, sizeof(s->progs[0].name), "lookup_entry");
	s->progs[0].run_ns = 1500000000;
	s->progs[0].runs = 7;
	s->bpf_stats_enabled = 1;
}

/* clang-format off */
static const struct render_case render_cases[] = {
	{ "test_empty", setup_empty,
	  HITS_HEAD
	  MISSES_HEAD
	  RATIO_HEAD
	  BUILD_AND_PROBES SELF(1, 2, 3, 4, 0, 5, 7, 6, 0, 100, 0, 0) },
	{ "test_two_symbols", setup_two_symbols,
	  TWO_SYMBOLS
	  BUILD_AND_PROBES SELF(0, 0, 0, 0, 0, 0, 0, 0, 2, 100, 1, 3) },
	{ "test_overflow", setup_overflow,
	  HITS_HEAD
	  "featurestore_hits_total{symbol=\"a\"} 1\n"
	  "featurestore_hits_total{symbol=\"__overflow__\"} 10\n"
	  MISSES_HEAD
	  "featurestore_misses_total{symbol=\"a\"} 2\n"
	  "featurestore_misses_total{symbol=\"__overflow__\"} 20\n"
	  RATIO_HEAD
	  "featurestore_hit_ratio 0.333333333\n"
	  BUILD_AND_PROBES SELF(0, 0, 0, 0, 30, 0, 0, 0, 1, 1, 1, 1) },
	{ "test_overflow_misses_only", setup_overflow_misses_only,
	  HITS_HEAD
	  "featurestore_hits_total{symbol=\"__overflow__\"} 0\n"
	  MISSES_HEAD
	  "featurestore_misses_total{symbol=\"__overflow__\"} 5\n"
	  RATIO_HEAD
	  "featurestore_hit_ratio 0\n"
	  BUILD_AND_PROBES SELF(0, 0, 0, 0, 5, 0, 0, 0, 0, 1, 1, 1) },
	{ "test_label_escaping", setup_label_escaping,
	  HITS_HEAD
	  "featurestore_hits_total{symbol=\"a\\\"b\\\\\\\\c\\nd\"} 1\n"
	  MISSES_HEAD
	  "featurestore_misses_total{symbol=\"a\\\"b\\\\\\\\c\\nd\"} 2\n"
	  RATIO_HEAD
	  "featurestore_hit_ratio 0.333333333\n"
	  BUILD_AND_PROBES SELF(0, 0, 0, 0, 0, 0, 0, 0, 1, 100, 1, 1) },
	{ "test_utf8", setup_utf8,
	  HITS_HEAD
	  "featurestore_hits_total{symbol=\"caf\xc3\xa9\"} 1\n"
	  "featurestore_hits_total{symbol=\"\\\\xff\"} 2\n"
	  MISSES_HEAD
	  "featurestore_misses_total{symbol=\"caf\xc3\xa9\"} 0\n"
	  "featurestore_misses_total{symbol=\"\\\\xff\"} 0\n"
	  RATIO_HEAD
	  "featurestore_hit_ratio 1\n"
	  BUILD_AND_PROBES SELF(0, 0, 0, 0, 0, 0, 0, 0, 2, 100, 1, 1) },
	{ "test_integer_keys", setup_integer_keys,
	  HITS_HEAD
	  "featurestore_hits_total{symbol=\"7\"} 1\n"
	  "featurestore_hits_total{symbol=\"18446744073709551615\"} 2\n"
	  MISSES_HEAD
	  "featurestore_misses_total{symbol=\"7\"} 1\n"
	  "featurestore_misses_total{symbol=\"18446744073709551615\"} 0\n"
	  RATIO_HEAD
	  "featurestore_hit_ratio 0.75\n"
	  BUILD_AND_PROBES SELF(0, 0, 0, 0, 0, 0, 0, 0, 2, 100, 1, 1) },
	{ "test_unreadable", setup_unreadable,
	  HITS_HEAD
	  "featurestore_hits_total{symbol=\"alpha\"} 3\n"
	  "featurestore_hits_total{symbol=\"beta\"} 5\n"
	  "featurestore_hits_total{symbol=\"__unreadable__\"} 2\n"
	  MISSES_HEAD
	  "featurestore_misses_total{symbol=\"alpha\"} 1\n"
	  "featurestore_misses_total{symbol=\"beta\"} 0\n"
	  "featurestore_misses_total{symbol=\"__unreadable__\"} 1\n"
	  RATIO_HEAD
	  "featurestore_hit_ratio 0.833333333\n"
	  BUILD_AND_PROBES SELF(0, 0, 0, 0, 0, 0, 0, 0, 2, 100, 1, 3) },
	{ "test_bpf_variant", setup_bpf_variant,
	  TWO_SYMBOLS
	  BUILD
	  "# HELP fsprobe_bpf_variant The BPF programs fsprobe loaded for this kernel, and the "
	  "kernel features they do without.\n"
	  "# TYPE fsprobe_bpf_variant gauge\n"
	  "fsprobe_bpf_variant{variant=\"compat\",kernel=\"5.10.0-46-amd64\","
	  "missing=\"task_storage,atomics\"} 1\n"
	  PROBES SELF(0, 0, 0, 0, 0, 0, 0, 0, 2, 100, 1, 3) },
};

/* The same snapshots in OpenMetrics, and one with the families that have a unit. */
static const struct render_case openmetrics_cases[] = {
	{ "test_empty_openmetrics", setup_empty,
	  OM_HITS_HEAD
	  OM_MISSES_HEAD
	  RATIO_HEAD
	  BUILD_AND_PROBES OM_SELF(1, 2, 3, 4, 0, 5, 7, 6, 0, 100, 0, 0, OM_NO_PROGS) },
	{ "test_two_symbols_openmetrics", setup_two_symbols,
	  OM_TWO_SYMBOLS
	  BUILD_AND_PROBES OM_SELF(0, 0, 0, 0, 0, 0, 0, 0, 2, 100, 1, 3, OM_NO_PROGS) },
	{ "test_overflow_openmetrics", setup_overflow,
	  OM_HITS_HEAD
	  "featurestore_hits_total{symbol=\"a\"} 1\n"
	  "featurestore_hits_total{symbol=\"__overflow__\"} 10\n"
	  OM_MISSES_HEAD
	  "featurestore_misses_total{symbol=\"a\"} 2\n"
	  "featurestore_misses_total{symbol=\"__overflow__\"} 20\n"
	  RATIO_HEAD
	  "featurestore_hit_ratio 0.333333333\n"
	  BUILD_AND_PROBES OM_SELF(0, 0, 0, 0, 30, 0, 0, 0, 1, 1, 1, 1, OM_NO_PROGS) },
	{ "test_label_escaping_openmetrics", setup_label_escaping,
	  OM_HITS_HEAD
	  "featurestore_hits_total{symbol=\"a\\\"b\\\\\\\\c\\nd\"} 1\n"
	  OM_MISSES_HEAD
	  "featurestore_misses_total{symbol=\"a\\\"b\\\\\\\\c\\nd\"} 2\n"
	  RATIO_HEAD
	  "featurestore_hit_ratio 0.333333333\n"
	  BUILD_AND_PROBES OM_SELF(0, 0, 0, 0, 0, 0, 0, 0, 1, 100, 1, 1, OM_NO_PROGS) },
	{ "test_bpf_variant_openmetrics", setup_bpf_variant,
	  OM_TWO_SYMBOLS
	  BUILD
	  "# HELP fsprobe_bpf_variant The BPF programs fsprobe loaded for this kernel, and the "
	  "kernel features they do without.\n"
	  "# TYPE fsprobe_bpf_variant gauge\n"
	  "fsprobe_bpf_variant{variant=\"compat\",kernel=\"5.10.0-46-amd64\","
	  "missing=\"task_storage,atomics\"} 1\n"
	  PROBES OM_SELF(0, 0, 0, 0, 0, 0, 0, 0, 2, 100, 1, 3, OM_NO_PROGS) },
	{ "test_latency_openmetrics", setup_latency_progs,
	  OM_HITS_HEAD
	  "featurestore_hits_total{symbol=\"alpha\"} 3\n"
	  OM_MISSES_HEAD
	  "featurestore_misses_total{symbol=\"alpha\"} 1\n"
	  RATIO_HEAD
	  "featurestore_hit_ratio 0.75\n"
	  "# HELP featurestore_lookup_duration_seconds Time from entering the lookup function to "
	  "its return.\n"
	  "# TYPE featurestore_lookup_duration_seconds histogram\n"
	  "# UNIT featurestore_lookup_duration_seconds seconds\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"1.024e-06\"} 2\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"2.048e-06\"} 2\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"4.096e-06\"} 2\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"8.192e-06\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"1.6384e-05\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"3.2768e-05\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"6.5536e-05\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.000131072\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.000262144\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.000524288\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.001048576\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.002097152\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.004194304\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.008388608\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.016777216\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.033554432\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.067108864\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.134217728\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.268435456\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"0.536870912\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"1.073741824\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"2.147483648\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"4.294967296\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"8.589934592\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"17.179869184\"} 3\n"
	  "featurestore_lookup_duration_seconds_bucket{le=\"+Inf\"} 3\n"
	  "featurestore_lookup_duration_seconds_sum 1.2e-05\n"
	  "featurestore_lookup_duration_seconds_count 3\n"
	  "# HELP featurestore_miss_duration_seconds Time spent in the miss function: the miss "
	  "penalty.\n"
	  "# TYPE featurestore_miss_duration_seconds histogram\n"
	  "# UNIT featurestore_miss_duration_seconds seconds\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"1.024e-06\"} 0\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"2.048e-06\"} 0\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"4.096e-06\"} 0\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"8.192e-06\"} 0\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"1.6384e-05\"} 0\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"3.2768e-05\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"6.5536e-05\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.000131072\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.000262144\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.000524288\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.001048576\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.002097152\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.004194304\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.008388608\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.016777216\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.033554432\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.067108864\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.134217728\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.268435456\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"0.536870912\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"1.073741824\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"2.147483648\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"4.294967296\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"8.589934592\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"17.179869184\"} 1\n"
	  "featurestore_miss_duration_seconds_bucket{le=\"+Inf\"} 1\n"
	  "featurestore_miss_duration_seconds_sum 4e-05\n"
	  "featurestore_miss_duration_seconds_count 1\n"
	  BUILD_AND_PROBES
	  OM_SELF(0, 0, 0, 0, 0, 0, 0, 0, 1, 100, 1, 1, OM_PROG_STATS(1,
	  "fsprobe_bpf_program_run_seconds_total{program=\"lookup_entry\"} 1.500000000\n",
	  "fsprobe_bpf_program_runs_total{program=\"lookup_entry\"} 7\n",
	  "fsprobe_bpf_program_recursion_misses_total{program=\"lookup_entry\"} 0\n")) },
};
/* clang-format on */

/* One cmocka test per row, named after it; the row comes in as the test's state. */
static void test_render_case(void **state)
{
	const struct render_case *c = *state;
	struct fsp_snapshot s;

	base(&s);
	c->setup(&s);
	assert_renders(&s, FSP_RENDER_TEXT, c->want);
}

static void test_render_case_openmetrics(void **state)
{
	const struct render_case *c = *state;
	struct fsp_snapshot s;

	base(&s);
	c->setup(&s);
	assert_renders(&s, FSP_RENDER_OPENMETRICS, c->want);
}

/*
 * A target key that is literally __overflow__ must not render as the overflow series: two
 * samples of one series in a scrape are invalid, and Prometheus keeps only one of them.
 */
static void test_overflow_label_reserved(void **state)
{
	struct fsp_symbol syms[] = { sym(FSP_OVERFLOW_LABEL, 1, 1) };
	struct fsp_buf out = {};
	struct fsp_snapshot s;
	const char *line, *sp, *dup = NULL;
	char *series[64];
	size_t n = 0, i, j, len;

	(void)state;
	base(&s);
	s.symbols = syms;
	s.nsymbols = 1;
	s.overflow = (struct fsp_counts){ .hits = 2, .misses = 3 };
	assert_int_equal(fsp_render_metrics(&s, &out), 0);
	/* A sample's series is all of its line before the value. */
	for (line = out.data; *line; line += len + 1) {
		len = strcspn(line, "\n");
		if (line[0] == '#')
			continue;
		sp = memrchr(line, ' ', len);
		assert_non_null(sp);
		assert_true(n < sizeof(series) / sizeof(series[0]));
		series[n++] = strndup(line, sp - line);
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (!strcmp(series[i], series[j]))
				dup = series[i];
	if (dup)
		fail_msg("two samples of %s in one scrape", dup);
	for (i = 0; i < n; i++)
		free(series[i]);
	fsp_buf_free(&out);
}

/* Everything tricky at once, sorted by key bytes as the collector sorts them. */
static struct fsp_symbol rich_syms[4];

static void rich(struct fsp_snapshot *s)
{
	rich_syms[0] = sym("a\"b\\c\nd", 3, 1);
	rich_syms[1] = sym("caf\xc3\xa9:\xe2\x82\xac", 4, 4);
	rich_syms[2] = sym("\xf0\x9d\x84\x9e", 1, 9);
	rich_syms[3] = sym("\xff\xe2\x82\xc0\xaf\xed\xa0\x80", 2, 0);
	base(s);
	s->symbols = rich_syms;
	s->nsymbols = 4;
	s->max_symbols = 4;
	s->overflow = (struct fsp_counts){ .hits = 6, .misses = 7 };
	s->stats[FSP_STAT_READ_FAULT] = 11;
	s->stats[FSP_STAT_UNWOUND] = 12;
}

static void test_deterministic(void **state)
{
	struct fsp_buf a = {}, b = {};
	struct fsp_snapshot s;

	(void)state;
	rich(&s);
	assert_int_equal(fsp_render_metrics(&s, &a), 0);
	assert_int_equal(fsp_render_metrics(&s, &b), 0);
	assert_true(a.len > 0);
	assert_text(b.data, b.len, a.data);
	fsp_buf_free(&a);
	fsp_buf_free(&b);
}

static void test_promtool(void **state)
{
	struct fsp_buf out = {};
	struct fsp_snapshot s;
	FILE *p;
	int status;

	(void)state;
	if (access(PROMTOOL, X_OK)) {
		print_message("%s not installed: skipping the promtool check\n", PROMTOOL);
		skip();
	}
	rich(&s);
	assert_int_equal(fsp_render_metrics(&s, &out), 0);
	/* promtool's own findings go to our stdout, next to the verdict. */
	p = popen(PROMTOOL " check metrics", "w");
	assert_non_null(p);
	assert_int_equal(fwrite(out.data, 1, out.len, p), out.len);
	status = pclose(p);
	fsp_buf_free(&out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Everything tricky, with per-symbol histograms, through a strict OpenMetrics parser. */
static void test_openmetrics_parser(void **state)
{
	static struct fsp_latency lat[4];
	struct fsp_buf out = {};
	struct fsp_snapshot s;
	FILE *p;
	int status;

	(void)state;
	if (system("/usr/bin/python3 -c 'import prometheus_client.openmetrics.parser' 2>/dev/null")) {
		print_message("python3-prometheus-client not installed: skipping the OpenMetrics "
			      "parser check\n");
		skip();
	}
	rich(&s);
	lat[1].lookup.buckets[2] = 5;
	lat[1].lookup.sum_ns = 15000;
	s.latency = lat;
	s.latency_by_symbol = 1;
	s.overflow_latency.miss.buckets[7] = 2;
	assert_int_equal(fsp_render(&s, FSP_RENDER_OPENMETRICS, &out), 0);
	p = popen(OM_PARSER, "w");
	assert_non_null(p);
	assert_int_equal(fwrite(out.data, 1, out.len, p), out.len);
	status = pclose(p);
	fsp_buf_free(&out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(render_cases) + ARRAY_SIZE(openmetrics_cases) + 4];
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(render_cases); i++)
		tests[n++] = (struct CMUnitTest){ .name = render_cases[i].name,
						  .test_func = test_render_case,
						  .initial_state = (void *)&render_cases[i] };
	for (i = 0; i < ARRAY_SIZE(openmetrics_cases); i++)
		tests[n++] = (struct CMUnitTest){ .name = openmetrics_cases[i].name,
						  .test_func = test_render_case_openmetrics,
						  .initial_state = (void *)&openmetrics_cases[i] };
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_overflow_label_reserved);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_deterministic);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_promtool);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_openmetrics_parser);

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: render\n");
	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
