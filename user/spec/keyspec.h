/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_KEYSPEC_H
#define FSP_KEYSPEC_H

#include <linux/types.h>
#include "fsprobe.h"

/*
 * Key expressions (--key):
 *
 *   key   := cstr(expr) | bytes(expr, expr|INT) | cxx_string(expr) | go_string(argN)
 *          | u64(expr) | u32(expr) | i64(expr) | i32(expr)
 *          | field(key, 'C', INT)
 *   expr  := argN { ->INT | +INT | -INT }
 *
 * argN is the Nth integer argument; "E->OFF" reads the 8-byte value at E+OFF; "E+OFF" is
 * arithmetic without a read. cxx_string(E) is bytes(E->0, E->8): libstdc++'s pointer and size;
 * go_string(argN) is bytes(argN, argN+1): a Go string's pointer and length.
 */

struct fsp_keyspec_error {
	int column; /* 1-based position in the spec */
	char msg[128];
};

int fsp_keyspec_parse(const char *spec, struct fsp_key_prog *prog, struct fsp_keyspec_error *err);
/* --hit-when: (retN | u8(retN) | u32(retN) | i32(retN) | i64(retN)) (== != < <= > >=) INT */
int fsp_keyspec_parse_pred(const char *spec, struct fsp_pred *pred,
			   struct fsp_keyspec_error *err);
/* True when keys of this program are strings rather than integers. */
int fsp_keyspec_is_string(const struct fsp_key_prog *prog);

#endif
