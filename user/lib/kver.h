/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_KVER_H
#define FSP_KVER_H

#include <stdbool.h>
#include <stddef.h>

/* The running kernel's release ("6.1.0-57-amd64") into buf; "" when uname fails. */
void fsp_kver_release(char *buf, size_t len);
/* Whether release is major.minor or later; false when it does not start with two numbers. */
bool fsp_kver_at_least(const char *release, int major, int minor);

#endif
