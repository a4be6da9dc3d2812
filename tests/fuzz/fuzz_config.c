// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The node agent's YAML file: fsp_config_parse either refuses with one line,
 * "fuzz.yaml:LINE:COLUMN: why", leaving the config zeroed, or gives a config that keeps its
 * promises (config.h): at least one named target with an exe glob, limits in range, absolute
 * metadata paths, a TTL above 0. Leaks and freed memory are ASan's to find.
 */
#include "config.h"
#include "fuzz.h"

static int zeroed(const struct fsp_config_file *c)
{
	static const struct fsp_config_file zero;

	return !memcmp(c, &zero, sizeof(zero));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fsp_config_file c;
	char err[512];
	size_t i;
	int ret;

	memset(err, 'x', sizeof(err));
	ret = fsp_config_parse("fuzz.yaml", (const char *)data, size, &c, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(memchr(err, 0, sizeof(err)), "message not terminated");
		FUZZ_CHECK(!strncmp(err, "fuzz.yaml:", 10), "message '%s'", err);
		for (i = 0; err[i]; i++)
			FUZZ_CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f,
				   "control byte 0x%02x in '%s'", (unsigned char)err[i], err);
		FUZZ_CHECK(zeroed(&c), "a refused config is not zeroed: '%s'", err);
		return 0;
	}
	FUZZ_CHECK(c.ntargets >= 1 && c.targets, "%zu targets", c.ntargets);
	FUZZ_CHECK(c.path && !strcmp(c.path, "fuzz.yaml"), "path");
	FUZZ_CHECK(c.proc_root && c.proc_root[0] == '/', "metadata.proc");
	FUZZ_CHECK(c.containers_log_dir && c.containers_log_dir[0] == '/', "containers_log_dir");
	FUZZ_CHECK(c.series_ttl_ms > 0, "series_ttl 0");
	FUZZ_CHECK(c.max_series >= 1 && c.max_series <= 10000000, "max_series %u", c.max_series);
	FUZZ_CHECK(!(c.labels & ~31u), "labels 0x%x", c.labels);
	for (i = 0; i < c.ntargets; i++) {
		const struct fsp_config_target *t = &c.targets[i];

		FUZZ_CHECK(t->name && t->name[0] && t->exe && t->exe[0], "target %zu unnamed", i);
		FUZZ_CHECK(t->max_symbols >= 1 && t->max_symbols <= 1000000, "max_symbols %u",
			   t->max_symbols);
		FUZZ_CHECK(t->hit ? t->miss && !t->lookup && !t->hit_when :
				    t->lookup && !t->miss != !t->hit_when,
			   "target %zu: no way to tell hits from misses", i);
		/* The globs were checked: fnmatch runs on them. */
		fsp_config_matches(t, "/opt/desk/bin/featurestore", "--desk=fx -v");
	}
	fsp_config_free(&c);
	FUZZ_CHECK(zeroed(&c), "fsp_config_free leaves a config");
	return 0;
}
