/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flags every C target shares, with one meaning, default and range, so that a test can
 * drive any target with the same command line. A program puts FLAGS_LOAD_OPTS and
 * FLAGS_LIFE_OPTS in its option table, numbers its own options from FLAG_END, and hands
 * whatever cli_next() returns that is not its own to flags_parse().
 */
#ifndef COMMON_FLAGS_H
#define COMMON_FLAGS_H

#include <stddef.h>
#include <stdint.h>

#include "lifecycle.h"
#include "workers.h"

enum {
	FLAG_SYMBOLS = 256, /* above any short option */
	FLAG_ZIPF,
	FLAG_THREADS,
	FLAG_RATE,
	FLAG_REQUESTS,
	FLAG_DURATION,
	FLAG_SEED,
	FLAG_CAPACITY,
	FLAG_TTL,
	FLAG_TALLY,
	FLAG_WAIT_START,
	FLAG_HOLD,
	FLAG_END,
};

/*
 * Rows for a program's struct cli_opt table, in two blocks so that a program can list its own
 * cache flags right after the cache's.
 */
/* clang-format off */
#define FLAGS_LOAD_OPTS									\
	{ "symbols", "N", FLAG_SYMBOLS, "symbol universe size (default 1500)" },	\
	{ "zipf", "S", FLAG_ZIPF,							\
	  "skew, rank r has weight 1/r^S; 0 = uniform (default 1.1)" },			\
	{ "threads", "T", FLAG_THREADS, "load generator threads (default 2)" },		\
	{ "rate", "R", FLAG_RATE,							\
	  "lookups/s per thread; 0 = as fast as possible (default 0)" },		\
	{ "requests", "N", FLAG_REQUESTS,						\
	  "lookups per thread, then stop; 0 = unlimited (default 0)" },			\
	{ "duration", "SECS", FLAG_DURATION,						\
	  "stop after SECS seconds; 0 = unlimited (default 0)" },			\
	{ "seed", "N", FLAG_SEED,							\
	  "load generator seed; thread i uses N + i (default 1)" },			\
	{ "capacity", "N", FLAG_CAPACITY,						\
	  "cache entries, LRU eviction when full (default 1024)" },			\
	{ "ttl-ms", "MS", FLAG_TTL, "entry lifetime; 0 = never expires (default 0)" }

#define FLAGS_LIFE_OPTS									\
	{ "tally", "PATH", FLAG_TALLY,							\
	  "write per-symbol ground truth to PATH (default: stdout)" },			\
	{ "wait-start", NULL, FLAG_WAIT_START,						\
	  "print 'ready pid=PID', then wait for SIGUSR1 before loading" },		\
	{ "hold", NULL, FLAG_HOLD,							\
	  "after the workload: write tally, print 'done', await SIGTERM" }
/* clang-format on */

struct flags {
	struct load load;      /* --threads --rate --requests --seed */
	struct lifecycle life; /* --duration --tally --wait-start --hold */
	uint32_t symbols;
	double zipf;
	uint64_t capacity;
	uint64_t ttl_ms;
};

/* The defaults. */
void flags_init(struct flags *f);

/* Parses shared flag C (a FLAG_* value from cli_next()) with long name NAME and value ARG. */
void flags_parse(struct flags *f, int c, const char *name, const char *arg);

#endif /* COMMON_FLAGS_H */
