// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Load the BPF object and attach its programs to the target's functions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "object.h"
#include "probe.h"

#define FSP_MAX_RETS 32

/* In attach order: return and miss probes first, so a lookup seen entering is seen leaving. */
enum { PROBE_MISS_RET, PROBE_MISS, PROBE_LOOKUP_RET, PROBE_LOOKUP, PROBE__MAX };

struct fsp_probe {
	struct fsp_object *obj;
	struct fsp_kernel kernel;
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

static void autoload(struct fsp_probe *p, const char *name, bool on)
{
	struct bpf_program *prog = fsp_object_prog(p->obj, name);

	if (prog)
		bpf_program__set_autoload(prog, on);
}

/* The plan's programs, and only those, are loaded. */
static void choose_progs(struct fsp_probe *p)
{
	const struct fsp_plan *pl = &p->plan;
	bool calls = pl->mode == FSP_MODE_HIT_MISS;
	const char *ret = pl->go ? "lookup_ret_insn" : "lookup_return";

	memset(p->progs, 0, sizeof(p->progs));
	p->progs[PROBE_LOOKUP] = fsp_object_prog(p->obj, calls ? "hit_call" : "lookup_entry");
	if (calls)
		p->progs[PROBE_MISS] = fsp_object_prog(p->obj, "miss_call");
	if (pl->lookup_ret)
		p->progs[PROBE_LOOKUP_RET] = fsp_object_prog(p->obj, ret);
	if (pl->miss_entry)
		p->progs[PROBE_MISS] = fsp_object_prog(p->obj, "miss_entry");
	if (pl->miss_ret)
		p->progs[PROBE_MISS_RET] = fsp_object_prog(p->obj, "miss_return");
	autoload(p, "hit_call", calls);
	autoload(p, "miss_call", calls);
	autoload(p, "lookup_entry", !calls);
	autoload(p, "lookup_return", pl->lookup_ret && !pl->go);
	autoload(p, "lookup_ret_insn", pl->lookup_ret && pl->go);
	autoload(p, "settle", pl->lazy);
	autoload(p, "thread_exit", pl->thread_hooks);
	autoload(p, "thread_exec", pl->thread_hooks);
	autoload(p, "miss_entry", pl->miss_entry);
	autoload(p, "miss_return", pl->miss_ret);
}

/* Maps the variant lacks are skipped: compat has no hints and no thread table. */
static int size_map(struct fsp_probe *p, const char *name, __u32 entries)
{
	struct bpf_map *m = fsp_object_map(p->obj, name);

	return m ? bpf_map__set_max_entries(m, entries) : 0;
}

/* The initial pid namespace's inode number, fixed by the kernel (PROC_PID_INIT_INO). */
#define INIT_PID_NS_INO 0xeffffffcU

/*
 * The BPF programs see thread group ids as the initial pid namespace numbers them, and --pid is
 * a number in fsprobe's own. Run in another pid namespace (a container), fsprobe cannot name the
 * target's number there: 0 then settles every process's threads, which costs a little more and
 * is as exact, as only the target's threads have lookups open.
 */
static __u32 kernel_tgid(pid_t pid)
{
	struct stat st;

	return pid && !stat("/proc/self/ns/pid", &st) && st.st_ino == INIT_PID_NS_INO ? pid : 0;
}

/* The one place the BPF side's settings are set (bpf/fsprobe.h, struct fsp_config). */
static int configure(struct fsp_probe *p, const struct fsp_probe_opts *o)
{
	struct fsp_config *cfg = fsp_object_config(p->obj);
	const struct fsp_plan *pl = &p->plan;
	int err;

	cfg->key_prog = o->key;
	cfg->key_prog.go_abi = pl->go;
	cfg->pred = o->pred;
	cfg->mode = o->mode;
	cfg->lazy = pl->lazy;
	cfg->target_tgid = kernel_tgid(o->target->pid);
	cfg->lookup_skip = pl->lookup_at.skipped;
	cfg->max_symbols = o->max_symbols;
	cfg->hint_bits = pl->hint_bits;
	cfg->thread_table_on = pl->thread_table;
	cfg->thread_bits = pl->thread_bits;
	cfg->latency = pl->latency;
	err = size_map(p, "symbols", o->max_symbols);
	if (!err)
		err = size_map(p, "sym_hints", 1U << pl->hint_bits);
	if (!err)
		err = size_map(p, "sym_claims", o->max_symbols);
	if (!err)
		err = size_map(p, "thread_table", 1U << pl->thread_bits);
	if (!err)
		err = size_map(p, "thread_hash", 1U << pl->thread_hash_bits);
	if (!err)
		err = size_map(p, "counts", o->max_symbols + FSP_SYM_IDX_RESERVED);
	if (!err && pl->latency)
		err = size_map(p, "latencies", o->max_symbols + FSP_SYM_IDX_RESERVED);
	/* Per-goroutine state only for Go: it is preallocated memory. */
	if (!err && !pl->go)
		err = size_map(p, "goroutines", 1);
	if (err)
		fsp_log_error("cannot size the maps for %u symbols: %s", o->max_symbols,
			      strerror(-err));
	return err;
}

static int open_and_load(struct fsp_probe *p, const struct fsp_probe_opts *o)
{
	int err;

	fsp_object_destroy(p->obj);
	p->obj = NULL;
	err = fsp_object_open(&p->obj, p->plan.variant);
	if (err) {
		fsp_log_error("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	choose_progs(p);
	err = configure(p, o);
	return err ? err : fsp_object_load(p->obj);
}

int fsp_probe_open(struct fsp_probe **out, const struct fsp_probe_opts *o)
{
	const char *lookup_role = o->mode == FSP_MODE_HIT_MISS ? "hit" : "lookup";
	const struct fsp_plan *pl;
	struct fsp_probe *p;
	char why[128];
	int err, i;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pl = &p->plan;
	err = fsp_kernel_probe(&p->kernel);
	if (err) {
		fsp_log_error("cannot read the kernel's BTF to probe its BPF features: %s",
			      strerror(-err));
		goto free_probe;
	}
	err = fsp_kernel_choose(&p->kernel, o->variant);
	if (err) {
		fsp_log_error("--bpf-variant fast: kernel %s lacks %s (see fsprobe check)",
			      p->kernel.release, fsp_kernel_missing(&p->kernel, why, sizeof(why)));
		goto free_probe;
	}
	err = fsp_plan_make(&p->plan, o, &p->kernel);
	if (err)
		goto free_probe;
	err = open_and_load(p, o);
	/* Probed, lazy counting should load; if this kernel says otherwise, return probes do. */
	if (err && err != -ENOMEM && pl->lazy) {
		fsp_log_info("counting each lookup at its return: lazy counting did not load (%s)",
			     strerror(-err));
		fsp_plan_drop_lazy(&p->plan);
		err = open_and_load(p, o);
	}
	if (err) {
		if (p->obj)
			fsp_log_error("cannot load the BPF programs: %s (run with --verbose for the "
				      "verifier log)", strerror(-err));
		goto destroy_probe;
	}
	if (pl->thread_hooks) {
		p->exit_link = bpf_program__attach(fsp_object_prog(p->obj, "thread_exit"));
		if (p->exit_link)
			p->exec_link = bpf_program__attach(fsp_object_prog(p->obj, "thread_exec"));
		if (p->exec_link && pl->lazy)
			p->settle_link = bpf_program__attach_iter(fsp_object_prog(p->obj, "settle"),
								  NULL);
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
	fsp_object_destroy(p->obj);
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
	return bpf_map__fd(fsp_object_map(p->obj, "symbols"));
}

int fsp_probe_counts_fd(const struct fsp_probe *p)
{
	return bpf_map__fd(fsp_object_map(p->obj, "counts"));
}

int fsp_probe_stats_fd(const struct fsp_probe *p)
{
	return bpf_map__fd(fsp_object_map(p->obj, "stats"));
}

int fsp_probe_latency_fd(const struct fsp_probe *p)
{
	return bpf_map__fd(fsp_object_map(p->obj, "latencies"));
}

__u32 fsp_probe_next_sym_idx(const struct fsp_probe *p)
{
	return fsp_object_next_sym_idx(p->obj);
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

void fsp_probe_variant(const struct fsp_probe *p, struct fsp_bpf_variant *v, const char **note)
{
	*note = p->plan.variant_note;
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", fsp_kernel_variant_name(p->plan.variant));
	snprintf(v->kernel, sizeof(v->kernel), "%s", p->kernel.release);
	fsp_kernel_missing(&p->kernel, v->missing, sizeof(v->missing));
}
