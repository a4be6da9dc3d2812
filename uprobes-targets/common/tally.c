// SPDX-License-Identifier: GPL-2.0
/* Per-key hit and miss counts and the tally file. */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "tally.h"

static int label_cmp(const void *a, const void *b, void *arg)
{
	const char(*labels)[SYMBOL_MAX] = arg;

	return strcmp(labels[*(const uint32_t *)a], labels[*(const uint32_t *)b]);
}

int tally_init(struct tally *t, uint32_t n, const char (*labels)[SYMBOL_MAX])
{
	uint32_t i;

	t->n = n;
	t->labels = labels;
	t->order = malloc(n * sizeof(*t->order));
	t->counts = calloc(n, sizeof(*t->counts));
	if (!t->order || !t->counts)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		t->order[i] = i;
	/* Labels never change: sort once here, not in every snapshot. */
	qsort_r(t->order, n, sizeof(*t->order), label_cmp, (void *)labels);
	return 0;
}

static int tally_print(FILE *f, void *arg)
{
	struct tally *t = arg;
	uint64_t total_hits = 0, total_misses = 0;
	uint32_t i;

	for (i = 0; i < t->n; i++) {
		uint32_t idx = t->order[i];
		uint64_t hits = atomic_load_explicit(&t->counts[idx].hits, memory_order_relaxed);
		uint64_t misses =
			atomic_load_explicit(&t->counts[idx].misses, memory_order_relaxed);

		if (!hits && !misses)
			continue;
		fprintf(f, "%s %llu %llu %llu\n", t->labels[idx],
			(unsigned long long)(hits + misses), (unsigned long long)hits,
			(unsigned long long)misses);
		total_hits += hits;
		total_misses += misses;
	}
	fprintf(f, "TOTAL %llu %llu %llu\n", (unsigned long long)(total_hits + total_misses),
		(unsigned long long)total_hits, (unsigned long long)total_misses);
	return 0;
}

int tally_write(struct tally *t, const char *path)
{
	return outfile_write(path, tally_print, t);
}
