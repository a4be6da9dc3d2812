// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Load the BPF object and attach its programs to the target's functions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "probe.h"
#include "fsprobe.skel.h"
#include "log.h"
#include "resolve.h"

enum { PROBE_MISS, PROBE_LOOKUP_RET, PROBE_LOOKUP, PROBE__MAX };

struct fsp_probe {
	struct fsprobe_bpf *skel;
	struct bpf_link *links[PROBE__MAX];
	struct fsp_probe_info info[PROBE__MAX];
};

static int resolve(const struct fsp_target *t, const char *name, struct fsp_func *fn)
{
	char why[512];
	int err = fsp_resolve_func(t->path, name, fn, why, sizeof(why));

	if (err)
		fsp_log_error("function '%s' in %s (%s): %s", name, t->exe, t->comm, why);
	return err;
}

static int attach(struct fsp_probe *p, int idx, struct bpf_program *prog, bool retprobe,
		  const struct fsp_target *t, const struct fsp_func *fn, const char *role)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = retprobe);
	struct fsp_probe_info *info = &p->info[idx];
	int err;

	snprintf(info->function, sizeof(info->function), "%s", fn->name);
	snprintf(info->role, sizeof(info->role), "%s", role);
	info->offset = fn->offset;
	/* pid -1 also catches processes started later: the probe lives on the file's inode. */
	p->links[idx] = bpf_program__attach_uprobe_opts(prog, t->pid ? t->pid : -1, t->path,
							fn->offset, &uo);
	if (!p->links[idx]) {
		err = -errno;
		fsp_log_error("cannot attach %s to %s at offset 0x%llx in %s: %s",
			      retprobe ? "uretprobe" : "uprobe", fn->name,
			      (unsigned long long)fn->offset, t->exe, strerror(-err));
		return err;
	}
	info->attached = 1;
	fsp_log_debug("attached %s%s at file offset 0x%llx (vaddr 0x%llx)", fn->name,
		      retprobe ? " (return)" : "", (unsigned long long)fn->offset,
		      (unsigned long long)fn->vaddr);
	return 0;
}

int fsp_probe_open(struct fsp_probe **out, const struct fsp_probe_opts *o)
{
	struct fsp_func lookup, miss;
	struct fsp_probe *p;
	int err;

	err = resolve(o->target, o->lookup, &lookup);
	if (!err)
		err = resolve(o->target, o->miss, &miss);
	if (err)
		return err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->skel = fsprobe_bpf__open();
	if (!p->skel) {
		err = -errno;
		fsp_log_error("cannot open the BPF object: %s", strerror(-err));
		goto free_probe;
	}
	memcpy((void *)&p->skel->rodata->key_prog, &o->key, sizeof(o->key));
	p->skel->rodata->max_symbols = o->max_symbols;
	err = bpf_map__set_max_entries(p->skel->maps.symbols, o->max_symbols);
	if (!err)
		err = bpf_map__set_max_entries(p->skel->maps.counts, o->max_symbols + 1);
	if (err) {
		fsp_log_error("cannot size the maps for %u symbols: %s", o->max_symbols,
			      strerror(-err));
		goto destroy_probe;
	}
	err = fsprobe_bpf__load(p->skel);
	if (err) {
		fsp_log_error("cannot load the BPF programs: %s (run with --verbose for the "
			      "verifier log)", strerror(-err));
		goto destroy_probe;
	}

	/* Return and miss first: a lookup seen entering is then always seen leaving. */
	err = attach(p, PROBE_MISS, p->skel->progs.miss_entry, false, o->target, &miss, "miss");
	if (!err)
		err = attach(p, PROBE_LOOKUP_RET, p->skel->progs.lookup_return, true, o->target,
			     &lookup, "lookup_return");
	if (!err)
		err = attach(p, PROBE_LOOKUP, p->skel->progs.lookup_entry, false, o->target,
			     &lookup, "lookup");
	if (err)
		goto destroy_probe;
	*out = p;
	return 0;

destroy_probe:
	fsp_probe_destroy(p);
	return err;
free_probe:
	free(p);
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
	fsprobe_bpf__destroy(p->skel);
	free(p);
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

__u32 fsp_probe_next_slot(const struct fsp_probe *p)
{
	/* bss is mmapped: this reads the live value the BPF side increments. */
	return __atomic_load_n(&p->skel->bss->next_slot, __ATOMIC_ACQUIRE);
}

size_t fsp_probe_info(const struct fsp_probe *p, struct fsp_probe_info *info, size_t max)
{
	size_t n = 0;
	int i;

	/* Report the lookup and miss functions once each, lookup first. */
	for (i = PROBE__MAX - 1; i >= 0 && n < max; i--) {
		if (i == PROBE_LOOKUP_RET)
			continue;
		info[n] = p->info[i];
		/* A lookup counts only when both its entry and return probes are in place. */
		if (i == PROBE_LOOKUP)
			info[n].attached = p->info[PROBE_LOOKUP].attached &&
					   p->info[PROBE_LOOKUP_RET].attached;
		n++;
	}
	return n;
}
