/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Settling: counting (count_once) the frames whose lookups have returned when no return probe
 * did, because lazy counting has none or because the lookup was left by unwinding.
 *
 * - A frame whose entry sp is at or below the current sp belongs to a function that has left:
 *   the thread's next lookup, miss and return drop it (drop_unwound). With lazy counting that is
 *   how a lookup normally ends; otherwise it was left without returning.
 * - The iterator (settle, before every scrape) reads a thread's saved user registers. They come
 *   from its latest kernel entry, never older than the entry probe of its newest lookup (itself
 *   a kernel entry), so a saved sp above a frame's sp proves that lookup has returned.
 * - A saved sp below it may be a lookup still running (blocked in a system call) or one that
 *   returned before the thread went deeper. still_inside tells them apart by the lookup's return
 *   slot, which holds an address right after a direct call of the lookup only while it runs:
 *   exact because the loader counts lazily only when every call of the lookup is direct
 *   (user/reach.c).
 * - The registers, and an entry's owner, are read after the frame: a kernel entry or a change
 *   of hands since the frame was pushed shows there, and the tag refuses a frame reused since.
 *
 * Included by fsprobe.bpf.c after thread.bpf.h.
 */
#ifndef FSP_SETTLE_BPF_H
#define FSP_SETTLE_BPF_H

/* Count and drop frames whose function has already left (stack at or above their sp). */
static __always_inline void drop_unwound(struct thread_state *ts, __u64 sp)
{
	for (int i = 0; i < FSP_MAX_DEPTH; i++) {
		__u32 top = top_of(ts);
		struct frame *f;

		if (top >= FSP_MAX_DEPTH)
			return;
		f = &ts->frames[top];
		if (f->sp > sp)
			return;
		/* Lazily counted frames end here normally; others were left without a return. */
		if (!cfg.lazy && (f->tag & 1))
			stat_inc(FSP_STAT_UNWOUND);
		count_frame(f);
		ts->depth = top;
	}
}

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

#endif /* FSP_SETTLE_BPF_H */
