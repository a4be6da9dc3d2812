/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_KERNEL_H
#define FSP_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * What the running kernel offers the BPF side, found by probing it (libbpf's feature probes,
 * a test program, the kernel's BTF), never by its version number alone: distributions
 * backport. The probes decide which program variant loads.
 */
enum fsp_kernel_feature {
	FSP_KF_TASK_STORAGE, /* task storage maps and their helpers in uprobes (5.11) */
	FSP_KF_TASK_BTF,     /* bpf_get_current_task_btf (5.11) */
	FSP_KF_ATOMICS,      /* atomic fetch-and-add, exchange, compare-and-swap (5.12) */
	FSP_KF_COPY_TASK,    /* bpf_copy_from_user_task, for sleepable task iterators (5.18) */
	FSP_KF__MAX,
};

/* The BPF programs fsprobe loads. */
enum fsp_variant {
	/* Thread state in an array and task storage, symbol hints, atomics: the fast path. */
	FSP_VARIANT_FAST,
	/* Thread state in a hash by thread id, no hints, slots claimed without atomics (5.10). */
	FSP_VARIANT_COMPAT,
};

struct fsp_kernel {
	char release[65];
	bool has[FSP_KF__MAX];
	enum fsp_variant variant;
	bool lazy; /* lazy counting can load (the settling iterator) */
};

/* Probes the running kernel; needs the privileges to load BPF programs. */
int fsp_kernel_probe(struct fsp_kernel *k);
/*
 * Overrides the probed variant with v (enum fsp_variant), or keeps it for a negative v.
 * -ENOTSUP when v is fast and the kernel lacks what it needs; compat never counts lazily.
 */
int fsp_kernel_choose(struct fsp_kernel *k, int v);
/* "task_storage", "atomics", ...: the feature's name in logs and labels. */
const char *fsp_kernel_feature_name(enum fsp_kernel_feature f);
/* "fast" or "compat". */
const char *fsp_kernel_variant_name(enum fsp_variant v);
/* The features this kernel lacks, comma-separated ("" for none), into buf. */
const char *fsp_kernel_missing(const struct fsp_kernel *k, char *buf, size_t len);

#endif
