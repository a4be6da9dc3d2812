/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Symbol indexes (sym_idx: a symbol's entry in counts and latencies) and the hints that find
 * them on the hot path without a map call.
 *
 * - The symbols hash (key -> sym_idx) is the one authority. Its entries are never deleted and an
 *   index is handed out once (next_sym_idx), so a symbol's series never moves. Of two CPUs
 *   inserting one new key, the loser takes the winner's index and hands its own back if nobody
 *   took a later one.
 * - A hint (a short key with its sym_idx) is written under its sequence count, odd while one
 *   writer, who won a compare-and-swap, writes it; it is read only when the count is even and
 *   unchanged around the read, and used only when its key matches word for word. So a hint is
 *   never seen torn, and a stale or missing one just sends the key to the symbols hash.
 * - key_sym_idx, the hot path, keeps its stack under 64 bytes: past that the kernel runs it on a
 *   per-CPU private stack, where every user-memory read costs about 20 ns more
 *   (tests/integration/test_hotpath.sh). Whole keys live in the subprograms below it.
 *
 * Included by fsprobe.bpf.c after thread.bpf.h: a thread remembers whether its keys are long.
 */
#ifndef FSP_SYM_BPF_H
#define FSP_SYM_BPF_H

/* key -> sym_idx: the one authority. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized to cfg.max_symbols by the loader */
	__type(key, struct fsp_key);
	__type(value, __u32);
} symbols SEC(".maps");

#define FAST_WORDS (FSP_FAST_MAX / 8)

struct hint {
	__u32 seq;
	__u32 sym_idx1;	       /* sym_idx + 1; 0: empty */
	__u64 key[FAST_WORDS]; /* all of the key: a hinted key fits the fast path */
};

struct hint_bucket {
	struct hint way[2];
};

/*
 * hash(key) -> the sym indexes of two short keys that hash there, each with the key itself, so
 * that the hot path finds a key's sym_idx with an inlined array lookup and no other memory (a
 * hash lookup is a call).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2); /* resized to 1 << cfg.hint_bits by the loader */
	__type(key, __u32);
	__type(value, struct hint_bucket);
} sym_hints SEC(".maps");

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

#ifndef FSP_COMPAT
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

#else
/*
 * The compat programs have no atomic fetch-and-add (before 5.12) to hand out indexes: a CPU owns
 * an index once its BPF_NOEXIST insert of it into sym_claims succeeds, trying upward from
 * next_sym_idx. next_sym_idx is raised with a plain store and may lag behind; the claimed
 * indexes stay dense from 0 all the same, and the loader reads past the lag in sym_claims.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized to cfg.max_symbols by the loader */
	__type(key, __u32);
	__type(value, __u8);
} sym_claims SEC(".maps");

/* More than CPUs can claim while one of them is between its claim and its store. */
#define SYM_CLAIM_TRIES 128

static __always_inline __u32 sym_insert(const struct fsp_key *key)
{
	__u32 *found, sym_idx = next_sym_idx;
	__u8 one = 1;
	int claimed = 0;

	found = bpf_map_lookup_elem(&symbols, key);
	if (found)
		return *found;
	for (int i = 0; i < SYM_CLAIM_TRIES && !claimed; i++) {
		if (sym_idx >= cfg.max_symbols)
			return cfg.max_symbols;
		if (!bpf_map_update_elem(&sym_claims, &sym_idx, &one, BPF_NOEXIST))
			claimed = 1;
		else
			sym_idx++;
	}
	/* Only with more than SYM_CLAIM_TRIES claims in flight: counted, under the overflow. */
	if (!claimed)
		return cfg.max_symbols;
	if (next_sym_idx <= sym_idx)
		next_sym_idx = sym_idx + 1;
	if (!bpf_map_update_elem(&symbols, key, &sym_idx, BPF_NOEXIST))
		return sym_idx;
	/* Another CPU inserted the same key first: ours stays claimed, unnamed and zero. */
	found = bpf_map_lookup_elem(&symbols, key);
	return found ? *found : cfg.max_symbols;
}

#endif

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

enum key_read { KEY_READ, KEY_EMPTY, KEY_UNREADABLE };

/*
 * How a key read ended, its reason counted in stats. Every lookup is counted all the same, as
 * the SLO totals need: an empty key (or a field() the key lacks) as the symbol "", a key that
 * cannot be read under the reserved index cfg.max_symbols + 1.
 */
static __always_inline enum key_read key_read_result(int res)
{
	switch (res) {
	case FSP_KEY_OK:
	case FSP_KEY_OK_CUT:
		return KEY_READ;
	case FSP_KEY_FAULT:
		stat_inc(FSP_STAT_READ_FAULT);
		return KEY_UNREADABLE;
	case FSP_KEY_NO_FIELD:
		stat_inc(FSP_STAT_FIELD_MISSING);
		return KEY_EMPTY;
	default:
		stat_inc(FSP_STAT_READ_EMPTY);
		return KEY_EMPTY;
	}
}

/* The empty symbol's sym_idx: the all-zero key, which never takes a hint (an empty one is zero). */
static __noinline __u32 sym_idx_empty(void)
{
	struct fsp_key key __attribute__((aligned(8))) = {};

	return sym_insert(&key);
}

/* The sym_idx for a key that was not read, or FSP_NO_SYM_IDX for one that was. */
static __always_inline __u32 sym_idx_unread(int res)
{
	enum key_read r = key_read_result(res);

	return r == KEY_READ	? FSP_NO_SYM_IDX
	       : r == KEY_EMPTY ? sym_idx_empty()
				: cfg.max_symbols + 1;
}

/*
 * The subprograms below the hot path keep whole keys on their stacks, which puts them on the
 * kernel's per-CPU private stack: a user-memory read costs more there, the hot path's does not.
 */

#ifndef FSP_COMPAT
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
#endif

/*
 * A key too long for the hot path, or field(): the symbol hash only. ts: the thread's state (or
 * NULL), told whether this key was long, so that a thread whose keys are long skips the short
 * read next time.
 */
static __noinline __u32 key_sym_idx_slow(struct pt_regs *ctx, struct thread_state *ts)
{
	struct fsp_key key __attribute__((aligned(8))) = {};
	/* field()'s whole key; zeroed: bytes() adds no NUL */
	char raw[FSP_RAW_MAX] __attribute__((aligned(8))) = {};
	__u64 *w = (__u64 *)key.data;
	__u32 unread;
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
	unread = sym_idx_unread(res);
	if (unread != FSP_NO_SYM_IDX)
		return unread;
	if (res == FSP_KEY_OK_CUT)
		stat_inc(FSP_STAT_TRUNCATED);
	/* Long: past the fast path's FSP_FAST_MAX - 1 bytes (a C string also needs its NUL). */
	if (ts)
		ts->long_key =
			key.data[FSP_FAST_MAX - 1 - (cfg.key_prog.type == FSP_KEY_CSTR)] != 0;
	return sym_insert(&key);
}

/*
 * The key's sym_idx; one that cannot be read counts as sym_idx_unread says. The hot path reads
 * the key onto the stack and finds its sym_idx through a hint: no map call. A subprogram of its
 * own, under 64 bytes of stack: past that the kernel moves a program's stack to per-CPU memory,
 * where user-copy hardening makes each read of user memory cost about 20 ns more.
 */
#ifdef FSP_COMPAT
/* The compat programs have no hints (they take compare-and-swap): every key asks the hash. */
static __noinline __u32 key_sym_idx(struct pt_regs *ctx, struct thread_state *ts)
{
	return key_sym_idx_slow(ctx, ts);
}
#else
static __noinline __u32 key_sym_idx(struct pt_regs *ctx, struct thread_state *ts)
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
	if (res != FSP_KEY_OK && res != FSP_KEY_OK_CUT)
		return sym_idx_unread(res);
	idx = key_hash(w);
	b = bpf_map_lookup_elem(&sym_hints, &idx);
	sym_idx = sym_hinted(b, w);
	return sym_idx != FSP_NO_SYM_IDX ? sym_idx : sym_learn_fast(w, b);
}
#endif

#endif /* FSP_SYM_BPF_H */
