// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "web/compress.h"
#include "web/basicauth.h"
#include "web/http.h"
#include "util/log.h"
#include "web/negotiate.h"

#define CT_HTML "text/html; charset=utf-8"
#define CT_PLAIN "text/plain; charset=utf-8"
#define REALM "bpfprom"

/* Basic auth's state of one connection (its MHD socket context). */
struct conn_auth {
	struct http_server *s;
	struct MHD_Connection *conn;
	struct conn_auth *next; /* in the worker's queue */
	char *user, *pass; /* handed to the worker, wiped when checked */
	enum { AUTH_IDLE, AUTH_PENDING, AUTH_DONE } state;
	bool ok;
	/* POST /-/reload: queued until the main thread has reloaded */
	struct conn_auth *reload_next;
	enum { RELOAD_IDLE, RELOAD_PENDING, RELOAD_DONE } reload;
	unsigned int reload_status;
	char reload_msg[1200];
};

struct http_server {
	struct MHD_Daemon *daemon;
	int fd;
	struct http_handlers h;
	char path[256];
	char address[128];
	size_t last_len; /* size hint for the next scrape's buffer */
	struct buf zsrc; /* the identity body of a gzipped scrape, reused */
	const struct webconfig *web; /* NULL: plain HTTP, no auth */
	struct basicauth *auth; /* NULL: no basic_auth_users */
	/* the bcrypt worker and its queue of suspended connections */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t worker;
	bool worker_started, stopping;
	struct conn_auth *head, *tail;
	/* POST /-/reload requests waiting for the next reload (under lock) */
	struct conn_auth *reloads;
};

int http__parse_listen(const char *addr, char *host, size_t hostlen, char *port, size_t portlen,
		       char *err, size_t errlen)
{
	const char *colon, *h = addr;
	size_t hl;
	char *end;
	long p;

	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');

		if (!rb || rb[1] != ':')
			goto bad;
		h = addr + 1;
		hl = rb - h;
		colon = rb + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || memchr(addr, ':', colon - addr))
			goto bad;
		hl = colon - addr;
	}
	if (hl >= hostlen)
		goto bad;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end || errno || p < 0 || p > 65535)
		goto bad;
	snprintf(port, portlen, "%ld", p);
	return 0;
bad:
	snprintf(
		err, errlen,
		"web: --web.listen-address \"%s\": expected HOST:PORT, [IPV6]:PORT or :PORT with a port 0..65535",
		addr);
	return -EINVAL;
}

static int listen_socket(const char *addr, char *bound, size_t boundlen, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[128], port[16], hbuf[NI_MAXHOST], sbuf[NI_MAXSERV];
	int fd = -1, ret, one = 1, zero = 0;

	ret = http__parse_listen(addr, host, sizeof(host), port, sizeof(port), err, errlen);
	if (ret)
		return ret;
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (ret) {
		snprintf(err, errlen, "web: --web.listen-address \"%s\": %s", addr,
			 gai_strerror(ret));
		return -EINVAL;
	}
	/* ":PORT" gets a dual-stack IPv6 socket where the host has IPv6 */
	for (int pass = 0; pass < 2 && fd < 0; pass++) {
		for (ai = res; ai; ai = ai->ai_next) {
			if ((pass == 0) != (ai->ai_family == AF_INET6))
				continue;
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
			if (fd < 0) {
				ret = -errno;
				continue;
			}
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (ai->ai_family == AF_INET6 && !host[0])
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
			if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
				break;
			ret = -errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "web: cannot listen on %s: %s", addr, strerror(-ret));
		return ret ? ret : -EINVAL;
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	getnameinfo((struct sockaddr *)&ss, sl, hbuf, sizeof(hbuf), sbuf, sizeof(sbuf),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(bound, boundlen, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", hbuf, sbuf);
	return fd;
}

/* The connection's state, made when it was accepted (NULL if that failed). */
static struct conn_auth *conn_state(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* http_server_config.headers go on every answer, errors included. */
static void add_config_headers(struct MHD_Connection *conn, struct MHD_Response *r)
{
	struct conn_auth *ca = conn_state(conn);
	size_t i;

	if (!ca || !ca->s->web)
		return;
	for (i = 0; i < ca->s->web->nheaders; i++)
		MHD_add_response_header(r, ca->s->web->headers[i].name,
					ca->s->web->headers[i].value);
}

static void free_buf(void *p)
{
	free(p);
}

/* allow: the Allow header of a 405; body is copied unless it is a literal */
static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *ctype, const char *body, const char *allow,
				  enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, mode);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	add_config_headers(conn, r);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_static(struct MHD_Connection *conn, unsigned int status,
				    const char *ctype, const char *body)
{
	return reply_text(conn, status, ctype, body, "GET, HEAD", MHD_RESPMEM_PERSISTENT);
}

/* The body buffer is handed to libmicrohttpd, which frees it once sent. */
static enum MHD_Result reply_buf(struct http_server *s, struct MHD_Connection *conn,
				 const char *ctype, struct buf *b)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer_with_free_callback(b->len, b->data, free_buf);
	if (!r) {
		buf__free(b);
		return MHD_NO;
	}
	s->last_len = b->len;
	b->data = NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	add_config_headers(conn, r);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * The metrics in the format the Accept header ranks highest, gzipped when
 * Accept-Encoding allows. Runs on libmicrohttpd's one internal polling
 * thread (no thread pool, no thread per connection: see http__start), so
 * s->zsrc and the handler's own state serve one scrape at a time without a
 * lock.
 */
static enum MHD_Result reply_metrics(struct http_server *s, struct MHD_Connection *conn)
{
	const char *accept =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	const char *coding =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	bool gzip = negotiate__gzip(coding);
	struct buf b = { 0 }, *body = &b;
	struct negotiate_format nf;
	struct MHD_Response *r;
	enum MHD_Result ret;
	int err;

	negotiate__format(accept, &nf);
	if (gzip) {
		buf__reset(&s->zsrc);
		body = &s->zsrc;
	}
	/* start near last time's size so a scrape rarely reallocates */
	b.cap = s->last_len + s->last_len / 8 + 4096;
	b.data = malloc(b.cap);
	if (!b.data)
		b.cap = 0;
	err = s->h.metrics(s->h.ctx, nf.format, body);
	if (!err && body->oom)
		err = -ENOMEM;
	if (!err && gzip)
		err = compress__gzip(s->zsrc.data, s->zsrc.len, &b);
	if (!err && b.oom)
		err = -ENOMEM;
	if (err) {
		buf__free(&b);
		log_error("web: rendering %s failed: %s", s->path, strerror(-err));
		return reply_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, CT_PLAIN,
				    "500 internal error: see the exporter's log\n");
	}
	if (!gzip)
		s->last_len = b.len;
	/* libmicrohttpd frees the body once sent */
	r = MHD_create_response_from_buffer_with_free_callback(b.len, b.data, free_buf);
	if (!r) {
		buf__free(&b);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, nf.content_type);
	if (gzip)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	add_config_headers(conn, r);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- TLS client certificates and basic auth ----------------------------- */

static gnutls_session_t tls_session(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	return ci ? (gnutls_session_t)ci->tls_session : NULL;
}

/* No certificate passes when it is optional; one given must chain to client_ca_file. */
static bool peer_cert_ok(gnutls_session_t sess, bool required, bool verify)
{
	unsigned int n = 0, status = 0;

	if (!gnutls_certificate_get_peers(sess, &n) || !n)
		return !required;
	if (!verify)
		return true;
	return gnutls_certificate_verify_peers2(sess, &status) == 0 && status == 0;
}

/* gnutls's handshake-time verification: non-zero fails the handshake */
static int verify_cert_if_given(gnutls_session_t sess)
{
	return peer_cert_ok(sess, false, true) ? 0 : -1;
}

static int verify_cert_required(gnutls_session_t sess)
{
	return peer_cert_ok(sess, true, true) ? 0 : -1;
}

/*
 * The handshake already enforced client_auth_type (see notify_connection);
 * checked again per request so that a session that slipped past it (a
 * libmicrohttpd that set up TLS after the notification) is refused anyway.
 */
static bool client_cert_ok(const struct http_server *s, struct MHD_Connection *conn)
{
	enum webconfig_client_auth a = s->web->client_auth;
	gnutls_session_t sess;

	if (!webconfig__requests_cert(a))
		return true;
	sess = tls_session(conn);
	if (!sess)
		return false;
	return peer_cert_ok(sess, webconfig__requires_cert(a), webconfig__verifies_cert(a));
}

static enum MHD_Result reply_unauthorized(struct MHD_Connection *conn)
{
	static const char body[] = "401 unauthorized\n";
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CT_PLAIN);
	add_config_headers(conn, r);
	/* adds WWW-Authenticate: Basic realm="bpfprom" */
	ret = MHD_queue_basic_auth_fail_response(conn, REALM, r);
	MHD_destroy_response(r);
	return ret;
}

static void free_secret(char *p)
{
	if (p) {
		explicit_bzero(p, strlen(p));
		MHD_free(p);
	}
}

/*
 * Whether the request may be served. When not, *ret is what the handler
 * returns: the 401 (or 503 while stopping) was queued, the connection was
 * closed, or it was suspended until the worker has run bcrypt.
 */
static bool authorize(struct http_server *s, struct MHD_Connection *conn, enum MHD_Result *ret)
{
	struct conn_auth *ca;
	char *user, *pass = NULL;
	bool ok, stopping;

	if (s->web && s->web->tls && !client_cert_ok(s, conn)) {
		log_debug("web: closing a connection: its client certificate does not satisfy %s",
			  webconfig__client_auth_name(s->web->client_auth));
		*ret = MHD_NO;
		return false;
	}
	if (!s->auth)
		return true;
	ca = conn_state(conn);
	if (!ca) {
		*ret = MHD_NO;
		return false;
	}
	pthread_mutex_lock(&s->lock);
	stopping = s->stopping;
	if (ca->state == AUTH_DONE) {
		/* the worker's answer for this very request: take it once */
		ca->state = AUTH_IDLE;
		ok = ca->ok;
		pthread_mutex_unlock(&s->lock);
		if (ok)
			return true;
		goto refuse;
	}
	pthread_mutex_unlock(&s->lock);
	user = MHD_basic_auth_get_username_password(conn, &pass);
	if (!user || !pass) {
		free_secret(user);
		free_secret(pass);
		goto refuse;
	}
	if (basicauth__cached(s->auth, user, pass)) {
		free_secret(user);
		free_secret(pass);
		return true;
	}
	pthread_mutex_lock(&s->lock);
	stopping = s->stopping;
	if (!stopping) {
		/* suspended before the worker can see it, so it never resumes a live one */
		MHD_suspend_connection(conn);
		ca->user = user;
		ca->pass = pass;
		ca->state = AUTH_PENDING;
		ca->next = NULL;
		if (s->tail)
			s->tail->next = ca;
		else
			s->head = ca;
		s->tail = ca;
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->lock);
	if (!stopping) {
		*ret = MHD_YES;
		return false;
	}
	free_secret(user);
	free_secret(pass);
refuse:
	if (stopping)
		*ret = reply_static(conn, MHD_HTTP_SERVICE_UNAVAILABLE, CT_PLAIN,
				    "503 shutting down\n");
	else
		*ret = reply_unauthorized(conn);
	return false;
}

/* bcrypt, one check at a time as exporter-toolkit does: it is CPU-bound by design. */
static void *auth_worker(void *arg)
{
	struct http_server *s = arg;
	struct conn_auth *ca;
	bool ok, stopping;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->head && !s->stopping)
			pthread_cond_wait(&s->wake, &s->lock);
		ca = s->head;
		if (!ca)
			break;
		s->head = ca->next;
		if (!s->head)
			s->tail = NULL;
		stopping = s->stopping;
		pthread_mutex_unlock(&s->lock);
		/* while stopping, the queue is only drained: every connection must be
		 * resumed before the daemon stops */
		ok = !stopping && basicauth__verify(s->auth, ca->user, ca->pass);
		free_secret(ca->user);
		free_secret(ca->pass);
		ca->user = ca->pass = NULL;
		pthread_mutex_lock(&s->lock);
		ca->ok = ok;
		ca->state = AUTH_DONE;
		pthread_mutex_unlock(&s->lock);
		MHD_resume_connection(ca->conn);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/*
 * A new connection: its state, and for TLS the client certificate policy,
 * set on the session before the handshake so that a client without the
 * certificate client_auth_type asks for fails the handshake itself, as with
 * exporter-toolkit. libmicrohttpd only ever asks (GNUTLS_CERT_REQUEST), and
 * only when given a trust list.
 */
static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	struct conn_auth *ca = *socket_context;
	enum webconfig_client_auth a;
	gnutls_session_t sess;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (ca) {
			free_secret(ca->user);
			free_secret(ca->pass);
			free(ca);
		}
		*socket_context = NULL;
		return;
	}
	ca = calloc(1, sizeof(*ca));
	if (ca) {
		ca->s = s;
		ca->conn = conn;
	}
	*socket_context = ca;
	if (!s->web || !s->web->tls || !webconfig__requests_cert(s->web->client_auth))
		return;
	sess = tls_session(conn);
	if (!sess)
		return; /* client_cert_ok refuses every request then */
	a = s->web->client_auth;
	gnutls_certificate_server_set_request(
		sess, webconfig__requires_cert(a) ? GNUTLS_CERT_REQUIRE : GNUTLS_CERT_REQUEST);
	/* not gnutls_session_set_verify_cert: it fails a client that sends no
	 * certificate even where one is optional (VerifyClientCertIfGiven) */
	if (webconfig__verifies_cert(a))
		gnutls_session_set_verify_function(sess, webconfig__requires_cert(a) ?
								 verify_cert_required :
								 verify_cert_if_given);
}

static enum MHD_Result handle_reload(struct http_server *s, struct MHD_Connection *conn,
				     const char *method);

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct buf b = { 0 };
	int (*fn)(void *, struct buf *);
	const char *ctype;
	enum MHD_Result ret;
	int err;

	(void)version;
	(void)upload_data;
	/*
	 * Answer once the whole request is in: libmicrohttpd 0.9.75 closes the
	 * connection after any answer queued on the first call (headers only),
	 * which turned every scrape into a new connection and TLS handshake.
	 * A body (nothing here takes one) is read and dropped.
	 */
	if (!*con_cls) {
		*con_cls = conn;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!authorize(s, conn, &ret))
		return ret;
	if (strcmp(url, "/-/reload") == 0)
		return handle_reload(s, conn, method);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_static(conn, MHD_HTTP_METHOD_NOT_ALLOWED, CT_PLAIN,
				    "405 method not allowed: use GET or HEAD\n");
	if (strcmp(url, s->path) == 0) {
		return reply_metrics(s, conn);
	} else if (strcmp(url, "/") == 0) {
		fn = s->h.landing;
		ctype = CT_HTML;
	} else {
		return reply_static(conn, MHD_HTTP_NOT_FOUND, CT_PLAIN, "404 page not found\n");
	}
	/* start near last time's size so a scrape rarely reallocates */
	b.cap = s->last_len + s->last_len / 8 + 4096;
	b.data = malloc(b.cap);
	if (!b.data)
		b.cap = 0;
	err = fn(s->h.ctx, &b);
	if (err || b.oom) {
		buf__free(&b);
		log_error("web: rendering %s failed: %s", url, strerror(err ? -err : ENOMEM));
		return reply_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, CT_PLAIN,
				    "500 internal error: see the exporter's log\n");
	}
	return reply_buf(s, conn, ctype, &b);
}

/* Answer the reload waiters of batch (see http__reload_begin) and resume them. */
static void answer_reloads(struct conn_auth *batch, unsigned int status, const char *msg)
{
	struct conn_auth *ca, *next;

	for (ca = batch; ca; ca = next) {
		next = ca->reload_next;
		ca->reload_next = NULL;
		ca->reload_status = status;
		snprintf(ca->reload_msg, sizeof(ca->reload_msg), "%s", msg);
		ca->reload = RELOAD_DONE;
		MHD_resume_connection(ca->conn);
	}
}

struct http_reload *http__reload_begin(struct http_server *s)
{
	struct conn_auth *batch;

	if (!s)
		return NULL;
	pthread_mutex_lock(&s->lock);
	batch = s->reloads;
	s->reloads = NULL;
	pthread_mutex_unlock(&s->lock);
	return (struct http_reload *)batch;
}

void http__reload_end(struct http_server *s, struct http_reload *batch, int err, const char *msg)
{
	char line[1100];

	(void)s;
	if (err)
		snprintf(line, sizeof(line), "failed to reload config: %s\n", msg);
	else
		snprintf(line, sizeof(line), "config reloaded: %s\n", msg);
	answer_reloads((struct conn_auth *)batch,
		       err ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK, line);
}

/*
 * POST (or PUT) /-/reload, as Prometheus has it: with --web.enable-lifecycle
 * the connection waits, suspended, for the main thread to reload (which a
 * SIGHUP also asks for), then gets its result. The handler never loads
 * anything itself: scrapes go on meanwhile.
 */
static enum MHD_Result handle_reload(struct http_server *s, struct MHD_Connection *conn,
				     const char *method)
{
	struct conn_auth *ca = conn_state(conn);
	bool stopping;

	if (strcmp(method, MHD_HTTP_METHOD_POST) && strcmp(method, MHD_HTTP_METHOD_PUT))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, CT_PLAIN,
				  "405 method not allowed: use POST or PUT\n", "POST, PUT",
				  MHD_RESPMEM_PERSISTENT);
	if (!s->h.reload_request)
		return reply_static(
			conn, MHD_HTTP_FORBIDDEN, CT_PLAIN,
			"403 the lifecycle API is not enabled: start bpfprom with --web.enable-lifecycle\n");
	if (!ca)
		return MHD_NO;
	if (ca->reload == RELOAD_DONE) {
		ca->reload = RELOAD_IDLE;
		return reply_text(conn, ca->reload_status, CT_PLAIN, ca->reload_msg, NULL,
				  MHD_RESPMEM_MUST_COPY);
	}
	pthread_mutex_lock(&s->lock);
	stopping = s->stopping;
	if (!stopping) {
		/* suspended before the main thread can see it */
		MHD_suspend_connection(conn);
		ca->reload = RELOAD_PENDING;
		ca->reload_next = s->reloads;
		s->reloads = ca;
	}
	pthread_mutex_unlock(&s->lock);
	if (stopping)
		return reply_static(conn, MHD_HTTP_SERVICE_UNAVAILABLE, CT_PLAIN,
				    "503 shutting down\n");
	s->h.reload_request(s->h.ctx);
	return MHD_YES;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	log_debug("web: libmicrohttpd: %s", line);
}

static void stop_worker(struct http_server *s)
{
	if (!s->worker_started)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->worker, NULL);
	s->worker_started = false;
}

static void free_server(struct http_server *s)
{
	stop_worker(s);
	basicauth__free(s->auth);
	buf__free(&s->zsrc);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* libmicrohttpd's options; TLS ones only with a tls_server_config */
static void daemon_options(const struct http_opts *opts, struct http_server *s,
			   struct MHD_OptionItem *o)
{
	const struct webconfig *w = s->web;
	size_t n = 0;

#define OPT(opt, val, ptr) (o[n++] = (struct MHD_OptionItem){ (opt), (intptr_t)(val), (ptr) })
	/* first, or libmicrohttpd logs the options it parses before it to stderr */
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL);
	OPT(MHD_OPTION_LISTEN_SOCKET, s->fd, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, opts->timeout_s, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, opts->max_connections, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, opts->max_connections_per_ip, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, notify_connection, s);
	if (w && w->tls) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, w->cert_pem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, w->key_pem);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, w->priorities);
		if (w->client_ca_pem)
			OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, w->client_ca_pem);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
}

int http__check_opts(const struct http_opts *opts, char *err, size_t errlen)
{
	char host[128], port[16];

	if (opts->telemetry_path[0] != '/' ||
	    strlen(opts->telemetry_path) >= sizeof(((struct http_server *)0)->path) ||
	    strcmp(opts->telemetry_path, "/") == 0) {
		snprintf(err, errlen,
			 "web: --web.telemetry-path \"%s\": must start with / and not be / itself",
			 opts->telemetry_path);
		return -EINVAL;
	}
	return http__parse_listen(opts->listen_address, host, sizeof(host), port, sizeof(port), err,
				  errlen);
}

int http__start(const struct http_opts *opts, const struct http_handlers *h,
		struct http_server **out, char *err, size_t errlen)
{
	struct MHD_OptionItem o[16];
	/*
	 * poll(2), not MHD_USE_AUTO's epoll: libmicrohttpd 0.9.75 (Debian 12)
	 * under epoll misses the hang-up of a client that closes after its
	 * request line but before the end of its headers, and keeps that
	 * connection (CLOSE_WAIT) and its --web.max-connections-per-ip slot
	 * until the connection timeout. poll sees the hang-up at once; it
	 * scans at most --web.max-connections descriptors per wake-up.
	 */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
			     MHD_ALLOW_SUSPEND_RESUME;
	struct http_server *s;
	int fd, ret;

	ret = http__check_opts(opts, err, errlen);
	if (ret)
		return ret;
	if (opts->web && opts->web->tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(
			err, errlen,
			"web: %s: tls_server_config needs a libmicrohttpd built with TLS (GnuTLS); this one has none",
			opts->web->file);
		return -ENOTSUP;
	}
	/*
	 * A scrape mallocs and frees its body and zlib's state (~300 KiB) on
	 * libmicrohttpd's thread. Left to glibc's dynamic thresholds, that
	 * thread's arena gave the memory back with madvise on nearly every
	 * kept-alive scrape, a TLB shootdown across CPUs and page faults to
	 * touch it again: three times the scrape's own cost (load suite).
	 * Kept below these, the memory is reused; RSS stays flat.
	 */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	s->h = *h;
	s->web = opts->web;
	snprintf(s->path, sizeof(s->path), "%s", opts->telemetry_path);
	fd = listen_socket(opts->listen_address, s->address, sizeof(s->address), err, errlen);
	if (fd < 0) {
		free_server(s);
		return fd;
	}
	s->fd = fd;
	/* bound (a port below 1024 may need a capability), no thread yet */
	if (opts->ready) {
		ret = opts->ready(opts->ready_ctx, err, errlen);
		if (ret) {
			close(fd);
			free_server(s);
			return ret;
		}
	}
	if (s->web && s->web->nusers) {
		s->auth = basicauth__new(s->web->users, s->web->nusers);
		if (!s->auth) {
			ret = -errno;
			snprintf(err, errlen, "web: basic auth: %s", strerror(-ret));
			close(fd);
			free_server(s);
			return ret;
		}
		ret = -pthread_create(&s->worker, NULL, auth_worker, s);
		if (ret) {
			snprintf(err, errlen, "web: cannot start the basic auth thread: %s",
				 strerror(-ret));
			close(fd);
			free_server(s);
			return ret;
		}
		s->worker_started = true;
	}
	/* one internal polling thread runs every handler, one at a time: the
	 * handlers and their context (scrape's encoder, zsrc) rely on it */
	if (s->web && s->web->tls)
		flags |= MHD_USE_TLS;
	daemon_options(opts, s, o);
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, s, MHD_OPTION_ARRAY, o,
				     MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, errlen, "web: cannot start the HTTP%s server on %s",
			 s->web && s->web->tls ? "S" : "", s->address);
		close(fd);
		free_server(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

const char *http__address(const struct http_server *s)
{
	return s->address;
}

void http__stop(struct http_server *s)
{
	struct conn_auth *waiting;

	if (!s)
		return;
	/* every suspended connection is resumed before the daemon may stop */
	stop_worker(s);
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	waiting = s->reloads;
	s->reloads = NULL;
	pthread_mutex_unlock(&s->lock);
	answer_reloads(waiting, MHD_HTTP_SERVICE_UNAVAILABLE, "503 shutting down\n");
	/* the daemon closes the listening socket it was given */
	MHD_stop_daemon(s->daemon);
	free_server(s);
}
