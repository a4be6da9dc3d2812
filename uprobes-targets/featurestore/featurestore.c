// SPDX-License-Identifier: GPL-2.0
/*
 * featurestore: the command line. Signals and the process lifecycle are
 * uprobes-targets/common/lifecycle.c's, shared with the other C targets.
 */
#include <getopt.h>

#include "../common/cli.h"
#include "../common/flags.h"
#include "../common/lifecycle.h"
#include "featurestore.h"

struct options {
	struct flags f;
	uint64_t compute_us;
};

enum {
	OPT_COMPUTE = FLAG_END,
	OPT_REPORT,
};

static const struct cli_opt options[] = {
	FLAGS_LOAD_OPTS,
	{ "compute-us", "US", OPT_COMPUTE, "extra CPU time added to every recompute (default 0)" },
	FLAGS_LIFE_OPTS,
	{ "report-interval", "SECS", OPT_REPORT,
	  "print lookups/s and hit ratio to stderr every SECS (default 0)" },
	{ 0 },
};

static const char usage[] =
	"usage: featurestore [OPTION]...\n"
	"A trading feature store with an in-process LRU cache and a built-in load generator.\n"
	"\n";

static const char epilogue[] =
	"\n"
	"Signals: SIGUSR1 starts the load (--wait-start), SIGUSR2 writes the tally,\n"
	"SIGINT/SIGTERM stop the load, write the tally and exit 0.\n";

static void parse_options(int argc, char **argv, struct options *o)
{
	const char *name;
	int c;

	flags_init(&o->f);
	o->f.life.ns_per_lookup = 1;
	o->compute_us = 0;
	while ((c = cli_next(argc, argv, &name)) != -1) {
		switch (c) {
		case OPT_COMPUTE:
			o->compute_us = cli_uint(name, optarg, 0, 10 * 1000000);
			break;
		case OPT_REPORT:
			o->f.life.report_interval = cli_double(name, optarg);
			break;
		default:
			flags_parse(&o->f, c, name, optarg);
		}
	}
}

int main(int argc, char **argv)
{
	struct options o;

	lifecycle_block_signals();
	cli_init("featurestore", usage, options, epilogue);
	parse_options(argc, argv, &o);

	if (requests_init(&o.f.load, o.f.symbols, o.f.zipf) ||
	    cache_init(o.f.capacity, o.f.ttl_ms, o.compute_us)) {
		cli_warn("out of memory");
		return 1;
	}
	return lifecycle_run(&o.f.life, &o.f.load);
}
