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

/* Set by the loader between open and load (user/probe.c, configure()). */
const volatile struct fsp_config cfg = {
	.mode = FSP_MODE_MISS_FN,
	.max_symbols = 1,
	.hint_bits = 1,
};

/*
 * The next free symbol index (sym_idx: a symbol's entry in counts and latencies); handed out once
 * and never reused. Also the fixed address thread_self measures from.
 */
__u32 next_sym_idx = 0;

/* key -> sym_idx. Entries are never deleted, so a symbol's series never moves. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized to cfg.max_symbols by the loader */
	__type(key, struct fsp_key);
	__type(value, __u32);
} symbols SEC(".maps");

/*
 * hash(key) -> the sym indexes of two short keys that hash there, each with the key itself, so
 * that the hot path finds a key's sym_idx with an inlined array lookup and no other memory (a hash
 * lookup is a call). A hint is written under its sequence count (odd while written, by one
 * writer at a time) and read only when the count is even and unchanged around the read, so it
 * is never seen torn; a stale or missing hint just sends the key to the symbol hash.
 */
#define FAST_WORDS (FSP_FAST_MAX / 8)

struct hint {
	__u32 seq;
	__u32 sym_idx1;	       /* sym_idx + 1; 0: empty */
	__u64 key[FAST_WORDS]; /* all of the key: a hinted key fits the fast path */
};

struct hint_bucket {
	struct hint way[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2); /* resized to 1 << cfg.hint_bits by the loader */
	__type(key, __u32);
	__type(value, struct hint_bucket);
} sym_hints SEC(".maps");

/* sym_idx -> counts; sym_idx cfg.max_symbols is the overflow series. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2); /* resized to cfg.max_symbols + 1 by the loader */
	__type(key, __u32);
	__type(value, struct fsp_counts);
} counts SEC(".maps");

/* sym_idx -> latency histograms; only sized past one entry with --latency. */
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
	__u64 ip; /* the entry probe's address in the process: the lookup, as mapped */
	__u32 sym_idx;
	__u32 missed;
};

struct thread_state {
	__u32 depth;
	__u32 seq;   /* never reset: a frame's tag is unique even after its entry changes hands */
	__u64 owner; /* in thread_table: the thread (thread_self) that claimed it, 0 when free */
	__u32 long_key; /* the thread's last key was too long for the fast path */
	__u32 pad;
	struct frame frames[FSP_MAX_DEPTH];
};

/*
 * hash(thread) -> the state of the first thread to claim the entry: an array lookup is
 * inlined, where task storage is a helper call (20 ns here). A thread whose entry is taken
 * keeps its state in task storage instead; the exit and exec hooks free the entry.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized to 1 << cfg.thread_bits by the loader */
	__type(key, __u32);
	__type(value, struct thread_state);
} thread_table SEC(".maps");

/* Which thread_table entry a thread claimed: what the exit and exec hooks and settle use. */
struct entry_claim {
	__u32 idx;
	__u32 pad;
	__u64 owner; /* the thread_self it claimed with, the entry's owner; 0: none */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct entry_claim);
} claims SEC(".maps");

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

/*
 * The current thread, without a helper call (8 ns here): a probe's registers are the thread's
 * saved user registers, at the top of its own kernel stack, so their address is the same in
 * every probe of a thread and differs between live threads. Taken as an offset from a fixed
 * address, the one pointer arithmetic the verifier allows a privileged program here.
 */
static __always_inline __u64 thread_self(struct pt_regs *ctx)
{
	return (__u64)((char *)ctx - (char *)&next_sym_idx);
}

/* The thread_table entry for thread me: kernel stacks are at least 16 KiB apart. */
static __always_inline __u32 thread_entry_idx(__u64 me)
{
	return cfg.thread_bits ? ((me >> 14) * 0x9e3779b97f4a7c15ULL) >> (64 - cfg.thread_bits) : 0;
}

/* The state of the current thread: its thread_table entry, else its task storage. */
static __always_inline struct thread_state *thread_state_of(struct pt_regs *ctx, bool create)
{
	__u64 me = thread_self(ctx);
	__u32 idx = thread_entry_idx(me);
	struct thread_state *ts, *own;

	ts = cfg.thread_table_on ? bpf_map_lookup_elem(&thread_table, &idx) : NULL;
	if (ts && *(volatile __u64 *)&ts->owner == me)
		return ts;
	/* A thread with state in task storage stays there: its open frames are there. */
	own = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	if (own || !create)
		return own;
	if (ts && !*(volatile __u64 *)&ts->owner) {
		struct entry_claim *c = bpf_task_storage_get(&claims, bpf_get_current_task_btf(), 0,
							     BPF_LOCAL_STORAGE_GET_F_CREATE);

		if (c && __sync_val_compare_and_swap(&ts->owner, 0, me) == 0) {
			c->idx = idx;
			/* After idx: settle reads owner first. */
			*(volatile __u64 *)&c->owner = me;
			return ts;
		}
	}
	return bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/*
 * The thread_table entry task claimed, if it still owns it; *owner: what it claimed with, and
 * *claim (when not NULL) the task's record of the claim.
 */
static __always_inline struct thread_state *claimed_state(struct task_struct *task, __u64 *owner,
							  struct entry_claim **claim)
{
	struct entry_claim *c;
	struct thread_state *ts;
	__u32 idx;

	if (!cfg.thread_table_on)
		return NULL;
	c = bpf_task_storage_get(&claims, task, 0, 0);
	if (claim)
		*claim = c;
	if (!c)
		return NULL;
	*owner = *(volatile __u64 *)&c->owner;
	idx = *(volatile __u32 *)&c->idx;
	if (!*owner)
		return NULL;
	ts = bpf_map_lookup_elem(&thread_table, &idx);
	return ts && *(volatile __u64 *)&ts->owner == *owner ? ts : NULL;
}

static __always_inline struct thread_state *state_of(struct pt_regs *ctx, bool create)
{
	static const struct thread_state zero = {};
	struct thread_state *ts;
	__u64 g;

	if (!cfg.key_prog.go_abi)
		return thread_state_of(ctx, create);
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

static __always_inline void count(__u32 sym_idx, __u32 missed)
{
	struct fsp_counts *c = bpf_map_lookup_elem(&counts, &sym_idx);

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

/* retN: System V returns in RAX, RDX; Go in the argument registers. */
static __always_inline __u64 ret_reg(struct pt_regs *ctx, __u32 n)
{
	if (cfg.key_prog.go_abi)
		return fsp_arg(ctx, n, true);
#if defined(__TARGET_ARCH_x86)
	return n ? FSP_REG(ctx, dx) : FSP_REG(ctx, ax);
#else
	return PT_REGS_RC(ctx);
#endif
}

static __always_inline bool pred_holds(__u64 ret)
{
	__s64 v;

	/* A bool or int return defines only the low bits of the register. */
	if (cfg.pred.bits == 8)
		v = (__u8)ret;
	else if (cfg.pred.bits == 32)
		v = cfg.pred.is_signed ? (__s64)(__s32)ret : (__s64)(__u32)ret;
	else
		v = (__s64)ret;

	switch (cfg.pred.cmp) {
	case FSP_CMP_EQ:
		return v == cfg.pred.value;
	case FSP_CMP_NE:
		return v != cfg.pred.value;
	case FSP_CMP_LT:
		return v < cfg.pred.value;
	case FSP_CMP_LE:
		return v <= cfg.pred.value;
	case FSP_CMP_GT:
		return v > cfg.pred.value;
	default:
		return v >= cfg.pred.value;
	}
}

/*
 * Count a frame's request exactly once, if its tag is still t. The return probe, the next
 * lookup on the thread, the thread's exit and the scrape-time iterator may all race for it; the
 * tag decides, and a frame reused meanwhile has a new tag, so a stale count fails.
 */
static __always_inline void count_once(struct frame *f, __u64 t)
{
	__u32 sym_idx, missed;

	if (!(t & 1))
		return;
	/* Read before the swap: once it succeeds the thread may reuse the frame at once. */
	sym_idx = *(volatile __u32 *)&f->sym_idx;
	missed = *(volatile __u32 *)&f->missed;
	if (__sync_val_compare_and_swap(&f->tag, t, t & ~1ULL) == t)
		count(sym_idx, missed);
}

static __always_inline void count_frame(struct frame *f)
{
	count_once(f, *(volatile __u64 *)&f->tag);
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
		if (!cfg.lazy && (f->tag & 1))
			stat_inc(FSP_STAT_UNWOUND);
		count_frame(f);
		ts->depth = d - 1;
	}
}

#define KEY_WORDS (FSP_KEY_MAX / 8)

/* A fast-path key's words, w (zero-padded, so equal keys hash equal). */
static __always_inline __u32 key_hash(const __u64 *w)
{
	/* Odd constants, one a word: words that trade places still hash apart. */
	static const __u64 k[FAST_WORDS] = {
		0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL,
		0xd6e8feb86659fd93ULL, 0xff51afd7ed558ccdULL,
	};
	__u64 h = 0;

#pragma unroll
	for (int i = 0; i < FAST_WORDS; i++)
		h += w[i] * k[i];
	/* The top bits of a product mix all of its inputs' bits. */
	return h >> (64 - cfg.hint_bits);
}

/* The symbol hash's answer, inserting the key with the next free sym_idx if it is new. */
static __always_inline __u32 sym_insert(const struct fsp_key *key)
{
	__u32 *found, sym_idx;

	found = bpf_map_lookup_elem(&symbols, key);
	if (found)
		return *found;
	if (next_sym_idx >= cfg.max_symbols)
		return cfg.max_symbols;
	sym_idx = __sync_fetch_and_add(&next_sym_idx, 1);
	if (sym_idx >= cfg.max_symbols)
		return cfg.max_symbols;
	if (!bpf_map_update_elem(&symbols, key, &sym_idx, BPF_NOEXIST))
		return sym_idx;
	/*
	 * Another CPU inserted the same key first: use its sym_idx and hand ours back if nobody
	 * took a later one meanwhile; otherwise ours stays unnamed and zero (at most --max-symbols
	 * holds). Ours was never returned, so no hint holds it.
	 */
	__sync_val_compare_and_swap(&next_sym_idx, sym_idx + 1, sym_idx);
	found = bpf_map_lookup_elem(&symbols, key);
	return found ? *found : cfg.max_symbols;
}

/* The sym_idx h gives the key w, or FSP_NO_SYM_IDX. */
static __always_inline __u32 hint_match(const struct hint *h, const __u64 *w)
{
	__u32 seq = *(volatile const __u32 *)&h->seq, sym_idx;
	__u64 d = seq & 1;

#pragma unroll
	for (int i = 0; i < FAST_WORDS; i++)
		d |= *(volatile const __u64 *)&h->key[i] ^ w[i];
	/* An empty hint is all zero, which no key is (an empty key is not read). */
	if (d)
		return FSP_NO_SYM_IDX;
	sym_idx = *(volatile const __u32 *)&h->sym_idx1 - 1;
	return *(volatile const __u32 *)&h->seq == seq ? sym_idx : FSP_NO_SYM_IDX;
}

/* A bucket's answer for the key w, or FSP_NO_SYM_IDX. */
static __always_inline __u32 sym_hinted(const struct hint_bucket *b, const __u64 *w)
{
	__u32 sym_idx;

	if (!b)
		return FSP_NO_SYM_IDX;
	sym_idx = hint_match(&b->way[0], w);
	return sym_idx != FSP_NO_SYM_IDX ? sym_idx : hint_match(&b->way[1], w);
}

/* Remember sym_idx for the key w: in the first way while it is free, else in the second. */
static __always_inline void hint_learn(struct hint_bucket *b, const __u64 *w, __u32 sym_idx)
{
	struct hint *h = &b->way[*(volatile __u32 *)&b->way[0].sym_idx1 ? 1 : 0];
	__u32 seq = *(volatile __u32 *)&h->seq;

	/* Being written by someone else: leave it to them. */
	if ((seq & 1) || __sync_val_compare_and_swap(&h->seq, seq, seq + 1) != seq)
		return;
#pragma unroll
	for (int i = 0; i < FAST_WORDS; i++)
		*(volatile __u64 *)&h->key[i] = w[i];
	*(volatile __u32 *)&h->sym_idx1 = sym_idx + 1;
	__atomic_exchange_n(&h->seq, seq + 2, __ATOMIC_SEQ_CST);
}

/* Whether a key read failed, counted by reason. */
static __always_inline bool key_unread(int res)
{
	switch (res) {
	case FSP_KEY_OK:
	case FSP_KEY_OK_CUT:
		return false;
	case FSP_KEY_FAULT:
		stat_inc(FSP_STAT_READ_FAULT);
		break;
	case FSP_KEY_NO_FIELD:
		stat_inc(FSP_STAT_FIELD_MISSING);
		break;
	default:
		stat_inc(FSP_STAT_READ_EMPTY);
	}
	return true;
}

/*
 * The subprograms below the hot path keep whole keys on their stacks, which puts them on the
 * kernel's per-CPU private stack: a user-memory read costs more there, the hot path's does not.
 */

/* A short key's first sight, or one whose hints are taken: the symbol hash takes whole keys. */
static __noinline __u32 sym_learn_fast(const __u64 *w, struct hint_bucket *b)
{
	struct fsp_key key __attribute__((aligned(8))) = {};
	__u32 sym_idx;

	__builtin_memcpy(key.data, w, FSP_FAST_MAX);
	sym_idx = sym_insert(&key);
	if (b && sym_idx < cfg.max_symbols)
		hint_learn(b, w, sym_idx);
	return sym_idx;
}

/*
 * A key too long for the hot path, or field(): the symbol hash only. -1: not counted. ts: the
 * thread's state (or NULL), told whether this key was long, so that a thread whose keys are
 * long skips the short read next time.
 */
static __noinline long key_sym_idx_slow(struct pt_regs *ctx, struct thread_state *ts)
{
	struct fsp_key key __attribute__((aligned(8))) = {};
	/* field()'s whole key; zeroed: bytes() adds no NUL */
	char raw[FSP_RAW_MAX] __attribute__((aligned(8))) = {};
	__u64 *w = (__u64 *)key.data;
	int res;

	if (cfg.key_prog.type == FSP_KEY_CSTR && !cfg.key_prog.field_on) {
		/* A byte more than a key holds: one of exactly 63 bytes is not cut. */
		res = fsp_read_key(ctx, &cfg.key_prog, raw, FSP_KEY_MAX + 1, NULL);
#pragma unroll
		for (int i = 0; i < KEY_WORDS; i++)
			w[i] = ((const __u64 *)raw)[i];
		key.data[FSP_KEY_MAX - 1] = 0;
	} else {
		res = fsp_read_key(ctx, &cfg.key_prog, key.data, FSP_KEY_MAX, raw);
	}
	if (key_unread(res))
		return -1;
	if (res == FSP_KEY_OK_CUT)
		stat_inc(FSP_STAT_TRUNCATED);
	/* Long: past the fast path's FSP_FAST_MAX - 1 bytes (a C string also needs its NUL). */
	if (ts)
		ts->long_key =
			key.data[FSP_FAST_MAX - 1 - (cfg.key_prog.type == FSP_KEY_CSTR)] != 0;
	return sym_insert(&key);
}

/*
 * The key's sym_idx, or -1 (counted in stats) when the key cannot be read. The hot path reads
 * the key onto the stack and finds its sym_idx through a hint: no map call. A subprogram of its
 * own, under 64 bytes of stack: past that the kernel moves a program's stack to per-CPU memory,
 * where user-copy hardening makes each read of user memory cost about 20 ns more.
 */
static __noinline long key_sym_idx(struct pt_regs *ctx, struct thread_state *ts)
{
	__u64 w[FAST_WORDS] = {};
	struct hint_bucket *b;
	__u32 idx, sym_idx;
	int res;

	if (cfg.key_prog.field_on || (ts && ts->long_key))
		return key_sym_idx_slow(ctx, ts);
	res = fsp_read_key(ctx, &cfg.key_prog, (char *)w, FSP_FAST_MAX, NULL);
	if (res == FSP_KEY_LONG)
		return key_sym_idx_slow(ctx, ts);
	if (key_unread(res))
		return -1;
	idx = key_hash(w);
	b = bpf_map_lookup_elem(&sym_hints, &idx);
	sym_idx = sym_hinted(b, w);
	return sym_idx != FSP_NO_SYM_IDX ? sym_idx : sym_learn_fast(w, b);
}

SEC("uprobe")
int BPF_KPROBE(lookup_entry)
{
	struct thread_state *ts;
	__u64 sp = PT_REGS_SP(ctx);
	struct frame *f;
	long sym_idx;
	__u32 d;

	ts = state_of(ctx, true);
	if (!ts) {
		stat_inc(FSP_STAT_DEPTH);
		return 0;
	}
	/*
	 * A key that cannot be read still gets a frame, with no sym_idx: its miss and its return
	 * must not land on another lookup's frame. Counting it is a no-op (no such sym_idx).
	 */
	sym_idx = key_sym_idx(ctx, ts);
	/* Go stacks move when they grow: no stack-pointer reasoning for goroutines. */
	if (!cfg.key_prog.go_abi)
		drop_unwound(ts, sp);
	d = ts->depth;
	if (d >= FSP_MAX_DEPTH) {
		stat_inc(FSP_STAT_DEPTH);
		return 0;
	}
	f = &ts->frames[d];
	f->sp = sp;
	f->sym_idx = sym_idx < 0 ? FSP_NO_SYM_IDX : sym_idx;
	f->missed = 0;
	f->miss_at = 0;
	f->start = cfg.latency ? bpf_ktime_get_ns() : 0;
	f->ip = PT_REGS_IP(ctx);
	/*
	 * Published last: a count only ever sees a complete frame. A plain store after a compiler
	 * barrier is enough on x86-64, whose stores become visible in program order; a locked
	 * exchange here cost about 8 ns a lookup.
	 */
#if defined(__TARGET_ARCH_x86)
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&f->tag = ((__u64)++ts->seq << 1) | 1;
#else
	__atomic_exchange_n(&f->tag, ((__u64)++ts->seq << 1) | 1, __ATOMIC_SEQ_CST);
#endif
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
	if (ts && !cfg.key_prog.go_abi)
		drop_unwound(ts, cfg.lazy ? PT_REGS_SP(ctx) : PT_REGS_SP(ctx) - 1);
	d = ts ? ts->depth : 0;
	if (d == 0 || d > FSP_MAX_DEPTH) {
		stat_inc(FSP_STAT_MISS_OUTSIDE);
		return 0;
	}
	ts->frames[d - 1].missed = 1;
	if (cfg.latency)
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
		hist_add(f->sym_idx, true, bpf_ktime_get_ns() - f->miss_at);
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
	if (cfg.mode == FSP_MODE_RET)
		f->missed = !pred_holds(ret_reg(ctx, cfg.pred.reg));
	count_frame(f);
	if (cfg.latency)
		hist_add(f->sym_idx, false, bpf_ktime_get_ns() - f->start);
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
	return call[0] == 0xe8 && ret + rel == ip - cfg.lookup_skip;
}

/*
 * Count the frames of task (its state ts) whose lookups have returned. owner: what the task
 * claimed ts with when ts is a thread_table entry, which can change hands while we look; 0 for
 * task storage.
 */
static __always_inline void settle_frames(struct task_struct *task, struct thread_state *ts,
					  __u64 owner)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 sp;

	for (int i = 0; i < FSP_MAX_DEPTH; i++) {
		struct frame *f = &ts->frames[i];
		__u64 t = *(volatile __u64 *)&f->tag, fsp = *(volatile __u64 *)&f->sp;
		__u64 ip = *(volatile __u64 *)&f->ip;

		if (!(t & 1))
			continue;
		/*
		 * Read after the frame: a new owner claims the entry before it pushes a frame, so a
		 * frame read after that shows here. Once read, the tag guards the frame.
		 */
		if (owner && *(volatile __u64 *)&ts->owner != owner)
			return;
		/*
		 * The registers are read after the frame: any kernel entry since the frame was
		 * pushed (its own entry probe is one) left them at or below its sp. A frame
		 * reused meanwhile has a new tag, which count_once's swap then refuses.
		 */
		sp = BPF_CORE_READ(regs, sp);
		/* Above the frame: returned. Below it: returned too if its return slot moved on. */
		if (fsp < sp || !still_inside(task, fsp, ip))
			count_once(f, t);
	}
}

SEC("iter.s/task")
int settle(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct thread_state *ts;
	__u64 owner = 0;

	if (!task || (cfg.target_tgid && (__u32)task->tgid != cfg.target_tgid))
		return 0;
	ts = claimed_state(task, &owner, NULL);
	if (ts)
		settle_frames(task, ts, owner);
	ts = bpf_task_storage_get(&threads, task, 0, 0);
	if (ts)
		settle_frames(task, ts, 0);
	return 0;
}

/* Count every open lookup of ts and empty it: its thread has left the program. */
static __always_inline void count_all_frames(struct thread_state *ts)
{
	for (int i = 0; i < FSP_MAX_DEPTH; i++)
		count_frame(&ts->frames[i]);
	ts->depth = 0;
}

/* The current thread leaves its program: it exits, or execs another. */
static __always_inline void thread_done(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct thread_state *ts;
	struct entry_claim *c = NULL;
	__u64 owner = 0;

	ts = claimed_state(task, &owner, &c);
	if (ts) {
		count_all_frames(ts);
		/* Freed last: the next owner starts with no frames. */
		__atomic_exchange_n(&ts->owner, 0, __ATOMIC_SEQ_CST);
	}
	if (c)
		c->owner = 0;
	ts = bpf_task_storage_get(&threads, task, 0, 0);
	if (ts)
		count_all_frames(ts);
}

SEC("tp_btf/sched_process_exit")
int thread_exit(void *ctx)
{
	(void)ctx;
	thread_done();
	return 0;
}

/* exec from any thread: the program the frames belong to is gone. */
SEC("tp_btf/sched_process_exec")
int thread_exec(void *ctx)
{
	(void)ctx;
	thread_done();
	return 0;
}

/* --hit F --miss G: each call is already classified; no per-thread state, no return probe. */
SEC("uprobe")
int BPF_KPROBE(hit_call)
{
	long sym_idx = key_sym_idx(ctx, NULL);

	if (sym_idx >= 0)
		count(sym_idx, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(miss_call)
{
	long sym_idx = key_sym_idx(ctx, NULL);

	if (sym_idx >= 0)
		count(sym_idx, 1);
	return 0;
}
