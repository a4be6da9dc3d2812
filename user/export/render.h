/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_RENDER_H
#define FSP_RENDER_H

#include "buf.h"
#include "snapshot.h"

#define FSP_METRICS_CONTENT_TYPE     "text/plain; version=0.0.4; charset=utf-8"
#define FSP_OPENMETRICS_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

enum fsp_render_format {
	FSP_RENDER_TEXT,        /* Prometheus text format 0.0.4 */
	FSP_RENDER_OPENMETRICS, /* OpenMetrics 1.0: counter families without _total, # EOF */
};

/* One snapshot in fmt; a pure function of its input. */
int fsp_render(const struct fsp_snapshot *s, enum fsp_render_format fmt, struct fsp_buf *out);
/* Prometheus text format 0.0.4: fsp_render(s, FSP_RENDER_TEXT, out). */
int fsp_render_metrics(const struct fsp_snapshot *s, struct fsp_buf *out);
const char *fsp_render_content_type(enum fsp_render_format fmt);
#endif
