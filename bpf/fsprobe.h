/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by the BPF programs and the userspace loader. */
#ifndef FSPROBE_H
#define FSPROBE_H

/* Longest key kept, NUL included; longer keys are truncated (and counted). */
#define FSP_KEY_MAX   64
/* Raw bytes read before field() splits them, so long raw keys still split right. */
#define FSP_RAW_MAX   128
/* Steps in an address expression such as arg0->16->0+8. */
#define FSP_MAX_OPS   4
/* Nested lookups (recursion) tracked per thread. */
#define FSP_MAX_DEPTH 8
/* No sym_idx (symbol index): an empty hint, a frame pushed before its key was read. */
#define FSP_NO_SYM_IDX 0xffffffffu
/*
 * Past the symbols, counts and latencies hold two reserved indexes: max_symbols counts new
 * symbols past --max-symbols (symbol="__overflow__"), max_symbols + 1 lookups whose key could
 * not be read (symbol="__unreadable__"). An empty key is a symbol like any other: "".
 */
#define FSP_SYM_IDX_RESERVED 2
/* Integer arguments reachable by argN under the System V x86-64 ABI. */
#define FSP_MAX_ARGS  6

enum fsp_key_type {
	FSP_KEY_CSTR = 1, /* NUL-terminated string at an address */
	FSP_KEY_BYTES,    /* LEN bytes at an address, LEN an expression or a constant */
	FSP_KEY_U64,      /* the expression's value, as an integer */
	FSP_KEY_U32,
	FSP_KEY_I64,
	FSP_KEY_I32,
};

enum fsp_op {
	FSP_OP_DEREF = 1, /* v = *(u64 *)(v + off) */
	FSP_OP_ADD,       /* v = v + off */
};

struct fsp_expr {
	__u32 arg; /* argument register index */
	__u32 nops;
	__u32 op[FSP_MAX_OPS];
	__s64 off[FSP_MAX_OPS];
};

/* A compiled --key: what the entry probe evaluates to produce a map key. */
struct fsp_key_prog {
	__u32 type;      /* enum fsp_key_type */
	__u32 len_const; /* FSP_KEY_BYTES: constant length, 0 when len is an expression */
	struct fsp_expr addr;
	struct fsp_expr len;
	__u32 field_on;  /* apply field(): split on delim, keep field number field_idx */
	__u32 field_idx;
	__u8 field_delim;
	__u8 go_abi;     /* argN are Go's ABIInternal registers: RAX, RBX, RCX, RDI, RSI, R8 */
	__u8 pad[6];
};

/* How a request is classified as a hit or a miss. */
enum fsp_mode {
	FSP_MODE_MISS_FN = 1, /* --lookup F --miss G: a miss if G runs inside F */
	FSP_MODE_RET,         /* --lookup F --hit-when PRED: PRED on F's return value */
	FSP_MODE_HIT_MISS,    /* --hit F --miss G: every call of F is a hit, of G a miss */
};

/* --hit-when: (ret as width/sign) OP value */
enum fsp_cmp { FSP_CMP_EQ = 1, FSP_CMP_NE, FSP_CMP_LT, FSP_CMP_LE, FSP_CMP_GT, FSP_CMP_GE };

struct fsp_pred {
	__u32 bits;   /* 8, 32 or 64: the part of the return register that is defined */
	__u32 is_signed;
	__u32 cmp;    /* enum fsp_cmp */
	__u32 reg;    /* retN: the Nth result register (System V: RAX, RDX; Go: as argN) */
	__s64 value;
};

/*
 * Everything the loader sets between open and load, in .rodata: the verifier reads each field as
 * a known constant and prunes the code a setting turns off.
 */
struct fsp_config {
	struct fsp_key_prog key_prog;
	struct fsp_pred pred;
	__u32 mode;	   /* enum fsp_mode */
	__u32 max_symbols; /* symbols with their own counters; more share the overflow series */
	__u32 latency;	   /* time lookups and miss penalties */
	/* Count at the next entry or at a scrape instead of at return: no return probe. */
	__u32 lazy;
	__u32 target_tgid; /* with --pid: only this process's threads are settled by the iterator */
	/* Bytes the lookup's entry probe sits past the function's first byte (probe placement). */
	__u32 lookup_skip;
	__u32 hint_bits;   /* sym_hints has 1 << hint_bits buckets */
	__u32 thread_bits; /* thread_table has 1 << thread_bits entries */
	/* 0: every thread keeps its state in task storage (--thread-slots 0, Go, --hit/--miss). */
	__u32 thread_table_on;
	__u32 pad;
};

struct fsp_key {
	char data[FSP_KEY_MAX];
};

/* Per-symbol counters, one copy per CPU, summed in userspace. */
struct fsp_counts {
	__u64 hits;
	__u64 misses;
};

/*
 * Latency histogram with log2 buckets: bucket i counts durations of at most 2^(i + 10) ns
 * (1.024 us, 2.048 us, ..., 2^34 ns = 17.2 s); the last bucket counts the rest (+Inf).
 */
#define FSP_HIST_BUCKETS   26
#define FSP_HIST_MIN_SHIFT 10

struct fsp_hist {
	__u64 buckets[FSP_HIST_BUCKETS]; /* not cumulative */
	__u64 sum_ns;
};

struct fsp_latency {
	struct fsp_hist lookup; /* whole lookup call */
	struct fsp_hist miss;   /* time inside the miss function: the miss penalty */
};

/* Self-observation counters, indexes into the per-CPU stats array. */
enum fsp_stat {
	FSP_STAT_READ_FAULT,     /* key memory unreadable: request not counted */
	FSP_STAT_READ_EMPTY,     /* key was empty: request not counted */
	FSP_STAT_FIELD_MISSING,  /* field() asked for a field the key lacks: not counted */
	FSP_STAT_TRUNCATED,      /* key longer than FSP_KEY_MAX-1: counted under its prefix */
	FSP_STAT_DEPTH,          /* nesting deeper than FSP_MAX_DEPTH: not counted */
	FSP_STAT_MISS_OUTSIDE,   /* miss function ran outside any lookup */
	FSP_STAT_UNWOUND,        /* lookup left without returning (longjmp, exception) */
	FSP_STAT__MAX,
};

#endif /* FSPROBE_H */
