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
#include "demangle.h"
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

#define MAX_CANDIDATES 6

struct candidate {
	char name[160]; /* as a person writes it */
	__u64 vaddr;
	__u64 size;
};

struct lookup {
	const char *want;
	size_t want_len;
	enum fsp_match best;
	int ncand; /* distinct addresses matching at level best */
	struct candidate cand[MAX_CANDIDATES];
	char clone[128]; /* want.isra.0 and the like, when seen */
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
		snprintf(lk->near[worst], sizeof(lk->near[worst]), "%.127s", name);
		lk->near_dist[worst] = d;
	}
}

static void add_candidate(struct lookup *lk, enum fsp_match m, const char *display,
			  const GElf_Sym *sym)
{
	int i;

	if (m < lk->best)
		return;
	if (m > lk->best) {
		lk->best = m;
		lk->ncand = 0;
	}
	for (i = 0; i < lk->ncand && i < MAX_CANDIDATES; i++)
		if (lk->cand[i].vaddr == sym->st_value)
			return; /* the same function in .symtab and .dynsym, or an alias */
	if (lk->ncand < MAX_CANDIDATES) {
		snprintf(lk->cand[lk->ncand].name, sizeof(lk->cand[0].name), "%.159s", display);
		lk->cand[lk->ncand].vaddr = sym->st_value;
		lk->cand[lk->ncand].size = sym->st_size;
	}
	lk->ncand++;
}

/* A compiler-made copy or fragment of a function (gcc's .isra, .constprop, .part, .cold). */
static const char *clone_suffix(const char *name)
{
	static const char *const suffixes[] = { ".isra", ".constprop", ".part", ".cold" };
	const char *dot = strchr(name, '.');
	size_t i;

	for (; dot; dot = strchr(dot + 1, '.'))
		for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
			if (!strncmp(dot, suffixes[i], strlen(suffixes[i])))
				return dot;
	return NULL;
}

static int match_cb(const char *name, const GElf_Sym *sym, void *ctx)
{
	const char *suffix = clone_suffix(name);
	struct lookup *lk = ctx;
	enum fsp_match m;
	char display[512];

	/* A clone's arguments may be laid out differently: never a candidate, only explained. */
	if (suffix) {
		if ((size_t)(suffix - name) == lk->want_len && !strncmp(name, lk->want, lk->want_len))
			snprintf(lk->clone, sizeof(lk->clone), "%s", name);
		return 0;
	}
	fsp_demangle(name, display, sizeof(display));
	m = fsp_demangle_match(name, display, lk->want);
	if (m)
		add_candidate(lk, m, display, sym);
	else
		consider_near(lk, display);
	return 0;
}

static void explain_ambiguous(const struct lookup *lk, char *why, size_t len)
{
	int i, n;

	n = snprintf(why, len, "%d functions match (name one by its full signature):", lk->ncand);
	for (i = 0; i < lk->ncand && i < MAX_CANDIDATES && n > 0 && (size_t)n < len; i++)
		n += snprintf(why + n, len - n, "%s '%s' at 0x%llx", i ? "," : "",
			      lk->cand[i].name, (unsigned long long)lk->cand[i].vaddr);
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

/* Opens path as ELF; on failure returns NULL with *err set, nothing left open. */
static Elf *open_elf(const char *path, int *fd, int *err)
{
	Elf *elf;

	*err = elf_version(EV_CURRENT) == EV_NONE ? -EINVAL : 0;
	*fd = *err ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		*err = *err ? *err : -errno;
		return NULL;
	}
	elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		close(*fd);
		*err = -ENOEXEC;
		return NULL;
	}
	return elf;
}

static void close_elf(Elf *elf, int fd)
{
	elf_end(elf);
	close(fd);
}

struct each_ctx {
	fsp_resolve_each_fn fn;
	void *ctx;
};

static int each_cb(const char *name, const GElf_Sym *sym, void *ctx)
{
	struct each_ctx *e = ctx;

	return e->fn(name, sym->st_value, sym->st_size, e->ctx);
}

int fsp_resolve_each(const char *path, fsp_resolve_each_fn fn, void *ctx)
{
	struct each_ctx e = { .fn = fn, .ctx = ctx };
	int fd, err;
	Elf *elf = open_elf(path, &fd, &err);

	if (!elf)
		return err;
	err = for_each_func(elf, each_cb, &e);
	close_elf(elf, fd);
	return err;
}

int fsp_resolve_is_go(const char *path)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int fd, err, go = 0;
	Elf *elf = open_elf(path, &fd, &err);

	if (!elf)
		return err;
	if (!elf_getshdrstrndx(elf, &shstrndx)) {
		while (!go && (scn = elf_nextscn(elf, scn))) {
			const char *name;
			GElf_Shdr sh;

			if (!gelf_getshdr(scn, &sh))
				continue;
			name = elf_strptr(elf, shstrndx, sh.sh_name);
			go = name && (!strcmp(name, ".go.buildinfo") || !strcmp(name, ".gopclntab"));
		}
	}
	close_elf(elf, fd);
	return go;
}

int fsp_resolve_offset(const char *path, __u64 vaddr, __u64 *off)
{
	int fd, err;
	Elf *elf = open_elf(path, &fd, &err);

	if (!elf)
		return err;
	err = vaddr_to_offset(elf, vaddr, off);
	close_elf(elf, fd);
	return err;
}

/* The GNU build-id note's bytes, as lowercase hex into out. */
static int build_id(Elf *elf, char *out, size_t len)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off, i;
		Elf_Data *data;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const unsigned char *d = (const unsigned char *)data->d_buf + desc_off;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + name_off, "GNU", 4) ||
			    nh.n_descsz * 2 + 1 > len)
				continue;
			for (i = 0; i < nh.n_descsz; i++)
				sprintf(out + 2 * i, "%02x", d[i]);
			return 0;
		}
	}
	return -ENOENT;
}

int fsp_resolve_debug_file(const char *path, const char *root, char *out, size_t len)
{
	char id[128];
	int fd, err;
	Elf *elf = open_elf(path, &fd, &err);

	if (!elf)
		return err;
	err = build_id(elf, id, sizeof(id));
	close_elf(elf, fd);
	if (err || strlen(id) < 3)
		return -ENOENT;
	/* Where debuginfo packages (e.g. *-dbgsym) put it: /usr/lib/debug/.build-id/ab/cdef.debug */
	snprintf(out, len, "%s/usr/lib/debug/.build-id/%.2s/%s.debug", root, id, id + 2);
	return access(out, R_OK) ? -ENOENT : 0;
}

int fsp_resolve_func(const char *path, const char *name, struct fsp_func *out, char *why,
		     size_t why_len)
{
	char want[512];
	struct lookup lk = { .want = want };
	Elf *elf;
	int fd, err, i;

	snprintf(why, why_len, "%s", "");
	/* nm -C's spelling of a signature works as well as fsprobe's own. */
	snprintf(want, sizeof(want), "%s", name);
	fsp_demangle_normalize(want, sizeof(want));
	lk.want_len = strlen(want);
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	for (i = 0; i < 3; i++)
		lk.near_dist[i] = 1 << 20;

	elf = open_elf(path, &fd, &err);
	if (!elf) {
		if (err == -ENOEXEC)
			snprintf(why, why_len, "%s is not an ELF file", path);
		else
			snprintf(why, why_len, "cannot open %s: %s", path, strerror(-err));
		return err;
	}
	for_each_func(elf, match_cb, &lk);
	if (lk.ncand > 1) {
		explain_ambiguous(&lk, why, why_len);
		err = -ENOTUNIQ;
	} else if (!lk.ncand) {
		explain_missing(&lk, why, why_len);
		err = lk.clone[0] ? -EINVAL : -ENOENT;
	} else {
		out->vaddr = lk.cand[0].vaddr;
		out->size = lk.cand[0].size;
		/* -ERANGE, distinct: a separate debug file has addresses but no file contents. */
		err = vaddr_to_offset(elf, out->vaddr, &out->offset) ? -ERANGE : 0;
		if (err)
			snprintf(why, why_len, "address 0x%llx is in no loadable segment",
				 (unsigned long long)out->vaddr);
	}
	close_elf(elf, fd);
	return err;
}
