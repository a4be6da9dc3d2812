// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect.h"

#define BATCH 1024

/* The kernel's "operation not supported" (not in libc's errno.h): 5.10 has no batch reads of
 * some map types, so those are read an element at a time. */
#define ENOTSUPP 524

static bool no_batch(int err)
{
	return err == ENOTSUPP || err == EOPNOTSUPP || err == EINVAL;
}

struct fsp_collector {
	const struct fsp_probe *probe;
	bool no_batch; /* the kernel has no batch reads of these maps (5.10) */
	__u32 max_symbols;
	__u32 key_type;
	int ncpus;
	struct fsp_key *names;    /* by sym_idx */
	unsigned char *named;     /* by sym_idx */
	__u32 *order;             /* named sym indexes, sorted by key */
	__u32 norder;
	__u32 seen_next;           /* next_sym_idx at the last name refresh */
	__u32 stale_refreshes;     /* refreshes since, for an index whose name is still due */
	struct fsp_counts *percpu; /* counts of every sym_idx on every CPU, read in one batch */
	__u32 *batch_idx;          /* batch keys */
	struct fsp_symbol *symbols;
	struct fsp_latency *lat_by_idx; /* by sym_idx, with --latency */
	struct fsp_latency *lat_syms;   /* parallel to symbols */
	struct fsp_key batch_keys[BATCH];
	__u32 batch_vals[BATCH];
};

int fsp_collect_open(struct fsp_collector **out, const struct fsp_probe *p, __u32 max_symbols,
		     __u32 key_type, int latency)
{
	struct fsp_collector *c = calloc(1, sizeof(*c));
	size_t n = (size_t)max_symbols + FSP_SYM_IDX_RESERVED;

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
	c->batch_idx = calloc(n, sizeof(*c->batch_idx));
	c->symbols = calloc(n, sizeof(*c->symbols));
	c->percpu = c->ncpus > 0 ? calloc(n * c->ncpus, sizeof(*c->percpu)) : NULL;
	if (latency) {
		c->lat_by_idx = calloc(n, sizeof(*c->lat_by_idx));
		c->lat_syms = calloc(n, sizeof(*c->lat_syms));
	}
	if (!c->names || !c->named || !c->order || !c->batch_idx || !c->symbols || !c->percpu ||
	    (latency && (!c->lat_by_idx || !c->lat_syms))) {
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
	free(c->batch_idx);
	free(c->symbols);
	free(c->percpu);
	free(c->lat_by_idx);
	free(c->lat_syms);
	free(c);
}

static int cmp_sym_idx(const void *a, const void *b, void *arg)
{
	const struct fsp_collector *c = arg;

	return fsp_snapshot_key_cmp(c->key_type, &c->names[*(const __u32 *)a],
				   &c->names[*(const __u32 *)b]);
}

static void learn_name(struct fsp_collector *c, const struct fsp_key *key, __u32 sym_idx)
{
	if (sym_idx >= c->max_symbols || c->named[sym_idx])
		return;
	c->names[sym_idx] = *key;
	c->named[sym_idx] = 1;
	c->order[c->norder++] = sym_idx;
}

/* Every key of the symbols hash, one at a time: for kernels without batch reads of it. */
static int names_one_by_one(struct fsp_collector *c, int fd)
{
	struct fsp_key key, next;
	const void *prev = NULL;
	__u32 sym_idx;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		/* Deleted meanwhile: never happens (entries stay), and then it is just skipped. */
		if (!bpf_map_lookup_elem(fd, &next, &sym_idx))
			learn_name(c, &next, sym_idx);
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Learn the names of the symbol indexes handed out since the last read. */
static int refresh_names(struct fsp_collector *c)
{
	int fd = fsp_probe_symbols_fd(c->probe), err = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = 0, out = 0, n, i, before = c->norder;
	void *token = NULL;

	do {
		n = BATCH;
		err = c->no_batch ? -ENOTSUPP :
				    bpf_map_lookup_batch(fd, token, &out, c->batch_keys,
							 c->batch_vals, &n, &opts);
		if (err && !token && (c->no_batch || no_batch(errno))) {
			c->no_batch = true;
			err = names_one_by_one(c, fd);
			break;
		}
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (i = 0; i < n; i++)
			learn_name(c, &c->batch_keys[i], c->batch_vals[i]);
		in = out;
		token = &in;
	} while (!err);
	/* Sorted whatever happened: names added before a failed batch stay in order too. */
	if (c->norder != before)
		qsort_r(c->order, c->norder, sizeof(*c->order), cmp_sym_idx, c);
	return err == -ENOENT || err > 0 ? 0 : err;
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

/* Batch-read indexes [0, nidx) and the reserved ones (overflow, unreadable) into vals. */
static int read_by_sym_idx(struct fsp_collector *c, int fd, __u32 nidx, void *vals, size_t size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = 0, out = 0, done = 0, n, r;
	void *token = NULL;
	int err;

	/* Symbol indexes are dense from 0, so batches walk them in order. */
	while (done < nidx && !c->no_batch) {
		n = nidx - done;
		err = bpf_map_lookup_batch(fd, token, &out, c->batch_idx + done,
					   (char *)vals + done * size, &n, &opts);
		if (err && !token && no_batch(errno)) {
			c->no_batch = true; /* n is not a count then */
			break;
		}
		if (err && errno != ENOENT)
			return -errno;
		done += n;
		if (err || !n)
			break;
		in = out;
		token = &in;
	}
	for (; c->no_batch && done < nidx; done++)
		if (bpf_map_lookup_elem(fd, &done, (char *)vals + done * size))
			return -errno;
	for (r = c->max_symbols; r < c->max_symbols + FSP_SYM_IDX_RESERVED; r++)
		if (bpf_map_lookup_elem(fd, &r, (char *)vals + r * size))
			return -errno;
	return 0;
}

static void hist_add(struct fsp_hist *to, const struct fsp_hist *h)
{
	int i;

	for (i = 0; i < FSP_HIST_BUCKETS; i++)
		to->buckets[i] += h->buckets[i];
	to->sum_ns += h->sum_ns;
}

static void latency_add(struct fsp_latency *to, const struct fsp_latency *l)
{
	hist_add(&to->lookup, &l->lookup);
	hist_add(&to->miss, &l->miss);
}

static void fill_latency(struct fsp_collector *c, struct fsp_snapshot *s)
{
	__u32 i;

	memset(&s->total_latency, 0, sizeof(s->total_latency));
	for (i = 0; i < c->norder; i++) {
		c->lat_syms[i] = c->lat_by_idx[c->order[i]];
		latency_add(&s->total_latency, &c->lat_syms[i]);
	}
	s->overflow_latency = c->lat_by_idx[c->max_symbols];
	latency_add(&s->total_latency, &s->overflow_latency);
	s->unreadable_latency = c->lat_by_idx[c->max_symbols + 1];
	latency_add(&s->total_latency, &s->unreadable_latency);
	s->latency = c->lat_syms;
	s->latency_by_symbol = c->max_symbols <= FSP_LATENCY_BY_SYMBOL_MAX;
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

static void read_prog_stats(struct fsp_collector *c, struct fsp_snapshot *s)
{
	const char *names[FSP_MAX_PROBES];
	int fds[FSP_MAX_PROBES], on = 0;
	size_t i, n;
	FILE *f;

	n = fsp_probe_progs(c->probe, fds, names, FSP_MAX_PROBES);
	for (i = 0; i < n; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		snprintf(s->progs[i].name, sizeof(s->progs[i].name), "%s", names[i]);
		if (bpf_obj_get_info_by_fd(fds[i], &info, &len))
			continue;
		s->progs[i].run_ns = info.run_time_ns;
		s->progs[i].runs = info.run_cnt;
		s->progs[i].recursion_misses = info.recursion_misses;
	}
	s->nprogs = n;
	f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	if (f && fscanf(f, "%d", &on) != 1)
		on = 0;
	if (f)
		fclose(f);
	s->bpf_stats_enabled = on;
}

int fsp_collect_read(struct fsp_collector *c, struct fsp_snapshot *s)
{
	__u32 next, i, sym_idx;
	int err;

	err = fsp_probe_settle(c->probe);
	if (err)
		return err;
	next = fsp_probe_next_sym_idx(c->probe);
	if (next > c->max_symbols)
		next = c->max_symbols;
	/*
	 * Fewer names than indexes: new symbols, an insert still in flight, or an index lost to an
	 * insert race (never named). Retry a few times, not forever, for the last two.
	 */
	if (next != c->seen_next)
		c->stale_refreshes = 0;
	if (c->norder < next && c->stale_refreshes++ < 8) {
		c->seen_next = next;
		err = refresh_names(c);
		if (err)
			return err;
	}
	err = read_by_sym_idx(c, fsp_probe_counts_fd(c->probe), next, c->percpu,
			      sizeof(*c->percpu) * c->ncpus);
	if (!err && c->lat_by_idx)
		err = read_by_sym_idx(c, fsp_probe_latency_fd(c->probe), next, c->lat_by_idx,
				      sizeof(*c->lat_by_idx));
	if (!err)
		err = read_stats(c, s);
	if (err)
		return err;
	for (i = 0; i < c->norder; i++) {
		struct fsp_symbol *sym = &c->symbols[i];

		sym_idx = c->order[i];
		sym->key = c->names[sym_idx];
		sum_counts(c->percpu + (size_t)sym_idx * c->ncpus, c->ncpus, &sym->hits,
			   &sym->misses);
	}
	sum_counts(c->percpu + (size_t)c->max_symbols * c->ncpus, c->ncpus, &s->overflow.hits,
		   &s->overflow.misses);
	sum_counts(c->percpu + (size_t)(c->max_symbols + 1) * c->ncpus, c->ncpus,
		   &s->unreadable.hits, &s->unreadable.misses);
	s->symbols = c->symbols;
	s->nsymbols = c->norder;
	if (c->lat_by_idx)
		fill_latency(c, s);
	read_prog_stats(c, s);
	s->key_type = c->key_type;
	s->max_symbols = c->max_symbols;
	return 0;
}
