// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --hit-when: fsp_keyspec_parse_pred either refuses with a column inside the text and a
 * one-line message, or gives a predicate on a result register that exists, over 8, 32 or 64
 * bits, with a known comparison.
 */
#include <errno.h>
#include "keyspec_fuzz.h"
#include "keyspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_cstr(data, size);
	struct fsp_keyspec_error err;
	struct fsp_pred pred, again;
	int ret;

	memset(&pred, 0x5a, sizeof(pred));
	ret = fsp_keyspec_parse_pred(spec, &pred, &err);
	if (ret) {
		check_refusal(spec, ret, &err);
		free(spec);
		return 0;
	}
	FUZZ_CHECK(pred.bits == 8 || pred.bits == 32 || pred.bits == 64, "'%s': %u bits", spec,
		   pred.bits);
	FUZZ_CHECK(pred.is_signed == 0 || pred.is_signed == 1, "'%s': signed %u", spec,
		   pred.is_signed);
	FUZZ_CHECK(pred.reg < FSP_MAX_ARGS, "'%s': ret%u", spec, pred.reg);
	FUZZ_CHECK(pred.cmp >= FSP_CMP_EQ && pred.cmp <= FSP_CMP_GE, "'%s': comparison %u", spec,
		   pred.cmp);
	memset(&again, 0xa5, sizeof(again));
	FUZZ_CHECK(!fsp_keyspec_parse_pred(spec, &again, &err) && !memcmp(&pred, &again, sizeof(pred)),
		   "'%s': parses differently twice", spec);
	free(spec);
	return 0;
}
