// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What fsprobe makes of a kernel, without loading anything: the oldest release it accepts, the
 * variant's names and the list of missing features it logs and exports, and --bpf-variant.
 */
#include <errno.h>
#include "testutil.h"
#include "env.h"
#include "kernel.h"

static void test_kernel_floor(void **state)
{
	static const struct {
		const char *release;
		bool ok;
	} cases[] = {
		{ "5.10.0-46-amd64", true },  { "5.10", true },	       { "5.9.16", false },
		{ "4.19.0-27-amd64", false }, { "6.1.0-57-amd64", true }, { "6.12.118+deb12-amd64", true },
		{ "10.0.0", true },	      { "3.10.0-1160.el7", false }, { "", false },
		{ "garbage", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("release '%s'\n", cases[i].release);
		assert_int_equal(fsp_env_kernel_ok(cases[i].release), cases[i].ok);
	}
}

static void test_missing_list(void **state)
{
	struct fsp_kernel k = { .has = { [FSP_KF_TASK_STORAGE] = true, [FSP_KF_COPY_TASK] = true } };
	char buf[128];

	(void)state;
	assert_string_equal(fsp_kernel_missing(&k, buf, sizeof(buf)), "current_task_btf,atomics");
	memset(k.has, 1, sizeof(k.has));
	assert_string_equal(fsp_kernel_missing(&k, buf, sizeof(buf)), "");
	memset(k.has, 0, sizeof(k.has));
	assert_string_equal(fsp_kernel_missing(&k, buf, sizeof(buf)),
			    "task_storage,current_task_btf,atomics,copy_from_user_task");
	/* Cut, never overrun. */
	assert_int_equal(strlen(fsp_kernel_missing(&k, buf, 10)), 9);
}

static void test_choose(void **state)
{
	struct fsp_kernel fast = { .variant = FSP_VARIANT_FAST, .lazy = true };
	struct fsp_kernel compat = { .variant = FSP_VARIANT_COMPAT };
	struct fsp_kernel k;

	(void)state;
	k = fast;
	assert_int_equal(fsp_kernel_choose(&k, -1), 0);
	assert_int_equal(k.variant, FSP_VARIANT_FAST);
	assert_true(k.lazy);
	/* compat on a kernel that could run fast: return probes, as compat always has. */
	assert_int_equal(fsp_kernel_choose(&k, FSP_VARIANT_COMPAT), 0);
	assert_int_equal(k.variant, FSP_VARIANT_COMPAT);
	assert_false(k.lazy);
	k = compat;
	assert_int_equal(fsp_kernel_choose(&k, FSP_VARIANT_FAST), -ENOTSUP);
	assert_int_equal(fsp_kernel_choose(&k, FSP_VARIANT_COMPAT), 0);
	assert_string_equal(fsp_kernel_variant_name(FSP_VARIANT_FAST), "fast");
	assert_string_equal(fsp_kernel_variant_name(FSP_VARIANT_COMPAT), "compat");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_floor),
		cmocka_unit_test(test_missing_list),
		cmocka_unit_test(test_choose),
	};

	return cmocka_run_group_tests_name("kernel", tests, NULL, NULL);
}
