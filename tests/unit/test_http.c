// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter served for real on 127.0.0.1: status codes, headers and bodies as a
 * plain-socket client sees them. test_http_addr.c covers the address parser.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>
#include <crypt.h>
#include <zlib.h>
#include "http.h"
#include "render.h"
#include "testutil.h"

#define BODY "# HELP x_total A test counter.\n# TYPE x_total counter\nx_total{symbol=\"a\"} 42\n"
#define BODY_OM "# HELP x A test counter.\n# TYPE x counter\nx_total{symbol=\"a\"} 42\n# EOF\n"
/* What Prometheus 2.42 sends. */
#define PROMETHEUS_ACCEPT                                                                          \
	"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"  \
	"q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

/* The live server, shared by the tests below. */
static struct {
	struct fsp_http *h;
	int port;
	char addr[64];
	int scrape_ret; /* what the next scrape returns; read on the server thread */
	int scrapes;
} srv;

static int scrape(void *ctx, enum fsp_render_format fmt, struct fsp_buf *out)
{
	int ret = __atomic_load_n(&srv.scrape_ret, __ATOMIC_SEQ_CST);

	/* No cmocka asserts here: this runs on the server's thread. A 500 shows the mistake. */
	if (ctx != &srv)
		return -EFAULT;
	__atomic_add_fetch(&srv.scrapes, 1, __ATOMIC_SEQ_CST);
	if (ret)
		return ret;
	return fsp_buf_printf(out, "%s", fmt == FSP_RENDER_OPENMETRICS ? BODY_OM : BODY);
}

static int start(struct fsp_http **h, const char *addr, const char *path, const char *web_config,
		 unsigned int per_ip)
{
	struct fsp_http_opts o = { .listen = addr, .path = path, .web_config = web_config,
				   .max_conns_per_ip = per_ip };

	return fsp_http_start(h, &o, scrape, &srv);
}

/* A port that was free a moment ago: the parser refuses port 0, so ask the kernel first. */
static int free_port(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(in);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&in, len) ||
	    getsockname(fd, (struct sockaddr *)&in, &len))
		return -1;
	port = ntohs(in.sin_port);
	close(fd);
	return port;
}

static int start_server(void **state)
{
	(void)state;
	srv.port = free_port();
	if (srv.port < 0)
		return -1;
	snprintf(srv.addr, sizeof(srv.addr), "127.0.0.1:%d", srv.port);
	return start(&srv.h, srv.addr, "/metrics", NULL, 0);
}

static int stop_server(void **state)
{
	(void)state;
	fsp_http_stop(srv.h);
	srv.h = NULL;
	return 0;
}

struct response {
	int status;
	char head[4096];   /* status line and headers, NUL-terminated */
	char body[65536];
	size_t body_len;
};

/* A connected socket to the loopback address of family on port, or -1. */
static int connect_loopback(int family, int port)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    (family == AF_INET6 ? connect(fd, (struct sockaddr *)&in6, sizeof(in6)) :
				  connect(fd, (struct sockaddr *)&in, sizeof(in)))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on a fresh connection to port, with extra header lines; the server closes it. */
static void request_to(int port, const char *method, const char *path, const char *headers,
		       const char *body, struct response *r)
{
	static char raw[sizeof(r->head) + sizeof(r->body)];
	char req[1024], *end;
	size_t got = 0;
	ssize_t n;
	int fd, len;

	memset(r, 0, sizeof(*r));
	fd = connect_loopback(AF_INET, port);
	assert_true(fd >= 0);
	len = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s",
		       method, path, srv.addr, headers ? headers : "");
	if (body)
		len += snprintf(req + len, sizeof(req) - len,
				"Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
				strlen(body), body);
	else
		len += snprintf(req + len, sizeof(req) - len, "\r\n");
	assert_int_equal(write(fd, req, len), len);
	while ((n = read(fd, raw + got, sizeof(raw) - 1 - got)) > 0)
		got += n;
	assert_int_equal(n, 0); /* EOF, not a timeout */
	close(fd);
	raw[got] = '\0';

	end = strstr(raw, "\r\n\r\n");
	assert_non_null(end);
	assert_true((size_t)(end - raw) + 2 < sizeof(r->head));
	memcpy(r->head, raw, end - raw + 2);
	r->body_len = got - (end + 4 - raw);
	memcpy(r->body, end + 4, r->body_len);
	assert_int_equal(sscanf(r->head, "HTTP/1.%*d %d ", &r->status), 1);
}

static void request(const char *method, const char *path, const char *body, struct response *r)
{
	request_to(srv.port, method, path, NULL, body, r);
}

/* The value of a header, or NULL; names compare without case, as HTTP says. */
static const char *header(const struct response *r, const char *name, char *val, size_t len)
{
	const char *line = strstr(r->head, "\r\n"), *v;
	size_t nl = strlen(name);

	while (line && line[2]) {
		line += 2;
		if (!strncasecmp(line, name, nl) && line[nl] == ':') {
			v = line + nl + 1 + strspn(line + nl + 1, " ");
			snprintf(val, len, "%.*s", (int)strcspn(v, "\r"), v);
			return val;
		}
		line = strstr(line, "\r\n");
	}
	return NULL;
}

static void assert_header(const struct response *r, const char *name, const char *want)
{
	char val[256];

	if (!header(r, name, val, sizeof(val)))
		fail_msg("no %s header in:\n%s", name, r->head);
	assert_string_equal(val, want);
}

static void test_get_metrics(void **state)
{
	struct response r;
	int i;

	(void)state;
	/* Twice: the second scrape must not see the first one's text. */
	for (i = 0; i < 2; i++) {
		request("GET", "/metrics", NULL, &r);
		assert_int_equal(r.status, 200);
		assert_header(&r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
		assert_string_equal(r.body, BODY);
		assert_int_equal(r.body_len, strlen(BODY));
	}
}

/* HEAD: the headers GET would send, Content-Length included, and no body. */
static void test_head_metrics(void **state)
{
	struct response r;
	char len[16];

	(void)state;
	request("HEAD", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", FSP_METRICS_CONTENT_TYPE);
	snprintf(len, sizeof(len), "%zu", strlen(BODY));
	assert_header(&r, "Content-Length", len);
	assert_int_equal(r.body_len, 0);
}

static void test_landing_page(void **state)
{
	struct response r;

	(void)state;
	request("GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/html; charset=utf-8");
	if (!strstr(r.body, "<a href=\"/metrics\">"))
		fail_msg("no link to /metrics in:\n%s", r.body);
}

static void test_not_found(void **state)
{
	struct response r;
	int before = __atomic_load_n(&srv.scrapes, __ATOMIC_SEQ_CST);

	(void)state;
	request("GET", "/nope", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, "404 not found\n");
	/* A prefix of the metrics path is not the metrics path. */
	request("GET", "/metric", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_int_equal(__atomic_load_n(&srv.scrapes, __ATOMIC_SEQ_CST), before);
}

static void test_method_not_allowed(void **state)
{
	struct response r;

	(void)state;
	request("POST", "/metrics", "x=1", &r);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD");
	request("DELETE", "/", NULL, &r);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD");
}

static void test_scrape_error(void **state)
{
	struct response r;
	char want[128];

	(void)state;
	__atomic_store_n(&srv.scrape_ret, -EIO, __ATOMIC_SEQ_CST);
	request("GET", "/metrics", NULL, &r);
	__atomic_store_n(&srv.scrape_ret, 0, __ATOMIC_SEQ_CST);
	assert_int_equal(r.status, 500);
	snprintf(want, sizeof(want), "500 cannot read the BPF maps: %s\n", strerror(EIO));
	assert_string_equal(r.body, want);
	/* And the next scrape is whole again. */
	request("GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, BODY);
}

static void test_start_errors(void **state)
{
	struct fsp_http *h = NULL;
	struct response r;

	(void)state;
	print_message("three refusals, logged by fsprobe, follow:\n");
	assert_int_equal(start(&h, srv.addr, "/metrics", NULL, 0), -EADDRINUSE);
	assert_null(h);
	assert_int_equal(start(&h, "127.0.0.1:0", "/metrics", NULL, 0), -EINVAL);
	assert_int_equal(start(&h, "127.0.0.1:1", "metrics", NULL, 0), -EINVAL);
	assert_null(h);
	/* The failed starts left the running server alone. */
	request("GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
}

/* ":port" is every address: IPv6 clients reach it as well as IPv4 ones. */
static void test_any_address(void **state)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct fsp_http *h = NULL;
	int fd, port, v4, v6;
	char addr[16];

	(void)state;
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&in6, sizeof(in6))) {
		print_message("no IPv6 loopback here: skipping\n");
		if (fd >= 0)
			close(fd);
		skip();
	}
	close(fd);
	port = free_port();
	assert_true(port > 0);
	snprintf(addr, sizeof(addr), ":%d", port);
	assert_int_equal(start(&h, addr, "/metrics", NULL, 0), 0);
	v4 = connect_loopback(AF_INET, port);
	v6 = connect_loopback(AF_INET6, port);
	if (v4 >= 0)
		close(v4);
	if (v6 >= 0)
		close(v6);
	fsp_http_stop(h);
	assert_true(v4 >= 0);
	if (v6 < 0)
		fail_msg("%s: no connection from [::1]", addr);
}

/* --- negotiation, as pure functions --- */

static void test_negotiate(void **state)
{
	static const struct {
		const char *accept;
		enum fsp_render_format want;
	} cases[] = {
		{ NULL, FSP_RENDER_TEXT },
		{ "", FSP_RENDER_TEXT },
		{ "*/*", FSP_RENDER_TEXT },
		{ "text/plain;version=0.0.4", FSP_RENDER_TEXT },
		{ PROMETHEUS_ACCEPT, FSP_RENDER_OPENMETRICS },
		{ "application/openmetrics-text", FSP_RENDER_OPENMETRICS },
		{ "Application/OpenMetrics-Text; version=1.0.0", FSP_RENDER_OPENMETRICS },
		{ "application/openmetrics-text;q=0", FSP_RENDER_TEXT },
		{ "application/openmetrics-text;q=0.5,text/plain;q=0.9", FSP_RENDER_TEXT },
		{ "text/plain;q=0.5, application/openmetrics-text;q=0.75", FSP_RENDER_OPENMETRICS },
		/* The most specific text range decides: text/plain's 0.1, not the 1 of any type. */
		{ "application/openmetrics-text;q=0.2,text/plain;q=0.1,*/*", FSP_RENDER_OPENMETRICS },
		{ "application/json", FSP_RENDER_TEXT },
		{ "application/openmetrics-textual", FSP_RENDER_TEXT },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (fsp_http_negotiate(cases[i].accept) != cases[i].want)
			fail_msg("Accept: %s: want %s", cases[i].accept ? cases[i].accept : "(none)",
				 cases[i].want == FSP_RENDER_TEXT ? "text" : "OpenMetrics");
}

static void test_accepts_gzip(void **state)
{
	static const struct {
		const char *enc;
		bool want;
	} cases[] = {
		{ NULL, false },	    { "", false },
		{ "gzip", true },	    { "deflate, gzip;q=1.0, *;q=0.5", true },
		{ "GZIP", true },	    { "gzip;q=0", false },
		{ "gzip; q=0.000", false }, { "gzip;q=0.001", true },
		{ "*", true },		    { "*;q=0", false },
		{ "br, *;q=0.1", true },    { "gzip;q=0, *", false },
		{ "identity", false },	    { "x-gzipped", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (fsp_http_accepts_gzip(cases[i].enc) != cases[i].want)
			fail_msg("Accept-Encoding: %s: want %d", cases[i].enc ? cases[i].enc : "(none)",
				 cases[i].want);
}

/* --- the same, served --- */

static void test_openmetrics_served(void **state)
{
	struct response r;

	(void)state;
	request_to(srv.port, "GET", "/metrics", "Accept: " PROMETHEUS_ACCEPT "\r\n", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", FSP_OPENMETRICS_CONTENT_TYPE);
	assert_header(&r, "Vary", "Accept, Accept-Encoding");
	assert_string_equal(r.body, BODY_OM);
	request_to(srv.port, "GET", "/metrics", "Accept: text/plain\r\n", NULL, &r);
	assert_header(&r, "Content-Type", FSP_METRICS_CONTENT_TYPE);
	assert_string_equal(r.body, BODY);
}

static void test_gzip_served(void **state)
{
	unsigned char plain[1024];
	struct response r;
	uLongf len = sizeof(plain);
	z_stream z = {};
	char val[64];

	(void)state;
	request_to(srv.port, "GET", "/metrics", "Accept-Encoding: gzip\r\n", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Encoding", "gzip");
	assert_header(&r, "Content-Type", FSP_METRICS_CONTENT_TYPE);
	assert_header(&r, "Vary", "Accept, Accept-Encoding");
	assert_true(r.body_len > 18 && (unsigned char)r.body[0] == 0x1f &&
		    (unsigned char)r.body[1] == 0x8b);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)r.body;
	z.avail_in = r.body_len;
	z.next_out = plain;
	z.avail_out = len;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, strlen(BODY));
	assert_memory_equal(plain, BODY, strlen(BODY));
	inflateEnd(&z);
	/* Not asked for: not compressed. */
	request_to(srv.port, "GET", "/metrics", "Accept-Encoding: gzip;q=0\r\n", NULL, &r);
	assert_null(header(&r, "Content-Encoding", val, sizeof(val)));
	assert_string_equal(r.body, BODY);
}

/* --- basic auth from a web config file, over plain HTTP --- */

static void test_basic_auth(void **state)
{
	char cfg[64], text[256], setting[64], addr[32], auth[128];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	struct fsp_http *h = NULL;
	const char *hash;
	struct response r;
	int fd, port;

	(void)state;
	assert_non_null(cd);
	/* Cost 4: the cheapest bcrypt, so the test is quick. */
	assert_non_null(crypt_gensalt_rn("$2y$", 4, NULL, 0, setting, sizeof(setting)));
	hash = crypt_r("s3cret", setting, cd);
	assert_true(hash && hash[0] == '$');
	snprintf(text, sizeof(text), "basic_auth_users:\n  prom: %s\n", hash);
	fd = testutil_tmpfile(cfg, sizeof(cfg), text, strlen(text));
	assert_true(fd >= 0);
	close(fd);
	port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	assert_int_equal(start(&h, addr, "/metrics", cfg, 0), 0);
	unlink(cfg);

	request_to(port, "GET", "/metrics", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	assert_header(&r, "WWW-Authenticate", "Basic realm=\"fsprobe\"");
	/* prom:wrong, nobody:s3cret, then prom:s3cret twice (the second from the cache). */
	request_to(port, "GET", "/metrics", "Authorization: Basic cHJvbTp3cm9uZw==\r\n", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_header(&r, "WWW-Authenticate", "Basic realm=\"fsprobe\"");
	request_to(port, "GET", "/metrics", "Authorization: Basic bm9ib2R5OnMzY3JldA==\r\n", NULL,
		   &r);
	assert_int_equal(r.status, 401);
	snprintf(auth, sizeof(auth), "Authorization: Basic cHJvbTpzM2NyZXQ=\r\n");
	request_to(port, "GET", "/metrics", auth, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, BODY);
	request_to(port, "GET", "/", auth, NULL, &r);
	assert_int_equal(r.status, 200);
	/* Every path is behind it, 404s included. */
	request_to(port, "GET", "/nope", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	fsp_http_stop(h);
	free(cd);
}

/* --- connection limits --- */

/* A socket from src (an address in 127.0.0.0/8) connected to 127.0.0.1:port. */
static int connect_from(const char *src, int port)
{
	struct sockaddr_in from = { .sin_family = AF_INET }, to = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, src, &from.sin_addr);
	to.sin_port = htons(port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&from, sizeof(from)) ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Two idle connections from 127.0.0.1 fill its share (--web.max-connections-per-ip 2): a third
 * is closed at once, while 127.0.0.2 is still served.
 */
static void test_per_ip_limit(void **state)
{
	struct fsp_http *h = NULL;
	int idle[2], third, other, port, i;
	char addr[32], buf[256];
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	ssize_t n;

	(void)state;
	port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	assert_int_equal(start(&h, addr, "/metrics", NULL, 2), 0);
	for (i = 0; i < 2; i++) {
		idle[i] = connect_from("127.0.0.1", port);
		assert_true(idle[i] >= 0);
		assert_int_equal(write(idle[i], "GET /me", 7), 7);
	}
	usleep(200 * 1000); /* both accepted */
	third = connect_from("127.0.0.1", port);
	assert_true(third >= 0);
	n = write(third, req, strlen(req));
	(void)n;
	n = read(third, buf, sizeof(buf));
	assert_true(n <= 0); /* closed or reset, never answered */
	other = connect_from("127.0.0.2", port);
	assert_true(other >= 0);
	assert_int_equal(write(other, req, strlen(req)), (ssize_t)strlen(req));
	n = read(other, buf, sizeof(buf) - 1);
	assert_true(n > 12);
	buf[n] = '\0';
	assert_true(!strncmp(buf, "HTTP/1.1 200", 12));
	close(third);
	close(other);
	for (i = 0; i < 2; i++)
		close(idle[i]);
	fsp_http_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_metrics),
		cmocka_unit_test(test_head_metrics),
		cmocka_unit_test(test_landing_page),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_scrape_error),
		cmocka_unit_test(test_start_errors),
		cmocka_unit_test(test_any_address),
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_accepts_gzip),
		cmocka_unit_test(test_openmetrics_served),
		cmocka_unit_test(test_gzip_served),
		cmocka_unit_test(test_basic_auth),
		cmocka_unit_test(test_per_ip_limit),
	};

	/* cmocka 1.1.5 leaves the group name out of its standard output. */
	print_message("[==========] group: http_server\n");
	return cmocka_run_group_tests_name("http_server", tests, start_server, stop_server);
}
