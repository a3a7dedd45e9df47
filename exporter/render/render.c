// SPDX-License-Identifier: GPL-2.0
/*
 * render: collected series to the Prometheus text exposition format 0.0.4,
 * byte for byte as client_golang's expfmt writes it where it defines the
 * bytes, to OpenMetrics 1.0.0 text, and to OpenMetrics 2.0.0 text (the
 * 2.0.0-rc0 draft, prometheus/docs docs/specs/om/open_metrics_spec_2_0.md:
 * composite histogram and summary values, st@ start timestamps); the
 * encoder's dispatch. Protobuf is
 * in render_pb.c. The only allocation is the growth of the caller's
 * struct buf (and of the encoder's scratch, once).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render_int.h"
#include "util/text.h"

#define FLOAT_MAX 32

/* The pieces of a sample line, appended inline while there is room (the
 * rule: the buffer keeps last scrape's size): a call per piece was a third
 * of rendering a series. */
static inline void put(struct buf *b, const char *s, size_t n)
{
	if (b->cap - b->len > n && !b->oom) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	buf__put(b, s, n);
}

static inline void put_char(struct buf *b, char c)
{
	put(b, &c, 1);
}

/* Exact integers never pass through a double. */
static void put_u64(struct buf *b, uint64_t v)
{
	char tmp[TEXT_U64_DIGITS];
	size_t i = text__u64_digits(tmp, v);

	put(b, tmp + i, sizeof(tmp) - i);
}

static void put_s64(struct buf *b, int64_t v)
{
	if (v < 0) {
		put_char(b, '-');
		/* negate in unsigned arithmetic: INT64_MIN has no positive s64 */
		put_u64(b, -(uint64_t)v);
		return;
	}
	put_u64(b, (uint64_t)v);
}

static void put_float(struct buf *b, double v)
{
	char tmp[FLOAT_MAX];

	buf__put(b, tmp, render__float(tmp, v));
}

void render__escape_label_value(struct buf *b, const char *s, size_t n)
{
	text__put_escaped(b, s, n, TEXT_ESC_LABEL);
}

void render__escape_help(struct buf *b, const char *s)
{
	if (s)
		text__put_escaped(b, s, strlen(s), TEXT_ESC_HELP);
}

/*
 * Shortest round-trip digits of a finite v > 0 with p + 1 significant
 * digits, if some (p + 1)-digit decimal reads back as v: the nearest one
 * (what glibc's exact %.*e gives) or, when that falls outside v's rounding
 * interval, its neighbour on the other side of v. Digits go to d (p + 1 of
 * them), the decimal exponent of d[0] to *e.
 */
static bool round_trip_digits(double v, int p, char *d, int *e)
{
	char s[48];
	int i, k = 0, n = p + 1;
	double w;

	snprintf(s, sizeof(s), "%.*e", p, v);
	/* digits only: the locale may spell the decimal point differently */
	for (i = 0; s[i] && s[i] != 'e'; i++) {
		if (s[i] >= '0' && s[i] <= '9' && k < n)
			d[k++] = s[i];
	}
	*e = (int)strtol(s + i + 1, NULL, 10);
	/* an integer mantissa and exponent parse the same in every locale */
	snprintf(s, sizeof(s), "%.*se%d", n, d, *e - p);
	w = strtod(s, NULL);
	if (w == v)
		return true;

	if (w < v) {
		for (i = n - 1; i >= 0 && d[i] == '9'; i--)
			d[i] = '0';
		if (i >= 0) {
			d[i]++;
		} else {
			d[0] = '1';
			++*e;
		}
	} else {
		for (i = n - 1; i >= 0 && d[i] == '0'; i--)
			d[i] = '9';
		d[i]--; /* d[0] >= '1', so i >= 0 */
		if (d[0] == '0') {
			/* 10^e - one unit: n nines, a decade lower */
			memset(d, '9', (size_t)n);
			--*e;
		}
	}
	snprintf(s, sizeof(s), "%.*se%d", n, d, *e - p);
	return strtod(s, NULL) == v;
}

/* The shortest digits that read back as finite v > 0; *dp is where the
 * decimal point goes (value = 0.d[0]d[1]... * 10^dp). */
static int shortest_digits(double v, char *d, int *dp)
{
	int lo = 0, hi = 16, e, n, i;
	char tmp[TEXT_U64_DIGITS + 1];

	if (v < 0x1p53 && v == floor(v)) {
		/* an integer below 2^53: its digits are exact and shortest */
		n = snprintf(tmp, sizeof(tmp), "%" PRIu64, (uint64_t)v);
		*dp = n;
		while (n > 1 && tmp[n - 1] == '0')
			n--;
		memcpy(d, tmp, (size_t)n);
		return n;
	}
	/* 17 digits always read back, and if p + 1 digits do, so do p + 2 (a
	 * shorter decimal is a longer one with a trailing 0): bisect p */
	while (lo < hi) {
		i = lo + (hi - lo) / 2;
		if (round_trip_digits(v, i, d, &e))
			hi = i;
		else
			lo = i + 1;
	}
	round_trip_digits(v, lo, d, &e);
	n = lo + 1;
	while (n > 1 && d[n - 1] == '0')
		n--;
	*dp = e + 1;
	return n;
}

/*
 * Go's %g for shortest precision (strconv/ftoa.go formatDigits): exponent
 * form when the decimal exponent x is < -4 or >= 6 (eprec is 6 for the
 * shortest form, whatever the digit count), the exponent signed and at least
 * two digits; otherwise plain digits. -0 prints as "0", as client_golang's
 * writeFloat special-cases f == 0.
 */
size_t render__float(char *out, double v)
{
	char d[24];
	int n, dp, x, i;
	size_t o = 0;

	if (isnan(v))
		return (size_t)sprintf(out, "NaN");
	if (isinf(v))
		return (size_t)sprintf(out, v > 0 ? "+Inf" : "-Inf");
	if (v == 0)
		return (size_t)sprintf(out, "0");
	if (v < 0) {
		out[o++] = '-';
		v = -v;
	}
	n = shortest_digits(v, d, &dp);
	x = dp - 1;
	if (x < -4 || x >= 6) {
		out[o++] = d[0];
		if (n > 1) {
			out[o++] = '.';
			memcpy(out + o, d + 1, (size_t)n - 1);
			o += (size_t)n - 1;
		}
		o += (size_t)sprintf(out + o, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
		return o;
	}
	if (dp > 0) {
		for (i = 0; i < dp; i++)
			out[o++] = i < n ? d[i] : '0';
	} else {
		out[o++] = '0';
	}
	if (n > dp) {
		out[o++] = '.';
		for (i = dp < 0 ? dp : 0; i < 0; i++)
			out[o++] = '0';
		for (i = dp > 0 ? dp : 0; i < n; i++)
			out[o++] = d[i];
	}
	out[o] = '\0';
	return o;
}

/*
 * v * scale, as the nearest double to the exact value when scale is the
 * nearest double to 1 / N for an integer N (1e-9, seconds from nanoseconds):
 * dividing by N is correctly rounded, multiplying by the inexact 1e-9 often
 * is not (7 ns would print as 7.000000000000001e-09).
 */
static double apply_scale(double v, double scale)
{
	double inv;

	if (scale == 1)
		return v;
	inv = nearbyint(1 / scale);
	if (inv > 1 && 1 / inv == scale)
		return v / inv;
	return v * scale;
}

double render_scaled(uint64_t raw, bool is_signed, double scale)
{
	return apply_scale(is_signed ? (double)(int64_t)raw : (double)raw, scale);
}

static void put_scaled(struct buf *b, uint64_t raw, bool is_signed, double scale)
{
	if (scale == 1) {
		if (is_signed)
			put_s64(b, (int64_t)raw);
		else
			put_u64(b, raw);
		return;
	}
	put_float(b, render_scaled(raw, is_signed, scale));
}

/*
 * OpenMetrics "canonical numbers" for le: Go's %g with ".0" appended when
 * there is neither a point nor an exponent (1024.0, 0.0, 1.048576e+06), as
 * the spec's considerations and client_golang's writeOpenMetricsFloat do.
 */
static size_t om_float(char *out, double v)
{
	size_t n = render__float(out, v);

	if (isfinite(v) && !memchr(out, '.', n) && !memchr(out, 'e', n)) {
		memcpy(out + n, ".0", 3);
		n += 2;
	}
	return n;
}

/* OpenMetrics base units a family name can end in (_UNIT). */
static const char *const om_units[] = {
	"seconds", "bytes", "joules", "grams", "meters", "ratio", "volts", "amperes", "celsius",
};

static const char *om_unit(const char *fam, size_t len)
{
	size_t i, ul;

	for (i = 0; i < sizeof(om_units) / sizeof(om_units[0]); i++) {
		ul = strlen(om_units[i]);
		if (len > ul + 1 && fam[len - ul - 1] == '_' &&
		    !memcmp(fam + len - ul, om_units[i], ul))
			return om_units[i];
	}
	return NULL;
}

/*
 * The metadata of one family. Text 0.0.4: HELP then TYPE. OpenMetrics: TYPE,
 * UNIT (when the family name ends in a unit), HELP, in the spec's order; a
 * counter family is named without its samples' _total; HELP escapes quotes.
 */
static void put_header(struct render_enc *e, const char *name, const char *suffix, const char *help,
		       const char *help_suffix, const char *type)
{
	struct buf *b = e->out;
	size_t nl = strlen(name), sl = strlen(suffix);
	const char *unit;

	if (!e->om) {
		buf__puts(b, "# HELP ");
		buf__puts(b, name);
		buf__puts(b, suffix);
		put_char(b, ' ');
		render__escape_help(b, help);
		render__escape_help(b, help_suffix);
		buf__puts(b, "\n# TYPE ");
		buf__puts(b, name);
		buf__puts(b, suffix);
		put_char(b, ' ');
		buf__puts(b, type);
		put_char(b, '\n');
		return;
	}
	/* OpenMetrics 2.0: the family is named as its samples are, and a
	 * counter's unit comes before its _total */
	if (e->om2) {
		size_t ul = nl;

		if (!sl && !strcmp(type, "counter") && nl >= 6 && !strcmp(name + nl - 6, "_total"))
			ul -= 6;
		unit = sl ? NULL : om_unit(name, ul);
		buf__puts(b, "# TYPE ");
		buf__puts(b, name);
		buf__puts(b, suffix);
		put_char(b, ' ');
		buf__puts(b, type);
		put_char(b, '\n');
		if (unit) {
			buf__puts(b, "# UNIT ");
			buf__puts(b, name);
			put_char(b, ' ');
			buf__puts(b, unit);
			put_char(b, '\n');
		}
		buf__puts(b, "# HELP ");
		buf__puts(b, name);
		buf__puts(b, suffix);
		put_char(b, ' ');
		if (help)
			text__put_escaped(b, help, strlen(help), TEXT_ESC_LABEL);
		text__put_escaped(b, help_suffix, strlen(help_suffix), TEXT_ESC_LABEL);
		put_char(b, '\n');
		return;
	}
	/* family name = name + suffix, less _total for a counter */
	if (!strcmp(type, "counter")) {
		if (sl >= 6 && !strcmp(suffix + sl - 6, "_total"))
			sl -= 6;
		else if (!sl && nl >= 6 && !strcmp(name + nl - 6, "_total"))
			nl -= 6;
	}
	buf__puts(b, "# TYPE ");
	buf__put(b, name, nl);
	buf__put(b, suffix, sl);
	put_char(b, ' ');
	buf__puts(b, type);
	put_char(b, '\n');
	/* the unit is the family name's last word only when there is no suffix
	 * after the metric's own name (name_min is not in seconds by name) */
	unit = sl ? NULL : om_unit(name, nl);
	if (unit) {
		buf__puts(b, "# UNIT ");
		buf__put(b, name, nl);
		put_char(b, ' ');
		buf__puts(b, unit);
		put_char(b, '\n');
	}
	buf__puts(b, "# HELP ");
	buf__put(b, name, nl);
	buf__put(b, suffix, sl);
	put_char(b, ' ');
	if (help)
		text__put_escaped(b, help, strlen(help), TEXT_ESC_LABEL);
	text__put_escaped(b, help_suffix, strlen(help_suffix), TEXT_ESC_LABEL);
	put_char(b, '\n');
}

void render_put_label(struct buf *b, const struct metric_desc *d, const struct series *s, size_t i,
		      size_t j, enum text_esc esc)
{
	const char *text;
	size_t n = 0;
	uint64_t v = 0;

	text = series__label(d, s, i, j, &n, &v);
	if (text)
		text__put_escaped(b, text, n, esc);
	else if (d->labels[j].is_signed)
		put_s64(b, (int64_t)v);
	else
		put_u64(b, v);
}

/* name+suffix{labels...,le="le"} of series si and the space before the value */
static void put_series(struct buf *b, const struct metric_desc *m, const struct series *s,
		       const char *suffix, size_t si, const char *le, size_t le_len)
{
	size_t i;

	put(b, m->name, strlen(m->name));
	put(b, suffix, strlen(suffix));
	if (m->nlabels || le) {
		put_char(b, '{');
		for (i = 0; i < m->nlabels; i++) {
			if (i)
				put_char(b, ',');
			put(b, m->labels[i].name, strlen(m->labels[i].name));
			put(b, "=\"", 2);
			render_put_label(b, m, s, si, i, TEXT_ESC_LABEL);
			put_char(b, '"');
		}
		if (le) {
			put(b, m->nlabels ? ",le=\"" : "le=\"", m->nlabels ? 5 : 4);
			put(b, le, le_len);
			put_char(b, '"');
		}
		put_char(b, '}');
	}
	put_char(b, ' ');
}

/*
 * OpenMetrics 2.0's start timestamp, " st@SECONDS.mmm" (whole milliseconds,
 * as every start is kept): after the value, before any exemplar. Only in
 * OpenMetrics 2.0, and only when there is one.
 */
static void put_start(struct render_enc *e, uint64_t ns)
{
	char ms[4];
	uint64_t r;

	if (!e->om2 || !ns)
		return;
	put(e->out, " st@", 4);
	put_u64(e->out, ns / 1000000000u);
	r = ns % 1000000000u / 1000000u;
	ms[0] = '.';
	ms[1] = (char)('0' + r / 100);
	ms[2] = (char)('0' + r / 10 % 10);
	ms[3] = (char)('0' + r % 10);
	put(e->out, ms, 4);
}

static void text_counter(struct render_enc *e, const struct metric_desc *m, const struct series *s)
{
	bool is_sum = m->agg == BPFPROM_AGG_SUM;
	struct buf *b = e->out;
	const uint64_t *v;
	size_t i;

	put_header(e, m->name, "", m->help, "", "counter");
	if (!series__readable(m, s, is_sum ? BPFPROM_V_SUM + 1 : BPFPROM_V_COUNT + 1))
		return;
	for (i = 0; i < s->n && !b->oom; i++) {
		v = s->values + i * s->value_words;
		put_series(b, m, s, "", i, NULL, 0);
		if (is_sum)
			put_scaled(b, v[BPFPROM_V_SUM], m->value_signed, m->scale);
		else
			put_u64(b, v[BPFPROM_V_COUNT]);
		put_start(e, render_series_start(s, i));
		put_char(b, '\n');
	}
}

/* The le texts are the same for every series: print each bound once. */
struct le_cache {
	char text[BPFPROM_MAX_BUCKETS][FLOAT_MAX];
	uint8_t len[BPFPROM_MAX_BUCKETS];
};

static void text_histogram(struct render_enc *e, const struct metric_desc *m,
			   const struct series *s)
{
	size_t (*fmt)(char *, double) = e->om ? om_float : render__float;
	struct buf *b = e->out;
	struct le_cache lc;
	char tmp[FLOAT_MAX];
	const char *le;
	const uint64_t *v;
	uint64_t cum;
	size_t i, j, le_len;
	bool cached = m->nbuckets <= BPFPROM_MAX_BUCKETS;
	/* OpenMetrics: a histogram with a negative bucket threshold MUST NOT
	 * have a sum (it would not be a counter) */
	bool with_sum = !(e->om && m->nbuckets && m->bounds && m->bounds[0] < 0);

	put_header(e, m->name, "", m->help, "", "histogram");
	if (!series__readable(m, s, BPFPROM_V_BUCKETS + m->nbuckets + 1) ||
	    (m->nbuckets && !m->bounds))
		return;
	for (j = 0; cached && j < m->nbuckets; j++)
		lc.len[j] = (uint8_t)fmt(lc.text[j], m->bounds[j]);
	for (i = 0; i < s->n && !b->oom; i++) {
		v = s->values + i * s->value_words;
		cum = 0;
		for (j = 0; j < m->nbuckets; j++) {
			if (cached) {
				le = lc.text[j];
				le_len = lc.len[j];
			} else {
				le = tmp;
				le_len = fmt(tmp, m->bounds[j]);
			}
			cum += v[BPFPROM_V_BUCKETS + j];
			put_series(b, m, s, "_bucket", i, le, le_len);
			put_u64(b, cum);
			put_char(b, '\n');
		}
		/* the overflow bucket counts only here: +Inf and _count agree */
		cum += v[BPFPROM_V_BUCKETS + m->nbuckets];
		put_series(b, m, s, "_bucket", i, "+Inf", 4);
		put_u64(b, cum);
		put_char(b, '\n');
		if (with_sum) {
			put_series(b, m, s, "_sum", i, NULL, 0);
			put_scaled(b, v[BPFPROM_V_SUM], m->value_signed, m->scale);
			put_char(b, '\n');
		}
		put_series(b, m, s, "_count", i, NULL, 0);
		put_u64(b, cum);
		put_char(b, '\n');
	}
}

static void text_stats_gauge(struct render_enc *e, const struct metric_desc *m,
			     const struct series *s, bool readable, const char *suffix,
			     const char *help_suffix, size_t word)
{
	struct buf *b = e->out;
	const uint64_t *v;
	size_t i;

	put_header(e, m->name, suffix, m->help, help_suffix, "gauge");
	if (!readable)
		return;
	for (i = 0; i < s->n && !b->oom; i++) {
		v = s->values + i * s->value_words;
		/* min and max of no events are not values */
		if (!v[BPFPROM_V_COUNT])
			continue;
		put_series(b, m, s, suffix, i, NULL, 0);
		put_scaled(b, v[word], m->value_signed, m->scale);
		put_char(b, '\n');
	}
}

static void text_stats(struct render_enc *e, const struct metric_desc *m, const struct series *s)
{
	bool readable = series__readable(m, s, BPFPROM_V_MAX + 1);
	struct buf *b = e->out;
	const uint64_t *v;
	size_t i;

	put_header(e, m->name, "", m->help, "", "summary");
	for (i = 0; readable && i < s->n && !b->oom; i++) {
		v = s->values + i * s->value_words;
		put_series(b, m, s, "_sum", i, NULL, 0);
		put_scaled(b, v[BPFPROM_V_SUM], m->value_signed, m->scale);
		put_char(b, '\n');
		put_series(b, m, s, "_count", i, NULL, 0);
		put_u64(b, v[BPFPROM_V_COUNT]);
		put_char(b, '\n');
	}
	text_stats_gauge(e, m, s, readable, "_min", " (minimum)", BPFPROM_V_MIN);
	text_stats_gauge(e, m, s, readable, "_max", " (maximum)", BPFPROM_V_MAX);
}

/* Room for n native spans and buckets in the encoder's scratch. */
static bool om2_reserve(struct render_enc *e, size_t n)
{
	size_t cap = e->om2_cap ? e->om2_cap : 16;
	void *p;

	if (n <= e->om2_cap)
		return true;
	while (cap < n)
		cap *= 2;
	p = realloc(e->om2_spans, cap * sizeof(*e->om2_spans));
	if (!p)
		return false;
	e->om2_spans = p;
	p = realloc(e->om2_deltas, cap * sizeof(*e->om2_deltas));
	if (!p)
		return false;
	e->om2_deltas = p;
	e->om2_cap = cap;
	return true;
}

/*
 * The native fields of an OpenMetrics 2.0 histogram value, after its count
 * and sum: schema, zero_threshold, zero_count, and positive_spans and
 * positive_buckets (absolute counts, not protobuf's deltas) when a positive
 * bucket has observations; the draft's ABNF has no empty span, so a
 * histogram with none leaves both out, as the draft says it SHOULD.
 */
static void om2_native(struct render_enc *e, const struct metric_desc *m, const uint64_t *v)
{
	struct render_native n = { .spans = e->om2_spans, .deltas = e->om2_deltas };
	struct buf *b = e->out;
	char tmp[FLOAT_MAX];
	int64_t count = 0;
	size_t k;

	render__native(m, v, &n);
	put(b, ",schema:", 8);
	put_s64(b, n.schema);
	put(b, ",zero_threshold:", 16);
	put(b, tmp, om_float(tmp, n.zero_threshold));
	put(b, ",zero_count:", 12);
	put_u64(b, n.zero_count);
	if (!n.ndeltas)
		return;
	put(b, ",positive_spans:[", 17);
	for (k = 0; k < n.nspans; k++) {
		if (k)
			put_char(b, ',');
		put_s64(b, n.spans[k].offset);
		put_char(b, ':');
		put_u64(b, n.spans[k].length);
	}
	put(b, "],positive_buckets:[", 20);
	for (k = 0; k < n.ndeltas; k++) {
		if (k)
			put_char(b, ',');
		count += n.deltas[k];
		put_s64(b, count);
	}
	put_char(b, ']');
}

/*
 * OpenMetrics 2.0: one line per series, its value a composite
 * {count:N,sum:S,<native fields>,bucket:[le:cumulative,...,+Inf:N]} with the
 * native fields where the histogram is also a native one (render__native_exact),
 * then its start timestamp. The sum is always there (the draft: a histogram
 * MUST have count and sum), negative bucket thresholds too.
 */
static void om2_histogram(struct render_enc *e, const struct metric_desc *m, const struct series *s)
{
	bool native = render__native_exact(m);
	struct buf *b = e->out;
	struct le_cache lc;
	char tmp[FLOAT_MAX];
	const uint64_t *v;
	uint64_t cum, total;
	size_t i, j;
	bool cached = m->nbuckets <= BPFPROM_MAX_BUCKETS;

	put_header(e, m->name, "", m->help, "", "histogram");
	if (!series__readable(m, s, BPFPROM_V_BUCKETS + m->nbuckets + 1) ||
	    (m->nbuckets && !m->bounds))
		return;
	if (native && !om2_reserve(e, m->nbuckets + 1)) {
		b->oom = true;
		return;
	}
	for (j = 0; cached && j < m->nbuckets; j++)
		lc.len[j] = (uint8_t)om_float(lc.text[j], m->bounds[j]);
	for (i = 0; i < s->n && !b->oom; i++) {
		v = s->values + i * s->value_words;
		total = 0;
		for (j = 0; j <= m->nbuckets; j++)
			total += v[BPFPROM_V_BUCKETS + j];
		put_series(b, m, s, "", i, NULL, 0);
		put(b, "{count:", 7);
		put_u64(b, total);
		put(b, ",sum:", 5);
		put_scaled(b, v[BPFPROM_V_SUM], m->value_signed, m->scale);
		if (native)
			om2_native(e, m, v);
		put(b, ",bucket:[", 9);
		cum = 0;
		for (j = 0; j < m->nbuckets; j++) {
			cum += v[BPFPROM_V_BUCKETS + j];
			if (cached)
				put(b, lc.text[j], lc.len[j]);
			else
				put(b, tmp, om_float(tmp, m->bounds[j]));
			put_char(b, ':');
			put_u64(b, cum);
			put_char(b, ',');
		}
		put(b, "+Inf:", 5);
		put_u64(b, total);
		put(b, "]}", 2);
		put_start(e, render_series_start(s, i));
		put_char(b, '\n');
	}
}

/* OpenMetrics 2.0 stats: a summary {count:N,sum:S,quantile:[]} (no
 * quantiles: they are not aggregatable), then NAME_min and NAME_max. */
static void om2_stats(struct render_enc *e, const struct metric_desc *m, const struct series *s)
{
	bool readable = series__readable(m, s, BPFPROM_V_MAX + 1);
	struct buf *b = e->out;
	const uint64_t *v;
	size_t i;

	put_header(e, m->name, "", m->help, "", "summary");
	for (i = 0; readable && i < s->n && !b->oom; i++) {
		v = s->values + i * s->value_words;
		put_series(b, m, s, "", i, NULL, 0);
		put(b, "{count:", 7);
		put_u64(b, v[BPFPROM_V_COUNT]);
		put(b, ",sum:", 5);
		put_scaled(b, v[BPFPROM_V_SUM], m->value_signed, m->scale);
		put(b, ",quantile:[]}", 13);
		put_start(e, render_series_start(s, i));
		put_char(b, '\n');
	}
	text_stats_gauge(e, m, s, readable, "_min", " (minimum)", BPFPROM_V_MIN);
	text_stats_gauge(e, m, s, readable, "_max", " (maximum)", BPFPROM_V_MAX);
}

static void text_metric(struct render_enc *e, const struct metric_desc *m, const struct series *s)
{
	switch (m->agg) {
	case BPFPROM_AGG_COUNT:
	case BPFPROM_AGG_SUM:
		text_counter(e, m, s);
		break;
	case BPFPROM_AGG_HIST:
	case BPFPROM_AGG_LHIST:
		if (e->om2)
			om2_histogram(e, m, s);
		else
			text_histogram(e, m, s);
		break;
	case BPFPROM_AGG_STATS:
		if (e->om2)
			om2_stats(e, m, s);
		else
			text_stats(e, m, s);
		break;
	default:
		break;
	}
}

static const char *const type_names[] = {
	[RENDER_COUNTER] = "counter",
	[RENDER_GAUGE] = "gauge",
};

static void text_family(struct render_enc *e, const char *name, const char *help,
			enum render_type type)
{
	put_header(e, name, "", help, "", type_names[type]);
}

static void put_sample_labels(struct buf *b, const char *name, size_t nlabels,
			      const char *const *lnames, const char *const *lvalues)
{
	size_t i;

	buf__puts(b, name);
	if (nlabels) {
		put_char(b, '{');
		for (i = 0; i < nlabels; i++) {
			if (i)
				put_char(b, ',');
			buf__puts(b, lnames[i]);
			buf__put(b, "=\"", 2);
			render__escape_label_value(b, lvalues[i], strlen(lvalues[i]));
			put_char(b, '"');
		}
		put_char(b, '}');
	}
	put_char(b, ' ');
}

static void text_sample(struct render_enc *e, size_t nlabels, const char *const *lnames,
			const char *const *lvalues, bool is_u64, uint64_t u, double d)
{
	put_sample_labels(e->out, e->fam_name, nlabels, lnames, lvalues);
	if (is_u64)
		put_u64(e->out, u);
	else
		put_float(e->out, d);
	if (e->fam_type == RENDER_COUNTER)
		put_start(e, e->fam_start_ns);
	put_char(e->out, '\n');
}

static void text_begin(struct render_enc *e)
{
	(void)e;
}

static void text_end(struct render_enc *e)
{
	if (e->om)
		buf__puts(e->out, "# EOF\n");
}

static const struct render_enc_ops text_ops = {
	.begin = text_begin,
	.metric = text_metric,
	.family = text_family,
	.sample = text_sample,
	.end = text_end,
};

struct render_enc *render_enc__new(void)
{
	return calloc(1, sizeof(struct render_enc));
}

void render_enc__free(struct render_enc *e)
{
	if (!e)
		return;
	render_pb_free(e->pb);
	free(e->om2_spans);
	free(e->om2_deltas);
	free(e);
}

void render_enc__begin(struct render_enc *e, enum render_format fmt, struct buf *out)
{
	e->out = out;
	e->om2 = fmt == RENDER_FMT_OPENMETRICS2;
	e->om = fmt == RENDER_FMT_OPENMETRICS || e->om2;
	e->ops = fmt == RENDER_FMT_PROTOBUF ? &render_pb_ops : &text_ops;
	e->fam_name = NULL;
	e->ops->begin(e);
}

void render_enc__metric(struct render_enc *e, const struct metric_desc *d, const struct series *s)
{
	e->ops->metric(e, d, s);
}

void render_enc__family(struct render_enc *e, const char *name, const char *help,
			enum render_type type)
{
	e->fam_name = name;
	e->fam_type = type;
	e->fam_start_ns = 0;
	e->ops->family(e, name, help, type);
}

void render_enc__start(struct render_enc *e, uint64_t start_ns)
{
	e->fam_start_ns = start_ns;
}

void render_enc__sample(struct render_enc *e, size_t nlabels, const char *const *lnames,
			const char *const *lvalues, double value)
{
	if (e->fam_name)
		e->ops->sample(e, nlabels, lnames, lvalues, false, 0, value);
}

void render_enc__sample_u64(struct render_enc *e, size_t nlabels, const char *const *lnames,
			    const char *const *lvalues, uint64_t value)
{
	if (e->fam_name)
		e->ops->sample(e, nlabels, lnames, lvalues, true, value, 0);
}

int render_enc__end(struct render_enc *e)
{
	e->ops->end(e);
	e->fam_name = NULL;
	return e->out->oom ? -ENOMEM : 0;
}

bool render__native_exact(const struct metric_desc *m)
{
	if (m->agg != BPFPROM_AGG_HIST || m->value_signed || !m->nbuckets)
		return false;
	if (m->hist_has_schema)
		return m->bounds != NULL;
	return m->scale == 1 && m->hist_first_slot + m->nbuckets == BPFPROM_LOG2_SLOTS;
}

/*
 * Without a schema, bucket j >= 1 is log2 slot s = first + j, which holds
 * 2^(s-2) < v <= 2^(s-1): native bucket s - 1 of schema 0, which covers
 * (2^(i-1), 2^i]; bucket 0 holds every v <= 2^(first-1) (v == 0 when first
 * is 0). With one, plan laid the buckets out as native ones. Either way
 * bucket 0 is the zero bucket, its le the threshold: the value is unsigned.
 */
void render__native(const struct metric_desc *m, const uint64_t *v, struct render_native *n)
{
	int64_t first = m->hist_has_schema ? m->hist_first_index : (int64_t)m->hist_first_slot;
	int64_t last = 0, idx;
	uint64_t prev = 0, c;
	size_t j;

	n->schema = m->hist_has_schema ? (int32_t)m->hist_schema : 0;
	n->zero_threshold = m->hist_has_schema ? m->bounds[0] :
			    m->hist_first_slot ? ldexp(1, (int)m->hist_first_slot - 1) :
						 0;
	n->zero_count = v[BPFPROM_V_BUCKETS];
	n->nspans = 0;
	n->ndeltas = 0;
	for (j = 1; j < m->nbuckets; j++) {
		c = v[BPFPROM_V_BUCKETS + j];
		if (!c)
			continue;
		idx = first + (int64_t)j - 1;
		if (!n->ndeltas || idx != last + 1) {
			n->spans[n->nspans].offset = (int32_t)(n->ndeltas ? idx - last - 1 : idx);
			n->spans[n->nspans].length = 0;
			n->nspans++;
		}
		n->spans[n->nspans - 1].length++;
		n->deltas[n->ndeltas++] = (int64_t)(c - prev);
		prev = c;
		last = idx;
	}
	if (!n->nspans) {
		n->spans[0].offset = 0;
		n->spans[0].length = 0;
		n->nspans = 1;
	}
}
