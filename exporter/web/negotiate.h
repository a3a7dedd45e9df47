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

struct negotiate_format {
	enum render_format format;
	const char *content_type;
};

/*
 * The format the client ranks highest among text 0.0.4, OpenMetrics 1.0.0
 * (or 0.0.1, answered with the same body) and delimited protobuf; on a tie
 * the first of those. No header, garbage, or nothing acceptable: text 0.0.4.
 */
void negotiate__format(const char *accept, struct negotiate_format *out);

/* Whether to gzip: gzip (or x-gzip, or *) has q > 0 and is not ranked below
 * an explicit identity. No header or garbage: no. */
bool negotiate__gzip(const char *accept_encoding);

#endif /* BPFPROM_NEGOTIATE_H */
