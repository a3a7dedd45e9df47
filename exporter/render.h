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

#include "../bpf/bpfprom.h"

/* A growable byte buffer, reused across scrapes: reset len, keep data. */
struct render_buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom; /* an append failed; the content is incomplete */
};

void render_buf__reset(struct render_buf *b);
void render_buf__free(struct render_buf *b);
void render_buf__put(struct render_buf *b, const char *s, size_t n);
void render_buf__puts(struct render_buf *b, const char *s);
void render_buf__printf(struct render_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

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

/* One user metric and its series, as collect hands it over. */
struct render_metric {
	const char *name; /* full name, namespace applied; counters end in _total */
	const char *help;
	enum bpfprom_agg agg;
	bool value_signed; /* sum, min, max are s64 */
	double scale; /* 1, or 1e-9 for unit: seconds on nanoseconds */
	size_t nlabels;
	struct render_label labels[BPFPROM_MAX_LABELS];
	/* hist/lhist: finite upper bounds (already scaled), nbuckets of them */
	size_t nbuckets;
	const double *bounds;
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
};

/* Text exposition format 0.0.4: HELP, TYPE and the samples of one metric.
 * count/sum -> counter; hist/lhist -> histogram (cumulative _bucket with le,
 * +Inf, _sum, _count); stats -> summary (_sum, _count) followed by gauge
 * families <name>_min and <name>_max. */
void render__text_metric(struct render_buf *b, const struct render_metric *m);

/* For self-metrics: a family header, then samples with label pairs. */
void render__text_family(struct render_buf *b, const char *name, const char *help,
			 const char *type);
void render__text_sample(struct render_buf *b, const char *name, size_t nlabels,
			 const char *const *lnames, const char *const *lvalues, double value);
void render__text_sample_u64(struct render_buf *b, const char *name, size_t nlabels,
			     const char *const *lnames, const char *const *lvalues, uint64_t value);

/* Escaping as the text format defines it; invalid UTF-8 becomes U+FFFD. */
void render__escape_label_value(struct render_buf *b, const char *s, size_t n);
void render__escape_help(struct render_buf *b, const char *s);

/* A double as Go's strconv.FormatFloat(v, 'g', -1, 64) prints it (shortest
 * round-trip; "+Inf", "-Inf", "NaN"). Returns the length written to out
 * (out must hold 32 bytes). */
size_t render__float(char *out, double v);

#endif /* BPFPROM_RENDER_H */
