// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What every stage agrees on about a snapshot: the order of its symbols, the names of its stats. */
#include <string.h>
#include "snapshot.h"

int fsp_snapshot_key_cmp(__u32 key_type, const struct fsp_key *a, const struct fsp_key *b)
{
	__s64 sa, sb;

	/* NUL-padded: byte order, and bytes() keys that differ after a NUL stay apart. */
	if (key_type == FSP_KEY_CSTR || key_type == FSP_KEY_BYTES)
		return memcmp(a->data, b->data, FSP_KEY_MAX);
	memcpy(&sa, a->data, sizeof(sa));
	memcpy(&sb, b->data, sizeof(sb));
	if (key_type == FSP_KEY_U64 || key_type == FSP_KEY_U32)
		return (__u64)sa < (__u64)sb ? -1 : (__u64)sa > (__u64)sb;
	return sa < sb ? -1 : sa > sb;
}

static const char *const read_error_names[] = {
	[FSP_STAT_READ_FAULT] = "fault",
	[FSP_STAT_READ_EMPTY] = "empty",
	[FSP_STAT_FIELD_MISSING] = "field_missing",
};

const char *fsp_snapshot_read_error(unsigned int i)
{
	return i < FSP_SNAPSHOT_READ_ERRORS ? read_error_names[i] : NULL;
}
