// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Decide what to probe, where, and how to count, before anything is loaded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "locate.h"
#include "log.h"
#include "plan.h"
#include "reach.h"

static int resolve(const struct fsp_target *t, const char *name, struct fsp_func *fn)
{
	char why[1024];
	int err = fsp_locate_func(t, name, fn, why, sizeof(why));

	if (err)
		fsp_log_error("function '%s' in %s (%s): %s", name, t->exe, t->comm, why);
	else if (strcmp(fn->path, t->path))
		fsp_log_debug("%s found in %s", name, fn->path);
	return err;
}

/*
 * Where on a function its probes go, decided once: entry and return probes share it (one
 * breakpoint serves both, and past an endbr64 the return address is still at [sp]).
 */
static void place(const struct fsp_plan *pl, const struct fsp_func *fn, struct fsp_place *at)
{
	if (pl->go)
		fsp_place_go_entry(fn->path, fn->offset, fn->size, at);
	else
		fsp_place_probe(fn->path, fn->offset, fn->size, at);
}

/*
 * Without a return probe a miss is given to the thread's innermost open lookup by stack
 * position, so a miss function that could also run after a lookup has returned (called by the
 * lookup's caller, say) would be misattributed. Lazy counting is used only when the binary
 * proves that cannot happen.
 */
static bool lazy_proven(const struct fsp_func *lookup, const struct fsp_func *miss)
{
	char why[160];
	int ret;

	if (strcmp(lookup->path, miss->path)) {
		fsp_log_info("counting each lookup at its return: %s and %s are in different files",
			     lookup->name, miss->name);
		return false;
	}
	ret = fsp_reach_only_from(miss->path, miss->vaddr, lookup->vaddr, lookup->size, why,
				  sizeof(why));
	if (ret != 1) {
		fsp_log_info("counting each lookup at its return, as %s may run outside %s: %s",
			     miss->name, lookup->name, ret < 0 ? strerror(-ret) : why);
		return false;
	}
	/* Settling checks a lookup's return slot for a direct call: there must be no other way in.
	 */
	ret = fsp_reach_only_from(lookup->path, lookup->vaddr, 0, ~0ULL, why, sizeof(why));
	if (ret != 1)
		fsp_log_info("counting each lookup at its return, as %s is not only called "
			     "directly: %s",
			     lookup->name, ret < 0 ? strerror(-ret) : why);
	return ret == 1;
}

/* The smallest power of two, from 2^lo, that is at least n; 2^hi at most. */
static __u32 log2_up(__u64 n, __u32 lo, __u32 hi)
{
	__u32 bits = lo;

	while (bits < hi && (1ULL << bits) < n)
		bits++;
	return bits;
}

/* The startup line that names the programs and what this kernel lacks. */
static void describe_variant(const struct fsp_kernel *k, char *out, size_t len)
{
	char missing[128];

	fsp_kernel_missing(k, missing, sizeof(missing));
	if (!missing[0])
		snprintf(out, len, "BPF programs: %s (kernel %s%s)%s",
			 fsp_kernel_variant_name(k->variant), k->release,
			 k->variant == FSP_VARIANT_FAST ? "" : ", by --bpf-variant",
			 k->lazy ? "" : "; every lookup is counted at its return");
	else
		snprintf(out, len, "BPF programs: %s (kernel %s lacks %s)%s",
			 fsp_kernel_variant_name(k->variant), k->release, missing,
			 k->lazy ? "" : "; every lookup is counted at its return");
}

int fsp_plan_make(struct fsp_plan *pl, const struct fsp_probe_opts *o, const struct fsp_kernel *k)
{
	bool calls = o->mode == FSP_MODE_HIT_MISS; /* --hit/--miss: each call counts, no window */
	bool want_lazy;
	int err;

	memset(pl, 0, sizeof(*pl));
	pl->variant = k->variant;
	pl->mode = o->mode;
	err = resolve(o->target, o->lookup, &pl->lookup);
	if (!err && o->miss)
		err = resolve(o->target, o->miss, &pl->miss);
	if (err)
		return err;
	pl->go = fsp_resolve_is_go(pl->lookup.path) == 1;
	if (pl->go)
		fsp_log_debug("%s is a Go program: Go's registers, goroutines, no uretprobes",
			      pl->lookup.path);
	place(pl, &pl->lookup, &pl->lookup_at);
	if (o->miss)
		place(pl, &pl->miss, &pl->miss_at);
	/*
	 * Lazy counting needs no return probe: a lookup is counted when the thread's next lookup
	 * starts, when the thread exits, or when a read finds the thread's stack above the
	 * lookup's. It halves the probes per lookup; the return value and the lookup's duration
	 * need the return. Go: a thread's stack pointer says nothing about a goroutine's lookup.
	 */
	want_lazy = o->lazy && o->mode == FSP_MODE_MISS_FN && !o->latency && !pl->go;
	describe_variant(k, pl->variant_note, sizeof(pl->variant_note));
	pl->lazy = want_lazy && k->lazy && lazy_proven(&pl->lookup, &pl->miss);
	pl->lookup_ret = !calls && !pl->lazy;
	pl->miss_entry = o->mode == FSP_MODE_MISS_FN;
	pl->latency = o->latency && !calls;
	/* The miss penalty needs a uretprobe on the miss function: not in Go. */
	pl->miss_ret = pl->miss_entry && o->latency && !pl->go;
	/* A thread that exits or execs inside a lookup still has it counted (not Go: goroutines).
	 */
	pl->thread_hooks = !calls && !pl->go;
	/* A thread's entry is its tid modulo the table (Go keys state by goroutine instead). */
	pl->thread_table = !calls && !pl->go && o->thread_slots;
	pl->thread_bits = pl->thread_table ? log2_up(o->thread_slots, 0, 16) : 0;
	/* compat keeps every thread in a hash: at least 1024 entries, whatever --thread-slots. */
	pl->thread_hash_bits = pl->variant == FSP_VARIANT_COMPAT && !calls && !pl->go
				       ? log2_up(o->thread_slots, 10, 16)
				       : 0;
	/* Hint buckets (two keys, 96 bytes): two per symbol, so few keys lack one; 24 MiB at most.
	 */
	pl->hint_bits = log2_up(2ULL * o->max_symbols, 5, 18);
	return 0;
}

void fsp_plan_drop_lazy(struct fsp_plan *pl)
{
	pl->lazy = false;
	pl->lookup_ret = pl->mode != FSP_MODE_HIT_MISS;
}
