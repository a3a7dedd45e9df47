// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "web/negotiate.h"

#define MAX_PARAMS 8
#define Q_MAX 1000 /* q-values in thousandths */

/* A piece of the header: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* One element of a list: "type/subtype;a=b;q=0.5" or "gzip;q=0". */
struct element {
	struct span type, subtype; /* subtype empty for a coding */
	size_t nparams;
	struct span pname[MAX_PARAMS], pval[MAX_PARAMS];
	int q;
};

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 tchar */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && !strncasecmp(s.p, lit, s.n);
}

static void skip_ows(const char **p, const char *end)
{
	while (*p < end && is_ows(**p))
		(*p)++;
}

static bool take_token(const char **p, const char *end, struct span *out)
{
	out->p = *p;
	while (*p < end && is_tchar(**p))
		(*p)++;
	out->n = (size_t)(*p - out->p);
	return out->n > 0;
}

/* token or quoted-string; a quoted value is handed over without its quotes */
static bool take_value(const char **p, const char *end, struct span *out)
{
	if (*p < end && **p == '"') {
		out->p = ++*p;
		while (*p < end && **p != '"') {
			if (**p == '\\' && *p + 1 < end)
				(*p)++;
			(*p)++;
		}
		if (*p >= end)
			return false;
		out->n = (size_t)(*p - out->p);
		(*p)++;
		return true;
	}
	return take_token(p, end, out);
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static bool parse_q(struct span s, int *q)
{
	int v, scale = 100;
	size_t i;

	if (!s.n || (s.p[0] != '0' && s.p[0] != '1'))
		return false;
	v = (s.p[0] - '0') * Q_MAX;
	if (s.n == 1)
		goto out;
	if (s.p[1] != '.' || s.n > 5)
		return false;
	for (i = 2; i < s.n; i++, scale /= 10) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v += (s.p[i] - '0') * scale;
	}
out:
	if (v > Q_MAX)
		return false;
	*q = v;
	return true;
}

/*
 * Parse the element in [p, end). Media types (media = true) are
 * type "/" subtype; codings are one token. Parameters after q are accept
 * extensions and are ignored. False for a malformed element.
 */
static bool parse_element(const char *p, const char *end, bool media, struct element *el)
{
	struct span name, val;
	bool have_q = false;

	memset(el, 0, sizeof(*el));
	el->q = Q_MAX;
	skip_ows(&p, end);
	if (!take_token(&p, end, &el->type))
		return false;
	if (media) {
		if (p >= end || *p != '/')
			return false;
		p++;
		if (!take_token(&p, end, &el->subtype))
			return false;
	}
	for (;;) {
		skip_ows(&p, end);
		if (p >= end)
			return true;
		if (*p != ';')
			return false;
		p++;
		skip_ows(&p, end);
		if (p >= end)
			return true; /* a trailing ";" is tolerated */
		if (!take_token(&p, end, &name))
			return false;
		skip_ows(&p, end);
		if (p >= end || *p != '=')
			return false;
		p++;
		skip_ows(&p, end);
		if (!take_value(&p, end, &val))
			return false;
		if (have_q)
			continue;
		if (span_is(name, "q")) {
			if (!parse_q(val, &el->q))
				return false;
			have_q = true;
		} else if (el->nparams < MAX_PARAMS) {
			el->pname[el->nparams] = name;
			el->pval[el->nparams] = val;
			el->nparams++;
		}
	}
}

/* The end of the list element starting at p: the next comma outside quotes. */
static const char *element_end(const char *p)
{
	bool quoted = false;

	for (; *p; p++) {
		if (quoted && *p == '\\' && p[1])
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == ',' && !quoted)
			break;
	}
	return p;
}

/* What bpfprom can answer, in its order of preference on a tie. */
struct candidate {
	enum render_format format;
	const char *type, *subtype;
	const char *version; /* the version parameter it answers; NULL: absent only */
	bool version_optional; /* also answers when no version is given */
	bool protobuf; /* needs proto=MetricFamily and encoding=delimited */
	const char *content_type;
};

static const struct candidate candidates[] = {
	{ RENDER_FMT_TEXT, "text", "plain", "0.0.4", true, false,
	  "text/plain; version=0.0.4; charset=utf-8" },
	/* 1.0.0 quotes names that are not legacy-valid; bpfprom has none */
	{ RENDER_FMT_TEXT, "text", "plain", "1.0.0", false, false,
	  "text/plain; version=1.0.0; charset=utf-8" },
	/* OpenMetrics without a version is 1.0.0: the spec says to default to
	 * the oldest version, 1.0.0 */
	{ RENDER_FMT_OPENMETRICS, "application", "openmetrics-text", "1.0.0", true, false,
	  "application/openmetrics-text; version=1.0.0; charset=utf-8" },
	/* 0.0.1 is what Prometheus before 2.33 asks for: the same text */
	{ RENDER_FMT_OPENMETRICS, "application", "openmetrics-text", "0.0.1", false, false,
	  "application/openmetrics-text; version=0.0.1; charset=utf-8" },
	{ RENDER_FMT_PROTOBUF, "application", "vnd.google.protobuf", NULL, true, true,
	  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
	  "encoding=delimited" },
	/* 2.0.0 only when asked for by name: the draft says to default to
	 * 1.0.0, so neither a wildcard nor a bare openmetrics-text reaches it;
	 * last, so a tie goes to a stable format */
	{ RENDER_FMT_OPENMETRICS2, "application", "openmetrics-text", "2.0.0", false, false,
	  "application/openmetrics-text; version=2.0.0; charset=utf-8" },
};

#define NCANDIDATES (sizeof(candidates) / sizeof(candidates[0]))

/*
 * How specifically el names c: -1 not at all, 0 for any type, 1 for any
 * subtype of its type, 2 for its type, more for each parameter that had to
 * agree.
 */
static int specificity(const struct element *el, const struct candidate *c)
{
	bool proto = false, encoding = false, version = false;
	int spec = 2;
	size_t i;
	/* a wildcard asks for no particular version: the default one answers */
	bool any_version = !c->version || c->version_optional;

	if (span_is(el->type, "*"))
		return span_is(el->subtype, "*") && any_version ? 0 : -1;
	if (!span_is(el->type, c->type))
		return -1;
	if (span_is(el->subtype, "*"))
		return any_version ? 1 : -1;
	if (!span_is(el->subtype, c->subtype))
		return -1;
	for (i = 0; i < el->nparams; i++) {
		struct span n = el->pname[i], v = el->pval[i];

		if (span_is(n, "version")) {
			if (!c->version || !span_is(v, c->version))
				return -1;
			version = true;
		} else if (span_is(n, "proto") && c->protobuf) {
			if (!span_is(v, "io.prometheus.client.MetricFamily"))
				return -1;
			proto = true;
		} else if (span_is(n, "encoding") && c->protobuf) {
			if (!span_is(v, "delimited"))
				return -1;
			encoding = true;
		} else if (span_is(n, "charset")) {
			if (!span_is(v, "utf-8"))
				return -1;
		} else {
			/* other parameters (escaping=...) do not change the bytes:
			 * negotiate__format reads escaping on its own */
			continue;
		}
		spec++;
	}
	if (!version && c->version && !c->version_optional)
		return -1;
	if (c->protobuf && (!proto || !encoding))
		return -1;
	return spec;
}

static const char *const escaping_names[] = {
	[NEGOTIATE_ESC_ALLOW_UTF8] = "allow-utf-8",
	[NEGOTIATE_ESC_UNDERSCORES] = "underscores",
	[NEGOTIATE_ESC_DOTS] = "dots",
	[NEGOTIATE_ESC_VALUES] = "values",
};

/* The element's escaping parameter; an unknown value is ignored, as
 * prometheus/common's expfmt.Negotiate ignores it. */
static enum negotiate_escaping element_escaping(const struct element *el)
{
	size_t i, e;

	for (i = 0; i < el->nparams; i++) {
		if (!span_is(el->pname[i], "escaping"))
			continue;
		for (e = NEGOTIATE_ESC_ALLOW_UTF8; e <= NEGOTIATE_ESC_VALUES; e++)
			if (span_is(el->pval[i], escaping_names[e]))
				return (enum negotiate_escaping)e;
	}
	return NEGOTIATE_ESC_UNSET;
}

void negotiate__format(const char *accept, struct negotiate_format *out)
{
	int best_spec[NCANDIDATES], best_q[NCANDIDATES], spec, q = 0;
	enum negotiate_escaping best_esc[NCANDIDATES];
	size_t i, pick = 0;
	struct element el;
	const char *p, *end;

	for (i = 0; i < NCANDIDATES; i++) {
		best_spec[i] = -1;
		best_q[i] = 0;
		best_esc[i] = NEGOTIATE_ESC_UNSET;
	}
	for (p = accept; p && *p; p = *end ? end + 1 : end) {
		end = element_end(p);
		if (!parse_element(p, end, true, &el))
			continue;
		for (i = 0; i < NCANDIDATES; i++) {
			spec = specificity(&el, &candidates[i]);
			if (spec < 0)
				continue;
			/* the most specific range decides; among equals, the best q */
			if (spec > best_spec[i] || (spec == best_spec[i] && el.q > best_q[i])) {
				best_spec[i] = spec;
				best_q[i] = el.q;
				best_esc[i] = element_escaping(&el);
			}
		}
	}
	for (i = 0; i < NCANDIDATES; i++) {
		if (best_spec[i] >= 0 && best_q[i] > q) {
			q = best_q[i];
			pick = i;
		}
	}
	out->format = candidates[pick].format;
	out->escaping = best_esc[pick];
	if (out->escaping)
		snprintf(out->content_type, sizeof(out->content_type), "%s; escaping=%s",
			 candidates[pick].content_type, escaping_names[out->escaping]);
	else
		snprintf(out->content_type, sizeof(out->content_type), "%s",
			 candidates[pick].content_type);
}

bool negotiate__gzip(const char *accept_encoding)
{
	int q_gzip = -1, q_identity = -1, q_star = -1;
	struct element el;
	const char *p, *end;

	for (p = accept_encoding; p && *p; p = *end ? end + 1 : end) {
		end = element_end(p);
		if (!parse_element(p, end, false, &el))
			continue;
		if (span_is(el.type, "gzip") || span_is(el.type, "x-gzip"))
			q_gzip = el.q > q_gzip ? el.q : q_gzip;
		else if (span_is(el.type, "identity"))
			q_identity = el.q > q_identity ? el.q : q_identity;
		else if (span_is(el.type, "*"))
			q_star = el.q > q_star ? el.q : q_star;
	}
	if (q_gzip < 0)
		q_gzip = q_star;
	if (q_gzip <= 0)
		return false;
	/* identity is acceptable by default but never preferred unless named
	 * with a higher q than gzip */
	return q_identity < 0 || q_gzip >= q_identity;
}
