// SPDX-License-Identifier: GPL-2.0
/* Command-line handling shared by the C targets. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static struct {
	const char *prog;
	const char *usage;
	const struct cli_opt *opts;
	const char *epilogue;
	struct option *longopts; /* built from opts, for getopt_long */
} cli = {
	.prog = "?",
};

static void vmessage(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", cli.prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	exit(2);
}

void cli_init(const char *prog, const char *usage, const struct cli_opt *opts, const char *epilogue)
{
	size_t i, n;

	cli.prog = prog;
	cli.usage = usage;
	cli.opts = opts;
	cli.epilogue = epilogue;

	for (n = 0; opts[n].name; n++)
		;
	cli.longopts = calloc(n + 2, sizeof(*cli.longopts)); /* + --help, + the zero row */
	if (!cli.longopts) {
		cli_warn("out of memory");
		exit(1);
	}
	for (i = 0; i < n; i++)
		cli.longopts[i] = (struct option){
			.name = opts[i].name,
			.has_arg = opts[i].metavar ? required_argument : no_argument,
			.val = opts[i].id,
		};
	cli.longopts[n] = (struct option){ .name = "help", .has_arg = no_argument, .val = 'h' };
}

static void help_line(const char *left, const char *text)
{
	printf("  %-22s %s\n", left, text);
}

static void __attribute__((noreturn)) help(void)
{
	const struct cli_opt *o;
	char left[64];

	fputs(cli.usage, stdout);
	for (o = cli.opts; o->name; o++) {
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->metavar ? " " : "",
			 o->metavar ? o->metavar : "");
		help_line(left, o->help);
	}
	help_line("-h, --help", "show this help");
	if (cli.epilogue)
		fputs(cli.epilogue, stdout);
	exit(0);
}

int cli_next(int argc, char **argv, const char **name)
{
	const struct cli_opt *o;
	int c;

	opterr = 0; /* our own one-line messages instead of getopt's */
	c = getopt_long(argc, argv, ":h", cli.longopts, NULL);
	switch (c) {
	case -1:
		if (optind < argc)
			cli_usage_error("unexpected argument '%s' (try --help)", argv[optind]);
		return -1;
	case 'h':
		help();
	case ':':
		cli_usage_error("option '%s' requires an argument", argv[optind - 1]);
	case '?':
		cli_usage_error("unrecognized option '%s' (try --help)", argv[optind - 1]);
	}

	*name = "";
	for (o = cli.opts; o->name; o++)
		if (o->id == c)
			*name = o->name;
	return c;
}

uint64_t cli_uint(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	unsigned long long val;
	char *end;

	errno = 0;
	/* strtoull would accept "-1" and leading blanks; a flag value must be digits only. */
	if (!isdigit((unsigned char)arg[0]))
		goto bad;
	val = strtoull(arg, &end, 10);
	if (*end || val < min)
		goto bad;
	if (val > max || errno == ERANGE)
		cli_usage_error("--%s: expected at most %llu, got '%s'", opt,
				(unsigned long long)max, arg);
	return val;
bad:
	cli_usage_error("--%s: expected a %s integer, got '%s'", opt,
			min ? "positive" : "non-negative", arg);
}

double cli_double(const char *opt, const char *arg)
{
	char *end;
	double val;

	/* strtod would also take leading blanks, a sign, "inf" and "nan". */
	if (!isdigit((unsigned char)arg[0]) && arg[0] != '.')
		goto bad;
	val = strtod(arg, &end);
	if (*end || !isfinite(val) || val < 0)
		goto bad;
	return val;
bad:
	cli_usage_error("--%s: expected a non-negative number, got '%s'", opt, arg);
}

const char *cli_path(const char *opt, const char *arg)
{
	if (!*arg)
		cli_usage_error("--%s: expected a path, got ''", opt);
	return arg;
}
