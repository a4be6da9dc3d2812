// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * view, report and top rendering: percentiles from log2 histograms, per-interval rows between
 * two snapshots, sort orders, and whole-output comparisons of the report table, the report
 * JSON and top's frames for hand-built snapshots.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "report.h"
#include "top.h"
#include "cell.h"
#include "view.h"
#include "testutil.h"

/* The expected texts, whole; the fixture below explains the numbers. */
#define REPORT_TABLE                                                                               \
	"fsprobe report: pid 4242 (featurestore): lookups in feature_cache_lookup, "               \
	"misses in compute_features\n"                                                             \
	"probes: feature_cache_lookup (lookup), compute_features (miss)\n"                         \
	"duration: 10.0 s\n"                                                                       \
	"latency: p50 and p99 are bucket upper bounds (2.10ms: between 1.05ms and 2.10ms)\n"       \
	"totals: 1120 lookups, 1051 hits, 69 misses; hit ratio 93.84% (SLO 95%: BREACH)\n"         \
	"all symbols: miss penalty p50 4.19ms p99 >17.2s, lookup p50 1.02us p99 4.19ms\n"          \
	"not counted, key unreadable: fault 1, empty 2, field_missing 3\n"                         \
	"\n"                                                                                       \
	"SYMBOL          LOOKUPS       HITS     MISSES     HIT%  MISS P50  MISS "                  \
	"P99  LOOK P50  LOOK P99\n"                                                                \
	"MSFT                100         50         50   50.00%    4.19ms    >17.2s "              \
	"   2.05us    4.19ms\n"                                                                    \
	"AAPL               1000        990         10   99.00%    2.10ms    2.10ms "              \
	"   1.02us    1.02us\n"                                                                    \
	"__overflow__         10          4          6   40.00%    2.10ms    2.10ms "              \
	"   2.10ms    2.10ms\n"                                                                    \
	"a\"b\\\\c\\x01"                                                                           \
	"d           3          0          3    0.00%     1.07s  "                                 \
	"   1.07s     1.07s     1.07s\n"                                                           \
	"\\xff                  7          7          0  100.00%         -     "                   \
	"    -    1.02us    1.02us\n"

#define REPORT_JSON                                                                                \
	"{\n"                                                                                      \
	"  \"target\": {\"pid\": 4242, \"command\": \"featurestore\", \"executable\": "            \
	"\"/opt/desk/bin/featurestore\", \"description\": \"pid 4242 (featurestore): "             \
	"lookups in feature_cache_lookup, misses in compute_features\", \"functions\": "           \
	"[{\"name\": \"feature_cache_lookup\", \"role\": \"lookup\", \"attached\": "               \
	"true}, {\"name\": \"compute_features\", \"role\": \"miss\", \"attached\": "               \
	"true}]},\n"                                                                               \
	"  \"duration_seconds\": 10.000,\n"                                                        \
	"  \"latency_measured\": true,\n"                                                          \
	"  \"slo\": {\"hit_ratio_objective\": 0.95, \"status\": \"BREACH\"},\n"                    \
	"  \"totals\": {\"hits\": 1051, \"misses\": 69, \"lookups\": 1120, \"hit_ratio\": "        \
	"0.938392857, \"miss_p50_seconds\": 0.004194304, \"miss_p99_seconds\": "                   \
	"\"+Inf\", \"lookup_p50_seconds\": 1.024e-06, \"lookup_p99_seconds\": 0.004194304},\n"     \
	"  \"symbols\": [\n"                                                                       \
	"    {\"symbol\": \"MSFT\", \"hits\": 50, \"misses\": 50, \"lookups\": "                   \
	"100, \"hit_ratio\": 0.5, \"miss_p50_seconds\": 0.004194304, \"miss_p99_seconds\": "       \
	"\"+Inf\", \"lookup_p50_seconds\": 2.048e-06, \"lookup_p99_seconds\": 0.004194304},\n"     \
	"    {\"symbol\": \"AAPL\", \"hits\": 990, \"misses\": 10, \"lookups\": "                  \
	"1000, \"hit_ratio\": 0.99, \"miss_p50_seconds\": 0.002097152, \"miss_p99_seconds\": "     \
	"0.002097152, \"lookup_p50_seconds\": 1.024e-06, \"lookup_p99_seconds\": "                 \
	"1.024e-06},\n"                                                                            \
	"    {\"symbol\": \"a\\\"b\\\\\\\\c\\u0001d\", \"hits\": 0, \"misses\": "                  \
	"3, \"lookups\": 3, \"hit_ratio\": 0, \"miss_p50_seconds\": 1.073741824, "                 \
	"\"miss_p99_seconds\": 1.073741824, \"lookup_p50_seconds\": 1.073741824, "                 \
	"\"lookup_p99_seconds\": 1.073741824},\n"                                                  \
	"    {\"symbol\": \"\\\\xff\", \"hits\": 7, \"misses\": 0, \"lookups\": "                  \
	"7, \"hit_ratio\": 1, \"miss_p50_seconds\": null, \"miss_p99_seconds\": "                  \
	"null, \"lookup_p50_seconds\": 1.024e-06, \"lookup_p99_seconds\": 1.024e-06}\n"            \
	"  ],\n"                                                                                   \
	"  \"overflow\": {\"hits\": 4, \"misses\": 6, \"lookups\": 10, \"hit_ratio\": "            \
	"0.4, \"miss_p50_seconds\": 0.002097152, \"miss_p99_seconds\": 0.002097152, "              \
	"\"lookup_p50_seconds\": 0.002097152, \"lookup_p99_seconds\": 0.002097152},\n"             \
	"  \"unreadable\": null,\n"                                                                \
	"  \"errors\": {\"fault\": 1, \"empty\": 2, \"field_missing\": 3}\n"                       \
	"}\n"

#define TOP_FRAME                                                                                  \
	"pid 4242 (featurestore): lookups in feature_cache_lookup, misses in compute_fea…\n"     \
	"probes: feature_cache_lookup (lookup), compute_features (miss)\n"                         \
	"up 1:02:05, every 1s, 1 process running, 4 symbols\n"                                     \
	"hit ratio: last 10.0s 93.84% BREACH, since start 93.84% BREACH (SLO 95%)\n"               \
	"lookups/s 112, misses/s 6.9, miss penalty p50 4.19ms p99 >17.2s\n"                        \
	"\n"                                                                                       \
	"SYMBOL              LOOKUPS/S    HIT%  MISSES/S      LOOKUPS  MISS P50  MISS P99\n"       \
	"MSFT                     10.0  50.00%       5.0          100    4.19ms    >17.2s\n"       \
	"AAPL                      100  99.00%       1.0         1000    2.10ms    2.10ms\n"       \
	"__overflow__              1.0  40.00%       0.6           10    2.10ms    2.10ms\n"       \
	"a\"b\\\\c\\x01"                                                                           \
	"d               0.3   0.00%       0.3            3     1.07s "                            \
	"    1.07s\n"                                                                              \
	"\\xff                      0.7 100.00%       0.0            7         -         -\n"      \
	"sort: [m misses/s]  h hit%  l lookups/s  s symbol   p pause  q quit\n"

#define TOP_FRAME_PAUSED                                                                           \
	"pid 4242 (featurestore): lookups in feature_cache_lookup, misses in compute_fea…\n"     \
	"probes: feature_cache_lookup (lookup), compute_features (miss)\n"                         \
	"up 0:00:00, every 2.5s, TARGET EXITED (last counts), 4 symbols, PAUSED\n"                 \
	"hit ratio: since start 93.84% BREACH (SLO 95%)\n"                                         \
	"lookups/s -, misses/s -, miss penalty p50 - p99 - (latency off)\n"                        \
	"\n"                                                                                       \
	"SYMBOL              LOOKUPS/S    HIT%  MISSES/S      LOOKUPS  MISS P50  MISS P99\n"       \
	"a\"b\\\\c\\x01"                                                                           \
	"d                 -   0.00%         -            3      "                                 \
	"   -         -\n"                                                                         \
	"__overflow__                -  40.00%         -           10         -         -\n"       \
	"MSFT                        -  50.00%         -          100         -         -\n"       \
	"AAPL                        -  99.00%         -         1000         -         -\n"       \
	"\\xff                        - 100.00%         -            7         -         -\n"      \
	"sort:  m misses/s [h hit%]  l lookups/s  s symbol   p resume  q quit\n"

#define MS2 2.097152e-3 /* bucket 11: at most 2^21 ns */
#define MS4 4.194304e-3 /* bucket 12 */

/* Bucket bounds are powers of two in ns: equal up to the rounding of a decimal literal. */
#define assert_seconds(got, want) assert_true(fabs((got) - (want)) <= 1e-12 * (want))

static struct fsp_symbol sym(const char *key, __u64 hits, __u64 misses)
{
	struct fsp_symbol s = { .hits = hits, .misses = misses };

	memcpy(s.key.data, key, strnlen(key, FSP_KEY_MAX - 1));
	return s;
}

/* python3's parser agrees the text is JSON (skipped without python3). */
static void assert_json(const struct fsp_buf *out)
{
	FILE *p;

	if (access("/usr/bin/python3", X_OK))
		return;
	p = popen("/usr/bin/python3 -m json.tool >/dev/null", "w");
	assert_non_null(p);
	assert_int_equal(fwrite(out->data, 1, out->len, p), out->len);
	assert_int_equal(pclose(p), 0);
}

/* HIT%: to the nearest 0.01%, yet 100.00% only without a miss and 0.00% only without a hit. */
static void test_ratio(void **state)
{
	static const struct {
		__u64 hits, all;
		const char *want;
	} cases[] = {
		{ 0, 0, "-" },
		{ 2, 3, "66.67%" }, /* 66.666...: rounded up, no longer cut to 66.66% */
		{ 1, 3, "33.33%" },
		{ 1051, 1120, "93.84%" }, /* 93.839... */
		{ 1, 8, "12.50%" },
		{ 1, 20000, "0.01%" }, /* 0.005%: a half rounds up */
		{ 19999, 20000, "99.99%" }, /* 99.995%: a half rounds up, but not to 100.00% */
		{ 99999, 100000, "99.99%" }, /* 99.999% */
		{ 1, 100000, "0.01%" }, /* 0.001% */
		{ 0, 7, "0.00%" },
		{ 7, 7, "100.00%" },
		{ 1, 2, "50.00%" },
		{ ~0ULL - 1, ~0ULL, "99.99%" }, /* no overflow at the top of the range */
		{ ~0ULL / 3, ~0ULL, "33.33%" },
		{ ~0ULL, ~0ULL, "100.00%" },
	};
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fsp_cell_ratio(buf, sizeof(buf), cases[i].hits, cases[i].all);
		if (strcmp(buf, cases[i].want))
			fail_msg("%llu of %llu: want %s, got %s", (unsigned long long)cases[i].hits,
				 (unsigned long long)cases[i].all, cases[i].want, buf);
	}
}

static void test_percentile_empty(void **state)
{
	struct fsp_hist h = {};

	(void)state;
	assert_true(isnan(fsp_view_percentile(&h, 0.5)));
	assert_true(isnan(fsp_view_percentile(&h, 0.99)));
}

static void test_percentile_one_bucket(void **state)
{
	struct fsp_hist h = { .buckets[11] = 7 };

	(void)state;
	/* The bucket's upper bound, not an interpolation inside it. */
	assert_seconds(fsp_view_percentile(&h, 0.5), MS2);
	assert_seconds(fsp_view_percentile(&h, 0.99), MS2);
	h = (struct fsp_hist){ .buckets[0] = 1 };
	assert_seconds(fsp_view_percentile(&h, 0.5), 1.024e-6);
}

static void test_percentile_spread(void **state)
{
	struct fsp_hist h = { .buckets[0] = 50, .buckets[5] = 49, .buckets[10] = 1 };

	(void)state;
	/* Nearest rank: p50 is the 50th of 100 samples, still in bucket 0. */
	assert_seconds(fsp_view_percentile(&h, 0.50), 1.024e-6);
	assert_seconds(fsp_view_percentile(&h, 0.51), 32.768e-6);
	assert_seconds(fsp_view_percentile(&h, 0.99), 32.768e-6);
	assert_seconds(fsp_view_percentile(&h, 1.0), 1.048576e-3);
	/* 3 samples: p50 is the 2nd. */
	h = (struct fsp_hist){ .buckets[2] = 1, .buckets[3] = 1, .buckets[4] = 1 };
	assert_seconds(fsp_view_percentile(&h, 0.50), 8.192e-6);
}

static void test_percentile_inf(void **state)
{
	struct fsp_hist h = { .buckets[FSP_HIST_BUCKETS - 1] = 1 };

	(void)state;
	assert_true(isinf(fsp_view_percentile(&h, 0.5)));
	h = (struct fsp_hist){ .buckets[0] = 98,
			       .buckets[FSP_HIST_BUCKETS - 2] = 1,
			       .buckets[FSP_HIST_BUCKETS - 1] = 1 };
	assert_seconds(fsp_view_percentile(&h, 0.5), 1.024e-6);
	assert_seconds(fsp_view_percentile(&h, 0.99), 17.179869184);
	assert_true(isinf(fsp_view_percentile(&h, 1.0)));
}

static const struct fsp_view_row *row(const struct fsp_view *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->nrows; i++)
		if (!strcmp(v->rows[i].name, name))
			return &v->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

/* a and c before and after; b is new; the overflow grows; a's misses got slower. */
static void test_interval(void **state)
{
	struct fsp_symbol before[] = { sym("a", 10, 1), sym("c", 5, 5) };
	struct fsp_symbol after[] = { sym("a", 20, 3), sym("b", 7, 2), sym("c", 5, 5) };
	struct fsp_latency lbefore[2] = {}, lafter[3] = {};
	struct fsp_snapshot prev = {}, cur = {}, kept = {};
	struct fsp_view v = {};
	const struct fsp_view_row *r;

	(void)state;
	lbefore[0].miss.buckets[11] = 1;
	lafter[0].miss.buckets[11] = 1;
	lafter[0].miss.buckets[12] = 2;
	lafter[1].miss.buckets[3] = 2;
	prev = (struct fsp_snapshot){ .key_type = FSP_KEY_CSTR,
				      .symbols = before,
				      .nsymbols = 2,
				      .overflow = { 1, 1 },
				      .latency = lbefore };
	cur = (struct fsp_snapshot){ .key_type = FSP_KEY_CSTR,
				     .symbols = after,
				     .nsymbols = 3,
				     .overflow = { 4, 3 },
				     .latency = lafter };
	prev.total_latency.miss.buckets[11] = 1;
	cur.total_latency.miss.buckets[11] = 1;
	cur.total_latency.miss.buckets[12] = 2;
	cur.total_latency.miss.buckets[3] = 2;
	/* The copy must outlive the collector reusing its arrays. */
	assert_int_equal(fsp_view_copy(&kept, &prev), 0);
	memset(before, 0xee, sizeof(before));
	memset(lbefore, 0xee, sizeof(lbefore));
	assert_int_equal(fsp_view_build(&v, &cur, &kept, 2.0), 0);
	assert_int_equal(v.nrows, 4);
	assert_true(v.seconds == 2.0);
	r = row(&v, "a");
	assert_int_equal(r->d_hits, 10);
	assert_int_equal(r->d_misses, 2);
	assert_int_equal(r->hits, 20);
	/* Only the two new samples count, both in bucket 12. */
	assert_seconds(r->miss_p50, MS4);
	assert_seconds(r->miss_p99, MS4);
	assert_true(isnan(r->lookup_p50));
	r = row(&v, "b");
	assert_int_equal(r->d_hits, 7);
	assert_int_equal(r->d_misses, 2);
	assert_seconds(r->miss_p50, 8.192e-6);
	r = row(&v, "c");
	assert_int_equal(r->d_hits + r->d_misses, 0);
	assert_true(isnan(r->miss_p50));
	r = row(&v, FSP_OVERFLOW_LABEL);
	assert_true(r->overflow);
	assert_int_equal(r->rank, 3);
	assert_int_equal(r->d_hits, 3);
	assert_int_equal(r->d_misses, 2);
	assert_int_equal(v.total.hits, 36);
	assert_int_equal(v.total.misses, 13);
	assert_int_equal(v.total.d_hits, 20);
	assert_int_equal(v.total.d_misses, 6);
	/* Of the four new samples, two are in bucket 3 and two in 12. */
	assert_seconds(v.total.miss_p50, 8.192e-6);
	assert_seconds(v.total.miss_p99, MS4);

	/* Since attach (report): everything counts, no interval yet for a first frame. */
	assert_int_equal(fsp_view_build(&v, &cur, NULL, 0), 0);
	r = row(&v, "a");
	assert_int_equal(r->d_hits, 20);
	assert_int_equal(r->d_misses, 3);
	assert_seconds(r->miss_p50, MS4);
	assert_int_equal(v.total.d_misses, 13);
	fsp_view_free(&v);
	fsp_view_copy_free(&kept);
	fsp_view_free(NULL);
	fsp_view_copy_free(NULL);
}

static void assert_order(struct fsp_view *v, enum fsp_view_sort by, const char *want)
{
	char got[256] = "";
	size_t i;

	fsp_view_sort(v, by);
	for (i = 0; i < v->nrows; i++) {
		strcat(got, i ? " " : "");
		strcat(got, v->rows[i].name);
	}
	assert_string_equal(got, want);
}

/* Lookups whose key could not be read: their own row after the overflow, and in the totals. */
static void test_unreadable_row(void **state)
{
	struct fsp_symbol before[] = { sym("a", 1, 0) }, after[] = { sym("a", 3, 1) };
	struct fsp_snapshot prev = { .key_type = FSP_KEY_CSTR, .symbols = before, .nsymbols = 1,
				     .unreadable = { 0, 2 } };
	struct fsp_snapshot cur = { .key_type = FSP_KEY_CSTR, .symbols = after, .nsymbols = 1,
				    .overflow = { 1, 0 }, .unreadable = { 1, 5 } };
	struct fsp_view v = {};
	struct fsp_buf out = {};
	const struct fsp_view_row *r;
	struct fsp_view_target t = { .describe = "pid 1 (x)", .pid = 1, .command = "x",
				     .executable = "/x" };

	(void)state;
	assert_int_equal(fsp_view_build(&v, &cur, &prev, 1.0), 0);
	assert_int_equal(v.nrows, 3);
	r = row(&v, FSP_UNREADABLE_LABEL);
	assert_true(r->unreadable);
	assert_false(r->overflow);
	assert_int_equal(r->rank, 2);
	assert_int_equal(r->d_hits, 1);
	assert_int_equal(r->d_misses, 3);
	assert_int_equal(v.total.hits, 5);
	assert_int_equal(v.total.misses, 6);
	assert_int_equal(v.total.d_hits, 4);
	assert_int_equal(v.total.d_misses, 4);
	/* By symbol: key order, then the overflow, then the unreadable row. */
	assert_order(&v, FSP_VIEW_BY_SYMBOL, "a __overflow__ __unreadable__");
	/* The JSON report puts it beside the overflow, not among the symbols. */
	assert_int_equal(fsp_report_json(&t, &v, &out), 0);
	assert_non_null(strstr(out.data, "\"unreadable\": {\"hits\": 1, \"misses\": 5"));
	assert_null(strstr(out.data, "{\"symbol\": \"__unreadable__\""));
	fsp_buf_free(&out);
	fsp_view_free(&v);
}

static void test_sort(void **state)
{
	/* In the interval: lookups, misses, hit ratio. */
	struct fsp_symbol syms[] = {
		sym("aapl", 0, 2),   /* 2, 2, 0% */
		sym("amzn", 90, 10), /* 100, 10, 90% */
		sym("ibm", 0, 0),    /* no lookups */
		sym("msft", 5, 5),   /* 10, 5, 50% */
		sym("nvda", 40, 10), /* 50, 10, 80% */
		sym("zzz", 0, 10),   /* 10, 10, 0% */
	};
	struct fsp_snapshot cur = {
		.key_type = FSP_KEY_CSTR, .symbols = syms, .nsymbols = 6, .overflow = { 1, 0 }
	};
	struct fsp_view v = {};

	(void)state;
	assert_int_equal(fsp_view_build(&v, &cur, NULL, 1.0), 0);
	/* Ties keep key order; the overflow row sorts like any other, last by symbol. */
	assert_order(&v, FSP_VIEW_BY_MISSES, "amzn nvda zzz msft aapl ibm __overflow__");
	/* Equal hit ratios: more misses first. No lookups at all: last. */
	assert_order(&v, FSP_VIEW_BY_HIT, "zzz aapl msft nvda amzn __overflow__ ibm");
	assert_order(&v, FSP_VIEW_BY_LOOKUPS, "amzn nvda msft zzz aapl __overflow__ ibm");
	assert_order(&v, FSP_VIEW_BY_SYMBOL, "aapl amzn ibm msft nvda zzz __overflow__");
	fsp_view_free(&v);
}

/* A report's worth of data: see the expected texts for what each symbol exercises. */
struct fixture {
	struct fsp_symbol syms[4];
	struct fsp_latency lat[4];
	struct fsp_snapshot snap;
	struct fsp_view_target t;
	struct fsp_view v;
};

static void report_fixture(struct fixture *f)
{
	struct fsp_latency *l = f->lat;
	int i;

	memset(f, 0, sizeof(*f));
	/* In the collector's key order (strncmp). */
	f->syms[0] = sym("AAPL", 990, 10);
	f->syms[1] = sym("MSFT", 50, 50);
	f->syms[2] = sym("a\"b\\c\001d", 0, 3); /* byte 1, then d */
	f->syms[3] = sym("\xff", 7, 0);
	l[0].miss.buckets[11] = 10;
	l[0].lookup.buckets[0] = 990;
	l[0].lookup.buckets[11] = 10;
	l[1].miss.buckets[12] = 49;
	l[1].miss.buckets[FSP_HIST_BUCKETS - 1] = 1;
	l[1].lookup.buckets[1] = 50;
	l[1].lookup.buckets[12] = 50;
	l[2].miss.buckets[20] = 3;
	l[2].lookup.buckets[20] = 3;
	l[3].lookup.buckets[0] = 7;
	f->snap = (struct fsp_snapshot){ .key_type = FSP_KEY_CSTR,
					 .symbols = f->syms,
					 .nsymbols = 4,
					 .overflow = { 4, 6 },
					 .latency = l };
	f->snap.overflow_latency.miss.buckets[11] = 6;
	f->snap.overflow_latency.lookup.buckets[0] = 4;
	f->snap.overflow_latency.lookup.buckets[11] = 6;
	for (i = 0; i < FSP_HIST_BUCKETS; i++) {
		f->snap.total_latency.miss.buckets[i] =
			l[0].miss.buckets[i] + l[1].miss.buckets[i] + l[2].miss.buckets[i] +
			l[3].miss.buckets[i] + f->snap.overflow_latency.miss.buckets[i];
		f->snap.total_latency.lookup.buckets[i] =
			l[0].lookup.buckets[i] + l[1].lookup.buckets[i] + l[2].lookup.buckets[i] +
			l[3].lookup.buckets[i] + f->snap.overflow_latency.lookup.buckets[i];
	}
	f->snap.stats[FSP_STAT_READ_FAULT] = 1;
	f->snap.stats[FSP_STAT_READ_EMPTY] = 2;
	f->snap.stats[FSP_STAT_FIELD_MISSING] = 3;
	f->snap.probes[0] = (struct fsp_probe_info){ .function = "feature_cache_lookup",
						     .role = "lookup",
						     .attached = 1 };
	f->snap.probes[1] = (struct fsp_probe_info){ .function = "compute_features",
						     .role = "miss",
						     .attached = 1 };
	f->snap.nprobes = 2;
	f->t = (struct fsp_view_target){
		.describe = "pid 4242 (featurestore): lookups in feature_cache_lookup, misses in "
			    "compute_features",
		.pid = 4242,
		.command = "featurestore",
		.executable = "/opt/desk/bin/featurestore",
		.probes = f->snap.probes,
		.nprobes = f->snap.nprobes,
	};
	assert_int_equal(fsp_view_build(&f->v, &f->snap, NULL, 10.0), 0);
	fsp_view_sort(&f->v, FSP_VIEW_BY_MISSES);
}

static void test_report_table(void **state)
{
	struct fixture f;
	struct fsp_buf out = {};

	(void)state;
	report_fixture(&f);
	assert_int_equal(fsp_report_table(&f.t, &f.v, &out), 0);
	assert_text(out.data, out.len, REPORT_TABLE);
	fsp_buf_free(&out);
	fsp_view_free(&f.v);
}

static void test_report_json(void **state)
{
	struct fixture f;
	struct fsp_buf out = {};

	(void)state;
	report_fixture(&f);
	assert_int_equal(fsp_report_json(&f.t, &f.v, &out), 0);
	assert_text(out.data, out.len, REPORT_JSON);
	assert_json(&out);
	fsp_buf_free(&out);
	fsp_view_free(&f.v);
}

/* Paths and names from the system are not keys: any bytes, still valid JSON. */
static void test_report_json_target(void **state)
{
	struct fsp_buf out = {};
	struct fixture f;

	(void)state;
	report_fixture(&f);
	f.t.pid = 0; /* --binary */
	f.t.command = "fs\xff\xc3";
	f.t.executable = "/opt/\"q\"/f\\s\n\x1b";
	assert_int_equal(fsp_report_json(&f.t, &f.v, &out), 0);
	assert_non_null(strstr(out.data, "{\"pid\": null, \"command\": \"fs\\ufffd\\ufffd\", "
					 "\"executable\": \"/opt/\\\"q\\\"/f\\\\s\\n\\u001b\", "));
	assert_json(&out);
	fsp_buf_free(&out);
	fsp_view_free(&f.v);
}

static void test_top_frame(void **state)
{
	struct fsp_view_screen sc = { .width = 80,
				      .height = 24,
				      .uptime = 3725,
				      .interval = 1,
				      .sort = FSP_VIEW_BY_MISSES,
				      .processes = 1 };
	struct fsp_buf out = {};
	struct fixture f;

	(void)state;
	report_fixture(&f);
	assert_int_equal(fsp_top_frame(&f.t, &f.v, &sc, &out), 0);
	assert_text(out.data, out.len, TOP_FRAME);
	/* Paused, sorted by hit %, the target gone, no interval yet, latency off. */
	f.snap.latency = NULL;
	assert_int_equal(fsp_view_build(&f.v, &f.snap, NULL, 0), 0);
	sc = (struct fsp_view_screen){ .width = 80,
				       .height = 24,
				       .uptime = 0.5,
				       .interval = 2.5,
				       .sort = FSP_VIEW_BY_HIT,
				       .paused = 1 };
	fsp_view_sort(&f.v, sc.sort);
	fsp_buf_reset(&out);
	assert_int_equal(fsp_top_frame(&f.t, &f.v, &sc, &out), 0);
	assert_text(out.data, out.len, TOP_FRAME_PAUSED);
	fsp_buf_free(&out);
	fsp_view_free(&f.v);
}

/* Lines and columns of a frame; fails on a terminal control byte. */
static void measure(const struct fsp_buf *out, size_t *lines, size_t *widest)
{
	const char *p = out->data, *nl;
	size_t i;

	*lines = *widest = 0;
	for (; p && (nl = strchr(p, '\n')); p = nl + 1) {
		(*lines)++;
		if (fsp_cell_cols(p, nl - p) > *widest)
			*widest = fsp_cell_cols(p, nl - p);
		for (i = 0; i < (size_t)(nl - p); i++)
			assert_false((unsigned char)p[i] < 0x20 || p[i] == 0x7f);
	}
	assert_true(!p || !*p); /* every line ends in a newline */
}

static void assert_fits(struct fsp_view *v, const struct fsp_view_target *t, int width, int height,
			const char *more)
{
	struct fsp_view_screen sc = {
		.width = width, .height = height, .interval = 1, .processes = 1
	};
	struct fsp_buf out = {};
	size_t lines, widest;

	assert_int_equal(fsp_top_frame(t, v, &sc, &out), 0);
	measure(&out, &lines, &widest);
	if (lines > (size_t)height || widest > (size_t)width || (more && !strstr(out.data, more)))
		fail_msg("%dx%d: %zu lines, widest %zu, '%s' %s:\n%s", width, height, lines, widest,
			 more ? more : "", more && strstr(out.data, more) ? "found" : "missing",
			 out.data);
	fsp_buf_free(&out);
}

/* Many symbols, long and hostile names: the frame fits any screen and cuts with a count. */
static void test_top_fits(void **state)
{
	struct fsp_symbol *syms = calloc(300, sizeof(*syms));
	struct fsp_snapshot cur = {
		.key_type = FSP_KEY_CSTR, .symbols = syms, .nsymbols = 300, .overflow = { 1, 1 }
	};
	struct fixture f;
	char name[64];
	int i;

	(void)state;
	report_fixture(&f);
	assert_non_null(syms);
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name),
			 i < 290 ? "SYM%05d"
				 : "%03d_a_symbol_name_far_"
				   "longer_than_any_column_\xc3\xa9t\xc3\xa9",
			 i);
		syms[i] = sym(name, i, 300 - i);
	}
	syms[299] = sym("\x1b[2J\x1b]0;pwned\x07\xc2\x9b", 1, 1); /* escapes must not escape */
	assert_int_equal(fsp_view_build(&f.v, &cur, NULL, 1), 0);
	fsp_view_sort(&f.v, FSP_VIEW_BY_SYMBOL);
	/* 24 lines: 7 of header, 15 rows, the count of the other 286, the keys. */
	assert_fits(&f.v, &f.t, 80, 24, "\n… 286 more\n");
	assert_fits(&f.v, &f.t, 100, 30, "\n… 280 more\n");
	assert_fits(&f.v, &f.t, 200, 60, "\n… 250 more\n");
	assert_fits(&f.v, &f.t, 40, 10, "\n… 300 more\n");
	assert_fits(&f.v, &f.t, 20, 3, NULL);
	assert_fits(&f.v, &f.t, 1, 1, NULL);
	assert_fits(&f.v, &f.t, 200, 400, "\\x1b[2J\\x1b]0;pwned\\x07\\xc2\\x9b");
	fsp_view_free(&f.v);
	free(syms);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratio),
		cmocka_unit_test(test_percentile_empty),
		cmocka_unit_test(test_percentile_one_bucket),
		cmocka_unit_test(test_percentile_spread),
		cmocka_unit_test(test_percentile_inf),
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_unreadable_row),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_report_table),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_json_target),
		cmocka_unit_test(test_top_frame),
		cmocka_unit_test(test_top_fits),
	};
	/* clang-format on */

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: view\n");
	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}
