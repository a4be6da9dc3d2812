/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_WEBCONFIG_H
#define FSP_WEBCONFIG_H

#include <stddef.h>

/*
 * --web.config.file: the Prometheus exporter-toolkit web configuration (YAML), the part fsprobe
 * serves:
 *
 *   tls_server_config:
 *     cert_file: PATH          # PEM; both required once tls_server_config has any key
 *     key_file: PATH
 *     min_version: TLS12       # TLS10, TLS11, TLS12 (default), TLS13
 *     max_version: TLS13       # the default
 *     client_auth_type: NoClientCert   # or RequestClientCert, RequireAnyClientCert,
 *                                      # VerifyClientCertIfGiven, RequireAndVerifyClientCert
 *     client_ca_file: PATH     # PEM; needed by the two Verify types
 *   basic_auth_users:
 *     USER: BCRYPT_HASH
 *
 * Relative paths are relative to the file's folder. Any other key is an error, the toolkit's
 * own that fsprobe does not implement (cipher_suites, http_server_config, ...) included.
 */

enum fsp_client_auth {
	FSP_CLIENT_NO_CERT,             /* NoClientCert */
	FSP_CLIENT_REQUEST,             /* RequestClientCert: asked for, not checked */
	FSP_CLIENT_REQUIRE_ANY,         /* RequireAnyClientCert: required, not checked */
	FSP_CLIENT_VERIFY_IF_GIVEN,     /* VerifyClientCertIfGiven */
	FSP_CLIENT_REQUIRE_AND_VERIFY,  /* RequireAndVerifyClientCert */
};

/* TLS versions as their minor number in TLS 1.x. */
#define FSP_TLS10 0
#define FSP_TLS11 1
#define FSP_TLS12 2
#define FSP_TLS13 3

struct fsp_webconfig_user {
	char *name;
	char *hash; /* bcrypt: $2a$, $2b$ or $2y$, 60 bytes */
};

/* Where a value was given: the file errors found after parsing point there. */
struct fsp_webconfig_mark {
	int line, column;
};

struct fsp_webconfig {
	int tls; /* tls_server_config has keys: serve HTTPS */
	char *cert_file;
	char *key_file;
	char *client_ca_file;
	enum fsp_client_auth client_auth;
	int min_version, max_version; /* FSP_TLS1x */
	struct fsp_webconfig_user *users; /* basic_auth_users; none: no authentication */
	size_t nusers;
	struct fsp_webconfig_mark cert_at, key_at, client_ca_at, client_auth_at;
	/* Filled by fsp_webconfig_load: the files' contents, NUL-terminated. */
	char *cert_pem;
	char *key_pem;
	char *client_ca_pem;
};

struct fsp_webconfig_error {
	int line, column; /* 1-based */
	char msg[192];
};

/* Parses text; dir resolves relative paths (NULL: as written). Pure: reads no file. */
int fsp_webconfig_parse(const char *text, size_t len, const char *dir, struct fsp_webconfig *c,
			struct fsp_webconfig_error *err);
/*
 * Reads and parses path, reads the files it names and checks them with GnuTLS (the key matches
 * the certificate); logs the one error line, "--web.config.file PATH:LINE:COLUMN: ...".
 */
int fsp_webconfig_load(const char *path, struct fsp_webconfig *c);
void fsp_webconfig_free(struct fsp_webconfig *c);

#endif
