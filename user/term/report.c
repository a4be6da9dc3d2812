// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsprobe report: count for a while, then print one ranked report, as a table or JSON, for an
 * incident ticket. Counting starts at attach, so every count is exactly the calls made since.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cell.h"
#include "log.h"
#include "sig.h"
#include "keytext.h"
#include "report.h"

/* Columns after the symbol: lookups, hits, misses, hit %, four percentiles. */
#define ROW_FMT " %10s %10s %10s %8s %9s %9s %9s %9s\n"

static void table_row(struct fsp_buf *out, const struct fsp_view_row *r, size_t width,
		      struct fsp_buf *name)
{
	char n[3][24], ratio[16], p[4][16];

	fsp_buf_reset(name);
	fsp_cell_put_safe(name, r->name);
	fsp_cell_put(out, name->data ? name->data : "", SIZE_MAX, width);
	snprintf(n[0], sizeof(n[0]), "%" PRIu64, (uint64_t)(r->hits + r->misses));
	snprintf(n[1], sizeof(n[1]), "%" PRIu64, (uint64_t)r->hits);
	snprintf(n[2], sizeof(n[2]), "%" PRIu64, (uint64_t)r->misses);
	fsp_buf_printf(out, ROW_FMT, n[0], n[1], n[2],
		       fsp_cell_ratio(ratio, sizeof(ratio), r->hits, r->hits + r->misses),
		       fsp_cell_seconds(p[0], sizeof(p[0]), r->miss_p50),
		       fsp_cell_seconds(p[1], sizeof(p[1]), r->miss_p99),
		       fsp_cell_seconds(p[2], sizeof(p[2]), r->lookup_p50),
		       fsp_cell_seconds(p[3], sizeof(p[3]), r->lookup_p99));
}

int fsp_report_table(const struct fsp_view_target *t, const struct fsp_view *v,
		     struct fsp_buf *out)
{
	const struct fsp_view_row *all = &v->total;
	struct fsp_buf name = {};
	size_t i, width = strlen("SYMBOL");
	char ratio[16], p[4][16];

	fsp_buf_printf(out, "fsprobe report: ");
	fsp_cell_put_safe(out, t->describe);
	fsp_buf_printf(out, "\nprobes: ");
	fsp_view_put_probes(out, t);
	fsp_buf_printf(out, "\nduration: %.1f s\n", v->seconds);
	if (v->latency)
		fsp_buf_printf(out, "latency: p50 and p99 are bucket upper bounds (2.10ms: between "
			       "1.05ms and 2.10ms)\n");
	else
		fsp_buf_printf(out, "latency: not measured (run without --no-latency)\n");
	fsp_buf_printf(out, "totals: %" PRIu64 " lookups, %" PRIu64 " hits, %" PRIu64 " misses; "
		       "hit ratio %s (SLO %d%%: %s)\n", (uint64_t)(all->hits + all->misses),
		       (uint64_t)all->hits, (uint64_t)all->misses,
		       fsp_cell_ratio(ratio, sizeof(ratio), all->hits, all->hits + all->misses),
		       FSP_VIEW_SLO_PERCENT, fsp_view_slo(all->hits, all->hits + all->misses));
	if (v->latency)
		fsp_buf_printf(out, "all symbols: miss penalty p50 %s p99 %s, lookup p50 %s p99 %s\n",
			       fsp_cell_seconds(p[0], sizeof(p[0]), all->miss_p50),
			       fsp_cell_seconds(p[1], sizeof(p[1]), all->miss_p99),
			       fsp_cell_seconds(p[2], sizeof(p[2]), all->lookup_p50),
			       fsp_cell_seconds(p[3], sizeof(p[3]), all->lookup_p99));
	fsp_buf_printf(out, "not counted, key unreadable:");
	for (i = 0; i < FSP_SNAPSHOT_READ_ERRORS; i++)
		fsp_buf_printf(out, "%s %s %" PRIu64, i ? "," : "", fsp_snapshot_read_error(i),
			       (uint64_t)v->stats[i]);
	/* Evidence is never cut: the symbol column is as wide as the widest symbol. */
	for (i = 0; i < v->nrows; i++) {
		fsp_buf_reset(&name);
		fsp_cell_put_safe(&name, v->rows[i].name);
		if (fsp_cell_cols(name.data, name.len) > width)
			width = fsp_cell_cols(name.data, name.len);
	}
	fsp_buf_printf(out, "\n\n");
	fsp_cell_put(out, "SYMBOL", width, width);
	fsp_buf_printf(out, ROW_FMT, "LOOKUPS", "HITS", "MISSES", "HIT%", "MISS P50", "MISS P99",
		       "LOOK P50", "LOOK P99");
	for (i = 0; i < v->nrows; i++)
		table_row(out, &v->rows[i], width, &name);
	if (name.err)
		out->err = name.err;
	fsp_buf_free(&name);
	return out->err;
}

/* s as a JSON string: quoted and escaped, invalid UTF-8 as U+FFFD. */
static void put_json(struct fsp_buf *out, const char *s)
{
	static const char short_esc[] = { ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',
					   ['\t'] = 't' };
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, len;

	fsp_buf_append(out, "\"", 1);
	while (i < n) {
		len = fsp_keytext_utf8_len(u + i, n - i);
		if (!len) {
			fsp_buf_append(out, "\\ufffd", 6);
			len = 1;
		} else if (u[i] == '"' || u[i] == '\\') {
			fsp_buf_printf(out, "\\%c", u[i]);
		} else if (u[i] < sizeof(short_esc) && short_esc[u[i]]) {
			fsp_buf_printf(out, "\\%c", short_esc[u[i]]);
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			fsp_buf_printf(out, "\\u%04x", u[i]);
		} else {
			fsp_buf_append(out, s + i, len);
		}
		i += len;
	}
	fsp_buf_append(out, "\"", 1);
}

/* Seconds: null without samples, "+Inf" for the last bucket (JSON has no infinity). */
static void put_json_seconds(struct fsp_buf *out, double s)
{
	if (isnan(s))
		fsp_buf_printf(out, "null");
	else if (isinf(s))
		fsp_buf_printf(out, "\"+Inf\"");
	else
		fsp_buf_printf(out, "%.12g", s);
}

/* "hits": .., "misses": .., "lookups": .., "hit_ratio": .., and the four percentiles. */
static void json_counts(struct fsp_buf *out, const struct fsp_view_row *r)
{
	__u64 all = r->hits + r->misses;

	fsp_buf_printf(out, "\"hits\": %" PRIu64 ", \"misses\": %" PRIu64 ", \"lookups\": %" PRIu64
		       ", \"hit_ratio\": ", (uint64_t)r->hits, (uint64_t)r->misses, (uint64_t)all);
	if (all)
		fsp_buf_printf(out, "%.9g", (double)r->hits / (double)all);
	else
		fsp_buf_printf(out, "null");
	fsp_buf_printf(out, ", \"miss_p50_seconds\": ");
	put_json_seconds(out, r->miss_p50);
	fsp_buf_printf(out, ", \"miss_p99_seconds\": ");
	put_json_seconds(out, r->miss_p99);
	fsp_buf_printf(out, ", \"lookup_p50_seconds\": ");
	put_json_seconds(out, r->lookup_p50);
	fsp_buf_printf(out, ", \"lookup_p99_seconds\": ");
	put_json_seconds(out, r->lookup_p99);
}

static void json_target(struct fsp_buf *out, const struct fsp_view_target *t)
{
	size_t i;

	fsp_buf_printf(out, "  \"target\": {\"pid\": ");
	if (t->pid)
		fsp_buf_printf(out, "%d", (int)t->pid);
	else
		fsp_buf_printf(out, "null");
	fsp_buf_printf(out, ", \"command\": ");
	put_json(out, t->command);
	fsp_buf_printf(out, ", \"executable\": ");
	put_json(out, t->executable);
	fsp_buf_printf(out, ", \"description\": ");
	put_json(out, t->describe);
	fsp_buf_printf(out, ", \"functions\": [");
	for (i = 0; i < t->nprobes; i++) {
		fsp_buf_printf(out, "%s{\"name\": ", i ? ", " : "");
		put_json(out, t->probes[i].function);
		fsp_buf_printf(out, ", \"role\": ");
		put_json(out, t->probes[i].role);
		fsp_buf_printf(out, ", \"attached\": %s}", t->probes[i].attached ? "true" : "false");
	}
	fsp_buf_printf(out, "]},\n");
}

/* The overflow or unreadable row's counts, or null when there is none. */
static void json_reserved(struct fsp_buf *out, const struct fsp_view_row *r)
{
	if (!r) {
		fsp_buf_printf(out, "null,\n");
		return;
	}
	fsp_buf_printf(out, "{");
	json_counts(out, r);
	fsp_buf_printf(out, "},\n");
}

int fsp_report_json(const struct fsp_view_target *t, const struct fsp_view *v,
		    struct fsp_buf *out)
{
	const struct fsp_view_row *overflow = NULL, *unreadable = NULL, *all = &v->total;
	size_t i, n = 0;

	fsp_buf_printf(out, "{\n");
	json_target(out, t);
	fsp_buf_printf(out, "  \"duration_seconds\": %.3f,\n", v->seconds);
	fsp_buf_printf(out, "  \"latency_measured\": %s,\n", v->latency ? "true" : "false");
	fsp_buf_printf(out, "  \"slo\": {\"hit_ratio_objective\": %.2f, \"status\": \"%s\"},\n",
		       FSP_VIEW_SLO_PERCENT / 100.0,
		       fsp_view_slo(all->hits, all->hits + all->misses));
	fsp_buf_printf(out, "  \"totals\": {");
	json_counts(out, all);
	fsp_buf_printf(out, "},\n  \"symbols\": [");
	for (i = 0; i < v->nrows; i++) {
		if (v->rows[i].overflow || v->rows[i].unreadable) {
			*(v->rows[i].overflow ? &overflow : &unreadable) = &v->rows[i];
			continue;
		}
		fsp_buf_printf(out, "%s\n    {\"symbol\": ", n++ ? "," : "");
		put_json(out, v->rows[i].name);
		fsp_buf_printf(out, ", ");
		json_counts(out, &v->rows[i]);
		fsp_buf_printf(out, "}");
	}
	fsp_buf_printf(out, "%s],\n  \"overflow\": ", n ? "\n  " : "");
	json_reserved(out, overflow);
	fsp_buf_printf(out, "  \"unreadable\": ");
	json_reserved(out, unreadable);
	fsp_buf_printf(out, "  \"errors\": {");
	for (i = 0; i < FSP_SNAPSHOT_READ_ERRORS; i++)
		fsp_buf_printf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", fsp_snapshot_read_error(i),
			       (uint64_t)v->stats[i]);
	fsp_buf_printf(out, "}\n}\n");
	return out->err;
}

static double since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) * 1e-9;
}

/* Waits out duration, checking the target every second; SIGINT or SIGTERM end it early. */
static double collect(const struct fsp_view_source *src, double duration)
{
	struct timespec start, tick;
	double elapsed, left;
	sigset_t stop;
	int sig;

	fsp_sig_stop_set(&stop);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((elapsed = since(&start)) < duration) {
		left = duration - elapsed < 1 ? duration - elapsed : 1;
		tick.tv_sec = (time_t)left;
		tick.tv_nsec = (long)((left - (double)tick.tv_sec) * 1e9);
		sig = sigtimedwait(&stop, NULL, &tick);
		if (fsp_sig_is_stop(sig)) {
			elapsed = since(&start);
			fsp_log_info("%s: reporting the %.1f s collected so far", fsp_sig_name(sig),
				     elapsed);
			return elapsed;
		}
		src->poll(src->ctx);
	}
	return elapsed;
}

int fsp_report_run(const struct fsp_view_source *src, double duration, int json)
{
	struct fsp_view_target t = src->target;
	const struct fsp_snapshot *snap;
	struct fsp_view v = {};
	struct fsp_buf out = {};
	double seconds;
	int err;

	fsp_log_info("observing %s for %g s", t.describe, duration);
	seconds = collect(src, duration);
	err = src->read(src->ctx, &snap);
	if (err) {
		fsp_log_error("cannot read the counters: %s (rerun with --verbose)", strerror(-err));
		return err;
	}
	t.probes = snap->probes;
	t.nprobes = snap->nprobes;
	err = fsp_view_build(&v, snap, NULL, seconds);
	if (err)
		goto free_view;
	fsp_view_sort(&v, FSP_VIEW_BY_MISSES);
	err = json ? fsp_report_json(&t, &v, &out) : fsp_report_table(&t, &v, &out);
	if (err)
		goto free_out;
	if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
		err = errno ? -errno : -EIO;
		fsp_log_error("cannot write the report: %s (redirect it to a file: > report.json)",
			      strerror(-err));
	}
free_out:
	fsp_buf_free(&out);
free_view:
	fsp_view_free(&v);
	if (err == -ENOMEM)
		fsp_log_error("out of memory building the report (try a smaller --max-symbols)");
	return err;
}
