// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Count a cache's lookups per key as hits or misses.
 *
 * lookup_entry reads the key and pushes a frame on a per-thread stack, miss_entry marks the
 * innermost open lookup as a miss (or lookup_return tests the return value), lookup_return pops
 * the frame and counts it. Counting at return keeps every exported counter monotonic: a request
 * is counted once, already classified. With --hit/--miss, hit_call and miss_call count directly.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "key.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader between open and load. */
const volatile struct fsp_key_prog key_prog = {};
const volatile struct fsp_pred pred = {};
const volatile __u32 mode = FSP_MODE_MISS_FN;
const volatile __u32 max_symbols = 1;
const volatile bool latency = false;
/* Count at the next entry or at a scrape instead of at return: no return probe (see lazy). */
const volatile bool lazy = false;
/* With --pid: only this process's threads are settled by the iterator. */
const volatile __u32 target_tgid = 0;
/* Bytes the lookup's entry probe sits past the function's first byte (probe placement). */
const volatile __u32 lookup_skip = 0;

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

/* slot -> latency histograms; only sized past one entry with --latency. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fsp_latency);
} latencies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FSP_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct frame {
	__u64 sp;      /* stack pointer at entry: matches the return, detects unwinding */
	__u64 start;   /* with latency: when the lookup began */
	__u64 miss_at; /* with latency: when the miss function was entered, 0 outside it */
	/* seq << 1 | 1 while the request is not counted yet; whoever clears the bit counts it. */
	__u64 tag;
	__u64 ip;      /* the entry probe's address in the process: the lookup, as mapped */
	__u32 slot;
	__u32 missed;
};

struct thread_state {
	__u32 depth;
	__u32 seq;
	struct frame frames[FSP_MAX_DEPTH];
};

/* Freed with the thread, so an exiting thread never leaks a frame. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} threads SEC(".maps");

/*
 * Go: a goroutine can move between threads in the middle of a lookup, so its frames are keyed
 * by the goroutine (g, in R14 under ABIInternal). LRU: a goroutine that dies mid-lookup leaks
 * nothing for long.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct thread_state);
} goroutines SEC(".maps");

static __always_inline struct thread_state *state_of(struct pt_regs *ctx, bool create)
{
	static const struct thread_state zero = {};
	struct thread_state *ts;
	__u64 g;

	if (!key_prog.go_abi)
		return bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
#if defined(__TARGET_ARCH_x86)
	g = ctx->r14;
#else
	g = 0;
#endif
	ts = bpf_map_lookup_elem(&goroutines, &g);
	if (ts || !create)
		return ts;
	bpf_map_update_elem(&goroutines, &g, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&goroutines, &g);
}

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

static __always_inline void hist_add(__u32 slot, bool miss, __u64 ns)
{
	struct fsp_latency *l = bpf_map_lookup_elem(&latencies, &slot);
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

/* retN: System V returns in RAX, RDX; Go in the argument registers. */
static __always_inline __u64 ret_reg(struct pt_regs *ctx, __u32 n)
{
	__u64 rax = PT_REGS_RC(ctx), rdx = ctx->dx;

	if (key_prog.go_abi)
		return fsp_arg(ctx, n, true);
	/* Both loaded first, as in fsp_arg: no ctx access at a variable offset. */
	asm volatile("" : : "r"(rax), "r"(rdx) : "memory");
	return n ? rdx : rax;
}

static __always_inline bool pred_holds(__u64 ret)
{
	__s64 v;

	/* A bool or int return defines only the low bits of the register. */
	if (pred.bits == 8)
		v = (__u8)ret;
	else if (pred.bits == 32)
		v = pred.is_signed ? (__s64)(__s32)ret : (__s64)(__u32)ret;
	else
		v = (__s64)ret;

	switch (pred.cmp) {
	case FSP_CMP_EQ:
		return v == pred.value;
	case FSP_CMP_NE:
		return v != pred.value;
	case FSP_CMP_LT:
		return v < pred.value;
	case FSP_CMP_LE:
		return v <= pred.value;
	case FSP_CMP_GT:
		return v > pred.value;
	default:
		return v >= pred.value;
	}
}

/*
 * Count a frame's request exactly once, if its tag is still t. The return probe, the next
 * lookup on the thread, the thread's exit and the scrape-time iterator may all race for it; the
 * tag decides, and a frame reused meanwhile has a new tag, so a stale claim fails.
 */
static __always_inline void claim_tag(struct frame *f, __u64 t)
{
	__u32 slot, missed;

	if (!(t & 1))
		return;
	/* Read before the swap: once it succeeds the thread may reuse the frame at once. */
	slot = *(volatile __u32 *)&f->slot;
	missed = *(volatile __u32 *)&f->missed;
	if (__sync_val_compare_and_swap(&f->tag, t, t & ~1ULL) == t)
		count(slot, missed);
}

static __always_inline void claim(struct frame *f)
{
	claim_tag(f, *(volatile __u64 *)&f->tag);
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
	/*
	 * Another CPU inserted the same key first: use its slot and hand ours back if nobody took
	 * a later one meanwhile; otherwise ours stays unnamed and zero (at most --max-symbols holds).
	 */
	__sync_val_compare_and_swap(&next_slot, slot + 1, slot);
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
		/* Lazily counted frames end here normally; others were left without a return. */
		if (!lazy && (f->tag & 1))
			stat_inc(FSP_STAT_UNWOUND);
		claim(f);
		ts->depth = d - 1;
	}
}

/* The key's slot, or -1 (counted in stats) when the key cannot be read. */
static __always_inline long key_slot(struct pt_regs *ctx)
{
	struct fsp_key key = {};

	switch (fsp_read_key(ctx, &key_prog, &key)) {
	case FSP_KEY_OK:
		break;
	case FSP_KEY_OK_TRUNCATED:
		stat_inc(FSP_STAT_TRUNCATED);
		break;
	case FSP_KEY_FAULT:
		stat_inc(FSP_STAT_READ_FAULT);
		return -1;
	case FSP_KEY_NO_FIELD:
		stat_inc(FSP_STAT_FIELD_MISSING);
		return -1;
	default:
		stat_inc(FSP_STAT_READ_EMPTY);
		return -1;
	}
	return slot_of(&key);
}

SEC("uprobe")
int BPF_KPROBE(lookup_entry)
{
	struct thread_state *ts;
	__u64 sp = PT_REGS_SP(ctx);
	struct frame *f;
	long slot;
	__u32 d;

	/*
	 * A key that cannot be read still gets a frame, with no slot: its miss and its return
	 * must not land on another lookup's frame. Counting it is a no-op (no such slot). Read
	 * first: the verifier then walks field()'s loop before, not after, the frame handling.
	 */
	slot = key_slot(ctx);
	ts = state_of(ctx, true);
	if (!ts) {
		stat_inc(FSP_STAT_DEPTH);
		return 0;
	}
	/* Go stacks move when they grow: no stack-pointer reasoning for goroutines. */
	if (!key_prog.go_abi)
		drop_unwound(ts, sp);
	d = ts->depth;
	if (d >= FSP_MAX_DEPTH) {
		stat_inc(FSP_STAT_DEPTH);
		return 0;
	}
	f = &ts->frames[d];
	f->sp = sp;
	f->slot = slot < 0 ? FSP_NO_SLOT : slot;
	f->missed = 0;
	f->miss_at = 0;
	f->start = latency ? bpf_ktime_get_ns() : 0;
	f->ip = PT_REGS_IP(ctx);
	/* Published last: a claim only ever sees a complete frame. */
	__sync_lock_test_and_set(&f->tag, ((__u64)++ts->seq << 1) | 1);
	ts->depth = d + 1;
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(miss_entry)
{
	struct thread_state *ts;
	__u32 d;

	ts = state_of(ctx, false);
	/*
	 * With return probes a returned lookup is already gone, so a frame at this very sp is the
	 * lookup that tail-called (jmp) the miss function: keep it. Lazily counted frames linger
	 * after their return, so there the same sp means a sibling call, and the frame goes.
	 */
	if (ts && !key_prog.go_abi)
		drop_unwound(ts, lazy ? PT_REGS_SP(ctx) : PT_REGS_SP(ctx) - 1);
	d = ts ? ts->depth : 0;
	if (d == 0 || d > FSP_MAX_DEPTH) {
		stat_inc(FSP_STAT_MISS_OUTSIDE);
		return 0;
	}
	ts->frames[d - 1].missed = 1;
	if (latency)
		ts->frames[d - 1].miss_at = bpf_ktime_get_ns();
	return 0;
}

/* With latency only: time spent in the miss function is the miss penalty. */
SEC("uretprobe")
int BPF_KRETPROBE(miss_return)
{
	struct thread_state *ts;
	struct frame *f;
	__u32 d;

	ts = state_of(ctx, false);
	d = ts ? ts->depth : 0;
	if (d == 0 || d > FSP_MAX_DEPTH)
		return 0;
	f = &ts->frames[d - 1];
	if (f->miss_at) {
		hist_add(f->slot, true, bpf_ktime_get_ns() - f->miss_at);
		f->miss_at = 0;
	}
	return 0;
}

/* The lookup returns: pop its frame (sp is the entry's, or 0 to take the top) and count it. */
static __always_inline void lookup_done(struct pt_regs *ctx, __u64 sp)
{
	struct thread_state *ts;
	struct frame *f;
	__u32 d;

	ts = state_of(ctx, false);
	if (!ts)
		return;
	if (sp)
		drop_unwound(ts, sp - 1);
	d = ts->depth;
	if (d == 0 || d > FSP_MAX_DEPTH)
		return;
	f = &ts->frames[d - 1];
	/* No frame of ours: the call was past FSP_MAX_DEPTH or began before attach. */
	if (sp && f->sp != sp)
		return;
	if (mode == FSP_MODE_RET)
		f->missed = !pred_holds(ret_reg(ctx, pred.reg));
	claim(f);
	if (latency)
		hist_add(f->slot, false, bpf_ktime_get_ns() - f->start);
	ts->depth = d - 1;
}

SEC("uretprobe")
int BPF_KRETPROBE(lookup_return)
{
	/* After ret the stack pointer sits one slot above where it was at entry. */
	lookup_done(ctx, PT_REGS_SP(ctx) - 8);
	return 0;
}

/* Go: on each RET instruction of the lookup, since Go programs must not get uretprobes. */
SEC("uprobe")
int BPF_KPROBE(lookup_ret_insn)
{
	lookup_done(ctx, 0);
	return 0;
}

/*
 * Lazy counting settles a thread's last lookup without a return probe. A thread's saved user
 * registers come from its latest entry into the kernel, which is never older than the entry
 * probe of its newest lookup (that probe is a kernel entry itself). A saved stack pointer above
 * a frame's entry stack pointer therefore proves that lookup has returned.
 */
/*
 * Whether the lookup of frame f (entry sp fsp) is still running in task: its return slot must
 * still hold a return address right after a direct call of the lookup. The loader uses lazy
 * counting only when every call of the lookup is such a call, so a live lookup always passes;
 * once it has returned, a later call from that depth has put another return address there.
 */
static __always_inline bool still_inside(struct task_struct *task, __u64 fsp, __u64 ip)
{
	__u8 call[5];
	__s32 rel;
	__u64 ret;

	if (bpf_copy_from_user_task(&ret, sizeof(ret), (void *)fsp, task, 0) ||
	    bpf_copy_from_user_task(call, sizeof(call), (void *)(ret - 5), task, 0))
		return true; /* unreadable: say nothing */
	__builtin_memcpy(&rel, call + 1, sizeof(rel));
	return call[0] == 0xe8 && ret + rel == ip - lookup_skip;
}

SEC("iter.s/task")
int settle(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct thread_state *ts;
	struct pt_regs *regs;
	__u64 sp;

	if (!task || (target_tgid && (__u32)task->tgid != target_tgid))
		return 0;
	ts = bpf_task_storage_get(&threads, task, 0, 0);
	if (!ts)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	for (int i = 0; i < FSP_MAX_DEPTH; i++) {
		struct frame *f = &ts->frames[i];
		__u64 t = *(volatile __u64 *)&f->tag, fsp = *(volatile __u64 *)&f->sp;
		__u64 ip = *(volatile __u64 *)&f->ip;

		if (!(t & 1))
			continue;
		/*
		 * The registers are read after the frame: any kernel entry since the frame was
		 * pushed (its own entry probe is one) left them at or below its sp. A frame
		 * reused meanwhile has a new tag, which the claim's swap then refuses.
		 */
		sp = BPF_CORE_READ(regs, sp);
		/* Above the frame: returned. Below it: returned too if its return slot moved on. */
		if (fsp < sp || !still_inside(task, fsp, ip))
			claim_tag(f, t);
	}
	return 0;
}

/* A thread that exits has left every lookup: count them before its storage goes. */
SEC("tp_btf/sched_process_exit")
int thread_exit(void *ctx)
{
	struct thread_state *ts;

	(void)ctx;
	ts = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	if (!ts)
		return 0;
	for (int i = 0; i < FSP_MAX_DEPTH; i++)
		claim(&ts->frames[i]);
	return 0;
}

/* --hit F --miss G: each call is already classified; no per-thread state, no return probe. */
SEC("uprobe")
int BPF_KPROBE(hit_call)
{
	long slot = key_slot(ctx);

	if (slot >= 0)
		count(slot, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(miss_call)
{
	long slot = key_slot(ctx);

	if (slot >= 0)
		count(slot, 1);
	return 0;
}
