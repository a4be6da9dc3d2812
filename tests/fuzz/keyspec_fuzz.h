/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the key and predicate parsers promise when they refuse: -EINVAL, a column, one line. */
#ifndef FSP_KEYSPEC_FUZZ_H
#define FSP_KEYSPEC_FUZZ_H

#include <errno.h>
#include "fuzz.h"
#include "keyspec.h"

static inline void check_refusal(const char *spec, int ret, const struct fsp_keyspec_error *err)
{
	FUZZ_CHECK(ret == -EINVAL, "'%s': returned %d", spec, ret);
	FUZZ_CHECK(err->column >= 1 && (size_t)err->column <= strlen(spec) + 1, "'%s': column %d",
		   spec, err->column);
	FUZZ_CHECK(memchr(err->msg, 0, sizeof(err->msg)) && err->msg[0], "'%s': no message", spec);
	FUZZ_CHECK(!strpbrk(err->msg, "\n\r"), "'%s': message '%s'", spec, err->msg);
}

#endif
