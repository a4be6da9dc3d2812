// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsp_reach_only_from on compiled lookup/miss pairs: tests/unit/fixtures/reach/ built into
 * $FSP_FIXTURES/reach (default build/tests/fixtures/reach) as
 *
 *   pairs           gcc -O2 -fPIE -pie: (a) direct call, (b) function pointer, (d) tail call,
 *                   (e) a second caller
 *   libexported.so  gcc -O2 -shared -fPIC -fno-semantic-interposition: (c) exported miss
 *
 * Functions are found with fsp_resolve_func; each case first checks with objdump that the
 * compiler emitted the shape it is about, so a failure tells a changed compiler from a
 * changed answer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "reach.h"
#include "resolve.h"
#define FIXTURE_SUBDIR "reach/"
#include "testutil.h"

#define MAX_REFS 8

static const char *const fixture_names[] = { "pairs", "libexported.so" };

DEFINE_CHECK_FIXTURES(fixture_names)

static struct fsp_func func(const char *file, const char *name)
{
	struct fsp_func f;
	char why[256];

	if (fsp_resolve_func(fixture(file), name, &f, why, sizeof(why)))
		fail_msg("%s in %s: %s", name, fixture(file), why);
	assert_true(f.size > 0);
	return f;
}

/* An instruction whose operand is the address looked for, as objdump reads it. */
struct ref {
	unsigned long long at;
	char func[64]; /* the function it is in */
	char insn[96]; /* mnemonic and operands */
	int last;      /* the last instruction of that function (before padding) */
};

/* s, read by fmt (one %llx, then %n after what must follow it), is target. */
static int operand_is(const char *s, const char *fmt, unsigned long long target)
{
	unsigned long long v;
	int end = -1;

	return s && sscanf(s, fmt, &v, &end) == 1 && end >= 0 && v == target;
}

/*
 * Every instruction in file with target as a branch target or a rip-relative address
 * ("call 1240 <f>", "lea 0x2e07(%rip),%rax # 4060 <x>"); returns how many.
 */
static int code_refs(const char *file, unsigned long long target, struct ref *out)
{
	char cmd[1024], line[512], func[64] = "", *tab;
	unsigned long long addr, end = 0, start;
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "objdump -d -w --no-show-raw-insn '%s'", fixture(file));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llx <%63[^>]>:", &start, func) == 2) {
			struct fsp_func f;
			char why[256];

			/* The symbol's size, for its last instruction. */
			end = fsp_resolve_func(fixture(file), func, &f, why, sizeof(why))
				      ? 0
				      : f.vaddr + f.size;
			continue;
		}
		tab = strchr(line, '\t');
		if (!tab || sscanf(line, " %llx:", &addr) != 1)
			continue;
		tab++;
		/* A later instruction of the same function: the previous one was not its last. */
		if (n && !strcmp(out[n - 1].func, func) && addr < end)
			out[n - 1].last = 0;
		if (!operand_is(tab, "%*s %llx <%n", target) &&
		    !operand_is(strstr(tab, "# "), "# %llx <%n", target))
			continue;
		assert_true(n < MAX_REFS);
		out[n].at = addr;
		snprintf(out[n].func, sizeof(out[n].func), "%s", func);
		snprintf(out[n].insn, sizeof(out[n].insn), "%s", tab);
		out[n++].last = addr < end;
	}
	assert_int_equal(pclose(p), 0);
	return n;
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The reference is a direct call from inside func. */
static void assert_call_from(const struct ref *r, const char *func)
{
	if (strcmp(r->func, func) || !starts(r->insn, "call "))
		fail_msg("want a direct call from %s, objdump shows '%s' in %s", func, r->insn,
			 r->func);
}

/* fsp_reach_only_from for the miss and lookup functions named, in file. */
static int reach(const char *file, const char *miss, const char *lookup, char *why, size_t len)
{
	struct fsp_func m = func(file, miss), l = func(file, lookup);

	return fsp_reach_only_from(fixture(file), m.vaddr, l.vaddr, l.size, why, len);
}

/* (a) Called directly, and only from the lookup: proven. */
static void test_direct_call(void **state)
{
	struct fsp_func m = func("pairs", "miss_direct");
	struct ref refs[MAX_REFS];
	char why[256];

	(void)state;
	assert_int_equal(code_refs("pairs", m.vaddr, refs), 1);
	assert_call_from(&refs[0], "lookup_direct");

	assert_int_equal(reach("pairs", "miss_direct", "lookup_direct", why, sizeof(why)), 1);
	/* Asked about another function's range, the same call is outside it. */
	snprintf(why, sizeof(why), "x");
	assert_int_equal(reach("pairs", "miss_direct", "lookup_pointer", why, sizeof(why)), 0);
	if (!strstr(why, "referenced outside the lookup"))
		fail_msg("unexpected reason: %s", why);
}

/* (b) Only ever called through a pointer stored in data: its address is taken. */
static void test_function_pointer(void **state)
{
	struct fsp_func m = func("pairs", "miss_pointer"), l = func("pairs", "lookup_pointer");
	char cmd[1024], out[4096] = "", line[512], why[256], want[256] = "";
	struct ref refs[MAX_REFS];
	unsigned long long hook;
	int end;
	FILE *p;

	(void)state;
	assert_int_equal(code_refs("pairs", m.vaddr, refs), 0);
	/* The lookup's call is indirect. */
	snprintf(cmd, sizeof(cmd),
		 "objdump -d -w --no-show-raw-insn --start-address=0x%llx --stop-address=0x%llx "
		 "'%s'",
		 (unsigned long long)l.vaddr, (unsigned long long)(l.vaddr + l.size),
		 fixture("pairs"));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (strlen(out) + strlen(line) < sizeof(out))
			strcat(out, line);
	assert_int_equal(pclose(p), 0);
	if (!strstr(out, "\tcall   *%"))
		fail_msg("want an indirect call in lookup_pointer:\n%s", out);

	/* The pointer is miss_hook, in .data. */
	snprintf(cmd, sizeof(cmd), "nm '%s'", fixture("pairs"));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		end = -1;
		if (sscanf(line, "%llx d miss_hook%n", &hook, &end) == 1 && end >= 0 &&
		    line[end] == '\n')
			snprintf(want, sizeof(want), "its address is stored in data (at 0x%llx)",
				 hook);
	}
	assert_int_equal(pclose(p), 0);
	assert_string_not_equal(want, "");

	assert_int_equal(reach("pairs", "miss_pointer", "lookup_pointer", why, sizeof(why)), 0);
	assert_string_equal(why, want);
}

/* (c) Exported from a shared library: another object may call it, whatever this one does. */
static void test_exported(void **state)
{
	struct fsp_func m = func("libexported.so", "miss_exported");
	struct ref refs[MAX_REFS];
	char cmd[1024], line[512];
	int dynamic = 0;
	char why[256];
	FILE *p;

	(void)state;
	/* The same shape as (a): one direct call, from the lookup, not through the PLT. */
	assert_int_equal(code_refs("libexported.so", m.vaddr, refs), 1);
	assert_call_from(&refs[0], "lookup_exported");
	/* And a defined dynamic symbol. */
	snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s'", fixture("libexported.so"));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (strstr(line, " T miss_exported\n"))
			dynamic = 1;
	assert_int_equal(pclose(p), 0);
	assert_true(dynamic);

	assert_int_equal(
		reach("libexported.so", "miss_exported", "lookup_exported", why, sizeof(why)), 0);
	assert_string_equal(why, "it is exported, so other objects may call it");
}

/*
 * (d) The lookup's last instruction jumps to the miss (a tail call).
 *
 * Today's behaviour: not proven. Only a call counts as reaching the miss from inside the
 * lookup; the jmp is reported as "referenced outside the lookup" although it is inside it.
 * A later change may accept tail calls (the miss then runs after the lookup's frame is gone,
 * so lazy counting needs care); update this test with it.
 */
static void test_tail_call(void **state)
{
	struct fsp_func m = func("pairs", "miss_tail"), l = func("pairs", "lookup_tail");
	struct ref refs[MAX_REFS];
	char why[256], want[256];

	(void)state;
	assert_int_equal(code_refs("pairs", m.vaddr, refs), 1);
	assert_string_equal(refs[0].func, "lookup_tail");
	if (!starts(refs[0].insn, "jmp ") || !refs[0].last)
		fail_msg("want jmp miss_tail as lookup_tail's last instruction, objdump shows "
			 "'%s'%s",
			 refs[0].insn, refs[0].last ? "" : " before others");
	assert_true(refs[0].at >= l.vaddr && refs[0].at < l.vaddr + l.size);

	assert_int_equal(reach("pairs", "miss_tail", "lookup_tail", why, sizeof(why)), 0);
	snprintf(want, sizeof(want), "referenced outside the lookup (at 0x%llx)", refs[0].at);
	assert_string_equal(why, want);
}

/* (e) Called from the lookup and from another function: the other call is named. */
static void test_second_caller(void **state)
{
	struct fsp_func m = func("pairs", "miss_shared");
	struct ref refs[MAX_REFS];
	char why[256], want[256];
	int n, i, warm = -1;

	(void)state;
	n = code_refs("pairs", m.vaddr, refs);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		if (!strcmp(refs[i].func, "warm_shared"))
			warm = i;
	assert_true(warm >= 0);
	assert_call_from(&refs[warm], "warm_shared");
	assert_call_from(&refs[1 - warm], "lookup_shared");

	assert_int_equal(reach("pairs", "miss_shared", "lookup_shared", why, sizeof(why)), 0);
	snprintf(want, sizeof(want), "referenced outside the lookup (at 0x%llx)", refs[warm].at);
	assert_string_equal(why, want);
	/* From 0 with size ~0, a direct call from anywhere is fine: both calls are. */
	assert_int_equal(fsp_reach_only_from(fixture("pairs"), m.vaddr, 0, ~0ULL, why, sizeof(why)),
			 1);
}

static void test_errors(void **state)
{
	struct fsp_func m = func("pairs", "miss_direct"), l = func("pairs", "lookup_direct");
	char path[] = "/tmp/fsp-test-reach-XXXXXX", why[256];
	int fd;

	(void)state;
	/* No range: nothing is scanned, nothing proven. */
	assert_int_equal(
		fsp_reach_only_from(fixture("pairs"), m.vaddr, l.vaddr, 0, why, sizeof(why)), 0);
	assert_string_equal(why, "not scanned");
	assert_int_equal(fsp_reach_only_from("/nonexistent-fsp-dir/pairs", m.vaddr, l.vaddr, l.size,
					     why, sizeof(why)),
			 -ENOENT);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hostname\n", 9), 9);
	close(fd);
	assert_int_equal(fsp_reach_only_from(path, m.vaddr, l.vaddr, l.size, why, sizeof(why)),
			 -ENOEXEC);
	unlink(path);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct_call),
		cmocka_unit_test(test_function_pointer),
		cmocka_unit_test(test_exported),
		cmocka_unit_test(test_tail_call),
		cmocka_unit_test(test_second_caller),
		cmocka_unit_test(test_errors),
	};
	/* clang-format on */

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: reach\n");
	return cmocka_run_group_tests_name("reach", tests, check_fixtures, NULL);
}
