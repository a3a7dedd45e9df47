/* SPDX-License-Identifier: GPL-2.0 */
/*
 * series: the series of one metric in one scrape, as collect hands them to
 * render and term: keys and values (CPUs combined, in print order), the text
 * each label prints as, and series that print alike folded into one. collect
 * owns a struct series and the fold's scratch (kept from scrape to scrape);
 * readers take it with the metric's description (metric.h) and reach a
 * label only through series__label. Decoders run here, in series__fold, once
 * per label and series: render and term never call one.
 */
#ifndef BPFPROM_SERIES_H
#define BPFPROM_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "metric.h"
#include "util/buf.h"

/* Where one label's text is in series.label_text. */
struct series_text_ref {
	uint32_t off;
	uint32_t len;
};

struct series {
	/* n keys of key_size bytes and values of value_words u64 (the
	 * strides: the layout of the words is the description's) */
	size_t n;
	size_t key_size;
	const uint8_t *keys;
	size_t value_words;
	const uint64_t *values;
	/* when set (series__fold sets them): label j of series i prints as
	 * label_text[label_at[i * nlabels + j].off ..] (.len bytes), decoded
	 * and valid UTF-8, not yet escaped */
	size_t nlabels;
	const char *label_text;
	const struct series_text_ref *label_at;
	/* NULL, or series i's start timestamp (starts.h), in nanoseconds since
	 * the epoch, whole milliseconds: collect's, and compacted with the
	 * series by series__fold (a folded series starts at the earliest of
	 * its keys' starts) */
	uint64_t *starts;
};

/*
 * The text of a decoded label (metric_label.decode set): the scrape's
 * decoders (decode.h), looked up by the label's cfg_label and part, or a
 * test's. Returns the text (*len bytes) or NULL to print the number.
 */
struct series_decoders {
	const char *(*text)(void *ctx, const struct metric_label *l, uint64_t v, char *buf,
			    size_t buflen, size_t *len);
	/* a string label's decoder (regexp): the text for the string s[0..n) */
	const char *(*str)(void *ctx, const struct metric_label *l, const char *s, size_t n,
			   char *buf, size_t buflen, size_t *len);
	void *ctx;
	/* a stack label's text (stacks.h): *len bytes, or NULL to print the number */
	const char *(*stack)(void *ctx, const struct metric_label *l, uint64_t v, size_t *len);
	void *stack_ctx;
	/* a usym label's text: the function of process pid at addr (ctx is
	 * text's); NULL to print the address in hex */
	const char *(*usym)(void *ctx, const struct metric_label *l, uint64_t addr, uint32_t pid,
			    char *buf, size_t buflen, size_t *len);
};

/*
 * src's events into dst's: counts, sums and buckets add up; stats take the
 * min of the mins and the max of the maxes of what has events (a CPU or a
 * series without events has no min or max). collect adds up CPUs with it,
 * series__fold the series that print alike.
 */
static inline void series__add_values(enum bpfprom_agg agg, bool is_signed, size_t words,
				      uint64_t *dst, const uint64_t *src)
{
	if (agg != BPFPROM_AGG_STATS) {
		for (size_t w = 0; w < words; w++)
			dst[w] += src[w];
		return;
	}
	if (!src[BPFPROM_V_COUNT])
		return;
	if (!dst[BPFPROM_V_COUNT]) {
		memcpy(dst, src, words * sizeof(*dst));
		return;
	}
	dst[BPFPROM_V_COUNT] += src[BPFPROM_V_COUNT];
	dst[BPFPROM_V_SUM] += src[BPFPROM_V_SUM];
	if (is_signed) {
		if ((int64_t)src[BPFPROM_V_MIN] < (int64_t)dst[BPFPROM_V_MIN])
			dst[BPFPROM_V_MIN] = src[BPFPROM_V_MIN];
		if ((int64_t)src[BPFPROM_V_MAX] > (int64_t)dst[BPFPROM_V_MAX])
			dst[BPFPROM_V_MAX] = src[BPFPROM_V_MAX];
	} else {
		if (src[BPFPROM_V_MIN] < dst[BPFPROM_V_MIN])
			dst[BPFPROM_V_MIN] = src[BPFPROM_V_MIN];
		if (src[BPFPROM_V_MAX] > dst[BPFPROM_V_MAX])
			dst[BPFPROM_V_MAX] = src[BPFPROM_V_MAX];
	}
}

/* series__fold's scratch, kept from scrape to scrape. */
struct series_fold {
	struct buf text;
	struct series_text_ref *at;
	size_t at_cap;
	uint32_t *slots; /* series index + 1, 0 empty */
	size_t slots_cap;
};

void series_fold__free(struct series_fold *f);

/*
 * Two keys can print the same labels: two cgroups of one container, or
 * every host process under decode: k8s; two addresses in one function under
 * ksym; two invalid UTF-8 strings that both print as U+FFFD. An exposition
 * must not repeat a series, so this makes the text of every label of every
 * series once (the decoders run here) and folds each series into the first
 * one that prints the same labels: counts, sums and buckets add up, stats
 * take the min of the mins and the max of the maxes. keys and values are s's
 * series, writable; they are compacted in place (s->starts too) and s->n,
 * label_text and label_at are set. Metrics with only plain integer labels print them as
 * they are (no texts kept, nothing folds). dec may be NULL: decoded labels
 * print their numbers. Returns 0, or -ENOMEM with s unchanged.
 */
int series__fold(struct series_fold *f, const struct metric_desc *d,
		 const struct series_decoders *dec, struct series *s, uint8_t *keys,
		 uint64_t *values);

/* Whether s holds series whose labels (as d describes them) and first
 * `words` value words can be read without leaving the keys and values. */
bool series__readable(const struct metric_desc *d, const struct series *s, size_t words);

/*
 * Label j of series i: its text (*len bytes, not escaped) when a decoder or
 * a string made it, or NULL for a plain integer, whose value is then *v
 * (printed straight from the key: the fast path). s must be readable.
 */
static inline const char *series__label(const struct metric_desc *d, const struct series *s,
					size_t i, size_t j, size_t *len, uint64_t *v)
{
	const struct metric_label *l = &d->labels[j];
	const uint8_t *key = s->keys + i * s->key_size;
	const struct series_text_ref *t;

	if (s->label_text) {
		t = &s->label_at[i * s->nlabels + j];
		*len = t->len;
		return s->label_text + t->off;
	}
	if (l->is_str)
		return metric_label__str(l, key, len);
	*v = metric_label__int(l, key);
	return NULL;
}

#endif /* BPFPROM_SERIES_H */
