/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_LOG_H
#define FSP_LOG_H

#include <stdbool.h>

enum fsp_log_level {
	FSP_LOG_ERROR,
	FSP_LOG_INFO,
	FSP_LOG_DEBUG, /* printed only with --verbose */
};

/* The one reporter: a single line on stderr, prefixed "fsprobe: ". */
void fsp_log_print(enum fsp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fsp_log_set_verbose(bool verbose);
bool fsp_log_verbose(void);

#define fsp_log_error(...) fsp_log_print(FSP_LOG_ERROR, __VA_ARGS__)
#define fsp_log_info(...)  fsp_log_print(FSP_LOG_INFO, __VA_ARGS__)
#define fsp_log_debug(...) fsp_log_print(FSP_LOG_DEBUG, __VA_ARGS__)

#endif
