/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_PROBE_H
#define FSP_PROBE_H

#include <linux/types.h>
#include "fsprobe.h"
#include "snapshot.h"
#include "target.h"

struct fsp_probe_opts {
	const struct fsp_target *target;
	const char *lookup; /* function whose calls are requests */
	const char *miss;   /* function that runs inside a lookup on a miss */
	struct fsp_key_prog key;
	__u32 max_symbols;
};

struct fsp_probe;

/* Open, configure, load and attach; logs the reason on failure. */
int fsp_probe_open(struct fsp_probe **out, const struct fsp_probe_opts *opts);
void fsp_probe_destroy(struct fsp_probe *p);

/* For the collector: map fds and the live next-slot counter. */
int fsp_probe_symbols_fd(const struct fsp_probe *p);
int fsp_probe_counts_fd(const struct fsp_probe *p);
int fsp_probe_stats_fd(const struct fsp_probe *p);
__u32 fsp_probe_next_slot(const struct fsp_probe *p);
size_t fsp_probe_info(const struct fsp_probe *p, struct fsp_probe_info *info, size_t max);

#endif
