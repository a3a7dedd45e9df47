/* SPDX-License-Identifier: GPL-2.0 */
/*
 * render: write a metric's series (its description, metric.h, and what
 * collect read, series.h) and the exporter's own samples as exposition bytes.
 * It only writes: label texts come made by series__fold (render calls no
 * decoder). Pure: no kernel, no libbpf, no allocation per sample (the output
 * buffer grows geometrically and is reused from scrape to scrape).
 */
#ifndef BPFPROM_RENDER_H
#define BPFPROM_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfprom.h"
#include "metric.h"
#include "scrape/series.h"
#include "util/buf.h"

/* The exposition formats a scrape can be answered in. */
enum render_format {
	RENDER_FMT_TEXT = 0, /* text 0.0.4 */
	RENDER_FMT_OPENMETRICS, /* OpenMetrics 1.0.0 text */
	RENDER_FMT_PROTOBUF, /* io.prometheus.client.MetricFamily, length-delimited */
	RENDER_FMT_OPENMETRICS2, /* OpenMetrics 2.0.0 text (the 2.0.0-rc0 draft) */
	RENDER_FMT__COUNT,
};

/* Family types, for metrics that have no description (self-metrics). */
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
 *   render_enc__metric(enc, &desc, &series);      any number of these
 *   render_enc__family(enc, "x_total", "Help.", RENDER_COUNTER);
 *   render_enc__sample_u64(enc, 1, names, values, 42);
 *   err = render_enc__end(enc);                   OpenMetrics: "# EOF"
 */
struct render_enc;

struct render_enc *render_enc__new(void);
void render_enc__free(struct render_enc *e);
void render_enc__begin(struct render_enc *e, enum render_format fmt, struct buf *out);
void render_enc__metric(struct render_enc *e, const struct metric_desc *d, const struct series *s);
/* A family of plain samples: counters end in _total (text and protobuf name
 * the family so; OpenMetrics names it without the suffix). */
void render_enc__family(struct render_enc *e, const char *name, const char *help,
			enum render_type type);
/* The start timestamp of the last family's next samples (a counter's: where
 * the format has one), nanoseconds since the epoch; 0: none. A family
 * starts with none. */
void render_enc__start(struct render_enc *e, uint64_t start_ns);
/* A sample of the last family, named as the family was given. */
void render_enc__sample(struct render_enc *e, size_t nlabels, const char *const *lnames,
			const char *const *lvalues, double value);
void render_enc__sample_u64(struct render_enc *e, size_t nlabels, const char *const *lnames,
			    const char *const *lvalues, uint64_t value);
/* Finish the exposition: 0, or -ENOMEM if any part could not be written. */
int render_enc__end(struct render_enc *e);

/*
 * Whether d's histogram is also a native histogram: a hist of an unsigned
 * value with a schema (its buckets are native ones, in the exported unit),
 * or without one a log2 hist in its own unit (no unit: seconds) whose
 * buckets reach the last slot (no buckets.max). With a schema and
 * buckets.max, what lands past max counts in the native count and in no
 * bucket, as Prometheus counts an observation no bucket holds.
 */
bool render__native_exact(const struct metric_desc *d);

/* One run of consecutive native buckets: offset is the gap from the end of
 * the previous span (the first span's: its bucket index). */
struct render_span {
	int32_t offset;
	uint32_t length;
};

/* A series as a native histogram; spans and deltas are the caller's, each
 * room for the metric's nbuckets + 1 entries. */
struct render_native {
	int32_t schema;
	double zero_threshold;
	uint64_t zero_count;
	size_t nspans;
	struct render_span *spans;
	size_t ndeltas;
	int64_t *deltas; /* each non-empty bucket's count minus the previous one's */
};

/*
 * The one native mapping of every format that carries native histograms
 * (protobuf; OpenMetrics 2.0): d's series with value words v, for d where
 * render__native_exact holds. Bucket 0 is the zero bucket; empty buckets
 * make gaps between spans; no bucket at all still makes one empty span (as
 * client_golang does: it marks the histogram native).
 */
void render__native(const struct metric_desc *d, const uint64_t *v, struct render_native *n);

/* Escaping as the text format defines it; invalid UTF-8 becomes U+FFFD. */
void render__escape_label_value(struct buf *b, const char *s, size_t n);
void render__escape_help(struct buf *b, const char *s);

/* A double as Go's strconv.FormatFloat(v, 'g', -1, 64) prints it (shortest
 * round-trip; "+Inf", "-Inf", "NaN"). Returns the length written to out
 * (out must hold 32 bytes). */
size_t render__float(char *out, double v);

#endif /* BPFPROM_RENDER_H */
