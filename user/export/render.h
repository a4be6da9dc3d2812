/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_RENDER_H
#define FSP_RENDER_H

#include "buf.h"
#include "snapshot.h"

#define FSP_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Prometheus text format 0.0.4 for one snapshot; a pure function of its input. */
int fsp_render_metrics(const struct fsp_snapshot *s, struct fsp_buf *out);
#endif
