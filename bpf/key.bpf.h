/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Evaluate a compiled key expression (struct fsp_key_prog) at a probe. */
#ifndef FSP_KEY_BPF_H
#define FSP_KEY_BPF_H

#include "fsprobe.h"

/* libbpf before 1.2 stops at the fifth argument. */
#ifndef PT_REGS_PARM6
#if defined(__TARGET_ARCH_x86)
#define PT_REGS_PARM6(x) ((x)->r9)
#elif defined(__TARGET_ARCH_arm64)
#define PT_REGS_PARM6(x) (((const struct user_pt_regs *)(x))->regs[5])
#endif
#endif

/* Key evaluation outcome. */
enum fsp_key_res {
	FSP_KEY_OK,
	FSP_KEY_OK_TRUNCATED,
	FSP_KEY_FAULT,
	FSP_KEY_EMPTY,
	FSP_KEY_NO_FIELD,
};

static __always_inline __u64 fsp_arg(struct pt_regs *ctx, __u32 n, bool go)
{
	__u64 p1 = PT_REGS_PARM1(ctx), p2 = PT_REGS_PARM2(ctx), p3 = PT_REGS_PARM3(ctx);
	__u64 p4 = PT_REGS_PARM4(ctx), p5 = PT_REGS_PARM5(ctx), p6 = PT_REGS_PARM6(ctx);
	__u64 regs[FSP_MAX_ARGS] = { p1, p2, p3, p4, p5, p6 };
#if defined(__TARGET_ARCH_x86)
	__u64 ax = ctx->ax, bx = ctx->bx;

	/*
	 * Every register is loaded before any choice: clang would otherwise pick a ctx offset
	 * and load once, a ctx access at a variable offset that the verifier refuses.
	 */
	asm volatile("" : : "r"(ax), "r"(bx), "r"(p1), "r"(p2), "r"(p4), "r"(p5) : "memory");
	if (go) {
		/* Go's ABIInternal: RAX, RBX, RCX, RDI, RSI, R8. */
		regs[0] = ax, regs[1] = bx, regs[2] = p4;
		regs[3] = p1, regs[4] = p2, regs[5] = p5;
	}
#endif
	asm volatile("" : : "r"(regs) : "memory");
	return regs[n < FSP_MAX_ARGS ? n : FSP_MAX_ARGS - 1];
}

static __always_inline int fsp_eval(struct pt_regs *ctx, const volatile struct fsp_expr *e,
				    bool go, __u64 *out)
{
	__u64 v = fsp_arg(ctx, e->arg, go);

	for (__u32 i = 0; i < FSP_MAX_OPS; i++) {
		if (i >= e->nops)
			break;
		if (e->op[i] == FSP_OP_ADD) {
			v += e->off[i];
		} else if (bpf_probe_read_user(&v, sizeof(v), (void *)(v + e->off[i]))) {
			return -1;
		}
	}
	*out = v;
	return 0;
}

/* Copy field number idx of NUL-terminated src (split on delim) into key. */
static __always_inline int fsp_field(const char *src, struct fsp_key *key, __u8 delim, __u32 idx)
{
	__u32 nf = 0, o = 0;
	int res = FSP_KEY_OK;

	for (int i = 0; i < FSP_RAW_MAX; i++) {
		char c = src[i];

		if (c == 0)
			break;
		if (c == delim) {
			if (++nf > idx)
				break;
			continue;
		}
		if (nf != idx)
			continue;
		if (o >= FSP_KEY_MAX - 1) {
			res = FSP_KEY_OK_TRUNCATED;
			break;
		}
		key->data[o++] = c;
	}
	if (o == 0)
		return nf < idx ? FSP_KEY_NO_FIELD : FSP_KEY_EMPTY;
	return res;
}

static __always_inline int fsp_read_string(struct pt_regs *ctx,
					   const volatile struct fsp_key_prog *kp, __u64 addr,
					   char *buf, __u32 size)
{
	__u64 len;
	long n;

	if (kp->type == FSP_KEY_CSTR) {
		n = bpf_probe_read_user_str(buf, size, (void *)addr);
		if (n < 0)
			return FSP_KEY_FAULT;
		if (n <= 1)
			return FSP_KEY_EMPTY;
		/* n == size means the string filled the buffer: it may go on. */
		return n == size ? FSP_KEY_OK_TRUNCATED : FSP_KEY_OK;
	}

	if (kp->len_const)
		len = kp->len_const;
	else if (fsp_eval(ctx, &kp->len, kp->go_abi, &len))
		return FSP_KEY_FAULT;
	if (len == 0)
		return FSP_KEY_EMPTY;
	if (len > size - 1) {
		if (bpf_probe_read_user(buf, size - 1, (void *)addr))
			return FSP_KEY_FAULT;
		return FSP_KEY_OK_TRUNCATED;
	}
	/* size is a power of two; the mask only convinces the verifier. */
	if (bpf_probe_read_user(buf, len & (size - 1), (void *)addr))
		return FSP_KEY_FAULT;
	return buf[0] ? FSP_KEY_OK : FSP_KEY_EMPTY;
}

/* field(): the raw key goes to a scratch buffer first, split into the key after. */
static __always_inline int fsp_read_field(struct pt_regs *ctx,
					  const volatile struct fsp_key_prog *kp, __u64 addr,
					  struct fsp_key *key)
{
	char raw[FSP_RAW_MAX] = {}; /* zeroed: a bytes() read leaves no terminator */
	int res;

	res = fsp_read_string(ctx, kp, addr, raw, FSP_RAW_MAX);
	if (res != FSP_KEY_OK && res != FSP_KEY_OK_TRUNCATED)
		return res;
	return fsp_field(raw, key, kp->field_delim, kp->field_idx);
}

/* Fill key (already zeroed, so equal keys hash equal) from the probe's arguments. */
static __always_inline int fsp_read_key(struct pt_regs *ctx,
					const volatile struct fsp_key_prog *kp, struct fsp_key *key)
{
	__u64 v;

	if (fsp_eval(ctx, &kp->addr, kp->go_abi, &v))
		return FSP_KEY_FAULT;

	switch (kp->type) {
	case FSP_KEY_U64:
	case FSP_KEY_I64:
		break;
	case FSP_KEY_U32:
		v = (__u32)v;
		break;
	case FSP_KEY_I32:
		v = (__u64)(__s64)(__s32)v;
		break;
	default:
		if (kp->field_on)
			return fsp_read_field(ctx, kp, v, key);
		return fsp_read_string(ctx, kp, v, key->data, FSP_KEY_MAX);
	}
	__builtin_memcpy(key->data, &v, sizeof(v));
	return FSP_KEY_OK;
}

#endif /* FSP_KEY_BPF_H */
