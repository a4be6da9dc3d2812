// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsp_resolve_func on real ELF files built from tests/unit/fixtures/ into $FSP_FIXTURES
 * (default build/tests/fixtures). Expected addresses come from nm and the section headers,
 * never from constants, so the checks hold whatever the compiler lays out.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "resolve.h"
#include "testutil.h"

#define MAX_NM 4

static const char *const fixture_names[] = {
	"plain", "plain-nopie", "libexported.so", "clone", "dupes", "lto",
};

struct nm_sym {
	__u64 value;
	__u64 size;
};

/* Every defined text symbol called name, as nm -S (or nm -D -S) lists it; returns how many. */
static int nm_find(const char *path, int dynamic, const char *name, struct nm_sym *out)
{
	char cmd[1024], line[1024], addr[64], f2[64], f3[512], f4[512];
	int n = 0, k;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm -S %s '%s'", dynamic ? "-D" : "", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		k = sscanf(line, "%63s %63s %511s %511s", addr, f2, f3, f4);
		/* "ADDR SIZE T NAME", or "ADDR T NAME" when nm knows no size. */
		if (k == 4 && strchr("tT", f3[0]) && !strcmp(f4, name) && n < MAX_NM) {
			out[n].value = strtoull(addr, NULL, 16);
			out[n++].size = strtoull(f2, NULL, 16);
		} else if (k == 3 && strchr("tT", f2[0]) && !strcmp(f3, name) && n < MAX_NM) {
			out[n].value = strtoull(addr, NULL, 16);
			out[n++].size = 0;
		}
	}
	assert_int_equal(pclose(p), 0);
	return n;
}

/* The first text symbol whose name starts with prefix, from nm; "" when there is none. */
static void nm_prefix(const char *path, const char *prefix, char *name, size_t len)
{
	char cmd[1024], line[1024], f1[64], f2[64], f3[512];
	FILE *p;

	name[0] = '\0';
	snprintf(cmd, sizeof(cmd), "nm '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%63s %63s %511s", f1, f2, f3) == 3 && strchr("tT", f2[0]) &&
		    !strncmp(f3, prefix, strlen(prefix)) && !name[0])
			snprintf(name, len, "%s", f3);
	assert_int_equal(pclose(p), 0);
}

/*
 * File offset of vaddr by the section headers, where the resolver uses the program headers:
 * two independent routes to the same byte. has_symtab reports whether .symtab exists.
 */
static __u64 section_offset(const char *path, __u64 vaddr, int *has_symtab)
{
	Elf_Scn *scn = NULL;
	__u64 off = 0;
	int fd, found = 0;
	Elf *elf;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	*has_symtab = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		assert_non_null(gelf_getshdr(scn, &sh));
		if (sh.sh_type == SHT_SYMTAB)
			*has_symtab = 1;
		if ((sh.sh_flags & SHF_ALLOC) && sh.sh_type != SHT_NOBITS && vaddr >= sh.sh_addr &&
		    vaddr < sh.sh_addr + sh.sh_size) {
			off = vaddr - sh.sh_addr + sh.sh_offset;
			found++;
		}
	}
	elf_end(elf);
	close(fd);
	assert_int_equal(found, 1);
	return off;
}

/* Resolves name and checks it against nm and the section headers; returns the result. */
static struct fsp_func resolve_ok(const char *file, int dynamic, const char *name)
{
	const char *path = fixture(file);
	struct nm_sym want[MAX_NM];
	struct fsp_func f;
	char why[256];
	int has_symtab;

	assert_int_equal(nm_find(path, dynamic, name, want), 1);
	memset(&f, 0x5a, sizeof(f));
	if (fsp_resolve_func(path, name, &f, why, sizeof(why)))
		fail_msg("%s in %s: %s", name, path, why);
	assert_string_equal(why, "");
	assert_string_equal(f.name, name);
	assert_int_equal(f.vaddr, want[0].value);
	assert_int_equal(f.size, want[0].size);
	assert_int_equal(f.offset, section_offset(path, f.vaddr, &has_symtab));
	assert_int_equal(has_symtab, !dynamic);
	return f;
}

DEFINE_CHECK_FIXTURES(fixture_names)

static void test_pie(void **state)
{
	struct fsp_func f;

	(void)state;
	f = resolve_ok("plain", 0, "cache_lookup");
	/* GNU ld maps a PIE's text at vaddr == file offset, first PT_LOAD at 0. */
	assert_int_equal(f.offset, f.vaddr);
	resolve_ok("plain", 0, "compute_feature");
	resolve_ok("plain", 0, "cache_store");
	resolve_ok("plain", 0, "warm_cache"); /* a local symbol, .symtab only */
	resolve_ok("plain", 0, "main");
}

/* Non-PIE text sits at 0x400000 and up: offset and vaddr differ, and only offset is right. */
static void test_nopie(void **state)
{
	struct fsp_func f;

	(void)state;
	f = resolve_ok("plain-nopie", 0, "compute_feature");
	assert_true(f.vaddr > f.offset);
	resolve_ok("plain-nopie", 0, "warm_cache");
}

static void test_dynsym_only(void **state)
{
	(void)state;
	resolve_ok("libexported.so", 1, "fs_get_feature");
	resolve_ok("libexported.so", 1, "fs_put_feature");
}

static void test_not_found(void **state)
{
	char why[256], small[32];
	struct fsp_func f;

	(void)state;
	assert_int_equal(fsp_resolve_func(fixture("plain"), "cache_lokup", &f, why, sizeof(why)),
			 -ENOENT);
	/* The closest name comes first, whatever the symbol table order. */
	if (strncmp(why, "not found; did you mean cache_lookup, ", 38))
		fail_msg("unexpected reason: %s", why);
	assert_int_equal(fsp_resolve_func(fixture("plain"), "cache_stor", &f, why, sizeof(why)),
			 -ENOENT);
	if (strncmp(why, "not found; did you mean cache_store, ", 37) ||
	    !strstr(why, "cache_lookup"))
		fail_msg("unexpected reason: %s", why);
	/* A name contained in a real one is suggested too. */
	assert_int_equal(fsp_resolve_func(fixture("plain"), "lookup", &f, why, sizeof(why)),
			 -ENOENT);
	if (!strstr(why, "did you mean") || !strstr(why, "cache_lookup"))
		fail_msg("unexpected reason: %s", why);
	assert_int_equal(
		fsp_resolve_func(fixture("plain"), "zzzzzzzzzzzzzzzzzzzz", &f, why, sizeof(why)),
		-ENOENT);
	assert_string_equal(why, "not found");

	/* A short buffer truncates the reason, without writing past why_len. */
	memset(small, 'Z', sizeof(small));
	assert_int_equal(fsp_resolve_func(fixture("plain"), "cache_lokup", &f, small, 16), -ENOENT);
	assert_int_equal(small[15], '\0');
	assert_memory_equal(small + 16, "ZZZZZZZZZZZZZZZZ", 16);
}

/*
 * Only a compiler-renamed score_key (its name starting with prefix) is in file: asking for
 * score_key is refused as a clone, with a reason naming the clone, and the clone is not found
 * by its own name either. Returns what that last lookup returned.
 */
static int assert_clone_refused(const char *file, const char *prefix)
{
	char why[1024], clone[512];
	struct fsp_func f;
	int ret;

	/* Fixture sanity: gcc made the clone, and no plain score_key. */
	nm_prefix(fixture(file), prefix, clone, sizeof(clone));
	if (!clone[0])
		fail_msg("no %s* function in %s", prefix, fixture(file));
	assert_int_equal(nm_find(fixture(file), 0, "score_key", (struct nm_sym[MAX_NM]){}), 0);

	assert_int_equal(fsp_resolve_func(fixture(file), "score_key", &f, why, sizeof(why)),
			 -EINVAL);
	if (!strstr(why, "clone") || !strstr(why, clone))
		fail_msg("reason should name the clone %s: %s", clone, why);
	ret = fsp_resolve_func(fixture(file), clone, &f, why, sizeof(why));
	if (ret >= 0)
		fail_msg("the clone %s resolved by its own name", clone);
	return ret;
}

static void test_clone_only(void **state)
{
	(void)state;
	assert_clone_refused("clone", "score_key.");
}

/*
 * gcc -flto renames a static function it must make global: score_key.lto_priv.0. Refused like
 * the .constprop clone above, both ways. Fails while resolve.c's clone list lacks .lto_priv
 * (user/functions.c has it): today score_key is "not found" (-ENOENT) with
 * score_key.lto_priv.0 suggested, and score_key.lto_priv.0 itself resolves.
 */
static void test_lto_clone(void **state)
{
	(void)state;
	assert_int_equal(assert_clone_refused("lto", "score_key.lto_priv."),
			 assert_clone_refused("clone", "score_key."));
}

static void test_duplicate(void **state)
{
	struct nm_sym want[MAX_NM];
	char why[256], addr[2][32];
	struct fsp_func f;

	(void)state;
	assert_int_equal(nm_find(fixture("dupes"), 0, "parse_key", want), 2);
	assert_int_equal(fsp_resolve_func(fixture("dupes"), "parse_key", &f, why, sizeof(why)),
			 -ENOTUNIQ);
	snprintf(addr[0], sizeof(addr[0]), "0x%llx", (unsigned long long)want[0].value);
	snprintf(addr[1], sizeof(addr[1]), "0x%llx", (unsigned long long)want[1].value);
	/* C statics share one name, so only their addresses tell them apart. */
	if (!strstr(why, "2 functions") || !strstr(why, "parse_key") || !strstr(why, addr[0]) ||
	    !strstr(why, addr[1]))
		fail_msg("reason should count 2 and name both %s and %s: %s", addr[0], addr[1],
			 why);
	/* The unique function next to them still resolves. */
	resolve_ok("dupes", 0, "parse_b");
}

static void test_not_elf(void **state)
{
	char path[] = "/tmp/fsp-test-resolve-XXXXXX", why[512], want[512];
	struct fsp_func f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	snprintf(want, sizeof(want), "%s is not an ELF file", path);

	/* Empty, then text: neither is ELF. */
	assert_int_equal(fsp_resolve_func(path, "main", &f, why, sizeof(why)), -ENOEXEC);
	assert_string_equal(why, want);
	assert_int_equal(write(fd, "hostname\n", 9), 9);
	assert_int_equal(fsp_resolve_func(path, "main", &f, why, sizeof(why)), -ENOEXEC);
	assert_string_equal(why, want);
	close(fd);
	unlink(path);

	/* A directory opens fine but is no ELF file either. */
	assert_int_equal(fsp_resolve_func("/tmp", "main", &f, why, sizeof(why)), -ENOEXEC);
	assert_string_equal(why, "/tmp is not an ELF file");
}

/* A name is matched whole: one past the buffer is refused, never cut to a prefix that matches. */
static void test_name_too_long(void **state)
{
	static char name[10001];
	struct fsp_func f;
	char why[512];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	assert_int_equal(fsp_resolve_func(fixture("plain"), name, &f, why, sizeof(why)),
			 -ENAMETOOLONG);
	assert_string_equal(why, "a name of 10000 bytes; fsprobe matches names of at most 511");
	name[FSP_FUNC_NAME_MAX - 1] = '\0';
	assert_int_equal(fsp_resolve_func(fixture("plain"), name, &f, why, sizeof(why)), -ENOENT);
}

static void test_missing_path(void **state)
{
	const char *path = "/nonexistent-fsp-dir/featurestore";
	struct fsp_func f;
	char why[512];

	(void)state;
	assert_int_equal(fsp_resolve_func(path, "main", &f, why, sizeof(why)), -ENOENT);
	if (!strstr(why, path))
		fail_msg("reason should name the path: %s", why);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pie),
		cmocka_unit_test(test_nopie),
		cmocka_unit_test(test_dynsym_only),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_clone_only),
		cmocka_unit_test(test_lto_clone),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_missing_path),
	};
	/* clang-format on */

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: resolve\n");
	return cmocka_run_group_tests_name("resolve", tests, check_fixtures, NULL);
}
