/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_DECODE_H
#define FSP_DECODE_H

/*
 * The one disassembler set-up: x86-64, with operand details. Placement, the Go return walk and
 * the reach analysis reason about x86-64 code only (call rel32, the return address at [sp]),
 * so fsprobe builds for x86-64 alone and decodes only x86-64 ELF files.
 */
#ifndef __x86_64__
#error "fsprobe decodes x86-64 code (probe placement, lazy counting, reach): build it on x86-64"
#endif

#include <capstone/capstone.h>

struct fsp_decoder {
	csh cs;
	cs_insn *insn; /* the one instruction buffer cs_disasm_iter fills */
};

/* Only for code from a file fsp_elf_is_x86_64() accepted; -ENOMEM when capstone fails. */
int fsp_decode_open(struct fsp_decoder *d);
/* Accepts a decoder that failed to open. */
void fsp_decode_close(struct fsp_decoder *d);

#endif
