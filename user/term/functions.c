// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsprobe functions: the functions of a process's executable and of the libraries it has
 * loaded, to pick --lookup and --miss from. Likely lookups and misses are marked by name, and
 * a ready command line is printed when one of each stands out.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cell.h"
#include "demangle.h"
#include "elf_file.h"
#include "functions.h"
#include "log.h"
#include "proc.h"
#include "resolve.h"
#include "view.h"

#define MARK_LOOKUP 1
#define MARK_MISS   2
#define NAME_WIDTH  48 /* longer names push the file column right */

struct fn {
	char *name;   /* as in the symbol table: what --lookup and --miss take */
	char *pretty; /* demangled, or NULL */
	size_t file;  /* index into listing.files; 0 is the executable */
	__u64 addr;
	int mark;
};

struct listing {
	pid_t pid;
	regex_t re;
	int use_re;
	char *files[512]; /* as the process names them */
	size_t nfiles;
	struct fn *fns;
	size_t n, cap;
};

static const char *const lookup_words[] = { "get", "lookup", "find", "fetch", NULL };
static const char *const miss_words[] = { "miss", "load", "compute", "fill", "refresh", NULL };

static int contains_any(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strstr(s, *words))
			return 1;
	return 0;
}

/* Lowercased name without C++ parameter types, so "find" in a type does not count. */
static void plain_name(const struct fn *f, char *low, size_t size)
{
	const char *s = f->pretty ? f->pretty : f->name;
	size_t i, n = strcspn(s, "(");

	n = n < size - 1 ? n : size - 1;
	for (i = 0; i < n; i++)
		low[i] = tolower((unsigned char)s[i]);
	low[n] = '\0';
}

static int collect(const char *name, __u64 vaddr, __u64 size, void *ctx)
{
	struct listing *l = ctx;
	char *pretty = NULL, buf[1024];
	struct fn *f;

	(void)size;
	/* Compiler clones: not the function callers call, and fsprobe cannot attach by their name. */
	if (fsp_elf_clone_suffix(name))
		return 0;
	if (fsp_demangle(name, buf, sizeof(buf))) {
		pretty = strdup(buf);
		if (!pretty)
			return -ENOMEM;
	}
	if (l->use_re && regexec(&l->re, name, 0, NULL, 0) &&
	    (!pretty || regexec(&l->re, pretty, 0, NULL, 0))) {
		free(pretty);
		return 0;
	}
	if (l->n == l->cap) {
		f = realloc(l->fns, (l->cap ? 2 * l->cap : 1024) * sizeof(*f));
		if (!f) {
			free(pretty);
			return -ENOMEM;
		}
		l->fns = f;
		l->cap = l->cap ? 2 * l->cap : 1024;
	}
	f = &l->fns[l->n];
	*f = (struct fn){ .name = strdup(name), .pretty = pretty, .file = l->nfiles - 1,
			  .addr = vaddr };
	if (!f->name) {
		free(pretty);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

/* One address, one line: the name with the fewest leading underscores, then the shortest. */
static int cmp_addr(const void *pa, const void *pb)
{
	const struct fn *a = pa, *b = pb;
	size_t ua = strspn(a->name, "_"), ub = strspn(b->name, "_");

	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (ua != ub)
		return ua < ub ? -1 : 1;
	if (strlen(a->name) != strlen(b->name))
		return strlen(a->name) < strlen(b->name) ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int cmp_output(const void *pa, const void *pb)
{
	const struct fn *a = pa, *b = pb;

	if (!a->mark != !b->mark)
		return a->mark ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	return strcmp(a->pretty ? a->pretty : a->name, b->pretty ? b->pretty : b->name);
}

static void dedupe_and_mark(struct listing *l)
{
	char low[256];
	size_t i, kept = 0;

	qsort(l->fns, l->n, sizeof(*l->fns), cmp_addr);
	for (i = 0; i < l->n; i++) {
		struct fn *f = &l->fns[i];

		if (kept && l->fns[kept - 1].file == f->file && l->fns[kept - 1].addr == f->addr) {
			free(f->name);
			free(f->pretty);
			continue;
		}
		plain_name(f, low, sizeof(low));
		f->mark = (contains_any(low, lookup_words) ? MARK_LOOKUP : 0) |
			  (contains_any(low, miss_words) ? MARK_MISS : 0);
		l->fns[kept++] = *f;
	}
	l->n = kept;
	qsort(l->fns, l->n, sizeof(*l->fns), cmp_output);
}

/*
 * The one marked function that stands out, or NULL: "cache" in its name counts most, being in
 * the executable rather than a library next (a cache can live in the program's own library).
 */
static const struct fn *best(const struct listing *l, int mark)
{
	const struct fn *found = NULL;
	int top = 0, ties = 0, score;
	char low[256];
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!(l->fns[i].mark & mark))
			continue;
		plain_name(&l->fns[i], low, sizeof(low));
		score = 1 + 2 * !!strstr(low, "cache") + !l->fns[i].file;
		if (score > top) {
			found = &l->fns[i];
			top = score;
			ties = 1;
		} else if (score == top) {
			ties++;
		}
	}
	return ties == 1 ? found : NULL;
}

static int add_file(struct listing *l, const char *open_path, const char *shown)
{
	int err;

	if (l->nfiles == sizeof(l->files) / sizeof(l->files[0]))
		return 0;
	l->files[l->nfiles] = strdup(shown);
	if (!l->files[l->nfiles])
		return -ENOMEM;
	l->nfiles++;
	err = fsp_resolve_each(open_path, collect, l);
	if (err && err != -ENOMEM)
		fsp_log_debug("skipping %s: %s", shown, strerror(-err));
	return err;
}

static int add_library(const char *file, void *ctx)
{
	char open_path[PATH_MAX + 64];
	struct listing *l = ctx;
	size_t i;
	int err;

	for (i = 0; i < l->nfiles; i++)
		if (!strcmp(l->files[i], file))
			return 0;
	snprintf(open_path, sizeof(open_path), "/proc/%d/root%s", l->pid, file);
	err = add_file(l, open_path, file);
	return err == -ENOMEM ? err : 0; /* an unreadable library is skipped, not fatal */
}

/* Executable file mappings of the process, each library once, opened in its own root. */
static int add_libraries(struct listing *l, pid_t pid)
{
	l->pid = pid;
	return fsp_proc_each_exec_map(pid, add_library, l);
}

static int add_executable(struct listing *l, pid_t pid, const char *binary)
{
	char path[64], exe[PATH_MAX];
	int err;

	if (binary) {
		err = fsp_proc_real_path(binary, exe);
		if (err) {
			fsp_log_error("--binary '%s': %s", binary, strerror(-err));
			return err;
		}
		err = add_file(l, exe, exe);
		if (err && err != -ENOMEM)
			fsp_log_error("--binary '%s': not an ELF file", binary);
		return err;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	err = fsp_proc_exe(pid, exe, sizeof(exe));
	if (err && kill(pid, 0) && errno == ESRCH) {
		fsp_log_error("no process with pid %d (find it with: pgrep -a NAME)", pid);
		return -ESRCH;
	}
	if (err) {
		fsp_log_error("cannot read %s: %s (a kernel thread has none; as root: sudo fsprobe "
			      "functions --pid %d)", path, strerror(-err), pid);
		return err;
	}
	err = add_file(l, path, exe);
	if (err && err != -ENOMEM)
		fsp_log_error("cannot read the functions of %s: %s", exe, strerror(-err));
	return err;
}

/* What --lookup takes, ready to paste into a shell: "LIB:" for a library, quotes for '$'. */
static const char *spec(const struct listing *l, const struct fn *f, char *buf, size_t len)
{
	static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-";
	const char *lib = f->file ? strrchr(l->files[f->file], '/') + 1 : "";

	snprintf(buf, len, !f->name[strspn(f->name, plain)] && !lib[strspn(lib, plain)] ?
		 "%s%s%s" : "'%s%s%s'", lib, f->file ? ":" : "", f->name);
	return buf;
}

static void print(const struct listing *l, pid_t pid, const char *binary, struct fsp_buf *out)
{
	const struct fn *lookup = best(l, MARK_LOOKUP), *miss = best(l, MARK_MISS);
	struct fsp_buf name = {};
	size_t i, nmarked = 0, nwith = 0;
	bool with[sizeof(l->files) / sizeof(l->files[0])] = {};
	char q[1024];

	fsp_buf_printf(out, "MARK  %-*s  FILE\n", NAME_WIDTH, "FUNCTION");
	for (i = 0; i < l->n; i++) {
		const struct fn *f = &l->fns[i];

		fsp_buf_reset(&name);
		fsp_cell_put_safe(&name, f->pretty ? f->pretty : f->name);
		if (f->pretty) {
			fsp_buf_printf(&name, "  [");
			fsp_cell_put_safe(&name, f->name);
			fsp_buf_printf(&name, "]");
		}
		nmarked += !!f->mark;
		nwith += !with[f->file];
		with[f->file] = true;
		fsp_buf_printf(out, "%c%c    ", f->mark & MARK_LOOKUP ? 'L' : ' ',
			       f->mark & MARK_MISS ? 'M' : ' ');
		fsp_cell_put(out, name.data, SIZE_MAX, NAME_WIDTH);
		fsp_buf_printf(out, "  ");
		fsp_cell_put_safe(out, l->files[f->file]);
		fsp_buf_printf(out, "\n");
	}
	/* Files with a listed function, of all the files searched (the executable, its libraries). */
	fsp_buf_printf(out, "\n%zu function%s in %zu file%s (of %zu searched); L: likely lookup (get, "
		       "lookup, find, fetch), M: likely miss (miss, load, compute, fill, refresh)\n",
		       l->n, l->n == 1 ? "" : "s", nwith, nwith == 1 ? "" : "s", l->nfiles);
	if (lookup && miss && lookup != miss) {
		fsp_buf_printf(out, "try: sudo fsprobe top ");
		if (binary)
			fsp_buf_printf(out, "--binary '%s'", l->files[0]);
		else
			fsp_buf_printf(out, "--pid %d", pid);
		fsp_buf_printf(out, " --lookup %s", spec(l, lookup, q, sizeof(q)));
		fsp_buf_printf(out, " --miss %s\n", spec(l, miss, q, sizeof(q)));
	} else if (nmarked) {
		fsp_buf_printf(out, "no single best pair: pick --lookup from the L lines and --miss "
			       "from the M lines (LIB:FUNC for a library's)\n");
	}
	if (name.err)
		out->err = name.err;
	fsp_buf_free(&name);
}

int fsp_functions_list(pid_t pid, const char *binary, const char *regex)
{
	struct listing l = {};
	struct fsp_buf out = {};
	char why[256];
	size_t i;
	int err;

	if (regex) {
		err = regcomp(&l.re, regex, REG_EXTENDED | REG_ICASE | REG_NOSUB);
		if (err) {
			regerror(err, &l.re, why, sizeof(why));
			fsp_log_error("invalid regex '%s': %s (POSIX extended, e.g. 'cache|lookup')",
				      regex, why);
			return -EINVAL;
		}
		l.use_re = 1;
	}
	err = add_executable(&l, pid, binary);
	if (!err && !binary)
		err = add_libraries(&l, pid);
	if (err)
		goto free_listing;
	dedupe_and_mark(&l);
	print(&l, pid, binary, &out);
	err = out.err;
	if (!err && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)))
		err = -EIO;
free_listing:
	if (err == -ENOMEM)
		fsp_log_error("out of memory listing functions (narrow it with a regex)");
	fsp_buf_free(&out);
	for (i = 0; i < l.n; i++) {
		free(l.fns[i].name);
		free(l.fns[i].pretty);
	}
	free(l.fns);
	for (i = 0; i < l.nfiles; i++)
		free(l.files[i]);
	if (l.use_re)
		regfree(&l.re);
	return err;
}
