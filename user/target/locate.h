/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_LOCATE_H
#define FSP_LOCATE_H

#include <stddef.h>
#include "resolve.h"
#include "target.h"

/*
 * Find "FUNC" or "LIB:FUNC" in a target: in its executable, the executable's separate debug
 * file, or (with --pid) a shared library mapped into the process. fn->path is then the file to
 * attach to, reached through /proc/PID/root so processes in containers work. Returns 0 or a
 * negative errno with a sentence in why.
 */
int fsp_locate_func(const struct fsp_target *t, const char *spec, struct fsp_func *fn, char *why,
		    size_t why_len);

#endif
