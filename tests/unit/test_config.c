// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsp_config_parse and fsp_config_load: the node agent's YAML file down to every field and
 * default, and every refusal as its whole one-line message, "FILE:LINE:COLUMN: why".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"
#include "testutil.h"

/* A valid targets list, for cases about everything else. */
#define TARGETS "targets: [{name: a, exe: /x, lookup: f, miss: g}]\n"
/* One flow target: its mapping starts at column 11, the given fields at column 30. */
#define TARGET(fields) "targets: [{name: a, exe: /x, " fields "}]\n"

static int parse(const char *text, struct fsp_config_file *c, char *err, size_t errlen)
{
	return fsp_config_parse("t.yaml", text, strlen(text), c, err, errlen);
}

static void test_full(void **state)
{
	static const char text[] =
		"web:\n"
		"  listen_address: \"0.0.0.0:9477\"\n"
		"targets:\n"
		"  - name: featurestore          # target=\"featurestore\"\n"
		"    exe: \"*/featurestore\"\n"
		"    cmdline: \"*--desk=*\"\n"
		"    lookup: feature_cache_lookup\n"
		"    miss: compute_features\n"
		"    key: \"cstr(arg0)\"\n"
		"    max_symbols: 10000\n"
		"  - name: _Risk-2\n"
		"    exe: /opt/risk/bin/risk\n"
		"    hit: cache_hit\n"
		"    miss: cache_miss\n"
		"    max_symbols: 1000000\n"
		"  - {name: quotes, exe: '/q[0-9]', lookup: find, hit_when: 'ret != 0',\n"
		"     max_symbols: 1}\n"
		"labels: [k8s_namespace_name, k8s_pod_name, k8s_container_name]\n"
		"metadata:\n"
		"  proc: /host/proc\n"
		"  containers_log_dir: /host/var/log/containers\n"
		"series_ttl: 1h2m3s\n"
		"max_series: 10000000\n";
	struct fsp_config_file c;
	struct fsp_config_target *t;
	char err[256] = "";

	(void)state;
	if (parse(text, &c, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(c.path, "t.yaml");
	assert_string_equal(c.listen_address, "0.0.0.0:9477");
	assert_int_equal(c.ntargets, 3);
	assert_int_equal(c.labels, FSP_LABEL_NAMESPACE | FSP_LABEL_POD | FSP_LABEL_CONTAINER);
	assert_string_equal(c.proc_root, "/host/proc");
	assert_string_equal(c.containers_log_dir, "/host/var/log/containers");
	assert_int_equal(c.series_ttl_ms, (3600 + 120 + 3) * 1000ULL);
	assert_int_equal(c.max_series, 10000000);

	t = &c.targets[0];
	assert_string_equal(t->name, "featurestore");
	assert_string_equal(t->exe, "*/featurestore");
	assert_string_equal(t->cmdline, "*--desk=*");
	assert_string_equal(t->lookup, "feature_cache_lookup");
	assert_string_equal(t->miss, "compute_features");
	assert_null(t->hit);
	assert_null(t->hit_when);
	assert_string_equal(t->key, "cstr(arg0)");
	assert_int_equal(t->max_symbols, 10000);
	assert_int_equal(t->line, 4);

	t = &c.targets[1];
	assert_string_equal(t->name, "_Risk-2");
	assert_null(t->cmdline);
	assert_null(t->lookup);
	assert_string_equal(t->hit, "cache_hit");
	assert_string_equal(t->miss, "cache_miss");
	assert_null(t->key);
	assert_int_equal(t->max_symbols, 1000000);
	assert_int_equal(t->line, 11);

	t = &c.targets[2];
	assert_string_equal(t->exe, "/q[0-9]");
	assert_string_equal(t->lookup, "find");
	assert_string_equal(t->hit_when, "ret != 0");
	assert_null(t->miss);
	assert_int_equal(t->max_symbols, 1);
	assert_int_equal(t->line, 16);
	fsp_config_free(&c);
	assert_null(c.targets);
	assert_null(c.path);
}

/* Everything optional left out, or given with no value: the defaults. */
static void test_defaults(void **state)
{
	static const char *const texts[] = {
		TARGETS,
		"web:\nmetadata:\nlabels:\nseries_ttl: ~\nmax_series: null\n" TARGETS,
		"web: {listen_address: }\nmetadata: {proc: Null, containers_log_dir: "
		"NULL}\n" TARGETS,
		TARGET("lookup: f, miss: g, cmdline: ~, key: , max_symbols: ~"),
	};
	struct fsp_config_file c;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		if (parse(texts[i], &c, err, sizeof(err)))
			fail_msg("case %zu: %s", i, err);
		assert_null(c.listen_address);
		assert_int_equal(c.ntargets, 1);
		assert_int_equal(c.labels, FSP_CONFIG_DEFAULT_LABELS);
		assert_string_equal(c.proc_root, "/proc");
		assert_string_equal(c.containers_log_dir, "/var/log/containers");
		assert_int_equal(c.series_ttl_ms, 5 * 60 * 1000);
		assert_int_equal(c.max_series, 100000);
		assert_null(c.targets[0].cmdline);
		assert_null(c.targets[0].key);
		assert_null(c.targets[0].hit);
		assert_int_equal(c.targets[0].max_symbols, 10000);
		fsp_config_free(&c);
	}
}

static void test_labels(void **state)
{
	static const struct {
		const char *labels;
		unsigned int want;
	} cases[] = {
		{ "[]", 0 },
		{ "[container_id]", FSP_LABEL_CONTAINER_ID },
		/* The file's order does not matter: the export order is fixed. */
		{ "[k8s_pod_name, k8s_namespace_name]", FSP_LABEL_POD | FSP_LABEL_NAMESPACE },
		{ "\n  - k8s_pod_uid\n  - \"k8s_container_name\"\n  - container_id\n"
		  "  - k8s_pod_name\n  - k8s_namespace_name",
		  31 },
	};
	struct fsp_config_file c;
	char text[256], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), TARGETS "labels: %s\n", cases[i].labels);
		if (parse(text, &c, err, sizeof(err)))
			fail_msg("labels: %s: %s", cases[i].labels, err);
		assert_int_equal(c.labels, cases[i].want);
		fsp_config_free(&c);
	}
}

static void test_durations(void **state)
{
	static const struct {
		const char *ttl;
		__u64 ms;
	} cases[] = {
		{ "30s", 30000 },
		{ "1s", 1000 },
		{ "5m", 300000 },
		{ "2h", 7200000 },
		{ "1m30s", 90000 },
		{ "2h30m", 9000000 },
		{ "1h0m1s", 3601000 },
		{ "0h1s", 1000 },
		{ "90s", 90000 },
		{ "\"10m\"", 600000 },
		{ "999999999h", 999999999ULL * 3600000 },
	};
	struct fsp_config_file c;
	char text[256], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), TARGETS "series_ttl: %s\n", cases[i].ttl);
		if (parse(text, &c, err, sizeof(err)))
			fail_msg("series_ttl: %s: %s", cases[i].ttl, err);
		if (c.series_ttl_ms != cases[i].ms)
			fail_msg("series_ttl: %s: %llu ms, want %llu", cases[i].ttl,
				 (unsigned long long)c.series_ttl_ms,
				 (unsigned long long)cases[i].ms);
		fsp_config_free(&c);
	}
}

/* Globs fnmatch reads as written, and the shapes of listen_address the HTTP server takes. */
static void test_valid_values(void **state)
{
	static const char *const texts[] = {
		TARGET("lookup: f, miss: g, cmdline: '[]a]*'"),
		TARGET("lookup: f, miss: g, cmdline: '[!a-z][^0-9]*'"),
		TARGET("lookup: f, miss: g, cmdline: '*[[:digit:][:space:]]'"),
		TARGET("lookup: f, miss: g, cmdline: '\\[not a set'"),
		TARGET("lookup: f, miss: g, cmdline: '[\\]]'"),
		TARGET("lookup: f, miss: g, cmdline: 'x]'"),
		TARGET("lookup: f, miss: g, cmdline: '--desk=é*'"),
		"targets: [{name: a, exe: '*', lookup: f, miss: g}]\n",
		"targets: [{name: a, exe: '?usr/bin/x', lookup: f, miss: g}]\n",
		"targets: [{name: a, exe: '[/]x', lookup: f, miss: g}]\n",
		"web: {listen_address: ':9477'}\n" TARGETS,
		"web: {listen_address: '[::1]:9477'}\n" TARGETS,
		"web: {listen_address: 'localhost:1'}\n" TARGETS,
		"web: {listen_address: '10.0.0.1:65535'}\n" TARGETS,
		/* Quoted keys are keys all the same. */
		"\"targets\": [{'name': a, exe: /x, lookup: f, miss: g}]\n",
		/* The explicit document markers of one document. */
		"---\n" TARGETS "...\n",
	};
	struct fsp_config_file c;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		if (parse(texts[i], &c, err, sizeof(err)))
			fail_msg("%s: %s", texts[i], err);
		fsp_config_free(&c);
	}
}

struct err_case {
	const char *text;
	const char *msg; /* all of it */
};

#define HOW			   "; use lookup with miss or hit_when, or hit with miss"
#define INT_RANGE(where, max, got) where ": expected an integer from 1 to " #max ", got " got
#define DURATION(got)		   "series_ttl: expected a duration such as 30s, 5m, 1h or 1m30s, got " got
#define LISTEN(got)		   "web.listen_address: expected HOST:PORT, [IPV6]:PORT or :PORT, got " got
#define TARGET_KEYS		   "name, exe, cmdline, lookup, miss, hit, hit_when, key, max_symbols"
#define LABEL_NAMES                                                                                \
	"(expected k8s_namespace_name, k8s_pod_name, k8s_container_name, k8s_pod_uid or "          \
	"container_id)"

static const struct err_case err_cases[] = {
	/* Unknown keys, at every level. */
	{ "web: {listn_address: x}\n" TARGETS,
	  "t.yaml:1:7: web: unknown key 'listn_address' (expected listen_address)" },
	{ "targets:\n  - name: a\n    exe: /x\n    lookp: f\n",
	  "t.yaml:4:5: targets[0]: unknown key 'lookp' (expected " TARGET_KEYS ")" },
	{ TARGETS "target: []\n",
	  "t.yaml:2:1: unknown key 'target' (expected web, targets, labels, metadata, series_ttl, "
	  "max_series)" },
	{ TARGETS "metadata:\n  proc: /proc\n  container_log_dir: /x\n",
	  "t.yaml:4:3: metadata: unknown key 'container_log_dir' (expected proc, "
	  "containers_log_dir)" },
	{ "Targets: []\n", "t.yaml:1:1: unknown key 'Targets' (expected web, targets, labels, "
			   "metadata, series_ttl, max_series)" },
	{ TARGETS "? [a]\n: b\n", "t.yaml:2:3: expected a key name, got a sequence" },
	{ "targets: [{name: a, exe: /x, {k: v}: 1}]\n",
	  "t.yaml:1:30: targets[0]: expected a key name, got a mapping" },
	/* Wrong types. */
	{ "web: [a]\n" TARGETS,
	  "t.yaml:1:6: web: expected a mapping (listen_address), got a sequence" },
	{ "web: 9477\n" TARGETS,
	  "t.yaml:1:6: web: expected a mapping (listen_address), got '9477'" },
	{ TARGETS "metadata: /proc\n",
	  "t.yaml:2:11: metadata: expected a mapping (proc, containers_log_dir), got '/proc'" },
	{ "web:\n  listen_address:\n    host: x\n" TARGETS,
	  "t.yaml:3:5: web.listen_address: expected a string, got a mapping" },
	{ "targets: [{name: a, exe: {a: b}, lookup: f, miss: g}]\n",
	  "t.yaml:1:26: targets[0].exe: expected a string, got a mapping" },
	{ TARGET("lookup: [f, g], miss: g"),
	  "t.yaml:1:38: targets[0].lookup: expected a string, got a sequence" },
	{ TARGET("lookup: f, miss: g, max_symbols: lots"),
	  "t.yaml:1:63: " INT_RANGE("targets[0].max_symbols", 1000000, "'lots'") },
	{ TARGET("lookup: f, miss: g, max_symbols: \"100\""),
	  "t.yaml:1:63: " INT_RANGE("targets[0].max_symbols", 1000000, "the quoted string '100'") },
	{ TARGET("lookup: f, miss: g, max_symbols: [100]"),
	  "t.yaml:1:63: " INT_RANGE("targets[0].max_symbols", 1000000, "a sequence") },
	{ TARGETS "labels: 5\n",
	  "t.yaml:2:9: labels: expected a list of label names such as [k8s_namespace_name, "
	  "k8s_pod_name], got '5'" },
	{ TARGETS "labels: k8s_pod_name\n",
	  "t.yaml:2:9: labels: expected a list of label names such as [k8s_namespace_name, "
	  "k8s_pod_name], got 'k8s_pod_name'" },
	{ "targets: {name: a}\n",
	  "t.yaml:1:10: targets: expected a list of targets, got a mapping" },
	{ "targets: [a]\n",
	  "t.yaml:1:11: targets[0]: expected a mapping (name, exe, lookup...), got 'a'" },
	{ "- targets\n",
	  "t.yaml:1:1: expected a mapping (web, targets, labels...), got a sequence" },
	{ "targets\n", "t.yaml:1:1: expected a mapping (web, targets, labels...), got 'targets'" },
	{ "---\n", "t.yaml:2:1: expected a mapping (web, targets, labels...), got nothing" },
	{ TARGETS "series_ttl: {m: 5}\n", "t.yaml:2:13: " DURATION("a mapping") },
	/* Globs fnmatch would take literally and never match, or that can never match. */
	{ "targets: [{name: a, exe: \"/x[ab\", lookup: f, miss: g}]\n",
	  "t.yaml:1:26: targets[0].exe: '[' is never closed by ']' (character 3 of the glob)" },
	{ "targets:\n  - name: a\n    exe: /opt/[]x\n",
	  "t.yaml:3:10: targets[0].exe: '[' is never closed by ']' (character 6 of the glob)" },
	{ "targets: [{name: a, exe: '/[!]', lookup: f, miss: g}]\n",
	  "t.yaml:1:26: targets[0].exe: '[' is never closed by ']' (character 2 of the glob)" },
	{ TARGET("lookup: f, miss: g, cmdline: '*--desk=[a-z'"),
	  "t.yaml:1:59: targets[0].cmdline: '[' is never closed by ']' (character 9 of the glob)" },
	{ TARGET("lookup: f, miss: g, cmdline: '[[:digits:]]'"),
	  "t.yaml:1:59: targets[0].cmdline: unknown character class (such as [:digit:]) "
	  "(character 2 of the glob)" },
	{ TARGET("lookup: f, miss: g, cmdline: '[[:digit:]'"),
	  "t.yaml:1:59: targets[0].cmdline: '[' is never closed by ']' (character 1 of the glob)" },
	{ TARGET("lookup: f, miss: g, cmdline: 'v[z-a]'"),
	  "t.yaml:1:59: targets[0].cmdline: a reversed range matches nothing (character 3 of the "
	  "glob)" },
	{ TARGET("lookup: f, miss: g, cmdline: 'x\\'"),
	  "t.yaml:1:59: targets[0].cmdline: a trailing backslash quotes nothing (character 2 of "
	  "the glob)" },
	{ TARGET("lookup: f, miss: g, cmdline: '[[.a.]]'"),
	  "t.yaml:1:59: targets[0].cmdline: [. and [= are not supported (character 2 of the "
	  "glob)" },
	{ TARGET("lookup: f, miss: g, cmdline: ''"),
	  "t.yaml:1:59: targets[0].cmdline: must not be empty" },
	{ "targets: [{name: a, exe: featurestore, lookup: f, miss: g}]\n",
	  "t.yaml:1:26: targets[0].exe: never matches an executable's path, which is absolute: "
	  "start with /, *, ? or [" },
	/* Missing required fields; a key with no value is a key left out. */
	{ "targets:\n  - exe: /x\n    lookup: f\n    miss: g\n",
	  "t.yaml:2:5: targets[0]: missing name (the target label's value)" },
	{ "targets:\n  - name:\n    exe: /x\n    lookup: f\n    miss: g\n",
	  "t.yaml:2:5: targets[0]: missing name (the target label's value)" },
	{ "targets:\n  - name: a\n    lookup: f\n    miss: g\n",
	  "t.yaml:2:5: targets[0]: missing exe (a glob on the executable's path)" },
	{ "targets:\n  - name: a\n    exe: /x\n    key: cstr(arg1)\n",
	  "t.yaml:2:5: targets[0]: missing lookup or hit" HOW },
	{ "targets:\n  - name: a\n    exe: /x\n    lookup: ~\n    miss: g\n",
	  "t.yaml:2:5: targets[0]: missing lookup or hit" HOW },
	{ "web: {}\n", "t.yaml:1:1: missing targets: a list of at least one" },
	{ "targets:\nweb: {}\n", "t.yaml:1:1: missing targets: a list of at least one" },
	{ "web: {}\ntargets: []\n", "t.yaml:2:10: targets: expected at least one target" },
	/* Invalid combinations, as on the command line. */
	{ TARGET("lookup: f, hit: h, miss: g"),
	  "t.yaml:1:41: targets[0].hit: hit and lookup exclude each other" HOW },
	{ TARGET("hit: h, hit_when: 'ret != 0', miss: g"),
	  "t.yaml:1:38: targets[0].hit_when: goes with lookup, not hit" HOW },
	{ TARGET("hit: h"), "t.yaml:1:11: targets[0]: hit needs miss" HOW },
	{ TARGET("lookup: f, miss: g, hit_when: 'ret != 0'"),
	  "t.yaml:1:50: targets[0].hit_when: give miss or hit_when, not both" HOW },
	{ TARGET("lookup: f"), "t.yaml:1:11: targets[0]: lookup needs miss or hit_when" HOW },
	{ TARGET("miss: g"), "t.yaml:1:11: targets[0]: missing lookup or hit" HOW },
	/* Names. */
	{ "targets:\n  - {name: fs, exe: /a, lookup: f, miss: g}\n"
	  "  - {name: fs, exe: /b, lookup: f, miss: g}\n",
	  "t.yaml:3:12: targets[1].name: 'fs' is also the name of the target at line 2" },
	{ "targets: [{name: 9lives, exe: /x, lookup: f, miss: g}]\n",
	  "t.yaml:1:18: targets[0].name: expected letters, digits, _ and -, starting with a letter "
	  "or _, got '9lives'" },
	{ "targets: [{name: 'feature store', exe: /x, lookup: f, miss: g}]\n",
	  "t.yaml:1:18: targets[0].name: expected letters, digits, _ and -, starting with a letter "
	  "or _, got the quoted string 'feature store'" },
	{ "targets: [{name: a.b, exe: /x, lookup: f, miss: g}]\n",
	  "t.yaml:1:18: targets[0].name: expected letters, digits, _ and -, starting with a letter "
	  "or _, got 'a.b'" },
	/* Duplicate keys in one mapping. */
	{ TARGET("lookup: f, miss: g, miss: h"),
	  "t.yaml:1:50: targets[0]: duplicate key 'miss' (first at line 1)" },
	{ TARGETS "max_series: 5\nmax_series: 6\n",
	  "t.yaml:3:1: duplicate key 'max_series' (first at line 2)" },
	{ "web:\n  listen_address: ':1'\n  listen_address: ':2'\n" TARGETS,
	  "t.yaml:3:3: web: duplicate key 'listen_address' (first at line 2)" },
	/* A key without a value still counts once. */
	{ "targets:\n  - name: a\n    exe: /x\n    lookup: f\n    miss:\n    miss: g\n",
	  "t.yaml:6:5: targets[0]: duplicate key 'miss' (first at line 5)" },
	/* Labels. */
	{ TARGETS "labels: [k8s_pod_name, pod]\n",
	  "t.yaml:2:24: labels[1]: unknown label 'pod' " LABEL_NAMES },
	{ TARGETS "labels:\n  - k8s_pod_name\n  - {k8s_namespace_name: x}\n",
	  "t.yaml:4:5: labels[1]: unknown label a mapping " LABEL_NAMES },
	{ TARGETS "labels: [~]\n", "t.yaml:2:10: labels[0]: unknown label nothing " LABEL_NAMES },
	{ TARGETS "labels: [k8s_pod_name, container_id, k8s_pod_name]\n",
	  "t.yaml:2:38: labels[2]: k8s_pod_name is listed twice" },
	/* Durations. */
	{ TARGETS "series_ttl: 5x\n", "t.yaml:2:13: " DURATION("'5x'") },
	{ TARGETS "series_ttl: -1m\n", "t.yaml:2:13: " DURATION("'-1m'") },
	{ TARGETS "series_ttl: ''\n", "t.yaml:2:13: " DURATION("the quoted string ''") },
	{ TARGETS "series_ttl: 300\n", "t.yaml:2:13: " DURATION("'300'") },
	{ TARGETS "series_ttl: 1.5m\n", "t.yaml:2:13: " DURATION("'1.5m'") },
	{ TARGETS "series_ttl: 30s1m\n", "t.yaml:2:13: " DURATION("'30s1m'") },
	{ TARGETS "series_ttl: 5m5m\n", "t.yaml:2:13: " DURATION("'5m5m'") },
	{ TARGETS "series_ttl: 5ms\n", "t.yaml:2:13: " DURATION("'5ms'") },
	{ TARGETS "series_ttl: 1d\n", "t.yaml:2:13: " DURATION("'1d'") },
	{ TARGETS "series_ttl: 5 m\n", "t.yaml:2:13: " DURATION("'5 m'") },
	{ TARGETS "series_ttl: 1000000000s\n", "t.yaml:2:13: " DURATION("'1000000000s'") },
	{ TARGETS "series_ttl: 0s\n", "t.yaml:2:13: series_ttl: must be more than 0s" },
	{ TARGETS "series_ttl: 0h0m0s\n", "t.yaml:2:13: series_ttl: must be more than 0s" },
	/* Integers: plain decimal digits in range, nothing else. */
	{ TARGETS "max_series: 10k\n", "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'10k'") },
	{ TARGETS "max_series: 1e3\n", "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'1e3'") },
	{ TARGETS "max_series: 0x10\n",
	  "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'0x10'") },
	{ TARGETS "max_series: 010\n", "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'010'") },
	{ TARGETS "max_series: -5\n", "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'-5'") },
	{ TARGETS "max_series: +5\n", "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'+5'") },
	{ TARGETS "max_series: 1_000\n",
	  "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'1_000'") },
	{ TARGETS "max_series: 5.0\n", "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'5.0'") },
	{ TARGETS "max_series: 0\n", "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'0'") },
	{ TARGETS "max_series: 10000001\n",
	  "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'10000001'") },
	{ TARGETS "max_series: 4294967297\n",
	  "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'4294967297'") },
	{ TARGETS "max_series: 99999999999999999999999\n",
	  "t.yaml:2:13: " INT_RANGE("max_series", 10000000, "'99999999999999999999999'") },
	{ TARGET("lookup: f, miss: g, max_symbols: 1000001"),
	  "t.yaml:1:63: " INT_RANGE("targets[0].max_symbols", 1000000, "'1000001'") },
	/* Other values. */
	{ "web: {listen_address: '9477'}\n" TARGETS,
	  "t.yaml:1:23: " LISTEN("the quoted string '9477'") },
	{ "web: {listen_address: 'host:'}\n" TARGETS,
	  "t.yaml:1:23: " LISTEN("the quoted string 'host:'") },
	{ "web: {listen_address: 'host:70000'}\n" TARGETS,
	  "t.yaml:1:23: " LISTEN("the quoted string 'host:70000'") },
	{ "web: {listen_address: '[::1:9477'}\n" TARGETS,
	  "t.yaml:1:23: " LISTEN("the quoted string '[::1:9477'") },
	{ "web: {listen_address: ''}\n" TARGETS,
	  "t.yaml:1:23: web.listen_address: must not be empty" },
	{ TARGETS "metadata: {proc: proc}\n",
	  "t.yaml:2:18: metadata.proc: expected an absolute path, got 'proc'" },
	{ TARGET("lookup: \"f\\0g\", miss: g"),
	  "t.yaml:1:38: targets[0].lookup: contains a NUL byte" },
	/* Control characters are shown escaped, so the message stays one line. */
	{ "targets: [{name: \"a\\nb\", exe: /x, lookup: f, miss: g}]\n",
	  "t.yaml:1:18: targets[0].name: expected letters, digits, _ and -, starting with a letter "
	  "or _, got the quoted string 'a\\x0ab'" },
	/* The file as a whole. */
	{ "", "t.yaml:1:1: the file is empty (or only comments): it needs at least targets" },
	{ "# nothing yet\n\n",
	  "t.yaml:1:1: the file is empty (or only comments): it needs at least targets" },
	{ TARGETS "---\n" TARGETS,
	  "t.yaml:2:1: a second YAML document: the file must hold exactly one" },
	{ TARGETS "...\n---\nweb: {}\n",
	  "t.yaml:3:1: a second YAML document: the file must hold exactly one" },
	/* YAML syntax errors: libyaml's own problem, at its mark. */
	{ "targets: [\n",
	  "t.yaml:2:1: invalid YAML: did not find expected node content (while parsing a flow node "
	  "at line 2, column 1)" },
	{ "targets:\n  - name: a\n   exe: /x\n",
	  "t.yaml:3:4: invalid YAML: did not find expected '-' indicator (while parsing a block "
	  "collection at line 2, column 3)" },
	{ "web:\n\tlisten_address: x\n", "t.yaml:2:1: invalid YAML: found character that cannot "
					 "start any token (while scanning for "
					 "the next token at line 2, column 1)" },
	{ "targets: \"abc\n", "t.yaml:2:1: invalid YAML: found unexpected end of stream (while "
			      "scanning a quoted scalar at line 1, column 10)" },
	{ "web: {listen_address: '\xff'}\n",
	  "t.yaml:1:24: invalid YAML: invalid leading UTF-8 octet" },
	{ "web: {listen_address: x}\x01\n",
	  "t.yaml:1:25: invalid YAML: control characters are not allowed" },
	/* Anchors, aliases, tags. */
	{ "targets:\n  - &fs {name: a, exe: /x, lookup: f, miss: g}\n",
	  "t.yaml:2:5: anchors (&fs) are not supported" },
	{ TARGET("lookup: f, miss: g, key: *k"),
	  "t.yaml:1:55: aliases (*k) are not supported: write the value out" },
	{ "base: &b {exe: /x}\n" TARGETS, "t.yaml:1:7: anchors (&b) are not supported" },
	{ TARGET("lookup: f, miss: g, max_symbols: !!int 10"),
	  "t.yaml:1:63: tags (tag:yaml.org,2002:int) are not supported" },
	{ TARGET("lookup: !fn f, miss: g"), "t.yaml:1:38: tags (!fn) are not supported" },
};

static void test_errors(void **state)
{
	struct fsp_config_file c;
	char err[512];
	size_t i;
	int bad = 0, ret;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(err_cases); i++) {
		const struct err_case *e = &err_cases[i];

		memset(&c, 0x5a, sizeof(c));
		memset(err, 0x5a, sizeof(err));
		ret = parse(e->text, &c, err, sizeof(err));
		if (ret != -EINVAL || strcmp(err, e->msg)) {
			print_message("case %zu:\n%s\n  want -EINVAL %s\n  got  %d %.*s\n", i,
				      e->text, e->msg, ret, (int)sizeof(err), err);
			bad++;
		} else if (c.targets || c.ntargets || c.path || c.listen_address || c.proc_root) {
			print_message("case %zu: the config is not left zeroed\n", i);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d of %zu invalid files reported wrongly", bad, ARRAY_SIZE(err_cases));
}

/* Any target later in the file is read as carefully as the first, and its messages say which. */
static void test_error_in_later_target(void **state)
{
	static const char text[] = "targets:\n"
				   "  - name: a\n"
				   "    exe: /a\n"
				   "    lookup: f\n"
				   "    miss: g\n"
				   "  - name: b\n"
				   "    exe: /b\n"
				   "    lookup: f\n"
				   "    hit_when: 'ret != 0'\n"
				   "    max_symbols: 0\n";
	struct fsp_config_file c;
	char err[256];

	(void)state;
	assert_int_equal(parse(text, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "t.yaml:10:18: " INT_RANGE("targets[1].max_symbols", 1000000, "'0'"));
}

static void test_load(void **state)
{
	static const char text[] = TARGETS "series_ttl: 90s\n";
	struct fsp_config_file c;
	char path[64], err[512], want[128];
	int fd;

	(void)state;
	fd = testutil_tmpfile(path, sizeof(path), text, sizeof(text) - 1);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fsp_config_load(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.path, path);
	assert_int_equal(c.ntargets, 1);
	assert_int_equal(c.series_ttl_ms, 90000);
	fsp_config_free(&c);

	/* Errors in a loaded file carry its path. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "targets: []\n", 12), 12);
	close(fd);
	assert_int_equal(fsp_config_load(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:1:10: targets: expected at least one target", path);
	assert_string_equal(err, want);
	unlink(path);

	assert_int_equal(fsp_config_load(path, &c, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
	assert_null(c.path);

	assert_int_equal(fsp_config_load("/", &c, err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "/: Is a directory");
}

/* Larger than 1 MiB: refused before YAML reads a byte of it. */
static void test_load_too_large(void **state)
{
	struct fsp_config_file c;
	char path[64], err[512], want[128];
	size_t len = (1 << 20) + 1;
	char *text = malloc(len);
	int fd;

	(void)state;
	assert_non_null(text);
	memset(text, '#', len);
	fd = testutil_tmpfile(path, sizeof(path), text, len);
	free(text);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fsp_config_load(path, &c, err, sizeof(err)), -EFBIG);
	snprintf(want, sizeof(want), "%s: larger than 1 MiB, not a configuration file", path);
	assert_string_equal(err, want);
	unlink(path);
}

/* Nesting past any valid file's depth stops where it starts being too deep, not in the stack. */
static void test_deep_nesting(void **state)
{
	struct fsp_config_file c;
	char text[256], err[256];
	size_t depth = 100;

	(void)state;
	/* web: [[[...]]], 100 deep: web's value is level 1 (column 6), level 33 is column 38. */
	memcpy(text, "web: ", 5);
	memset(text + 5, '[', depth);
	memset(text + 5 + depth, ']', depth);
	memcpy(text + 5 + 2 * depth, "\n", 2);
	assert_int_equal(parse(text, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:1:38: nested deeper than 32 levels");
}

/* A short or absent error buffer never overflows, and a success clears an earlier error. */
static void test_error_buffer(void **state)
{
	struct fsp_config_file c;
	char err[16];

	(void)state;
	assert_int_equal(parse("targets: []\n", &c, NULL, 0), -EINVAL);
	memset(err, 0x5a, sizeof(err));
	assert_int_equal(parse("targets: []\n", &c, err, 10), -EINVAL);
	assert_string_equal(err, "t.yaml:1:");
	assert_int_equal((unsigned char)err[10], 0x5a);
	assert_int_equal(parse(TARGETS, &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	fsp_config_free(&c);
	/* A file name with a newline cannot split the line. */
	assert_int_equal(fsp_config_parse("a\nb", "", 0, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a?b:1:1"));
}

static void test_free_partial(void **state)
{
	struct fsp_config_file c = {};

	(void)state;
	fsp_config_free(&c);
	fsp_config_free(NULL);
	/* Partly filled: one target of two, half its fields. */
	c.path = strdup("x");
	c.targets = calloc(2, sizeof(*c.targets));
	c.ntargets = 2;
	assert_non_null(c.targets);
	c.targets[0].name = strdup("a");
	c.targets[0].exe = strdup("/x");
	fsp_config_free(&c);
	assert_null(c.targets);
	assert_int_equal(c.ntargets, 0);
	fsp_config_free(&c);
}

static void test_matches(void **state)
{
	static const struct {
		const char *exe_glob, *cmdline_glob, *exe, *cmdline;
		bool want;
	} cases[] = {
		/* No FNM_PATHNAME: * crosses /. */
		{ "*/featurestore", NULL, "/opt/desk/bin/featurestore", "featurestore --x", true },
		{ "*/featurestore", NULL, "/opt/desk/bin/featurestore2", NULL, false },
		{ "*/featurestore", NULL, "/opt/featurestore", NULL, true },
		{ "/opt/*/fs", NULL, "/opt/.hidden/fs", NULL, true },
		{ "/opt/*/fs", NULL, "/opt/a/b/fs", NULL, true },
		{ "/usr/bin/python3*", NULL, "/usr/bin/python3.11", NULL, true },
		{ "/[fF]s", NULL, "/Fs", NULL, true },
		{ "/\\[x", NULL, "/[x", NULL, true },
		/* No cmdline glob: any command line, or none. */
		{ "/x", NULL, "/x", NULL, true },
		{ "/x", "*--desk=*", "/x", "/x --desk=eq --v", true },
		{ "/x", "*--desk=*", "/x", "/x --region=eu", false },
		/* A cmdline glob and no command line (a zombie, an unreadable one): no match. */
		{ "/x", "*", "/x", NULL, false },
		{ "/x", "*--desk=eq", "/x", "/x --desk=eq", true },
		{ "/x", "*--desk=eq", "/x", "/x --desk=eq --v", false },
		{ "/x", NULL, NULL, "x", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct fsp_config_target t = {
			.exe = (char *)cases[i].exe_glob,
			.cmdline = (char *)cases[i].cmdline_glob,
		};

		if (fsp_config_matches(&t, cases[i].exe, cases[i].cmdline) != cases[i].want)
			fail_msg("exe '%s' cmdline '%s' on '%s' '%s': want %s", cases[i].exe_glob,
				 cases[i].cmdline_glob ?: "(none)", cases[i].exe ?: "(null)",
				 cases[i].cmdline ?: "(null)",
				 cases[i].want ? "match" : "no match");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_valid_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_in_later_target),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_too_large),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_free_partial),
		cmocka_unit_test(test_matches),
	};

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: config\n");
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
