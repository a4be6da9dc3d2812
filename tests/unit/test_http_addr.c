// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* fsp_http_parse_addr: --web.listen-address forms, down to the bytes of the socket address. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "http.h"

static void test_parse_ipv4(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	socklen_t len = 0;

	(void)state;
	assert_int_equal(fsp_http_parse_addr("127.0.0.1:9477", &ss, &len), 0);
	assert_int_equal(len, sizeof(*in));
	assert_int_equal(in->sin_family, AF_INET);
	assert_int_equal(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(ntohs(in->sin_port), 9477);
}

static void test_parse_any(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	socklen_t len = 0;

	(void)state;
	assert_int_equal(fsp_http_parse_addr(":9477", &ss, &len), 0);
	if (ss.ss_family == AF_INET) {
		assert_int_equal(len, sizeof(*in));
		assert_int_equal(in->sin_addr.s_addr, htonl(INADDR_ANY));
		assert_int_equal(ntohs(in->sin_port), 9477);
	} else {
		assert_int_equal(ss.ss_family, AF_INET6);
		assert_int_equal(len, sizeof(*in6));
		assert_memory_equal(&in6->sin6_addr, &in6addr_any, sizeof(in6addr_any));
		assert_int_equal(ntohs(in6->sin6_port), 9477);
	}
}

static void test_parse_ipv6(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = 0;

	(void)state;
	assert_int_equal(fsp_http_parse_addr("[::1]:9477", &ss, &len), 0);
	assert_int_equal(len, sizeof(*in6));
	assert_int_equal(in6->sin6_family, AF_INET6);
	assert_memory_equal(&in6->sin6_addr, &in6addr_loopback, sizeof(in6addr_loopback));
	assert_int_equal(ntohs(in6->sin6_port), 9477);
}

/* A name from /etc/hosts: whichever family it resolves to, it is the loopback. */
static void test_parse_localhost(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	socklen_t len = 0;

	(void)state;
	assert_int_equal(fsp_http_parse_addr("localhost:80", &ss, &len), 0);
	if (ss.ss_family == AF_INET) {
		assert_int_equal(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
		assert_int_equal(ntohs(in->sin_port), 80);
	} else {
		assert_int_equal(ss.ss_family, AF_INET6);
		assert_memory_equal(&in6->sin6_addr, &in6addr_loopback, sizeof(in6addr_loopback));
		assert_int_equal(ntohs(in6->sin6_port), 80);
	}
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:", "", "9477", "127.0.0.1:0", ":0", "127.0.0.1:65536",
		":99999999999999999999", "127.0.0.1:http", "127.0.0.1:80x", "127.0.0.1:-1",
		"[::1:9477", "[::1]", "::1]:9477",
		/* Found by tests/fuzz/fuzz_listen_addr.c: strtol skipped the space and the sign. */
		": 5", ":+80", "127.0.0.1: 9477", "127.0.0.1:\t80",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;
	int ret, n = 0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ret = fsp_http_parse_addr(bad[i], &ss, &len);
		if (ret != -EINVAL) {
			print_message("'%s': want -EINVAL, got %d\n", bad[i], ret);
			n++;
		}
	}
	if (n)
		fail_msg("%d of %zu bad addresses accepted", n, sizeof(bad) / sizeof(bad[0]));
}

/* The logged URL can be pasted: an address that means every address becomes 127.0.0.1. */
static void test_url(void **state)
{
	static const struct {
		const char *listen, *path, *want;
		int every;
	} cases[] = {
		{ "127.0.0.1:9477", "/metrics", "http://127.0.0.1:9477/metrics", 0 },
		{ ":9711", "/metrics", "http://127.0.0.1:9711/metrics", 1 },
		{ "0.0.0.0:9711", "/m", "http://127.0.0.1:9711/m", 1 },
		{ "[::]:9711", "/metrics", "http://127.0.0.1:9711/metrics", 1 },
		{ "[::1]:9477", "/metrics", "http://[::1]:9477/metrics", 0 },
		{ "node-1.example:9477", "/", "http://node-1.example:9477/", 0 },
		{ "10.0.0.7:9477", "/metrics", "http://10.0.0.7:9477/metrics", 0 },
	};
	char url[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(fsp_http_url("http", cases[i].listen, cases[i].path, url, sizeof(url)),
				 cases[i].every);
		assert_string_equal(url, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_any),
		cmocka_unit_test(test_parse_ipv6),
		cmocka_unit_test(test_parse_localhost),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_url),
	};

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: http_parse_addr\n");
	return cmocka_run_group_tests_name("http_parse_addr", tests, NULL, NULL);
}
