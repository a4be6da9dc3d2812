// SPDX-License-Identifier: GPL-2.0
/* The flags every C target shares. */
#include "cli.h"
#include "flags.h"

void flags_init(struct flags *f)
{
	*f = (struct flags){
		.load = { .threads = 2, .seed = 1 },
		.symbols = 1500,
		.zipf = 1.1,
		.capacity = 1024,
	};
}

void flags_parse(struct flags *f, int c, const char *name, const char *arg)
{
	switch (c) {
	case FLAG_SYMBOLS:
		f->symbols = (uint32_t)cli_uint(name, arg, 1, 10000000);
		break;
	case FLAG_ZIPF:
		f->zipf = cli_double(name, arg);
		break;
	case FLAG_THREADS:
		f->load.threads = (unsigned int)cli_uint(name, arg, 1, 1024);
		break;
	case FLAG_RATE:
		f->load.rate = cli_double(name, arg);
		break;
	case FLAG_REQUESTS:
		f->load.requests = cli_uint(name, arg, 0, UINT64_MAX);
		break;
	case FLAG_DURATION:
		f->life.duration = cli_double(name, arg);
		break;
	case FLAG_SEED:
		f->load.seed = cli_uint(name, arg, 0, UINT64_MAX);
		break;
	case FLAG_CAPACITY:
		f->capacity = cli_uint(name, arg, 1, 1 << 26);
		break;
	case FLAG_TTL:
		f->ttl_ms = cli_uint(name, arg, 0, 1000ULL * 86400 * 365);
		break;
	case FLAG_TALLY:
		f->life.tally_path = cli_path(name, arg);
		break;
	case FLAG_WAIT_START:
		f->life.wait_start = 1;
		break;
	case FLAG_HOLD:
		f->life.hold = 1;
		break;
	}
}
