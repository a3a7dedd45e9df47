// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of exporter/web/webconfig.c: every class of bad web config is
 * refused with the exact message a user would see, and good files come out
 * field by field. Certificates and keys are made with openssl in a temporary
 * directory the tests run in, so file names in messages are short.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "web/webconfig.h"
#include "util/array.h"

/* a syntactically valid bcrypt hash (of "secret", cost 10) */
#define HASH "$2y$10$VUaHDCbcSnu1gPzcW6l7P.jMOdt3CMDNBUTQUjZZulf4wufZxABPC"
#define TLS "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
#define TOP_LIST "tls_server_config, http_server_config, basic_auth_users"
#define TLS_LIST "cert_file, key_file, client_auth_type, client_ca_file, min_version, max_version"
#define AUTH_LIST                                                                          \
	"NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, " \
	"RequireAndVerifyClientCert"
#define HEADER_LIST                                                            \
	"Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, " \
	"X-XSS-Protection, Content-Security-Policy"
#define NOT_BCRYPT                                                                             \
	"not a bcrypt hash (expected $2y$, $2b$ or $2a$, a cost 04..31 and 53 characters, 60 " \
	"in all); make one with: htpasswd -nBC 10 \"\" | tr -d ':\\n'"

static char tmpdir[64];
static char olddir[PATH_MAX];

struct bad_case {
	const char *name;
	const char *yaml;
	const char *want;
};

static const struct bad_case bad_cases[] = {
	/* ---- YAML and the top level ---- */
	{ "yaml_syntax", "tls_server_config: [\n",
	  "web-config: web.yml:2:1: YAML syntax error: did not find expected node content (while parsing a flow node)" },
	{ "second_document", "basic_auth_users: {}\n---\nbasic_auth_users: {}\n",
	  "web-config: web.yml:3:1: a second YAML document starts here; put everything in one document" },
	{ "top_is_list", "- tls_server_config\n",
	  "web-config: web.yml:1:1: expected a mapping with some of " TOP_LIST ", got a list" },
	{ "top_unknown_key_hint", "basic_auth_user: {}\n",
	  "web-config: web.yml:1:1: unknown key \"basic_auth_user\" (did you mean \"basic_auth_users\"?); expected one of " TOP_LIST },
	{ "top_unknown_key", "tls: {}\n",
	  "web-config: web.yml:1:1: unknown key \"tls\"; expected one of " TOP_LIST },
	{ "top_refused_rate_limit", "rate_limit:\n  interval: 1s\n  burst: 5\n",
	  "web-config: web.yml:1:1: rate_limit: not supported by bpfprom: requests are not rate-limited (--web.max-connections-per-ip bounds each client); remove it" },
	{ "top_duplicate_key", "basic_auth_users: {}\nbasic_auth_users: {}\n",
	  "web-config: web.yml:2:1: basic_auth_users: duplicate key (first given at line 1); remove one" },
	{ "top_complex_key", "? [a]\n: b\n",
	  "web-config: web.yml:1:3: expected a key, got a list; keys are plain words" },
	{ "nul_in_string", "tls_server_config:\n  cert_file: \"a\\0b\"\n  key_file: server.key\n",
	  "web-config: web.yml:2:14: tls_server_config.cert_file: the string contains a NUL character; remove it" },

	/* ---- tls_server_config: shape and keys ---- */
	{ "tls_empty", "tls_server_config:\n",
	  "web-config: web.yml:1:1: tls_server_config: cert_file and key_file are required; remove tls_server_config to serve plain HTTP" },
	{ "tls_not_a_mapping", "tls_server_config: [server.pem]\n",
	  "web-config: web.yml:1:20: tls_server_config: expected a mapping, got a list" },
	{ "tls_unknown_key_hint", TLS "  cert_fle: x\n",
	  "web-config: web.yml:4:3: tls_server_config: unknown key \"cert_fle\" (did you mean \"cert_file\"?); expected one of " TLS_LIST },
	{ "tls_duplicate_key", TLS "  cert_file: server.pem\n",
	  "web-config: web.yml:4:3: tls_server_config.cert_file: duplicate key (first given at line 2); remove one" },
	{ "tls_refused_cert", "tls_server_config:\n  cert: |\n    -----BEGIN CERTIFICATE-----\n",
	  "web-config: web.yml:2:3: tls_server_config.cert: not supported by bpfprom: inline PEM is not implemented; put it in a file and give cert_file; remove it" },
	{ "tls_refused_key", TLS "  key: x\n",
	  "web-config: web.yml:4:3: tls_server_config.key: not supported by bpfprom: inline PEM is not implemented; put it in a file and give key_file; remove it" },
	{ "tls_refused_client_ca", TLS "  client_ca: x\n",
	  "web-config: web.yml:4:3: tls_server_config.client_ca: not supported by bpfprom: inline PEM is not implemented; put it in a file and give client_ca_file; remove it" },
	{ "tls_refused_client_allowed_sans", TLS "  client_allowed_sans: [a.example]\n",
	  "web-config: web.yml:4:3: tls_server_config.client_allowed_sans: not supported by bpfprom: client certificates are not matched by SAN; remove it" },
	{ "tls_refused_cipher_suites", TLS "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
	  "web-config: web.yml:4:3: tls_server_config.cipher_suites: not supported by bpfprom: GnuTLS's default cipher suites are used; remove it" },
	{ "tls_refused_prefer_server_cipher_suites", TLS "  prefer_server_cipher_suites: false\n",
	  "web-config: web.yml:4:3: tls_server_config.prefer_server_cipher_suites: not supported by bpfprom: the server's cipher suite order is always preferred; remove it" },
	{ "tls_refused_curve_preferences", TLS "  curve_preferences: [X25519]\n",
	  "web-config: web.yml:4:3: tls_server_config.curve_preferences: not supported by bpfprom: GnuTLS's default curves are used; remove it" },
	{ "tls_no_cert_file", "tls_server_config:\n  key_file: server.key\n",
	  "web-config: web.yml:1:1: tls_server_config: cert_file is required: the PEM file of the server's certificate" },
	{ "tls_no_key_file", "tls_server_config:\n  cert_file: server.pem\n",
	  "web-config: web.yml:1:1: tls_server_config: key_file is required: the PEM file of the server's key" },
	{ "tls_cert_file_list", "tls_server_config:\n  cert_file: [a]\n  key_file: server.key\n",
	  "web-config: web.yml:2:14: tls_server_config.cert_file: expected a string, got a list" },

	/* ---- tls_server_config: the files ---- */
	{ "cert_file_missing",
	  "tls_server_config:\n  cert_file: nope.pem\n  key_file: server.key\n",
	  "web-config: web.yml:2:14: tls_server_config.cert_file: cannot read \"nope.pem\": No such file or directory" },
	{ "cert_file_control_chars",
	  "tls_server_config:\n  cert_file: \"a\\nb\\e\"\n  key_file: server.key\n",
	  "web-config: web.yml:2:14: tls_server_config.cert_file: cannot read \"a\\nb\\x1b\": No such file or directory" },
	{ "cert_file_directory", "tls_server_config:\n  cert_file: dir\n  key_file: server.key\n",
	  "web-config: web.yml:2:14: tls_server_config.cert_file: cannot read \"dir\": Is a directory" },
	{ "cert_file_not_pem",
	  "tls_server_config:\n  cert_file: garbage.pem\n  key_file: server.key\n",
	  "web-config: web.yml:2:14: tls_server_config.cert_file: \"garbage.pem\" holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)" },
	{ "cert_file_is_a_key",
	  "tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n",
	  "web-config: web.yml:2:14: tls_server_config.cert_file: \"server.key\" holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)" },
	{ "cert_file_broken",
	  "tls_server_config:\n  cert_file: broken.pem\n  key_file: server.key\n",
	  "web-config: web.yml:2:14: tls_server_config.cert_file: \"broken.pem\" holds a certificate GnuTLS cannot load: Base64 unexpected header error." },
	{ "key_file_broken",
	  "tls_server_config:\n  cert_file: server.pem\n  key_file: broken.key\n",
	  "web-config: web.yml:3:13: tls_server_config.key_file: \"broken.key\" holds a private key GnuTLS cannot load: ASN1 parser: Error in DER parsing." },
	{ "key_file_missing", "tls_server_config:\n  cert_file: server.pem\n  key_file: nope.key\n",
	  "web-config: web.yml:3:13: tls_server_config.key_file: cannot read \"nope.key\": No such file or directory" },
	{ "key_file_not_pem",
	  "tls_server_config:\n  cert_file: server.pem\n  key_file: garbage.pem\n",
	  "web-config: web.yml:3:13: tls_server_config.key_file: \"garbage.pem\" holds no PEM private key (no -----BEGIN ... PRIVATE KEY----- block)" },
	{ "key_file_encrypted",
	  "tls_server_config:\n  cert_file: server.pem\n  key_file: enc.key\n",
	  "web-config: web.yml:3:13: tls_server_config.key_file: \"enc.key\" is encrypted; bpfprom takes no passphrase, so decrypt it (openssl pkey -in KEY -out PLAIN.key) and keep it readable by bpfprom only" },
	{ "key_file_other_key",
	  "tls_server_config:\n  cert_file: server.pem\n  key_file: other.key\n",
	  "web-config: web.yml:3:13: tls_server_config.key_file: \"other.key\" is not the private key of the certificate in \"server.pem\"" },
	{ "key_file_nul_byte", "tls_server_config:\n  cert_file: server.pem\n  key_file: nul.key\n",
	  "web-config: web.yml:3:13: tls_server_config.key_file: \"nul.key\" is not a PEM file (it holds a NUL byte)" },

	/* ---- client certificates ---- */
	{ "client_auth_unknown_hint", TLS "  client_auth_type: RequireAndVerifyClientCerts\n",
	  "web-config: web.yml:4:21: tls_server_config.client_auth_type: unknown client_auth_type \"RequireAndVerifyClientCerts\" (did you mean \"RequireAndVerifyClientCert\"?); expected one of " AUTH_LIST },
	{ "client_auth_unknown", TLS "  client_auth_type: yes\n",
	  "web-config: web.yml:4:21: tls_server_config.client_auth_type: unknown client_auth_type \"yes\"; expected one of " AUTH_LIST },
	{ "client_auth_verify_needs_ca", TLS "  client_auth_type: RequireAndVerifyClientCert\n",
	  "web-config: web.yml:4:21: tls_server_config.client_auth_type: RequireAndVerifyClientCert needs client_ca_file, the PEM file of the CA that signs client certificates" },
	{ "client_auth_if_given_needs_ca", TLS "  client_auth_type: VerifyClientCertIfGiven\n",
	  "web-config: web.yml:4:21: tls_server_config.client_auth_type: VerifyClientCertIfGiven needs client_ca_file, the PEM file of the CA that signs client certificates" },
	{ "client_ca_without_verify", TLS "  client_ca_file: ca.pem\n",
	  "web-config: web.yml:4:3: tls_server_config.client_ca_file: given, but client_auth_type NoClientCert does not verify client certificates; set client_auth_type: RequireAndVerifyClientCert (or VerifyClientCertIfGiven)" },
	{ "client_ca_with_require_any",
	  TLS "  client_auth_type: RequireAnyClientCert\n  client_ca_file: ca.pem\n",
	  "web-config: web.yml:5:3: tls_server_config.client_ca_file: given, but client_auth_type RequireAnyClientCert does not verify client certificates; set client_auth_type: RequireAndVerifyClientCert (or VerifyClientCertIfGiven)" },
	{ "client_ca_missing",
	  TLS "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: nope.pem\n",
	  "web-config: web.yml:5:19: tls_server_config.client_ca_file: cannot read \"nope.pem\": No such file or directory" },
	{ "client_ca_not_pem",
	  TLS "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: garbage.pem\n",
	  "web-config: web.yml:5:19: tls_server_config.client_ca_file: \"garbage.pem\" holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)" },
	{ "client_ca_empty",
	  TLS "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: empty.pem\n",
	  "web-config: web.yml:5:19: tls_server_config.client_ca_file: \"empty.pem\" holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)" },

	/* ---- TLS versions ---- */
	{ "min_version_hint", TLS "  min_version: TLSv1.2\n",
	  "web-config: web.yml:4:16: tls_server_config.min_version: unknown TLS version \"TLSv1.2\" (did you mean \"TLS12\"?); expected one of TLS10, TLS11, TLS12, TLS13" },
	{ "max_version_unknown", TLS "  max_version: SSL3\n",
	  "web-config: web.yml:4:16: tls_server_config.max_version: unknown TLS version \"SSL3\"; expected one of TLS10, TLS11, TLS12, TLS13" },
	{ "max_below_min", TLS "  min_version: TLS13\n  max_version: TLS12\n",
	  "web-config: web.yml:5:16: tls_server_config.max_version: TLS12 is below min_version TLS13; raise max_version or lower min_version" },
	{ "max_below_default_min", TLS "  max_version: TLS11\n",
	  "web-config: web.yml:4:16: tls_server_config.max_version: TLS11 is below min_version TLS12 (the default); raise max_version or lower min_version" },

	/* ---- http_server_config ---- */
	{ "http_unknown_key", "http_server_config:\n  header: {}\n",
	  "web-config: web.yml:2:3: http_server_config: unknown key \"header\" (did you mean \"headers\"?); expected one of headers, http2" },
	{ "http_not_a_mapping", "http_server_config: on\n",
	  "web-config: web.yml:1:21: http_server_config: expected a mapping, got a string" },
	{ "http2_true", "http_server_config:\n  http2: true\n",
	  "web-config: web.yml:2:10: http_server_config.http2: true is not supported: bpfprom serves HTTP/1.1 only; set it to false or remove it" },
	{ "http2_not_bool", "http_server_config:\n  http2: yes\n",
	  "web-config: web.yml:2:10: http_server_config.http2: expected true or false, got a string \"yes\"" },
	{ "headers_not_a_mapping", "http_server_config:\n  headers: [X-Frame-Options]\n",
	  "web-config: web.yml:2:12: http_server_config.headers: expected a mapping, got a list" },
	{ "header_unknown_hint", "http_server_config:\n  headers:\n    X-Frame-Option: deny\n",
	  "web-config: web.yml:3:5: http_server_config.headers: unknown header \"X-Frame-Option\" (did you mean \"X-Frame-Options\"?); expected one of " HEADER_LIST },
	{ "header_unknown", "http_server_config:\n  headers:\n    Server: bpfprom\n",
	  "web-config: web.yml:3:5: http_server_config.headers: unknown header \"Server\"; expected one of " HEADER_LIST },
	{ "header_frame_value", "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
	  "web-config: web.yml:3:22: http_server_config.headers.X-Frame-Options: \"allow\" is not allowed; expected deny or sameorigin" },
	{ "header_nosniff_value",
	  "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
	  "web-config: web.yml:3:29: http_server_config.headers.X-Content-Type-Options: \"sniff\" is not allowed; expected nosniff" },
	{ "header_control_char",
	  "http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nSet-Cookie: x\"\n",
	  "web-config: web.yml:3:30: http_server_config.headers.Content-Security-Policy: the value holds a control character; a header value is one line of text" },
	{ "header_duplicate",
	  "http_server_config:\n  headers:\n    X-XSS-Protection: '0'\n    X-XSS-Protection: '1'\n",
	  "web-config: web.yml:4:5: http_server_config.headers: duplicate header \"X-XSS-Protection\" (first given at line 3); remove one" },
	{ "header_value_list", "http_server_config:\n  headers:\n    X-XSS-Protection: [a]\n",
	  "web-config: web.yml:3:23: http_server_config.headers.X-XSS-Protection: expected a string, got a list" },

	/* ---- basic_auth_users ---- */
	{ "users_not_a_mapping", "basic_auth_users: [alice]\n",
	  "web-config: web.yml:1:19: basic_auth_users: expected a mapping, got a list" },
	{ "users_plain_password", "basic_auth_users:\n  alice: secret\n",
	  "web-config: web.yml:2:10: basic_auth_users.alice: " NOT_BCRYPT },
	{ "users_md5_crypt", "basic_auth_users:\n  alice: $1$abcdefgh$abcdefghijklmnopqrstuv\n",
	  "web-config: web.yml:2:10: basic_auth_users.alice: " NOT_BCRYPT },
	{ "users_cost_too_low",
	  "basic_auth_users:\n  alice: $2y$03$VUaHDCbcSnu1gPzcW6l7P.jMOdt3CMDNBUTQUjZZulf4wufZxABPC\n",
	  "web-config: web.yml:2:10: basic_auth_users.alice: " NOT_BCRYPT },
	{ "users_truncated_hash",
	  "basic_auth_users:\n  alice: $2y$10$VUaHDCbcSnu1gPzcW6l7P.jMOdt3CMDNBUTQUjZZulf4wufZxABP\n",
	  "web-config: web.yml:2:10: basic_auth_users.alice: " NOT_BCRYPT },
	{ "users_bad_character",
	  "basic_auth_users:\n  alice: $2y$10$VUaHDCbcSnu1gPzcW6l7P.jMOdt3CMDNBUTQUjZZulf4wufZxAB-C\n",
	  "web-config: web.yml:2:10: basic_auth_users.alice: " NOT_BCRYPT },
	{ "users_empty_hash", "basic_auth_users:\n  alice:\n",
	  "web-config: web.yml:2:9: basic_auth_users.alice: expected a bcrypt hash, got an empty value" },
	{ "users_colon_in_name", "basic_auth_users:\n  \"al:ice\": " HASH "\n",
	  "web-config: web.yml:2:3: basic_auth_users.al:ice: a user name cannot contain ':' (Basic auth splits at the first one); rename the user" },
	{ "users_duplicate", "basic_auth_users:\n  alice: " HASH "\n  alice: " HASH "\n",
	  "web-config: web.yml:3:3: basic_auth_users.alice: duplicate user; remove one" },
};

static void run_bad_case(void **state)
{
	const struct bad_case *c = *state;
	struct webconfig *wc = (void *)1;
	char err[512];
	int ret;

	ret = webconfig__parse_string(c->yaml, strlen(c->yaml), "web.yml", &wc, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_null(wc);
	assert_string_equal(err, c->want);
}

static struct webconfig *parse_ok(const char *yaml, const char *file)
{
	struct webconfig *wc = NULL;
	char err[512] = "";
	int ret;

	ret = webconfig__parse_string(yaml, strlen(yaml), file, &wc, err, sizeof(err));
	if (ret)
		fail_msg("%s", err);
	assert_non_null(wc);
	return wc;
}

static char *slurp(const char *path)
{
	static char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_empty_file(void **state)
{
	struct webconfig *wc;

	(void)state;
	/* exporter-toolkit's "no TLS, no auth" */
	wc = parse_ok("", "web.yml");
	assert_false(wc->tls);
	assert_int_equal(wc->nusers, 0);
	assert_int_equal(wc->nheaders, 0);
	assert_null(wc->cert_pem);
	webconfig__free(wc);
	wc = parse_ok("# nothing\nbasic_auth_users: {}\nhttp_server_config:\n", "web.yml");
	assert_false(wc->tls);
	assert_int_equal(wc->nusers, 0);
	webconfig__free(wc);
}

static void test_tls_defaults(void **state)
{
	struct webconfig *wc;

	(void)state;
	wc = parse_ok(TLS, "web.yml");
	assert_true(wc->tls);
	assert_string_equal(wc->cert_file, "server.pem");
	assert_string_equal(wc->key_file, "server.key");
	assert_null(wc->client_ca_file);
	assert_null(wc->client_ca_pem);
	assert_string_equal(wc->cert_pem, slurp("server.pem"));
	assert_string_equal(wc->key_pem, slurp("server.key"));
	assert_int_equal(wc->client_auth, WEBCONFIG_NO_CLIENT_CERT);
	assert_int_equal(wc->min_version, WEBCONFIG_TLS12);
	assert_int_equal(wc->max_version, WEBCONFIG_TLS13);
	assert_string_equal(wc->priorities,
			    "NORMAL:%SERVER_PRECEDENCE:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3");
	webconfig__free(wc);
}

static void test_full_file(void **state)
{
	static const char yaml[] = TLS
		"  client_auth_type: RequireAndVerifyClientCert\n"
		"  client_ca_file: ca.pem\n"
		"  min_version: TLS10\n"
		"  max_version: TLS11\n"
		"http_server_config:\n"
		"  http2: false\n"
		"  headers:\n"
		"    X-Frame-Options: sameorigin\n"
		"    X-Content-Type-Options: nosniff\n"
		"    Strict-Transport-Security: max-age=31536000\n"
		"    X-XSS-Protection: ''\n"
		"    Content-Security-Policy: default-src 'self'\n"
		"basic_auth_users:\n"
		"  alice: " HASH "\n"
		"  bob: $2b$04$VUaHDCbcSnu1gPzcW6l7P.jMOdt3CMDNBUTQUjZZulf4wufZxABPC\n"
		"  \"\": $2a$31$VUaHDCbcSnu1gPzcW6l7P.jMOdt3CMDNBUTQUjZZulf4wufZxABPC\n";
	struct webconfig *wc;

	(void)state;
	wc = parse_ok(yaml, "web.yml");
	assert_true(wc->tls);
	assert_int_equal(wc->client_auth, WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT);
	assert_string_equal(wc->client_ca_file, "ca.pem");
	assert_string_equal(wc->client_ca_pem, slurp("ca.pem"));
	assert_int_equal(wc->min_version, WEBCONFIG_TLS10);
	assert_int_equal(wc->max_version, WEBCONFIG_TLS11);
	assert_string_equal(wc->priorities,
			    "NORMAL:%SERVER_PRECEDENCE:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1");
	/* a blank header is unset, as exporter-toolkit says */
	assert_int_equal(wc->nheaders, 4);
	assert_string_equal(wc->headers[0].name, "X-Frame-Options");
	assert_string_equal(wc->headers[0].value, "sameorigin");
	assert_string_equal(wc->headers[1].name, "X-Content-Type-Options");
	assert_string_equal(wc->headers[1].value, "nosniff");
	assert_string_equal(wc->headers[2].name, "Strict-Transport-Security");
	assert_string_equal(wc->headers[2].value, "max-age=31536000");
	assert_string_equal(wc->headers[3].name, "Content-Security-Policy");
	assert_string_equal(wc->headers[3].value, "default-src 'self'");
	assert_int_equal(wc->nusers, 3);
	assert_string_equal(wc->users[0].name, "alice");
	assert_string_equal(wc->users[0].hash, HASH);
	assert_int_equal(wc->users[0].cost, 10);
	assert_string_equal(wc->users[1].name, "bob");
	assert_int_equal(wc->users[1].cost, 4);
	assert_string_equal(wc->users[2].name, "");
	assert_int_equal(wc->users[2].cost, 31);
	webconfig__free(wc);
}

static void test_client_auth_types(void **state)
{
	static const struct {
		const char *yaml;
		enum webconfig_client_auth want;
		bool requests, requires, verifies;
	} cases[] = {
		{ "NoClientCert\n", WEBCONFIG_NO_CLIENT_CERT, false, false, false },
		{ "RequestClientCert\n", WEBCONFIG_REQUEST_CLIENT_CERT, true, false, false },
		{ "RequireAnyClientCert\n", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT, true, true, false },
		/* exporter-toolkit's old name of RequireAnyClientCert */
		{ "RequireClientCert\n", WEBCONFIG_REQUIRE_ANY_CLIENT_CERT, true, true, false },
		{ "VerifyClientCertIfGiven\n  client_ca_file: ca.pem\n",
		  WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN, true, false, true },
		{ "RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n",
		  WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT, true, true, true },
	};
	struct webconfig *wc;
	char yaml[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(yaml, sizeof(yaml), TLS "  client_auth_type: %s", cases[i].yaml);
		wc = parse_ok(yaml, "web.yml");
		assert_int_equal(wc->client_auth, cases[i].want);
		assert_int_equal(webconfig__requests_cert(wc->client_auth), cases[i].requests);
		assert_int_equal(webconfig__requires_cert(wc->client_auth), cases[i].requires);
		assert_int_equal(webconfig__verifies_cert(wc->client_auth), cases[i].verifies);
		webconfig__free(wc);
	}
	assert_string_equal(webconfig__client_auth_name(WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN),
			    "VerifyClientCertIfGiven");
	assert_string_equal(webconfig__tls_version_name(WEBCONFIG_TLS13), "TLS13");
}

/* Relative names are taken from the web config's directory; absolute ones as they are. */
static void test_relative_paths(void **state)
{
	struct webconfig *wc;
	char yaml[256], abs[128];

	(void)state;
	wc = parse_ok(TLS, "sub/web.yml");
	assert_string_equal(wc->cert_file, "sub/server.pem");
	assert_string_equal(wc->key_file, "sub/server.key");
	assert_string_equal(wc->cert_pem, slurp("sub/server.pem"));
	webconfig__free(wc);

	snprintf(abs, sizeof(abs), "%s/server.pem", tmpdir);
	snprintf(yaml, sizeof(yaml),
		 "tls_server_config:\n  cert_file: %s\n  key_file: server.key\n", abs);
	wc = parse_ok(yaml, "sub/web.yml");
	assert_string_equal(wc->cert_file, abs);
	assert_string_equal(wc->key_file, "sub/server.key");
	webconfig__free(wc);
}

static void test_parse_file(void **state)
{
	struct webconfig *wc = (void *)1;
	char err[512];
	FILE *f;
	int ret;

	(void)state;
	f = fopen("sub/web.yml", "w");
	assert_non_null(f);
	fputs(TLS "  client_auth_type: RequestClientCert\n", f);
	fclose(f);
	ret = webconfig__parse_file("sub/web.yml", &wc, err, sizeof(err));
	assert_int_equal(ret, 0);
	assert_string_equal(wc->file, "sub/web.yml");
	assert_string_equal(wc->cert_file, "sub/server.pem");
	assert_int_equal(wc->client_auth, WEBCONFIG_REQUEST_CLIENT_CERT);
	webconfig__free(wc);

	/* messages name the file as given */
	f = fopen("sub/web.yml", "w");
	assert_non_null(f);
	fputs("basic_auth_users:\n  bob: hunter2\n", f);
	fclose(f);
	ret = webconfig__parse_file("sub/web.yml", &wc, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_null(wc);
	assert_string_equal(err, "web-config: sub/web.yml:2:8: basic_auth_users.bob: " NOT_BCRYPT);
	unlink("sub/web.yml");

	ret = webconfig__parse_file("/nonexistent/web.yml", &wc, err, sizeof(err));
	assert_int_equal(ret, -ENOENT);
	assert_null(wc);
	assert_string_equal(
		err,
		"web-config: /nonexistent/web.yml: cannot read --web.config.file: No such file or directory");
}

/* A short buffer truncates the message, never the result. */
static void test_small_error_buffer(void **state)
{
	static const char yaml[] = "tls: {}\n";
	struct webconfig *wc;
	char err[16];
	int ret;

	(void)state;
	ret = webconfig__parse_string(yaml, strlen(yaml), "web.yml", &wc, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(err, "web-config: web");
	ret = webconfig__parse_string(yaml, strlen(yaml), "web.yml", &wc, NULL, 0);
	assert_int_equal(ret, -EINVAL);
	assert_null(wc);
	webconfig__free(NULL);
}

static int sh(const char *cmd)
{
	int ret = system(cmd);

	if (ret != 0)
		fprintf(stderr, "test_webconfig: fixture command failed (%d): %s\n", ret, cmd);
	return ret;
}

/* Certificates and keys for the cases above, made by openssl in a fresh directory. */
static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	FILE *f;

	(void)state;
	if (!getcwd(olddir, sizeof(olddir)))
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s/bpfprom-webconfig-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(tmpdir) || chdir(tmpdir))
		return -1;
	if (sh("exec 2>/dev/null >/dev/null; set -e;"
	       " openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
	       "  -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca;"
	       " openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
	       "  -keyout server.key -out server.csr -subj /CN=localhost;"
	       " openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
	       "  -out server.pem -days 2;"
	       " openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key;"
	       " openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256"
	       "  -aes-128-cbc -pass pass:x -out enc.key;"
	       " printf -- '-----BEGIN CERTIFICATE-----\\nMIIB!!!!\\n-----END CERTIFICATE-----\\n' > broken.pem;"
	       " printf -- '-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----\\n' > broken.key;"
	       " printf 'hello\\n' > garbage.pem; : > empty.pem; mkdir dir sub;"
	       " { cat server.key; printf '\\0'; } > nul.key;"
	       " cp server.pem server.key sub/"))
		return -1;
	f = fopen("sub/.keep", "w");
	if (!f)
		return -1;
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (chdir(olddir))
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return sh(cmd);
}

int main(void)
{
	static const struct CMUnitTest good[] = {
		cmocka_unit_test(test_empty_file),	   cmocka_unit_test(test_tls_defaults),
		cmocka_unit_test(test_full_file),	   cmocka_unit_test(test_client_auth_types),
		cmocka_unit_test(test_relative_paths),	   cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_small_error_buffer),
	};
	struct CMUnitTest tests[ARRAY_SIZE(bad_cases) + ARRAY_SIZE(good)];
	size_t i, n = 0;

	/* one named test per bad file, so a failure says which one */
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = bad_cases[i].name,
			.test_func = run_bad_case,
			.initial_state = (void *)&bad_cases[i],
		};
	for (i = 0; i < ARRAY_SIZE(good); i++)
		tests[n++] = good[i];
	return _cmocka_run_group_tests("webconfig", tests, n, setup, teardown);
}
