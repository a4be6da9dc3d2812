// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsp_keyspec_parse: every --key form compiles to the exact struct fsp_key_prog the BPF side
 * evaluates, and every refusal names the right column and reason.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "keyspec.h"

#define DEREF FSP_OP_DEREF
#define ADD   FSP_OP_ADD

struct ok_case {
	const char *spec;
	struct fsp_key_prog want; /* static storage: every field not named is zero */
};

static const struct ok_case ok_cases[] = {
	{ "cstr(arg0)", { .type = FSP_KEY_CSTR } },
	{ "cstr(arg1->8)",
	  { .type = FSP_KEY_CSTR,
	    .addr = { .arg = 1, .nops = 1, .op = { DEREF }, .off = { 8 } } } },
	{ "cstr(arg0->16->0)",
	  { .type = FSP_KEY_CSTR,
	    .addr = { .arg = 0, .nops = 2, .op = { DEREF, DEREF }, .off = { 16, 0 } } } },
	{ "cstr(arg0+8)",
	  { .type = FSP_KEY_CSTR, .addr = { .nops = 1, .op = { ADD }, .off = { 8 } } } },
	{ "cstr(arg0-8)",
	  { .type = FSP_KEY_CSTR, .addr = { .nops = 1, .op = { ADD }, .off = { -8 } } } },
	/* Hex with 0x; a leading zero is still decimal, never octal. */
	{ "cstr(arg2->0x10+0x8-010)",
	  { .type = FSP_KEY_CSTR,
	    .addr = { .arg = 2, .nops = 3, .op = { DEREF, ADD, ADD }, .off = { 16, 8, -10 } } } },
	/* The longest chain and the last argument register. */
	{ "cstr(arg5->1->2+3-4)",
	  { .type = FSP_KEY_CSTR,
	    .addr = { .arg = 5, .nops = 4, .op = { DEREF, DEREF, ADD, ADD },
		      .off = { 1, 2, 3, -4 } } } },
	{ "cstr(arg0+2147483648)",
	  { .type = FSP_KEY_CSTR, .addr = { .nops = 1, .op = { ADD }, .off = { 2147483648LL } } } },
	{ "bytes(arg0, arg1)", { .type = FSP_KEY_BYTES, .len = { .arg = 1 } } },
	/* A Go string: pointer and length in consecutive registers. */
	{ "go_string(arg1)",
	  { .type = FSP_KEY_BYTES, .addr = { .arg = 1 }, .len = { .arg = 2 } } },
	{ "bytes(arg0, 16)", { .type = FSP_KEY_BYTES, .len_const = 16 } },
	{ "bytes(arg3->8, 1048576)",
	  { .type = FSP_KEY_BYTES, .len_const = 1048576,
	    .addr = { .arg = 3, .nops = 1, .op = { DEREF }, .off = { 8 } } } },
	{ "bytes(arg0->0, arg0->8)",
	  { .type = FSP_KEY_BYTES, .addr = { .nops = 1, .op = { DEREF }, .off = { 0 } },
	    .len = { .nops = 1, .op = { DEREF }, .off = { 8 } } } },
	/* libstdc++ std::string: data pointer at +0, size at +8. */
	{ "cxx_string(arg1)",
	  { .type = FSP_KEY_BYTES,
	    .addr = { .arg = 1, .nops = 1, .op = { DEREF }, .off = { 0 } },
	    .len = { .arg = 1, .nops = 1, .op = { DEREF }, .off = { 8 } } } },
	/* A std::string member 24 bytes into the object arg0 points at. */
	{ "cxx_string(arg0+24)",
	  { .type = FSP_KEY_BYTES,
	    .addr = { .nops = 2, .op = { ADD, DEREF }, .off = { 24, 0 } },
	    .len = { .nops = 2, .op = { ADD, DEREF }, .off = { 24, 8 } } } },
	{ "u64(arg0)", { .type = FSP_KEY_U64 } },
	{ "u32(arg1)", { .type = FSP_KEY_U32, .addr = { .arg = 1 } } },
	{ "i64(arg2->8)",
	  { .type = FSP_KEY_I64, .addr = { .arg = 2, .nops = 1, .op = { DEREF }, .off = { 8 } } } },
	{ "i32(arg4-4)",
	  { .type = FSP_KEY_I32, .addr = { .arg = 4, .nops = 1, .op = { ADD }, .off = { -4 } } } },
	{ "field(cstr(arg0), ':', 1)",
	  { .type = FSP_KEY_CSTR, .field_on = 1, .field_idx = 1, .field_delim = ':' } },
	/* Field 0 is a real field: field_on, not field_idx, says whether to split. */
	{ "field(bytes(arg1, 32), '/', 0)",
	  { .type = FSP_KEY_BYTES, .len_const = 32, .addr = { .arg = 1 }, .field_on = 1,
	    .field_delim = '/' } },
	{ "field(cxx_string(arg1), ' ', 64)",
	  { .type = FSP_KEY_BYTES,
	    .addr = { .arg = 1, .nops = 1, .op = { DEREF }, .off = { 0 } },
	    .len = { .arg = 1, .nops = 1, .op = { DEREF }, .off = { 8 } }, .field_on = 1,
	    .field_idx = 64, .field_delim = ' ' } },
	/* A Go string is a string key too, as the error for a non-string key says. */
	{ "field(go_string(arg1), ':', 1)",
	  { .type = FSP_KEY_BYTES, .addr = { .arg = 1 }, .len = { .arg = 2 }, .field_on = 1,
	    .field_idx = 1, .field_delim = ':' } },
	/* Blanks (spaces, tabs, newlines) anywhere between tokens. */
	{ " \t field ( cstr ( arg0 -> 8 + 0x10 ) ,\n':' , 2 ) \n",
	  { .type = FSP_KEY_CSTR, .addr = { .nops = 2, .op = { DEREF, ADD }, .off = { 8, 16 } },
	    .field_on = 1, .field_idx = 2, .field_delim = ':' } },
	{ "  bytes (arg0 ,\targ1 - 1 )  ",
	  { .type = FSP_KEY_BYTES, .len = { .arg = 1, .nops = 1, .op = { ADD }, .off = { -1 } } } },
	/* A control byte is refused everywhere but as the delimiter: SOH splits FIX messages. */
	{ "field(cstr(arg0), '\x01', 3)",
	  { .type = FSP_KEY_CSTR, .field_on = 1, .field_idx = 3, .field_delim = 0x01 } },
};

static void print_expr(const char *what, const struct fsp_expr *e)
{
	unsigned int i;

	print_message("    %s: arg%u nops=%u", what, e->arg, e->nops);
	for (i = 0; i < FSP_MAX_OPS; i++)
		print_message(" [%u %lld]", e->op[i], (long long)e->off[i]);
	print_message("\n");
}

static void print_prog(const char *what, const struct fsp_key_prog *p)
{
	print_message("  %s: type=%u len_const=%u field_on=%u field_idx=%u delim=0x%02x\n", what,
		      p->type, p->len_const, p->field_on, p->field_idx, p->field_delim);
	print_expr("addr", &p->addr);
	print_expr("len ", &p->len);
}

static void test_valid_forms(void **state)
{
	struct fsp_keyspec_error err;
	struct fsp_key_prog got;
	size_t i;
	int bad = 0, ret;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];

		/* Not zero: a field the parser forgot to write would then show up. */
		memset(&got, 0xa5, sizeof(got));
		ret = fsp_keyspec_parse(c->spec, &got, &err);
		if (ret) {
			print_message("'%s': returned %d, column %d: %s\n", c->spec, ret,
				      err.column, err.msg);
			bad++;
		} else if (memcmp(&got, &c->want, sizeof(got))) {
			print_message("'%s': compiled program differs\n", c->spec);
			print_prog("want", &c->want);
			print_prog("got ", &got);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d of %zu valid key expressions compiled wrongly", bad,
			 sizeof(ok_cases) / sizeof(ok_cases[0]));
}

struct err_case {
	const char *spec;
	int column;
	const char *msg;
};

/* Every key type is named, go_string too. */
#define UNKNOWN_TYPE \
	"unknown key type (cstr, bytes, cxx_string, go_string, u64, u32, i64, i32, field)"
#define STRING_KEY_ONLY "field() needs a string key (cstr, bytes, cxx_string, go_string)"
#define BAD_DELIM       "expected one delimiter character in quotes, such as ':'"

static const struct err_case err_cases[] = {
	{ "cstr(arg0", 10, "expected ')'" },
	{ "cstr(arg0->8 x", 14, "expected ')'" },
	{ "str(arg0)", 1,
	  UNKNOWN_TYPE },
	{ "   CSTR(arg0)", 4,
	  UNKNOWN_TYPE },
	{ "cstr(arg6)", 6, "argument index out of range (arg0 to arg5)" },
	{ "u64( arg10)", 6, "argument index out of range (arg0 to arg5)" },
	{ "cstr(rdi)", 6, "expected an argument such as arg0" },
	{ "cstr(arg 0)", 6, "expected an argument such as arg0" },
	/* The fifth step is refused where it starts. */
	{ "cstr(arg0->1->2->3->4->5)", 22, "too many steps (at most 4 of ->, +, -)" },
	{ "cstr(arg0+1+2+3+4-5)", 18, "too many steps (at most 4 of ->, +, -)" },
	{ "cstr(arg0->)", 12, "expected a number" },
	{ "cstr(arg0+2147483649)", 11, "number out of range" },
	{ "cxx_string(arg0->1->2->3->4)", 1, "expression too long for cxx_string()" },
	{ "bytes(arg0)", 11, "expected ','" },
	{ "bytes(arg0, 0)", 13, "length must be between 1 and 1048576" },
	{ "bytes(arg0, 1048577)", 13, "length must be between 1 and 1048576" },
	{ "field(u64(arg0), ':', 1)", 7, STRING_KEY_ONLY },
	{ "field( i32(arg0), ':', 1)", 8, STRING_KEY_ONLY },
	/* Pointing at the inner field(), like every other error points at its token. */
	{ "field(field(cstr(arg0), ':', 1), ':', 2)", 7, "field() cannot be nested" },
	{ "field(cstr(arg0), ':, 1)", 20, BAD_DELIM },
	{ "field(cstr(arg0), '', 1)", 20, BAD_DELIM },
	{ "field(cstr(arg0), '::', 1)", 20, BAD_DELIM },
	{ "field(cstr(arg0), '", 20, BAD_DELIM },
	{ "field(cstr(arg0), ':', 65)", 24, "number out of range" },
	{ "field(cstr(arg0), ':')", 22, "expected ','" },
	{ "cstr(arg0) x", 12, "unexpected text after the key expression" },
	{ "cstr(arg0))", 11, "unexpected text after the key expression" },
	{ "u64(arg0)u64(arg1)", 10, "unexpected text after the key expression" },
	{ "", 1, "expected a name" },
	{ " \t ", 4, "expected a name" },
	{ "(arg0)", 1, "expected a name" },
	{ "cstr arg0", 6, "expected '('" },
	{ "go_string(arg5)", 1, "go_string() takes a plain argument, arg0 to arg4" },
	{ "go_string(arg1->8)", 1, "go_string() takes a plain argument, arg0 to arg4" },
	/* Blanks separate tokens (above); other control bytes are in no token. */
	{ "\x01", 1, "control character 0x01" },
	{ "cstr(arg0->8\x7f)", 13, "control character 0x7f" },
	{ "cstr(arg0)\x1b[31m", 11, "control character 0x1b" },
	{ "field(cstr(arg0), ':', 1)\x01", 26, "control character 0x01" },
};

static void test_errors(void **state)
{
	struct fsp_keyspec_error err;
	struct fsp_key_prog got;
	size_t i;
	int bad = 0, ret;

	(void)state;
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];

		memset(&err, 0x5a, sizeof(err));
		ret = fsp_keyspec_parse(c->spec, &got, &err);
		if (ret != -EINVAL || err.column != c->column || strcmp(err.msg, c->msg)) {
			print_message("'%s':\n  want -EINVAL column %d: %s\n  got  %d column %d: "
				      "%.*s\n", c->spec, c->column, c->msg, ret, err.column,
				      (int)sizeof(err.msg), err.msg);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d of %zu invalid key expressions reported wrongly", bad,
			 sizeof(err_cases) / sizeof(err_cases[0]));
}

/*
 * argN takes a decimal N: the hex that offsets accept must not sneak in, or the typo
 * "arg0x1" silently reads arg1.
 */
static void test_arg_index_decimal(void **state)
{
	static const char *const specs[] = { "cstr(arg0x1)", "u64(arg0x5)" };
	struct fsp_keyspec_error err;
	struct fsp_key_prog got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (fsp_keyspec_parse(specs[i], &got, &err) != -EINVAL)
			fail_msg("'%s' accepted, as arg%u", specs[i], got.addr.arg);
}

/* A success after a failure must not keep the earlier error around. */
static void test_error_cleared(void **state)
{
	struct fsp_keyspec_error err;
	struct fsp_key_prog got;

	(void)state;
	assert_int_equal(fsp_keyspec_parse("cstr(", &got, &err), -EINVAL);
	assert_int_not_equal(err.column, 0);
	assert_int_equal(fsp_keyspec_parse("cstr(arg0)", &got, &err), 0);
	assert_int_equal(err.column, 0);
	assert_string_equal(err.msg, "");
}

static void test_is_string(void **state)
{
	static const struct {
		const char *spec;
		int string;
	} cases[] = {
		{ "cstr(arg0)", 1 },
		{ "bytes(arg0, 8)", 1 },
		{ "cxx_string(arg0)", 1 },
		{ "field(cstr(arg0), ':', 0)", 1 },
		{ "u64(arg0)", 0 },
		{ "u32(arg0)", 0 },
		{ "i64(arg0)", 0 },
		{ "i32(arg0)", 0 },
	};
	struct fsp_keyspec_error err;
	struct fsp_key_prog prog;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(fsp_keyspec_parse(cases[i].spec, &prog, &err), 0);
		if (!!fsp_keyspec_is_string(&prog) != cases[i].string)
			fail_msg("fsp_keyspec_is_string('%s') should be %d", cases[i].spec,
				 cases[i].string);
	}
}

/* --hit-when predicates: the whole compiled struct, and errors with their column. */
static void test_predicates(void **state)
{
	static const struct {
		const char *spec;
		struct fsp_pred want;
	} ok[] = {
		{ "ret != 0", { .bits = 64, .is_signed = 1, .cmp = FSP_CMP_NE } },
		{ "u8(ret) != 0", { .bits = 8, .cmp = FSP_CMP_NE } },
		{ "u8(ret2)==1", { .bits = 8, .cmp = FSP_CMP_EQ, .reg = 2, .value = 1 } },
		{ "i32(ret) < -1", { .bits = 32, .is_signed = 1, .cmp = FSP_CMP_LT, .value = -1 } },
		{ "u32(ret1) >= 0x10", { .bits = 32, .cmp = FSP_CMP_GE, .reg = 1, .value = 16 } },
		{ " i64(ret) <= 7 ", { .bits = 64, .is_signed = 1, .cmp = FSP_CMP_LE, .value = 7 } },
		{ "ret5 > 3", { .bits = 64, .is_signed = 1, .cmp = FSP_CMP_GT, .reg = 5, .value = 3 } },
	};
	static const struct {
		const char *spec;
		int column;
	} bad[] = {
		{ "ret ! 0", 5 }, { "u16(ret) == 1", 1 }, { "ret9 == 0", 1 },
		{ "u8(arg0) == 0", 4 }, { "ret == x", 8 }, { "ret == 1 2", 10 },
		{ "ret !=\x01 0", 7 }, { "ret != 0\x7f", 9 },
	};
	struct fsp_keyspec_error err;
	struct fsp_pred got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&got, 0xa5, sizeof(got));
		if (fsp_keyspec_parse_pred(ok[i].spec, &got, &err))
			fail_msg("'%s': %s at column %d", ok[i].spec, err.msg, err.column);
		if (memcmp(&got, &ok[i].want, sizeof(got)))
			fail_msg("'%s': bits=%u signed=%u cmp=%u reg=%u value=%lld", ok[i].spec,
				 got.bits, got.is_signed, got.cmp, got.reg, (long long)got.value);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!fsp_keyspec_parse_pred(bad[i].spec, &got, &err))
			fail_msg("'%s' was accepted", bad[i].spec);
		if (err.column != bad[i].column)
			fail_msg("'%s': column %d, want %d (%s)", bad[i].spec, err.column,
				 bad[i].column, err.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_arg_index_decimal),
		cmocka_unit_test(test_error_cleared),
		cmocka_unit_test(test_is_string),
		cmocka_unit_test(test_predicates),
	};

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: keyspec\n");
	return cmocka_run_group_tests_name("keyspec", tests, NULL, NULL);
}
