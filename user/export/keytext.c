// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Keys as text: the one spelling of a key that the exporter's labels, top, report and JSON all
 * use, so a symbol reads the same everywhere.
 */
#include <inttypes.h>
#include <string.h>
#include "keytext.h"

size_t fsp_keytext_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	/* Second-byte ranges that rule out overlong forms, surrogates and > U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Valid UTF-8 passes through; a byte that is not, and a NUL inside a bytes() key, becomes the
 * text \xHH. A backslash in the key becomes two, so that no real key can render like an encoded
 * byte: the mapping is one-to-one. Keys are NUL-padded, so the key ends at its last other byte.
 */
int fsp_keytext_put(__u32 key_type, const struct fsp_symmap *map, const struct fsp_key *key,
		    struct fsp_buf *out)
{
	const unsigned char *s = (const unsigned char *)key->data;
	size_t n = FSP_KEY_MAX, i = 0, len;
	__u64 v;

	if (key_type != FSP_KEY_CSTR && key_type != FSP_KEY_BYTES) {
		memcpy(&v, key->data, sizeof(v));
		/* Names are checked at load: never a number, never shared by two ids. */
		if (fsp_symmap_find(map, v))
			return fsp_buf_printf(out, "%s", fsp_symmap_find(map, v));
		if (key_type == FSP_KEY_I64 || key_type == FSP_KEY_I32)
			return fsp_buf_printf(out, "%" PRId64, (int64_t)v);
		return fsp_buf_printf(out, "%" PRIu64, (uint64_t)v);
	}
	while (n && !s[n - 1])
		n--;
	/* A real key spelled like a reserved series gets its first byte escaped, as \x5f. */
	if ((n == strlen(FSP_OVERFLOW_LABEL) && !memcmp(s, FSP_OVERFLOW_LABEL, n)) ||
	    (n == strlen(FSP_UNREADABLE_LABEL) && !memcmp(s, FSP_UNREADABLE_LABEL, n))) {
		fsp_buf_append(out, "\\x5f", 4);
		i = 1;
	}
	while (i < n) {
		len = fsp_keytext_utf8_len(s + i, n - i);
		if (s[i] == '\\')
			fsp_buf_append(out, "\\\\", 2);
		else if (len && s[i])
			fsp_buf_append(out, (const char *)s + i, len);
		else
			fsp_buf_printf(out, "\\x%02x", s[i]);
		i += len ? len : 1;
	}
	return out->err;
}
