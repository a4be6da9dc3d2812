// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --web.config.file: the exporter-toolkit web configuration, parsed with libyaml. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <yaml.h>
#include "log.h"
#include "webconfig.h"

#define MAX_FILE_SIZE (1 << 20)

struct parser {
	yaml_document_t *doc;
	const char *dir;
	struct fsp_webconfig *c;
	struct fsp_webconfig_error *err;
};

static const char *const client_auth_names[] = {
	[FSP_CLIENT_NO_CERT] = "NoClientCert",
	[FSP_CLIENT_REQUEST] = "RequestClientCert",
	[FSP_CLIENT_REQUIRE_ANY] = "RequireAnyClientCert",
	[FSP_CLIENT_VERIFY_IF_GIVEN] = "VerifyClientCertIfGiven",
	[FSP_CLIENT_REQUIRE_AND_VERIFY] = "RequireAndVerifyClientCert",
};

static const char *const tls_version_names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };

/* The exporter-toolkit's keys that fsprobe does not implement: refused by name. */
static const char *const unsupported_tls_keys[] = {
	"cert", "key", "client_allowed_sans", "cipher_suites", "curve_preferences",
	"prefer_server_cipher_suites",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void set_error(struct fsp_webconfig_error *err, int line, int column, const char *fmt,
		      va_list ap)
{
	err->line = line;
	err->column = column;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

__attribute__((format(printf, 3, 4)))
static int fail(struct parser *ps, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(ps->err, (int)at->start_mark.line + 1, (int)at->start_mark.column + 1, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* YAML's null: nothing, ~ or null, unquoted. */
static int is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = scalar(n);
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/* A non-empty string without NUL bytes. */
static int string(struct parser *ps, const yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return fail(ps, n, "%s: expected a string", key);
	if (strlen(scalar(n)) != n->data.scalar.length)
		return fail(ps, n, "%s: NUL byte in the value", key);
	*out = scalar(n);
	return 0;
}

static int one_of(struct parser *ps, const yaml_node_t *n, const char *key,
		  const char *const *names, size_t count, int *out)
{
	const char *v;
	size_t i;
	int err;

	err = string(ps, n, key, &v);
	if (err)
		return err;
	for (i = 0; i < count; i++) {
		if (!strcmp(v, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	if (count == ARRAY_LEN(tls_version_names))
		return fail(ps, n, "%s: expected TLS10, TLS11, TLS12 or TLS13, got '%s'", key, v);
	return fail(ps, n, "%s: expected NoClientCert, RequestClientCert, RequireAnyClientCert, "
		    "VerifyClientCertIfGiven or RequireAndVerifyClientCert, got '%s'", key, v);
}

/* A file name, relative to the configuration's folder unless absolute. */
static int path(struct parser *ps, const yaml_node_t *n, const char *key, char **out)
{
	const char *v;
	int err;

	err = string(ps, n, key, &v);
	if (err)
		return err;
	free(*out);
	if (v[0] != '/' && ps->dir)
		err = asprintf(out, "%s/%s", ps->dir, v) < 0 ? -ENOMEM : 0;
	else
		err = (*out = strdup(v)) ? 0 : -ENOMEM;
	if (err)
		*out = NULL;
	return err;
}

/*
 * Calls fn for each key and value of a mapping (nothing for null); keys are strings, each
 * at most once.
 */
static int each_pair(struct parser *ps, const yaml_node_t *map, const char *what,
		     int (*fn)(struct parser *ps, const yaml_node_t *key, const yaml_node_t *val))
{
	yaml_node_pair_t *p, *q;
	yaml_node_t *k, *v, *prev;
	int err;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail(ps, map, "%s: expected a mapping", what);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(ps->doc, p->key);
		v = yaml_document_get_node(ps->doc, p->value);
		if (!k || !v || k->type != YAML_SCALAR_NODE)
			return fail(ps, k ? k : map, "%s: expected a string key", what);
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			prev = yaml_document_get_node(ps->doc, q->key);
			if (prev && !strcmp(scalar(prev), scalar(k)))
				return fail(ps, k, "%s: '%s' given twice", what, scalar(k));
		}
		err = fn(ps, k, v);
		if (err)
			return err;
	}
	return 0;
}

static int tls_key(struct parser *ps, const yaml_node_t *k, const yaml_node_t *v)
{
	struct fsp_webconfig *c = ps->c;
	const char *key = scalar(k);
	int val = 0, err;
	size_t i;

	c->tls = 1;
	if (!strcmp(key, "cert_file")) {
		c->cert_at = (struct fsp_webconfig_mark){ v->start_mark.line + 1,
							  v->start_mark.column + 1 };
		return path(ps, v, key, &c->cert_file);
	}
	if (!strcmp(key, "key_file")) {
		c->key_at = (struct fsp_webconfig_mark){ v->start_mark.line + 1,
							 v->start_mark.column + 1 };
		return path(ps, v, key, &c->key_file);
	}
	if (!strcmp(key, "client_ca_file")) {
		c->client_ca_at = (struct fsp_webconfig_mark){ v->start_mark.line + 1,
							       v->start_mark.column + 1 };
		return path(ps, v, key, &c->client_ca_file);
	}
	if (!strcmp(key, "client_auth_type")) {
		err = one_of(ps, v, key, client_auth_names, ARRAY_LEN(client_auth_names), &val);
		c->client_auth = val;
		c->client_auth_at = (struct fsp_webconfig_mark){ v->start_mark.line + 1,
								 v->start_mark.column + 1 };
		return err;
	}
	if (!strcmp(key, "min_version") || !strcmp(key, "max_version")) {
		err = one_of(ps, v, key, tls_version_names, ARRAY_LEN(tls_version_names), &val);
		if (err)
			return err;
		if (key[1] == 'i')
			c->min_version = val;
		else
			c->max_version = val;
		if (c->min_version > c->max_version)
			return fail(ps, v, "min_version %s is above max_version %s",
				    tls_version_names[c->min_version],
				    tls_version_names[c->max_version]);
		return 0;
	}
	for (i = 0; i < ARRAY_LEN(unsupported_tls_keys); i++)
		if (!strcmp(key, unsupported_tls_keys[i]))
			return fail(ps, k, "tls_server_config: '%s' is not supported by fsprobe",
				    key);
	return fail(ps, k, "tls_server_config: unknown key '%s' (expected cert_file, key_file, "
		    "min_version, max_version, client_auth_type or client_ca_file)", key);
}

/* bcrypt: $2a$, $2b$ or $2y$, a two-digit cost from 04 to 31, $, 53 characters of ./A-Za-z0-9. */
static int is_bcrypt(const char *h)
{
	int cost, i;

	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || h[3] != '$' ||
	    !isdigit((unsigned char)h[4]) || !isdigit((unsigned char)h[5]) || h[6] != '$')
		return 0;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return 0;
	for (i = 7; i < 60; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '.' && h[i] != '/')
			return 0;
	return 1;
}

static int user(struct parser *ps, const yaml_node_t *k, const yaml_node_t *v)
{
	struct fsp_webconfig *c = ps->c;
	struct fsp_webconfig_user *u;
	const char *name = scalar(k), *hash;
	int err;

	if (!*name || strchr(name, ':') || strlen(name) != k->data.scalar.length)
		return fail(ps, k,
			    "basic_auth_users: '%s': a user name is not empty and has no ':'", name);
	err = string(ps, v, "basic_auth_users", &hash);
	if (err)
		return err;
	if (!is_bcrypt(hash))
		return fail(ps, v, "basic_auth_users: '%s': expected a bcrypt hash ($2y$10$ and 53 "
			    "more characters, as htpasswd -nbBC 10 USER PASS prints)", name);
	u = realloc(c->users, (c->nusers + 1) * sizeof(*u));
	if (!u)
		return -ENOMEM;
	c->users = u;
	u = &c->users[c->nusers];
	u->name = strdup(name);
	u->hash = strdup(hash);
	if (!u->name || !u->hash) {
		free(u->name);
		free(u->hash);
		return -ENOMEM;
	}
	c->nusers++;
	return 0;
}

static int top_key(struct parser *ps, const yaml_node_t *k, const yaml_node_t *v)
{
	const char *key = scalar(k);

	if (!strcmp(key, "tls_server_config"))
		return each_pair(ps, v, key, tls_key);
	if (!strcmp(key, "basic_auth_users"))
		return each_pair(ps, v, key, user);
	if (!strcmp(key, "http_server_config"))
		return fail(ps, k, "'%s' is not supported by fsprobe", key);
	return fail(ps, k, "unknown key '%s' (expected tls_server_config or basic_auth_users)",
		    key);
}

/* What tls_server_config needs once it has any key; checked at its own key. */
static int check_tls(struct parser *ps, const yaml_node_t *at)
{
	struct fsp_webconfig *c = ps->c;
	enum fsp_client_auth a = c->client_auth;

	if (!c->tls)
		return 0;
	if (!c->cert_file || !c->key_file)
		return fail(ps, at, "tls_server_config: %s is missing",
			    !c->cert_file ? "cert_file" : "key_file");
	if ((a == FSP_CLIENT_VERIFY_IF_GIVEN || a == FSP_CLIENT_REQUIRE_AND_VERIFY) &&
	    !c->client_ca_file)
		return fail(ps, at, "tls_server_config: client_auth_type %s needs client_ca_file",
			    client_auth_names[a]);
	if (a == FSP_CLIENT_NO_CERT && c->client_ca_file)
		return fail(ps, at, "tls_server_config: client_ca_file is set but client_auth_type "
			    "is NoClientCert");
	return 0;
}

int fsp_webconfig_parse(const char *text, size_t len, const char *dir, struct fsp_webconfig *c,
			struct fsp_webconfig_error *err)
{
	struct parser ps = { .dir = dir, .c = c, .err = err };
	yaml_node_pair_t *p;
	yaml_parser_t parser;
	yaml_document_t doc, next;
	yaml_node_t *root, *k;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	memset(err, 0, sizeof(*err));
	c->min_version = FSP_TLS12;
	c->max_version = FSP_TLS13;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		err->line = (int)parser.problem_mark.line + 1;
		err->column = (int)parser.problem_mark.column + 1;
		snprintf(err->msg, sizeof(err->msg), "YAML: %s%s%s", parser.problem,
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	ps.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root && !is_null(root)) {
		ret = each_pair(&ps, root, "the web configuration", top_key);
		for (p = root->data.mapping.pairs.start; !ret && p < root->data.mapping.pairs.top;
		     p++) {
			k = yaml_document_get_node(&doc, p->key);
			if (!strcmp(scalar(k), "tls_server_config"))
				ret = check_tls(&ps, k);
		}
	}
	/* One document: a second one would be silently ignored. */
	if (!ret && root) {
		if (!yaml_parser_load(&parser, &next)) {
			ret = -EINVAL;
			err->line = (int)parser.problem_mark.line + 1;
			err->column = (int)parser.problem_mark.column + 1;
			snprintf(err->msg, sizeof(err->msg), "YAML: %s", parser.problem);
		} else {
			root = yaml_document_get_root_node(&next);
			if (root)
				ret = fail(&ps, root, "a second YAML document: give one");
			yaml_document_delete(&next);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ret)
		fsp_webconfig_free(c);
	return ret;
}

/* The whole file, NUL-terminated; at most MAX_FILE_SIZE bytes. */
static int read_file(const char *path, char **out, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *buf = NULL, *nb;
	FILE *f;
	int err = 0;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	for (;;) {
		nb = realloc(buf, cap + 1);
		if (!nb) {
			err = -ENOMEM;
			break;
		}
		buf = nb;
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f)) {
			err = -EIO;
			break;
		}
		if (n < cap)
			break;
		if (cap >= MAX_FILE_SIZE) {
			err = -EFBIG;
			break;
		}
		cap *= 2;
	}
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

/* Reads one file the configuration names, logging where it was named on failure. */
static int read_named(const char *cfg, struct fsp_webconfig_mark at, const char *key,
		      const char *path, char **out)
{
	int err = read_file(path, out, NULL);

	if (err)
		fsp_log_error("--web.config.file %s:%d:%d: %s %s: %s", cfg, at.line, at.column,
			      key, path, strerror(-err));
	return err;
}

/* GnuTLS reads the certificate and key as the server will, and the client CA list. */
static int check_pems(const char *cfg, const struct fsp_webconfig *c)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert = { (unsigned char *)c->cert_pem, strlen(c->cert_pem) };
	gnutls_datum_t key = { (unsigned char *)c->key_pem, strlen(c->key_pem) };
	gnutls_datum_t ca;
	int ret, err = 0;

	/* GnuTLS says "The requested data were not available" for these. */
	if (!strstr(c->cert_pem, "-----BEGIN CERTIFICATE-----")) {
		fsp_log_error("--web.config.file %s:%d:%d: cert_file %s: no PEM certificate in it",
			      cfg, c->cert_at.line, c->cert_at.column, c->cert_file);
		return -EINVAL;
	}
	if (!strstr(c->key_pem, "PRIVATE KEY-----") || strstr(c->key_pem, "ENCRYPTED")) {
		fsp_log_error("--web.config.file %s:%d:%d: key_file %s: %s", cfg, c->key_at.line,
			      c->key_at.column, c->key_file,
			      strstr(c->key_pem, "ENCRYPTED") ?
				      "an encrypted key: give it unencrypted" :
				      "no PEM private key in it");
		return -EINVAL;
	}
	if (gnutls_certificate_allocate_credentials(&cred))
		return -ENOMEM;
	ret = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL,
						   0);
	if (ret < 0) {
		fsp_log_error("--web.config.file %s:%d:%d: cert_file %s with key_file %s: %s", cfg,
			      c->key_at.line, c->key_at.column, c->cert_file, c->key_file,
			      gnutls_strerror(ret));
		err = -EINVAL;
		goto out;
	}
	if (c->client_ca_pem) {
		ca = (gnutls_datum_t){ (unsigned char *)c->client_ca_pem,
				       strlen(c->client_ca_pem) };
		ret = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
		if (ret <= 0) {
			fsp_log_error("--web.config.file %s:%d:%d: client_ca_file %s: %s", cfg,
				      c->client_ca_at.line, c->client_ca_at.column,
				      c->client_ca_file,
				      ret < 0 ? gnutls_strerror(ret) : "no PEM certificate in it");
			err = -EINVAL;
		}
	}
out:
	gnutls_certificate_free_credentials(cred);
	return err;
}

int fsp_webconfig_load(const char *path, struct fsp_webconfig *c)
{
	struct fsp_webconfig_error e;
	char *text = NULL, *dir = NULL, *slash;
	size_t len;
	int err;

	memset(c, 0, sizeof(*c));
	err = read_file(path, &text, &len);
	if (err) {
		fsp_log_error("--web.config.file %s: %s", path, strerror(-err));
		return err;
	}
	slash = strrchr(path, '/');
	dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
	err = fsp_webconfig_parse(text, len, dir, c, &e);
	if (err == -EINVAL)
		fsp_log_error("--web.config.file %s:%d:%d: %s", path, e.line, e.column, e.msg);
	else if (err)
		fsp_log_error("--web.config.file %s: %s", path, strerror(-err));
	if (!err && c->tls)
		err = read_named(path, c->cert_at, "cert_file", c->cert_file, &c->cert_pem) ?:
		      read_named(path, c->key_at, "key_file", c->key_file, &c->key_pem) ?:
		      (c->client_ca_file ? read_named(path, c->client_ca_at, "client_ca_file",
						      c->client_ca_file, &c->client_ca_pem) : 0) ?:
		      check_pems(path, c);
	free(text);
	free(dir);
	if (err)
		fsp_webconfig_free(c);
	return err;
}

void fsp_webconfig_free(struct fsp_webconfig *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	free(c->cert_file);
	free(c->key_file);
	free(c->client_ca_file);
	free(c->cert_pem);
	/* The private key leaves no copy behind in freed memory. */
	if (c->key_pem)
		explicit_bzero(c->key_pem, strlen(c->key_pem));
	free(c->key_pem);
	free(c->client_ca_pem);
	memset(c, 0, sizeof(*c));
}
