// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus text exposition of a snapshot, in the text format 0.0.4 or OpenMetrics 1.0. No I/O,
 * clock or globals: tests compare outputs.
 */
#include <inttypes.h>
#include <string.h>
#include "keytext.h"
#include "render.h"

/* The text format's own escaping of a label value: backslash, double quote, newline. */
static void put_label(struct fsp_buf *out, const char *v, size_t n)
{
	size_t i;

	fsp_buf_append(out, "\"", 1);
	for (i = 0; i < n; i++) {
		if (v[i] == '\\')
			fsp_buf_append(out, "\\\\", 2);
		else if (v[i] == '"')
			fsp_buf_append(out, "\\\"", 2);
		else if (v[i] == '\n')
			fsp_buf_append(out, "\\n", 2);
		else
			fsp_buf_append(out, v + i, 1);
	}
	fsp_buf_append(out, "\"", 1);
}

/* OpenMetrics escapes a HELP text as it does a label value; the text format leaves '"' alone. */
static void put_help(struct fsp_buf *out, const char *help)
{
	const char *q;

	while ((q = strchr(help, '"'))) {
		fsp_buf_append(out, help, q - help);
		fsp_buf_append(out, "\\\"", 2);
		help = q + 1;
	}
	fsp_buf_printf(out, "%s\n", help);
}

static int ends_with(const char *name, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n > k && !memcmp(name + n - k, suffix, k);
}

/*
 * A family's metadata. name is its samples' name: OpenMetrics names a counter's family without
 * the "_total" of its samples, and gives the unit of a "_seconds" family.
 */
static void header(struct fsp_buf *out, enum fsp_render_format fmt, const char *name,
		   const char *type, const char *help)
{
	size_t n = strlen(name);

	if (fmt == FSP_RENDER_TEXT) {
		fsp_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
		return;
	}
	if (!strcmp(type, "counter") && ends_with(name, n, "_total"))
		n -= strlen("_total");
	fsp_buf_printf(out, "# HELP %.*s ", (int)n, name);
	put_help(out, help);
	fsp_buf_printf(out, "# TYPE %.*s %s\n", (int)n, name, type);
	if (ends_with(name, n, "_seconds"))
		fsp_buf_printf(out, "# UNIT %.*s seconds\n", (int)n, name);
}

static void symbol_series(struct fsp_buf *out, const struct fsp_snapshot *s, const char *name,
			  int misses, struct fsp_buf *scratch)
{
	const struct fsp_counts *o = &s->overflow, *u = &s->unreadable;
	size_t i;

	for (i = 0; i < s->nsymbols; i++) {
		const struct fsp_symbol *sym = &s->symbols[i];

		fsp_buf_reset(scratch);
		fsp_keytext_put(s->key_type, s->symmap, &sym->key, scratch);
		fsp_buf_printf(out, "%s{symbol=", name);
		put_label(out, scratch->data ? scratch->data : "", scratch->len);
		fsp_buf_printf(out, "} %" PRIu64 "\n", (uint64_t)(misses ? sym->misses : sym->hits));
	}
	/* Shown once anything overflowed; counts never drop, so it never disappears again. */
	if (o->hits || o->misses)
		fsp_buf_printf(out, "%s{symbol=\"%s\"} %" PRIu64 "\n", name, FSP_OVERFLOW_LABEL,
			       (uint64_t)(misses ? o->misses : o->hits));
	/* Likewise once a key could not be read: those lookups are in the SLO totals too. */
	if (u->hits || u->misses)
		fsp_buf_printf(out, "%s{symbol=\"%s\"} %" PRIu64 "\n", name, FSP_UNREADABLE_LABEL,
			       (uint64_t)(misses ? u->misses : u->hits));
}

static void counter(struct fsp_buf *out, enum fsp_render_format fmt, const char *name,
		    const char *help, __u64 v)
{
	header(out, fmt, name, "counter", help);
	fsp_buf_printf(out, "%s %" PRIu64 "\n", name, (uint64_t)v);
}

static void gauge(struct fsp_buf *out, enum fsp_render_format fmt, const char *name,
		  const char *help, __u64 v)
{
	header(out, fmt, name, "gauge", help);
	fsp_buf_printf(out, "%s %" PRIu64 "\n", name, (uint64_t)v);
}

/* One histogram's sample lines; labels is "" or "symbol=\"X\"," (already escaped). */
static void hist_series(struct fsp_buf *out, const char *name, const char *labels,
			const struct fsp_hist *h)
{
	__u64 cum = 0;
	int i;

	for (i = 0; i < FSP_HIST_BUCKETS - 1; i++) {
		cum += h->buckets[i];
		fsp_buf_printf(out, "%s_bucket{%sle=\"%.12g\"} %" PRIu64 "\n", name, labels,
			       (double)(1ULL << (i + FSP_HIST_MIN_SHIFT)) / 1e9, (uint64_t)cum);
	}
	cum += h->buckets[FSP_HIST_BUCKETS - 1];
	fsp_buf_printf(out, "%s_bucket{%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, (uint64_t)cum);
	/* Without labels the sample has no braces at all. */
	fsp_buf_printf(out, "%s_sum%s%.*s%s %.9g\n", name, *labels ? "{" : "",
		       *labels ? (int)strlen(labels) - 1 : 0, labels, *labels ? "}" : "",
		       (double)h->sum_ns / 1e9);
	fsp_buf_printf(out, "%s_count%s%.*s%s %" PRIu64 "\n", name, *labels ? "{" : "",
		       *labels ? (int)strlen(labels) - 1 : 0, labels, *labels ? "}" : "",
		       (uint64_t)cum);
}

static void histogram(struct fsp_buf *out, enum fsp_render_format fmt,
		      const struct fsp_snapshot *s, const char *name, const char *help, int miss)
{
	struct fsp_buf key = {}, labels = {};
	size_t i;

	header(out, fmt, name, "histogram", help);
	if (!s->latency_by_symbol) {
		hist_series(out, name, "", miss ? &s->total_latency.miss : &s->total_latency.lookup);
		return;
	}
	for (i = 0; i < s->nsymbols + 2; i++) {
		const struct fsp_latency *l = i < s->nsymbols	 ? &s->latency[i] :
					      i == s->nsymbols ? &s->overflow_latency :
								 &s->unreadable_latency;

		fsp_buf_reset(&key);
		fsp_buf_reset(&labels);
		if (i < s->nsymbols)
			fsp_keytext_put(s->key_type, s->symmap, &s->symbols[i].key, &key);
		else if (i == s->nsymbols && (s->overflow.hits || s->overflow.misses))
			fsp_buf_printf(&key, "%s", FSP_OVERFLOW_LABEL);
		else if (i > s->nsymbols && (s->unreadable.hits || s->unreadable.misses))
			fsp_buf_printf(&key, "%s", FSP_UNREADABLE_LABEL);
		else
			continue;
		fsp_buf_printf(&labels, "symbol=");
		put_label(&labels, key.data ? key.data : "", key.len);
		fsp_buf_printf(&labels, ",");
		hist_series(out, name, labels.data, miss ? &l->miss : &l->lookup);
	}
	fsp_buf_free(&key);
	fsp_buf_free(&labels);
}

/* The kernel's accounting of each program: what a lookup costs fsprobe, in the kernel. */
static void prog_stats(struct fsp_buf *out, enum fsp_render_format fmt,
		       const struct fsp_snapshot *s)
{
	size_t i;

	gauge(out, fmt, "fsprobe_bpf_stats_enabled",
	      "1 when kernel.bpf_stats_enabled=1, so the BPF program run counters below move.",
	      s->bpf_stats_enabled ? 1 : 0);
	header(out, fmt, "fsprobe_bpf_program_run_seconds_total", "counter",
	       "Time the kernel spent running each BPF program while bpf_stats_enabled was on.");
	for (i = 0; i < s->nprogs; i++)
		fsp_buf_printf(out, "fsprobe_bpf_program_run_seconds_total{program=\"%s\"} %.9f\n",
			       s->progs[i].name, (double)s->progs[i].run_ns / 1e9);
	header(out, fmt, "fsprobe_bpf_program_runs_total", "counter",
	       "Runs of each BPF program while bpf_stats_enabled was on.");
	for (i = 0; i < s->nprogs; i++)
		fsp_buf_printf(out, "fsprobe_bpf_program_runs_total{program=\"%s\"} %" PRIu64 "\n",
			       s->progs[i].name, (uint64_t)s->progs[i].runs);
	header(out, fmt, "fsprobe_bpf_program_recursion_misses_total", "counter",
	       "Runs the kernel skipped because another BPF program was running on the CPU.");
	for (i = 0; i < s->nprogs; i++)
		fsp_buf_printf(out,
			       "fsprobe_bpf_program_recursion_misses_total{program=\"%s\"} %" PRIu64
			       "\n",
			       s->progs[i].name, (uint64_t)s->progs[i].recursion_misses);
}

int fsp_render(const struct fsp_snapshot *s, enum fsp_render_format fmt, struct fsp_buf *out)
{
	struct fsp_buf scratch = {};
	__u64 hits = s->overflow.hits + s->unreadable.hits;
	__u64 misses = s->overflow.misses + s->unreadable.misses;
	size_t i;

	for (i = 0; i < s->nsymbols; i++) {
		hits += s->symbols[i].hits;
		misses += s->symbols[i].misses;
	}

	header(out, fmt, "featurestore_hits_total", "counter",
	       "Feature cache lookups served from the cache, per symbol.");
	symbol_series(out, s, "featurestore_hits_total", 0, &scratch);
	header(out, fmt, "featurestore_misses_total", "counter",
	       "Feature cache lookups that ran the miss (recompute) function, per symbol.");
	symbol_series(out, s, "featurestore_misses_total", 1, &scratch);
	fsp_buf_free(&scratch);

	header(out, fmt, "featurestore_hit_ratio", "gauge",
	       "Hits / (hits + misses) over all symbols since fsprobe attached.");
	if (hits + misses)
		fsp_buf_printf(out, "featurestore_hit_ratio %.9g\n",
			       (double)hits / (double)(hits + misses));

	if (s->latency) {
		histogram(out, fmt, s, "featurestore_lookup_duration_seconds",
			  "Time from entering the lookup function to its return.", 0);
		histogram(out, fmt, s, "featurestore_miss_duration_seconds",
			  "Time spent in the miss function: the miss penalty.", 1);
	}

	header(out, fmt, "fsprobe_build_info", "gauge", "fsprobe build information.");
	fsp_buf_printf(out, "fsprobe_build_info{version=");
	put_label(out, s->version, strlen(s->version));
	fsp_buf_printf(out, "} 1\n");

	if (s->bpf.name[0]) {
		header(out, fmt, "fsprobe_bpf_variant", "gauge",
		       "The BPF programs fsprobe loaded for this kernel, and the kernel features "
		       "they do without.");
		fsp_buf_printf(out, "fsprobe_bpf_variant{variant=");
		put_label(out, s->bpf.name, strlen(s->bpf.name));
		fsp_buf_printf(out, ",kernel=");
		put_label(out, s->bpf.kernel, strlen(s->bpf.kernel));
		fsp_buf_printf(out, ",missing=");
		put_label(out, s->bpf.missing, strlen(s->bpf.missing));
		fsp_buf_printf(out, "} 1\n");
	}

	header(out, fmt, "fsprobe_probe_attached", "gauge",
	       "1 when the probe on a function is attached, else 0.");
	for (i = 0; i < s->nprobes; i++) {
		const struct fsp_probe_info *p = &s->probes[i];

		fsp_buf_printf(out, "fsprobe_probe_attached{function=");
		put_label(out, p->function, strlen(p->function));
		fsp_buf_printf(out, ",role=");
		put_label(out, p->role, strlen(p->role));
		fsp_buf_printf(out, ",offset=\"0x%" PRIx64 "\",placement=", (uint64_t)p->offset);
		put_label(out, p->placement, strlen(p->placement));
		fsp_buf_printf(out, "} %d\n", p->attached ? 1 : 0);
	}

	header(out, fmt, "fsprobe_key_read_errors_total", "counter",
	       "Lookups whose key could not be read, by reason (counted as the symbol "
	       FSP_UNREADABLE_LABEL ", or as the empty symbol when empty).");
	for (i = 0; i < FSP_SNAPSHOT_READ_ERRORS; i++)
		fsp_buf_printf(out, "fsprobe_key_read_errors_total{reason=\"%s\"} %" PRIu64 "\n",
			       fsp_snapshot_read_error(i), (uint64_t)s->stats[i]);

	counter(out, fmt, "fsprobe_keys_truncated_total",
		"Lookups whose key was cut to its first 63 bytes (still counted).",
		s->stats[FSP_STAT_TRUNCATED]);
	counter(out, fmt, "fsprobe_symbols_overflow_total",
		"Lookups counted under symbol=\"" FSP_OVERFLOW_LABEL "\" past --max-symbols.",
		s->overflow.hits + s->overflow.misses);
	counter(out, fmt, "fsprobe_lookups_too_deep_total",
		"Lookups not counted: nested deeper than fsprobe tracks, or no thread state.",
		s->stats[FSP_STAT_DEPTH]);
	counter(out, fmt, "fsprobe_lookups_unwound_total",
		"Lookups left without a return (longjmp, exception); counted at unwind.",
		s->stats[FSP_STAT_UNWOUND]);
	counter(out, fmt, "fsprobe_miss_outside_lookup_total",
		"Calls of the miss function outside any observed lookup (not counted).",
		s->stats[FSP_STAT_MISS_OUTSIDE]);
	gauge(out, fmt, "fsprobe_symbols", "Distinct symbols with their own series.", s->nsymbols);
	gauge(out, fmt, "fsprobe_symbols_max", "Symbols tracked before overflow (--max-symbols).",
	      s->max_symbols);
	gauge(out, fmt, "fsprobe_target_up", "1 while an observed process is running, else 0.",
	      s->target_up ? 1 : 0);
	gauge(out, fmt, "fsprobe_target_processes", "Observed processes currently running.",
	      s->target_processes);
	prog_stats(out, fmt, s);
	if (fmt == FSP_RENDER_OPENMETRICS)
		fsp_buf_printf(out, "# EOF\n");
	return out->err;
}

int fsp_render_metrics(const struct fsp_snapshot *s, struct fsp_buf *out)
{
	return fsp_render(s, FSP_RENDER_TEXT, out);
}

const char *fsp_render_content_type(enum fsp_render_format fmt)
{
	return fmt == FSP_RENDER_OPENMETRICS ? FSP_OPENMETRICS_CONTENT_TYPE :
					       FSP_METRICS_CONTENT_TYPE;
}
