// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kernel.h"
#include "kver.h"

static const char *const feature_names[FSP_KF__MAX] = {
	[FSP_KF_TASK_STORAGE] = "task_storage",
	[FSP_KF_TASK_BTF] = "current_task_btf",
	[FSP_KF_ATOMICS] = "atomics",
	[FSP_KF_COPY_TASK] = "copy_from_user_task",
};

const char *fsp_kernel_feature_name(enum fsp_kernel_feature f)
{
	return f < FSP_KF__MAX ? feature_names[f] : "?";
}

const char *fsp_kernel_variant_name(enum fsp_variant v)
{
	return v == FSP_VARIANT_FAST ? "fast" : "compat";
}

const char *fsp_kernel_missing(const struct fsp_kernel *k, char *buf, size_t len)
{
	size_t n = 0;
	int f;

	buf[0] = '\0';
	for (f = 0; f < FSP_KF__MAX && n < len; f++)
		if (!k->has[f])
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", feature_names[f]);
	return buf;
}

/*
 * BPF_ATOMIC with BPF_FETCH, which clang emits for a fetch-and-add whose result is used:
 * "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = 1; r1 = atomic_fetch_add((u64 *)(r10 - 8), r1);
 * r0 = 0; exit". Kernels before 5.12 know only the plain add (XADD) and refuse it.
 */
static bool probe_atomics(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 0 },
		{ .code = BPF_STX | BPF_MEM | BPF_DW,
		  .dst_reg = BPF_REG_10,
		  .src_reg = BPF_REG_1,
		  .off = -8 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
		{ .code = BPF_STX | BPF_ATOMIC | BPF_DW,
		  .dst_reg = BPF_REG_10,
		  .src_reg = BPF_REG_1,
		  .off = -8,
		  .imm = BPF_ADD | BPF_FETCH },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * Whether the kernel knows a helper at all, from its BTF: enum bpf_func_id lists every helper
 * it has. Asking the verifier cannot tell apart a helper that is missing and one that only
 * sleepable programs may call, which is what bpf_copy_from_user_task is.
 */
static bool knows_helper(const struct btf *btf, const char *name)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	__s32 id;
	int i;

	id = btf__find_by_name_kind(btf, "bpf_func_id", BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (!t)
		return false;
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, e[i].name_off), name))
			return true;
	return false;
}

int fsp_kernel_probe(struct fsp_kernel *k)
{
	struct btf *btf;
	bool *has = k->has;

	memset(k, 0, sizeof(*k));
	fsp_kver_release(k->release, sizeof(k->release));
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return -errno;
	has[FSP_KF_TASK_STORAGE] =
		libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1 &&
		libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_task_storage_get, NULL) == 1;
	has[FSP_KF_TASK_BTF] = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE,
						       BPF_FUNC_get_current_task_btf, NULL) == 1;
	has[FSP_KF_ATOMICS] = probe_atomics();
	has[FSP_KF_COPY_TASK] = knows_helper(btf, "BPF_FUNC_copy_from_user_task");
	btf__free(btf);
	k->variant = has[FSP_KF_TASK_STORAGE] && has[FSP_KF_TASK_BTF] && has[FSP_KF_ATOMICS]
			     ? FSP_VARIANT_FAST
			     : FSP_VARIANT_COMPAT;
	/* The settling iterator also takes the thread claims in task storage. */
	k->lazy = k->variant == FSP_VARIANT_FAST && has[FSP_KF_COPY_TASK];
	return 0;
}

int fsp_kernel_choose(struct fsp_kernel *k, int v)
{
	if (v < 0 || (enum fsp_variant)v == k->variant)
		return 0;
	if (v == FSP_VARIANT_FAST)
		return -ENOTSUP;
	k->variant = FSP_VARIANT_COMPAT;
	k->lazy = false;
	return 0;
}
