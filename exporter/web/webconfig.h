/* SPDX-License-Identifier: GPL-2.0 */
/*
 * webconfig: the --web.config.file of Prometheus's exporter-toolkit (TLS,
 * client certificates, basic auth, extra response headers), parsed and
 * validated at start-up: certificate and key files are read and checked with
 * GnuTLS here, so the HTTP server gets PEM text that is known to load.
 */
#ifndef BPFPROM_WEBCONFIG_H
#define BPFPROM_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* exporter-toolkit's client_auth_type values (Go's tls.ClientAuthType). */
enum webconfig_client_auth {
	WEBCONFIG_NO_CLIENT_CERT,
	WEBCONFIG_REQUEST_CLIENT_CERT,
	WEBCONFIG_REQUIRE_ANY_CLIENT_CERT,
	WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN,
	WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

enum webconfig_tls_version {
	WEBCONFIG_TLS10,
	WEBCONFIG_TLS11,
	WEBCONFIG_TLS12,
	WEBCONFIG_TLS13,
};

struct webconfig_header {
	char *name;
	char *value;
};

struct webconfig_user {
	char *name;
	char *hash; /* bcrypt: $2a$, $2b$ or $2y$, cost, 53 characters */
	int cost;
};

struct webconfig {
	char *file;
	bool tls; /* tls_server_config given: serve HTTPS only */
	char *cert_file, *key_file, *client_ca_file; /* resolved paths */
	char *cert_pem, *key_pem, *client_ca_pem; /* their contents, NUL-terminated */
	enum webconfig_client_auth client_auth;
	enum webconfig_tls_version min_version, max_version;
	char *priorities; /* GnuTLS priority string enabling min..max only */
	struct webconfig_header *headers;
	size_t nheaders;
	struct webconfig_user *users;
	size_t nusers;
};

/*
 * Parse and validate. Relative file names are taken from the directory of
 * the web config file, as exporter-toolkit does. Returns 0 or a negative
 * errno with "web-config: FILE:LINE:COL: KEY: message" in err.
 */
int webconfig__parse_file(const char *path, struct webconfig **out, char *err, size_t errlen);
int webconfig__parse_string(const char *text, size_t len, const char *file, struct webconfig **out,
			    char *err, size_t errlen);
void webconfig__free(struct webconfig *wc);

/* "NoClientCert" ... as written in the file; "TLS12" ... */
const char *webconfig__client_auth_name(enum webconfig_client_auth a);
const char *webconfig__tls_version_name(enum webconfig_tls_version v);
/* Whether the client auth type requests, requires or verifies a certificate. */
bool webconfig__requests_cert(enum webconfig_client_auth a);
bool webconfig__requires_cert(enum webconfig_client_auth a);
bool webconfig__verifies_cert(enum webconfig_client_auth a);

#endif /* BPFPROM_WEBCONFIG_H */
