/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_PROBE_H
#define FSP_PROBE_H

#include <linux/types.h>
#include "fsprobe.h"
#include "snapshot.h"
#include "plan.h"

struct fsp_probe;

/* Open, configure, load and attach; logs the reason on failure. */
int fsp_probe_open(struct fsp_probe **out, const struct fsp_probe_opts *opts);
void fsp_probe_destroy(struct fsp_probe *p);

/* Count the lookups that have returned but are not counted yet (lazy counting); 0 or -errno. */
int fsp_probe_settle(const struct fsp_probe *p);
/* For the collector: map fds and the live next_sym_idx counter. */
int fsp_probe_symbols_fd(const struct fsp_probe *p);
int fsp_probe_counts_fd(const struct fsp_probe *p);
int fsp_probe_stats_fd(const struct fsp_probe *p);
int fsp_probe_latency_fd(const struct fsp_probe *p);
__u32 fsp_probe_next_sym_idx(const struct fsp_probe *p);
/* Fds and names of the attached programs, for their run-time statistics. */
size_t fsp_probe_progs(const struct fsp_probe *p, int *fds, const char **names, size_t max);
/* The programs loaded (fast or compat), for the metric; note: the startup line saying so. */
void fsp_probe_variant(const struct fsp_probe *p, struct fsp_bpf_variant *v, const char **note);
size_t fsp_probe_info(const struct fsp_probe *p, struct fsp_probe_info *info, size_t max);

#endif
