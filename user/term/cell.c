// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Text for terminal tables: safe to print, measured in columns, short numbers. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "cell.h"
#include "keytext.h"

void fsp_cell_put_safe(struct fsp_buf *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, len, k;

	while (i < n) {
		len = fsp_keytext_utf8_len(u + i, n - i);
		/* C0, DEL and C1 controls would be terminal commands: show them, never send them.
		 */
		if (!len || (len == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
		    (len == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)) {
			len = len ? len : 1;
			for (k = 0; k < len; k++)
				fsp_buf_printf(out, "\\x%02x", u[i + k]);
		} else {
			fsp_buf_append(out, s + i, len);
		}
		i += len;
	}
}

size_t fsp_cell_cols(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

void fsp_cell_put(struct fsp_buf *out, const char *s, size_t width, size_t pad)
{
	size_t len = strlen(s), cols = fsp_cell_cols(s, len), i, seen = 0;

	if (cols > width) {
		/* Keep width - 1 characters and mark the cut in the last column. */
		for (i = 0; i < len && width; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80 && seen++ == width - 1)
				break;
		}
		fsp_buf_append(out, s, width ? i : 0);
		if (width)
			fsp_buf_append(out, "…", strlen("…"));
		cols = width;
	} else {
		fsp_buf_append(out, s, len);
	}
	for (; cols < pad; cols++)
		fsp_buf_append(out, " ", 1);
}

const char *fsp_cell_seconds(char *buf, size_t n, double s)
{
	if (isnan(s))
		snprintf(buf, n, "-");
	else if (isinf(s))
		snprintf(buf, n, ">17.2s");
	else if (s < 1e-6)
		snprintf(buf, n, "%.0fns", s * 1e9);
	else if (s < 1e-3)
		snprintf(buf, n, "%.2fus", s * 1e6);
	else if (s < 1)
		snprintf(buf, n, "%.2fms", s * 1e3);
	else
		snprintf(buf, n, "%.2fs", s);
	return buf;
}

const char *fsp_cell_ratio(char *buf, size_t n, __u64 hits, __u64 all)
{
	unsigned long long bp;

	if (!all) {
		snprintf(buf, n, "-");
		return buf;
	}
	/* To the nearest 0.01%, but 100.00% only with no miss at all and 0.00% with no hit. */
	bp = (unsigned long long)(((unsigned __int128)hits * 20000 + all) /
				  ((unsigned __int128)all * 2));
	if (bp == 10000 && hits < all)
		bp = 9999;
	else if (bp == 0 && hits)
		bp = 1;
	snprintf(buf, n, "%llu.%02llu%%", bp / 100, bp % 100);
	return buf;
}

const char *fsp_cell_rate(char *buf, size_t n, __u64 count, double seconds)
{
	double r = seconds > 0 ? (double)count / seconds : 0;

	if (seconds <= 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, r < 100 ? "%.1f" : "%.0f", r);
	return buf;
}
