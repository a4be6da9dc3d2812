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
#include "log.h"

#define FSP_MAX_RETS 32

/* In attach order: return and miss probes first, so a lookup seen entering is seen leaving. */
enum { PROBE_MISS_RET, PROBE_MISS, PROBE_LOOKUP_RET, PROBE_LOOKUP, PROBE__MAX };

struct fsp_probe {
	struct fsprobe_bpf *skel;
	struct fsp_plan plan;
	struct bpf_link *links[PROBE__MAX];
	struct bpf_link *exit_link;   /* counts an exiting thread's open lookups */
	struct bpf_link *exec_link;   /* and those of a thread that execs another program */
	struct bpf_link *settle_link; /* lazy counting: the iterator run before each read */
	struct fsp_probe_info info[PROBE__MAX];
	struct bpf_program *progs[PROBE__MAX]; /* NULL: not used in this mode */
	struct bpf_link *ret_links[FSP_MAX_RETS]; /* Go: the lookup's RET instructions */
};

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

static int attach(struct fsp_probe *p, int idx, const struct fsp_target *t,
		  const struct fsp_func *fn, const struct fsp_place *pl, const char *role)
{
	bool retprobe = idx == PROBE_MISS_RET || idx == PROBE_LOOKUP_RET;
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = retprobe);
	struct fsp_probe_info *info = &p->info[idx];
	int err;

	snprintf(info->function, sizeof(info->function), "%s", fn->name);
	snprintf(info->role, sizeof(info->role), "%s", role);
	if (p->plan.go && idx == PROBE_LOOKUP_RET) {
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

/* The plan's programs, and only those, are loaded. */
static void choose_progs(struct fsp_probe *p)
{
	const struct fsp_plan *pl = &p->plan;
	struct fsprobe_bpf *sk = p->skel;
	bool calls = pl->mode == FSP_MODE_HIT_MISS;

	memset(p->progs, 0, sizeof(p->progs));
	p->progs[PROBE_LOOKUP] = calls ? sk->progs.hit_call : sk->progs.lookup_entry;
	if (calls)
		p->progs[PROBE_MISS] = sk->progs.miss_call;
	if (pl->lookup_ret)
		p->progs[PROBE_LOOKUP_RET] = pl->go ? sk->progs.lookup_ret_insn :
						      sk->progs.lookup_return;
	if (pl->miss_entry)
		p->progs[PROBE_MISS] = sk->progs.miss_entry;
	if (pl->miss_ret)
		p->progs[PROBE_MISS_RET] = sk->progs.miss_return;
	bpf_program__set_autoload(sk->progs.hit_call, calls);
	bpf_program__set_autoload(sk->progs.miss_call, calls);
	bpf_program__set_autoload(sk->progs.lookup_entry, !calls);
	bpf_program__set_autoload(sk->progs.lookup_return,
				  p->progs[PROBE_LOOKUP_RET] == sk->progs.lookup_return);
	bpf_program__set_autoload(sk->progs.lookup_ret_insn,
				  p->progs[PROBE_LOOKUP_RET] == sk->progs.lookup_ret_insn);
	bpf_program__set_autoload(sk->progs.settle, pl->lazy);
	bpf_program__set_autoload(sk->progs.thread_exit, pl->thread_hooks);
	bpf_program__set_autoload(sk->progs.thread_exec, pl->thread_hooks);
	bpf_program__set_autoload(sk->progs.miss_entry, pl->miss_entry);
	bpf_program__set_autoload(sk->progs.miss_return, pl->miss_ret);
}

static int configure(struct fsp_probe *p, const struct fsp_probe_opts *o)
{
	const struct fsp_plan *pl = &p->plan;
	struct fsprobe_bpf *sk = p->skel;
	/* The one place the BPF side's settings are set (bpf/fsprobe.h, struct fsp_config). */
	struct fsp_config *cfg = &sk->rodata->cfg;
	int err;

	cfg->key_prog = o->key;
	cfg->key_prog.go_abi = pl->go;
	cfg->pred = o->pred;
	cfg->mode = o->mode;
	cfg->lazy = pl->lazy;
	cfg->target_tgid = o->target->pid;
	cfg->lookup_skip = pl->lookup_at.skipped;
	cfg->max_symbols = o->max_symbols;
	cfg->hint_bits = pl->hint_bits;
	cfg->thread_table_on = pl->thread_table;
	cfg->thread_bits = pl->thread_bits;
	cfg->latency = pl->latency;
	err = bpf_map__set_max_entries(sk->maps.symbols, o->max_symbols);
	if (!err)
		err = bpf_map__set_max_entries(sk->maps.sym_hints, 1U << pl->hint_bits);
	if (!err)
		err = bpf_map__set_max_entries(sk->maps.thread_table, 1U << pl->thread_bits);
	if (!err)
		err = bpf_map__set_max_entries(sk->maps.counts, o->max_symbols + 1);
	if (!err && pl->latency)
		err = bpf_map__set_max_entries(sk->maps.latencies, o->max_symbols + 1);
	/* Per-goroutine state only for Go: it is preallocated memory. */
	if (!err && !pl->go)
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
	choose_progs(p);
	err = configure(p, o);
	return err ? err : fsprobe_bpf__load(p->skel);
}

int fsp_probe_open(struct fsp_probe **out, const struct fsp_probe_opts *o)
{
	const char *lookup_role = o->mode == FSP_MODE_HIT_MISS ? "hit" : "lookup";
	const struct fsp_plan *pl;
	struct fsp_probe *p;
	int err, i;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pl = &p->plan;
	err = fsp_plan_make(&p->plan, o);
	if (err)
		goto free_probe;
	err = open_and_load(p, o);
	/* The settling iterator reads other tasks' memory: kernel 5.18 or later. */
	if (err && err != -ENOMEM && pl->lazy) {
		fsp_log_info("counting each lookup at its return: lazy counting did not load (%s)",
			     strerror(-err));
		fsprobe_bpf__destroy(p->skel);
		fsp_plan_drop_lazy(&p->plan);
		err = open_and_load(p, o);
	}
	if (err) {
		if (p->skel)
			fsp_log_error("cannot load the BPF programs: %s (run with --verbose for the "
				      "verifier log)", strerror(-err));
		goto destroy_probe;
	}
	if (pl->thread_hooks) {
		p->exit_link = bpf_program__attach(p->skel->progs.thread_exit);
		if (p->exit_link)
			p->exec_link = bpf_program__attach(p->skel->progs.thread_exec);
		if (p->exec_link && pl->lazy)
			p->settle_link = bpf_program__attach_iter(p->skel->progs.settle, NULL);
		if (!p->exec_link || (pl->lazy && !p->settle_link)) {
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
			err = attach(p, i, o->target, on_miss ? &pl->miss : &pl->lookup,
				     on_miss ? &pl->miss_at : &pl->lookup_at,
				     on_miss ? "miss" : lookup_role);
	}
	if (err)
		goto destroy_probe;
	*out = p;
	return 0;

free_probe:
	free(p);
	return err;
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
