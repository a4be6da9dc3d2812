/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_CHECK_H
#define FSP_CHECK_H

/*
 * fsprobe check: what this node's kernel and privileges allow, feature by feature, and which
 * BPF programs would load. Exit status 0 when fsprobe can run here, 1 when it cannot.
 */
int fsp_check_run(void);

#endif
