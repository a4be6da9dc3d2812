/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_COLLECT_H
#define FSP_COLLECT_H

#include "probe.h"
#include "snapshot.h"

/* Reads the BPF maps into snapshots; remembers symbol names so steady scrapes skip the hash. */
struct fsp_collector;

/* Histograms carry a symbol label only up to this many symbols: each adds 2 x 28 series. */
#define FSP_LATENCY_BY_SYMBOL_MAX 100

int fsp_collect_open(struct fsp_collector **out, const struct fsp_probe *p, __u32 max_symbols,
		     __u32 key_type, int latency);
/* Fill s->symbols (owned by the collector, valid until the next call), overflow and stats. */
int fsp_collect_read(struct fsp_collector *c, struct fsp_snapshot *s);
void fsp_collect_destroy(struct fsp_collector *c);
#endif
