// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Find a function's file offset in an ELF file by name, from .symtab or .dynsym. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "demangle.h"
#include "elf_file.h"
#include "resolve.h"

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

static int match_cb(const char *name, const GElf_Sym *sym, void *ctx)
{
	const char *suffix = fsp_elf_clone_suffix(name);
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
	struct each_ctx each = { .fn = fn, .ctx = ctx };
	struct fsp_elf e;
	int err = fsp_elf_open(&e, path);

	if (err)
		return err;
	err = fsp_elf_each_sym(&e, FSP_ELF_FUNCS, each_cb, &each);
	fsp_elf_close(&e);
	return err;
}

int fsp_resolve_is_go(const char *path)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	struct fsp_elf e;
	int go = 0, err = fsp_elf_open(&e, path);

	if (err)
		return err;
	if (!elf_getshdrstrndx(e.elf, &shstrndx)) {
		while (!go && (scn = elf_nextscn(e.elf, scn))) {
			const char *name;
			GElf_Shdr sh;

			if (!gelf_getshdr(scn, &sh))
				continue;
			name = elf_strptr(e.elf, shstrndx, sh.sh_name);
			go = name && (!strcmp(name, ".go.buildinfo") || !strcmp(name, ".gopclntab"));
		}
	}
	fsp_elf_close(&e);
	return go;
}

int fsp_resolve_offset(const char *path, __u64 vaddr, __u64 *off)
{
	struct fsp_elf e;
	int err = fsp_elf_open(&e, path);

	if (err)
		return err;
	err = fsp_elf_offset(&e, vaddr, off);
	fsp_elf_close(&e);
	return err;
}

int fsp_resolve_debug_file(const char *path, const char *root, char *out, size_t len)
{
	char id[128];
	struct fsp_elf e;
	int err = fsp_elf_open(&e, path);

	if (err)
		return err;
	err = fsp_elf_build_id(&e, id, sizeof(id));
	fsp_elf_close(&e);
	if (err || strlen(id) < 3)
		return -ENOENT;
	/* Where debuginfo packages (e.g. *-dbgsym) put it: /usr/lib/debug/.build-id/ab/cdef.debug */
	snprintf(out, len, "%s/usr/lib/debug/.build-id/%.2s/%s.debug", root, id, id + 2);
	return access(out, R_OK) ? -ENOENT : 0;
}

int fsp_resolve_func(const char *path, const char *name, struct fsp_func *out, char *why,
		     size_t why_len)
{
	char want[FSP_FUNC_NAME_MAX];
	struct lookup lk = { .want = want };
	struct fsp_elf e;
	int err, i;

	snprintf(why, why_len, "%s", "");
	/* A cut name could match another function: the one its first 511 bytes spell. */
	if (strlen(name) >= sizeof(want)) {
		snprintf(why, why_len, "a name of %zu bytes; fsprobe matches names of at most %zu",
			 strlen(name), sizeof(want) - 1);
		return -ENAMETOOLONG;
	}
	/* nm -C's spelling of a signature works as well as fsprobe's own. */
	snprintf(want, sizeof(want), "%s", name);
	fsp_demangle_normalize(want, sizeof(want));
	lk.want_len = strlen(want);
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	for (i = 0; i < 3; i++)
		lk.near_dist[i] = 1 << 20;

	err = fsp_elf_open(&e, path);
	if (err) {
		if (err == -ENOEXEC)
			snprintf(why, why_len, "%s is not an ELF file", path);
		else
			snprintf(why, why_len, "cannot open %s: %s", path, strerror(-err));
		return err;
	}
	fsp_elf_each_sym(&e, FSP_ELF_FUNCS, match_cb, &lk);
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
		err = fsp_elf_offset(&e, out->vaddr, &out->offset) ? -ERANGE : 0;
		if (err)
			snprintf(why, why_len, "address 0x%llx is in no loadable segment",
				 (unsigned long long)out->vaddr);
	}
	fsp_elf_close(&e);
	return err;
}
