/* SPDX-License-Identifier: GPL-2.0 */
/*
 * http: the only module that touches libmicrohttpd. One internal polling
 * thread serves every connection without blocking on slow clients; the
 * handlers below therefore never run concurrently. Basic auth's bcrypt
 * checks run on one worker thread of their own while the connection waits
 * suspended, so a password check never stalls another client either.
 */
#ifndef BPFPROM_HTTP_H
#define BPFPROM_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "render/render.h"
#include "web/webconfig.h"

#define HTTP_DEFAULT_LISTEN ":9862"
#define HTTP_DEFAULT_PATH "/metrics"
/* The request line and headers of one request must fit in this much memory;
 * a longer request is answered 431 and closed. */
#define HTTP_MEMORY_LIMIT 32768

struct http_handlers {
	/* Fill out with the exposition in the format the request negotiated
	 * (gzip is http's business); return 0 or a negative errno. */
	int (*metrics)(void *ctx, enum render_format fmt, struct buf *out);
	/* Fill out with the landing page HTML. */
	int (*landing)(void *ctx, struct buf *out);
	/* --web.enable-lifecycle: POST /-/reload asks for a reload with this
	 * (NULL: the endpoint answers 403). It must return at once; whoever
	 * reloads brackets it with http__reload_begin and http__reload_end. */
	void (*reload_request)(void *ctx);
	void *ctx;
};

struct http_opts {
	const char *listen_address; /* host:port, [v6]:port or :port */
	const char *telemetry_path;
	unsigned int timeout_s; /* idle connections are closed after this */
	unsigned int max_connections;
	unsigned int max_connections_per_ip;
	/* --web.config.file: TLS, client certificates, basic auth, headers; NULL for
	 * plain HTTP. Used while the server runs: keep it until http__stop. */
	const struct webconfig *web;
	/* Called once the socket listens and before any thread starts (so that a
	 * change of credentials applies to the whole process); non-zero aborts. */
	int (*ready)(void *ctx, char *err, size_t errlen);
	void *ready_ctx;
};

struct http_server;

/* Parse HOST:PORT forms. Returns 0 or -EINVAL with a message in err. */
int http__parse_listen(const char *addr, char *host, size_t hostlen, char *port, size_t portlen,
		       char *err, size_t errlen);
/* The listen address and telemetry path of opts, checked without binding: 0 or -EINVAL. */
int http__check_opts(const struct http_opts *opts, char *err, size_t errlen);
int http__start(const struct http_opts *opts, const struct http_handlers *h,
		struct http_server **out, char *err, size_t errlen);
/* The address actually bound, e.g. "127.0.0.1:41234" (port 0 resolved). */
const char *http__address(const struct http_server *s);
void http__stop(struct http_server *s);

/*
 * A reload starts: take the POST /-/reload requests waiting until now (later
 * ones wait for the next reload). http__reload_end answers them with 200 or,
 * when err is not 0, 500, and msg. Both may be called from any thread.
 */
struct http_reload;
struct http_reload *http__reload_begin(struct http_server *s);
void http__reload_end(struct http_server *s, struct http_reload *batch, int err, const char *msg);

#endif /* BPFPROM_HTTP_H */
