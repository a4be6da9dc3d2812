// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* fsp_symmap_load: --symbol-map files, and the inputs tests/fuzz/fuzz_symmap.c found. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "symmap.h"
#include "testutil.h"

/* Loads len bytes of text as a map file; returns what fsp_symmap_load returns. */
static int load(const char *text, size_t len, struct fsp_symmap *map)
{
	char path[64];
	int fd = testutil_tmpfile(path, sizeof(path), text, len), ret;

	assert_true(fd >= 0);
	ret = fsp_symmap_load(path, map);
	close(fd);
	unlink(path);
	return ret;
}

#define LOAD(lit, map) load(lit, sizeof(lit) - 1, map)

static void test_valid(void **state)
{
	struct fsp_symmap map;

	(void)state;
	assert_int_equal(LOAD("# id name\n\n2 MSFT\n 1 AAPL \r\n-5 EURUSD\n", &map), 0);
	assert_int_equal(map.n, 3);
	assert_string_equal(fsp_symmap_find(&map, 1), "AAPL");
	assert_string_equal(fsp_symmap_find(&map, 2), "MSFT");
	/* An i64() key of -5, as its 64 bits hold it. */
	assert_string_equal(fsp_symmap_find(&map, (__u64)-5), "EURUSD");
	assert_null(fsp_symmap_find(&map, 3));
	fsp_symmap_free(&map);
	assert_int_equal(LOAD("18446744073709551615 MAX", &map), 0);
	assert_string_equal(fsp_symmap_find(&map, UINT64_MAX), "MAX");
	fsp_symmap_free(&map);
}

/* Found by fuzz_symmap: an empty file passed NULL to qsort (UBSan: nonnull argument). */
static void test_empty(void **state)
{
	struct fsp_symmap map;

	(void)state;
	assert_int_equal(LOAD("", &map), 0);
	assert_int_equal(map.n, 0);
	assert_null(fsp_symmap_find(&map, 0));
	fsp_symmap_free(&map);
	assert_int_equal(LOAD("# only a comment\n\n", &map), 0);
	assert_int_equal(map.n, 0);
	fsp_symmap_free(&map);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"1 a\n1 b\n",                  /* one id, two names */
		"1 a\n2 a\n",                  /* one name, two ids */
		"1 __overflow__\n", "1 __unreadable__\n", "1 123\n", "1 a b\n", "x a\n", "1\n",
		"1 a\"b\n", "1 a\\b\n",
		"99999999999999999999 big\n",  /* was read as 18446744073709551615 */
		"-99999999999999999999 big\n", "+5 plus\n", "0x10 hex\n", "- minus\n",
		"1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", /* 64 bytes */
	};
	struct fsp_symmap map;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (load(bad[i], strlen(bad[i]), &map) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_null(map.entries);
	}
}

/* A line longer than the old 512-byte buffer was read as two lines, two entries. */
static void test_long_line(void **state)
{
	char text[1024];
	struct fsp_symmap map;

	(void)state;
	memset(text, ' ', sizeof(text));
	memcpy(text, "1 a", 3);
	memcpy(text + 600, "2 b\n", 4);
	assert_int_equal(load(text, 604, &map), -EINVAL);
	/* The same with spaces only: one entry, however long its line. */
	memcpy(text + 600, "   \n", 4);
	assert_int_equal(load(text, 604, &map), 0);
	assert_int_equal(map.n, 1);
	fsp_symmap_free(&map);
}

/* A NUL byte hid the rest of its line: "1 a\0junk" was "1 a". */
static void test_nul_byte(void **state)
{
	struct fsp_symmap map;

	(void)state;
	assert_int_equal(LOAD("1 a\0junk\n", &map), -EINVAL);
	assert_int_equal(LOAD("\0" "1 a\n", &map), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_nul_byte),
	};

	print_message("[==========] group: symmap\n");
	return cmocka_run_group_tests_name("symmap", tests, NULL, NULL);
}
