/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_RENDER_H
#define FSP_RENDER_H

#include "buf.h"
#include "snapshot.h"
#include "symmap.h"

#define FSP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Prometheus text format 0.0.4 for one snapshot; a pure function of its input. */
int fsp_render_metrics(const struct fsp_snapshot *s, struct fsp_buf *out);
/*
 * A key as a label value, before the format's own escaping: valid UTF-8, one-to-one. Integer
 * keys print in decimal, or as their --symbol-map name (map may be NULL).
 */
int fsp_render_key(__u32 key_type, const struct fsp_symmap *map, const struct fsp_key *key,
		   struct fsp_buf *out);

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when none starts there. */
size_t fsp_render_utf8_len(const unsigned char *s, size_t n);

#endif
