/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_HTTP_H
#define FSP_HTTP_H

#include <stddef.h>
#include <sys/socket.h>
#include "buf.h"

/* Fills out with the metrics text; returns 0 or a negative errno (served as 500). */
typedef int (*fsp_http_scrape_fn)(void *ctx, struct fsp_buf *out);

struct fsp_http;

#define FSP_HTTP_DEFAULT_LISTEN "127.0.0.1:9477"
#define FSP_HTTP_DEFAULT_PATH   "/metrics"

/* "host:port", "[v6]:port" or ":port" (every address). A host name is resolved (getaddrinfo). */
int fsp_http_parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len);
/*
 * The same for numeric hosts only (AI_NUMERICHOST): never asks a resolver, so the fuzz target
 * (tests/fuzz/fuzz_listen_addr.c) cannot send a DNS query whatever it tries.
 */
int fsp_http_parse_numeric_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len);
/* The same, logging the one error line for --web.listen-address when addr is not one. */
int fsp_http_check_listen(const char *addr);
/* Binds and serves from its own thread; logs a one-line reason on failure. */
int fsp_http_start(struct fsp_http **out, const char *listen, const char *path,
		   fsp_http_scrape_fn scrape, void *ctx);
void fsp_http_stop(struct fsp_http *h);

#endif
