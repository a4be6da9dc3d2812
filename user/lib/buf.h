/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_BUF_H
#define FSP_BUF_H

#include <stddef.h>

/* A growable text buffer; data is always NUL-terminated once anything was added. */
struct fsp_buf {
	char *data;
	size_t len;
	size_t cap;
	int err; /* sticky -ENOMEM, so callers check once at the end */
};

int fsp_buf_printf(struct fsp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fsp_buf_append(struct fsp_buf *b, const char *s, size_t n);
void fsp_buf_reset(struct fsp_buf *b);
void fsp_buf_free(struct fsp_buf *b);

#endif
