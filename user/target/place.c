// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where a function's entry uprobe goes. The kernel single-steps most probed instructions
 * (~9.4 us a hit), emulates a few (~0.78 us) and, from 6.18, turns a 5-byte nop into a call
 * to a trampoline (~0.5 us). Code built with -fcf-protection starts each function with
 * endbr64, which is single-stepped and changes nothing, so the probe moves onto the next
 * instruction when that one is cheaper. Nothing else is ever skipped: a push moves sp, which
 * the BPF side matches with the return, and most other instructions change registers.
 *
 * The emulated set is the kernel's arch/x86/kernel/uprobes.c (read at 6.18):
 * branch_setup_xol_ops() takes nop 90, call e8, jmp e9/eb, jcc 70-7f and 0f 80-8f, none with
 * a 66 prefix; push_setup_xol_ops() takes push 50-57 and 41 50-57 (push %r8..%r15). 6.16
 * emulates every x86_nops[] encoding, and 6.18's can_optimize() patches a 5-byte nop that
 * does not cross a page into the trampoline call. Only these exact byte sequences are
 * recognized, by the table below; every other instruction is unknown and keeps the probe on
 * the first byte. Capstone only walks the whole function, to find jumps to the new place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "decode.h"
#include "elf_file.h"
#include "kver.h"
#include "place.h"

#define HEAD_BYTES 16        /* decoded at the entry; all that is read when the size is unknown */
#define SCAN_MAX   (1 << 20) /* a larger function is not scanned, so its probe stays put */
#define X86_PAGE   4096

enum cost { STEPPED, EMULATED, OPTIMIZED };

static const char *const cost_name[] = { "single-stepped", "emulated", "optimized" };

struct insn {
	const char *name;
	unsigned int len;
	enum cost cost;
};

/*
 * The leading bytes compared under mask; len is the whole instruction's. endbr64 and the
 * 5-byte nop come first: decode() costs them by their index.
 */
static const struct pattern {
	__u8 match, len, bytes[5], mask[5];
	const char *name;
} patterns[] = {
	{ 4, 4, { 0xf3, 0x0f, 0x1e, 0xfa }, { 0xff, 0xff, 0xff, 0xff }, "endbr64" },
	{ 5, 5, { 0x0f, 0x1f, 0x44, 0x00, 0x00 }, { 0xff, 0xff, 0xff, 0xff, 0xff }, "5-byte nop" },
	{ 1, 1, { 0x90 }, { 0xff }, "nop" },
	{ 1, 1, { 0x50 }, { 0xf8 }, "push" },
	{ 2, 2, { 0x41, 0x50 }, { 0xff, 0xf8 }, "push" },
	{ 1, 5, { 0xe8 }, { 0xff }, "call" },
	{ 1, 5, { 0xe9 }, { 0xff }, "jmp" },
	{ 1, 2, { 0xeb }, { 0xff }, "jmp" },
	{ 1, 2, { 0x70 }, { 0xf0 }, "jcc" },
	{ 2, 6, { 0x0f, 0x80 }, { 0xff, 0xf0 }, "jcc" },
};

/* off is a file offset: mapped code keeps its offset within the page. */
static enum cost nop5_cost(__u64 off)
{
	char release[65];

	fsp_kver_release(release, sizeof(release));
	if (fsp_kver_at_least(release, 6, 18) && X86_PAGE - (off & (X86_PAGE - 1)) >= 5)
		return OPTIMIZED;
	return fsp_kver_at_least(release, 6, 16) ? EMULATED : STEPPED;
}

const char *fsp_place_nop5(void)
{
	return cost_name[nop5_cost(0)];
}

/* The instruction at b (n bytes available, file offset off), or -ENOENT when not known. */
static int decode(const __u8 *b, size_t n, __u64 off, struct insn *in)
{
	size_t i, k;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		const struct pattern *p = &patterns[i];

		if (n < p->len)
			continue;
		for (k = 0; k < p->match && (b[k] & p->mask[k]) == p->bytes[k]; k++)
			;
		if (k < p->match)
			continue;
		in->name = p->name;
		in->len = p->len;
		in->cost = i == 0 ? STEPPED : i == 1 ? nop5_cost(off) : EMULATED;
		return 0;
	}
	return -ENOENT;
}

/*
 * Walks the instructions in b, calling fn for each; stops when fn returns non-zero and returns
 * that, or -EBADMSG when something does not decode.
 */
static int walk(const __u8 *b, size_t n, int (*fn)(csh cs, const cs_insn *insn, void *ctx),
		void *ctx)
{
	struct fsp_decoder d;
	uint64_t addr = 0;
	int ret = fsp_decode_open(&d);

	while (!ret && n)
		ret = cs_disasm_iter(d.cs, &b, &n, &addr, d.insn) ? fn(d.cs, d.insn, ctx) : -EBADMSG;
	fsp_decode_close(&d);
	return ret;
}

struct branch {
	__u64 target;
};

static int branch_insn(csh cs, const cs_insn *insn, void *ctx)
{
	const cs_x86 *x = &insn->detail->x86;
	const struct branch *br = ctx;

	return cs_insn_group(cs, insn, CS_GRP_BRANCH_RELATIVE) && x->op_count == 1 &&
	       x->operands[0].type == X86_OP_IMM && (__u64)x->operands[0].imm == br->target;
}

/*
 * Whether a direct jmp, jcc, loop or call in the function's n bytes lands on target (relative
 * to the entry): a loop head there would fire the probe on every iteration, and a uretprobe
 * there would take whatever is at [sp] for the return address. Returns 1 or 0, or a negative
 * errno when part of the function does not decode, so nothing is proven. gcc and clang put no
 * data inside x86-64 functions, so one sweep sees every instruction.
 */
static int branched_to(const __u8 *b, size_t n, __u64 target)
{
	struct branch br = { .target = target };

	return walk(b, n, branch_insn, &br);
}

static void choose(const __u8 *b, size_t n, __u64 off, bool whole, struct fsp_place *out)
{
	size_t head = n < HEAD_BYTES ? n : HEAD_BYTES;
	struct insn first, next;
	int err;

	if (decode(b, head, off, &first)) {
		snprintf(out->reason, sizeof(out->reason), "first byte (no endbr64 to skip)");
		return;
	}
	if (strcmp(first.name, "endbr64")) {
		snprintf(out->reason, sizeof(out->reason), "on %s at entry (%s)", first.name,
			 cost_name[first.cost]);
		return;
	}
	if (decode(b + first.len, head - first.len, off + first.len, &next) ||
	    next.cost == STEPPED) {
		snprintf(out->reason, sizeof(out->reason),
			 "first byte (endbr64, then no emulated instruction)");
		return;
	}
	/*
	 * Jumps in from outside the function (a gcc .cold part) are not seen: one to the
	 * instruction after endbr64 would need a loop there whose only back edge is cold.
	 */
	if (!whole) {
		snprintf(out->reason, sizeof(out->reason),
			 "first byte (size unknown: a jump past endbr64 cannot be ruled out)");
		return;
	}
	err = branched_to(b, n, first.len);
	if (err) {
		snprintf(out->reason, sizeof(out->reason), err > 0 ?
			 "first byte (the function jumps to the instruction after endbr64)" :
			 "first byte (part of the function does not decode)");
		return;
	}
	out->offset = off + first.len;
	out->skipped = first.len;
	snprintf(out->reason, sizeof(out->reason), "after endbr64, on %s (%s)", next.name,
		 cost_name[next.cost]);
}

/* Reads up to len bytes at off; fewer only at the end of the file. */
static ssize_t read_at(int fd, __u8 *buf, size_t len, __u64 off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		got += n;
	}
	return got;
}

int fsp_place_probe(const char *path, __u64 func_offset, __u64 func_size, struct fsp_place *out)
{
	bool whole = func_size && func_size <= SCAN_MAX;
	size_t len = whole ? func_size : HEAD_BYTES;
	__u8 *buf = NULL;
	ssize_t n;
	int fd, err;

	out->offset = func_offset;
	out->skipped = 0;
	snprintf(out->reason, sizeof(out->reason), "first byte (not read)");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fsp_elf_is_x86_64(fd);
	if (err <= 0) {
		if (!err)
			snprintf(out->reason, sizeof(out->reason),
				 "first byte (not an x86-64 ELF file)");
		goto close_fd;
	}
	err = -ENOMEM;
	buf = malloc(len);
	if (!buf)
		goto close_fd;
	n = read_at(fd, buf, len, func_offset);
	if (n < 0) {
		err = n;
		goto free_buf;
	}
	/* The symbol's bytes must be in the file; only an unknown size may end it early. */
	if (!n || (func_size && (size_t)n < len)) {
		err = -ENODATA;
		goto free_buf;
	}
	choose(buf, n, func_offset, whole, out);
	err = 0;
free_buf:
	free(buf);
close_fd:
	close(fd);
	return err;
}

/* The function's bytes, for the Go decoders; *buf is malloc'd. */
static int load_function(const char *path, __u64 off, __u64 size, __u8 **buf, size_t *n)
{
	ssize_t got;
	int fd, err;

	if (!size || size > SCAN_MAX)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fsp_elf_is_x86_64(fd);
	if (err <= 0) {
		err = err ? err : -ENOEXEC;
		goto close_fd;
	}
	*buf = malloc(size);
	err = *buf ? 0 : -ENOMEM;
	if (err)
		goto close_fd;
	got = read_at(fd, *buf, size, off);
	if (got != (ssize_t)size) {
		err = got < 0 ? got : -ENODATA;
		free(*buf);
		*buf = NULL;
	}
	*n = size;
close_fd:
	close(fd);
	return err;
}

struct go_entry {
	int seen;       /* instructions looked at */
	int cmp_stack;  /* the previous one compared with the stack bound, 0x10(%r14) */
	__u64 after;    /* offset just past the jbe that follows it */
};

static int go_entry_insn(csh cs, const cs_insn *insn, void *ctx)
{
	const cs_x86 *x = &insn->detail->x86;
	struct go_entry *g = ctx;
	int i;

	(void)cs;
	if (g->cmp_stack && insn->id == X86_INS_JBE) {
		g->after = insn->address + insn->size;
		return 1;
	}
	g->cmp_stack = 0;
	if (insn->id == X86_INS_CMP)
		for (i = 0; i < x->op_count; i++)
			if (x->operands[i].type == X86_OP_MEM &&
			    x->operands[i].mem.base == X86_REG_R14 && x->operands[i].mem.disp == 0x10)
				g->cmp_stack = 1;
	/* The check is the first thing a Go function does, or not there at all. */
	return ++g->seen >= 4;
}

int fsp_place_go_entry(const char *path, __u64 func_offset, __u64 func_size,
		       struct fsp_place *out)
{
	struct go_entry g = {};
	__u8 *buf = NULL;
	size_t n;
	int err;

	out->offset = func_offset;
	out->skipped = 0;
	snprintf(out->reason, sizeof(out->reason), "first byte (no Go stack check found)");
	err = load_function(path, func_offset, func_size, &buf, &n);
	if (!err)
		err = walk(buf, n < HEAD_BYTES * 2 ? n : HEAD_BYTES * 2, go_entry_insn, &g);
	free(buf);
	if (err < 0 || !g.after)
		return err < 0 ? err : 0;
	/* Registers and sp there are the entry's; morestack re-enters at the top, before it. */
	out->offset = func_offset + g.after;
	out->skipped = g.after;
	snprintf(out->reason, sizeof(out->reason), "after the Go stack-bound check");
	return 0;
}

struct go_rets {
	__u64 *offs;
	int max;
	int n;
};

static int go_ret_insn(csh cs, const cs_insn *insn, void *ctx)
{
	struct go_rets *r = ctx;

	(void)cs;
	if (insn->id != X86_INS_RET)
		return 0;
	if (r->n == r->max)
		return -E2BIG;
	r->offs[r->n++] = insn->address;
	return 0;
}

int fsp_place_go_returns(const char *path, __u64 func_offset, __u64 func_size, __u64 *offs,
			 int max)
{
	struct go_rets r = { .offs = offs, .max = max };
	__u8 *buf = NULL;
	size_t n;
	int err, i;

	err = load_function(path, func_offset, func_size, &buf, &n);
	if (!err)
		err = walk(buf, n, go_ret_insn, &r);
	free(buf);
	if (err)
		return err;
	for (i = 0; i < r.n; i++)
		offs[i] += func_offset;
	return r.n ? r.n : -ENOENT;
}
