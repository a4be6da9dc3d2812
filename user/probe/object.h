/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_OBJECT_H
#define FSP_OBJECT_H

#include <linux/types.h>
#include <bpf/libbpf.h>
#include "fsprobe.h"
#include "kernel.h"

/*
 * The BPF object of one variant (bpf/fsprobe.bpf.c built twice: fast, and compat with
 * -DFSP_COMPAT), behind one interface: programs and maps by name, the settings, the live
 * sym_idx counter. The only module that includes the skeletons.
 */
struct fsp_object;

/* Opened, not loaded: set the configuration, autoload and map sizes, then load. */
int fsp_object_open(struct fsp_object **out, enum fsp_variant v);
struct fsp_config *fsp_object_config(struct fsp_object *o);
int fsp_object_load(struct fsp_object *o);
void fsp_object_destroy(struct fsp_object *o);

/* NULL when this variant has no such program or map (compat has no settle, no hints). */
struct bpf_program *fsp_object_prog(const struct fsp_object *o, const char *name);
struct bpf_map *fsp_object_map(const struct fsp_object *o, const char *name);

/* How many symbol indexes are handed out (may exceed max_symbols); once loaded. */
__u32 fsp_object_next_sym_idx(const struct fsp_object *o);

#endif
