// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The exporter's HTTP side: /metrics, a landing page, 404 and 405. */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include "http.h"
#include "log.h"
#include "render.h"

struct fsp_http {
	struct MHD_Daemon *daemon;
	int fd;
	char path[256];
	fsp_http_scrape_fn scrape;
	int last_err; /* the last scrape's error, so a failing scrape logs once */
	void *ctx;
	struct fsp_buf body; /* reused: MHD runs handlers on one thread */
};

static int parse_addr(const char *addr, int ai_flags, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV | ai_flags };
	char host[256];
	const char *colon = strrchr(addr, ':'), *port;
	struct addrinfo *res;
	size_t hl;
	char *end;
	long p;

	if (!colon)
		return -EINVAL;
	port = colon + 1;
	p = strtol(port, &end, 10);
	/* Digits only: strtol would also take " 80" and "+80". */
	if (!isdigit((unsigned char)*port) || *end || p < 1 || p > 65535)
		return -EINVAL;
	hl = colon - addr;
	if (hl && addr[0] == '[') {
		if (addr[hl - 1] != ']')
			return -EINVAL;
		addr++, hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	/* ":PORT" means every address: "::" with IPV6_V6ONLY off takes IPv4 too. */
	if (!hl)
		hints.ai_family = AF_INET6;
	if (getaddrinfo(hl ? host : NULL, port, &hints, &res)) {
		hints.ai_family = AF_UNSPEC;
		if (hl || getaddrinfo(NULL, port, &hints, &res))
			return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int fsp_http_parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	return parse_addr(addr, 0, ss, len);
}

int fsp_http_parse_numeric_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	return parse_addr(addr, AI_NUMERICHOST, ss, len);
}

int fsp_http_check_listen(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (!fsp_http_parse_addr(addr, &ss, &len))
		return 0;
	fsp_log_error("--web.listen-address '%s': expected HOST:PORT, [IPV6]:PORT or :PORT", addr);
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **req_cls)
{
	struct fsp_http *h = cls;
	char page[1024];
	int n, err;

	(void)version, (void)upload_data, (void)upload_size, (void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
			     "405 method not allowed\n", 23);
	if (!strcmp(url, h->path)) {
		fsp_buf_reset(&h->body);
		err = h->scrape(h->ctx, &h->body);
		if (err) {
			n = snprintf(page, sizeof(page), "500 cannot read the BPF maps: %s\n",
				     strerror(-err));
			/* Said once per kind of failure, not at every scrape. */
			if (err != h->last_err)
				fsp_log_error("scrape failed: cannot read the BPF maps: %s (rerun "
					      "with --verbose for libbpf's detail)", strerror(-err));
			h->last_err = err;
			return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "text/plain; charset=utf-8", page, n);
		}
		return reply(conn, MHD_HTTP_OK, FSP_METRICS_CONTENT_TYPE, h->body.data,
			     h->body.len);
	}
	if (!strcmp(url, "/")) {
		n = snprintf(page, sizeof(page),
			     "<!DOCTYPE html>\n<html><head><title>fsprobe</title></head><body>\n"
			     "<h1>fsprobe</h1>\n<p>Feature cache hits and misses, observed with "
			     "uprobes.</p>\n<p><a href=\"%s\">Metrics</a></p>\n</body></html>\n",
			     h->path);
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page, n);
	}
	return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "404 not found\n", 14);
}

int fsp_http_start(struct fsp_http **out, const char *listen_addr, const char *path,
		   fsp_http_scrape_fn scrape, void *ctx)
{
	struct sockaddr_storage ss;
	struct fsp_http *h;
	socklen_t len;
	int one = 1, zero = 0, err;

	if (path[0] != '/' || strlen(path) >= sizeof(h->path)) {
		fsp_log_error("--web.telemetry-path '%s': must start with '/'", path);
		return -EINVAL;
	}
	if (fsp_http_parse_addr(listen_addr, &ss, &len))
		return fsp_http_check_listen(listen_addr);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	snprintf(h->path, sizeof(h->path), "%s", path);
	h->scrape = scrape;
	h->ctx = ctx;
	/* Bind ourselves: MHD would not tell us why a bind failed. */
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd >= 0 && ss.ss_family == AF_INET6)
		setsockopt(h->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(h->fd, (struct sockaddr *)&ss, len) || listen(h->fd, 64)) {
		err = -errno;
		fsp_log_error("cannot listen on %s: %s%s", listen_addr, strerror(-err),
			      err == -EADDRINUSE ? " (is another fsprobe running? pick another "
						   "port with --web.listen-address)" : "");
		goto close_fd;
	}
	h->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
				     NULL, handle, h, MHD_OPTION_LISTEN_SOCKET, h->fd,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				     MHD_OPTION_END);
	if (!h->daemon) {
		err = -EIO;
		fsp_log_error("cannot start the HTTP server on %s", listen_addr);
		goto close_fd;
	}
	*out = h;
	return 0;

close_fd:
	if (h->fd >= 0)
		close(h->fd);
	free(h);
	return err;
}

void fsp_http_stop(struct fsp_http *h)
{
	if (!h)
		return;
	/* MHD owns the listen socket once started, and closes it here. */
	MHD_stop_daemon(h->daemon);
	fsp_buf_free(&h->body);
	free(h);
}
