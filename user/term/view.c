// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Rows, percentiles and sort orders for top and report. Pure: see view.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cell.h"
#include "keytext.h"
#include "view.h"

double fsp_view_percentile(const struct fsp_hist *h, double q)
{
	__u64 n = 0, seen = 0, rank;
	double want;
	int i;

	for (i = 0; i < FSP_HIST_BUCKETS; i++)
		n += h->buckets[i];
	if (!n)
		return NAN;
	/* Nearest rank: the smallest sample with at least q of all samples at or below it. */
	want = q * (double)n - 1e-9; /* 0.99 * 100 must not round up to rank 100 */
	rank = (__u64)want;
	rank += (double)rank < want || !rank;
	for (i = 0; i < FSP_HIST_BUCKETS - 1; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			return (double)(1ULL << (i + FSP_HIST_MIN_SHIFT)) / 1e9; /* as render.c's le */
	}
	return INFINITY;
}

static __u64 sub(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

/* cur - prev per bucket; counters only grow, the clamp only guards against a torn read. */
static void hist_delta(struct fsp_hist *d, const struct fsp_hist *cur, const struct fsp_hist *prev)
{
	int i;

	for (i = 0; i < FSP_HIST_BUCKETS; i++)
		d->buckets[i] = sub(cur->buckets[i], prev ? prev->buckets[i] : 0);
	d->sum_ns = sub(cur->sum_ns, prev ? prev->sum_ns : 0);
}

static void fill(struct fsp_view_row *r, const struct fsp_counts *cur,
		 const struct fsp_counts *prev, const struct fsp_latency *lcur,
		 const struct fsp_latency *lprev)
{
	struct fsp_hist d;

	r->hits = cur->hits;
	r->misses = cur->misses;
	r->d_hits = sub(cur->hits, prev ? prev->hits : 0);
	r->d_misses = sub(cur->misses, prev ? prev->misses : 0);
	r->miss_p50 = r->miss_p99 = r->lookup_p50 = r->lookup_p99 = NAN;
	if (!lcur)
		return;
	hist_delta(&d, &lcur->miss, lprev ? &lprev->miss : NULL);
	r->miss_p50 = fsp_view_percentile(&d, 0.50);
	r->miss_p99 = fsp_view_percentile(&d, 0.99);
	hist_delta(&d, &lcur->lookup, lprev ? &lprev->lookup : NULL);
	r->lookup_p50 = fsp_view_percentile(&d, 0.50);
	r->lookup_p99 = fsp_view_percentile(&d, 0.99);
}

static void set_name(struct fsp_view_row *r, const struct fsp_snapshot *snap,
		     const struct fsp_key *key, struct fsp_buf *scratch)
{
	fsp_buf_reset(scratch);
	fsp_keytext_put(snap->key_type, snap->symmap, key, scratch);
	/* Always fits: 63 key bytes render to at most 4 bytes each. */
	snprintf(r->name, sizeof(r->name), "%s", scratch->data ? scratch->data : "");
}

static int reserve_rows(struct fsp_view *v, size_t n)
{
	struct fsp_view_row *rows;

	if (n <= v->cap)
		return 0;
	rows = realloc(v->rows, n * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	v->rows = rows;
	v->cap = n;
	return 0;
}

/* A reserved row (overflow, unreadable) for c, or NULL when nothing was counted there. */
static struct fsp_view_row *reserved_row(struct fsp_view *v, const char *name, size_t rank,
					 const struct fsp_counts *c, const struct fsp_counts *pc,
					 const struct fsp_latency *l, const struct fsp_latency *pl)
{
	struct fsp_view_row *r;

	if (!c->hits && !c->misses)
		return NULL;
	r = &v->rows[v->nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->rank = rank;
	fill(r, c, pc, l, pl);
	return r;
}

int fsp_view_build(struct fsp_view *v, const struct fsp_snapshot *cur,
		   const struct fsp_snapshot *prev, double seconds)
{
	const struct fsp_symbol *old = prev ? prev->symbols : NULL;
	size_t nold = prev ? prev->nsymbols : 0, i, j = 0;
	const struct fsp_counts *ov = &cur->overflow, *un = &cur->unreadable;
	struct fsp_counts all = { ov->hits + un->hits, ov->misses + un->misses }, all_prev = {};
	struct fsp_view_row *r;
	struct fsp_buf scratch = {};
	int err;

	err = reserve_rows(v, cur->nsymbols + 2);
	if (err)
		return err;
	v->nrows = 0;
	v->seconds = seconds;
	v->latency = cur->latency != NULL;
	v->nsymbols = cur->nsymbols;
	memcpy(v->stats, cur->stats, sizeof(v->stats));
	if (prev)
		all_prev = (struct fsp_counts){ prev->overflow.hits + prev->unreadable.hits,
						prev->overflow.misses + prev->unreadable.misses };
	/* Both sides are in key order and symbols never go away: one merge pass pairs them. */
	for (i = 0; i < cur->nsymbols; i++) {
		const struct fsp_symbol *s = &cur->symbols[i];
		struct fsp_view_row *r = &v->rows[v->nrows++];
		const struct fsp_counts c = { s->hits, s->misses };
		struct fsp_counts p = {};
		const struct fsp_latency *lp = NULL;

		while (j < nold && fsp_snapshot_key_cmp(cur->key_type, &old[j].key, &s->key) < 0)
			j++;
		if (j < nold && !fsp_snapshot_key_cmp(cur->key_type, &old[j].key, &s->key)) {
			p = (struct fsp_counts){ old[j].hits, old[j].misses };
			lp = prev->latency ? &prev->latency[j] : NULL;
		}
		memset(r, 0, sizeof(*r));
		set_name(r, cur, &s->key, &scratch);
		r->rank = i;
		fill(r, &c, &p, cur->latency ? &cur->latency[i] : NULL, lp);
		all.hits += c.hits;
		all.misses += c.misses;
		all_prev.hits += p.hits;
		all_prev.misses += p.misses;
	}
	/* The reserved series, once anything counted there: overflow, then unreadable keys. */
	r = reserved_row(v, FSP_OVERFLOW_LABEL, cur->nsymbols, ov, prev ? &prev->overflow : NULL,
			 cur->latency ? &cur->overflow_latency : NULL,
			 prev && prev->latency ? &prev->overflow_latency : NULL);
	if (r)
		r->overflow = 1;
	r = reserved_row(v, FSP_UNREADABLE_LABEL, cur->nsymbols + 1, un,
			 prev ? &prev->unreadable : NULL,
			 cur->latency ? &cur->unreadable_latency : NULL,
			 prev && prev->latency ? &prev->unreadable_latency : NULL);
	if (r)
		r->unreadable = 1;
	memset(&v->total, 0, sizeof(v->total));
	strcpy(v->total.name, "total");
	fill(&v->total, &all, &all_prev, cur->latency ? &cur->total_latency : NULL,
	     prev && prev->latency ? &prev->total_latency : NULL);
	err = scratch.err;
	fsp_buf_free(&scratch);
	return err;
}

/* Interval hit ratio, or -1 without lookups in the interval. */
static double ratio(const struct fsp_view_row *r)
{
	__u64 n = r->d_hits + r->d_misses;

	return n ? (double)r->d_hits / (double)n : -1;
}

static int cmp_u64_desc(__u64 a, __u64 b)
{
	return a > b ? -1 : a < b;
}

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct fsp_view_row *a = pa, *b = pb;
	enum fsp_view_sort by = *(const enum fsp_view_sort *)arg;
	double ra, rb;
	int c = 0;

	switch (by) {
	case FSP_VIEW_BY_MISSES:
		c = cmp_u64_desc(a->d_misses, b->d_misses);
		break;
	case FSP_VIEW_BY_HIT:
		ra = ratio(a);
		rb = ratio(b);
		if ((ra < 0) != (rb < 0))
			c = ra < 0 ? 1 : -1;
		else
			c = ra < rb ? -1 : ra > rb;
		/* Among equally bad symbols, the busiest matter most. */
		c = c ? c : cmp_u64_desc(a->d_misses, b->d_misses);
		break;
	case FSP_VIEW_BY_LOOKUPS:
		c = cmp_u64_desc(a->d_hits + a->d_misses, b->d_hits + b->d_misses);
		break;
	case FSP_VIEW_BY_SYMBOL:
		break;
	}
	/* Ranks are unique, so every order is total and the output deterministic. */
	return c ? c : a->rank < b->rank ? -1 : a->rank > b->rank;
}

void fsp_view_sort(struct fsp_view *v, enum fsp_view_sort by)
{
	qsort_r(v->rows, v->nrows, sizeof(*v->rows), cmp_rows, &by);
}

void fsp_view_free(struct fsp_view *v)
{
	if (!v)
		return;
	free(v->rows);
	memset(v, 0, sizeof(*v));
}

int fsp_view_copy(struct fsp_snapshot *dst, const struct fsp_snapshot *src)
{
	size_t n = src->nsymbols ? src->nsymbols : 1;
	struct fsp_symbol *syms = realloc(dst->symbols, n * sizeof(*syms));
	struct fsp_latency *lat;

	if (!syms)
		return -ENOMEM;
	dst->symbols = syms;
	lat = realloc(dst->latency, n * sizeof(*lat));
	if (!lat)
		return -ENOMEM;
	*dst = (struct fsp_snapshot){
		.version = src->version,
		.key_type = src->key_type,
		.symmap = src->symmap,
		.max_symbols = src->max_symbols,
		.symbols = syms,
		.nsymbols = src->nsymbols,
		.overflow = src->overflow,
		.unreadable = src->unreadable,
		.latency = lat,
		.overflow_latency = src->overflow_latency,
		.unreadable_latency = src->unreadable_latency,
		.total_latency = src->total_latency,
		.target_up = src->target_up,
		.target_processes = src->target_processes,
	};
	memcpy(dst->stats, src->stats, sizeof(dst->stats));
	if (!src->nsymbols)
		return 0;
	memcpy(syms, src->symbols, src->nsymbols * sizeof(*syms));
	if (src->latency)
		memcpy(lat, src->latency, src->nsymbols * sizeof(*lat));
	else
		memset(lat, 0, n * sizeof(*lat)); /* unread: cur has no latency either */
	return 0;
}

void fsp_view_copy_free(struct fsp_snapshot *s)
{
	if (!s)
		return;
	free(s->symbols);
	free(s->latency);
	memset(s, 0, sizeof(*s));
}

const char *fsp_view_slo(__u64 hits, __u64 all)
{
	if (!all)
		return "no data";
	return (double)hits * 100 >= (double)all * FSP_VIEW_SLO_PERCENT ? "OK" : "BREACH";
}

void fsp_view_put_probes(struct fsp_buf *out, const struct fsp_view_target *t)
{
	size_t i;

	for (i = 0; i < t->nprobes; i++) {
		fsp_buf_printf(out, "%s", i ? ", " : "");
		fsp_cell_put_safe(out, t->probes[i].function);
		fsp_buf_printf(out, " (%s%s)", t->probes[i].role,
			       t->probes[i].attached ? "" : ", NOT attached");
	}
}
