// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include "object.h"
#include "fsprobe.skel.h"
#include "fsprobe_compat.skel.h"

/* What the loader needs of either skeleton; they differ in type, not in shape. */
struct skel_ops {
	void *(*open)(void);
	int (*load)(void *s);
	void (*destroy)(void *s);
	struct bpf_object *(*obj)(void *s);
	struct fsp_config *(*cfg)(void *s);
	__u32 *(*next_sym_idx)(void *s); /* bss: valid once loaded (then mmapped) */
};

#define SKEL_OPS(n)                                                                        \
	static void *n##_open(void)                                                        \
	{                                                                                  \
		return n##__open();                                                        \
	}                                                                                  \
	static int n##_load(void *s)                                                       \
	{                                                                                  \
		return n##__load(s);                                                       \
	}                                                                                  \
	static void n##_destroy(void *s)                                                   \
	{                                                                                  \
		n##__destroy(s);                                                           \
	}                                                                                  \
	static struct bpf_object *n##_obj(void *s)                                         \
	{                                                                                  \
		return ((struct n *)s)->obj;                                               \
	}                                                                                  \
	static struct fsp_config *n##_cfg(void *s)                                         \
	{                                                                                  \
		return (struct fsp_config *)&((struct n *)s)->rodata->cfg;                 \
	}                                                                                  \
	static __u32 *n##_next_sym_idx(void *s)                                            \
	{                                                                                  \
		return &((struct n *)s)->bss->next_sym_idx;                                \
	}                                                                                  \
	static const struct skel_ops n##_ops = { n##_open, n##_load,	n##_destroy,       \
						  n##_obj,  n##_cfg,	n##_next_sym_idx };

SKEL_OPS(fsprobe_bpf)
SKEL_OPS(fsprobe_compat_bpf)

struct fsp_object {
	const struct skel_ops *ops;
	void *skel;
	bool loaded;
	struct bpf_map *sym_claims; /* compat: the indexes claimed, past next_sym_idx's lag */
	__u32 max_symbols;
};

int fsp_object_open(struct fsp_object **out, enum fsp_variant v)
{
	struct fsp_object *o = calloc(1, sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	o->ops = v == FSP_VARIANT_FAST ? &fsprobe_bpf_ops : &fsprobe_compat_bpf_ops;
	o->skel = o->ops->open();
	if (!o->skel) {
		err = -errno;
		free(o);
		return err;
	}
	o->sym_claims = fsp_object_map(o, "sym_claims");
	*out = o;
	return 0;
}

struct fsp_config *fsp_object_config(struct fsp_object *o)
{
	return o->ops->cfg(o->skel);
}

int fsp_object_load(struct fsp_object *o)
{
	int err;

	o->max_symbols = fsp_object_config(o)->max_symbols;
	err = o->ops->load(o->skel);
	o->loaded = !err;
	return err;
}

void fsp_object_destroy(struct fsp_object *o)
{
	if (!o)
		return;
	o->ops->destroy(o->skel);
	free(o);
}

struct bpf_program *fsp_object_prog(const struct fsp_object *o, const char *name)
{
	return bpf_object__find_program_by_name(o->ops->obj(o->skel), name);
}

struct bpf_map *fsp_object_map(const struct fsp_object *o, const char *name)
{
	return bpf_object__find_map_by_name(o->ops->obj(o->skel), name);
}

__u32 fsp_object_next_sym_idx(const struct fsp_object *o)
{
	/* bss is mmapped: this reads the live value the BPF side raises. */
	__u32 n = __atomic_load_n(o->ops->next_sym_idx(o->skel), __ATOMIC_ACQUIRE);
	__u8 v;

	/* compat raises it with a plain store that may lag: the claims are dense from 0. */
	if (o->sym_claims)
		while (n < o->max_symbols &&
		       !bpf_map_lookup_elem(bpf_map__fd(o->sym_claims), &n, &v))
			n++;
	return n;
}
