// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Can the miss function run outside the lookup? Lazy counting (no return probe) attributes a
 * miss to the thread's innermost open lookup by stack position, which is exact only when the
 * miss function cannot run after that lookup has returned. This proves it from the binary: every
 * reference to the miss function is a direct call from inside the lookup, and nothing else can
 * reach it (no other call or jump, no address taken in code or data, not exported).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "decode.h"
#include "elf_file.h"
#include "reach.h"

/* Bigger code is not scanned (startup time); the answer is then "not proven". */
#define SCAN_LIMIT (64u << 20)

struct scan {
	__u64 target, from, to;
	__u64 seen_at; /* an offending reference, or 0 */
	const char *what;
};

static void refers(struct scan *sc, __u64 at, const char *what)
{
	if (!sc->seen_at) {
		sc->seen_at = at;
		sc->what = what;
	}
}

/* Every instruction's operands: immediate targets and rip-relative addresses. */
static void scan_code(csh cs, cs_insn *insn, const __u8 *code, size_t n, uint64_t addr,
		      struct scan *sc)
{
	while (n && !sc->seen_at) {
		const cs_x86 *x;
		int i;

		if (!cs_disasm_iter(cs, &code, &n, &addr, insn)) {
			/* Data between functions (padding, jump tables): resynchronise. */
			code++, n--, addr++;
			continue;
		}
		x = &insn->detail->x86;
		for (i = 0; i < x->op_count; i++) {
			const cs_x86_op *op = &x->operands[i];
			__u64 v = op->type == X86_OP_IMM ? (__u64)op->imm :
				  op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP ?
					  insn->address + insn->size + op->mem.disp : 0;

			if (v != sc->target)
				continue;
			if (insn->id != X86_INS_CALL || insn->address < sc->from ||
			    insn->address >= sc->to)
				refers(sc, insn->address, "referenced outside the lookup");
		}
	}
}

static void scan_section(Elf_Scn *scn, const GElf_Shdr *sh, const struct fsp_decoder *d,
			 struct scan *sc)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	__u64 le = sc->target;
	size_t i, n;

	if (!data || !data->d_buf)
		return;
	if (sh->sh_type == SHT_RELA) {
		/* A relocated pointer to it (PIE data, vtables, function pointer tables). */
		n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
		for (i = 0; i < n && !sc->seen_at; i++) {
			GElf_Rela r;

			if (gelf_getrela(data, i, &r) && (__u64)r.r_addend == sc->target)
				refers(sc, r.r_offset, "its address is stored in data");
		}
	} else if (sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_EXECINSTR)) {
		scan_code(d->cs, d->insn, data->d_buf, data->d_size, sh->sh_addr, sc);
	} else if (sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_ALLOC)) {
		/* An absolute pointer to it (non-PIE data). */
		for (i = 0; i + 8 <= data->d_size && !sc->seen_at; i++)
			if (!memcmp((const char *)data->d_buf + i, &le, 8))
				refers(sc, sh->sh_addr + i, "its address is stored in data");
	}
}

static int at_target(const char *name, const GElf_Sym *sym, void *ctx)
{
	(void)name;
	return sym->st_value == *(const __u64 *)ctx;
}

int fsp_reach_only_from(const char *path, __u64 target, __u64 from, __u64 size, char *why,
			size_t why_len)
{
	/* size ~0 with from 0: a direct call from anywhere is fine. */
	struct scan sc = { .target = target, .from = from,
			   .to = from + size < from ? ~0ULL : from + size };
	struct fsp_decoder d;
	Elf_Scn *scn = NULL;
	struct fsp_elf e;
	__u64 code = 0;
	int ret;

	snprintf(why, why_len, "not scanned");
	if (!size)
		return 0;
	ret = fsp_elf_open(&e, path);
	if (ret)
		return ret;
	ret = fsp_elf_is_x86_64(e.fd);
	if (ret <= 0) {
		snprintf(why, why_len, "not x86-64 code");
		goto close_elf;
	}
	ret = 0;
	/* Exported: another object may call it through the PLT. */
	if (fsp_elf_each_sym(&e, FSP_ELF_DYNAMIC, at_target, &target)) {
		snprintf(why, why_len, "it is exported, so other objects may call it");
		goto close_elf;
	}
	while ((scn = elf_nextscn(e.elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR))
			code += sh.sh_size;
	}
	if (code > SCAN_LIMIT) {
		snprintf(why, why_len, "the code is too large to scan (%llu MiB)",
			 (unsigned long long)(code >> 20));
		goto close_elf;
	}
	ret = fsp_decode_open(&d);
	if (ret)
		goto close_elf;
	while (!sc.seen_at && (scn = elf_nextscn(e.elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh))
			scan_section(scn, &sh, &d, &sc);
	}
	if (sc.seen_at)
		snprintf(why, why_len, "%s (at 0x%llx)", sc.what, (unsigned long long)sc.seen_at);
	else
		ret = 1, snprintf(why, why_len, "only called directly from inside the range");
	fsp_decode_close(&d);
close_elf:
	fsp_elf_close(&e);
	return ret;
}
