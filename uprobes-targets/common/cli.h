/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line handling shared by the C targets: one table row per option gives both the
 * getopt_long entry and the --help line, flag values are checked strictly, and every message
 * is one line prefixed with the program's name, so scripts can match them.
 */
#ifndef COMMON_CLI_H
#define COMMON_CLI_H

#include <stdint.h>

struct cli_opt {
	const char *name;    /* long name, without the dashes */
	const char *metavar; /* the value in --help; NULL: the option takes no value */
	int id;		     /* what cli_next() returns: above 255, clear of short options */
	const char *help;
};

/*
 * Call first. PROG prefixes every message (fixed, not argv[0], so copies of the binary keep
 * it). --help prints USAGE, a line per option of OPTS (ended by a row without a name) and for
 * -h, --help itself, then EPILOGUE unless it is NULL.
 */
void cli_init(const char *prog, const char *usage, const struct cli_opt *opts,
	      const char *epilogue);

/*
 * The id of the next option, its value in optarg and its long name in *NAME (for the value
 * parsers below); -1 at the end. Handles --help (exit 0) and every malformed command line
 * (exit 2) itself.
 */
int cli_next(int argc, char **argv, const char **name);

/* "PROG: MESSAGE" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "PROG: MESSAGE" on stderr, then exit(2): a command line we cannot run. */
void cli_usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Flag values: digits only, within [MIN, MAX]. OPT is the long name, for the message. */
uint64_t cli_uint(const char *opt, const char *arg, uint64_t min, uint64_t max);
/* A finite number >= 0. */
double cli_double(const char *opt, const char *arg);
/* A non-empty path. */
const char *cli_path(const char *opt, const char *arg);

#endif /* COMMON_CLI_H */
