// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's HTTP side: /metrics, a landing page, 404 and 405; TLS and basic auth from
 * --web.config.file; OpenMetrics and gzip by negotiation.
 *
 * Abuse: one epoll thread serves every connection; the connection limits, global and per
 * address, keep one client from taking every slot; a connection has FSP_HTTP_HEADER_TIMEOUT_S
 * to send a request's headers (libmicrohttpd's own timeout is only an idle one, which a client
 * sending a byte a second never reaches, so a watchdog shuts such connections down); and
 * libmicrohttpd's messages, one per refused connection, are rate-limited.
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <crypt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <zlib.h>
#include "http.h"
#include "log.h"
#include "webconfig.h"

#define LISTEN_BACKLOG   4096       /* the kernel caps it at net.core.somaxconn */
#define FD_RESERVE       128        /* descriptors kept for BPF, perf events and files */
#define CONN_MEMORY      (32 * 1024) /* libmicrohttpd's pool per connection: its default */
#define LOG_BURST        5          /* libmicrohttpd messages said at once, */
#define LOG_EVERY_MS     60000      /* then one a minute */
#define BCRYPT_BURST     4          /* password checks at once, */
#define BCRYPT_EVERY_MS  500        /* then two a second */
#define GZIP_LEVEL       1          /* zlib's fastest: 11x on 10,000 symbols (performance.md) */
#define REALM            "fsprobe"

/* A connection waiting for a request's headers since since_ms (0: a request is being served). */
struct conn {
	struct conn *prev, *next;
	int fd;
	unsigned long long since_ms;
};

/* A token bucket: burst at once, then one every every_ms. */
struct bucket {
	double tokens;
	unsigned long long at_ms;
};

/* The last password each user logged in with, as an HMAC under a key of this run. */
struct auth_cache {
	unsigned char digest[32];
	int valid;
};

struct fsp_http {
	struct MHD_Daemon *daemon;
	int fd;
	char path[256];
	fsp_http_scrape_fn scrape;
	int last_err; /* the last scrape's error, so a failing scrape logs once */
	void *ctx;
	/* Reused: MHD runs handlers on its one thread. */
	struct fsp_buf body;
	unsigned char *gz;
	size_t gz_cap;

	struct fsp_webconfig web;
	struct crypt_data *crypt;
	unsigned char hmac_key[32];
	struct auth_cache *auth;
	struct bucket bcrypt;

	pthread_mutex_t lock; /* conns, stopping, the log bucket */
	pthread_cond_t wake;
	pthread_t watchdog;
	int watchdog_started;
	int stopping;
	struct conn conns; /* list head */
	struct bucket log;
	unsigned long log_dropped;
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Takes a token if there is one; the bucket starts full. */
static int take(struct bucket *b, double burst, unsigned long long every_ms)
{
	unsigned long long now = now_ms();

	if (!b->at_ms)
		b->tokens = burst;
	else
		b->tokens += (double)(now - b->at_ms) / every_ms;
	if (b->tokens > burst)
		b->tokens = burst;
	b->at_ms = now;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

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

int fsp_http_url(const char *scheme, const char *listen, const char *path, char *buf,
		 size_t len)
{
	static const char *const every[] = { "", "0.0.0.0", "[::]" };
	const char *colon = strrchr(listen, ':');
	size_t i, hl = colon ? (size_t)(colon - listen) : 0;

	for (i = 0; colon && i < sizeof(every) / sizeof(every[0]); i++) {
		if (strlen(every[i]) == hl && !strncmp(listen, every[i], hl)) {
			snprintf(buf, len, "%s://127.0.0.1%s%s", scheme, colon, path);
			return 1;
		}
	}
	snprintf(buf, len, "%s://%s%s", scheme, listen, path);
	return 0;
}

/* --- negotiation --- */

/*
 * The q value, in thousandths, that a header such as Accept gives to token (a media range or
 * a coding, compared without case), or -1 when no element names it.
 */
static int header_q(const char *header, const char *token)
{
	size_t tl = strlen(token), n;
	const char *p = header, *e, *q;
	int best = -1, v, i;

	while (p && *p) {
		p += strspn(p, " \t,");
		e = p + strcspn(p, ",");
		n = strcspn(p, ";, \t");
		if (n == tl && !strncasecmp(p, token, tl)) {
			v = 1000;
			for (q = p + n; q < e && (q = memchr(q, ';', e - q)); q++) {
				q += 1 + strspn(q + 1, " \t");
				if ((q[0] != 'q' && q[0] != 'Q') || q[1] != '=')
					continue;
				q += 2;
				if (*q == '1') {
					v = 1000;
					break;
				}
				v = 0;
				if (*q++ != '0' || *q != '.')
					break;
				for (i = 0, q++; i < 3; i++)
					v = v * 10 + (isdigit((unsigned char)*q) ? *q++ - '0' : 0);
				break;
			}
			if (v > best)
				best = v;
		}
		p = *e ? e + 1 : e;
	}
	return best;
}

enum fsp_render_format fsp_http_negotiate(const char *accept)
{
	static const char *const text[] = { "text/plain", "text/*", "*/*" };
	int om, t = -1;
	size_t i;

	if (!accept)
		return FSP_RENDER_TEXT;
	om = header_q(accept, "application/openmetrics-text");
	/* The text format's q is its most specific range's. */
	for (i = 0; i < sizeof(text) / sizeof(text[0]) && t < 0; i++)
		t = header_q(accept, text[i]);
	return om > 0 && om >= t ? FSP_RENDER_OPENMETRICS : FSP_RENDER_TEXT;
}

bool fsp_http_accepts_gzip(const char *accept_encoding)
{
	int q;

	if (!accept_encoding)
		return false;
	q = header_q(accept_encoding, "gzip");
	if (q < 0)
		q = header_q(accept_encoding, "*");
	return q > 0;
}

/* Compresses in into h->gz; returns the length, or a negative errno. */
static long gzip(struct fsp_http *h, const char *in, size_t len)
{
	z_stream z = {};
	unsigned char *p;
	size_t bound;
	long ret;

	if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	bound = deflateBound(&z, len) + 32;
	if (bound > h->gz_cap) {
		p = realloc(h->gz, bound);
		if (!p) {
			ret = -ENOMEM;
			goto end;
		}
		h->gz = p;
		h->gz_cap = bound;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = len;
	z.next_out = h->gz;
	z.avail_out = h->gz_cap;
	ret = deflate(&z, Z_FINISH) == Z_STREAM_END ? (long)z.total_out : -EIO;
end:
	deflateEnd(&z);
	return ret;
}

/* --- libmicrohttpd's messages, rate-limited --- */

static void say_dropped(struct fsp_http *h)
{
	if (h->log_dropped)
		fsp_log_info("http: %lu more messages of the HTTP server were not logged",
			     h->log_dropped);
	h->log_dropped = 0;
}

static void vlog_limited(struct fsp_http *h, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	pthread_mutex_lock(&h->lock);
	if (fsp_log_verbose() || take(&h->log, LOG_BURST, LOG_EVERY_MS)) {
		fsp_log_info("http: %s", msg);
		say_dropped(h);
	} else {
		h->log_dropped++;
	}
	pthread_mutex_unlock(&h->lock);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	vlog_limited(cls, fmt, ap);
}

__attribute__((format(printf, 2, 3)))
static void log_limited(struct fsp_http *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_limited(h, fmt, ap);
	va_end(ap);
}

/* --- the header deadline --- */

static void *watchdog(void *arg)
{
	struct fsp_http *h = arg;
	unsigned long long now;
	struct timespec until;
	struct conn *c;

	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&h->wake, &h->lock, &until);
		now = now_ms();
		/*
		 * Still libmicrohttpd's socket: it closes one only after telling on_connection,
		 * which waits for this lock. shutdown() makes it see the end and clean up.
		 */
		for (c = h->conns.next; c != &h->conns; c = c->next) {
			if (c->fd >= 0 && c->since_ms &&
			    now - c->since_ms >= FSP_HTTP_HEADER_TIMEOUT_S * 1000ULL) {
				shutdown(c->fd, SHUT_RDWR);
				c->since_ms = 0;
			}
		}
		if (h->log_dropped && take(&h->log, LOG_BURST, LOG_EVERY_MS))
			say_dropped(h);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static struct conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void set_since(struct fsp_http *h, struct MHD_Connection *conn, unsigned long long ms)
{
	struct conn *c = conn_of(conn);

	if (!c)
		return;
	pthread_mutex_lock(&h->lock);
	c->since_ms = ms;
	pthread_mutex_unlock(&h->lock);
}

/* What the client must show of a certificate, set on each TLS session before its handshake. */
static void tls_client_auth(struct fsp_http *h, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	gnutls_session_t s;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return;
	s = ci->tls_session;
	switch (h->web.client_auth) {
	case FSP_CLIENT_NO_CERT:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_IGNORE);
		break;
	case FSP_CLIENT_REQUEST:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
		break;
	case FSP_CLIENT_REQUIRE_ANY:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
		break;
	case FSP_CLIENT_VERIFY_IF_GIVEN:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
		gnutls_session_set_verify_cert(s, NULL, 0);
		break;
	case FSP_CLIENT_REQUIRE_AND_VERIFY:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_cert(s, NULL, 0);
		break;
	}
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci;
	struct fsp_http *h = cls;
	struct conn *c = *socket_ctx;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		if (h->web.tls)
			tls_client_auth(h, conn);
		c = calloc(1, sizeof(*c));
		if (!c)
			return; /* served all the same, without a header deadline */
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		c->fd = ci ? ci->connect_fd : -1;
		c->since_ms = now_ms();
		pthread_mutex_lock(&h->lock);
		c->next = h->conns.next;
		c->prev = &h->conns;
		h->conns.next->prev = c;
		h->conns.next = c;
		pthread_mutex_unlock(&h->lock);
		*socket_ctx = c;
		return;
	}
	if (!c)
		return;
	pthread_mutex_lock(&h->lock);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	pthread_mutex_unlock(&h->lock);
	free(c);
	*socket_ctx = NULL;
}

/* A request is over: on a kept-alive connection the next one's headers are due in time. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_ctx,
			 enum MHD_RequestTerminationCode toe)
{
	(void)req_ctx, (void)toe;
	set_since(cls, conn, now_ms());
}

/* --- authentication --- */

static int equal_ct(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return !d;
}

static int check_password(struct fsp_http *h, const char *user, const char *pass)
{
	unsigned char digest[32];
	gnutls_hmac_hd_t mac;
	const char *hash, *out;
	size_t i, u;

	for (u = 0; u < h->web.nusers && strcmp(h->web.users[u].name, user); u++)
		;
	if (gnutls_hmac_init(&mac, GNUTLS_MAC_SHA256, h->hmac_key, sizeof(h->hmac_key)))
		return 0;
	gnutls_hmac(mac, user, strlen(user) + 1);
	gnutls_hmac(mac, pass, strlen(pass));
	gnutls_hmac_deinit(mac, digest);
	/* Prometheus sends the same password every scrape: one bcrypt, then this. */
	if (u < h->web.nusers && h->auth[u].valid &&
	    equal_ct(digest, h->auth[u].digest, sizeof(digest)))
		return 1;
	/* bcrypt takes about 0.1 s of the one HTTP thread: a guesser gets a few a second. */
	pthread_mutex_lock(&h->lock);
	i = take(&h->bcrypt, BCRYPT_BURST, BCRYPT_EVERY_MS);
	pthread_mutex_unlock(&h->lock);
	if (!i) {
		log_limited(h, "too many wrong passwords: checking at most 2 a second");
		return 0;
	}
	/* An unknown user costs the same bcrypt, so the time does not tell who exists. */
	hash = h->web.users[u < h->web.nusers ? u : 0].hash;
	out = crypt_r(pass, hash, h->crypt);
	if (u == h->web.nusers || !out || strlen(out) != strlen(hash) ||
	    !equal_ct(out, hash, strlen(hash)))
		return 0;
	memcpy(h->auth[u].digest, digest, sizeof(digest));
	h->auth[u].valid = 1;
	return 1;
}

static int authorized(struct fsp_http *h, struct MHD_Connection *conn)
{
	char *user, *pass = NULL;
	int ok;

	if (!h->web.nusers)
		return 1;
	user = MHD_basic_auth_get_username_password(conn, &pass);
	ok = user && pass && check_password(h, user, pass);
	if (pass)
		explicit_bzero(pass, strlen(pass));
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

/*
 * GnuTLS checked the certificate in the handshake (tls_client_auth); this is the same rule
 * again, so a library that skipped it still does not serve.
 */
static int client_cert_ok(struct fsp_http *h, struct MHD_Connection *conn)
{
	enum fsp_client_auth a = h->web.client_auth;
	const union MHD_ConnectionInfo *ci;
	unsigned int n = 0, status = 0;
	gnutls_session_t s;

	if (!h->web.tls || a == FSP_CLIENT_NO_CERT || a == FSP_CLIENT_REQUEST)
		return 1;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return 0;
	s = ci->tls_session;
	if (!gnutls_certificate_get_peers(s, &n) || !n)
		return a == FSP_CLIENT_VERIFY_IF_GIVEN;
	if (a == FSP_CLIENT_REQUIRE_ANY)
		return 1;
	return !gnutls_certificate_verify_peers2(s, &status) && !status;
}

/* --- requests --- */

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned int status, const char *type,
			     const void *body, size_t len, int vary, const char *encoding)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (vary)
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	if (encoding)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding);
	if (status == MHD_HTTP_UNAUTHORIZED)
		ret = MHD_queue_basic_auth_fail_response(conn, REALM, r);
	else
		ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     const char *body, size_t len)
{
	return queue(conn, status, type, body, len, 0, NULL);
}

static enum MHD_Result metrics(struct fsp_http *h, struct MHD_Connection *conn)
{
	const char *accept, *encoding;
	enum fsp_render_format fmt;
	char page[256];
	long glen;
	int n, err;

	accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	encoding = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					       MHD_HTTP_HEADER_ACCEPT_ENCODING);
	fmt = fsp_http_negotiate(accept);
	fsp_buf_reset(&h->body);
	err = h->scrape(h->ctx, fmt, &h->body);
	if (err) {
		n = snprintf(page, sizeof(page), "500 cannot read the BPF maps: %s\n",
			     strerror(-err));
		/* Said once per kind of failure, not at every scrape. */
		if (err != h->last_err)
			fsp_log_error("scrape failed: cannot read the BPF maps: %s (rerun "
				      "with --verbose for libbpf's detail)", strerror(-err));
		h->last_err = err;
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
			     page, n);
	}
	if (fsp_http_accepts_gzip(encoding)) {
		glen = gzip(h, h->body.data ? h->body.data : "", h->body.len);
		if (glen >= 0)
			return queue(conn, MHD_HTTP_OK, fsp_render_content_type(fmt), h->gz, glen,
				     1, "gzip");
	}
	return queue(conn, MHD_HTTP_OK, fsp_render_content_type(fmt), h->body.data, h->body.len,
		     1, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **req_cls)
{
	struct fsp_http *h = cls;
	char page[1024];
	int n;

	(void)version, (void)upload_data, (void)upload_size, (void)req_cls;
	/* The headers are in: no deadline while this request is served. */
	set_since(h, conn, 0);
	if (!client_cert_ok(h, conn))
		return reply(conn, MHD_HTTP_FORBIDDEN, "text/plain; charset=utf-8",
			     "403 client certificate required\n", 32);
	if (!authorized(h, conn))
		return reply(conn, MHD_HTTP_UNAUTHORIZED, "text/plain; charset=utf-8",
			     "401 unauthorized\n", 17);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
			     "405 method not allowed\n", 23);
	if (!strcmp(url, h->path))
		return metrics(h, conn);
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

/* --- start and stop --- */

/* Raises the soft open-file limit to the hard one; returns how many connections fit under it. */
static unsigned int fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return ~0U;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > ~0U)
		return ~0U;
	return rl.rlim_cur > 2 * FD_RESERVE ? (unsigned int)rl.rlim_cur - FD_RESERVE :
					      (unsigned int)rl.rlim_cur / 2;
}

/* GnuTLS priorities for min_version..max_version. */
static void priorities(const struct fsp_webconfig *w, char *out, size_t len)
{
	static const char *const vers[] = { "+VERS-TLS1.0", "+VERS-TLS1.1", "+VERS-TLS1.2",
					    "+VERS-TLS1.3" };
	size_t n;
	int v;

	n = snprintf(out, len, "NORMAL:-VERS-ALL");
	for (v = w->max_version; v >= w->min_version && n < len; v--)
		n += snprintf(out + n, len - n, ":%s", vers[v]);
}

static int load_web_config(struct fsp_http *h, const char *path)
{
	size_t n;

	if (!path || !*path)
		return 0;
	if (fsp_webconfig_load(path, &h->web))
		return -EINVAL;
	n = h->web.nusers;
	if (!n)
		return 0;
	h->crypt = calloc(1, sizeof(*h->crypt));
	h->auth = calloc(n, sizeof(*h->auth));
	if (!h->crypt || !h->auth)
		return -ENOMEM;
	return gnutls_rnd(GNUTLS_RND_KEY, h->hmac_key, sizeof(h->hmac_key)) ? -EIO : 0;
}

int fsp_http_start(struct fsp_http **out, const struct fsp_http_opts *o,
		   fsp_http_scrape_fn scrape, void *ctx)
{
	unsigned int max_conns = o->max_conns ? o->max_conns : FSP_HTTP_DEFAULT_MAX_CONNS;
	unsigned int per_ip = o->max_conns_per_ip ? o->max_conns_per_ip :
						    FSP_HTTP_DEFAULT_MAX_CONNS_PER_IP;
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, budget;
	struct MHD_OptionItem tls[5] = {};
	pthread_condattr_t ca;
	struct sockaddr_storage ss;
	struct fsp_http *h;
	char prio[128];
	socklen_t len;
	int one = 1, zero = 0, err, i = 0;

	if (o->path[0] != '/' || strlen(o->path) >= sizeof(h->path)) {
		fsp_log_error("--web.telemetry-path '%s': must start with '/'", o->path);
		return -EINVAL;
	}
	if (fsp_http_parse_addr(o->listen, &ss, &len))
		return fsp_http_check_listen(o->listen);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = -1;
	h->conns.next = h->conns.prev = &h->conns;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &ca);
	pthread_condattr_destroy(&ca);
	snprintf(h->path, sizeof(h->path), "%s", o->path);
	h->scrape = scrape;
	h->ctx = ctx;
	err = load_web_config(h, o->web_config);
	if (err)
		goto fail;
	if (h->web.tls) {
		flags |= MHD_USE_TLS;
		priorities(&h->web, prio, sizeof(prio));
		tls[i++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, h->web.cert_pem };
		tls[i++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, h->web.key_pem };
		tls[i++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, prio };
		if (h->web.client_ca_pem)
			tls[i++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0,
							    h->web.client_ca_pem };
	}
	tls[i] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	budget = fd_budget();
	if (max_conns > budget) {
		fsp_log_info("http: serving at most %u connections at once, what the open-file "
			     "limit leaves", budget);
		max_conns = budget;
	}
	if (per_ip > max_conns)
		per_ip = max_conns;

	/* Bind ourselves: MHD would not tell us why a bind failed. */
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd >= 0 && ss.ss_family == AF_INET6)
		setsockopt(h->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(h->fd, (struct sockaddr *)&ss, len) || listen(h->fd, LISTEN_BACKLOG)) {
		err = -errno;
		fsp_log_error("cannot listen on %s: %s%s", o->listen, strerror(-err),
			      err == -EADDRINUSE ? " (is another fsprobe running? pick another "
						   "port with --web.listen-address)" : "");
		goto fail;
	}
	/* The logger first, so that MHD says nothing on its own. */
	h->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, handle, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		MHD_OPTION_LISTEN_SOCKET, h->fd,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)FSP_HTTP_HEADER_TIMEOUT_S,
		MHD_OPTION_CONNECTION_LIMIT, max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_ARRAY, tls,
		MHD_OPTION_END);
	if (!h->daemon) {
		err = -EIO;
		fsp_log_error("cannot start the HTTP server on %s", o->listen);
		goto fail;
	}
	h->fd = -1; /* MHD's now: it closes the socket when it stops */
	err = -pthread_create(&h->watchdog, NULL, watchdog, h);
	if (err) {
		fsp_log_error("cannot start the HTTP watchdog: %s", strerror(-err));
		goto fail;
	}
	h->watchdog_started = 1;
	*out = h;
	return 0;

fail:
	fsp_http_stop(h);
	return err;
}

const char *fsp_http_scheme(const struct fsp_http *h)
{
	return h->web.tls ? "https" : "http";
}

void fsp_http_stop(struct fsp_http *h)
{
	struct conn *c, *next;

	if (!h)
		return;
	if (h->watchdog_started) {
		pthread_mutex_lock(&h->lock);
		h->stopping = 1;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->watchdog, NULL);
	}
	/* MHD owns the listen socket once started, and closes it here. */
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	if (h->fd >= 0)
		close(h->fd);
	for (c = h->conns.next; c != &h->conns; c = next) {
		next = c->next;
		free(c);
	}
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	fsp_webconfig_free(&h->web);
	free(h->crypt);
	free(h->auth);
	free(h->gz);
	fsp_buf_free(&h->body);
	explicit_bzero(h->hmac_key, sizeof(h->hmac_key));
	free(h);
}
