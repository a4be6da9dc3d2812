// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --key: fsp_keyspec_parse either refuses with a column inside the text (fsprobe prints the
 * text up to it) and a one-line message, or gives a program the BPF side can run: every
 * register, step and length within the bounds the verifier-checked code assumes.
 */
#include <errno.h>
#include "keyspec_fuzz.h"
#include "keyspec.h"

static void check_expr(const struct fsp_expr *e, const char *spec)
{
	__u32 i;

	FUZZ_CHECK(e->arg < FSP_MAX_ARGS, "'%s': arg%u", spec, e->arg);
	FUZZ_CHECK(e->nops <= FSP_MAX_OPS, "'%s': %u steps", spec, e->nops);
	for (i = 0; i < e->nops; i++) {
		FUZZ_CHECK(e->op[i] == FSP_OP_DEREF || e->op[i] == FSP_OP_ADD, "'%s': op %u", spec,
			   e->op[i]);
		FUZZ_CHECK(e->off[i] >= -(1LL << 31) && e->off[i] <= 1LL << 31, "'%s': offset %lld",
			   spec, (long long)e->off[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_cstr(data, size);
	struct fsp_key_prog prog, again;
	struct fsp_keyspec_error err;
	int ret;

	memset(&prog, 0x5a, sizeof(prog));
	ret = fsp_keyspec_parse(spec, &prog, &err);
	if (ret) {
		check_refusal(spec, ret, &err);
		free(spec);
		return 0;
	}
	FUZZ_CHECK(prog.type == FSP_KEY_CSTR || prog.type == FSP_KEY_BYTES ||
			   prog.type == FSP_KEY_U64 || prog.type == FSP_KEY_U32 ||
			   prog.type == FSP_KEY_I64 || prog.type == FSP_KEY_I32,
		   "'%s': type %u", spec, prog.type);
	check_expr(&prog.addr, spec);
	check_expr(&prog.len, spec);
	FUZZ_CHECK(prog.len_const <= 1 << 20, "'%s': length %u", spec, prog.len_const);
	FUZZ_CHECK(!prog.field_on || (fsp_keyspec_is_string(&prog) && prog.field_idx <= FSP_KEY_MAX),
		   "'%s': field %u of type %u", spec, prog.field_idx, prog.type);
	/* The same text, the same program, byte for byte (it is copied into .rodata). */
	memset(&again, 0xa5, sizeof(again));
	FUZZ_CHECK(!fsp_keyspec_parse(spec, &again, &err) && !memcmp(&prog, &again, sizeof(prog)),
		   "'%s': parses differently twice", spec);
	free(spec);
	return 0;
}
