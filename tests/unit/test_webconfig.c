// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --web.config.file: what the exporter-toolkit format gives, and every refusal as the one line
 * it logs (line:column and message).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "webconfig.h"
#include "testutil.h"

#define HASH_A "$2y$10$aLyvmyHgCCZvSiCtDnjXnOXkFvmvAsAKZRl7pFnbFrkg5yt0Sz87W"
#define HASH_B "$2b$04$abcdefghijklmnopqrstuOabcdefghijklmnopqrstuvwxyz01234"

static int parse(const char *yaml, struct fsp_webconfig *c, struct fsp_webconfig_error *e)
{
	return fsp_webconfig_parse(yaml, strlen(yaml), "/etc/fsprobe", c, e);
}

static void test_full(void **state)
{
	struct fsp_webconfig_error e;
	struct fsp_webconfig c;

	(void)state;
	assert_int_equal(parse("# exporter-toolkit web config\n"
			       "tls_server_config:\n"
			       "  cert_file: tls/server.crt\n"
			       "  key_file: /secret/server.key\n"
			       "  min_version: TLS13\n"
			       "  client_auth_type: RequireAndVerifyClientCert\n"
			       "  client_ca_file: \"ca.pem\"\n"
			       "basic_auth_users:\n"
			       "  prometheus: " HASH_A "\n"
			       "  'other': '" HASH_B "'\n",
			       &c, &e),
			 0);
	assert_true(c.tls);
	assert_string_equal(c.cert_file, "/etc/fsprobe/tls/server.crt");
	assert_string_equal(c.key_file, "/secret/server.key");
	assert_string_equal(c.client_ca_file, "/etc/fsprobe/ca.pem");
	assert_int_equal(c.client_auth, FSP_CLIENT_REQUIRE_AND_VERIFY);
	assert_int_equal(c.min_version, FSP_TLS13);
	assert_int_equal(c.max_version, FSP_TLS13);
	assert_int_equal(c.cert_at.line, 3);
	assert_int_equal(c.cert_at.column, 14);
	assert_int_equal(c.nusers, 2);
	assert_string_equal(c.users[0].name, "prometheus");
	assert_string_equal(c.users[0].hash, HASH_A);
	assert_string_equal(c.users[1].name, "other");
	assert_string_equal(c.users[1].hash, HASH_B);
	assert_null(c.cert_pem);
	fsp_webconfig_free(&c);
}

/* Nothing, or empty sections: plain HTTP without authentication, as the toolkit does. */
static void test_empty(void **state)
{
	static const char *const texts[] = {
		"", "# nothing\n", "---\n", "tls_server_config:\nbasic_auth_users: {}\n",
		"tls_server_config: {}\n",
	};
	struct fsp_webconfig_error e;
	struct fsp_webconfig c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		if (parse(texts[i], &c, &e))
			fail_msg("'%s': %d:%d: %s", texts[i], e.line, e.column, e.msg);
		assert_false(c.tls);
		assert_int_equal(c.nusers, 0);
		assert_int_equal(c.min_version, FSP_TLS12);
		fsp_webconfig_free(&c);
	}
}

static void test_defaults(void **state)
{
	struct fsp_webconfig_error e;
	struct fsp_webconfig c;

	(void)state;
	assert_int_equal(parse("tls_server_config:\n  cert_file: a\n  key_file: b\n", &c, &e), 0);
	assert_true(c.tls);
	assert_int_equal(c.client_auth, FSP_CLIENT_NO_CERT);
	assert_int_equal(c.min_version, FSP_TLS12);
	assert_int_equal(c.max_version, FSP_TLS13);
	assert_null(c.client_ca_file);
	assert_int_equal(c.nusers, 0);
	fsp_webconfig_free(&c);
}

struct error_case {
	const char *yaml;
	int line, column;
	const char *msg;
};

#define TLS "tls_server_config:\n  cert_file: a\n  key_file: b\n"

/* clang-format off */
static const struct error_case error_cases[] = {
	{ "tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [x]\n", 4, 3,
	  "tls_server_config: 'cipher_suites' is not supported by fsprobe" },
	{ "tls_server_config:\n  cert_file: a\n  keyfile: b\n", 3, 3,
	  "tls_server_config: unknown key 'keyfile' (expected cert_file, key_file, min_version, "
	  "max_version, client_auth_type or client_ca_file)" },
	{ "tls_config:\n  cert_file: a\n", 1, 1,
	  "unknown key 'tls_config' (expected tls_server_config or basic_auth_users)" },
	{ "http_server_config:\n  http2: false\n", 1, 1,
	  "'http_server_config' is not supported by fsprobe" },
	{ "tls_server_config:\n  key_file: b\n", 1, 1, "tls_server_config: cert_file is missing" },
	{ "tls_server_config:\n  cert_file: a\n  min_version: TLS13\n", 1, 1,
	  "tls_server_config: key_file is missing" },
	{ TLS "  min_version: TLS14\n", 4, 16,
	  "min_version: expected TLS10, TLS11, TLS12 or TLS13, got 'TLS14'" },
	{ TLS "  max_version: TLS11\n", 4, 16, "min_version TLS12 is above max_version TLS11" },
	{ TLS "  client_auth_type: RequireClientCert\n", 4, 21,
	  "client_auth_type: expected NoClientCert, RequestClientCert, RequireAnyClientCert, "
	  "VerifyClientCertIfGiven or RequireAndVerifyClientCert, got 'RequireClientCert'" },
	{ TLS "  client_auth_type: RequireAndVerifyClientCert\n", 1, 1,
	  "tls_server_config: client_auth_type RequireAndVerifyClientCert needs client_ca_file" },
	{ TLS "  client_ca_file: ca.pem\n", 1, 1,
	  "tls_server_config: client_ca_file is set but client_auth_type is NoClientCert" },
	{ TLS "  cert_file: c\n", 4, 3, "tls_server_config: 'cert_file' given twice" },
	{ "tls_server_config:\n  cert_file:\n  key_file: b\n", 2, 13, "cert_file: expected a string" },
	{ "tls_server_config:\n  cert_file: [a, b]\n  key_file: b\n", 2, 14,
	  "cert_file: expected a string" },
	{ "tls_server_config: yes\n", 1, 20, "tls_server_config: expected a mapping" },
	{ "- tls_server_config\n", 1, 1, "the web configuration: expected a mapping" },
	{ "basic_auth_users:\n  alice: secret\n", 2, 10,
	  "basic_auth_users: 'alice': expected a bcrypt hash ($2y$10$ and 53 more characters, as "
	  "htpasswd -nbBC 10 USER PASS prints)" },
	{ "basic_auth_users:\n  alice: $2y$03$aLyvmyHgCCZvSiCtDnjXnOXkFvmvAsAKZRl7pFnbFrkg5yt0Sz87W\n",
	  2, 10,
	  "basic_auth_users: 'alice': expected a bcrypt hash ($2y$10$ and 53 more characters, as "
	  "htpasswd -nbBC 10 USER PASS prints)" },
	{ "basic_auth_users:\n  'a:b': " HASH_A "\n", 2, 3,
	  "basic_auth_users: 'a:b': a user name is not empty and has no ':'" },
	{ "basic_auth_users:\n  alice: " HASH_A "\n  alice: " HASH_B "\n", 3, 3,
	  "basic_auth_users: 'alice' given twice" },
	{ "basic_auth_users:\n  alice:\n", 2, 9, "basic_auth_users: expected a string" },
	{ "tls_server_config:\n  cert_file: a\n key_file: b\n", 3, 2,
	  "YAML: did not find expected key while parsing a block mapping" },
	{ "tls_server_config:\n  cert_file: \"a\n", 3, 1,
	  "YAML: found unexpected end of stream while scanning a quoted scalar" },
	{ TLS "---\n" TLS, 5, 1, "a second YAML document: give one" },
};
/* clang-format on */

static void test_errors(void **state)
{
	struct fsp_webconfig_error e;
	struct fsp_webconfig c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(error_cases); i++) {
		const struct error_case *k = &error_cases[i];

		if (parse(k->yaml, &c, &e) != -EINVAL)
			fail_msg("accepted:\n%s", k->yaml);
		if (e.line != k->line || e.column != k->column || strcmp(e.msg, k->msg))
			fail_msg("for:\n%s\nwant %d:%d: %s\ngot  %d:%d: %s", k->yaml, k->line,
				 k->column, k->msg, e.line, e.column, e.msg);
		/* Nothing is left allocated after a refusal. */
		assert_null(c.users);
		assert_null(c.cert_file);
	}
}

/* fsp_webconfig_load: files it cannot read, and a key that is not the certificate's. */
static void test_load_errors(void **state)
{
	char cfg[64], path[64], text[512];
	struct fsp_webconfig c;
	int fd;

	(void)state;
	print_message("refusals, logged by fsprobe, follow:\n");
	assert_int_equal(fsp_webconfig_load("/nonexistent/web.yml", &c), -ENOENT);

	snprintf(text, sizeof(text), "tls_server_config:\n  cert_file: /nonexistent/a.crt\n"
		 "  key_file: b\n");
	fd = testutil_tmpfile(cfg, sizeof(cfg), text, strlen(text));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fsp_webconfig_load(cfg, &c), -ENOENT);
	unlink(cfg);

	/* Files that are there but hold no certificate. */
	fd = testutil_tmpfile(path, sizeof(path), "not a PEM file\n", 15);
	assert_true(fd >= 0);
	close(fd);
	snprintf(text, sizeof(text), "tls_server_config:\n  cert_file: %s\n  key_file: %s\n",
		 path, path);
	fd = testutil_tmpfile(cfg, sizeof(cfg), text, strlen(text));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fsp_webconfig_load(cfg, &c), -EINVAL);
	assert_null(c.cert_pem);
	unlink(cfg);
	unlink(path);

	fd = testutil_tmpfile(cfg, sizeof(cfg), "basic_auth_users: [\n", 20);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fsp_webconfig_load(cfg, &c), -EINVAL);
	unlink(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_errors),
	};

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: webconfig\n");
	return cmocka_run_group_tests_name("webconfig", tests, NULL, NULL);
}
