// SPDX-License-Identifier: GPL-2.0
/*
 * shapes: the command line. Signals and the process lifecycle are
 * uprobes-targets/common/lifecycle.c's, the same as featurestore's.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../common/cli.h"
#include "../common/flags.h"
#include "../common/lifecycle.h"
#include "shapes.h"

static const char *const shape_names[] = {
	[SHAPE_STRUCT] = "struct", [SHAPE_PTRLEN] = "ptrlen", [SHAPE_INTID] = "intid",
	[SHAPE_RAWKEY] = "rawkey", [SHAPE_RETVAL] = "retval", [SHAPE_RETBOOL] = "retbool",
	[SHAPE_LIB] = "lib",	   [SHAPE_PADDED] = "padded",
};
#define NSHAPES	   (sizeof(shape_names) / sizeof(shape_names[0]))
#define SHAPE_LIST "struct, ptrlen, intid, rawkey, retval, retbool, lib or padded"

struct options {
	struct flags f;
	struct workload wl;
	int have_shape;
	const char *symbol_map;
};

enum {
	OPT_SHAPE = FLAG_END,
	OPT_RAW_KEYS,
	OPT_ID_BASE,
	OPT_SYMBOL_MAP,
	OPT_KEY_LEN,
};

static const struct cli_opt options[] = {
	{ "shape", "SHAPE", OPT_SHAPE,
	  "struct | ptrlen | intid | rawkey | retval | retbool | lib | padded" },
	FLAGS_LOAD_OPTS,
	FLAGS_LIFE_OPTS,
	{ "raw-keys", "N", OPT_RAW_KEYS,
	  "rawkey: feature names per symbol, f000000.. (default 1000)" },
	{ "id-base", "N", OPT_ID_BASE, "intid: id of the most popular symbol (default 1)" },
	{ "symbol-map", "PATH", OPT_SYMBOL_MAP, "intid: write 'ID SYMBOL' lines to PATH" },
	{ "key-len", "N", OPT_KEY_LEN, "padded: key length, symbol then '_'s (default 100)" },
	{ 0 },
};

static const char usage[] =
	"usage: shapes --shape SHAPE [OPTION]...\n"
	"One load generator, one LRU cache, several ways of passing the key to the lookup.\n"
	"\n";

static enum shape parse_shape(const char *arg)
{
	unsigned int i;

	for (i = 0; i < NSHAPES; i++)
		if (!strcmp(arg, shape_names[i]))
			return (enum shape)i;
	cli_usage_error("--shape: expected " SHAPE_LIST ", got '%s'", arg);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	const char *name;
	int c;

	flags_init(&o->f);
	o->wl = (struct workload){ .raw_keys = 1000, .id_base = 1, .key_len = 100 };
	o->have_shape = 0;
	o->symbol_map = NULL;
	while ((c = cli_next(argc, argv, &name)) != -1) {
		switch (c) {
		case OPT_SHAPE:
			o->wl.shape = parse_shape(optarg);
			o->have_shape = 1;
			break;
		case OPT_RAW_KEYS:
			o->wl.raw_keys = (uint32_t)cli_uint(name, optarg, 1, 100000000);
			break;
		case OPT_ID_BASE:
			o->wl.id_base = (uint32_t)cli_uint(name, optarg, 0, UINT32_MAX);
			break;
		case OPT_KEY_LEN:
			o->wl.key_len = (uint32_t)cli_uint(name, optarg, 1, KEY_LEN_MAX);
			break;
		case OPT_SYMBOL_MAP:
			o->symbol_map = cli_path(name, optarg);
			break;
		default:
			flags_parse(&o->f, c, name, optarg);
		}
	}
	if (!o->have_shape)
		cli_usage_error("--shape is required (" SHAPE_LIST ")");
	if ((uint64_t)o->wl.id_base + o->f.symbols - 1 > UINT32_MAX)
		cli_usage_error("--id-base: %u + --symbols %u exceeds the 32-bit id range",
				o->wl.id_base, o->f.symbols);
}

int main(int argc, char **argv)
{
	struct options o;
	int err;

	lifecycle_block_signals();
	cli_init("shapes", usage, options, NULL);
	parse_options(argc, argv, &o);

	if (requests_init(&o.wl, o.f.symbols, o.f.zipf, &o.f.load) ||
	    cache_init((uint32_t)o.f.capacity, o.f.ttl_ms)) {
		cli_warn("out of memory");
		return 1;
	}
	if (o.symbol_map && (err = symbol_map_write(o.symbol_map))) {
		cli_warn("writing symbol map to %s: %s", o.symbol_map, strerror(-err));
		return 1;
	}
	return lifecycle_run(&o.f.life, &o.f.load);
}
