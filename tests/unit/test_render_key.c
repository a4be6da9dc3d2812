// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsp_keytext_put: a key becomes a label value that is valid UTF-8 and one-to-one, before the
 * text format's own escaping (test_render.c checks that part, on whole scrapes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "keytext.h"
#include "render.h"

static const struct {
	const char *key;
	const char *want;
} cases[] = {
	/* Not UTF-8: each offending byte becomes the four characters \xHH. */
	{ "\xff", "\\xff" },
	{ "ab\xe2\x82", "ab\\xe2\\x82" },               /* truncated at the end of the key */
	{ "\xe2\x82" "x", "\\xe2\\x82x" },              /* truncated by an ASCII byte */
	{ "\xc0\xaf", "\\xc0\\xaf" },                   /* overlong '/' */
	{ "\xe0\x80\xaf", "\\xe0\\x80\\xaf" },          /* overlong, three bytes */
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },          /* UTF-16 surrogate U+D800 */
	{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" }, /* past U+10FFFF */
	{ "\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80" }, /* lead byte never used */
	{ "\xc1\xbf", "\\xc1\\xbf" },                   /* overlong, two bytes */
	{ "\x80" "a", "\\x80a" },                       /* lone continuation byte */
	/* A backslash doubles, so a key that spells \xff does not render like the byte 0xff. */
	{ "\\xff", "\\\\xff" },
	{ "a\"b\\c\nd", "a\"b\\\\c\nd" }, /* quote and newline are the text format's business */
	/* Valid UTF-8 passes through, including the edges of the ranges checked. */
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "\xe2\x82\xac", "\xe2\x82\xac" },
	{ "\xf0\x9d\x84\x9e", "\xf0\x9d\x84\x9e" },
	{ "\xed\x9f\xbf", "\xed\x9f\xbf" },             /* U+D7FF */
	{ "\xee\x80\x80", "\xee\x80\x80" },             /* U+E000 */
	{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" },     /* U+10FFFF */
	{ "tab\there\x01", "tab\there\x01" },
};

/* Renders key, NUL-padded like the BPF side leaves it, and compares. Returns 0 when equal. */
static int check(__u32 type, const struct fsp_key *key, const char *want, const char *what)
{
	struct fsp_buf out = {};
	int bad;

	assert_int_equal(fsp_keytext_put(type, NULL, key, &out), 0);
	bad = out.len != strlen(want) || memcmp(out.data, want, out.len);
	if (bad)
		print_message("%s: want '%s', got '%.*s'\n", what, want, (int)out.len,
			      out.data ? out.data : "");
	fsp_buf_free(&out);
	return bad;
}

static void test_strings(void **state)
{
	struct fsp_key key;
	char what[32];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&key, 0, sizeof(key));
		memcpy(key.data, cases[i].key, strlen(cases[i].key));
		snprintf(what, sizeof(what), "cases[%zu]", i);
		/* cstr and bytes keys print alike. */
		bad += check(FSP_KEY_CSTR, &key, cases[i].want, what);
		bad += check(FSP_KEY_BYTES, &key, cases[i].want, what);
	}
	if (bad)
		fail_msg("%d renderings wrong", bad);
}

/*
 * A key filling all FSP_KEY_MAX bytes has no NUL: all of it shows, and nothing past it, not
 * even bytes that would complete a UTF-8 sequence cut at the end of the key.
 */
static void test_full_length(void **state)
{
	struct {
		struct fsp_key key;
		char after[8];
	} k;
	char want[FSP_KEY_MAX + 16];

	(void)state;
	memset(want, 'k', FSP_KEY_MAX);
	want[FSP_KEY_MAX] = '\0';
	memset(k.key.data, 'k', FSP_KEY_MAX);
	memcpy(k.after, "AFTER!!", 8);
	assert_int_equal(check(FSP_KEY_CSTR, &k.key, want, "full key"), 0);

	/* The euro sign's last byte lies past the key. */
	memcpy(k.key.data + FSP_KEY_MAX - 2, "\xe2\x82", 2);
	memcpy(k.after, "\xac\xac\xac\xac\xac\xac\xac", 8);
	strcpy(want + FSP_KEY_MAX - 2, "\\xe2\\x82");
	assert_int_equal(check(FSP_KEY_BYTES, &k.key, want, "cut key"), 0);
}

/*
 * bytes() keys can hold a NUL before other bytes: the BPF side keeps them apart, so their labels
 * must differ too (two series with one label make the scrape invalid). Trailing NULs are padding.
 */
static void test_inner_nul(void **state)
{
	static const struct {
		const char *key;
		size_t len;
		const char *want;
	} keys[] = {
		{ "ab\0cd", 5, "ab\\x00cd" },
		{ "ab\0xy", 5, "ab\\x00xy" },
		{ "ab\0\0\0", 5, "ab" },
		{ "__overflow__\0x", 14, "__overflow__\\x00x" }, /* not the overflow series */
		{ "__overflow__", 12, "\\x5f_overflow__" },
		{ "__unreadable__", 14, "\\x5f_unreadable__" }, /* a key, not the reserved series */
	};
	struct fsp_key key;
	char what[32];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		memset(&key, 0, sizeof(key));
		memcpy(key.data, keys[i].key, keys[i].len);
		snprintf(what, sizeof(what), "keys[%zu]", i);
		bad += check(FSP_KEY_BYTES, &key, keys[i].want, what);
	}
	if (bad)
		fail_msg("%d bytes() keys with a NUL rendered wrongly", bad);
}

static void test_integers(void **state)
{
	static const struct {
		__u32 type;
		__u64 bytes; /* as the BPF side stores it: i32 sign-extended, u32 zero-extended */
		const char *want;
	} ints[] = {
		{ FSP_KEY_U64, UINT64_MAX, "18446744073709551615" },
		{ FSP_KEY_U64, 0, "0" },
		{ FSP_KEY_I64, UINT64_MAX, "-1" },
		{ FSP_KEY_I64, (__u64)INT64_MIN, "-9223372036854775808" },
		{ FSP_KEY_I64, 42, "42" },
		{ FSP_KEY_I32, (__u64)(__s64)(__s32)-1, "-1" },
		{ FSP_KEY_I32, (__u64)(__s64)INT32_MIN, "-2147483648" },
		{ FSP_KEY_U32, UINT32_MAX, "4294967295" },
	};
	struct fsp_key key;
	char what[32];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		memset(&key, 0, sizeof(key));
		memcpy(key.data, &ints[i].bytes, sizeof(ints[i].bytes));
		snprintf(what, sizeof(what), "ints[%zu]", i);
		bad += check(ints[i].type, &key, ints[i].want, what);
	}
	if (bad)
		fail_msg("%d integer keys rendered wrongly", bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_full_length),
		cmocka_unit_test(test_inner_nul),
		cmocka_unit_test(test_integers),
	};

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: render_key\n");
	return cmocka_run_group_tests_name("render_key", tests, NULL, NULL);
}
