// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Count a cache's lookups per key as hits or misses.
 *
 * lookup_entry reads the key and pushes a frame on a per-thread stack, miss_entry marks the
 * innermost open lookup as a miss, lookup_return pops the frame and counts it. Counting at
 * return keeps every exported counter monotonic: a request is counted once, already classified.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "key.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader between open and load. */
const volatile struct fsp_key_prog key_prog = {};
const volatile __u32 max_symbols = 1;

/* Next free slot in counts; slots are handed out once and never reused. */
__u32 next_slot = 0;

/* key -> slot. Entries are never deleted, so a symbol's series never moves. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized to max_symbols by the loader */
	__type(key, struct fsp_key);
	__type(value, __u32);
} symbols SEC(".maps");

/* slot -> counts; slot max_symbols is the overflow series. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2); /* resized to max_symbols + 1 by the loader */
	__type(key, __u32);
	__type(value, struct fsp_counts);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FSP_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct frame {
	__u64 sp; /* stack pointer at entry: matches the return, detects unwinding */
	__u32 slot;
	__u32 missed;
};

struct thread_state {
	__u32 depth;
	__u32 pad;
	struct frame frames[FSP_MAX_DEPTH];
};

/* Freed with the thread, so an exiting thread never leaks a frame. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} threads SEC(".maps");

static __always_inline void stat_inc(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &stat);

	/* Atomic even per CPU: uprobe programs run preemptibly, only migration is off. */
	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline void count(__u32 slot, __u32 missed)
{
	struct fsp_counts *c = bpf_map_lookup_elem(&counts, &slot);

	if (!c)
		return;
	if (missed)
		__sync_fetch_and_add(&c->misses, 1);
	else
		__sync_fetch_and_add(&c->hits, 1);
}

static __always_inline __u32 slot_of(const struct fsp_key *key)
{
	__u32 *found, slot;

	found = bpf_map_lookup_elem(&symbols, key);
	if (found)
		return *found;
	if (next_slot >= max_symbols)
		return max_symbols;
	slot = __sync_fetch_and_add(&next_slot, 1);
	if (slot >= max_symbols)
		return max_symbols;
	if (!bpf_map_update_elem(&symbols, key, &slot, BPF_NOEXIST))
		return slot;
	/* Another CPU inserted the same key first: use its slot, ours stays unnamed and zero. */
	found = bpf_map_lookup_elem(&symbols, key);
	return found ? *found : max_symbols;
}

/* Count and drop frames whose function has already left (stack at or above their sp). */
static __always_inline void drop_unwound(struct thread_state *ts, __u64 sp)
{
	for (int i = 0; i < FSP_MAX_DEPTH; i++) {
		__u32 d = ts->depth;
		struct frame *f;

		if (d == 0 || d > FSP_MAX_DEPTH)
			return;
		f = &ts->frames[d - 1];
		if (f->sp > sp)
			return;
		count(f->slot, f->missed);
		stat_inc(FSP_STAT_UNWOUND);
		ts->depth = d - 1;
	}
}

SEC("uprobe")
int BPF_KPROBE(lookup_entry)
{
	struct fsp_key key = {};
	struct thread_state *ts;
	__u64 sp = PT_REGS_SP(ctx);
	struct frame *f;
	__u32 d;

	switch (fsp_read_key(ctx, &key_prog, &key)) {
	case FSP_KEY_OK:
		break;
	case FSP_KEY_OK_TRUNCATED:
		stat_inc(FSP_STAT_TRUNCATED);
		break;
	case FSP_KEY_FAULT:
		stat_inc(FSP_STAT_READ_FAULT);
		return 0;
	case FSP_KEY_NO_FIELD:
		stat_inc(FSP_STAT_FIELD_MISSING);
		return 0;
	default:
		stat_inc(FSP_STAT_READ_EMPTY);
		return 0;
	}

	ts = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts)
		return 0;
	drop_unwound(ts, sp);
	d = ts->depth;
	if (d >= FSP_MAX_DEPTH) {
		stat_inc(FSP_STAT_DEPTH);
		return 0;
	}
	f = &ts->frames[d];
	f->sp = sp;
	f->slot = slot_of(&key);
	f->missed = 0;
	ts->depth = d + 1;
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(miss_entry)
{
	struct thread_state *ts;
	__u32 d;

	ts = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	if (ts)
		drop_unwound(ts, PT_REGS_SP(ctx));
	d = ts ? ts->depth : 0;
	if (d == 0 || d > FSP_MAX_DEPTH) {
		stat_inc(FSP_STAT_MISS_OUTSIDE);
		return 0;
	}
	ts->frames[d - 1].missed = 1;
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(lookup_return)
{
	/* After ret the stack pointer sits one slot above where it was at entry. */
	__u64 sp = PT_REGS_SP(ctx) - 8;
	struct thread_state *ts;
	struct frame *f;
	__u32 d;

	ts = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	if (!ts)
		return 0;
	drop_unwound(ts, sp - 1);
	d = ts->depth;
	if (d == 0 || d > FSP_MAX_DEPTH)
		return 0;
	f = &ts->frames[d - 1];
	/* No frame of ours: the call was past FSP_MAX_DEPTH or began before attach. */
	if (f->sp != sp)
		return 0;
	count(f->slot, f->missed);
	ts->depth = d - 1;
	return 0;
}
