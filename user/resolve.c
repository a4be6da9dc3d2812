// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Find a function's file offset in an ELF file by name, from .symtab or .dynsym. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "resolve.h"

typedef int (*func_cb)(const char *name, const GElf_Sym *sym, void *ctx);

/* Calls cb for every defined function symbol; stops early when cb returns non-zero. */
static int for_each_func(Elf *elf, func_cb cb, void *ctx)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Shdr sh;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			const char *name;
			GElf_Sym sym;
			int type, ret;

			if (!gelf_getsym(data, i, &sym))
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
			    !sym.st_value)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			ret = cb(name, &sym, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int vaddr_to_offset(Elf *elf, __u64 vaddr, __u64 *off)
{
	size_t i, n;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

struct lookup {
	const char *want;
	size_t want_len;
	struct fsp_func *found;
	int nfound;          /* distinct addresses named want */
	char clone[128];     /* want.isra.0 and the like, when seen */
	char other[64];      /* a second address, for the ambiguity message */
	/* Suggestions: the closest names by edit distance. */
	char near[3][128];
	int near_dist[3];
};

static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int row[129], prev, tmp, best;

	if (la > 128 || lb > 128)
		return 1000;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static void consider_near(struct lookup *lk, const char *name)
{
	int d = edit_distance(lk->want, name), i, worst = 0;

	/* A containing name ("cache_lookup" for "lookup") is a good suggestion too. */
	if (strstr(name, lk->want) || strstr(lk->want, name))
		d = d < 3 ? d : 3;
	if (d > 3 + (int)lk->want_len / 3)
		return;
	for (i = 0; i < 3; i++) {
		if (!strcmp(lk->near[i], name))
			return;
		if (lk->near_dist[i] > lk->near_dist[worst])
			worst = i;
	}
	if (d < lk->near_dist[worst]) {
		snprintf(lk->near[worst], sizeof(lk->near[worst]), "%s", name);
		lk->near_dist[worst] = d;
	}
}

static int match_cb(const char *name, const GElf_Sym *sym, void *ctx)
{
	struct lookup *lk = ctx;
	const char *rest;

	if (!strcmp(name, lk->want)) {
		if (lk->nfound && lk->found->vaddr == sym->st_value)
			return 0; /* the same function in .symtab and .dynsym */
		if (lk->nfound++)
			snprintf(lk->other, sizeof(lk->other), "0x%llx",
				 (unsigned long long)sym->st_value);
		else
			lk->found->vaddr = sym->st_value, lk->found->size = sym->st_size;
		return 0;
	}
	rest = !strncmp(name, lk->want, lk->want_len) ? name + lk->want_len : NULL;
	if (rest && (!strncmp(rest, ".isra", 5) || !strncmp(rest, ".constprop", 10) ||
		     !strncmp(rest, ".part", 5) || !strncmp(rest, ".cold", 5)))
		snprintf(lk->clone, sizeof(lk->clone), "%s", name);
	else
		consider_near(lk, name);
	return 0;
}

static void explain_missing(const struct lookup *lk, char *why, size_t len)
{
	int i, n = 0, order[3] = { 0, 1, 2 }, t;

	if (lk->clone[0]) {
		snprintf(why, len, "only the compiler clone %s exists; its arguments may be laid out "
			 "differently, so it is refused (rebuild with __attribute__((noclone)))",
			 lk->clone);
		return;
	}
	/* Closest first. */
	for (i = 0; i < 2; i++)
		for (t = i + 1; t < 3; t++)
			if (lk->near_dist[order[t]] < lk->near_dist[order[i]])
				n = order[i], order[i] = order[t], order[t] = n;
	n = snprintf(why, len, "not found");
	for (i = 0, t = 0; i < 3 && n > 0 && (size_t)n < len; i++) {
		if (!lk->near[order[i]][0])
			continue;
		n += snprintf(why + n, len - n, "%s%s", t++ ? ", " : "; did you mean ",
			      lk->near[order[i]]);
	}
}

int fsp_resolve_func(const char *path, const char *name, struct fsp_func *out, char *why,
		     size_t why_len)
{
	struct lookup lk = { .want = name, .want_len = strlen(name), .found = out };
	Elf *elf;
	int fd, err, i;

	snprintf(why, why_len, "%s", "");
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	for (i = 0; i < 3; i++)
		lk.near_dist[i] = 1 << 20;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
		return err;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		snprintf(why, why_len, "%s is not an ELF file", path);
		err = -ENOEXEC;
		goto close_elf;
	}
	for_each_func(elf, match_cb, &lk);
	if (lk.nfound > 1) {
		snprintf(why, why_len, "%d functions are named %s (0x%llx, %s, ...): ambiguous",
			 lk.nfound, name, (unsigned long long)out->vaddr, lk.other);
		err = -ENOTUNIQ;
	} else if (!lk.nfound) {
		explain_missing(&lk, why, why_len);
		err = lk.clone[0] ? -EINVAL : -ENOENT;
	} else {
		err = vaddr_to_offset(elf, out->vaddr, &out->offset);
		if (err)
			snprintf(why, why_len, "address 0x%llx is in no loadable segment",
				 (unsigned long long)out->vaddr);
	}
close_elf:
	elf_end(elf);
	close(fd);
	return err;
}
