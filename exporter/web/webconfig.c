// SPDX-License-Identifier: GPL-2.0
/*
 * webconfig: exporter-toolkit's web configuration file. Every key the toolkit
 * knows is either implemented or refused by name, so a file written for
 * another exporter never silently means less here than it says.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <yaml.h>

#include "config/yamldoc.h"
#include "util/array.h"
#include "util/file.h"
#include "web/webconfig.h"

#define PATH_LEN 320
/* PEM files are a few KiB; the bound keeps a mistake like /dev/zero finite. */
#define MAX_PEM_BYTES (1 << 20)

struct parser {
	struct yamldoc *doc;
	char *dir; /* the web config's directory with a trailing '/', or "" */
	struct webconfig *wc;
};

/* Messages name the key in the path and always list the expected words. */
#define KEYS_STYLE (YAMLDOC_LIST_ALWAYS | YAMLDOC_KEY_IN_PATH)

static const char *const client_auth_names[] = {
	[WEBCONFIG_NO_CLIENT_CERT] = "NoClientCert",
	[WEBCONFIG_REQUEST_CLIENT_CERT] = "RequestClientCert",
	[WEBCONFIG_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
	[WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
	[WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

static const char *const version_names[] = {
	[WEBCONFIG_TLS10] = "TLS10",
	[WEBCONFIG_TLS11] = "TLS11",
	[WEBCONFIG_TLS12] = "TLS12",
	[WEBCONFIG_TLS13] = "TLS13",
};

static const char *const version_gnutls[] = {
	[WEBCONFIG_TLS10] = "+VERS-TLS1.0",
	[WEBCONFIG_TLS11] = "+VERS-TLS1.1",
	[WEBCONFIG_TLS12] = "+VERS-TLS1.2",
	[WEBCONFIG_TLS13] = "+VERS-TLS1.3",
};

/* exporter-toolkit's extraHTTPHeaders: the only headers it lets one set. */
static const char *const header_names[] = {
	"Strict-Transport-Security", "X-Content-Type-Options",	"X-Frame-Options",
	"X-XSS-Protection",	     "Content-Security-Policy",
};

static void key_path(char *buf, const char *parent, const char *key)
{
	snprintf(buf, PATH_LEN, "%s%s%s", parent ? parent : "", parent ? "." : "", key);
}

/* ---- files ------------------------------------------------------------- */

/* Relative names are taken from the web config's directory, as exporter-toolkit does. */
static int resolve(struct parser *p, const char *name, char **out)
{
	if (name[0] == '/' || !p->dir[0])
		*out = strdup(name);
	else if (asprintf(out, "%s%s", p->dir, name) < 0)
		*out = NULL;
	return *out ? 0 : yamldoc__oom(p->doc);
}

/* Read the file a KEY names into *pem; the message names the key and the file. */
static int read_pem(struct parser *p, const yaml_node_t *v, const char *path, char **file,
		    char **pem, size_t *len)
{
	const char *name;
	int ret;

	ret = yamldoc__get_str(p->doc, v, path, &name);
	if (ret)
		return ret;
	ret = resolve(p, name, file);
	if (ret)
		return ret;
	ret = file__read_all(*file, MAX_PEM_BYTES, pem, len);
	if (ret == -ENOMEM)
		return yamldoc__oom(p->doc);
	if (ret == -EFBIG)
		return yamldoc__fail(p->doc, v, path,
				     "\"%s\" is larger than %d bytes; name a PEM file", *file,
				     MAX_PEM_BYTES);
	if (ret)
		return yamldoc__fail(p->doc, v, path, "cannot read \"%s\": %s", *file,
				     strerror(-ret));
	if (strlen(*pem) != *len)
		return yamldoc__fail(p->doc, v, path,
				     "\"%s\" is not a PEM file (it holds a NUL byte)", *file);
	return 0;
}

static int count_certs(const char *pem, size_t len, unsigned int *n)
{
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned int)len };
	gnutls_x509_crt_t *crts = NULL;
	unsigned int i;
	int ret;

	*n = 0;
	ret = gnutls_x509_crt_list_import2(&crts, n, &d, GNUTLS_X509_FMT_PEM, 0);
	if (ret < 0)
		return ret;
	for (i = 0; i < *n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	return *n ? 0 : GNUTLS_E_NO_CERTIFICATE_FOUND;
}

/* ---- tls_server_config ------------------------------------------------- */

enum tls_key {
	TK_CERT_FILE,
	TK_KEY_FILE,
	TK_CLIENT_AUTH_TYPE,
	TK_CLIENT_CA_FILE,
	TK_MIN_VERSION,
	TK_MAX_VERSION,
	TK__COUNT,
};

static const char *const tls_keys[TK__COUNT] = {
	"cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version",
};

static const struct yamldoc_refused tls_refused[] = {
	{ "cert", "inline PEM is not implemented; put it in a file and give cert_file" },
	{ "key", "inline PEM is not implemented; put it in a file and give key_file" },
	{ "client_ca", "inline PEM is not implemented; put it in a file and give client_ca_file" },
	{ "client_allowed_sans", "client certificates are not matched by SAN" },
	{ "cipher_suites", "GnuTLS's default cipher suites are used" },
	{ "prefer_server_cipher_suites", "the server's cipher suite order is always preferred" },
	{ "curve_preferences", "GnuTLS's default curves are used" },
};

static const struct yamldoc_keys tls_spec = {
	tls_keys, TK__COUNT, tls_refused, ARRAY_SIZE(tls_refused), KEYS_STYLE,
};

static int parse_version(struct parser *p, const yaml_node_t *v, const char *path,
			 enum webconfig_tls_version *out)
{
	size_t i;
	int ret;

	ret = yamldoc__get_word(p->doc, v, path, "TLS version", version_names,
				ARRAY_SIZE(version_names), &i);
	if (!ret)
		*out = (enum webconfig_tls_version)i;
	return ret;
}

static int parse_client_auth(struct parser *p, const yaml_node_t *v, const char *path)
{
	const char *s;
	size_t i;
	int ret;

	ret = yamldoc__get_str(p->doc, v, path, &s);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(client_auth_names); i++) {
		if (!strcmp(s, client_auth_names[i])) {
			p->wc->client_auth = (enum webconfig_client_auth)i;
			return 0;
		}
	}
	/* exporter-toolkit keeps the old name for backwards compatibility */
	if (!strcmp(s, "RequireClientCert")) {
		p->wc->client_auth = WEBCONFIG_REQUIRE_ANY_CLIENT_CERT;
		return 0;
	}
	return yamldoc__fail_unknown(p->doc, v, path, "client_auth_type", s, client_auth_names,
				     ARRAY_SIZE(client_auth_names), NULL, KEYS_STYLE);
}

static int fail_certs(struct parser *p, const yaml_node_t *v, const char *path, const char *file,
		      int gnutls_err)
{
	if (gnutls_err == GNUTLS_E_NO_CERTIFICATE_FOUND ||
	    gnutls_err == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return yamldoc__fail(
			p->doc, v, path,
			"\"%s\" holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)",
			file);
	return yamldoc__fail(p->doc, v, path, "\"%s\" holds a certificate GnuTLS cannot load: %s",
			     file, gnutls_strerror(gnutls_err));
}

static int check_cert_and_key(struct parser *p, yaml_node_t *const *v)
{
	struct webconfig *wc = p->wc;
	gnutls_datum_t cd = { (unsigned char *)wc->cert_pem, (unsigned int)strlen(wc->cert_pem) };
	gnutls_datum_t kd = { (unsigned char *)wc->key_pem, (unsigned int)strlen(wc->key_pem) };
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_x509_privkey_t key = NULL;
	unsigned int n;
	int ret;

	ret = count_certs(wc->cert_pem, cd.size, &n);
	if (ret < 0)
		return fail_certs(p, v[TK_CERT_FILE], "tls_server_config.cert_file", wc->cert_file,
				  ret);
	ret = gnutls_x509_privkey_init(&key);
	if (ret < 0)
		return yamldoc__oom(p->doc);
	ret = gnutls_x509_privkey_import2(key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_x509_privkey_deinit(key);
	if (ret == GNUTLS_E_DECRYPTION_FAILED)
		return yamldoc__fail(
			p->doc, v[TK_KEY_FILE], "tls_server_config.key_file",
			"\"%s\" is encrypted; bpfprom takes no passphrase, so decrypt it (openssl pkey -in KEY -out PLAIN.key) and keep it readable by bpfprom only",
			wc->key_file);
	if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE ||
	    ret == GNUTLS_E_BASE64_UNEXPECTED_HEADER_ERROR)
		return yamldoc__fail(
			p->doc, v[TK_KEY_FILE], "tls_server_config.key_file",
			"\"%s\" holds no PEM private key (no -----BEGIN ... PRIVATE KEY----- block)",
			wc->key_file);
	if (ret < 0)
		return yamldoc__fail(p->doc, v[TK_KEY_FILE], "tls_server_config.key_file",
				     "\"%s\" holds a private key GnuTLS cannot load: %s",
				     wc->key_file, gnutls_strerror(ret));
	ret = gnutls_certificate_allocate_credentials(&cred);
	if (ret < 0)
		return yamldoc__oom(p->doc);
	ret = gnutls_certificate_set_x509_key_mem2(cred, &cd, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (ret == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
		return yamldoc__fail(p->doc, v[TK_KEY_FILE], "tls_server_config.key_file",
				     "\"%s\" is not the private key of the certificate in \"%s\"",
				     wc->key_file, wc->cert_file);
	if (ret < 0)
		return yamldoc__fail(p->doc, v[TK_KEY_FILE], "tls_server_config.key_file",
				     "GnuTLS cannot use \"%s\" with \"%s\": %s", wc->key_file,
				     wc->cert_file, gnutls_strerror(ret));
	return 0;
}

static int build_priorities(struct parser *p)
{
	struct webconfig *wc = p->wc;
	char buf[160];
	size_t off;
	int v;

	/* the server's order, as exporter-toolkit's prefer_server_cipher_suites default */
	off = (size_t)snprintf(buf, sizeof(buf), "NORMAL:%%SERVER_PRECEDENCE:-VERS-ALL");
	for (v = wc->min_version; v <= (int)wc->max_version; v++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, ":%s", version_gnutls[v]);
	wc->priorities = strdup(buf);
	return wc->priorities ? 0 : yamldoc__oom(p->doc);
}

static int parse_tls(struct parser *p, const yaml_node_t *key, const yaml_node_t *node)
{
	static const char *const path = "tls_server_config";
	yaml_node_t *v[TK__COUNT] = { 0 }, *k[TK__COUNT] = { 0 };
	struct webconfig *wc = p->wc;
	size_t len;
	int ret;

	if (yamldoc__is_null(node))
		return yamldoc__fail(
			p->doc, key, path,
			"cert_file and key_file are required; remove tls_server_config to serve plain HTTP");
	ret = yamldoc__expect_map(p->doc, node, path);
	if (ret)
		return ret;
	ret = yamldoc__map_collect(p->doc, node, path, &tls_spec, v, k);
	if (ret)
		return ret;
	wc->tls = true;
	wc->min_version = WEBCONFIG_TLS12;
	wc->max_version = WEBCONFIG_TLS13;
	if (!v[TK_CERT_FILE])
		return yamldoc__fail(
			p->doc, key, path,
			"cert_file is required: the PEM file of the server's certificate");
	if (!v[TK_KEY_FILE])
		return yamldoc__fail(p->doc, key, path,
				     "key_file is required: the PEM file of the server's key");
	ret = read_pem(p, v[TK_CERT_FILE], "tls_server_config.cert_file", &wc->cert_file,
		       &wc->cert_pem, &len);
	if (!ret)
		ret = read_pem(p, v[TK_KEY_FILE], "tls_server_config.key_file", &wc->key_file,
			       &wc->key_pem, &len);
	if (!ret)
		ret = check_cert_and_key(p, v);
	if (!ret && v[TK_CLIENT_AUTH_TYPE])
		ret = parse_client_auth(p, v[TK_CLIENT_AUTH_TYPE],
					"tls_server_config.client_auth_type");
	if (!ret && v[TK_MIN_VERSION])
		ret = parse_version(p, v[TK_MIN_VERSION], "tls_server_config.min_version",
				    &wc->min_version);
	if (!ret && v[TK_MAX_VERSION])
		ret = parse_version(p, v[TK_MAX_VERSION], "tls_server_config.max_version",
				    &wc->max_version);
	if (ret)
		return ret;
	if (wc->max_version < wc->min_version)
		return yamldoc__fail(
			p->doc, v[TK_MAX_VERSION], "tls_server_config.max_version",
			"%s is below min_version %s%s; raise max_version or lower min_version",
			version_names[wc->max_version], version_names[wc->min_version],
			v[TK_MIN_VERSION] ? "" : " (the default)");
	if (v[TK_CLIENT_CA_FILE]) {
		/* exporter-toolkit refuses it too: a CA nobody checks against is a mistake */
		if (!webconfig__verifies_cert(wc->client_auth))
			return yamldoc__fail(
				p->doc, k[TK_CLIENT_CA_FILE], "tls_server_config.client_ca_file",
				"given, but client_auth_type %s does not verify client certificates; set client_auth_type: RequireAndVerifyClientCert (or VerifyClientCertIfGiven)",
				client_auth_names[wc->client_auth]);
		ret = read_pem(p, v[TK_CLIENT_CA_FILE], "tls_server_config.client_ca_file",
			       &wc->client_ca_file, &wc->client_ca_pem, &len);
		if (ret)
			return ret;
		ret = count_certs(wc->client_ca_pem, len, &(unsigned int){ 0 });
		if (ret < 0)
			return fail_certs(p, v[TK_CLIENT_CA_FILE],
					  "tls_server_config.client_ca_file", wc->client_ca_file,
					  ret);
	} else if (webconfig__verifies_cert(wc->client_auth)) {
		return yamldoc__fail(
			p->doc, v[TK_CLIENT_AUTH_TYPE], "tls_server_config.client_auth_type",
			"%s needs client_ca_file, the PEM file of the CA that signs client certificates",
			client_auth_names[wc->client_auth]);
	}
	return build_priorities(p);
}

/* ---- http_server_config ------------------------------------------------ */

enum http_key {
	HK_HEADERS,
	HK_HTTP2,
	HK__COUNT,
};

static const char *const http_keys[HK__COUNT] = { "headers", "http2" };

static const struct yamldoc_keys http_spec = { http_keys, HK__COUNT, NULL, 0, KEYS_STYLE };

/* Copies of a and b in *ca and *cb, or -ENOMEM and neither. */
static int dup_pair(const char *a, const char *b, char **ca, char **cb)
{
	*ca = strdup(a);
	*cb = strdup(b);
	if (*ca && *cb)
		return 0;
	free(*ca);
	free(*cb);
	*ca = *cb = NULL;
	return -ENOMEM;
}

static int parse_header(struct parser *p, const yaml_node_t *k, const yaml_node_t *v)
{
	static const char *const frame[] = { "deny", "sameorigin" };
	struct webconfig *wc = p->wc;
	struct webconfig_header *h;
	char path[PATH_LEN];
	const char *value;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(header_names); i++)
		if (!strcmp(yamldoc__scalar(k), header_names[i]))
			break;
	if (i == ARRAY_SIZE(header_names))
		return yamldoc__fail_unknown(p->doc, k, "http_server_config.headers", "header",
					     yamldoc__scalar(k), header_names,
					     ARRAY_SIZE(header_names), NULL, KEYS_STYLE);
	key_path(path, "http_server_config.headers", yamldoc__scalar(k));
	/* "Unset if blank", as exporter-toolkit says */
	if (yamldoc__is_null(v) || (v->type == YAML_SCALAR_NODE && !v->data.scalar.length))
		return 0;
	ret = yamldoc__get_str(p->doc, v, path, &value);
	if (ret)
		return ret;
	for (const char *c = value; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return yamldoc__fail(
				p->doc, v, path,
				"the value holds a control character; a header value is one line of text");
	if (!strcmp(header_names[i], "X-Frame-Options") && strcmp(value, frame[0]) &&
	    strcmp(value, frame[1]))
		return yamldoc__fail(p->doc, v, path,
				     "\"%s\" is not allowed; expected deny or sameorigin", value);
	if (!strcmp(header_names[i], "X-Content-Type-Options") && strcmp(value, "nosniff"))
		return yamldoc__fail(p->doc, v, path, "\"%s\" is not allowed; expected nosniff",
				     value);
	h = &wc->headers[wc->nheaders];
	if (dup_pair(header_names[i], value, &h->name, &h->value))
		return yamldoc__oom(p->doc);
	wc->nheaders++;
	return 0;
}

/*
 * A map of n items, or nothing (null): room for n entries of size bytes in
 * *items (none when null: 0 and n = 0).
 */
static int map_items(struct parser *p, const yaml_node_t *node, const char *path, size_t size,
		     void **items, size_t *n)
{
	int ret;

	*n = 0;
	ret = yamldoc__expect_map_or_null(p->doc, node, path);
	if (ret)
		return ret < 0 ? ret : 0;
	*n = yamldoc__map_len(node);
	*items = calloc(*n ? *n : 1, size);
	return *items ? 0 : yamldoc__oom(p->doc);
}

static int parse_headers(struct parser *p, const yaml_node_t *node)
{
	static const char *const path = "http_server_config.headers";
	yaml_node_t *seen[ARRAY_SIZE(header_names)] = { 0 };
	yaml_node_pair_t *pair;
	yaml_node_t *k;
	size_t i, n;
	int ret;

	ret = map_items(p, node, path, sizeof(*p->wc->headers), (void **)&p->wc->headers, &n);
	if (ret || !n)
		return ret;
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		k = yamldoc__node(p->doc, pair->key);
		if (k->type != YAML_SCALAR_NODE)
			return yamldoc__fail(p->doc, k, path, "expected a header name, got %s",
					     yamldoc__desc(k));
		for (i = 0; i < ARRAY_SIZE(header_names); i++) {
			if (strcmp(yamldoc__scalar(k), header_names[i]))
				continue;
			if (seen[i])
				return yamldoc__fail(
					p->doc, k, path,
					"duplicate header \"%s\" (first given at line %zu); remove one",
					header_names[i], seen[i]->start_mark.line + 1);
			seen[i] = k;
		}
		ret = parse_header(p, k, yamldoc__node(p->doc, pair->value));
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_http(struct parser *p, const yaml_node_t *node)
{
	static const char *const path = "http_server_config";
	yaml_node_t *v[HK__COUNT] = { 0 }, *k[HK__COUNT] = { 0 };
	bool http2 = false;
	int ret;

	ret = yamldoc__expect_map_or_null(p->doc, node, path);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = yamldoc__map_collect(p->doc, node, path, &http_spec, v, k);
	if (ret)
		return ret;
	if (v[HK_HTTP2]) {
		ret = yamldoc__get_bool(p->doc, v[HK_HTTP2], "http_server_config.http2", &http2);
		if (ret)
			return ret;
		if (http2)
			return yamldoc__fail(
				p->doc, v[HK_HTTP2], "http_server_config.http2",
				"true is not supported: bpfprom serves HTTP/1.1 only; set it to false or remove it");
	}
	if (v[HK_HEADERS])
		return parse_headers(p, v[HK_HEADERS]);
	return 0;
}

/* ---- basic_auth_users -------------------------------------------------- */

static bool is_b64(char c)
{
	return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9');
}

/* $2a$, $2b$ or $2y$, a two-digit cost 04..31, $, 22 characters of salt and 31 of hash */
static int bcrypt_cost(const char *h)
{
	int cost;
	size_t i;

	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || !h[2] ||
	    h[3] != '$' || h[6] != '$' || h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9')
		return -1;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return -1;
	for (i = 7; i < 60; i++)
		if (!is_b64(h[i]))
			return -1;
	return cost;
}

static int parse_users(struct parser *p, const yaml_node_t *node)
{
	static const char *const path = "basic_auth_users";
	struct webconfig *wc = p->wc;
	struct webconfig_user *u;
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	char kp[PATH_LEN];
	const char *name, *hash;
	size_t n, i;
	int ret;

	ret = map_items(p, node, path, sizeof(*wc->users), (void **)&wc->users, &n);
	if (ret || !n)
		return ret;
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		k = yamldoc__node(p->doc, pair->key);
		v = yamldoc__node(p->doc, pair->value);
		ret = yamldoc__get_str(p->doc, k, path, &name);
		if (ret)
			return ret;
		key_path(kp, path, name);
		/* Basic credentials are "user:password": a colon cannot be in a name */
		if (strchr(name, ':'))
			return yamldoc__fail(
				p->doc, k, kp,
				"a user name cannot contain ':' (Basic auth splits at the first one); rename the user");
		for (i = 0; i < wc->nusers; i++)
			if (!strcmp(wc->users[i].name, name))
				return yamldoc__fail(p->doc, k, kp, "duplicate user; remove one");
		if (v->type != YAML_SCALAR_NODE || yamldoc__is_null(v))
			return yamldoc__fail(p->doc, v, kp, "expected a bcrypt hash, got %s",
					     yamldoc__desc(v));
		ret = yamldoc__get_str(p->doc, v, kp, &hash);
		if (ret)
			return ret;
		u = &wc->users[wc->nusers];
		u->cost = bcrypt_cost(hash);
		if (u->cost < 0)
			return yamldoc__fail(
				p->doc, v, kp,
				"not a bcrypt hash (expected $2y$, $2b$ or $2a$, a cost 04..31 and 53 characters, 60 in all); make one with: htpasswd -nBC 10 \"\" | tr -d ':\\n'");
		if (dup_pair(name, hash, &u->name, &u->hash))
			return yamldoc__oom(p->doc);
		wc->nusers++;
	}
	return 0;
}

/* ---- the file ---------------------------------------------------------- */

enum top_key {
	TOP_TLS,
	TOP_HTTP,
	TOP_USERS,
	TOP__COUNT,
};

static const char *const top_keys[TOP__COUNT] = {
	"tls_server_config",
	"http_server_config",
	"basic_auth_users",
};

static const struct yamldoc_refused top_refused[] = {
	{ "rate_limit",
	  "requests are not rate-limited (--web.max-connections-per-ip bounds each client)" },
};

static const struct yamldoc_keys top_spec = {
	top_keys, TOP__COUNT, top_refused, ARRAY_SIZE(top_refused), KEYS_STYLE,
};

static int parse_root(struct parser *p, const yaml_node_t *root)
{
	yaml_node_t *v[TOP__COUNT] = { 0 }, *k[TOP__COUNT] = { 0 };
	char list[128];
	int ret;

	if (root->type != YAML_MAPPING_NODE) {
		yamldoc__join(list, sizeof(list), top_keys, TOP__COUNT);
		return yamldoc__fail(p->doc, root, NULL,
				     "expected a mapping with some of %s, got %s", list,
				     yamldoc__desc(root));
	}
	ret = yamldoc__map_collect(p->doc, root, NULL, &top_spec, v, k);
	if (!ret && v[TOP_TLS])
		ret = parse_tls(p, k[TOP_TLS], v[TOP_TLS]);
	if (!ret && v[TOP_HTTP])
		ret = parse_http(p, v[TOP_HTTP]);
	if (!ret && v[TOP_USERS])
		ret = parse_users(p, v[TOP_USERS]);
	return ret;
}

int webconfig__parse_string(const char *text, size_t len, const char *file, struct webconfig **out,
			    char *err, size_t errlen)
{
	struct yamldoc doc;
	struct parser p = { .doc = &doc };
	yaml_node_t *root;
	const char *slash;
	int ret;

	*out = NULL;
	yamldoc__init(&doc, "web-config", file ? file : "<string>", err, errlen);
	slash = strrchr(doc.file, '/');
	p.dir = strndup(doc.file, slash ? (size_t)(slash - doc.file) + 1 : 0);
	p.wc = calloc(1, sizeof(*p.wc));
	if (!p.dir || !p.wc) {
		ret = yamldoc__oom(&doc);
		goto out;
	}
	p.wc->file = strdup(doc.file);
	if (!p.wc->file) {
		ret = yamldoc__oom(&doc);
		goto out;
	}
	ret = yamldoc__load(&doc, text, len, "everything", &root);
	/* an empty file is exporter-toolkit's "no TLS, no auth" */
	if (!ret && root && !yamldoc__is_null(root))
		ret = parse_root(&p, root);
	yamldoc__unload(&doc);
out:
	free(p.dir);
	if (ret) {
		webconfig__free(p.wc);
		return ret;
	}
	*out = p.wc;
	return 0;
}

int webconfig__parse_file(const char *path, struct webconfig **out, char *err, size_t errlen)
{
	size_t len;
	char *buf;
	int ret;

	*out = NULL;
	ret = file__read_all(path, MAX_PEM_BYTES, &buf, &len);
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "web-config: %s: cannot read --web.config.file: %s",
				 path, ret == -EFBIG ? "larger than 1 MiB" : strerror(-ret));
		return ret;
	}
	ret = webconfig__parse_string(buf, len, path, out, err, errlen);
	free(buf);
	return ret;
}

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void webconfig__free(struct webconfig *wc)
{
	size_t i;

	if (!wc)
		return;
	for (i = 0; i < wc->nusers; i++) {
		free(wc->users[i].name);
		free(wc->users[i].hash);
	}
	free(wc->users);
	for (i = 0; i < wc->nheaders; i++) {
		free(wc->headers[i].name);
		free(wc->headers[i].value);
	}
	free(wc->headers);
	free(wc->priorities);
	free(wc->client_ca_pem);
	free_secret(wc->key_pem);
	free(wc->cert_pem);
	free(wc->client_ca_file);
	free(wc->key_file);
	free(wc->cert_file);
	free(wc->file);
	free(wc);
}

const char *webconfig__client_auth_name(enum webconfig_client_auth a)
{
	return a < ARRAY_SIZE(client_auth_names) ? client_auth_names[a] : "?";
}

const char *webconfig__tls_version_name(enum webconfig_tls_version v)
{
	return v < ARRAY_SIZE(version_names) ? version_names[v] : "?";
}

bool webconfig__requests_cert(enum webconfig_client_auth a)
{
	return a != WEBCONFIG_NO_CLIENT_CERT;
}

bool webconfig__requires_cert(enum webconfig_client_auth a)
{
	return a == WEBCONFIG_REQUIRE_ANY_CLIENT_CERT ||
	       a == WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT;
}

bool webconfig__verifies_cert(enum webconfig_client_auth a)
{
	return a == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN ||
	       a == WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT;
}
