/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Latency (--latency): per sym_idx, log2 histograms of the whole lookup and of the time inside
 * the miss function (the miss penalty). One array shared by all CPUs, so every add is atomic;
 * latencies keeps its single entry without --latency.
 *
 * Included by fsprobe.bpf.c; uses none of the other parts.
 */
#ifndef FSP_LATENCY_BPF_H
#define FSP_LATENCY_BPF_H

/* sym_idx -> latency histograms; only sized past one entry with --latency. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fsp_latency);
} latencies SEC(".maps");

/* Bucket i holds durations of at most 2^(i + FSP_HIST_MIN_SHIFT) ns; the last, the rest. */
static __always_inline __u32 hist_bucket(__u64 ns)
{
	__u64 v = ns ? (ns - 1) >> FSP_HIST_MIN_SHIFT : 0;
	__u32 b = 0;

	if (!v)
		return 0;
	if (v >> 32) {
		v >>= 32;
		b += 32;
	}
	if (v >> 16) {
		v >>= 16;
		b += 16;
	}
	if (v >> 8) {
		v >>= 8;
		b += 8;
	}
	if (v >> 4) {
		v >>= 4;
		b += 4;
	}
	if (v >> 2) {
		v >>= 2;
		b += 2;
	}
	if (v >> 1)
		b += 1;
	b += 1;
	return b < FSP_HIST_BUCKETS ? b : FSP_HIST_BUCKETS - 1;
}

static __always_inline void hist_add(__u32 sym_idx, bool miss, __u64 ns)
{
	struct fsp_latency *l = bpf_map_lookup_elem(&latencies, &sym_idx);
	struct fsp_hist *h;
	__u32 b;

	if (!l)
		return;
	h = miss ? &l->miss : &l->lookup;
	b = hist_bucket(ns);
	if (b < FSP_HIST_BUCKETS)
		__sync_fetch_and_add(&h->buckets[b], 1);
	__sync_fetch_and_add(&h->sum_ns, ns);
}

#endif /* FSP_LATENCY_BPF_H */
