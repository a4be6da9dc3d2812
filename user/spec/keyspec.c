// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "keyspec.h"

struct parser {
	const char *spec;
	const char *p;
	struct fsp_keyspec_error *err;
};

static int fail(struct parser *ps, const char *at, const char *msg)
{
	ps->err->column = (int)(at - ps->spec) + 1;
	snprintf(ps->err->msg, sizeof(ps->err->msg), "%s", msg);
	return -EINVAL;
}

/*
 * Blanks (space, tab, newline...) separate tokens; any other control byte is refused where it
 * stands, but as field()'s quoted delimiter: '\x01' splits FIX messages.
 */
static int no_control(struct parser *ps)
{
	const char *c;
	char msg[64];

	for (c = ps->spec; *c; c++) {
		if (c > ps->spec && c[-1] == '\'' && c[1] == '\'')
			continue;
		if (((unsigned char)*c < 0x20 && !isspace((unsigned char)*c)) || *c == 0x7f) {
			snprintf(msg, sizeof(msg), "control character 0x%02x", (unsigned char)*c);
			return fail(ps, c, msg);
		}
	}
	return 0;
}

static void skip_ws(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static int accept(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip_ws(ps);
	if (strncmp(ps->p, tok, n))
		return 0;
	ps->p += n;
	return 1;
}

static int expect(struct parser *ps, const char *tok)
{
	char msg[64];

	if (accept(ps, tok))
		return 0;
	snprintf(msg, sizeof(msg), "expected '%s'", tok);
	return fail(ps, ps->p, msg);
}

static int ident(struct parser *ps, char *out, size_t size)
{
	size_t n = 0;

	skip_ws(ps);
	while ((isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_') && n + 1 < size)
		n++;
	memcpy(out, ps->p, n);
	out[n] = '\0';
	ps->p += n;
	return n ? 0 : fail(ps, ps->p, "expected a name");
}

static int number(struct parser *ps, long long min, long long max, long long *out)
{
	const char *start;
	char *end;

	skip_ws(ps);
	start = ps->p;
	if (!isdigit((unsigned char)*start))
		return fail(ps, start, "expected a number");
	errno = 0;
	/* Decimal, or hex with 0x; never octal, so "010" means ten. */
	*out = strtoll(start, &end, strncmp(start, "0x", 2) ? 10 : 16);
	if (errno || *out < min || *out > max)
		return fail(ps, start, "number out of range");
	ps->p = end;
	return 0;
}

/* expr := argN { ->INT | +INT | -INT } */
static int parse_expr(struct parser *ps, struct fsp_expr *e)
{
	const char *at;
	long long v;
	int err;

	memset(e, 0, sizeof(*e));
	skip_ws(ps);
	at = ps->p;
	if (strncmp(at, "arg", 3) || !isdigit((unsigned char)at[3]))
		return fail(ps, at, "expected an argument such as arg0");
	ps->p += 3;
	/* One decimal digit, so "arg0x1" is an error, not arg1. */
	v = *ps->p - '0';
	ps->p++;
	if (v >= FSP_MAX_ARGS || isalnum((unsigned char)*ps->p))
		return fail(ps, at, "argument index out of range (arg0 to arg5)");
	e->arg = v;
	for (;;) {
		__u32 op;
		int neg = 0;

		skip_ws(ps);
		at = ps->p;
		if (accept(ps, "->"))
			op = FSP_OP_DEREF;
		else if (accept(ps, "+"))
			op = FSP_OP_ADD;
		else if (accept(ps, "-"))
			op = FSP_OP_ADD, neg = 1;
		else
			return 0;
		if (e->nops == FSP_MAX_OPS)
			return fail(ps, at, "too many steps (at most 4 of ->, +, -)");
		err = number(ps, 0, 1LL << 31, &v);
		if (err)
			return err;
		e->op[e->nops] = op;
		e->off[e->nops] = neg ? -v : v;
		e->nops++;
	}
}

static int parse_key(struct parser *ps, struct fsp_key_prog *kp, int nested);

static int parse_field(struct parser *ps, struct fsp_key_prog *kp)
{
	long long idx;
	int err;

	/* parse_key refuses integer keys when nested, so what comes back is a string key. */
	err = parse_key(ps, kp, 1);
	if (err)
		return err;
	err = expect(ps, ",");
	if (!err)
		err = expect(ps, "'");
	if (err)
		return err;
	if (!ps->p[0] || ps->p[0] == '\'' || ps->p[1] != '\'')
		return fail(ps, ps->p, "expected one delimiter character in quotes, such as ':'");
	kp->field_delim = (__u8)ps->p[0];
	ps->p += 2;
	err = expect(ps, ",");
	if (!err)
		err = number(ps, 0, FSP_KEY_MAX, &idx);
	if (err)
		return err;
	kp->field_on = 1;
	kp->field_idx = idx;
	return 0;
}

static const struct {
	const char *name;
	__u32 type;
} int_types[] = {
	{ "u64", FSP_KEY_U64 },
	{ "u32", FSP_KEY_U32 },
	{ "i64", FSP_KEY_I64 },
	{ "i32", FSP_KEY_I32 },
};

static int parse_key(struct parser *ps, struct fsp_key_prog *kp, int nested)
{
	const char *at;
	char name[32];
	long long len;
	size_t i;
	int err;

	skip_ws(ps);
	at = ps->p;
	err = ident(ps, name, sizeof(name));
	if (!err)
		err = expect(ps, "(");
	if (err)
		return err;

	if (!strcmp(name, "field")) {
		if (nested)
			return fail(ps, at, "field() cannot be nested");
		err = parse_field(ps, kp);
	} else if (!strcmp(name, "cstr")) {
		kp->type = FSP_KEY_CSTR;
		err = parse_expr(ps, &kp->addr);
	} else if (!strcmp(name, "cxx_string")) {
		/* libstdc++: data pointer at offset 0, size at offset 8, short or heap alike. */
		kp->type = FSP_KEY_BYTES;
		err = parse_expr(ps, &kp->addr);
		if (!err && kp->addr.nops + 1 > FSP_MAX_OPS)
			err = fail(ps, at, "expression too long for cxx_string()");
		if (!err) {
			kp->len = kp->addr;
			kp->addr.op[kp->addr.nops] = FSP_OP_DEREF;
			kp->addr.off[kp->addr.nops++] = 0;
			kp->len.op[kp->len.nops] = FSP_OP_DEREF;
			kp->len.off[kp->len.nops++] = 8;
		}
	} else if (!strcmp(name, "bytes")) {
		kp->type = FSP_KEY_BYTES;
		err = parse_expr(ps, &kp->addr);
		if (!err)
			err = expect(ps, ",");
		if (!err) {
			skip_ws(ps);
			if (isdigit((unsigned char)*ps->p)) {
				const char *lat = ps->p;

				err = number(ps, 1, 1 << 20, &len);
				if (err)
					err = fail(ps, lat, "length must be between 1 and 1048576");
				kp->len_const = len;
			} else {
				err = parse_expr(ps, &kp->len);
			}
		}
	} else if (!strcmp(name, "go_string")) {
		/* A Go string is a pointer and a length in two consecutive argument registers. */
		kp->type = FSP_KEY_BYTES;
		err = parse_expr(ps, &kp->addr);
		if (!err && (kp->addr.nops || kp->addr.arg + 1 >= FSP_MAX_ARGS))
			err = fail(ps, at, "go_string() takes a plain argument, arg0 to arg4");
		if (!err)
			kp->len.arg = kp->addr.arg + 1;
	} else {
		for (i = 0; i < sizeof(int_types) / sizeof(int_types[0]); i++)
			if (!strcmp(name, int_types[i].name))
				break;
		if (i == sizeof(int_types) / sizeof(int_types[0]))
			return fail(ps, at, "unknown key type (cstr, bytes, cxx_string, go_string, "
					    "u64, u32, i64, i32, field)");
		if (nested)
			return fail(ps, at, "field() needs a string key (cstr, bytes, cxx_string, "
					    "go_string)");
		kp->type = int_types[i].type;
		err = parse_expr(ps, &kp->addr);
	}
	return err ? err : expect(ps, ")");
}

int fsp_keyspec_parse(const char *spec, struct fsp_key_prog *prog, struct fsp_keyspec_error *err)
{
	struct parser ps = { .spec = spec, .p = spec, .err = err };
	struct fsp_key_prog kp = {};
	int ret;

	memset(err, 0, sizeof(*err));
	ret = no_control(&ps);
	if (!ret)
		ret = parse_key(&ps, &kp, 0);
	if (ret)
		return ret;
	skip_ws(&ps);
	if (*ps.p)
		return fail(&ps, ps.p, "unexpected text after the key expression");
	*prog = kp;
	return 0;
}

int fsp_keyspec_is_string(const struct fsp_key_prog *prog)
{
	return prog->type == FSP_KEY_CSTR || prog->type == FSP_KEY_BYTES;
}

/* "ret" is result register 0, "retN" register N (a second result, or Go's later results). */
static int parse_ret_reg(struct parser *ps, const char *at, const char *name, __u32 *reg)
{
	if (!name[3]) {
		*reg = 0;
		return 0;
	}
	if (!isdigit((unsigned char)name[3]) || name[4] || name[3] - '0' >= FSP_MAX_ARGS)
		return fail(ps, at, "expected ret or ret0 to ret5");
	*reg = name[3] - '0';
	return 0;
}

/* pred := (retN | u8(retN) | u32(retN) | i32(retN) | i64(retN)) OP [-]INT */
int fsp_keyspec_parse_pred(const char *spec, struct fsp_pred *pred, struct fsp_keyspec_error *err)
{
	static const struct {
		const char *tok;
		__u32 cmp;
	} ops[] = {
		/* Two-character operators first, so "<=" is not read as "<". */
		{ "==", FSP_CMP_EQ }, { "!=", FSP_CMP_NE }, { "<=", FSP_CMP_LE },
		{ ">=", FSP_CMP_GE }, { "<", FSP_CMP_LT },  { ">", FSP_CMP_GT },
	};
	struct parser ps = { .spec = spec, .p = spec, .err = err };
	struct fsp_pred p = { .bits = 64, .is_signed = 1 }; /* plain ret: a C long */
	const char *at;
	char name[16];
	long long v;
	size_t i;
	int neg, ret;

	memset(err, 0, sizeof(*err));
	if (no_control(&ps))
		return -EINVAL;
	skip_ws(&ps);
	at = ps.p;
	ret = ident(&ps, name, sizeof(name));
	if (ret)
		return ret;
	if (strncmp(name, "ret", 3)) {
		if (!strcmp(name, "u8"))
			p.bits = 8;
		else if (!strcmp(name, "u32") || !strcmp(name, "i32"))
			p.bits = 32;
		else if (strcmp(name, "i64"))
			return fail(&ps, at, "expected ret, u8(ret), u32(ret), i32(ret) or i64(ret)");
		p.is_signed = name[0] == 'i';
		if (expect(&ps, "("))
			return -EINVAL;
		at = ps.p;
		ret = ident(&ps, name, sizeof(name));
		if (ret || strncmp(name, "ret", 3))
			return fail(&ps, at, "expected ret or retN");
		ret = parse_ret_reg(&ps, at, name, &p.reg);
		if (ret || expect(&ps, ")"))
			return -EINVAL;
	} else if (parse_ret_reg(&ps, at, name, &p.reg)) {
		return -EINVAL;
	}
	skip_ws(&ps);
	at = ps.p;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (accept(&ps, ops[i].tok))
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return fail(&ps, at, "expected a comparison: ==, !=, <, <=, > or >=");
	p.cmp = ops[i].cmp;
	neg = accept(&ps, "-");
	ret = number(&ps, 0, 0x7fffffffffffffffLL, &v);
	if (ret)
		return ret;
	p.value = neg ? -v : v;
	skip_ws(&ps);
	if (*ps.p)
		return fail(&ps, ps.p, "unexpected text after the comparison");
	*pred = p;
	return 0;
}
