/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_REPORT_H
#define FSP_REPORT_H

#include "buf.h"
#include "view.h"

/* fsprobe report: collect for duration seconds (or until SIGINT/SIGTERM), print, return. */
int fsp_report_run(const struct fsp_view_source *src, double duration, int json);

/* The report of rows v (since attach, already ranked) over v->seconds; pure functions. */
int fsp_report_table(const struct fsp_view_target *t, const struct fsp_view *v,
		     struct fsp_buf *out);
int fsp_report_json(const struct fsp_view_target *t, const struct fsp_view *v,
		    struct fsp_buf *out);

#endif
