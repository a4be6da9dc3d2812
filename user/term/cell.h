/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_CELL_H
#define FSP_CELL_H

#include <stddef.h>
#include <linux/types.h>
#include "buf.h"

/* Text pieces shared by the terminal renderers: top, report and functions. */

/* s with control characters and invalid UTF-8 as the text \xHH: safe to show on a terminal. */
void fsp_cell_put_safe(struct fsp_buf *out, const char *s);
/* Columns taken by valid UTF-8 text: one per character (keys are rarely wide scripts). */
size_t fsp_cell_cols(const char *s, size_t len);
/* Safe text s cut to at most width columns ("…" marks a cut), then padded to pad columns. */
void fsp_cell_put(struct fsp_buf *out, const char *s, size_t width, size_t pad);

/* Short forms for tables, written to buf (at least 16 bytes); "-" when there is no value. */
const char *fsp_cell_seconds(char *buf, size_t n, double s);       /* 2.10ms */
const char *fsp_cell_ratio(char *buf, size_t n, __u64 hits, __u64 all); /* 95.12% */
const char *fsp_cell_rate(char *buf, size_t n, __u64 count, double seconds); /* 20012 */

#endif
