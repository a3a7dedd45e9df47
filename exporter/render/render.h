/* SPDX-License-Identifier: GPL-2.0 */
/*
 * render: turn collected series into exposition bytes. Pure: no kernel, no
 * libbpf, no allocation per sample (the output buffer grows geometrically and
 * is reused from scrape to scrape).
 */
#ifndef BPFPROM_RENDER_H
#define BPFPROM_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfprom.h"
#include "util/buf.h"

/* How one label of a map key is printed. */
struct render_label {
	const char *name;
	uint32_t key_off;
	uint32_t key_size;
	bool is_str; /* NUL-padded bytes; else an integer of key_size (8) bytes */
	bool is_signed;
	/* integer labels: when set, the text comes from decode(decode_ctx, ...)
	 * (see decode.h), escaped like any label value */
	const char *(*decode)(void *ctx, uint64_t v, bool is_signed, char *buf, size_t buflen,
			      size_t *len);
	void *decode_ctx;
};

/* Labels a metric prints: decode: k8s prints one key label as three. */
#define RENDER_MAX_LABELS (BPFPROM_MAX_LABELS + 2)

/* Where one label's printed text is in render_metric.label_text. */
struct render_text_ref {
	uint32_t off;
	uint32_t len;
};

/* One user metric and its series, as collect hands it over. */
struct render_metric {
	const char *name; /* full name, namespace applied; counters end in _total */
	const char *help;
	enum bpfprom_agg agg;
	bool value_signed; /* sum, min, max are s64 */
	double scale; /* 1, or 1e-9 for unit: seconds on nanoseconds */
	size_t nlabels;
	struct render_label labels[RENDER_MAX_LABELS];
	/* hist/lhist: finite upper bounds (already scaled), nbuckets of them */
	size_t nbuckets;
	const double *bounds;
	/* hist: the log2 slot of bucket 0 (bpfprom.h), for native histograms */
	uint32_t hist_first_slot;
	/* series: nseries keys of key_size bytes and values of value_words u64,
	 * CPUs already combined. Value layout as bpf/bpfprom.h describes:
	 * count: [0] count. sum: [0] count, [1] sum.
	 * hist, lhist: [0] unused, [1] sum, [2 .. 2+nbuckets] bucket counts, the
	 * last being the overflow that only +Inf holds; _count is their total.
	 * stats: [0] count, [1] sum, [2] min, [3] max (min/max meaningless when
	 * count is 0). */
	size_t nseries;
	size_t key_size;
	const uint8_t *keys;
	size_t value_words;
	const uint64_t *values;
	/* when set (render__merge sets them): label j of series i prints as
	 * label_text[label_at[i * nlabels + j].off ..] (.len bytes), decoded
	 * and valid UTF-8, not yet escaped */
	const char *label_text;
	const struct render_text_ref *label_at;
};

/* render__merge's scratch, kept from scrape to scrape. */
struct render_merge {
	struct buf text;
	struct render_text_ref *at;
	size_t at_cap;
	uint32_t *slots; /* series index + 1, 0 empty */
	size_t slots_cap;
};

void render_merge__free(struct render_merge *mg);

/*
 * Two keys can print the same labels: two cgroups of one container, or
 * every host process under decode: k8s; two addresses in one function under
 * ksym; two invalid UTF-8 strings that both print as U+FFFD. An exposition
 * must not repeat a series, so this prints every label of every series once
 * (the decoders run here, once per label and series, not once per line) and
 * folds each series into the first one that prints the same labels: counts,
 * sums and buckets add up, stats take the min of the mins and the max of the
 * maxes. keys and values are m's series, writable; they are compacted in
 * place and m->nseries, label_text and label_at are set. Metrics with only
 * plain integer labels print them as they are (no texts kept, nothing
 * folds). Returns 0, or -ENOMEM with m unchanged.
 */
int render__merge(struct render_merge *mg, struct render_metric *m, uint8_t *keys,
		  uint64_t *values);

/* The exposition formats a scrape can be answered in. */
enum render_format {
	RENDER_FMT_TEXT = 0, /* text 0.0.4 */
	RENDER_FMT_OPENMETRICS, /* OpenMetrics 1.0.0 text */
	RENDER_FMT_PROTOBUF, /* io.prometheus.client.MetricFamily, length-delimited */
	RENDER_FMT__COUNT,
};

/* Family types, for metrics that are not a render_metric (self-metrics). */
enum render_type {
	RENDER_COUNTER = 0,
	RENDER_GAUGE,
};

/*
 * An encoder: one exposition in one format, written into a caller's buffer.
 * User metrics and self-metrics go through the same encoder, so every format
 * renders both. It keeps scratch space (protobuf messages, arrays sized by
 * the largest metric, grown geometrically) from one scrape to the next: a
 * steady-state scrape allocates nothing per sample. Not thread-safe: one
 * exposition at a time.
 *
 *   enc = render_enc__new();
 *   render_enc__begin(enc, RENDER_FMT_OPENMETRICS, &buf);
 *   render_enc__metric(enc, &m);                  any number of these
 *   render_enc__family(enc, "x_total", "Help.", RENDER_COUNTER);
 *   render_enc__sample_u64(enc, 1, names, values, 42);
 *   err = render_enc__end(enc);                   OpenMetrics: "# EOF"
 */
struct render_enc;

struct render_enc *render_enc__new(void);
void render_enc__free(struct render_enc *e);
void render_enc__begin(struct render_enc *e, enum render_format fmt, struct buf *out);
void render_enc__metric(struct render_enc *e, const struct render_metric *m);
/* A family of plain samples: counters end in _total (text and protobuf name
 * the family so; OpenMetrics names it without the suffix). */
void render_enc__family(struct render_enc *e, const char *name, const char *help,
			enum render_type type);
/* A sample of the last family, named as the family was given. */
void render_enc__sample(struct render_enc *e, size_t nlabels, const char *const *lnames,
			const char *const *lvalues, double value);
void render_enc__sample_u64(struct render_enc *e, size_t nlabels, const char *const *lnames,
			    const char *const *lvalues, uint64_t value);
/* Finish the exposition: 0, or -ENOMEM if any part could not be written. */
int render_enc__end(struct render_enc *e);

/* The Content-Type of a format (OpenMetrics: version 1.0.0). */
const char *render__content_type(enum render_format fmt);

/*
 * Whether m's histogram maps exactly onto a native histogram of schema 0:
 * a log2 hist of an unsigned value in its own unit (no unit: seconds), whose
 * buckets reach the last slot (no buckets.max, so nothing lands in the
 * overflow bucket that only +Inf holds).
 */
bool render__native_exact(const struct render_metric *m);

/* Text exposition format 0.0.4: HELP, TYPE and the samples of one metric.
 * count/sum -> counter; hist/lhist -> histogram (cumulative _bucket with le,
 * +Inf, _sum, _count); stats -> summary (_sum, _count) followed by gauge
 * families <name>_min and <name>_max. */
void render__text_metric(struct buf *b, const struct render_metric *m);

/* For self-metrics: a family header, then samples with label pairs. */
void render__text_family(struct buf *b, const char *name, const char *help, const char *type);
void render__text_sample(struct buf *b, const char *name, size_t nlabels, const char *const *lnames,
			 const char *const *lvalues, double value);
void render__text_sample_u64(struct buf *b, const char *name, size_t nlabels,
			     const char *const *lnames, const char *const *lvalues, uint64_t value);

/* Escaping as the text format defines it; invalid UTF-8 becomes U+FFFD. */
void render__escape_label_value(struct buf *b, const char *s, size_t n);
void render__escape_help(struct buf *b, const char *s);

/* A double as Go's strconv.FormatFloat(v, 'g', -1, 64) prints it (shortest
 * round-trip; "+Inf", "-Inf", "NaN"). Returns the length written to out
 * (out must hold 32 bytes). */
size_t render__float(char *out, double v);

#endif /* BPFPROM_RENDER_H */
