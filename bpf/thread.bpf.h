/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A thread's open lookups: where its stack of frames lives, and how each frame is counted once.
 *
 * Claiming a thread_table entry, which the probes find without a helper call:
 * - A thread claims the entry its kernel stack hashes to by a compare-and-swap of owner from 0
 *   to itself, then records idx and, after it, owner in claims: readers take owner first.
 * - A thread whose entry is taken keeps its state in task storage, and stays there: its open
 *   frames are there.
 * - Others trust an entry only while its owner is what claims records (claimed_state); the
 *   iterator checks again after reading each frame, as an entry changes hands once its thread
 *   has left.
 * - A leaving thread's frames are counted first and its entry freed last (thread_done), so the
 *   next owner starts empty; seq is never reset, so a tag stays unique across owners.
 *
 * Counting once: a frame's tag is seq << 1 | 1 until its request is counted. The tag is written
 * last, so a frame with the bit set is complete. The return probe, the thread's next lookup, its
 * exit and the iterator may race for a frame: whoever clears the bit by compare-and-swap counts
 * it (count_once), and a frame reused since has a new tag, so a stale attempt fails.
 *
 * Included by fsprobe.bpf.c after cfg, next_sym_idx, stat_inc() and count().
 */
#ifndef FSP_THREAD_BPF_H
#define FSP_THREAD_BPF_H

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
 * Frame indexes for the verifier. Each is one opaque value checked by one unsigned comparison
 * before use: otherwise clang may check the field and rebuild the index from the load after the
 * check, or check d == 0 apart from d - 1, and verifiers before 6.8 (Debian's 5.10, 6.1, 6.12)
 * keep no bound across either: "unbounded memory access".
 */

/* The depth: the next frame's index, valid when below FSP_MAX_DEPTH. */
static __always_inline __u32 depth_of(const struct thread_state *ts)
{
	__u32 d = ts->depth;

	barrier_var(d);
	return d;
}

/* The innermost open frame's index, valid when below FSP_MAX_DEPTH (none: it wraps past). */
static __always_inline __u32 top_of(const struct thread_state *ts)
{
	__u32 top = ts->depth - 1;

	barrier_var(top);
	return top;
}

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

#ifndef FSP_COMPAT
/*
 * hash(thread) -> the state of the thread that claimed the entry: an array lookup is inlined,
 * where task storage is a helper call (20 ns here).
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

#else /* FSP_COMPAT */
/*
 * The compat programs (kernels without task storage or BPF atomics, 5.10): a hash by thread id.
 * The exit and exec hooks count and delete a thread's entry; a full table leaves new threads
 * uncounted (FSP_STAT_DEPTH), so the loader sizes it by --thread-slots.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized to 1 << cfg.thread_bits by the loader */
	__type(key, __u32);
	__type(value, struct thread_state);
} thread_hash SEC(".maps");

static __always_inline struct thread_state *thread_state_of(struct pt_regs *ctx, bool create)
{
	static const struct thread_state zero = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct thread_state *ts;

	(void)ctx;
	ts = bpf_map_lookup_elem(&thread_hash, &tid);
	if (ts || !create)
		return ts;
	bpf_map_update_elem(&thread_hash, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&thread_hash, &tid);
}

#endif /* FSP_COMPAT */

static __always_inline struct thread_state *state_of(struct pt_regs *ctx, bool create)
{
	static const struct thread_state zero = {};
	struct thread_state *ts;
	__u64 g;

	if (!cfg.key_prog.go_abi)
		return thread_state_of(ctx, create);
	g = ctx->r14;
	ts = bpf_map_lookup_elem(&goroutines, &g);
	if (ts || !create)
		return ts;
	bpf_map_update_elem(&goroutines, &g, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&goroutines, &g);
}

/* Count a frame's request if its tag is still t and nobody has counted it yet. */
static __always_inline void count_once(struct frame *f, __u64 t)
{
	__u32 sym_idx, missed;

	if (!(t & 1))
		return;
	/* Read before the swap: once it succeeds the thread may reuse the frame at once. */
	sym_idx = *(volatile __u32 *)&f->sym_idx;
	missed = *(volatile __u32 *)&f->missed;
#ifndef FSP_COMPAT
	if (__sync_val_compare_and_swap(&f->tag, t, t & ~1ULL) == t)
		count(sym_idx, missed);
#else
	/* No iterator here: only the frame's own thread or goroutine ever counts it. */
	if (f->tag == t) {
		f->tag = t & ~1ULL;
		count(sym_idx, missed);
	}
#endif
}

static __always_inline void count_frame(struct frame *f)
{
	count_once(f, *(volatile __u64 *)&f->tag);
}

/* Count every open lookup of ts and empty it: its thread has left the program. */
static __always_inline void count_all_frames(struct thread_state *ts)
{
	for (int i = 0; i < FSP_MAX_DEPTH; i++)
		count_frame(&ts->frames[i]);
	ts->depth = 0;
}

#ifndef FSP_COMPAT
/* The current thread leaves its program: it exits, or execs another (tid: its id before). */
static __always_inline void thread_done(__u32 tid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct thread_state *ts;
	struct entry_claim *c = NULL;
	__u64 owner = 0;

	(void)tid; /* task storage knows the thread */
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

#else
static __always_inline void thread_done(__u32 tid)
{
	struct thread_state *ts = bpf_map_lookup_elem(&thread_hash, &tid);

	if (!ts)
		return;
	count_all_frames(ts);
	bpf_map_delete_elem(&thread_hash, &tid);
}

#endif

#endif /* FSP_THREAD_BPF_H */
