// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "snapshot.h"
#include "symmap.h"

static int by_id(const void *a, const void *b)
{
	const struct fsp_symmap_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct fsp_symmap_entry *)a)->name,
		      ((const struct fsp_symmap_entry *)b)->name);
}

static int all_digits(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

/* Printable ASCII, no quote or backslash, not a reserved series: a label value as it is. */
static int plain(const char *s)
{
	if (!strcmp(s, FSP_OVERFLOW_LABEL) || !strcmp(s, FSP_UNREADABLE_LABEL))
		return 0;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

/* Two ids with one name, or a name that reads like an unmapped id, would merge two series. */
static int check_one_to_one(const char *path, struct fsp_symmap *map)
{
	struct fsp_symmap_entry *copy;
	size_t i;
	int err = 0;

	for (i = 1; i < map->n && !err; i++)
		if (map->entries[i].id == map->entries[i - 1].id) {
			fsp_log_error("--symbol-map %s: id %" PRIu64 " is mapped twice", path,
				      (uint64_t)map->entries[i].id);
			err = -EINVAL;
		}
	copy = malloc(map->n * sizeof(*copy) + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, map->entries, map->n * sizeof(*copy));
	qsort(copy, map->n, sizeof(*copy), by_name);
	for (i = 1; i < map->n && !err; i++)
		if (!strcmp(copy[i].name, copy[i - 1].name)) {
			fsp_log_error("--symbol-map %s: name '%s' is given to two ids", path,
				      copy[i].name);
			err = -EINVAL;
		}
	free(copy);
	return err;
}

/* A decimal id; "-N" is the id of an i64()/i32() key of -N, as the map's 64 bits hold it. */
static int parse_id(const char *s, unsigned long long *id)
{
	char *end;

	if (!isdigit((unsigned char)s[s[0] == '-']))
		return -EINVAL;
	errno = 0;
	*id = strtoull(s, &end, 10);
	return *end || errno ? -EINVAL : 0;
}

int fsp_symmap_load(const char *path, struct fsp_symmap *map)
{
	char *line = NULL, *idtext = NULL, *name = NULL;
	size_t cap = 0, linecap = 0, lineno = 0;
	unsigned long long id;
	ssize_t len;
	FILE *f;
	int err = 0, n;

	memset(map, 0, sizeof(*map));
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		fsp_log_error("--symbol-map %s: %s", path, strerror(errno));
		return err;
	}
	/* Whole lines, however long: a cut line would read as two. */
	while (!err && (len = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		if (strlen(line) == (size_t)len &&
		    (line[strspn(line, " \t\r\n")] == '\0' || line[strspn(line, " \t")] == '#'))
			continue;
		free(idtext), free(name);
		idtext = malloc(len + 1), name = malloc(len + 1);
		if (!idtext || !name) {
			err = -ENOMEM;
			break;
		}
		/* A NUL byte would end the line early for sscanf: the rest would go unread. */
		if (strlen(line) != (size_t)len ||
		    sscanf(line, "%s %s %n", idtext, name, &n) != 2 || line[n] ||
		    parse_id(idtext, &id) || strlen(name) >= FSP_KEY_MAX || all_digits(name) ||
		    !plain(name)) {
			fsp_log_error("%s:%zu: expected 'ID NAME' (a number, then a name of at most "
				      "%d printable ASCII bytes, not a number, not %s or %s)", path,
				      lineno, FSP_KEY_MAX - 1, FSP_OVERFLOW_LABEL, FSP_UNREADABLE_LABEL);
			err = -EINVAL;
			break;
		}
		if (map->n == cap) {
			struct fsp_symmap_entry *e;

			cap = cap ? cap * 2 : 256;
			e = realloc(map->entries, cap * sizeof(*e));
			if (!e) {
				err = -ENOMEM;
				break;
			}
			map->entries = e;
		}
		map->entries[map->n].id = id;
		snprintf(map->entries[map->n++].name, FSP_KEY_MAX, "%s", name);
	}
	free(line), free(idtext), free(name);
	fclose(f);
	/* An empty map is valid: every id prints as its number. */
	if (!err && map->n) {
		qsort(map->entries, map->n, sizeof(*map->entries), by_id);
		err = check_one_to_one(path, map);
	}
	if (err)
		fsp_symmap_free(map);
	return err;
}

const char *fsp_symmap_find(const struct fsp_symmap *map, __u64 id)
{
	struct fsp_symmap_entry want = { .id = id }, *e;

	if (!map || !map->n)
		return NULL;
	e = bsearch(&want, map->entries, map->n, sizeof(want), by_id);
	return e ? e->name : NULL;
}

void fsp_symmap_free(struct fsp_symmap *map)
{
	if (!map)
		return;
	free(map->entries);
	memset(map, 0, sizeof(*map));
}
