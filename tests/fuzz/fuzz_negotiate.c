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

/* The Content-Types a format may be answered with, before any escaping. */
static const char *const content_types[] = {
	"text/plain; version=0.0.4; charset=utf-8",
	"text/plain; version=1.0.0; charset=utf-8",
	"application/openmetrics-text; version=1.0.0; charset=utf-8",
	"application/openmetrics-text; version=0.0.1; charset=utf-8",
	("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
	 "encoding=delimited"),
	"application/openmetrics-text; version=2.0.0; charset=utf-8",
};
static const enum render_format formats[] = {
	RENDER_FMT_TEXT,	RENDER_FMT_TEXT,     RENDER_FMT_OPENMETRICS,
	RENDER_FMT_OPENMETRICS, RENDER_FMT_PROTOBUF, RENDER_FMT_OPENMETRICS2,
};
static const char *const escapings[] = {
	[NEGOTIATE_ESC_UNSET] = "",
	[NEGOTIATE_ESC_ALLOW_UTF8] = "; escaping=allow-utf-8",
	[NEGOTIATE_ESC_UNDERSCORES] = "; escaping=underscores",
	[NEGOTIATE_ESC_DOTS] = "; escaping=dots",
	[NEGOTIATE_ESC_VALUES] = "; escaping=values",
};

/* Whether nf is one of the answers above, with its escaping echoed exactly. */
static int valid(const struct negotiate_format *nf)
{
	size_t i, n;

	if (nf->escaping > NEGOTIATE_ESC_VALUES)
		return 0;
	for (i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++) {
		n = strlen(content_types[i]);
		if (!strncmp(nf->content_type, content_types[i], n) &&
		    !strcmp(nf->content_type + n, escapings[nf->escaping]))
			return nf->format == formats[i];
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct negotiate_format nf;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	negotiate__format(s, &nf);
	/* OpenMetrics 2.0.0 only for a header that names the version */
	if (!valid(&nf) || (nf.format == RENDER_FMT_OPENMETRICS2 && !strstr(s, "2.0.0"))) {
		fprintf(stderr, "negotiate: format %d, escaping %d, content type %.*s\n", nf.format,
			nf.escaping, (int)sizeof(nf.content_type), nf.content_type);
		abort();
	}
	(void)negotiate__gzip(s);
	free(s);
	return 0;
}
