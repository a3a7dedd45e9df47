/* SPDX-License-Identifier: GPL-2.0 */
/*
 * negotiate: which exposition format and content coding a scrape gets, from
 * its Accept and Accept-Encoding headers (RFC 9110 12.5.1 and 12.5.3, with
 * q-values, wildcards and the most specific media range winning). Pure string
 * handling: no allocation, unit-testable.
 */
#ifndef BPFPROM_NEGOTIATE_H
#define BPFPROM_NEGOTIATE_H

#include <stdbool.h>

#include "render/render.h"

/*
 * The name escaping a scraper asks for with an `escaping` parameter
 * (Prometheus 3, prometheus/common model.EscapingScheme). Prometheus's own
 * encoder (model.EscapeMetricFamily) leaves every name that is already
 * legacy-valid ([a-zA-Z_:][a-zA-Z0-9_:]*) as it is under every scheme, dots
 * included; bpfprom's config only admits such names, so no scheme changes a
 * byte of the body: the scheme is only echoed in the Content-Type.
 */
enum negotiate_escaping {
	NEGOTIATE_ESC_UNSET = 0, /* not asked for (or an unknown value): not echoed */
	NEGOTIATE_ESC_ALLOW_UTF8,
	NEGOTIATE_ESC_UNDERSCORES,
	NEGOTIATE_ESC_DOTS,
	NEGOTIATE_ESC_VALUES,
};

/* Long enough for the longest Content-Type plus "; escaping=allow-utf-8". */
#define NEGOTIATE_CT_MAX 128

struct negotiate_format {
	enum render_format format;
	enum negotiate_escaping escaping;
	char content_type[NEGOTIATE_CT_MAX];
};

/*
 * The format the client ranks highest among text 0.0.4, text 1.0.0 (the same
 * body: bpfprom's names need none of 1.0.0's quoting), OpenMetrics 1.0.0 (or
 * 0.0.1, answered with the same body), delimited protobuf and OpenMetrics
 * 2.0.0 (only for a range that names version=2.0.0); on a tie the first of
 * those. No header, garbage, or nothing acceptable: text 0.0.4. The
 * `escaping` parameter of the media range that chose the format, if one of
 * allow-utf-8, underscores, dots or values, is appended to the Content-Type
 * as prometheus/common's Format.WithEscapingScheme does.
 */
void negotiate__format(const char *accept, struct negotiate_format *out);

/* Whether to gzip: gzip (or x-gzip, or *) has q > 0 and is not ranked below
 * an explicit identity. No header or garbage: no. */
bool negotiate__gzip(const char *accept_encoding);

#endif /* BPFPROM_NEGOTIATE_H */
