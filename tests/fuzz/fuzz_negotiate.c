// SPDX-License-Identifier: GPL-2.0
/*
 * The Accept and Accept-Encoding parsers on arbitrary header values (the bytes
 * up to the first NUL, as libmicrohttpd hands them over).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/negotiate.h"

/* The Content-Type of a format (OpenMetrics: version 1.0.0). */
static const char *const content_type[RENDER_FMT__COUNT] = {
	[RENDER_FMT_TEXT] = "text/plain; version=0.0.4; charset=utf-8",
	[RENDER_FMT_OPENMETRICS] = "application/openmetrics-text; version=1.0.0; charset=utf-8",
	[RENDER_FMT_PROTOBUF] = ("application/vnd.google.protobuf; "
				 "proto=io.prometheus.client.MetricFamily; encoding=delimited"),
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct negotiate_format nf;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	negotiate__format(s, &nf);
	if (!nf.content_type || nf.format >= RENDER_FMT__COUNT ||
	    strcmp(nf.content_type, content_type[nf.format])) {
		/* OpenMetrics 0.0.1 is answered with its own content type */
		if (!nf.content_type || nf.format != RENDER_FMT_OPENMETRICS ||
		    !strstr(nf.content_type, "version=0.0.1")) {
			fprintf(stderr, "negotiate: format %d with content type %s\n", nf.format,
				nf.content_type ? nf.content_type : "(null)");
			abort();
		}
	}
	(void)negotiate__gzip(s);
	free(s);
	return 0;
}
