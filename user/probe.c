// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Load the BPF object and attach its programs to the target's functions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "probe.h"
#include "fsprobe.skel.h"
#include "locate.h"
#include "log.h"
#include "place.h"
#include "reach.h"

#define FSP_MAX_RETS 32

/* In attach order: return and miss probes first, so a lookup seen entering is seen leaving. */
enum { PROBE_MISS_RET, PROBE_MISS, PROBE_LOOKUP_RET, PROBE_LOOKUP, PROBE__MAX };

struct fsp_probe {
	struct fsprobe_bpf *skel;
	struct bpf_link *links[PROBE__MAX];
	struct bpf_link *exit_link;   /* counts an exiting thread's open lookups */
	struct bpf_link *exec_link;   /* and those of a thread that execs another program */
	struct bpf_link *settle_link; /* lazy counting: the iterator run before each read */
	struct fsp_probe_info info[PROBE__MAX];
	struct bpf_program *progs[PROBE__MAX]; /* NULL: not used in this mode */
	bool go;                               /* a Go program: no uretprobes, Go's ABI */
	bool lazy_ok;                          /* the miss function runs only inside the lookup */
	__u32 lookup_skip;                     /* where the lookup's entry probe sits */
	struct bpf_link *ret_links[FSP_MAX_RETS]; /* Go: the lookup's RET instructions */
};

static int resolve(const struct fsp_target *t, const char *name, struct fsp_func *fn)
{
	char why[1024];
	int err = fsp_locate_func(t, name, fn, why, sizeof(why));

	if (err)
		fsp_log_error("function '%s' in %s (%s): %s", name, t->exe, t->comm, why);
	else if (strcmp(fn->path, t->path))
		fsp_log_debug("%s found in %s", name, fn->path);
	return err;
}

/* Go returns: a uprobe on every RET instruction of the function stands in for a uretprobe. */
static int attach_go_returns(struct fsp_probe *p, const struct fsp_target *t,
			     const struct fsp_func *fn)
{
	__u64 offs[FSP_MAX_RETS];
	int n, i;

	n = fsp_place_go_returns(fn->path, fn->offset, fn->size, offs, FSP_MAX_RETS);
	if (n < 0) {
		fsp_log_error("cannot find the RET instructions of %s in %s: %s", fn->name,
			      fn->path, strerror(-n));
		return n;
	}
	for (i = 0; i < n; i++) {
		p->ret_links[i] = bpf_program__attach_uprobe(p->progs[PROBE_LOOKUP_RET], false,
							     t->pid ? t->pid : -1, fn->path,
							     offs[i]);
		if (!p->ret_links[i]) {
			n = -errno;
			fsp_log_error("cannot attach a uprobe to the RET at 0x%llx in %s: %s",
				      (unsigned long long)offs[i], fn->name, strerror(-n));
			return n;
		}
	}
	fsp_log_debug("attached %s's %d RET instructions", fn->name, n);
	return 0;
}

/*
 * Where on a function its probes go, decided once: entry and return probes share it (one
 * breakpoint serves both, and past an endbr64 the return address is still at [sp]).
 */
static void place(const struct fsp_probe *p, const struct fsp_func *fn, struct fsp_place *pl)
{
	if (p->go)
		fsp_place_go_entry(fn->path, fn->offset, fn->size, pl);
	else
		fsp_place_probe(fn->path, fn->offset, fn->size, pl);
}

static int attach(struct fsp_probe *p, int idx, const struct fsp_target *t,
		  const struct fsp_func *fn, const struct fsp_place *pl, const char *role)
{
	bool retprobe = idx == PROBE_MISS_RET || idx == PROBE_LOOKUP_RET;
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = retprobe);
	struct fsp_probe_info *info = &p->info[idx];
	int err;

	snprintf(info->function, sizeof(info->function), "%s", fn->name);
	snprintf(info->role, sizeof(info->role), "%s", role);
	if (p->go && idx == PROBE_LOOKUP_RET) {
		err = attach_go_returns(p, t, fn);
		info->attached = !err;
		return err;
	}
	snprintf(info->placement, sizeof(info->placement), "%s", pl->reason);
	info->offset = pl->offset;
	/* pid -1 also catches processes started later: the probe lives on the file's inode. */
	p->links[idx] = bpf_program__attach_uprobe_opts(p->progs[idx], t->pid ? t->pid : -1,
							fn->path, pl->offset, &uo);
	if (!p->links[idx]) {
		err = -errno;
		fsp_log_error("cannot attach %s to %s at offset 0x%llx in %s: %s",
			      retprobe ? "uretprobe" : "uprobe", fn->name,
			      (unsigned long long)pl->offset, fn->path, strerror(-err));
		return err;
	}
	info->attached = 1;
	fsp_log_debug("attached %s%s in %s at file offset 0x%llx (function at 0x%llx): %s",
		      fn->name, retprobe ? " (return)" : "", fn->path,
		      (unsigned long long)pl->offset, (unsigned long long)fn->offset, pl->reason);
	return 0;
}

/*
 * Lazy counting needs no return probe: a lookup is counted when the thread's next lookup
 * starts, when the thread exits, or when a read finds the thread's stack above the lookup's.
 * It halves the probes per lookup; the return value and the lookup's duration need the return.
 */
static bool is_lazy(const struct fsp_probe *p, const struct fsp_probe_opts *o)
{
	/* Go: a thread's stack pointer says nothing about a goroutine's lookup. */
	return o->lazy && o->mode == FSP_MODE_MISS_FN && !o->latency && !p->go && p->lazy_ok;
}

/*
 * Without a return probe a miss is given to the thread's innermost open lookup by stack
 * position, so a miss function that could also run after a lookup has returned (called by the
 * lookup's caller, say) would be misattributed. Lazy counting is used only when the binary
 * proves that cannot happen.
 */
static bool check_lazy(const struct fsp_func *lookup, const struct fsp_func *miss)
{
	char why[160];
	int ret;

	if (strcmp(lookup->path, miss->path)) {
		fsp_log_info("counting each lookup at its return: %s and %s are in different files",
			     lookup->name, miss->name);
		return false;
	}
	ret = fsp_reach_only_from(miss->path, miss->vaddr, lookup->vaddr, lookup->size, why,
				  sizeof(why));
	if (ret != 1) {
		fsp_log_info("counting each lookup at its return, as %s may run outside %s: %s",
			     miss->name, lookup->name, ret < 0 ? strerror(-ret) : why);
		return false;
	}
	/* Settling checks a lookup's return slot for a direct call: there must be no other way in. */
	ret = fsp_reach_only_from(lookup->path, lookup->vaddr, 0, ~0ULL, why, sizeof(why));
	if (ret != 1)
		fsp_log_info("counting each lookup at its return, as %s is not only called "
			     "directly: %s", lookup->name, ret < 0 ? strerror(-ret) : why);
	return ret == 1;
}

static void plan(struct fsp_probe *p, const struct fsp_probe_opts *o)
{
	struct fsprobe_bpf *sk = p->skel;

	if (o->mode == FSP_MODE_HIT_MISS) {
		p->progs[PROBE_LOOKUP] = sk->progs.hit_call;
		p->progs[PROBE_MISS] = sk->progs.miss_call;
	} else {
		p->progs[PROBE_LOOKUP] = sk->progs.lookup_entry;
		if (!is_lazy(p, o))
			p->progs[PROBE_LOOKUP_RET] = p->go ? sk->progs.lookup_ret_insn :
							     sk->progs.lookup_return;
		if (o->mode == FSP_MODE_MISS_FN) {
			p->progs[PROBE_MISS] = sk->progs.miss_entry;
			/* The miss penalty needs a uretprobe on the miss function: not in Go. */
			if (o->latency && !p->go)
				p->progs[PROBE_MISS_RET] = sk->progs.miss_return;
		}
	}
	bpf_program__set_autoload(sk->progs.hit_call, o->mode == FSP_MODE_HIT_MISS);
	bpf_program__set_autoload(sk->progs.miss_call, o->mode == FSP_MODE_HIT_MISS);
	bpf_program__set_autoload(sk->progs.lookup_entry, o->mode != FSP_MODE_HIT_MISS);
	bpf_program__set_autoload(sk->progs.lookup_return,
				  p->progs[PROBE_LOOKUP_RET] == sk->progs.lookup_return);
	bpf_program__set_autoload(sk->progs.lookup_ret_insn,
				  p->progs[PROBE_LOOKUP_RET] == sk->progs.lookup_ret_insn);
	bpf_program__set_autoload(sk->progs.settle, is_lazy(p, o));
	/* A thread that exits inside a lookup still has it counted (not Go: goroutines). */
	bpf_program__set_autoload(sk->progs.thread_exit, o->mode != FSP_MODE_HIT_MISS && !p->go);
	bpf_program__set_autoload(sk->progs.thread_exec, o->mode != FSP_MODE_HIT_MISS && !p->go);
	bpf_program__set_autoload(sk->progs.miss_entry, o->mode == FSP_MODE_MISS_FN);
	bpf_program__set_autoload(sk->progs.miss_return, !!p->progs[PROBE_MISS_RET]);
}

/* The smallest power of two, from 2^lo, that is at least n; 2^hi at most. */
static __u32 log2_up(__u64 n, __u32 lo, __u32 hi)
{
	__u32 bits = lo;

	while (bits < hi && (1ULL << bits) < n)
		bits++;
	return bits;
}

static int configure(struct fsp_probe *p, const struct fsp_probe_opts *o)
{
	struct fsprobe_bpf *sk = p->skel;
	/* The one place the BPF side's settings are set (bpf/fsprobe.h, struct fsp_config). */
	struct fsp_config *cfg = &sk->rodata->cfg;
	int err;

	cfg->key_prog = o->key;
	cfg->key_prog.go_abi = p->go;
	cfg->pred = o->pred;
	cfg->mode = o->mode;
	cfg->lazy = is_lazy(p, o);
	cfg->target_tgid = o->target->pid;
	cfg->lookup_skip = p->lookup_skip;
	cfg->max_symbols = o->max_symbols;
	/* Hint buckets (two keys, 96 bytes): two per symbol, so few keys lack one; 24 MiB at most. */
	cfg->hint_bits = log2_up(2ULL * o->max_symbols, 5, 18);
	/* A thread's entry is its tid modulo the table (Go keys state by goroutine instead). */
	cfg->thread_table_on = !p->go && o->mode != FSP_MODE_HIT_MISS && o->thread_slots;
	if (cfg->thread_table_on)
		cfg->thread_bits = log2_up(o->thread_slots, 0, 16);
	/* --hit/--miss calls have no lookup window to time. */
	cfg->latency = o->latency && o->mode != FSP_MODE_HIT_MISS;
	err = bpf_map__set_max_entries(sk->maps.symbols, o->max_symbols);
	if (!err)
		err = bpf_map__set_max_entries(sk->maps.sym_hints, 1U << cfg->hint_bits);
	if (!err)
		err = bpf_map__set_max_entries(sk->maps.thread_table, 1U << cfg->thread_bits);
	if (!err)
		err = bpf_map__set_max_entries(sk->maps.counts, o->max_symbols + 1);
	if (!err && cfg->latency)
		err = bpf_map__set_max_entries(sk->maps.latencies, o->max_symbols + 1);
	/* Per-goroutine state only for Go: it is preallocated memory. */
	if (!err && !p->go)
		err = bpf_map__set_max_entries(sk->maps.goroutines, 1);
	if (err)
		fsp_log_error("cannot size the maps for %u symbols: %s", o->max_symbols,
			      strerror(-err));
	return err;
}

static int open_and_load(struct fsp_probe *p, const struct fsp_probe_opts *o)
{
	int err;

	p->skel = fsprobe_bpf__open();
	if (!p->skel) {
		err = -errno;
		fsp_log_error("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	plan(p, o);
	err = configure(p, o);
	return err ? err : fsprobe_bpf__load(p->skel);
}

int fsp_probe_open(struct fsp_probe **out, const struct fsp_probe_opts *o)
{
	const char *lookup_role = o->mode == FSP_MODE_HIT_MISS ? "hit" : "lookup";
	struct fsp_place lookup_pl, miss_pl = {};
	struct fsp_func lookup, miss = {};
	struct fsp_probe *p;
	int err, i;

	err = resolve(o->target, o->lookup, &lookup);
	if (!err && o->miss)
		err = resolve(o->target, o->miss, &miss);
	if (err)
		return err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->go = fsp_resolve_is_go(lookup.path) == 1;
	place(p, &lookup, &lookup_pl);
	if (o->miss)
		place(p, &miss, &miss_pl);
	p->lookup_skip = lookup_pl.skipped;
	if (o->lazy && o->mode == FSP_MODE_MISS_FN && !o->latency && !p->go)
		p->lazy_ok = check_lazy(&lookup, &miss);
	if (p->go)
		fsp_log_debug("%s is a Go program: Go's registers, goroutines, no uretprobes",
			      lookup.path);
	err = open_and_load(p, o);
	/* The settling iterator reads other tasks' memory: kernel 5.18 or later. */
	if (err && err != -ENOMEM && is_lazy(p, o)) {
		fsp_log_info("counting each lookup at its return: lazy counting did not load (%s)",
			     strerror(-err));
		fsprobe_bpf__destroy(p->skel);
		p->lazy_ok = false;
		err = open_and_load(p, o);
	}
	if (err) {
		if (p->skel)
			fsp_log_error("cannot load the BPF programs: %s (run with --verbose for the "
				      "verifier log)", strerror(-err));
		goto destroy_probe;
	}
	if (o->mode != FSP_MODE_HIT_MISS && !p->go) {
		p->exit_link = bpf_program__attach(p->skel->progs.thread_exit);
		if (p->exit_link)
			p->exec_link = bpf_program__attach(p->skel->progs.thread_exec);
		if (p->exec_link && is_lazy(p, o))
			p->settle_link = bpf_program__attach_iter(p->skel->progs.settle, NULL);
		if (!p->exec_link || (is_lazy(p, o) && !p->settle_link)) {
			err = -errno;
			fsp_log_error("cannot attach the thread exit and exec tracepoints and task "
				      "iterator: %s (kernel 5.15 or later needed)",
				      strerror(-err));
			goto destroy_probe;
		}
	}
	for (i = 0; i < PROBE__MAX && !err; i++) {
		bool on_miss = i == PROBE_MISS || i == PROBE_MISS_RET;

		if (p->progs[i])
			err = attach(p, i, o->target, on_miss ? &miss : &lookup,
				     on_miss ? &miss_pl : &lookup_pl, on_miss ? "miss" : lookup_role);
	}
	if (err)
		goto destroy_probe;
	*out = p;
	return 0;

destroy_probe:
	fsp_probe_destroy(p);
	return err;
}

void fsp_probe_destroy(struct fsp_probe *p)
{
	int i;

	if (!p)
		return;
	/* Entry first, so no lookup starts that would lose its return. */
	for (i = PROBE__MAX - 1; i >= 0; i--)
		bpf_link__destroy(p->links[i]);
	for (i = 0; i < FSP_MAX_RETS; i++)
		bpf_link__destroy(p->ret_links[i]);
	bpf_link__destroy(p->settle_link);
	bpf_link__destroy(p->exit_link);
	bpf_link__destroy(p->exec_link);
	fsprobe_bpf__destroy(p->skel);
	free(p);
}

int fsp_probe_settle(const struct fsp_probe *p)
{
	char buf[64];
	ssize_t n;
	int fd;

	if (!p->settle_link)
		return 0;
	fd = bpf_iter_create(bpf_link__fd(p->settle_link));
	if (fd < 0)
		return -errno;
	/* The iterator runs as it is read; it prints nothing. */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n < 0 ? -errno : 0;
}

int fsp_probe_symbols_fd(const struct fsp_probe *p)
{
	return bpf_map__fd(p->skel->maps.symbols);
}

int fsp_probe_counts_fd(const struct fsp_probe *p)
{
	return bpf_map__fd(p->skel->maps.counts);
}

int fsp_probe_stats_fd(const struct fsp_probe *p)
{
	return bpf_map__fd(p->skel->maps.stats);
}

int fsp_probe_latency_fd(const struct fsp_probe *p)
{
	return bpf_map__fd(p->skel->maps.latencies);
}

__u32 fsp_probe_next_sym_idx(const struct fsp_probe *p)
{
	/* bss is mmapped: this reads the live value the BPF side increments. */
	return __atomic_load_n(&p->skel->bss->next_sym_idx, __ATOMIC_ACQUIRE);
}

size_t fsp_probe_progs(const struct fsp_probe *p, int *fds, const char **names, size_t max)
{
	size_t n = 0;
	int i;

	for (i = 0; i < PROBE__MAX && n < max; i++) {
		if (!p->progs[i])
			continue;
		fds[n] = bpf_program__fd(p->progs[i]);
		names[n++] = bpf_program__name(p->progs[i]);
	}
	return n;
}

size_t fsp_probe_info(const struct fsp_probe *p, struct fsp_probe_info *info, size_t max)
{
	size_t n = 0;
	int i;

	/* One row per function and role, lookup first; entry and return count as one probe. */
	for (i = PROBE__MAX - 1; i >= 0 && n < max; i--) {
		if (!p->progs[i] || i == PROBE_LOOKUP_RET || i == PROBE_MISS_RET)
			continue;
		info[n] = p->info[i];
		if (i == PROBE_LOOKUP && p->progs[PROBE_LOOKUP_RET])
			info[n].attached &= p->info[PROBE_LOOKUP_RET].attached;
		if (i == PROBE_MISS && p->progs[PROBE_MISS_RET])
			info[n].attached &= p->info[PROBE_MISS_RET].attached;
		n++;
	}
	return n;
}
