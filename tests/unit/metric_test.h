/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only: a metric as a unit test writes it, its description (what plan
 * makes, metric.h) and its series (what collect makes, series.h) in one
 * initializer, written through the encoder (tm_enc_metric, tm_text_metric),
 * and the Content-Type each format must be answered with. A decoded label names the test's own decoder
 * function; tm_fold runs it as collect would, through series__fold.
 */
#ifndef BPFPROM_METRIC_TEST_H
#define BPFPROM_METRIC_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "render/render.h"
#include "scrape/series.h"

typedef const char *(*tm_decode_fn)(void *ctx, uint64_t v, bool is_signed, char *buf, size_t buflen,
				    size_t *len);

struct test_label {
	const char *name;
	uint32_t key_off;
	uint32_t key_size;
	bool is_str;
	bool is_signed;
	tm_decode_fn decode; /* NULL: printed as the number (or the string) */
	void *decode_ctx;
};

struct test_metric {
	/* the description */
	const char *name;
	const char *help;
	enum bpfprom_agg agg;
	bool value_signed;
	double scale;
	size_t nlabels;
	struct test_label labels[METRIC_MAX_LABELS];
	size_t nbuckets;
	const double *bounds;
	uint32_t hist_first_slot;
	/* hist with a schema (metric.h): bucket j >= 1 is native bucket
	 * hist_first_index + j - 1 */
	bool hist_has_schema;
	uint32_t hist_schema;
	int32_t hist_first_index;
	/* the series */
	size_t nseries;
	size_t key_size;
	const uint8_t *keys;
	size_t value_words;
	const uint64_t *values;
	/* NULL, or each series' start timestamp (series.starts) */
	uint64_t *starts;
	/* set by tm_fold: the folded series' texts (NULL: none made) */
	const char *label_text;
};

static inline void tm_desc(const struct test_metric *m, struct metric_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->name = m->name;
	d->help = m->help;
	d->agg = m->agg;
	d->value_signed = m->value_signed;
	d->scale = m->scale;
	d->nlabels = m->nlabels;
	for (size_t j = 0; j < m->nlabels && j < METRIC_MAX_LABELS; j++) {
		const struct test_label *t = &m->labels[j];

		d->labels[j] = (struct metric_label){
			.name = t->name,
			.key_off = t->key_off,
			.key_size = t->key_size,
			.is_str = t->is_str,
			.is_signed = t->is_signed,
			/* any kind: the test's function makes the text */
			.decode = t->decode ? CFG_DECODE_STATIC : CFG_DECODE_NONE,
			.cfg_label = (uint8_t)j,
		};
	}
	d->nbuckets = m->nbuckets;
	d->bounds = m->bounds;
	d->hist_first_slot = m->hist_first_slot;
	d->hist_has_schema = m->hist_has_schema;
	d->hist_schema = m->hist_schema;
	d->hist_first_index = m->hist_first_index;
	d->key_size = m->key_size;
	d->value_words = m->value_words;
}

static inline void tm_series(const struct test_metric *m, struct series *s)
{
	memset(s, 0, sizeof(*s));
	s->n = m->nseries;
	s->key_size = m->key_size;
	s->keys = m->keys;
	s->value_words = m->value_words;
	s->values = m->values;
	s->starts = m->starts;
}

/* series_decoders.text: the test label's own function */
static inline const char *tm_decode(void *ctx, const struct metric_label *l, uint64_t v, char *buf,
				    size_t buflen, size_t *len)
{
	const struct test_metric *m = ctx;
	const struct test_label *t = &m->labels[l->cfg_label];

	return t->decode(t->decode_ctx, v, l->is_signed, buf, buflen, len);
}

static inline bool tm_decoded(const struct test_metric *m)
{
	for (size_t j = 0; j < m->nlabels; j++) {
		if (m->labels[j].decode)
			return true;
	}
	return false;
}

static inline bool tm_native_exact(const struct test_metric *m)
{
	struct metric_desc d;

	tm_desc(m, &d);
	return render__native_exact(&d);
}

/* Fold m's series as collect does: keys and values are m's, writable. m's
 * nseries and label_text follow; d and s are what render reads. */
static inline int tm_fold(struct series_fold *f, struct test_metric *m, uint8_t *keys,
			  uint64_t *values, struct metric_desc *d, struct series *s)
{
	struct series_decoders dec = { .text = tm_decode, .ctx = m };
	int err;

	m->keys = keys;
	m->values = values;
	tm_desc(m, d);
	tm_series(m, s);
	err = series__fold(f, d, &dec, s, keys, values);
	m->nseries = s->n;
	m->label_text = s->label_text;
	return err;
}

/* m into e; decoded labels first get their texts, on copies of m's series. */
static inline void tm_enc_metric(struct render_enc *e, const struct test_metric *m)
{
	struct series_fold f = { 0 };
	struct test_metric c = *m;
	struct metric_desc d;
	struct series s;
	uint8_t *keys;
	uint64_t *values;

	if (!tm_decoded(m)) {
		tm_desc(m, &d);
		tm_series(m, &s);
		render_enc__metric(e, &d, &s);
		return;
	}
	keys = malloc(m->nseries * m->key_size + 1);
	values = malloc(m->nseries * m->value_words * sizeof(*values) + 1);
	if (keys && values) {
		memcpy(keys, m->keys, m->nseries * m->key_size);
		memcpy(values, m->values, m->nseries * m->value_words * sizeof(*values));
		if (!tm_fold(&f, &c, keys, values, &d, &s))
			render_enc__metric(e, &d, &s);
	}
	series_fold__free(&f);
	free(values);
	free(keys);
}

/* Text exposition format 0.0.4: HELP, TYPE and the samples of one metric. */
static inline void tm_text_metric(struct buf *b, const struct test_metric *m)
{
	struct render_enc *e = render_enc__new();

	if (!e) {
		b->oom = true;
		return;
	}
	render_enc__begin(e, RENDER_FMT_TEXT, b);
	tm_enc_metric(e, m);
	render_enc__end(e);
	render_enc__free(e);
}

/* The Content-Type of a format (OpenMetrics: version 1.0.0), as negotiate
 * must answer it. */
static inline const char *tm_content_type(enum render_format fmt)
{
	switch (fmt) {
	case RENDER_FMT_OPENMETRICS:
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	case RENDER_FMT_OPENMETRICS2:
		return "application/openmetrics-text; version=2.0.0; charset=utf-8";
	case RENDER_FMT_PROTOBUF:
		return "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
		       "encoding=delimited";
	default:
		return "text/plain; version=0.0.4; charset=utf-8";
	}
}

#endif /* BPFPROM_METRIC_TEST_H */
