/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_ENV_H
#define FSP_ENV_H

/* Privileges and kernel features fsprobe needs; logs what is missing and how to fix it. */
int fsp_env_check(void);

#endif
