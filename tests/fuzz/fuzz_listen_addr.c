// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --web.listen-address and the agent's web.listen_address: fsp_http_parse_addr's syntax (the
 * last colon, brackets, the port) and getaddrinfo behind it.
 *
 * Host names are resolved by fsp_http_parse_addr ("localhost:9477" is valid), and a fuzzer must
 * not send DNS queries (slow, and not its business), so this target calls the same parser with
 * AI_NUMERICHOST, fsp_http_parse_numeric_addr: getaddrinfo then never reads /etc/hosts or asks
 * a resolver, and a name is refused like any other text that is not an address.
 *
 * An accepted address is an IPv4 or IPv6 socket address whose port is the decimal number after
 * the last colon, 1 to 65535, as fsp_http_start binds it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include "fuzz.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *addr = fuzz_cstr(data, size);
	struct sockaddr_storage ss;
	const char *port;
	socklen_t len = 0;
	long want;
	int ret;

	memset(&ss, 0, sizeof(ss));
	ret = fsp_http_parse_numeric_addr(addr, &ss, &len);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL, "'%s': returned %d", addr, ret);
		free(addr);
		return 0;
	}
	port = strrchr(addr, ':');
	FUZZ_CHECK(port, "'%s' accepted without a port", addr);
	port++;
	FUZZ_CHECK(port[0] >= '0' && port[0] <= '9' && strspn(port, "0123456789") == strlen(port),
		   "'%s': port '%s' accepted", addr, port);
	want = strtol(port, NULL, 10);
	FUZZ_CHECK(want >= 1 && want <= 65535, "'%s': port %ld", addr, want);
	if (ss.ss_family == AF_INET) {
		FUZZ_CHECK(len == sizeof(struct sockaddr_in), "'%s': length %u", addr, len);
		FUZZ_CHECK(ntohs(((struct sockaddr_in *)&ss)->sin_port) == want, "'%s': port", addr);
	} else {
		FUZZ_CHECK(ss.ss_family == AF_INET6, "'%s': family %d", addr, ss.ss_family);
		FUZZ_CHECK(len == sizeof(struct sockaddr_in6), "'%s': length %u", addr, len);
		FUZZ_CHECK(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == want, "'%s': port", addr);
	}
	free(addr);
	return 0;
}
