// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Count a cache's lookups per key as hits or misses.
 *
 * lookup_entry reads the key and pushes a frame on a per-thread stack, miss_entry marks the
 * innermost open lookup as a miss (or lookup_return tests the return value), lookup_return pops
 * the frame and counts it. Counting at return keeps every exported counter monotonic: a request
 * is counted once, already classified. With --hit/--miss, hit_call and miss_call count directly.
 *
 * This file holds the settings, the maps every part uses and the programs. The parts are headers,
 * each opening with its rules: thread.bpf.h (where a thread's frames live, counting a frame
 * once), sym.bpf.h (a key's symbol index and the hints that find it), settle.bpf.h (counting
 * frames whose lookups returned unseen), latency.bpf.h, and key.bpf.h (reading a key).
 */
/*
 * x86-64 only, checked here once for every part. Facts of x86-64 the programs rely on:
 * still_inside (settle.bpf.h) decodes the 5-byte call rel32 (0xe8) before a return address;
 * lookup_return finds the entry's stack pointer 8 bytes (the return address) below its own;
 * Go's g is R14 (state_of) and results are RAX, RDX (ret_reg); and lookup_entry publishes a frame
 * with a plain store because x86-64 makes stores visible in program order (elsewhere: a locked
 * exchange).
 */
#if !defined(__TARGET_ARCH_x86)
#error "fsprobe's BPF programs are x86-64 only: still_inside decodes call rel32 (0xe8), " \
	"lookup_return assumes an 8-byte return address, Go's g is R14, and a frame is " \
	"published by x86-64's store order"
#endif

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

/*
 * sym_idx -> counts; then the reserved overflow and unreadable indexes (fsprobe.h). Resized to
 * cfg.max_symbols + FSP_SYM_IDX_RESERVED by the loader.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, struct fsp_counts);
} counts SEC(".maps");

/* enum fsp_stat -> count: fsprobe's own counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FSP_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

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

/* The parts, in this order: each uses only what is above it. */
#include "thread.bpf.h"
#include "sym.bpf.h"
#include "settle.bpf.h"
#include "latency.bpf.h"

/* retN: System V returns in RAX, RDX; Go in the argument registers. */
static __always_inline __u64 ret_reg(struct pt_regs *ctx, __u32 n)
{
	if (cfg.key_prog.go_abi)
		return fsp_arg(ctx, n, true);
	return n ? FSP_REG(ctx, dx) : FSP_REG(ctx, ax);
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

SEC("uprobe")
int BPF_KPROBE(lookup_entry)
{
	struct thread_state *ts;
	__u64 sp = PT_REGS_SP(ctx);
	struct frame *f;
	__u32 sym_idx, d;

	ts = state_of(ctx, true);
	if (!ts) {
		stat_inc(FSP_STAT_DEPTH);
		return 0;
	}
	/* A key that cannot be read still gets a frame, counted under its reserved index. */
	sym_idx = key_sym_idx(ctx, ts);
	/* Go stacks move when they grow: no stack-pointer reasoning for goroutines. */
	if (!cfg.key_prog.go_abi)
		drop_unwound(ts, sp);
	d = depth_of(ts);
	if (d >= FSP_MAX_DEPTH) {
		stat_inc(FSP_STAT_DEPTH);
		return 0;
	}
	f = &ts->frames[d];
	f->sp = sp;
	f->sym_idx = sym_idx;
	f->missed = 0;
	f->miss_at = 0;
	f->start = cfg.latency ? bpf_ktime_get_ns() : 0;
	f->ip = PT_REGS_IP(ctx);
	/*
	 * Published last: a count only ever sees a complete frame. A plain store after a compiler
	 * barrier is enough on x86-64, whose stores become visible in program order; a locked
	 * exchange here cost about 8 ns a lookup.
	 */
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&f->tag = ((__u64)++ts->seq << 1) | 1;
	ts->depth = d + 1;
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(miss_entry)
{
	struct thread_state *ts;
	__u32 top;

	ts = state_of(ctx, false);
	/*
	 * With return probes a returned lookup is already gone, so a frame at this very sp is the
	 * lookup that tail-called (jmp) the miss function: keep it. Lazily counted frames linger
	 * after their return, so there the same sp means a sibling call, and the frame goes.
	 */
	if (ts && !cfg.key_prog.go_abi)
		drop_unwound(ts, cfg.lazy ? PT_REGS_SP(ctx) : PT_REGS_SP(ctx) - 1);
	top = ts ? top_of(ts) : FSP_MAX_DEPTH;
	if (top >= FSP_MAX_DEPTH) {
		stat_inc(FSP_STAT_MISS_OUTSIDE);
		return 0;
	}
	ts->frames[top].missed = 1;
	if (cfg.latency)
		ts->frames[top].miss_at = bpf_ktime_get_ns();
	return 0;
}

/* With latency only: time spent in the miss function is the miss penalty. */
SEC("uretprobe")
int BPF_KRETPROBE(miss_return)
{
	struct thread_state *ts;
	struct frame *f;
	__u32 top;

	ts = state_of(ctx, false);
	top = ts ? top_of(ts) : FSP_MAX_DEPTH;
	if (top >= FSP_MAX_DEPTH)
		return 0;
	f = &ts->frames[top];
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
	__u32 top;

	ts = state_of(ctx, false);
	if (!ts)
		return;
	if (sp)
		drop_unwound(ts, sp - 1);
	top = top_of(ts);
	if (top >= FSP_MAX_DEPTH)
		return;
	f = &ts->frames[top];
	/* No frame of ours: the call was past FSP_MAX_DEPTH or began before attach. */
	if (sp && f->sp != sp)
		return;
	if (cfg.mode == FSP_MODE_RET)
		f->missed = !pred_holds(ret_reg(ctx, cfg.pred.reg));
	count_frame(f);
	if (cfg.latency)
		hist_add(f->sym_idx, false, bpf_ktime_get_ns() - f->start);
	ts->depth = top;
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

#ifndef FSP_COMPAT
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
#endif

SEC("tp_btf/sched_process_exit")
int BPF_PROG(thread_exit, struct task_struct *task)
{
	(void)ctx;
	thread_done(BPF_CORE_READ(task, pid));
	return 0;
}

/* exec from any thread: the program the frames belong to is gone. The thread may have taken its
 * process's id by now; old_pid is the id its frames were kept under. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(thread_exec, struct task_struct *task, pid_t old_pid)
{
	(void)ctx, (void)task;
	thread_done(old_pid);
	return 0;
}

/* --hit F --miss G: each call is already classified; no per-thread state, no return probe. */
SEC("uprobe")
int BPF_KPROBE(hit_call)
{
	count(key_sym_idx(ctx, NULL), 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(miss_call)
{
	count(key_sym_idx(ctx, NULL), 1);
	return 0;
}
