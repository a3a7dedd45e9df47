// SPDX-License-Identifier: GPL-2.0
/*
 * Decode a protobuf exposition (a stream of varint-delimited
 * io.prometheus.client.MetricFamily messages) from stdin with protobuf-c,
 * and print it as text-format samples, for the tests:
 *   # FAMILY NAME TYPE METRICS
 *   NAME{LABEL="VALUE",...} VALUE          (counter, gauge, untyped)
 *   NAME_bucket{...,le="BOUND"} COUNT      (histogram: classic buckets)
 *   NAME_sum{...} SUM, NAME_count{...} COUNT  (histogram, summary)
 * Label values are escaped as text 0.0.4 escapes them (\\, \", \n) and
 * nothing else: invalid UTF-8 in the message stays invalid in the output,
 * for the caller to check (iconv). Exit 1 on a truncated or undecodable
 * message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/prometheus/client/metrics.pb-c.h"

static const char *type_name(Io__Prometheus__Client__MetricType t)
{
	switch (t) {
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER:
		return "counter";
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE:
		return "gauge";
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__SUMMARY:
		return "summary";
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM:
		return "histogram";
	case IO__PROMETHEUS__CLIENT__METRIC_TYPE__UNTYPED:
		return "untyped";
	default:
		return "unknown";
	}
}

static void put_value(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

/* NAME{labels[,le="BOUND"]} */
static void put_series(const char *name, const char *suffix,
		       const Io__Prometheus__Client__Metric *m, const double *le)
{
	size_t i;

	printf("%s%s", name, suffix);
	if (!m->n_label && !le)
		return;
	putchar('{');
	for (i = 0; i < m->n_label; i++) {
		printf("%s%s=\"", i ? "," : "", m->label[i]->name);
		put_value(m->label[i]->value);
		putchar('"');
	}
	if (le)
		printf("%sle=\"%.17g\"", m->n_label ? "," : "", *le);
	putchar('}');
}

static void put_number(double v)
{
	if (v == (double)(int64_t)v)
		printf(" %lld\n", (long long)v);
	else
		printf(" %.17g\n", v);
}

static void dump(const Io__Prometheus__Client__MetricFamily *f)
{
	const Io__Prometheus__Client__Metric *m;
	size_t i, k;

	printf("# FAMILY %s %s %zu\n", f->name, type_name(f->type), f->n_metric);
	for (i = 0; i < f->n_metric; i++) {
		m = f->metric[i];
		if (m->counter || m->gauge || m->untyped) {
			put_series(f->name, "", m, NULL);
			put_number(m->counter ? m->counter->value :
				   m->gauge   ? m->gauge->value :
						m->untyped->value);
		} else if (m->histogram) {
			for (k = 0; k < m->histogram->n_bucket; k++) {
				put_series(f->name, "_bucket", m,
					   &m->histogram->bucket[k]->upper_bound);
				put_number((double)m->histogram->bucket[k]->cumulative_count);
			}
			put_series(f->name, "_sum", m, NULL);
			put_number(m->histogram->sample_sum);
			put_series(f->name, "_count", m, NULL);
			put_number((double)m->histogram->sample_count);
		} else if (m->summary) {
			put_series(f->name, "_sum", m, NULL);
			put_number(m->summary->sample_sum);
			put_series(f->name, "_count", m, NULL);
			put_number((double)m->summary->sample_count);
		}
	}
}

int main(void)
{
	static uint8_t in[64 << 20];
	size_t n = fread(in, 1, sizeof(in), stdin), off = 0;
	Io__Prometheus__Client__MetricFamily *f;
	uint64_t len;
	int shift;

	if (n == sizeof(in)) {
		fprintf(stderr, "pbdump: input larger than %zu bytes\n", sizeof(in));
		return 1;
	}
	while (off < n) {
		len = 0;
		for (shift = 0;; shift += 7) {
			if (off >= n || shift > 63) {
				fprintf(stderr, "pbdump: truncated length at byte %zu\n", off);
				return 1;
			}
			len |= (uint64_t)(in[off] & 0x7f) << shift;
			if (!(in[off++] & 0x80))
				break;
		}
		if (len > n - off) {
			fprintf(stderr,
				"pbdump: message of %llu bytes at byte %zu runs past the end\n",
				(unsigned long long)len, off);
			return 1;
		}
		f = io__prometheus__client__metric_family__unpack(NULL, len, in + off);
		if (!f) {
			fprintf(stderr, "pbdump: cannot decode the message at byte %zu\n", off);
			return 1;
		}
		dump(f);
		io__prometheus__client__metric_family__free_unpacked(f, NULL);
		off += len;
	}
	return 0;
}
