// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

static bool verbose;

void fsp_log_print(enum fsp_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (level == FSP_LOG_DEBUG && !verbose)
		return;
	/* One write per line, so lines from the HTTP thread and main never interleave. */
	n = snprintf(line, sizeof(line), "fsprobe: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}

void fsp_log_set_verbose(bool on)
{
	verbose = on;
}

bool fsp_log_verbose(void)
{
	return verbose;
}
