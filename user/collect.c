// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect.h"

#define BATCH 1024

struct fsp_collector {
	const struct fsp_probe *probe;
	__u32 max_symbols;
	__u32 key_type;
	int ncpus;
	struct fsp_key *names;    /* by slot */
	unsigned char *named;     /* by slot */
	__u32 *order;             /* named slots, sorted by key */
	__u32 norder;
	struct fsp_counts *percpu; /* counts of every slot on every CPU, read in one batch */
	__u32 *slots;              /* batch keys */
	struct fsp_symbol *symbols;
	struct fsp_key batch_keys[BATCH];
	__u32 batch_vals[BATCH];
};

int fsp_collect_open(struct fsp_collector **out, const struct fsp_probe *p, __u32 max_symbols,
		     __u32 key_type)
{
	struct fsp_collector *c = calloc(1, sizeof(*c));
	size_t n = (size_t)max_symbols + 1;

	if (!c)
		return -ENOMEM;
	c->probe = p;
	c->max_symbols = max_symbols;
	c->key_type = key_type;
	c->ncpus = libbpf_num_possible_cpus();
	/* Untouched pages cost no memory, so sizing for the limit up front is cheap. */
	c->names = calloc(n, sizeof(*c->names));
	c->named = calloc(n, 1);
	c->order = calloc(n, sizeof(*c->order));
	c->slots = calloc(n, sizeof(*c->slots));
	c->symbols = calloc(n, sizeof(*c->symbols));
	c->percpu = c->ncpus > 0 ? calloc(n * c->ncpus, sizeof(*c->percpu)) : NULL;
	if (!c->names || !c->named || !c->order || !c->slots || !c->symbols || !c->percpu) {
		fsp_collect_destroy(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void fsp_collect_destroy(struct fsp_collector *c)
{
	if (!c)
		return;
	free(c->names);
	free(c->named);
	free(c->order);
	free(c->slots);
	free(c->symbols);
	free(c->percpu);
	free(c);
}

static int cmp_slots(const void *a, const void *b, void *arg)
{
	const struct fsp_collector *c = arg;
	const struct fsp_key *ka = &c->names[*(const __u32 *)a], *kb = &c->names[*(const __u32 *)b];
	__s64 sa, sb;

	if (c->key_type == FSP_KEY_CSTR || c->key_type == FSP_KEY_BYTES)
		return strncmp(ka->data, kb->data, FSP_KEY_MAX);
	memcpy(&sa, ka->data, sizeof(sa));
	memcpy(&sb, kb->data, sizeof(sb));
	if (c->key_type == FSP_KEY_U64 || c->key_type == FSP_KEY_U32)
		return (__u64)sa < (__u64)sb ? -1 : (__u64)sa > (__u64)sb;
	return sa < sb ? -1 : sa > sb;
}

/* Learn the names of slots handed out since the last read. */
static int refresh_names(struct fsp_collector *c)
{
	int fd = fsp_probe_symbols_fd(c->probe), err = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = 0, out = 0, n, i, before = c->norder;
	void *token = NULL;

	do {
		n = BATCH;
		err = bpf_map_lookup_batch(fd, token, &out, c->batch_keys, c->batch_vals, &n, &opts);
		if (err && errno != ENOENT)
			return -errno;
		for (i = 0; i < n; i++) {
			__u32 slot = c->batch_vals[i];

			if (slot >= c->max_symbols || c->named[slot])
				continue;
			c->names[slot] = c->batch_keys[i];
			c->named[slot] = 1;
			c->order[c->norder++] = slot;
		}
		in = out;
		token = &in;
	} while (!err);
	if (c->norder != before)
		qsort_r(c->order, c->norder, sizeof(*c->order), cmp_slots, c);
	return 0;
}

static void sum_counts(const struct fsp_counts *percpu, int ncpus, __u64 *hits, __u64 *misses)
{
	int cpu;

	*hits = *misses = 0;
	for (cpu = 0; cpu < ncpus; cpu++) {
		*hits += percpu[cpu].hits;
		*misses += percpu[cpu].misses;
	}
}

static int read_counts(struct fsp_collector *c, __u32 nslots)
{
	int fd = fsp_probe_counts_fd(c->probe);
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = 0, out = 0, done = 0, n, overflow = c->max_symbols;
	void *token = NULL;
	int err;

	/* Slots are dense from 0, so batches walk them in order. */
	while (done < nslots) {
		n = nslots - done;
		err = bpf_map_lookup_batch(fd, token, &out, c->slots + done,
					   c->percpu + (size_t)done * c->ncpus, &n, &opts);
		if (err && errno != ENOENT)
			return -errno;
		done += n;
		if (err || !n)
			break;
		in = out;
		token = &in;
	}
	if (bpf_map_lookup_elem(fd, &overflow, c->percpu + (size_t)overflow * c->ncpus))
		return -errno;
	return 0;
}

static int read_stats(struct fsp_collector *c, struct fsp_snapshot *s)
{
	int fd = fsp_probe_stats_fd(c->probe);
	__u64 vals[c->ncpus];
	__u32 i;
	int cpu;

	for (i = 0; i < FSP_STAT__MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			return -errno;
		s->stats[i] = 0;
		for (cpu = 0; cpu < c->ncpus; cpu++)
			s->stats[i] += vals[cpu];
	}
	return 0;
}

int fsp_collect_read(struct fsp_collector *c, struct fsp_snapshot *s)
{
	__u32 next = fsp_probe_next_slot(c->probe), i, slot;
	int err;

	if (next > c->max_symbols)
		next = c->max_symbols;
	/* Fewer names than slots: new symbols (or a slot lost to an insert race; rare). */
	if (c->norder < next) {
		err = refresh_names(c);
		if (err)
			return err;
	}
	err = read_counts(c, next);
	if (!err)
		err = read_stats(c, s);
	if (err)
		return err;
	for (i = 0; i < c->norder; i++) {
		struct fsp_symbol *sym = &c->symbols[i];

		slot = c->order[i];
		sym->key = c->names[slot];
		sum_counts(c->percpu + (size_t)slot * c->ncpus, c->ncpus, &sym->hits, &sym->misses);
	}
	sum_counts(c->percpu + (size_t)c->max_symbols * c->ncpus, c->ncpus, &s->overflow.hits,
		   &s->overflow.misses);
	s->symbols = c->symbols;
	s->nsymbols = c->norder;
	s->key_type = c->key_type;
	s->max_symbols = c->max_symbols;
	return 0;
}
