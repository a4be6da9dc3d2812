// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

static bool verbose;

void fsp_log_print(enum fsp_log_level level, const char *fmt, ...)
{
	char msg[1024], line[sizeof(msg) + 16];
	size_t i, o;
	va_list ap;

	if (level == FSP_LOG_DEBUG && !verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/*
	 * One line whatever the message quotes: a control byte from an argument (--key with a
	 * newline, a function name with a tab) is written as \xHH.
	 */
	o = snprintf(line, sizeof(line), "fsprobe: ");
	for (i = 0; msg[i] && o + 5 < sizeof(line); i++) {
		unsigned char c = msg[i];

		if (c < 0x20 || c == 0x7f)
			o += snprintf(line + o, sizeof(line) - o, "\\x%02x", c);
		else
			line[o++] = c;
	}
	line[o] = '\0';
	/* One write per line, so lines from the HTTP thread and main never interleave. */
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
