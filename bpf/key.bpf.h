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

/* Bytes of a key read onto the BPF stack; longer keys take a slower path. */
#define FSP_FAST_MAX 40

/* Key evaluation outcome. */
enum fsp_key_res {
	FSP_KEY_OK,
	FSP_KEY_OK_CUT, /* longer than a whole key: cut to FSP_KEY_MAX - 1 bytes, counted so */
	FSP_KEY_FAULT,
	FSP_KEY_EMPTY,
	FSP_KEY_NO_FIELD,
	FSP_KEY_LONG, /* longer than a short buffer: the caller reads it again, whole */
};

#if defined(__TARGET_ARCH_x86)
/*
 * One register of ctx at a constant offset, opaque to clang: a plain switch over ctx fields
 * becomes one ctx load at a variable offset, which the verifier refuses.
 */
#define FSP_REG(ctx, reg)                                                                          \
	({                                                                                         \
		__u64 __v;                                                                         \
		asm volatile("%0 = *(u64 *)(%1 + %2)"                                              \
			     : "=r"(__v)                                                           \
			     : "r"(ctx), "i"(__builtin_offsetof(struct pt_regs, reg)));            \
		__v;                                                                               \
	})

/* Argument n: System V's RDI, RSI, RDX, RCX, R8, R9 or Go's RAX, RBX, RCX, RDI, RSI, R8. */
static __always_inline __u64 fsp_arg(struct pt_regs *ctx, __u32 n, bool go)
{
	switch (go ? n + FSP_MAX_ARGS : n) {
	case 0:
		return FSP_REG(ctx, di);
	case 1:
		return FSP_REG(ctx, si);
	case 2:
		return FSP_REG(ctx, dx);
	case 3:
		return FSP_REG(ctx, cx);
	case 4:
		return FSP_REG(ctx, r8);
	case 5:
		return FSP_REG(ctx, r9);
	case FSP_MAX_ARGS + 0:
		return FSP_REG(ctx, ax);
	case FSP_MAX_ARGS + 1:
		return FSP_REG(ctx, bx);
	case FSP_MAX_ARGS + 2:
		return FSP_REG(ctx, cx);
	case FSP_MAX_ARGS + 3:
		return FSP_REG(ctx, di);
	case FSP_MAX_ARGS + 4:
		return FSP_REG(ctx, si);
	default:
		return FSP_REG(ctx, r8);
	}
}
#else
static __always_inline __u64 fsp_arg(struct pt_regs *ctx, __u32 n, bool go)
{
	__u64 regs[FSP_MAX_ARGS] = { PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx),
				     PT_REGS_PARM4(ctx), PT_REGS_PARM5(ctx), PT_REGS_PARM6(ctx) };

	(void)go; /* Go's register ABI is only known here for x86-64 */
	asm volatile("" : : "r"(regs) : "memory");
	return regs[n < FSP_MAX_ARGS ? n : FSP_MAX_ARGS - 1];
}
#endif

static __always_inline int fsp_eval(struct pt_regs *ctx, const volatile struct fsp_expr *e, bool go,
				    __u64 *out)
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
			res = FSP_KEY_OK_CUT;
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
		/*
		 * n == size: the string filled the buffer, NUL included; it may go on. Two returns,
		 * not one expression, so that each caller's size leaves it one plain select.
		 */
		if (size < FSP_KEY_MAX)
			return n < size ? FSP_KEY_OK : FSP_KEY_LONG;
		return n < size ? FSP_KEY_OK : FSP_KEY_OK_CUT;
	}

	if (kp->len_const)
		len = kp->len_const;
	else if (fsp_eval(ctx, &kp->len, kp->go_abi, &len))
		return FSP_KEY_FAULT;
	if (len == 0)
		return FSP_KEY_EMPTY;
	/* Too long for a short buffer: the caller reads it whole, so do not read it twice. */
	if (len > size - 1 && size < FSP_KEY_MAX)
		return FSP_KEY_LONG;
	if (len > size - 1) {
		if (bpf_probe_read_user(buf, size - 1, (void *)addr))
			return FSP_KEY_FAULT;
		return buf[0] ? FSP_KEY_OK_CUT : FSP_KEY_EMPTY;
	}
	/* len <= size - 1 here; the bound is restated for the verifier. */
	if (bpf_probe_read_user(buf, len < size ? len : size - 1, (void *)addr))
		return FSP_KEY_FAULT;
	return buf[0] ? FSP_KEY_OK : FSP_KEY_EMPTY;
}

/* field(): the raw key goes to raw (FSP_RAW_MAX bytes, zeroed) first, split into key after. */
static __always_inline int fsp_read_field(struct pt_regs *ctx,
					  const volatile struct fsp_key_prog *kp, __u64 addr,
					  char *raw, struct fsp_key *key)
{
	int res;

	res = fsp_read_string(ctx, kp, addr, raw, FSP_RAW_MAX);
	if (res != FSP_KEY_OK && res != FSP_KEY_OK_CUT)
		return res;
	return fsp_field(raw, key, kp->field_delim, kp->field_idx);
}

/*
 * Fill buf (size bytes, already zeroed, so equal keys hash equal) from the probe's arguments.
 * A key that does not fit is FSP_KEY_LONG in a short buffer (size < FSP_KEY_MAX: the fast path,
 * which then reads it again whole) and FSP_KEY_OK_CUT in a whole one. raw is field()'s scratch
 * (FSP_RAW_MAX bytes, zeroed, and buf a whole struct fsp_key then); NULL when the caller does not
 * apply field().
 */
static __always_inline int fsp_read_key(struct pt_regs *ctx, const volatile struct fsp_key_prog *kp,
					char *buf, __u32 size, char *raw)
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
		if (raw && kp->field_on)
			return fsp_read_field(ctx, kp, v, raw, (struct fsp_key *)buf);
		return fsp_read_string(ctx, kp, v, buf, size);
	}
	__builtin_memcpy(buf, &v, sizeof(v));
	return FSP_KEY_OK;
}

#endif /* FSP_KEY_BPF_H */
