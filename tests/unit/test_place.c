// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsp_place_probe on real compiled prologues: tests/unit/fixtures/place/prologues.c built into
 * $FSP_FIXTURES/place (default build/tests/fixtures/place) as
 *
 *   O2             -O2 -fcf-protection=none
 *   O2-cet         -O2 -fcf-protection=full
 *   O0             -O0 -fcf-protection=none
 *   O0-cet         -O0 -fcf-protection=full
 *   nop5           -O2 -fcf-protection=none -pg -mfentry -mnop-mcount -fno-pie -no-pie
 *   nop5-cet       -O2 -fcf-protection=full -pg -mfentry -mnop-mcount -fno-pie -no-pie
 *   patchable-cet  -O2 -fcf-protection=full -fpatchable-function-entry=5
 *
 * Each expected placement is stated below and checked against objdump's reading of the same
 * function, never against addresses, so a failure says which instruction the compiler chose.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <cmocka.h>
#include "place.h"
#include "resolve.h"
#define FIXTURE_SUBDIR "place/"
#include "testutil.h"

#define MAX_INSNS 8

static const char *const builds[] = {
	"O2", "O2-cet", "O0", "O0-cet", "nop5", "nop5-cet", "patchable-cet",
};

struct od_insn {
	unsigned long long addr;
	int len;
	char text[128]; /* mnemonic and operands */
};

/*
 * objdump -d of [vaddr, vaddr + size): fills up to max instructions, returns how many. all,
 * when given, receives the whole listing, for branch targets.
 */
static int objdump(const char *path, __u64 vaddr, __u64 size, struct od_insn *out, int max,
		   char *all, size_t all_len)
{
	char cmd[1024], line[512], *f[3], *tok, *save;
	int n = 0, k;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "objdump -d -w --start-address=0x%llx --stop-address=0x%llx '%s'",
		 (unsigned long long)vaddr, (unsigned long long)(vaddr + size), path);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (all)
		all[0] = '\0';
	while (fgets(line, sizeof(line), p)) {
		if (all && strlen(all) + strlen(line) < all_len)
			strcat(all, line);
		/* "  401270:\tf3 0f 1e fa   \tendbr64" */
		for (k = 0, tok = strtok_r(line, "\t\n", &save); tok && k < 3;
		     tok = strtok_r(NULL, "\t\n", &save))
			f[k++] = tok;
		if (k < 3 || n >= max || !strchr(f[0], ':'))
			continue;
		out[n].addr = strtoull(f[0], NULL, 16);
		out[n].len = 0;
		for (tok = strtok_r(f[1], " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			out[n].len++;
		snprintf(out[n].text, sizeof(out[n].text), "%s", f[2]);
		n++;
	}
	assert_int_equal(pclose(p), 0);
	return n;
}

static int kernel_at_least(int major, int minor)
{
	int ma = 0, mi = 0;
	struct utsname u;

	assert_int_equal(uname(&u), 0);
	assert_int_equal(sscanf(u.release, "%d.%d", &ma, &mi), 2);
	return ma > major || (ma == major && mi >= minor);
}

/* What the running kernel does with a 5-byte nop at file offset off. */
static const char *nop5_word(__u64 off)
{
	if (kernel_at_least(6, 18) && (off & 4095) <= 4096 - 5)
		return "optimized";
	return kernel_at_least(6, 16) ? "emulated" : "single-stepped";
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Whether objdump's instruction is one the reason may name as emulated. */
static int od_emulated(const struct od_insn *in)
{
	return (starts(in->text, "push ") && in->len <= 2) ||
	       (!strcmp(in->text, "nop") && in->len == 1) || starts(in->text, "call ") ||
	       (in->text[0] == 'j' && !strchr(in->text, '*') &&
		(in->len == 2 || in->len == 5 || in->len == 6)) ||
	       (starts(in->text, "nopl ") && in->len == 5);
}

/* objdump's instruction matches the name the reason gives it. */
static void check_named(const struct od_insn *in, const char *name)
{
	if (!strcmp(name, "5-byte nop"))
		assert_true(starts(in->text, "nopl ") && in->len == 5);
	else if (!strcmp(name, "nop"))
		assert_true(!strcmp(in->text, "nop") && in->len == 1);
	else if (!strcmp(name, "jcc"))
		assert_true(in->text[0] == 'j' && !starts(in->text, "jmp "));
	else
		assert_true(starts(in->text, name) && in->text[strlen(name)] == ' ');
}

struct want {
	const char *func;
	const char *reason; /* %s: the 5-byte nop's cost, from nop5_word() */
};

static const struct want *want_for(const char *build, size_t *n)
{
	/*
	 * O0-cet: the spill mov %rdi,-0x8(%rbp) at +8 holds the bytes 7d f8, which read alone
	 * are a jge to +4; only decoding whole instructions tells that it is no branch.
	 */
	static const struct want o2[] = {
		{ "place_lookup", "on push at entry (emulated)" },
		{ "place_leaf", "first byte (no endbr64 to skip)" },
		{ "place_many", "first byte (no endbr64 to skip)" },
		{ "place_spin", "on nop at entry (emulated)" },
	}, o2_cet[] = {
		{ "place_lookup", "after endbr64, on push (emulated)" },
		{ "place_leaf", "first byte (endbr64, then no emulated instruction)" },
		{ "place_many", "first byte (endbr64, then no emulated instruction)" },
		{ "place_spin",
		  "first byte (the function jumps to the instruction after endbr64)" },
	};
	/* clang-format off */
#define ALL(reason) { "place_lookup", reason }, { "place_leaf", reason }, \
		    { "place_many", reason }, { "place_spin", reason }
	static const struct want o0[] = { ALL("on push at entry (emulated)") },
		o0_cet[] = { ALL("after endbr64, on push (emulated)") },
		nop5[] = { ALL("on 5-byte nop at entry (%s)") },
		nop5_cet[] = { ALL("after endbr64, on 5-byte nop (%s)") },
		patchable_cet[] = { ALL("after endbr64, on nop (emulated)") };
#undef ALL
	/* clang-format on */
	static const struct {
		const char *build;
		const struct want *w;
	} map[] = {
		{ "O2", o2 },
		{ "O2-cet", o2_cet },
		{ "O0", o0 },
		{ "O0-cet", o0_cet },
		{ "nop5", nop5 },
		{ "nop5-cet", nop5_cet },
		{ "patchable-cet", patchable_cet },
	};
	size_t i;

	*n = 4;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].build, build))
			return map[i].w;
	fail_msg("no expectations for %s", build);
	return NULL;
}

static void check_one(const char *build, const struct want *w)
{
	const char *path = fixture(build);
	struct od_insn od[MAX_INSNS];
	char why[256], reason[96], all[8192], target[160];
	struct fsp_place pl;
	struct fsp_func f;
	const char *name;
	int n;

	if (fsp_resolve_func(path, w->func, &f, why, sizeof(why)))
		fail_msg("%s in %s: %s", w->func, path, why);
	n = objdump(path, f.vaddr, f.size, od, MAX_INSNS, all, sizeof(all));
	assert_true(n >= 2);
	/* Decided with the offset of the nop itself: the entry, or after the endbr64. */
	snprintf(reason, sizeof(reason), w->reason,
		 nop5_word(f.offset + (starts(w->reason, "after") ? od[0].len : 0)));
	/* A kernel that single-steps a 5-byte nop gives nothing for skipping endbr64. */
	if (strstr(reason, "nop (single-stepped)") && starts(reason, "after"))
		snprintf(reason, sizeof(reason),
			 "first byte (endbr64, then no emulated instruction)");

	memset(&pl, 0x5a, sizeof(pl));
	assert_int_equal(fsp_place_probe(path, f.offset, f.size, &pl), 0);
	print_message("[   INFO   ] %-13s %-12s +%u %s\n", build, w->func, pl.skipped, pl.reason);
	if (strcmp(pl.reason, reason))
		fail_msg("%s %s: reason \"%s\", want \"%s\"", build, w->func, pl.reason, reason);
	assert_int_equal(pl.offset, f.offset + pl.skipped);

	if (starts(reason, "after endbr64, on ")) {
		assert_string_equal(od[0].text, "endbr64");
		assert_int_equal(pl.skipped, od[0].len);
		assert_int_equal(od[1].addr, f.vaddr + pl.skipped);
		assert_true(od_emulated(&od[1]));
		name = reason + strlen("after endbr64, on ");
		*strrchr(reason, ' ') = '\0';
		check_named(&od[1], name);
		snprintf(target, sizeof(target), "<%s+0x%x>", w->func, pl.skipped);
		if (strstr(all, target))
			fail_msg("%s %s: a branch targets %s", build, w->func, target);
		return;
	}
	assert_int_equal(pl.skipped, 0);
	if (starts(reason, "on ")) {
		assert_true(od_emulated(&od[0]));
		name = reason + strlen("on ");
		*strstr(reason, " at entry") = '\0';
		check_named(&od[0], name);
	} else if (!strcmp(reason, "first byte (no endbr64 to skip)")) {
		assert_false(od_emulated(&od[0]));
	} else if (!strcmp(reason, "first byte (endbr64, then no emulated instruction)")) {
		assert_string_equal(od[0].text, "endbr64");
		if (od_emulated(&od[1]))
			assert_true(starts(od[1].text, "nopl ")); /* a single-stepped 5-byte nop */
	} else if (!strcmp(reason, "first byte (the function jumps to the instruction after "
				   "endbr64)")) {
		assert_string_equal(od[0].text, "endbr64");
		assert_true(od_emulated(&od[1]));
		snprintf(target, sizeof(target), "<%s+0x%x>", w->func, od[0].len);
		if (!strstr(all, target))
			fail_msg("%s %s: no branch to %s in\n%s", build, w->func, target, all);
	} else {
		fail_msg("untested reason %s", reason);
	}
}

DEFINE_CHECK_FIXTURES(builds)

static void test_prologues(void **state)
{
	const struct want *w;
	size_t i, k, n;

	(void)state;
	for (i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		w = want_for(builds[i], &n);
		for (k = 0; k < n; k++)
			check_one(builds[i], &w[k]);
	}
}

static struct fsp_func resolve(const char *build, const char *name)
{
	struct fsp_func f;
	char why[256];

	if (fsp_resolve_func(fixture(build), name, &f, why, sizeof(why)))
		fail_msg("%s in %s: %s", name, fixture(build), why);
	return f;
}

/* Without the size nothing proves that no branch lands after endbr64: the entry stays. */
static void test_size_unknown(void **state)
{
	struct fsp_func f = resolve("O2-cet", "place_lookup");
	struct fsp_place pl;
	char want[96];

	(void)state;
	assert_int_equal(fsp_place_probe(fixture("O2-cet"), f.offset, 0, &pl), 0);
	assert_int_equal(pl.offset, f.offset);
	assert_string_equal(pl.reason,
			    "first byte (size unknown: a jump past endbr64 cannot be ruled out)");
	/* Too large to scan counts as unknown. */
	assert_int_equal(fsp_place_probe(fixture("O2-cet"), f.offset, 2 << 20, &pl), 0);
	assert_int_equal(pl.skipped, 0);

	/* A 5-byte nop at the entry needs no scan. */
	f = resolve("nop5", "place_leaf");
	assert_int_equal(fsp_place_probe(fixture("nop5"), f.offset, 0, &pl), 0);
	assert_int_equal(pl.offset, f.offset);
	snprintf(want, sizeof(want), "on 5-byte nop at entry (%s)", nop5_word(f.offset));
	assert_string_equal(pl.reason, want);
}

/* A copy of a fixture, edited: returns its path, for unlink. */
static char *edited_copy(const char *build, long at, const void *bytes, size_t len)
{
	static char path[] = "/tmp/fsp-test-place-XXXXXX";
	char cmd[1024];
	int fd;

	strcpy(path + strlen(path) - 6, "XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", fixture(build), path);
	assert_int_equal(system(cmd), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, len, at), (ssize_t)len);
	close(fd);
	return path;
}

/* Synthetic bytes, not a prologue: a 5-byte nop crossing a page is not optimized. */
static void test_nop5_across_page(void **state)
{
	static const __u8 code[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3 };
	const long nop = 2 * 4096 - 2, entry = nop - 4; /* the nop's page ends 2 bytes in */
	struct fsp_place pl;
	char *path, want[96];

	(void)state;
	path = edited_copy("O2-cet", entry, code, sizeof(code));
	assert_int_equal(fsp_place_probe(path, nop, 5, &pl), 0);
	snprintf(want, sizeof(want), "on 5-byte nop at entry (%s)",
		 kernel_at_least(6, 16) ? "emulated" : "single-stepped");
	assert_string_equal(pl.reason, want);

	assert_int_equal(fsp_place_probe(path, entry, sizeof(code), &pl), 0);
	if (kernel_at_least(6, 16)) {
		assert_int_equal(pl.offset, nop);
		assert_string_equal(pl.reason, "after endbr64, on 5-byte nop (emulated)");
	} else {
		assert_int_equal(pl.offset, entry);
	}
	unlink(path);

	/* The same bytes a page earlier, the nop inside one page: optimized from 6.18. */
	path = edited_copy("O2-cet", entry - 4096 - 16, code, sizeof(code));
	assert_int_equal(fsp_place_probe(path, entry - 4096 - 16, sizeof(code), &pl), 0);
	if (kernel_at_least(6, 16)) {
		snprintf(want, sizeof(want), "after endbr64, on 5-byte nop (%s)",
			 kernel_at_least(6, 18) ? "optimized" : "emulated");
		assert_string_equal(pl.reason, want);
		assert_int_equal(pl.skipped, 4);
	}
	unlink(path);
}

/*
 * Synthetic bytes, not a prologue: endbr64, push, then rdsspq, which capstone 4 does not
 * decode. Nothing then proves that no branch lands on the push, so the entry stays.
 */
static void test_undecodable(void **state)
{
	static const __u8 code[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0xf3,
				     0x48, 0x0f, 0x1e, 0xc8, 0x5d, 0xc3 };
	const long entry = 4096 + 64;
	struct fsp_place pl;
	char *path;

	(void)state;
	path = edited_copy("O2-cet", entry, code, sizeof(code));
	assert_int_equal(fsp_place_probe(path, entry, sizeof(code), &pl), 0);
	assert_int_equal(pl.offset, entry);
	assert_string_equal(pl.reason, "first byte (part of the function does not decode)");
	/* Without the undecodable tail the push is taken. */
	assert_int_equal(fsp_place_probe(path, entry, 5, &pl), 0);
	assert_int_equal(pl.offset, entry + 4);
	assert_string_equal(pl.reason, "after endbr64, on push (emulated)");
	unlink(path);
}

/* Only x86-64 code is decoded: the same bytes in an aarch64 ELF file stay at the first byte. */
static void test_not_x86_64(void **state)
{
	struct fsp_func f = resolve("O2-cet", "place_lookup");
	const __u8 aarch64[2] = { 183, 0 }; /* e_machine EM_AARCH64 */
	struct fsp_place pl;
	char *path;

	(void)state;
	path = edited_copy("O2-cet", 18, aarch64, sizeof(aarch64));
	assert_int_equal(fsp_place_probe(path, f.offset, f.size, &pl), 0);
	assert_int_equal(pl.offset, f.offset);
	assert_string_equal(pl.reason, "first byte (not an x86-64 ELF file)");
	unlink(path);
}

static void test_errors(void **state)
{
	struct fsp_func f = resolve("O2-cet", "place_lookup");
	const char *path = fixture("O2-cet");
	struct fsp_place pl;
	long end;
	int fd;

	(void)state;
	assert_int_equal(fsp_place_probe("/nonexistent-fsp/featurestore", 0x1000, 16, &pl),
			 -ENOENT);
	/* Even on error, out is a usable first-byte placement. */
	assert_int_equal(pl.offset, 0x1000);
	assert_int_equal(pl.skipped, 0);
	assert_int_equal(fsp_place_probe("/tmp", 0, 16, &pl), -EISDIR);

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	end = lseek(fd, 0, SEEK_END);
	close(fd);
	/* Past the end, or a size running past it: the symbol is not in this file. */
	assert_int_equal(fsp_place_probe(path, end, 0, &pl), -ENODATA);
	assert_int_equal(fsp_place_probe(path, end - 4, 16, &pl), -ENODATA);
	/* An unknown size may end at the end of the file. */
	assert_int_equal(fsp_place_probe(path, end - 4, 0, &pl), 0);
	assert_int_equal(fsp_place_probe(path, f.offset, f.size, &pl), 0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prologues),
		cmocka_unit_test(test_size_unknown),
		cmocka_unit_test(test_nop5_across_page),
		cmocka_unit_test(test_undecodable),
		cmocka_unit_test(test_not_x86_64),
		cmocka_unit_test(test_errors),
	};
	/* clang-format on */

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: place\n");
	return cmocka_run_group_tests_name("place", tests, check_fixtures, NULL);
}
