// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --symbol-map: fsp_symmap_load reads a path, so the input goes into a memfd read back through
 * /proc/self/fd/N. A refused file gets exactly one one-line message; an accepted one is a map
 * that keeps two series apart: sorted unique ids, unique names that are printable, short, not
 * numbers and not the reserved series, each found again by its id.
 */
#include <ctype.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"
#include "log.h"
#include "snapshot.h"
#include "symmap.h"

/* Stands in for lib/log.c: counts the messages and keeps the last one for the checks. */
static char last[1024];
static int nmessages;

void fsp_log_print(enum fsp_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	nmessages++;
}

static int plain_name(const char *s)
{
	const char *p;
	int digits_only = 1;

	if (!*s || strlen(s) >= FSP_KEY_MAX || !strcmp(s, FSP_OVERFLOW_LABEL) ||
	    !strcmp(s, FSP_UNREADABLE_LABEL))
		return 0;
	for (p = s; *p; p++) {
		if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')
			return 0;
		digits_only &= isdigit((unsigned char)*p) || *p == '-';
	}
	return !digits_only;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct fsp_symmap map;
	size_t i, j;
	int ret;

	if (fd < 0) {
		fd = memfd_create("symbol-map", MFD_CLOEXEC);
		FUZZ_CHECK(fd >= 0, "memfd_create");
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	FUZZ_CHECK(!ftruncate(fd, 0) && pwrite(fd, data, size, 0) == (ssize_t)size, "memfd write");
	nmessages = 0;
	ret = fsp_symmap_load(path, &map);
	if (ret) {
		FUZZ_CHECK(nmessages == 1, "%d messages for one refusal, the last '%s'", nmessages,
			   last);
		FUZZ_CHECK(!strpbrk(last, "\n\r") && last[0], "message '%s'", last);
		FUZZ_CHECK(!map.entries && !map.n, "a refused map keeps %zu entries", map.n);
		return 0;
	}
	FUZZ_CHECK(!nmessages, "accepted, yet said '%s'", last);
	for (i = 0; i < map.n; i++) {
		const struct fsp_symmap_entry *e = &map.entries[i];

		FUZZ_CHECK(memchr(e->name, 0, sizeof(e->name)) && plain_name(e->name),
			   "id %llu named '%.*s'", (unsigned long long)e->id, (int)sizeof(e->name),
			   e->name);
		FUZZ_CHECK(!i || map.entries[i - 1].id < e->id, "ids out of order or repeated at %zu",
			   i);
		FUZZ_CHECK(fsp_symmap_find(&map, e->id) == e->name, "id %llu not found",
			   (unsigned long long)e->id);
		for (j = 0; j < i && map.n <= 256; j++)
			FUZZ_CHECK(strcmp(map.entries[j].name, e->name), "name '%s' given twice",
				   e->name);
	}
	fsp_symmap_free(&map);
	FUZZ_CHECK(!map.entries && !map.n, "free leaves entries");
	return 0;
}
