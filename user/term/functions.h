/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_FUNCTIONS_H
#define FSP_FUNCTIONS_H

#include <sys/types.h>

/* fsprobe functions: list the target's functions matching regex, marking likely candidates. */
int fsp_functions_list(pid_t pid, const char *binary, const char *regex);

#endif
