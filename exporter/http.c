// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "compress.h"
#include "http.h"
#include "log.h"
#include "negotiate.h"

#define CT_HTML "text/html; charset=utf-8"
#define CT_PLAIN "text/plain; charset=utf-8"

struct http_server {
	struct MHD_Daemon *daemon;
	int fd;
	struct http_handlers h;
	char path[256];
	char address[128];
	size_t last_len; /* size hint for the next scrape's buffer */
	struct render_buf zsrc; /* the identity body of a gzipped scrape, reused */
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

static void free_buf(void *p)
{
	free(p);
}

static enum MHD_Result reply_static(struct MHD_Connection *conn, unsigned int status,
				    const char *ctype, const char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The body buffer is handed to libmicrohttpd, which frees it once sent. */
static enum MHD_Result reply_buf(struct http_server *s, struct MHD_Connection *conn,
				 const char *ctype, struct render_buf *b)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer_with_free_callback(b->len, b->data, free_buf);
	if (!r) {
		render_buf__free(b);
		return MHD_NO;
	}
	s->last_len = b->len;
	b->data = NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
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
	struct render_buf b = { 0 }, *body = &b;
	struct negotiate_format nf;
	struct MHD_Response *r;
	enum MHD_Result ret;
	int err;

	negotiate__format(accept, &nf);
	if (gzip) {
		render_buf__reset(&s->zsrc);
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
		render_buf__free(&b);
		log_error("web: rendering %s failed: %s", s->path, strerror(-err));
		return reply_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, CT_PLAIN,
				    "500 internal error: see the exporter's log\n");
	}
	if (!gzip)
		s->last_len = b.len;
	/* libmicrohttpd frees the body once sent */
	r = MHD_create_response_from_buffer_with_free_callback(b.len, b.data, free_buf);
	if (!r) {
		render_buf__free(&b);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, nf.content_type);
	if (gzip)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct render_buf b = { 0 };
	int (*fn)(void *, struct render_buf *);
	const char *ctype;
	int err;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
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
		render_buf__free(&b);
		log_error("web: rendering %s failed: %s", url, strerror(err ? -err : ENOMEM));
		return reply_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, CT_PLAIN,
				    "500 internal error: see the exporter's log\n");
	}
	return reply_buf(s, conn, ctype, &b);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	log_debug("web: libmicrohttpd: %s", line);
}

int http__start(const struct http_opts *opts, const struct http_handlers *h,
		struct http_server **out, char *err, size_t errlen)
{
	struct http_server *s;
	int fd;

	if (opts->telemetry_path[0] != '/' || strlen(opts->telemetry_path) >= sizeof(s->path) ||
	    strcmp(opts->telemetry_path, "/") == 0) {
		snprintf(err, errlen,
			 "web: --web.telemetry-path \"%s\": must start with / and not be / itself",
			 opts->telemetry_path);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->h = *h;
	snprintf(s->path, sizeof(s->path), "%s", opts->telemetry_path);
	fd = listen_socket(opts->listen_address, s->address, sizeof(s->address), err, errlen);
	if (fd < 0) {
		free(s);
		return fd;
	}
	s->fd = fd;
	/* one internal polling thread runs every handler, one at a time: the
	 * handlers and their context (scrape's encoder, zsrc) rely on it */
	s->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		handle, s, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT,
		opts->timeout_s, MHD_OPTION_CONNECTION_LIMIT, opts->max_connections,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_EXTERNAL_LOGGER,
		mhd_log, NULL, MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, errlen, "web: cannot start the HTTP server on %s", s->address);
		close(fd);
		free(s);
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
	if (!s)
		return;
	/* the daemon closes the listening socket it was given */
	MHD_stop_daemon(s->daemon);
	render_buf__free(&s->zsrc);
	free(s);
}
