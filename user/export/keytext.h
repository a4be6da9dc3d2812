/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_KEYTEXT_H
#define FSP_KEYTEXT_H

#include <stddef.h>
#include <linux/types.h>
#include "buf.h"
#include "fsprobe.h"
#include "snapshot.h"
#include "symmap.h"

/*
 * A key as a label value, before the format's own escaping: valid UTF-8, one-to-one. Integer
 * keys print in decimal, or as their --symbol-map name (map may be NULL).
 */
int fsp_keytext_put(__u32 key_type, const struct fsp_symmap *map, const struct fsp_key *key,
		   struct fsp_buf *out);

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when none starts there. */
size_t fsp_keytext_utf8_len(const unsigned char *s, size_t n);

#endif
