/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_SNAPSHOT_H
#define FSP_SNAPSHOT_H

#include <stddef.h>
#include <linux/types.h>
#include "fsprobe.h"

/* Everything a scrape shows, as plain data: what the renderers take, what tests build. */

#define FSP_MAX_PROBES     8
#define FSP_OVERFLOW_LABEL   "__overflow__"   /* new symbols past --max-symbols */
#define FSP_UNREADABLE_LABEL "__unreadable__" /* lookups whose key could not be read */

struct fsp_symbol {
	struct fsp_key key;
	__u64 hits;
	__u64 misses;
};

struct fsp_probe_info {
	char function[128];
	char role[16];       /* "lookup", "miss" or "hit" */
	char placement[96];  /* where on the function the probe sits, and why */
	__u64 offset;        /* file offset of the probe */
	int attached;
};

/* The kernel's own accounting of a BPF program (kernel.bpf_stats_enabled=1). */
struct fsp_prog_stats {
	char name[32];
	__u64 run_ns;
	__u64 runs;
	__u64 recursion_misses; /* runs the kernel skipped because a BPF program was running */
};

/* Which BPF programs run, and what the kernel lacks for the fast ones (fsprobe check). */
struct fsp_bpf_variant {
	char name[16];     /* "fast" or "compat"; "" when not known (no metric then) */
	char kernel[65];   /* the kernel release */
	char missing[128]; /* the features the kernel lacks, comma-separated */
};

struct fsp_snapshot {
	const char *version;
	struct fsp_bpf_variant bpf;
	__u32 key_type;    /* enum fsp_key_type: how to print keys */
	const struct fsp_symmap *symmap; /* --symbol-map names for integer keys, or NULL */
	__u32 max_symbols;
	struct fsp_symbol *symbols; /* sorted by key; owned by whoever filled it */
	size_t nsymbols;
	struct fsp_counts overflow;
	struct fsp_counts unreadable; /* keys that could not be read: counted all the same */
	/* With --latency: per symbol (parallel to symbols), overflow, and all symbols; else NULL. */
	struct fsp_latency *latency;
	struct fsp_latency overflow_latency;
	struct fsp_latency unreadable_latency;
	struct fsp_latency total_latency;
	int latency_by_symbol; /* export histograms with a symbol label */
	__u64 stats[FSP_STAT__MAX];
	struct fsp_probe_info probes[FSP_MAX_PROBES];
	size_t nprobes;
	int target_up;
	__u32 target_processes;
	struct fsp_prog_stats progs[FSP_MAX_PROBES];
	size_t nprogs;
	int bpf_stats_enabled;
};

/* The order of snapshot symbols: keys as byte strings, or as integers by signedness. */
int fsp_snapshot_key_cmp(__u32 key_type, const struct fsp_key *a, const struct fsp_key *b);

/* The first stats count unreadable keys, by reason: the reason's label value, or NULL. */
#define FSP_SNAPSHOT_READ_ERRORS (FSP_STAT_FIELD_MISSING + 1)
const char *fsp_snapshot_read_error(unsigned int i);

#endif
