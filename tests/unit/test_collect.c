// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsp_collect_read on real BPF maps (root: bpf_map_create, no BPF program, no skeleton).
 *
 * The collector reaches the probe only through seven accessors of probe.h (the four map fds,
 * the next sym_idx counter, settle, and the program list), so this test links user/collect.c
 * alone and defines those accessors over maps it creates with the layout bpf/fsprobe.bpf.c
 * declares:
 *
 *   symbols    HASH          struct fsp_key -> __u32 sym_idx, max_symbols entries
 *   counts     PERCPU_ARRAY  sym_idx -> struct fsp_counts, max_symbols + 1 (the last: overflow)
 *   latencies  ARRAY         sym_idx -> struct fsp_latency, max_symbols + 1 (with --latency)
 *   stats      PERCPU_ARRAY  enum fsp_stat -> __u64
 *
 * next_sym_idx is what the BPF side hands out (bss, read live); a sym_idx is handed out before its
 * key is inserted into symbols, which is the window the collector's retries cover.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "testutil.h"

/* The probe as the collector sees it: map fds and counters the test sets. */
struct fsp_probe {
	int symbols_fd, counts_fd, latency_fd, stats_fd;
	__u32 next_sym_idx;
	int settle_err;
	int prog_fd; /* a program to report, or -1 */
	__u32 max_symbols;
	int ncpus;
};

static int settles; /* fsp_probe_settle calls */

int fsp_probe_settle(const struct fsp_probe *p)
{
	settles++;
	return p->settle_err;
}

int fsp_probe_symbols_fd(const struct fsp_probe *p)
{
	return p->symbols_fd;
}

int fsp_probe_counts_fd(const struct fsp_probe *p)
{
	return p->counts_fd;
}

int fsp_probe_stats_fd(const struct fsp_probe *p)
{
	return p->stats_fd;
}

int fsp_probe_latency_fd(const struct fsp_probe *p)
{
	return p->latency_fd;
}

__u32 fsp_probe_next_sym_idx(const struct fsp_probe *p)
{
	return p->next_sym_idx;
}

size_t fsp_probe_progs(const struct fsp_probe *p, int *fds, const char **names, size_t max)
{
	if (p->prog_fd < 0 || !max)
		return 0;
	fds[0] = p->prog_fd;
	names[0] = "fake_prog";
	return 1;
}

/* Maps for max_symbols, empty; skips the test without the right to create BPF maps. */
static void probe_open(struct fsp_probe *p, __u32 max_symbols)
{
	memset(p, 0, sizeof(*p));
	p->max_symbols = max_symbols;
	p->prog_fd = -1;
	p->ncpus = libbpf_num_possible_cpus();
	assert_true(p->ncpus > 0);
	p->symbols_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "symbols", sizeof(struct fsp_key),
				       sizeof(__u32), max_symbols, NULL);
	if (p->symbols_fd == -EPERM) {
		print_message("creating BPF maps needs root (CAP_BPF): skipping\n");
		skip();
	}
	assert_true(p->symbols_fd >= 0);
	p->counts_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "counts", sizeof(__u32),
				      sizeof(struct fsp_counts), max_symbols + FSP_SYM_IDX_RESERVED, NULL);
	assert_true(p->counts_fd >= 0);
	p->latency_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "latencies", sizeof(__u32),
				       sizeof(struct fsp_latency), max_symbols + FSP_SYM_IDX_RESERVED,
				       NULL);
	assert_true(p->latency_fd >= 0);
	p->stats_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "stats", sizeof(__u32),
				     sizeof(__u64), FSP_STAT__MAX, NULL);
	assert_true(p->stats_fd >= 0);
}

static void probe_close(struct fsp_probe *p)
{
	close(p->symbols_fd);
	close(p->counts_fd);
	close(p->latency_fd);
	close(p->stats_fd);
	if (p->prog_fd >= 0)
		close(p->prog_fd);
}

static struct fsp_key key(const char *s)
{
	struct fsp_key k = {};
	size_t n = strlen(s);

	assert_true(n < FSP_KEY_MAX);
	memcpy(k.data, s, n); /* NUL-padded, as the BPF side leaves keys */
	return k;
}

static struct fsp_key int_key(__s64 v)
{
	struct fsp_key k = {};

	memcpy(k.data, &v, sizeof(v));
	return k;
}

/* What the BPF side's sym_insert leaves: key -> sym_idx in symbols. */
static void name_sym(struct fsp_probe *p, struct fsp_key k, __u32 sym_idx)
{
	assert_int_equal(bpf_map_update_elem(p->symbols_fd, &k, &sym_idx, BPF_NOEXIST), 0);
}

/* Counts of sym_idx: hits and misses spread over the CPUs (all on CPU 0 with one CPU). */
static void set_counts(struct fsp_probe *p, __u32 sym_idx, __u64 hits, __u64 misses)
{
	struct fsp_counts v[p->ncpus];
	int last = p->ncpus - 1;

	memset(v, 0, sizeof(v));
	v[0] = (struct fsp_counts){ .hits = hits / 2, .misses = misses };
	v[last].hits += hits - hits / 2;
	assert_int_equal(bpf_map_update_elem(p->counts_fd, &sym_idx, v, 0), 0);
}

static void set_stat(struct fsp_probe *p, __u32 stat, __u64 value)
{
	__u64 v[p->ncpus];
	int last = p->ncpus - 1;

	memset(v, 0, sizeof(v));
	v[0] = value / 3;
	v[last] += value - value / 3;
	assert_int_equal(bpf_map_update_elem(p->stats_fd, &stat, v, 0), 0);
}

static void assert_symbol(const struct fsp_snapshot *s, size_t i, struct fsp_key k, __u64 hits,
			  __u64 misses)
{
	assert_true(i < s->nsymbols);
	assert_memory_equal(s->symbols[i].key.data, k.data, FSP_KEY_MAX);
	assert_int_equal(s->symbols[i].hits, hits);
	assert_int_equal(s->symbols[i].misses, misses);
}

/* A fresh snapshot read by c; fails the test on an error. */
static struct fsp_snapshot read_ok(struct fsp_collector *c)
{
	struct fsp_snapshot s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(fsp_collect_read(c, &s), 0);
	return s;
}

/* Symbols sorted by key, counts summed over CPUs, overflow and stats too. */
static void test_read(void **state)
{
	struct fsp_collector *c;
	struct fsp_snapshot s;
	struct fsp_probe p;
	int i;

	(void)state;
	probe_open(&p, 8);
	name_sym(&p, key("gamma"), 0);
	name_sym(&p, key("alpha"), 1);
	name_sym(&p, key("beta"), 2);
	p.next_sym_idx = 3;
	set_counts(&p, 0, 5, 1);
	set_counts(&p, 1, 7, 2);
	set_counts(&p, 2, 0, 3);
	set_counts(&p, 8, 11, 13); /* overflow */
	set_counts(&p, 9, 17, 19); /* unreadable keys */
	for (i = 0; i < FSP_STAT__MAX; i++)
		set_stat(&p, i, 100 + i);
	assert_int_equal(fsp_collect_open(&c, &p, 8, FSP_KEY_CSTR, 0), 0);

	settles = 0;
	s = read_ok(c);
	assert_int_equal(settles, 1);
	assert_int_equal(s.nsymbols, 3);
	assert_symbol(&s, 0, key("alpha"), 7, 2);
	assert_symbol(&s, 1, key("beta"), 0, 3);
	assert_symbol(&s, 2, key("gamma"), 5, 1);
	assert_int_equal(s.overflow.hits, 11);
	assert_int_equal(s.overflow.misses, 13);
	assert_int_equal(s.unreadable.hits, 17);
	assert_int_equal(s.unreadable.misses, 19);
	for (i = 0; i < FSP_STAT__MAX; i++)
		assert_int_equal(s.stats[i], 100 + i);
	assert_int_equal(s.key_type, FSP_KEY_CSTR);
	assert_int_equal(s.max_symbols, 8);
	assert_null(s.latency);
	assert_int_equal(s.nprogs, 0);

	/* Counts move, names do not: the next read shows the new counts. */
	set_counts(&p, 1, 9, 4);
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 3);
	assert_symbol(&s, 0, key("alpha"), 9, 4);

	fsp_collect_destroy(c);
	probe_close(&p);
}

/* The symbol hash is read only when next_sym_idx is past the names known. */
static void test_names_when_sym_idx_moves(void **state)
{
	struct fsp_collector *c;
	struct fsp_snapshot s;
	struct fsp_probe p;

	(void)state;
	probe_open(&p, 8);
	name_sym(&p, key("b"), 0);
	name_sym(&p, key("d"), 1);
	p.next_sym_idx = 2;
	assert_int_equal(fsp_collect_open(&c, &p, 8, FSP_KEY_CSTR, 0), 0);
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 2);

	/* A name with no sym_idx handed out for it yet is not looked for. */
	name_sym(&p, key("a"), 2);
	set_counts(&p, 2, 1, 1);
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 2);

	/* Once next_sym_idx covers it, it is read, and sorted in among the others. */
	p.next_sym_idx = 3;
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 3);
	assert_symbol(&s, 0, key("a"), 1, 1);
	assert_symbol(&s, 1, key("b"), 0, 0);
	assert_symbol(&s, 2, key("d"), 0, 0);

	fsp_collect_destroy(c);
	probe_close(&p);
}

/*
 * Reads at one next_sym_idx value with sym_idx 2 unnamed: the collector refreshes the names on the
 * first and retries on the next ones, a bounded number of times (8 refreshes in all today:
 * collect.c's stale_refreshes). Returns the collector after `reads` such reads.
 */
static struct fsp_collector *unnamed_sym_idx(struct fsp_probe *p, int reads)
{
	struct fsp_collector *c;
	struct fsp_snapshot s;
	int i;

	probe_open(p, 8);
	name_sym(p, key("x"), 0);
	name_sym(p, key("y"), 1);
	p->next_sym_idx = 3; /* sym_idx 2 handed out, its insert not done */
	set_counts(p, 2, 4, 4);
	assert_int_equal(fsp_collect_open(&c, p, 8, FSP_KEY_CSTR, 0), 0);
	for (i = 0; i < reads; i++) {
		s = read_ok(c);
		assert_int_equal(s.nsymbols, 2);
		/* An unnamed sym_idx counts nowhere, not even in the overflow. */
		assert_int_equal(s.overflow.hits, 0);
	}
	return c;
}

/* An insert still in flight at one read is picked up by a later read (the 8th here). */
static void test_retry_in_flight(void **state)
{
	struct fsp_probe p;
	struct fsp_collector *c = unnamed_sym_idx(&p, 7);
	struct fsp_snapshot s;

	(void)state;
	name_sym(&p, key("w"), 2);
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 3);
	assert_symbol(&s, 0, key("w"), 4, 4);
	fsp_collect_destroy(c);
	probe_close(&p);
}

/* A sym_idx never named (lost to an insert race) stops costing hash reads after 8 tries... */
static void test_retry_gives_up(void **state)
{
	struct fsp_probe p;
	struct fsp_collector *c = unnamed_sym_idx(&p, 8);
	struct fsp_snapshot s;

	(void)state;
	name_sym(&p, key("w"), 2);
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 2);

	/* ...until next_sym_idx moves again: then both new names are read. */
	name_sym(&p, key("v"), 3);
	set_counts(&p, 3, 1, 0);
	p.next_sym_idx = 4;
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 4);
	assert_symbol(&s, 0, key("v"), 1, 0);
	assert_symbol(&s, 1, key("w"), 4, 4);
	assert_symbol(&s, 2, key("x"), 0, 0);
	assert_symbol(&s, 3, key("y"), 0, 0);
	fsp_collect_destroy(c);
	probe_close(&p);
}

/* next_sym_idx runs past max_symbols (the BPF side adds before it checks): clamped. */
static void test_next_past_max(void **state)
{
	struct fsp_collector *c;
	struct fsp_snapshot s;
	struct fsp_probe p;
	int i;

	(void)state;
	probe_open(&p, 4);
	for (i = 0; i < 4; i++) {
		char k[8];

		snprintf(k, sizeof(k), "k%d", i);
		name_sym(&p, key(k), i);
		set_counts(&p, i, i + 1, 0);
	}
	set_counts(&p, 4, 50, 60);
	p.next_sym_idx = 7;
	assert_int_equal(fsp_collect_open(&c, &p, 4, FSP_KEY_CSTR, 0), 0);
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(s.symbols[i].hits, i + 1);
	assert_int_equal(s.overflow.hits, 50);
	assert_int_equal(s.overflow.misses, 60);
	fsp_collect_destroy(c);
	probe_close(&p);
}

/* More symbols than one batch (1024) of either map read. */
static void test_batches(void **state)
{
	const __u32 n = 2500;
	struct fsp_collector *c;
	struct fsp_snapshot s;
	struct fsp_probe p;
	char k[16];
	__u32 i;

	(void)state;
	probe_open(&p, n);
	/* Slot i holds key k(n - 1 - i): sorted order is the reverse of sym_idx order. */
	for (i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "k%05u", n - 1 - i);
		name_sym(&p, key(k), i);
		set_counts(&p, i, i, 1);
	}
	p.next_sym_idx = n;
	assert_int_equal(fsp_collect_open(&c, &p, n, FSP_KEY_CSTR, 0), 0);
	s = read_ok(c);
	assert_int_equal(s.nsymbols, n);
	for (i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "k%05u", i);
		assert_symbol(&s, i, key(k), n - 1 - i, 1);
	}
	fsp_collect_destroy(c);
	probe_close(&p);
}

/* Integer keys sort by value, signed or not as the key type says. */
static void test_integer_order(void **state)
{
	struct fsp_collector *c;
	struct fsp_snapshot s;
	struct fsp_probe p;

	(void)state;
	probe_open(&p, 4);
	name_sym(&p, int_key(3), 0);
	name_sym(&p, int_key(-5), 1);
	name_sym(&p, int_key(-1), 2);
	p.next_sym_idx = 3;
	assert_int_equal(fsp_collect_open(&c, &p, 4, FSP_KEY_I64, 0), 0);
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 3);
	assert_symbol(&s, 0, int_key(-5), 0, 0);
	assert_symbol(&s, 1, int_key(-1), 0, 0);
	assert_symbol(&s, 2, int_key(3), 0, 0);
	assert_int_equal(s.key_type, FSP_KEY_I64);
	fsp_collect_destroy(c);

	assert_int_equal(fsp_collect_open(&c, &p, 4, FSP_KEY_U64, 0), 0);
	s = read_ok(c);
	assert_symbol(&s, 0, int_key(3), 0, 0);
	assert_symbol(&s, 1, int_key(-5), 0, 0);
	assert_symbol(&s, 2, int_key(-1), 0, 0);
	fsp_collect_destroy(c);
	probe_close(&p);
}

static struct fsp_latency latency(__u64 lookup_bucket, __u64 miss_bucket, __u64 n)
{
	struct fsp_latency l = {};

	l.lookup.buckets[lookup_bucket] = n;
	l.lookup.sum_ns = n * 1000;
	l.miss.buckets[miss_bucket] = n;
	l.miss.sum_ns = n * 5000;
	return l;
}

/* With latency: histograms parallel to the sorted symbols, the overflow's, and their sum. */
static void test_latency(void **state)
{
	struct fsp_latency l[3] = { latency(1, 5, 2), latency(2, 6, 3), latency(3, 7, 4) };
	struct fsp_collector *c;
	struct fsp_snapshot s;
	struct fsp_probe p;
	__u32 sym_idx;

	(void)state;
	probe_open(&p, 4);
	name_sym(&p, key("zz"), 0);
	name_sym(&p, key("aa"), 1);
	p.next_sym_idx = 2;
	for (sym_idx = 0; sym_idx < 2; sym_idx++)
		assert_int_equal(bpf_map_update_elem(p.latency_fd, &sym_idx, &l[sym_idx], 0), 0);
	sym_idx = 4; /* overflow */
	assert_int_equal(bpf_map_update_elem(p.latency_fd, &sym_idx, &l[2], 0), 0);
	assert_int_equal(fsp_collect_open(&c, &p, 4, FSP_KEY_CSTR, 1), 0);
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 2);
	assert_non_null(s.latency);
	assert_memory_equal(&s.latency[0], &l[1], sizeof(l[1])); /* aa */
	assert_memory_equal(&s.latency[1], &l[0], sizeof(l[0])); /* zz */
	assert_memory_equal(&s.overflow_latency, &l[2], sizeof(l[2]));
	assert_int_equal(s.total_latency.lookup.buckets[1], 2);
	assert_int_equal(s.total_latency.lookup.buckets[2], 3);
	assert_int_equal(s.total_latency.lookup.buckets[3], 4);
	assert_int_equal(s.total_latency.miss.buckets[7], 4);
	assert_int_equal(s.total_latency.lookup.sum_ns, 9000);
	assert_int_equal(s.total_latency.miss.sum_ns, 45000);
	assert_true(s.latency_by_symbol);
	fsp_collect_destroy(c);
	probe_close(&p);

	/* Past FSP_LATENCY_BY_SYMBOL_MAX symbols, no symbol label on histograms. */
	probe_open(&p, FSP_LATENCY_BY_SYMBOL_MAX + 1);
	assert_int_equal(fsp_collect_open(&c, &p, FSP_LATENCY_BY_SYMBOL_MAX + 1, FSP_KEY_CSTR, 1),
			 0);
	s = read_ok(c);
	assert_false(s.latency_by_symbol);
	fsp_collect_destroy(c);
	probe_close(&p);
}

/* The kernel's accounting of each program the probe reports. */
static void test_prog_stats(void **state)
{
	/* r0 = 0; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct fsp_collector *c;
	struct fsp_snapshot s;
	struct fsp_probe p;
	FILE *f;
	int on = 0;

	(void)state;
	probe_open(&p, 2);
	p.prog_fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "fake_prog", "GPL", insns, 2, NULL);
	assert_true(p.prog_fd >= 0);
	assert_int_equal(fsp_collect_open(&c, &p, 2, FSP_KEY_CSTR, 0), 0);
	s = read_ok(c);
	assert_int_equal(s.nprogs, 1);
	assert_string_equal(s.progs[0].name, "fake_prog");
	f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	if (f) {
		assert_int_equal(fscanf(f, "%d", &on), 1);
		fclose(f);
	}
	assert_int_equal(s.bpf_stats_enabled, on);
	fsp_collect_destroy(c);
	probe_close(&p);
}

/* Errors come back as negative errnos, from settle and from every map read. */
static void test_errors(void **state)
{
	struct fsp_collector *c;
	struct fsp_snapshot s;
	struct fsp_probe p;
	int fd;

	(void)state;
	probe_open(&p, 4);
	name_sym(&p, key("a"), 0);
	p.next_sym_idx = 1;
	assert_int_equal(fsp_collect_open(&c, &p, 4, FSP_KEY_CSTR, 1), 0);

	p.settle_err = -EIO;
	assert_int_equal(fsp_collect_read(c, &s), -EIO);
	p.settle_err = 0;

	/* Each map in turn is unreadable: symbols (names still due), counts, latencies, stats. */
	fd = p.symbols_fd;
	p.symbols_fd = -1;
	assert_int_equal(fsp_collect_read(c, &s), -EBADF);
	p.symbols_fd = fd;
	s = read_ok(c);
	assert_int_equal(s.nsymbols, 1);

	fd = p.counts_fd;
	p.counts_fd = -1;
	assert_int_equal(fsp_collect_read(c, &s), -EBADF);
	p.counts_fd = fd;
	fd = p.latency_fd;
	p.latency_fd = -1;
	assert_int_equal(fsp_collect_read(c, &s), -EBADF);
	p.latency_fd = fd;
	fd = p.stats_fd;
	p.stats_fd = -1;
	assert_int_equal(fsp_collect_read(c, &s), -EBADF);
	p.stats_fd = fd;

	s = read_ok(c);
	assert_int_equal(s.nsymbols, 1);
	fsp_collect_destroy(c);
	probe_close(&p);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_names_when_sym_idx_moves),
		cmocka_unit_test(test_retry_in_flight),
		cmocka_unit_test(test_retry_gives_up),
		cmocka_unit_test(test_next_past_max),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_integer_order),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_prog_stats),
		cmocka_unit_test(test_errors),
	};
	/* clang-format on */

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: collect\n");
	return cmocka_run_group_tests_name("collect", tests, NULL, NULL);
}
