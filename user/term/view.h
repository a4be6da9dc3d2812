/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_VIEW_H
#define FSP_VIEW_H

#include <sys/types.h>
#include "buf.h"
#include "snapshot.h"

/*
 * What top and report show, computed from snapshots as plain data: per-symbol counts over an
 * interval, hit ratios, latency percentiles, sort orders, and the text pieces their renderers
 * (fsp_top_frame, fsp_report_table, fsp_report_json) share. No BPF, clock, terminal I/O or
 * globals, so tests compare whole outputs.
 */

#define FSP_VIEW_SLO_PERCENT 95 /* the desks' hit-ratio objective */
#define FSP_VIEW_NAME_MAX    256 /* a rendered key: 63 bytes, each at most "\xHH" */

enum fsp_view_sort {
	FSP_VIEW_BY_MISSES,  /* most misses first (the default, and report's ranking) */
	FSP_VIEW_BY_HIT,     /* lowest hit ratio first; rows without lookups last */
	FSP_VIEW_BY_LOOKUPS, /* most lookups first */
	FSP_VIEW_BY_SYMBOL,  /* key order; the overflow and unreadable rows last */
};

/*
 * One symbol, the overflow, the lookups whose key could not be read, or everything: counts since
 * attach and over the interval.
 */
struct fsp_view_row {
	char name[FSP_VIEW_NAME_MAX]; /* fsp_render_key() form: valid UTF-8, not yet escaped */
	size_t rank;                  /* position in key order; the reserved rows come last */
	int overflow;
	int unreadable;
	__u64 hits, misses;           /* since attach */
	__u64 d_hits, d_misses;       /* in the interval */
	/*
	 * Over the interval, in seconds: the upper bound of the log2 bucket holding the
	 * percentile (no interpolation), NAN without samples, INFINITY in the last bucket.
	 */
	double miss_p50, miss_p99, lookup_p50, lookup_p99;
};

struct fsp_view {
	/* symbols, then the overflow row when anything overflowed, then the unreadable one */
	struct fsp_view_row *rows;
	size_t nrows;
	size_t cap;
	struct fsp_view_row total; /* every lookup: symbols, overflow, unreadable */
	double seconds;            /* the interval; 0 when there is none yet */
	int latency;               /* percentiles were measured */
	size_t nsymbols;
	__u64 stats[FSP_STAT__MAX];
};

/* Who is observed, for the headers. */
struct fsp_view_target {
	const char *describe; /* fsp_session.describe */
	pid_t pid;            /* 0 with --binary */
	const char *command;
	const char *executable;
	const struct fsp_probe_info *probes;
	size_t nprobes;
};

/*
 * Where top and report get their snapshots: main wires a session in; a test can wire its own.
 * read returns a snapshot valid until the next read; poll counts the processes running now.
 */
struct fsp_view_source {
	struct fsp_view_target target;
	int (*read)(void *ctx, const struct fsp_snapshot **out);
	unsigned int (*poll)(void *ctx);
	void *ctx;
};

/* The terminal top draws on. */
struct fsp_view_screen {
	int width, height;
	double uptime; /* seconds since attach */
	double interval;
	enum fsp_view_sort sort;
	int paused;
	unsigned int processes; /* observed processes running now */
};

/* Upper bound in seconds of the bucket holding quantile q (0 < q <= 1); see fsp_view_row. */
double fsp_view_percentile(const struct fsp_hist *h, double q);

/*
 * Rows for cur over the seconds since prev; prev NULL means since attach. Both are snapshots
 * in the collector's key order (prev from fsp_view_copy); symbols new in cur count in full.
 */
int fsp_view_build(struct fsp_view *v, const struct fsp_snapshot *cur,
		   const struct fsp_snapshot *prev, double seconds);
void fsp_view_sort(struct fsp_view *v, enum fsp_view_sort by);
void fsp_view_free(struct fsp_view *v);

/* Keeps src's symbols and latencies past the collector's next read; dst owns its arrays. */
int fsp_view_copy(struct fsp_snapshot *dst, const struct fsp_snapshot *src);
void fsp_view_copy_free(struct fsp_snapshot *s);

/* "F (lookup), G (miss)": the probed functions, saying which are not attached. */
void fsp_view_put_probes(struct fsp_buf *out, const struct fsp_view_target *t);

/* "OK" or "BREACH" against FSP_VIEW_SLO_PERCENT, "no data" without lookups. */
const char *fsp_view_slo(__u64 hits, __u64 all);

#endif
