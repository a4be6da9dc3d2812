/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_PLAN_H
#define FSP_PLAN_H

#include <stdbool.h>
#include <linux/types.h>
#include "fsprobe.h"
#include "kernel.h"
#include "place.h"
#include "resolve.h"
#include "target.h"

/* What the user asked to observe, as the probes take it (see fsp_session_parse). */
struct fsp_probe_opts {
	const struct fsp_target *target;
	__u32 mode;         /* enum fsp_mode */
	const char *lookup; /* calls are requests (FSP_MODE_HIT_MISS: calls are hits) */
	const char *miss;   /* runs inside a lookup on a miss (FSP_MODE_HIT_MISS: calls are misses) */
	struct fsp_key_prog key;
	struct fsp_pred pred; /* FSP_MODE_RET */
	__u32 max_symbols;
	__u32 thread_slots; /* threads with a state entry found without a helper call */
	int latency;
	int lazy; /* --lazy: no return probe where the binary proves it safe */
	int variant; /* --bpf-variant: enum fsp_variant, or FSP_PROBE_VARIANT_AUTO */
};

#define FSP_PROBE_VARIANT_AUTO (-1)

/*
 * What to load and attach, decided from the options and the binary before any BPF object is
 * opened: policy here, mechanism in probe.c. Every field is plain data.
 */
struct fsp_plan {
	enum fsp_variant variant; /* which BPF object: what the kernel supports */
	char variant_note[320];   /* "BPF programs: compat (kernel 5.10... lacks ...)", to log */
	__u32 mode;
	struct fsp_func lookup, miss;      /* miss.name is "" without --miss */
	struct fsp_place lookup_at, miss_at;
	bool go;           /* a Go program: Go's registers, goroutines, no uretprobes */
	bool lazy;         /* count lookups without a return probe (settled by the iterator) */
	bool lookup_ret;   /* a return probe on the lookup: a uretprobe, or Go's RET instructions */
	bool miss_entry;   /* a probe on the miss function inside lookups (FSP_MODE_MISS_FN) */
	bool miss_ret;     /* a uretprobe on the miss function: the miss penalty */
	bool latency;      /* time lookups and misses */
	bool thread_hooks; /* count a thread's open lookups when it exits or execs */
	bool thread_table; /* threads find their state in the array, not task storage */
	__u32 thread_bits; /* log2 of the array's entries */
	__u32 thread_hash_bits; /* compat: log2 of the thread hash's entries */
	__u32 hint_bits;   /* log2 of the symbol hint buckets */
};

/*
 * Resolves the functions, places the probes and decides the rest for kernel k; logs why on
 * failure.
 */
int fsp_plan_make(struct fsp_plan *pl, const struct fsp_probe_opts *o, const struct fsp_kernel *k);
/* Lazy counting did not load on this kernel: count each lookup at its return instead. */
void fsp_plan_drop_lazy(struct fsp_plan *pl);

#endif
