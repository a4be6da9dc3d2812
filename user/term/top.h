/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_TOP_H
#define FSP_TOP_H

#include "buf.h"
#include "view.h"

/* fsprobe top: a live per-symbol view until q, SIGINT or SIGTERM. */
int fsp_top_run(const struct fsp_view_source *src, double interval);

/* One frame of top for rows v (already sorted as sc->sort says); a pure function. */
int fsp_top_frame(const struct fsp_view_target *t, const struct fsp_view *v,
		  const struct fsp_view_screen *sc, struct fsp_buf *out);

#endif
