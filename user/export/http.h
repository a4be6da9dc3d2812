/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_HTTP_H
#define FSP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include "buf.h"
#include "render.h"

/* Fills out with the metrics in fmt; returns 0 or a negative errno (served as 500). */
typedef int (*fsp_http_scrape_fn)(void *ctx, enum fsp_render_format fmt, struct fsp_buf *out);

struct fsp_http;

#define FSP_HTTP_DEFAULT_LISTEN           "127.0.0.1:9477"
#define FSP_HTTP_DEFAULT_PATH             "/metrics"
#define FSP_HTTP_DEFAULT_MAX_CONNS        512
#define FSP_HTTP_DEFAULT_MAX_CONNS_PER_IP 16
/* A connection has this long to send a request's headers, from its start or its last reply. */
#define FSP_HTTP_HEADER_TIMEOUT_S         10

struct fsp_http_opts {
	const char *listen;     /* "host:port", "[v6]:port" or ":port" */
	const char *path;       /* the metrics path */
	const char *web_config; /* --web.config.file, or NULL: plain HTTP, no authentication */
	unsigned int max_conns;        /* 0: FSP_HTTP_DEFAULT_MAX_CONNS */
	unsigned int max_conns_per_ip; /* 0: FSP_HTTP_DEFAULT_MAX_CONNS_PER_IP */
};

/* "host:port", "[v6]:port" or ":port" (every address). A host name is resolved (getaddrinfo). */
int fsp_http_parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len);
/*
 * The same for numeric hosts only (AI_NUMERICHOST): never asks a resolver, so the fuzz target
 * (tests/fuzz/fuzz_listen_addr.c) cannot send a DNS query whatever it tries.
 */
int fsp_http_parse_numeric_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len);
/* The same, logging the one error line for --web.listen-address when addr is not one. */
int fsp_http_check_listen(const char *addr);
/*
 * The URL to paste for path on listen, into buf, with scheme ("http" or "https"): a host that
 * means every address (":PORT", "0.0.0.0", "[::]") is shown as 127.0.0.1, which those include.
 * Returns 1 for every address.
 */
int fsp_http_url(const char *scheme, const char *listen, const char *path, char *buf,
		 size_t len);
/*
 * Binds and serves from its own thread; logs a one-line reason on failure. Raises the soft
 * open-file limit to the hard one, and serves fewer connections than asked if it must.
 */
int fsp_http_start(struct fsp_http **out, const struct fsp_http_opts *o,
		   fsp_http_scrape_fn scrape, void *ctx);
void fsp_http_stop(struct fsp_http *h);
/* "https" when --web.config.file has TLS, else "http". */
const char *fsp_http_scheme(const struct fsp_http *h);

/* What an Accept header asks for: OpenMetrics only when it prefers it to the text format. */
enum fsp_render_format fsp_http_negotiate(const char *accept);
/* Whether an Accept-Encoding header takes gzip. */
bool fsp_http_accepts_gzip(const char *accept_encoding);

#endif
