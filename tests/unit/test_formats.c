// SPDX-License-Identifier: GPL-2.0
/*
 * The exposition formats through render's encoder: golden bytes of text
 * 0.0.4 and OpenMetrics for the same samples, protobuf decoded back with
 * protoc-c's generated unpack functions and compared field by field
 * (native histogram spans and deltas at bucket seams), Accept and
 * Accept-Encoding negotiation, and gzip round trips.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "google/protobuf/timestamp.pb-c.h"
#include "io/prometheus/client/metrics.pb-c.h"

#include "web/compress.h"
#include "web/negotiate.h"
#include "render/render.h"
#include "metric_test.h"

typedef Io__Prometheus__Client__MetricFamily pb_family;
typedef Io__Prometheus__Client__Metric pb_metric;

#define T_COUNTER IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER
#define T_GAUGE IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE
#define T_SUMMARY IO__PROMETHEUS__CLIENT__METRIC_TYPE__SUMMARY
#define T_HISTOGRAM IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM

/* ---- the samples every format renders --------------------------------- */

static const struct test_label comm_label = {
	.name = "comm",
	.key_off = 0,
	.key_size = BPFPROM_COMM_LEN,
	.is_str = true,
};

static const struct test_label pid_label = {
	.name = "pid",
	.key_off = 0,
	.key_size = 8,
};

/* a counter whose help and labels need escaping (and a U+FFFD) */
static uint8_t reads_keys[2 * BPFPROM_COMM_LEN];
static const uint64_t reads_values[2] = { 3, 5 };
static const struct test_metric reads = {
	.name = "app_reads_total",
	.help = "Reads \"quoted\" \\ back\nslash.",
	.agg = BPFPROM_AGG_COUNT,
	.scale = 1,
	.nlabels = 1,
	.labels = { comm_label },
	.nseries = 2,
	.key_size = BPFPROM_COMM_LEN,
	.keys = reads_keys,
	.value_words = 1,
	.values = reads_values,
};

/* a log2 hist in bytes cut at 8 (buckets.max): classic buckets only */
static const double write_bounds[5] = { 0, 1, 2, 4, 8 };
static const uint8_t no_key[8];
static const uint64_t write_values[8] = { 0, 123, 1, 2, 3, 0, 4, 5 };
static const struct test_metric writes = {
	.name = "app_write_bytes",
	.help = "Write sizes.",
	.agg = BPFPROM_AGG_HIST,
	.scale = 1,
	.nbuckets = 5,
	.bounds = write_bounds,
	.hist_first_slot = 0,
	.nseries = 1,
	.key_size = sizeof(no_key),
	.keys = no_key,
	.value_words = 8,
	.values = write_values,
};

/* an lhist of a signed value with negative thresholds */
static const double ret_bounds[3] = { -10, 0, 10 };
static const uint64_t ret_values[6] = { 0, (uint64_t)-7, 1, 2, 3, 1 };
static const struct test_metric rets = {
	.name = "app_ret",
	.help = "Return values.",
	.agg = BPFPROM_AGG_LHIST,
	.value_signed = true,
	.scale = 1,
	.nbuckets = 3,
	.bounds = ret_bounds,
	.nseries = 1,
	.key_size = sizeof(no_key),
	.keys = no_key,
	.value_words = 6,
	.values = ret_values,
};

/* stats in seconds, one series without events */
static uint8_t lat_keys[16];
static const uint64_t lat_values[8] = {
	4, 3000000000, 500000000, 1500000000, 0, 0, 0, 0,
};
static const struct test_metric lat = {
	.name = "app_lat_seconds",
	.help = "Latency.",
	.agg = BPFPROM_AGG_STATS,
	.scale = 1e-9,
	.nlabels = 1,
	.labels = { pid_label },
	.nseries = 2,
	.key_size = 8,
	.keys = lat_keys,
	.value_words = 4,
	.values = lat_values,
};

/* a log2 hist of nanoseconds shown in seconds: bounds 2^k / 1e9 */
static const double sleep_bounds[4] = { 1e-9, 2e-9, 4e-9, 8e-9 };
static const uint64_t sleep_values[7] = { 0, 5, 1, 1, 0, 1, 0 };
static const struct test_metric sleeps = {
	.name = "app_sleep_seconds",
	.help = "Sleeps.",
	.agg = BPFPROM_AGG_HIST,
	.scale = 1e-9,
	.nbuckets = 4,
	.bounds = sleep_bounds,
	.hist_first_slot = 1,
	.nseries = 1,
	.key_size = sizeof(no_key),
	.keys = no_key,
	.value_words = 7,
	.values = sleep_values,
};

static int setup_keys(void **state)
{
	uint64_t pids[2] = { 42, 7 };

	(void)state;
	memset(reads_keys, 0, sizeof(reads_keys));
	memcpy(reads_keys, "q\"b\\s\nx", 7);
	memcpy(reads_keys + BPFPROM_COMM_LEN, "\xff\xfeok", 4);
	memcpy(lat_keys, pids, sizeof(pids));
	return 0;
}

static void render_all(struct render_enc *e, enum render_format fmt, struct buf *b)
{
	static const char *const dn[2] = { "metric", "reason" };
	static const char *const dv[2] = { "app_reads_total", "map_full" };
	static const char *const bn[1] = { "version" };
	static const char *const bv[1] = { "0.1.0" };

	render_enc__begin(e, fmt, b);
	tm_enc_metric(e, &reads);
	tm_enc_metric(e, &writes);
	tm_enc_metric(e, &rets);
	tm_enc_metric(e, &lat);
	tm_enc_metric(e, &sleeps);
	render_enc__family(e, "bpfprom_dropped_events_total", "Events not counted.",
			   RENDER_COUNTER);
	render_enc__sample_u64(e, 2, dn, dv, 2);
	render_enc__family(e, "bpfprom_build_info", "Build.", RENDER_GAUGE);
	render_enc__sample(e, 1, bn, bv, 1);
	assert_int_equal(render_enc__end(e), 0);
}

static const char text_want[] =
	"# HELP app_reads_total Reads \"quoted\" \\\\ back\\nslash.\n"
	"# TYPE app_reads_total counter\n"
	"app_reads_total{comm=\"q\\\"b\\\\s\\nx\"} 3\n"
	"app_reads_total{comm=\"\xef\xbf\xbdok\"} 5\n"
	"# HELP app_write_bytes Write sizes.\n"
	"# TYPE app_write_bytes histogram\n"
	"app_write_bytes_bucket{le=\"0\"} 1\n"
	"app_write_bytes_bucket{le=\"1\"} 3\n"
	"app_write_bytes_bucket{le=\"2\"} 6\n"
	"app_write_bytes_bucket{le=\"4\"} 6\n"
	"app_write_bytes_bucket{le=\"8\"} 10\n"
	"app_write_bytes_bucket{le=\"+Inf\"} 15\n"
	"app_write_bytes_sum 123\n"
	"app_write_bytes_count 15\n"
	"# HELP app_ret Return values.\n"
	"# TYPE app_ret histogram\n"
	"app_ret_bucket{le=\"-10\"} 1\n"
	"app_ret_bucket{le=\"0\"} 3\n"
	"app_ret_bucket{le=\"10\"} 6\n"
	"app_ret_bucket{le=\"+Inf\"} 7\n"
	"app_ret_sum -7\n"
	"app_ret_count 7\n"
	"# HELP app_lat_seconds Latency.\n"
	"# TYPE app_lat_seconds summary\n"
	"app_lat_seconds_sum{pid=\"42\"} 3\n"
	"app_lat_seconds_count{pid=\"42\"} 4\n"
	"app_lat_seconds_sum{pid=\"7\"} 0\n"
	"app_lat_seconds_count{pid=\"7\"} 0\n"
	"# HELP app_lat_seconds_min Latency. (minimum)\n"
	"# TYPE app_lat_seconds_min gauge\n"
	"app_lat_seconds_min{pid=\"42\"} 0.5\n"
	"# HELP app_lat_seconds_max Latency. (maximum)\n"
	"# TYPE app_lat_seconds_max gauge\n"
	"app_lat_seconds_max{pid=\"42\"} 1.5\n"
	"# HELP app_sleep_seconds Sleeps.\n"
	"# TYPE app_sleep_seconds histogram\n"
	"app_sleep_seconds_bucket{le=\"1e-09\"} 1\n"
	"app_sleep_seconds_bucket{le=\"2e-09\"} 2\n"
	"app_sleep_seconds_bucket{le=\"4e-09\"} 2\n"
	"app_sleep_seconds_bucket{le=\"8e-09\"} 3\n"
	"app_sleep_seconds_bucket{le=\"+Inf\"} 3\n"
	"app_sleep_seconds_sum 5e-09\n"
	"app_sleep_seconds_count 3\n"
	"# HELP bpfprom_dropped_events_total Events not counted.\n"
	"# TYPE bpfprom_dropped_events_total counter\n"
	"bpfprom_dropped_events_total{metric=\"app_reads_total\",reason=\"map_full\"} 2\n"
	"# HELP bpfprom_build_info Build.\n"
	"# TYPE bpfprom_build_info gauge\n"
	"bpfprom_build_info{version=\"0.1.0\"} 1\n";

/*
 * OpenMetrics: TYPE, UNIT, HELP; counter families without _total; HELP
 * escapes quotes; le in canonical form; no _sum beside a negative threshold;
 * # EOF.
 */
static const char om_want[] =
	"# TYPE app_reads counter\n"
	"# HELP app_reads Reads \\\"quoted\\\" \\\\ back\\nslash.\n"
	"app_reads_total{comm=\"q\\\"b\\\\s\\nx\"} 3\n"
	"app_reads_total{comm=\"\xef\xbf\xbdok\"} 5\n"
	"# TYPE app_write_bytes histogram\n"
	"# UNIT app_write_bytes bytes\n"
	"# HELP app_write_bytes Write sizes.\n"
	"app_write_bytes_bucket{le=\"0.0\"} 1\n"
	"app_write_bytes_bucket{le=\"1.0\"} 3\n"
	"app_write_bytes_bucket{le=\"2.0\"} 6\n"
	"app_write_bytes_bucket{le=\"4.0\"} 6\n"
	"app_write_bytes_bucket{le=\"8.0\"} 10\n"
	"app_write_bytes_bucket{le=\"+Inf\"} 15\n"
	"app_write_bytes_sum 123\n"
	"app_write_bytes_count 15\n"
	"# TYPE app_ret histogram\n"
	"# HELP app_ret Return values.\n"
	"app_ret_bucket{le=\"-10.0\"} 1\n"
	"app_ret_bucket{le=\"0.0\"} 3\n"
	"app_ret_bucket{le=\"10.0\"} 6\n"
	"app_ret_bucket{le=\"+Inf\"} 7\n"
	"app_ret_count 7\n"
	"# TYPE app_lat_seconds summary\n"
	"# UNIT app_lat_seconds seconds\n"
	"# HELP app_lat_seconds Latency.\n"
	"app_lat_seconds_sum{pid=\"42\"} 3\n"
	"app_lat_seconds_count{pid=\"42\"} 4\n"
	"app_lat_seconds_sum{pid=\"7\"} 0\n"
	"app_lat_seconds_count{pid=\"7\"} 0\n"
	"# TYPE app_lat_seconds_min gauge\n"
	"# HELP app_lat_seconds_min Latency. (minimum)\n"
	"app_lat_seconds_min{pid=\"42\"} 0.5\n"
	"# TYPE app_lat_seconds_max gauge\n"
	"# HELP app_lat_seconds_max Latency. (maximum)\n"
	"app_lat_seconds_max{pid=\"42\"} 1.5\n"
	"# TYPE app_sleep_seconds histogram\n"
	"# UNIT app_sleep_seconds seconds\n"
	"# HELP app_sleep_seconds Sleeps.\n"
	"app_sleep_seconds_bucket{le=\"1e-09\"} 1\n"
	"app_sleep_seconds_bucket{le=\"2e-09\"} 2\n"
	"app_sleep_seconds_bucket{le=\"4e-09\"} 2\n"
	"app_sleep_seconds_bucket{le=\"8e-09\"} 3\n"
	"app_sleep_seconds_bucket{le=\"+Inf\"} 3\n"
	"app_sleep_seconds_sum 5e-09\n"
	"app_sleep_seconds_count 3\n"
	"# TYPE bpfprom_dropped_events counter\n"
	"# HELP bpfprom_dropped_events Events not counted.\n"
	"bpfprom_dropped_events_total{metric=\"app_reads_total\",reason=\"map_full\"} 2\n"
	"# TYPE bpfprom_build_info gauge\n"
	"# HELP bpfprom_build_info Build.\n"
	"bpfprom_build_info{version=\"0.1.0\"} 1\n"
	"# EOF\n";

static void assert_bytes(const struct buf *b, const char *want)
{
	assert_false(b->oom);
	assert_string_equal(b->data, want);
	assert_int_equal(b->len, strlen(want));
}

static void test_text_golden(void **state)
{
	struct render_enc *e = render_enc__new();
	struct buf b = { 0 }, old = { 0 };

	(void)state;
	assert_non_null(e);
	render_all(e, RENDER_FMT_TEXT, &b);
	assert_bytes(&b, text_want);
	/* a metric alone writes the bytes it writes within a whole exposition */
	tm_text_metric(&old, &reads);
	tm_text_metric(&old, &writes);
	assert_int_equal(memcmp(b.data, old.data, old.len), 0);
	buf__free(&old);
	buf__free(&b);
	render_enc__free(e);
}

static void test_openmetrics_golden(void **state)
{
	struct render_enc *e = render_enc__new();
	struct buf b = { 0 };

	(void)state;
	render_all(e, RENDER_FMT_OPENMETRICS, &b);
	assert_bytes(&b, om_want);
	/* the same encoder, back to text: nothing of OpenMetrics stays */
	buf__reset(&b);
	render_all(e, RENDER_FMT_TEXT, &b);
	assert_bytes(&b, text_want);
	buf__free(&b);
	render_enc__free(e);
}

static void test_openmetrics_units(void **state)
{
	static const struct {
		const char *name;
		const char *want;
	} cases[] = {
		{ "x_bytes_total", "# TYPE x_bytes counter\n# UNIT x_bytes bytes\n" },
		{ "x_seconds_total", "# TYPE x_seconds counter\n# UNIT x_seconds seconds\n" },
		{ "x_milliseconds_total", "# TYPE x_milliseconds counter\n# HELP" },
		{ "seconds_total", "# TYPE seconds counter\n# HELP" },
		{ "x_ratio", "# TYPE x_ratio gauge\n# UNIT x_ratio ratio\n" },
		{ "x_bytes_count", "# TYPE x_bytes_count gauge\n# HELP" },
	};
	struct render_enc *e = render_enc__new();
	struct buf b = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf__reset(&b);
		render_enc__begin(e, RENDER_FMT_OPENMETRICS, &b);
		render_enc__family(e, cases[i].name, "h",
				   strstr(cases[i].name, "_total") ? RENDER_COUNTER : RENDER_GAUGE);
		assert_int_equal(render_enc__end(e), 0);
		if (strncmp(b.data, cases[i].want, strlen(cases[i].want)))
			fail_msg("%s: got %s", cases[i].name, b.data);
	}
	buf__free(&b);
	render_enc__free(e);
}

/* ---- protobuf ----------------------------------------------------------- */

#define MAX_FAMILIES 32

struct decoded {
	size_t n;
	pb_family *f[MAX_FAMILIES];
};

/* Split a delimited stream and unpack every MetricFamily; all bytes used. */
static void pb_decode(const struct buf *b, struct decoded *d)
{
	const uint8_t *p = (const uint8_t *)b->data, *end = p + b->len;

	assert_false(b->oom);
	d->n = 0;
	while (p < end) {
		uint64_t len = 0;
		int shift = 0;

		do {
			assert_true(p < end && shift < 64);
			len |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
		} while (*p++ & 0x80);
		assert_true(len <= (uint64_t)(end - p));
		assert_true(d->n < MAX_FAMILIES);
		d->f[d->n] = io__prometheus__client__metric_family__unpack(NULL, len, p);
		assert_non_null(d->f[d->n]);
		d->n++;
		p += len;
	}
}

static void pb_decoded_free(struct decoded *d)
{
	for (size_t i = 0; i < d->n; i++)
		io__prometheus__client__metric_family__free_unpacked(d->f[i], NULL);
	d->n = 0;
}

static void assert_family(const pb_family *f, const char *name, const char *help, int type,
			  size_t nmetrics)
{
	assert_string_equal(f->name, name);
	assert_string_equal(f->help, help);
	assert_true(f->has_type);
	assert_int_equal(f->type, type);
	assert_int_equal(f->n_metric, nmetrics);
}

static void assert_label(const pb_metric *m, size_t i, const char *name, const char *value)
{
	assert_true(i < m->n_label);
	assert_string_equal(m->label[i]->name, name);
	assert_string_equal(m->label[i]->value, value);
}

static void assert_no_native(const Io__Prometheus__Client__Histogram *h)
{
	assert_false(h->has_schema);
	assert_false(h->has_zero_threshold);
	assert_false(h->has_zero_count);
	assert_int_equal(h->n_positive_span, 0);
	assert_int_equal(h->n_positive_delta, 0);
	assert_int_equal(h->n_negative_span, 0);
}

static void test_protobuf_all(void **state)
{
	struct render_enc *e = render_enc__new();
	struct buf b = { 0 };
	struct decoded d;
	const pb_metric *m;
	const Io__Prometheus__Client__Histogram *h;
	static const uint64_t write_cum[5] = { 1, 3, 6, 6, 10 };

	(void)state;
	render_all(e, RENDER_FMT_PROTOBUF, &b);
	pb_decode(&b, &d);
	assert_int_equal(d.n, 9);

	/* counter: the full name, raw label values (no escaping), U+FFFD */
	assert_family(d.f[0], "app_reads_total", "Reads \"quoted\" \\ back\nslash.", T_COUNTER, 2);
	m = d.f[0]->metric[0];
	assert_int_equal(m->n_label, 1);
	assert_label(m, 0, "comm", "q\"b\\s\nx");
	assert_non_null(m->counter);
	assert_true(m->counter->value == 3);
	assert_null(m->gauge);
	assert_null(m->histogram);
	assert_false(m->has_timestamp_ms);
	m = d.f[0]->metric[1];
	assert_label(m, 0, "comm", "\xef\xbf\xbdok");
	assert_true(m->counter->value == 5);

	/* hist cut at buckets.max: classic buckets only (no +Inf bucket) */
	assert_family(d.f[1], "app_write_bytes", "Write sizes.", T_HISTOGRAM, 1);
	m = d.f[1]->metric[0];
	assert_int_equal(m->n_label, 0);
	h = m->histogram;
	assert_non_null(h);
	assert_true(h->has_sample_count);
	assert_int_equal(h->sample_count, 15);
	assert_true(h->sample_sum == 123);
	assert_int_equal(h->n_bucket, 5);
	for (size_t j = 0; j < 5; j++) {
		assert_true(h->bucket[j]->upper_bound == write_bounds[j]);
		assert_int_equal(h->bucket[j]->cumulative_count, write_cum[j]);
	}
	assert_no_native(h);

	/* lhist: classic; a signed sum stays negative */
	assert_family(d.f[2], "app_ret", "Return values.", T_HISTOGRAM, 1);
	h = d.f[2]->metric[0]->histogram;
	assert_int_equal(h->sample_count, 7);
	assert_true(h->sample_sum == -7);
	assert_int_equal(h->n_bucket, 3);
	assert_true(h->bucket[0]->upper_bound == -10);
	assert_int_equal(h->bucket[2]->cumulative_count, 6);
	assert_no_native(h);

	/* stats: a summary, then the two gauge families (events only) */
	assert_family(d.f[3], "app_lat_seconds", "Latency.", T_SUMMARY, 2);
	m = d.f[3]->metric[0];
	assert_label(m, 0, "pid", "42");
	assert_int_equal(m->summary->sample_count, 4);
	assert_true(m->summary->sample_sum == 3);
	assert_int_equal(m->summary->n_quantile, 0);
	m = d.f[3]->metric[1];
	assert_label(m, 0, "pid", "7");
	assert_int_equal(m->summary->sample_count, 0);
	assert_family(d.f[4], "app_lat_seconds_min", "Latency. (minimum)", T_GAUGE, 1);
	assert_label(d.f[4]->metric[0], 0, "pid", "42");
	assert_true(d.f[4]->metric[0]->gauge->value == 0.5);
	assert_family(d.f[5], "app_lat_seconds_max", "Latency. (maximum)", T_GAUGE, 1);
	assert_true(d.f[5]->metric[0]->gauge->value == 1.5);

	/* seconds: bounds are not powers of two, so no native fields */
	assert_family(d.f[6], "app_sleep_seconds", "Sleeps.", T_HISTOGRAM, 1);
	h = d.f[6]->metric[0]->histogram;
	assert_int_equal(h->n_bucket, 4);
	assert_true(h->bucket[0]->upper_bound == 1e-9);
	assert_true(h->sample_sum == 5e-9);
	assert_no_native(h);

	/* self-metrics through the same encoder */
	assert_family(d.f[7], "bpfprom_dropped_events_total", "Events not counted.", T_COUNTER, 1);
	m = d.f[7]->metric[0];
	assert_int_equal(m->n_label, 2);
	assert_label(m, 0, "metric", "app_reads_total");
	assert_label(m, 1, "reason", "map_full");
	assert_true(m->counter->value == 2);
	assert_family(d.f[8], "bpfprom_build_info", "Build.", T_GAUGE, 1);
	assert_label(d.f[8]->metric[0], 0, "version", "0.1.0");
	assert_true(d.f[8]->metric[0]->gauge->value == 1);

	pb_decoded_free(&d);
	buf__free(&b);
	render_enc__free(e);
}

/* ---- OpenMetrics 2.0 and start timestamps -------------------------------- */

/* a hist with schema 3 in bytes, buckets.min 1: the zero bucket (v <= 1),
 * then native buckets 1..4 of schema 3 (up to 2^(4/8)), then the rest */
static double s3_bounds[5];
static const uint64_t s3_values[8] = { 0, 57, 2, 3, 0, 1, 0, 4 };

static struct test_metric s3_hist(uint64_t *starts)
{
	struct test_metric m = {
		.name = "app_size_bytes",
		.help = "Sizes.",
		.agg = BPFPROM_AGG_HIST,
		.scale = 1,
		.nbuckets = 5,
		.bounds = s3_bounds,
		.hist_has_schema = true,
		.hist_schema = 3,
		.hist_first_index = 1,
		.nseries = 1,
		.key_size = sizeof(no_key),
		.keys = no_key,
		.value_words = 8,
		.values = s3_values,
		.starts = starts,
	};

	s3_bounds[0] = 1;
	for (int j = 1; j < 5; j++)
		s3_bounds[j] = (double)exp2l((long double)j / 8);
	return m;
}

/* 1700000000.000 and 1700000012.345 s, and 1699999999.999 s */
#define ST_A 1700000000000000000ull
#define ST_B 1700000012345000000ull
#define ST_C 1699999999999000000ull

static void render_om2_all(struct render_enc *e, enum render_format fmt, struct buf *b)
{
	static const char *const dn[2] = { "metric", "reason" };
	static const char *const dv[2] = { "app_reads_total", "map_full" };
	static const char *const bn[1] = { "version" };
	static const char *const bv[1] = { "0.1.0" };
	static uint64_t two[2] = { ST_A, ST_B };
	static uint64_t one[1] = { ST_C };
	struct test_metric r = reads, w = writes, rt = rets, l = lat, s3 = s3_hist(one);

	r.starts = two;
	w.starts = one;
	rt.starts = one;
	l.starts = two;
	render_enc__begin(e, fmt, b);
	tm_enc_metric(e, &r);
	tm_enc_metric(e, &w);
	tm_enc_metric(e, &rt);
	tm_enc_metric(e, &l);
	tm_enc_metric(e, &s3);
	/* no starts: none written */
	tm_enc_metric(e, &sleeps);
	render_enc__family(e, "bpfprom_dropped_events_total", "Events not counted.",
			   RENDER_COUNTER);
	render_enc__start(e, ST_A);
	render_enc__sample_u64(e, 2, dn, dv, 2);
	/* a gauge has no start, even when given one */
	render_enc__family(e, "bpfprom_build_info", "Build.", RENDER_GAUGE);
	render_enc__start(e, ST_A);
	render_enc__sample(e, 1, bn, bv, 1);
	assert_int_equal(render_enc__end(e), 0);
}

/*
 * OpenMetrics 2.0 (2.0.0-rc0): families named as their samples (counters
 * keep _total; the unit is the name's word before it); histograms and
 * summaries one line each with a composite value, native fields before the
 * classic bucket list, absolute native bucket counts, the sum always there;
 * st@ after the value; # EOF.
 */
static const char om2_want[] =
	"# TYPE app_reads_total counter\n"
	"# HELP app_reads_total Reads \\\"quoted\\\" \\\\ back\\nslash.\n"
	"app_reads_total{comm=\"q\\\"b\\\\s\\nx\"} 3 st@1700000000.000\n"
	"app_reads_total{comm=\"\xef\xbf\xbdok\"} 5 st@1700000012.345\n"
	"# TYPE app_write_bytes histogram\n"
	"# UNIT app_write_bytes bytes\n"
	"# HELP app_write_bytes Write sizes.\n"
	"app_write_bytes {count:15,sum:123,bucket:[0.0:1,1.0:3,2.0:6,4.0:6,8.0:10,+Inf:15]} "
	"st@1699999999.999\n"
	"# TYPE app_ret histogram\n"
	"# HELP app_ret Return values.\n"
	"app_ret {count:7,sum:-7,bucket:[-10.0:1,0.0:3,10.0:6,+Inf:7]} st@1699999999.999\n"
	"# TYPE app_lat_seconds summary\n"
	"# UNIT app_lat_seconds seconds\n"
	"# HELP app_lat_seconds Latency.\n"
	"app_lat_seconds{pid=\"42\"} {count:4,sum:3,quantile:[]} st@1700000000.000\n"
	"app_lat_seconds{pid=\"7\"} {count:0,sum:0,quantile:[]} st@1700000012.345\n"
	"# TYPE app_lat_seconds_min gauge\n"
	"# HELP app_lat_seconds_min Latency. (minimum)\n"
	"app_lat_seconds_min{pid=\"42\"} 0.5\n"
	"# TYPE app_lat_seconds_max gauge\n"
	"# HELP app_lat_seconds_max Latency. (maximum)\n"
	"app_lat_seconds_max{pid=\"42\"} 1.5\n"
	"# TYPE app_size_bytes histogram\n"
	"# UNIT app_size_bytes bytes\n"
	"# HELP app_size_bytes Sizes.\n"
	"app_size_bytes {count:10,sum:57,schema:3,zero_threshold:1.0,zero_count:2,"
	"positive_spans:[1:1,1:1],positive_buckets:[3,1],"
	"bucket:[1.0:2,1.0905077326652577:5,1.189207115002721:5,1.2968395546510096:6,"
	"1.4142135623730951:6,+Inf:10]} st@1699999999.999\n"
	"# TYPE app_sleep_seconds histogram\n"
	"# UNIT app_sleep_seconds seconds\n"
	"# HELP app_sleep_seconds Sleeps.\n"
	"app_sleep_seconds {count:3,sum:5e-09,bucket:[1e-09:1,2e-09:2,4e-09:2,8e-09:3,+Inf:3]}\n"
	"# TYPE bpfprom_dropped_events_total counter\n"
	"# HELP bpfprom_dropped_events_total Events not counted.\n"
	"bpfprom_dropped_events_total{metric=\"app_reads_total\",reason=\"map_full\"} 2 "
	"st@1700000000.000\n"
	"# TYPE bpfprom_build_info gauge\n"
	"# HELP bpfprom_build_info Build.\n"
	"bpfprom_build_info{version=\"0.1.0\"} 1\n"
	"# EOF\n";

static void test_openmetrics2_golden(void **state)
{
	struct render_enc *e = render_enc__new();
	struct buf b = { 0 };

	(void)state;
	render_om2_all(e, RENDER_FMT_OPENMETRICS2, &b);
	assert_bytes(&b, om2_want);
	/* the same encoder, back to 1.0 and text: no st@, no composite value */
	buf__reset(&b);
	render_all(e, RENDER_FMT_OPENMETRICS, &b);
	assert_bytes(&b, om_want);
	buf__reset(&b);
	render_om2_all(e, RENDER_FMT_TEXT, &b);
	assert_null(strstr(b.data, "st@"));
	assert_null(strstr(b.data, "{count"));
	buf__reset(&b);
	render_om2_all(e, RENDER_FMT_OPENMETRICS, &b);
	assert_null(strstr(b.data, "st@"));
	assert_null(strstr(b.data, "_created"));
	buf__free(&b);
	render_enc__free(e);
}

/* A native histogram with no positive bucket: no spans, no buckets (the
 * ABNF has no empty span); units before _total; no labels, no start. */
static void test_openmetrics2_edges(void **state)
{
	static const uint64_t zeros[8] = { 0, 0, 3, 0, 0, 0, 0, 0 };
	struct test_metric m = s3_hist(NULL);
	struct render_enc *e = render_enc__new();
	struct buf b = { 0 };

	(void)state;
	m.values = zeros;
	render_enc__begin(e, RENDER_FMT_OPENMETRICS2, &b);
	tm_enc_metric(e, &m);
	render_enc__family(e, "x_seconds_total", "h", RENDER_COUNTER);
	render_enc__sample(e, 0, NULL, NULL, 1.5);
	render_enc__family(e, "x_milliseconds_total", "h", RENDER_COUNTER);
	assert_int_equal(render_enc__end(e), 0);
	assert_bytes(&b, "# TYPE app_size_bytes histogram\n"
			 "# UNIT app_size_bytes bytes\n"
			 "# HELP app_size_bytes Sizes.\n"
			 "app_size_bytes {count:3,sum:0,schema:3,zero_threshold:1.0,zero_count:3,"
			 "bucket:[1.0:3,1.0905077326652577:3,1.189207115002721:3,"
			 "1.2968395546510096:3,1.4142135623730951:3,+Inf:3]}\n"
			 "# TYPE x_seconds_total counter\n"
			 "# UNIT x_seconds_total seconds\n"
			 "# HELP x_seconds_total h\n"
			 "x_seconds_total 1.5\n"
			 "# TYPE x_milliseconds_total counter\n"
			 "# HELP x_milliseconds_total h\n"
			 "# EOF\n");
	buf__free(&b);
	render_enc__free(e);
}

/* created_timestamp (upstream's field numbers) read back from the packed
 * bytes: protoc-c keeps what Debian's older proto does not know as unknown
 * fields. */
static void assert_created(const ProtobufCMessage *msg, uint32_t field, uint64_t ns)
{
	Google__Protobuf__Timestamp *ts;

	if (!ns) {
		assert_int_equal(msg->n_unknown_fields, 0);
		return;
	}
	assert_int_equal(msg->n_unknown_fields, 1);
	assert_int_equal(msg->unknown_fields[0].tag, field);
	assert_int_equal(msg->unknown_fields[0].wire_type, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
	/* the field's bytes as protobuf-c keeps them: the length, the message */
	assert_int_equal(msg->unknown_fields[0].data[0], msg->unknown_fields[0].len - 1);
	ts = google__protobuf__timestamp__unpack(NULL, msg->unknown_fields[0].len - 1,
						 msg->unknown_fields[0].data + 1);
	assert_non_null(ts);
	assert_int_equal(ts->seconds, ns / 1000000000u);
	assert_int_equal(ts->nanos, ns % 1000000000u);
	google__protobuf__timestamp__free_unpacked(ts, NULL);
}

static void test_protobuf_created(void **state)
{
	struct render_enc *e = render_enc__new();
	struct buf b = { 0 };
	struct decoded d;
	const pb_metric *m;

	(void)state;
	render_om2_all(e, RENDER_FMT_PROTOBUF, &b);
	pb_decode(&b, &d);
	assert_int_equal(d.n, 10);
	assert_string_equal(d.f[0]->name, "app_reads_total");
	assert_created(&d.f[0]->metric[0]->counter->base, 3, ST_A);
	assert_created(&d.f[0]->metric[1]->counter->base, 3, ST_B);
	assert_created(&d.f[1]->metric[0]->histogram->base, 15, ST_C);
	assert_created(&d.f[2]->metric[0]->histogram->base, 15, ST_C);
	assert_string_equal(d.f[3]->name, "app_lat_seconds");
	assert_created(&d.f[3]->metric[0]->summary->base, 4, ST_A);
	assert_created(&d.f[3]->metric[1]->summary->base, 4, ST_B);
	/* gauges never */
	assert_created(&d.f[4]->metric[0]->gauge->base, 0, 0);
	/* native and classic and a start, together */
	assert_string_equal(d.f[6]->name, "app_size_bytes");
	m = d.f[6]->metric[0];
	assert_int_equal(m->histogram->schema, 3);
	assert_int_equal(m->histogram->n_positive_delta, 2);
	assert_int_equal(m->histogram->positive_delta[1], -2);
	assert_created(&m->histogram->base, 15, ST_C);
	/* none given: none written */
	assert_string_equal(d.f[7]->name, "app_sleep_seconds");
	assert_created(&d.f[7]->metric[0]->histogram->base, 0, 0);
	assert_created(&d.f[8]->metric[0]->counter->base, 3, ST_A);
	assert_created(&d.f[9]->metric[0]->gauge->base, 0, 0);
	pb_decoded_free(&d);
	buf__free(&b);
	render_enc__free(e);
}

/* A full-range log2 hist (slots 0..65, as without buckets:), unsigned. */
#define FULL_WORDS (2 + BPFPROM_LOG2_SLOTS + 1)

static double full_bounds[BPFPROM_LOG2_SLOTS];

static struct test_metric full_hist(uint64_t *values, size_t nseries, uint32_t first)
{
	struct test_metric m = {
		.name = "app_size_bytes",
		.help = "Sizes.",
		.agg = BPFPROM_AGG_HIST,
		.scale = 1,
		.nbuckets = BPFPROM_LOG2_SLOTS - first,
		.bounds = full_bounds + first,
		.hist_first_slot = first,
		.nseries = nseries,
		.key_size = 0,
		.keys = NULL,
		.value_words = FULL_WORDS,
		.values = values,
	};

	for (uint32_t s = 0; s < BPFPROM_LOG2_SLOTS; s++)
		full_bounds[s] = s ? ldexp(1, (int)s - 1) : 0;
	return m;
}

static const Io__Prometheus__Client__Histogram *
one_hist(const struct test_metric *m, struct render_enc *e, struct buf *b, struct decoded *d)
{
	buf__reset(b);
	render_enc__begin(e, RENDER_FMT_PROTOBUF, b);
	tm_enc_metric(e, m);
	assert_int_equal(render_enc__end(e), 0);
	pb_decode(b, d);
	assert_int_equal(d->n, 1);
	return d->f[0]->metric[0]->histogram;
}

static void assert_span(const Io__Prometheus__Client__Histogram *h, size_t i, int offset,
			unsigned length)
{
	assert_true(i < h->n_positive_span);
	assert_int_equal(h->positive_span[i]->offset, offset);
	assert_int_equal(h->positive_span[i]->length, length);
}

static void test_protobuf_native_seams(void **state)
{
	uint64_t v[2 * FULL_WORDS] = { 0 };
	struct test_metric m = full_hist(v, 2, 0);
	struct render_enc *e = render_enc__new();
	struct buf b = { 0 };
	const Io__Prometheus__Client__Histogram *h;
	struct decoded d;
	static const int64_t want_delta[5] = { 1, 2, 1, -3, 0 };

	(void)state;
	assert_true(tm_native_exact(&m));
	/* slot s holds (2^(s-2), 2^(s-1)]: native index s - 1 */
	v[1] = 1234;
	v[2 + 0] = 2; /* v == 0: the zero bucket */
	v[2 + 1] = 1; /* v == 1: index 0, (0.5, 1] */
	v[2 + 3] = 3; /* 3..4: index 2 */
	v[2 + 4] = 4; /* 5..8: index 3 */
	v[2 + 10] = 1; /* 257..512: index 9 */
	v[2 + 65] = 1; /* (2^63, 2^64]: index 64 */
	h = one_hist(&m, e, &b, &d);
	assert_true(h->has_schema);
	assert_int_equal(h->schema, 0);
	assert_true(h->has_zero_threshold);
	assert_true(h->zero_threshold == 0);
	assert_int_equal(h->zero_count, 2);
	assert_int_equal(h->sample_count, 12);
	assert_true(h->sample_sum == 1234);
	/* runs: {0}, gap 1, {2,3}, gap 5, {9}, gap 54, {64} */
	assert_int_equal(h->n_positive_span, 4);
	assert_span(h, 0, 0, 1);
	assert_span(h, 1, 1, 2);
	assert_span(h, 2, 5, 1);
	assert_span(h, 3, 54, 1);
	assert_int_equal(h->n_positive_delta, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(h->positive_delta[i], want_delta[i]);
	assert_int_equal(h->n_negative_span, 0);
	/* the classic half is all there too */
	assert_int_equal(h->n_bucket, BPFPROM_LOG2_SLOTS);
	assert_true(h->bucket[65]->upper_bound == 0x1p64);
	assert_int_equal(h->bucket[65]->cumulative_count, 12);
	/* the second series, empty: one empty span marks it native */
	h = d.f[0]->metric[1]->histogram;
	assert_int_equal(h->zero_count, 0);
	assert_int_equal(h->n_positive_span, 1);
	assert_span(h, 0, 0, 0);
	assert_int_equal(h->n_positive_delta, 0);
	pb_decoded_free(&d);

	/* buckets.min = 8: bucket 0 holds v <= 8, the zero bucket of width 8;
	 * bucket 1 (slot 5, (8, 16]) is native index 4 */
	m = full_hist(v, 1, 4);
	memset(v, 0, sizeof(v));
	v[2 + 0] = 7;
	v[2 + 1] = 2;
	v[2 + 2] = 5;
	assert_true(tm_native_exact(&m));
	h = one_hist(&m, e, &b, &d);
	assert_true(h->zero_threshold == 8);
	assert_int_equal(h->zero_count, 7);
	assert_int_equal(h->n_positive_span, 1);
	assert_span(h, 0, 4, 2);
	assert_int_equal(h->positive_delta[0], 2);
	assert_int_equal(h->positive_delta[1], 3);
	assert_true(h->bucket[0]->upper_bound == 8);
	pb_decoded_free(&d);

	/* not exact: a signed value (le=0 holds negatives), a cut at
	 * buckets.max (the overflow has no native bucket), seconds */
	m = full_hist(v, 1, 0);
	m.value_signed = true;
	assert_false(tm_native_exact(&m));
	assert_no_native(one_hist(&m, e, &b, &d));
	pb_decoded_free(&d);
	m = full_hist(v, 1, 0);
	m.nbuckets = 20;
	assert_false(tm_native_exact(&m));
	assert_no_native(one_hist(&m, e, &b, &d));
	pb_decoded_free(&d);
	m = full_hist(v, 1, 0);
	m.scale = 1e-9;
	assert_false(tm_native_exact(&m));
	m.agg = BPFPROM_AGG_LHIST;
	m.scale = 1;
	assert_false(tm_native_exact(&m));

	buf__free(&b);
	render_enc__free(e);
}

/*
 * A schema 3 latency in seconds from 2^-20 s to 2^-9 s (bucket 0 le 2^-20,
 * then native buckets -159 .. -72), as plan lays it out: native in protobuf
 * with its zero bucket, spans and deltas; what passed max (the overflow)
 * counts in the count and in no bucket; classic le buckets in text.
 */
#define SCH_N (1 + 11 * 8)
static double sch_bounds[SCH_N];

static struct test_metric schema_hist(uint64_t *values)
{
	struct test_metric m = {
		.name = "app_wait_seconds",
		.help = "Waits.",
		.agg = BPFPROM_AGG_HIST,
		.scale = 1e-9,
		.nbuckets = SCH_N,
		.bounds = sch_bounds,
		.hist_has_schema = true,
		.hist_schema = 3,
		.hist_first_index = -159,
		.nseries = 1,
		.value_words = 2 + SCH_N + 1,
		.values = values,
	};

	sch_bounds[0] = 0x1p-20;
	for (int j = 1; j < SCH_N; j++)
		sch_bounds[j] =
			ldexp((double)exp2l((long double)((j - 1) % 8 + 1) / 8), -20 + (j - 1) / 8);
	return m;
}

static void test_protobuf_native_schema(void **state)
{
	uint64_t v[2 + SCH_N + 1] = { 0 };
	struct test_metric m = schema_hist(v);
	struct render_enc *e = render_enc__new();
	struct buf b = { 0 };
	const Io__Prometheus__Client__Histogram *h;
	struct decoded d;

	(void)state;
	assert_true(sch_bounds[8] == 0x1p-19 && sch_bounds[88] == 0x1p-9);
	assert_true(tm_native_exact(&m));
	v[1] = 5000000000; /* 5 s of ns */
	v[2 + 0] = 1; /* <= 2^-20 s: the zero bucket */
	v[2 + 1] = 2; /* native -159 */
	v[2 + 3] = 1; /* -157 */
	v[2 + 88] = 4; /* -72, le 2^-9 */
	v[2 + SCH_N] = 5; /* past 2^-9 s */
	h = one_hist(&m, e, &b, &d);
	assert_true(h->has_schema);
	assert_int_equal(h->schema, 3);
	assert_true(h->zero_threshold == 0x1p-20);
	assert_int_equal(h->zero_count, 1);
	assert_int_equal(h->sample_count, 13);
	assert_true(h->sample_sum == 5);
	/* {-159}, gap 1, {-157}, gap 84, {-72} */
	assert_int_equal(h->n_positive_span, 3);
	assert_span(h, 0, -159, 1);
	assert_span(h, 1, 1, 1);
	assert_span(h, 2, 84, 1);
	assert_int_equal(h->n_positive_delta, 3);
	assert_int_equal(h->positive_delta[0], 2);
	assert_int_equal(h->positive_delta[1], -1);
	assert_int_equal(h->positive_delta[2], 3);
	assert_int_equal(h->n_bucket, SCH_N);
	assert_true(h->bucket[0]->upper_bound == 0x1p-20);
	assert_true(h->bucket[1]->upper_bound == ldexp(exp2l(0.125L), -20));
	assert_int_equal(h->bucket[88]->cumulative_count, 8);
	pb_decoded_free(&d);
	/* signed: classic only, as without a schema */
	m.value_signed = true;
	assert_false(tm_native_exact(&m));
	buf__free(&b);
	render_enc__free(e);
}

static void test_text_schema(void **state)
{
	uint64_t v[2 + SCH_N + 1] = { 0 };
	struct test_metric m = schema_hist(v);
	struct buf b = { 0 };

	(void)state;
	v[1] = 1907;
	v[2 + 8] = 1; /* (2^-19.125, 2^-19] s */
	m.nbuckets = 10; /* the first ten les are enough to read */
	m.value_words = 2 + 10 + 1;
	tm_text_metric(&b, &m);
	buf__put(&b, "", 1);
	assert_false(b.oom);
	assert_string_equal(b.data, "# HELP app_wait_seconds Waits.\n"
				    "# TYPE app_wait_seconds histogram\n"
				    "app_wait_seconds_bucket{le=\"9.5367431640625e-07\"} 0\n"
				    "app_wait_seconds_bucket{le=\"1.0399892164852693e-06\"} 0\n"
				    "app_wait_seconds_bucket{le=\"1.1341162824656687e-06\"} 0\n"
				    "app_wait_seconds_bucket{le=\"1.2367625757703873e-06\"} 0\n"
				    "app_wait_seconds_bucket{le=\"1.3486991523486091e-06\"} 0\n"
				    "app_wait_seconds_bucket{le=\"1.4707668546752365e-06\"} 0\n"
				    "app_wait_seconds_bucket{le=\"1.6038826279711046e-06\"} 0\n"
				    "app_wait_seconds_bucket{le=\"1.7490464080899643e-06\"} 0\n"
				    "app_wait_seconds_bucket{le=\"1.9073486328125e-06\"} 1\n"
				    "app_wait_seconds_bucket{le=\"2.0799784329705385e-06\"} 1\n"
				    "app_wait_seconds_bucket{le=\"+Inf\"} 1\n"
				    "app_wait_seconds_sum 1.907e-06\n"
				    "app_wait_seconds_count 1\n");
	buf__free(&b);
}

/* Many series, then a smaller metric: the scratch grows once and the bytes
 * are those of a fresh encoder; an empty family is left out. */
static void test_protobuf_reuse(void **state)
{
	enum { N = 300 };
	static uint64_t v[N * FULL_WORDS];
	struct test_metric big = full_hist(v, N, 0);
	struct render_enc *e = render_enc__new(), *fresh = render_enc__new();
	struct buf b = { 0 }, f = { 0 };
	struct decoded d;
	struct test_metric empty = writes;

	(void)state;
	for (size_t i = 0; i < N; i++) {
		v[i * FULL_WORDS + 1] = i;
		v[i * FULL_WORDS + 2 + i % BPFPROM_LOG2_SLOTS] = i + 1;
	}
	empty.nseries = 0;
	render_enc__begin(e, RENDER_FMT_PROTOBUF, &b);
	tm_enc_metric(e, &big);
	tm_enc_metric(e, &empty);
	tm_enc_metric(e, &reads);
	assert_int_equal(render_enc__end(e), 0);
	pb_decode(&b, &d);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.f[0]->n_metric, N);
	assert_string_equal(d.f[1]->name, "app_reads_total");
	for (size_t i = 0; i < N; i++) {
		const Io__Prometheus__Client__Histogram *h = d.f[0]->metric[i]->histogram;

		assert_int_equal(h->sample_count, i + 1);
		if (i % BPFPROM_LOG2_SLOTS == 0) {
			assert_int_equal(h->zero_count, i + 1);
			continue;
		}
		assert_int_equal(h->n_positive_span, 1);
		assert_span(h, 0, (int)(i % BPFPROM_LOG2_SLOTS) - 1, 1);
		assert_int_equal(h->positive_delta[0], (int64_t)i + 1);
	}
	pb_decoded_free(&d);
	buf__reset(&b);
	render_enc__begin(e, RENDER_FMT_PROTOBUF, &b);
	tm_enc_metric(e, &writes);
	assert_int_equal(render_enc__end(e), 0);
	render_enc__begin(fresh, RENDER_FMT_PROTOBUF, &f);
	tm_enc_metric(fresh, &writes);
	assert_int_equal(render_enc__end(fresh), 0);
	assert_int_equal(b.len, f.len);
	assert_memory_equal(b.data, f.data, f.len);
	buf__free(&b);
	buf__free(&f);
	render_enc__free(e);
	render_enc__free(fresh);
}

/* ---- negotiation -------------------------------------------------------- */

#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define CT_OM "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CT_OM2 "application/openmetrics-text; version=2.0.0; charset=utf-8"
#define CT_OM001 "application/openmetrics-text; version=0.0.1; charset=utf-8"
#define CT_PB \
	"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"

static void test_negotiate_accept(void **state)
{
	static const struct {
		const char *accept;
		const char *want;
	} cases[] = {
		/* what Prometheus 2.42 sends, without and with native histograms */
		{ "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		  "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		  CT_OM },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		  "encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,"
		  "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
		  "q=0.5,*/*;q=0.1",
		  CT_PB },
		/* Prometheus before 2.33 */
		{ "application/openmetrics-text; version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		  CT_OM001 },
		{ NULL, CT_TEXT },
		{ "", CT_TEXT },
		{ "*/*", CT_TEXT },
		{ "application/*", CT_OM },
		{ "text/*;q=0.2, application/*;q=0.3", CT_OM },
		{ "text/plain", CT_TEXT },
		{ "application/openmetrics-text", CT_OM },
		/* OpenMetrics 2.0.0 only when named */
		{ "application/openmetrics-text;version=2.0.0", CT_OM2 },
		{ "application/openmetrics-text;version=2.0.0;charset=utf-8", CT_OM2 },
		{ "application/openmetrics-text; Version=\"2.0.0\"", CT_OM2 },
		{ "application/openmetrics-text;version=2.0", CT_TEXT },
		{ "application/openmetrics-text;version=2.0.1", CT_TEXT },
		{ "application/openmetrics-text;version=2.0.0;charset=latin1", CT_TEXT },
		{ "application/openmetrics-text;version=2.0.0;q=0", CT_TEXT },
		{ "application/openmetrics-text;version=2.0.0;q=0, application/openmetrics-text",
		  CT_OM },
		{ "application/openmetrics-text;version=2.0.0;q=0, application/*", CT_OM },
		{ "application/openmetrics-text;version=2.0.0;q=0.5, */*;q=0.9", CT_TEXT },
		{ "application/openmetrics-text;version=2.0.0;q=0.9, */*;q=0.5", CT_OM2 },
		/* a tie goes to the stable version */
		{ "application/openmetrics-text;version=2.0.0, application/openmetrics-text;version=1.0.0",
		  CT_OM },
		{ "application/openmetrics-text;version=1.0.0;q=0.8,"
		  "application/openmetrics-text;version=2.0.0;q=0.9",
		  CT_OM2 },
		/* a bare type is 1.0.0, ranked by its own q */
		{ "application/openmetrics-text;version=2.0.0;q=0.2, application/openmetrics-text;q=0.9",
		  CT_OM },
		{ "application/openmetrics-text;version=2.0.0;q=0.9, application/openmetrics-text;q=0.2",
		  CT_OM2 },
		/* wildcards and a bare type never reach it */
		{ "application/*", CT_OM },
		{ "*/*;q=1, text/plain;q=0", CT_OM },
		{ "application/openmetrics-text;version=2.0.0;q=0.5,"
		  "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		  "encoding=delimited;q=0.6",
		  CT_PB },
		{ "text/plain;version=0.0.5, application/json", CT_TEXT },
		/* case and whitespace */
		{ "Application/OpenMetrics-Text ; Version=1.0.0 ; Q=1", CT_OM },
		{ "  text/plain;q=0.1 ,\tapplication/openmetrics-text;version=\"1.0.0\";q=0.9",
		  CT_OM },
		/* q-values */
		{ "application/openmetrics-text;q=0.5, text/plain;q=0.6", CT_TEXT },
		{ "application/openmetrics-text;q=0.6, text/plain;q=0.5", CT_OM },
		{ "application/openmetrics-text;q=0.500, text/plain;q=0.5", CT_TEXT },
		{ "*/*;q=0.5, text/plain;q=0", CT_OM },
		{ "text/plain;q=0", CT_TEXT },
		{ "application/openmetrics-text;q=0.001", CT_OM },
		{ "application/openmetrics-text;q=1.5, text/plain;q=0.1", CT_TEXT },
		{ "application/openmetrics-text;q=0.0001, text/plain;q=0.1", CT_TEXT },
		{ "application/openmetrics-text;q=, text/plain;q=0.1", CT_TEXT },
		/* the most specific range wins over a wildcard's q */
		{ "application/openmetrics-text;q=0.2, application/*;q=0.9", CT_PB },
		/* protobuf only with both parameters right */
		{ "application/vnd.google.protobuf", CT_TEXT },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily",
		  CT_TEXT },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
		  CT_TEXT },
		{ "application/vnd.google.protobuf;encoding=delimited;proto=io.prometheus.client.MetricFamily",
		  CT_PB },
		/* garbage */
		{ "garbage", CT_TEXT },
		{ ",,,;;;", CT_TEXT },
		{ "text/", CT_TEXT },
		{ "/plain", CT_TEXT },
		{ "application/openmetrics-text;version=\"1.0.0", CT_TEXT },
		{ "application/openmetrics-text;version", CT_TEXT },
		{ "text/plain;version=0.0.4;q=0.1, bogus, application/openmetrics-text;q=0.2",
		  CT_OM },
		{ "application/openmetrics-text;q=0.2;foo=\"a,b\", text/plain;q=0.1", CT_OM },
	};
	struct negotiate_format nf;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		negotiate__format(cases[i].accept, &nf);
		if (strcmp(nf.content_type, cases[i].want))
			fail_msg("Accept: %s: got %s, want %s", cases[i].accept, nf.content_type,
				 cases[i].want);
		assert_int_equal(nf.format,
				 !strcmp(cases[i].want, CT_TEXT) ? RENDER_FMT_TEXT :
				 !strcmp(cases[i].want, CT_PB)	 ? RENDER_FMT_PROTOBUF :
				 !strcmp(cases[i].want, CT_OM2)	 ? RENDER_FMT_OPENMETRICS2 :
								   RENDER_FMT_OPENMETRICS);
		assert_string_equal(tm_content_type(nf.format),
				    !strcmp(cases[i].want, CT_OM001) ? CT_OM : cases[i].want);
	}
}

#define CT_TEXT1 "text/plain; version=1.0.0; charset=utf-8"

/* text 1.0.0 and the escaping parameter: the scheme of the range that chose
 * the format is echoed; the body is the same (render's goldens). */
static void test_negotiate_escaping(void **state)
{
	static const struct {
		const char *accept;
		enum render_format format;
		enum negotiate_escaping esc;
		const char *want;
	} cases[] = {
		/* what Prometheus 3 sends by default (scrape_protocols' default order;
		 * metric_name_validation_scheme utf8) */
		{ "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
		  "application/openmetrics-text;version=0.0.1;q=0.5,"
		  "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
		  "text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
		  RENDER_FMT_OPENMETRICS, NEGOTIATE_ESC_ALLOW_UTF8,
		  CT_OM "; escaping=allow-utf-8" },
		/* ... with legacy validation */
		{ "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,"
		  "application/openmetrics-text;version=0.0.1;q=0.5,"
		  "text/plain;version=1.0.0;escaping=underscores;q=0.4,"
		  "text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
		  RENDER_FMT_OPENMETRICS, NEGOTIATE_ESC_UNDERSCORES,
		  CT_OM "; escaping=underscores" },
		/* ... scrape_protocols: [PrometheusText1.0.0, PrometheusText0.0.4] */
		{ "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,"
		  "*/*;q=0.1",
		  RENDER_FMT_TEXT, NEGOTIATE_ESC_ALLOW_UTF8, CT_TEXT1 "; escaping=allow-utf-8" },
		{ "text/plain;version=1.0.0", RENDER_FMT_TEXT, NEGOTIATE_ESC_UNSET, CT_TEXT1 },
		{ "text/plain;version=1.0.0;escaping=dots", RENDER_FMT_TEXT, NEGOTIATE_ESC_DOTS,
		  CT_TEXT1 "; escaping=dots" },
		{ "text/plain;version=1.0.0;escaping=\"values\"", RENDER_FMT_TEXT,
		  NEGOTIATE_ESC_VALUES, CT_TEXT1 "; escaping=values" },
		{ "text/plain; Version=1.0.0; Escaping=Underscores", RENDER_FMT_TEXT,
		  NEGOTIATE_ESC_UNDERSCORES, CT_TEXT1 "; escaping=underscores" },
		/* an unknown scheme is ignored, as expfmt.Negotiate ignores it */
		{ "text/plain;version=1.0.0;escaping=bogus", RENDER_FMT_TEXT, NEGOTIATE_ESC_UNSET,
		  CT_TEXT1 },
		/* a version-less or wildcard range is 0.0.4, which can carry a scheme too */
		{ "text/plain;escaping=allow-utf-8", RENDER_FMT_TEXT, NEGOTIATE_ESC_ALLOW_UTF8,
		  CT_TEXT "; escaping=allow-utf-8" },
		{ "text/*;escaping=dots", RENDER_FMT_TEXT, NEGOTIATE_ESC_DOTS,
		  CT_TEXT "; escaping=dots" },
		{ "*/*", RENDER_FMT_TEXT, NEGOTIATE_ESC_UNSET, CT_TEXT },
		/* on a tie, 0.0.4 before 1.0.0; the scheme is the winner's */
		{ "text/plain;version=1.0.0;escaping=dots, text/plain;version=0.0.4",
		  RENDER_FMT_TEXT, NEGOTIATE_ESC_UNSET, CT_TEXT },
		{ "text/plain;version=1.0.0;q=0.9, text/plain;version=0.0.4;q=0.8;escaping=dots",
		  RENDER_FMT_TEXT, NEGOTIATE_ESC_UNSET, CT_TEXT1 },
		{ "text/plain;version=1.0.1", RENDER_FMT_TEXT, NEGOTIATE_ESC_UNSET, CT_TEXT },
		/* OpenMetrics 2.0 with each scheme: echoed, the body the same
		 * (bpfprom's names are legacy-valid: 2.0 quotes none) */
		{ "application/openmetrics-text;version=2.0.0;escaping=allow-utf-8;q=0.9,"
		  "text/plain;version=1.0.0;escaping=underscores;q=0.5",
		  RENDER_FMT_OPENMETRICS2, NEGOTIATE_ESC_ALLOW_UTF8,
		  CT_OM2 "; escaping=allow-utf-8" },
		{ "application/openmetrics-text;version=2.0.0;escaping=underscores",
		  RENDER_FMT_OPENMETRICS2, NEGOTIATE_ESC_UNDERSCORES,
		  CT_OM2 "; escaping=underscores" },
		{ "application/openmetrics-text;escaping=dots;version=2.0.0",
		  RENDER_FMT_OPENMETRICS2, NEGOTIATE_ESC_DOTS, CT_OM2 "; escaping=dots" },
		{ "application/openmetrics-text;version=2.0.0;escaping=values",
		  RENDER_FMT_OPENMETRICS2, NEGOTIATE_ESC_VALUES, CT_OM2 "; escaping=values" },
		{ "application/openmetrics-text;version=2.0.0;escaping=bogus",
		  RENDER_FMT_OPENMETRICS2, NEGOTIATE_ESC_UNSET, CT_OM2 },
		/* the scheme is the winning range's */
		{ "application/openmetrics-text;version=2.0.0;escaping=dots;q=0.4,"
		  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6",
		  RENDER_FMT_OPENMETRICS, NEGOTIATE_ESC_ALLOW_UTF8,
		  CT_OM "; escaping=allow-utf-8" },
		/* a 2.0.0 range refused with q=0: the next acceptable one answers */
		{ "application/openmetrics-text;version=2.0.0;escaping=allow-utf-8;q=0,"
		  "text/plain;version=1.0.0;escaping=underscores;q=0.5",
		  RENDER_FMT_TEXT, NEGOTIATE_ESC_UNDERSCORES, CT_TEXT1 "; escaping=underscores" },
		/* the most specific range of a format gives its scheme */
		{ "application/openmetrics-text;escaping=dots;q=0.9, "
		  "application/openmetrics-text;version=1.0.0;q=0.8",
		  RENDER_FMT_OPENMETRICS, NEGOTIATE_ESC_UNSET, CT_OM },
		{ "application/openmetrics-text;version=0.0.1;escaping=values",
		  RENDER_FMT_OPENMETRICS, NEGOTIATE_ESC_VALUES, CT_OM001 "; escaping=values" },
		{ "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
		  "encoding=delimited;escaping=allow-utf-8",
		  RENDER_FMT_PROTOBUF, NEGOTIATE_ESC_ALLOW_UTF8, CT_PB "; escaping=allow-utf-8" },
	};
	struct negotiate_format nf;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		negotiate__format(cases[i].accept, &nf);
		if (strcmp(nf.content_type, cases[i].want))
			fail_msg("Accept: %s: got %s, want %s", cases[i].accept, nf.content_type,
				 cases[i].want);
		assert_int_equal(nf.format, cases[i].format);
		assert_int_equal(nf.escaping, cases[i].esc);
	}
}

static void test_negotiate_encoding(void **state)
{
	static const struct {
		const char *ae;
		bool gzip;
	} cases[] = {
		{ "gzip", true }, /* Prometheus */
		{ NULL, false },
		{ "", false },
		{ "identity", false },
		{ "gzip;q=0", false },
		{ "gzip;q=0.0", false },
		{ "GZIP", true },
		{ "x-gzip", true },
		{ " deflate , gzip ;q=0.5 ", true },
		{ "deflate, br", false },
		{ "*", true },
		{ "*;q=0", false },
		{ "*;q=0.5, gzip;q=0", false },
		{ "gzip;q=0.5, identity", false },
		{ "gzip;q=0.5, identity;q=0.5", true },
		{ "gzip;q=0.8, identity;q=0.5", true },
		{ "identity;q=0, gzip;q=0.1", true },
		{ "gzip;q=2", false },
		{ "gzip;q=x", false },
		{ "gzip;", true },
		{ "gzip;;", false },
		{ "gzip q=1", false },
		{ "\"gzip\"", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (negotiate__gzip(cases[i].ae) != cases[i].gzip)
			fail_msg("Accept-Encoding: %s: want gzip=%d", cases[i].ae, cases[i].gzip);
	}
}

/* ---- gzip ----------------------------------------------------------------- */

static void gunzip(const struct buf *z, char *out, size_t cap, size_t *n)
{
	z_stream s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(inflateInit2(&s, 15 + 16), Z_OK);
	s.next_in = (Bytef *)z->data;
	s.avail_in = (uInt)z->len;
	s.next_out = (Bytef *)out;
	s.avail_out = (uInt)cap;
	assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
	assert_int_equal(s.avail_in, 0);
	*n = cap - s.avail_out;
	inflateEnd(&s);
}

static void test_gzip_round_trip(void **state)
{
	static char big[1 << 20], back[(1 << 20) + 1];
	struct buf z = { 0 };
	size_t n;

	(void)state;
	/* gzip magic 1f 8b, deflate (8), and the identity bytes back */
	assert_int_equal(compress__gzip(text_want, strlen(text_want), &z), 0);
	assert_true(z.len > 18 && z.len < strlen(text_want));
	assert_int_equal((uint8_t)z.data[0], 0x1f);
	assert_int_equal((uint8_t)z.data[1], 0x8b);
	assert_int_equal(z.data[2], 8);
	gunzip(&z, back, sizeof(back), &n);
	assert_int_equal(n, strlen(text_want));
	assert_memory_equal(back, text_want, n);
	/* an empty body is a valid empty stream */
	buf__reset(&z);
	assert_int_equal(compress__gzip("", 0, &z), 0);
	gunzip(&z, back, sizeof(back), &n);
	assert_int_equal(n, 0);
	/* 1 MiB of incompressible-ish bytes */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)((i * 2654435761u) >> 13);
	buf__reset(&z);
	assert_int_equal(compress__gzip(big, sizeof(big), &z), 0);
	gunzip(&z, back, sizeof(back), &n);
	assert_int_equal(n, sizeof(big));
	assert_memory_equal(back, big, n);
	buf__free(&z);
}

/* ---- series that print alike fold into one (series__fold) ------------- */

/* A decoder where 1, 3 and 4 all print "x": two cgroups of one container,
 * or two addresses in one function. */
static const char *alike_decode(void *ctx, uint64_t v, bool is_signed, char *buf, size_t buflen,
				size_t *len)
{
	(void)ctx;
	(void)is_signed;
	*len = (size_t)snprintf(buf, buflen, "%s", v == 2 ? "y" : "x");
	return buf;
}

static const struct test_label alike_label = {
	.name = "k",
	.key_off = 0,
	.key_size = 8,
	.decode = alike_decode,
};

static const struct test_label cpu_label = {
	.name = "cpu",
	.key_off = 8,
	.key_size = 8,
};

/* What the last merge_render folded and rendered. */
static struct metric_desc merged_d;
static struct series merged_s;

/* Merge m's series (keys and values copied, as collect hands over its own
 * buffers), then render it in fmt. */
static void merge_render(struct series_fold *mg, struct test_metric *m, uint8_t *keys,
			 uint64_t *values, enum render_format fmt, struct buf *b)
{
	struct render_enc *e = render_enc__new();

	assert_non_null(e);
	assert_int_equal(tm_fold(mg, m, keys, values, &merged_d, &merged_s), 0);
	buf__reset(b);
	render_enc__begin(e, fmt, b);
	render_enc__metric(e, &merged_d, &merged_s);
	assert_int_equal(render_enc__end(e), 0);
	render_enc__free(e);
}

static void test_merge_counter(void **state)
{
	const uint64_t keys0[8] = { 1, 0, 2, 0, 3, 0, 3, 1 };
	const uint64_t values0[4] = { 10, 20, 30, 40 };
	uint64_t keys[8], values[4];
	struct series_fold mg = { 0 };
	struct buf b = { 0 };
	struct test_metric m = {
		.name = "app_calls_total",
		.help = "Calls.",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nlabels = 2,
		.labels = { alike_label, cpu_label },
		.nseries = 4,
		.key_size = 16,
		.value_words = 1,
	};
	void *text, *at, *slots;

	(void)state;
	memcpy(keys, keys0, sizeof(keys));
	memcpy(values, values0, sizeof(values));
	merge_render(&mg, &m, (uint8_t *)keys, values, RENDER_FMT_TEXT, &b);
	/* x,0 twice (keys 1 and 3): one series, first in key order */
	assert_bytes(&b, "# HELP app_calls_total Calls.\n"
			 "# TYPE app_calls_total counter\n"
			 "app_calls_total{k=\"x\",cpu=\"0\"} 40\n"
			 "app_calls_total{k=\"y\",cpu=\"0\"} 20\n"
			 "app_calls_total{k=\"x\",cpu=\"1\"} 40\n");
	assert_int_equal(m.nseries, 3);

	/* the same series again: the scratch is reused, nothing allocated */
	text = mg.text.data;
	at = mg.at;
	slots = mg.slots;
	memcpy(keys, keys0, sizeof(keys));
	memcpy(values, values0, sizeof(values));
	m.nseries = 4;
	merge_render(&mg, &m, (uint8_t *)keys, values, RENDER_FMT_OPENMETRICS, &b);
	assert_ptr_equal(mg.text.data, text);
	assert_ptr_equal(mg.at, at);
	assert_ptr_equal(mg.slots, slots);
	assert_bytes(&b, "# TYPE app_calls counter\n"
			 "# HELP app_calls Calls.\n"
			 "app_calls_total{k=\"x\",cpu=\"0\"} 40\n"
			 "app_calls_total{k=\"y\",cpu=\"0\"} 20\n"
			 "app_calls_total{k=\"x\",cpu=\"1\"} 40\n"
			 "# EOF\n");

	/* plain integer labels never print alike: no texts, nothing folds */
	memcpy(keys, keys0, sizeof(keys));
	m.labels[0] = pid_label;
	m.nseries = 4;
	assert_int_equal(tm_fold(&mg, &m, (uint8_t *)keys, values, &merged_d, &merged_s), 0);
	assert_int_equal(m.nseries, 4);
	assert_null(m.label_text);
	buf__free(&b);
	series_fold__free(&mg);
}

/* Two invalid UTF-8 names that both print as U+FFFD "a". */
static void test_merge_strings(void **state)
{
	uint8_t keys[3 * BPFPROM_COMM_LEN] = { 0 };
	uint64_t values[3] = { 1, 2, 4 };
	struct series_fold mg = { 0 };
	struct buf b = { 0 };
	struct test_metric m = {
		.name = "app_reads_total",
		.help = "Reads.",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nlabels = 1,
		.labels = { comm_label },
		.nseries = 3,
		.key_size = BPFPROM_COMM_LEN,
		.value_words = 1,
	};

	(void)state;
	memcpy(keys,
	       "\xff"
	       "a",
	       2);
	memcpy(keys + BPFPROM_COMM_LEN, "b", 1);
	memcpy(keys + 2 * BPFPROM_COMM_LEN,
	       "\xfe\xfd"
	       "a",
	       3);
	merge_render(&mg, &m, keys, values, RENDER_FMT_TEXT, &b);
	assert_bytes(&b, "# HELP app_reads_total Reads.\n"
			 "# TYPE app_reads_total counter\n"
			 "app_reads_total{comm=\"\xef\xbf\xbd"
			 "a\"} 5\n"
			 "app_reads_total{comm=\"b\"} 2\n");
	buf__free(&b);
	series_fold__free(&mg);
}

static void test_merge_hist(void **state)
{
	static const double bounds[3] = { 1, 2, 4 };
	uint64_t keys[3] = { 1, 2, 3 };
	/* [0] unused, [1] sum, [2..4] buckets, [5] overflow */
	uint64_t values[18] = {
		0, 7, 1, 0, 2, 0, /* x */
		0, 1, 0, 1, 0, 0, /* y */
		0, 9, 0, 3, 0, 1, /* x */
	};
	struct series_fold mg = { 0 };
	struct buf b = { 0 };
	struct test_metric m = {
		.name = "app_size_bytes",
		.help = "Sizes.",
		.agg = BPFPROM_AGG_HIST,
		.scale = 1,
		.nlabels = 1,
		.labels = { alike_label },
		.nbuckets = 3,
		.bounds = bounds,
		.nseries = 3,
		.key_size = 8,
		.value_words = 6,
	};
	struct decoded d;
	const Io__Prometheus__Client__Histogram *h;
	static const uint64_t cum_x[3] = { 1, 4, 6 }, cum_y[3] = { 0, 1, 1 };

	(void)state;
	merge_render(&mg, &m, (uint8_t *)keys, values, RENDER_FMT_TEXT, &b);
	assert_bytes(&b, "# HELP app_size_bytes Sizes.\n"
			 "# TYPE app_size_bytes histogram\n"
			 "app_size_bytes_bucket{k=\"x\",le=\"1\"} 1\n"
			 "app_size_bytes_bucket{k=\"x\",le=\"2\"} 4\n"
			 "app_size_bytes_bucket{k=\"x\",le=\"4\"} 6\n"
			 "app_size_bytes_bucket{k=\"x\",le=\"+Inf\"} 7\n"
			 "app_size_bytes_sum{k=\"x\"} 16\n"
			 "app_size_bytes_count{k=\"x\"} 7\n"
			 "app_size_bytes_bucket{k=\"y\",le=\"1\"} 0\n"
			 "app_size_bytes_bucket{k=\"y\",le=\"2\"} 1\n"
			 "app_size_bytes_bucket{k=\"y\",le=\"4\"} 1\n"
			 "app_size_bytes_bucket{k=\"y\",le=\"+Inf\"} 1\n"
			 "app_size_bytes_sum{k=\"y\"} 1\n"
			 "app_size_bytes_count{k=\"y\"} 1\n");

	/* the merged series as they are, in protobuf: nothing folds twice */
	buf__reset(&b);
	{
		struct render_enc *e = render_enc__new();

		render_enc__begin(e, RENDER_FMT_PROTOBUF, &b);
		render_enc__metric(e, &merged_d, &merged_s);
		assert_int_equal(render_enc__end(e), 0);
		render_enc__free(e);
	}
	pb_decode(&b, &d);
	assert_int_equal(d.n, 1);
	assert_family(d.f[0], "app_size_bytes", "Sizes.", T_HISTOGRAM, 2);
	assert_label(d.f[0]->metric[0], 0, "k", "x");
	h = d.f[0]->metric[0]->histogram;
	assert_int_equal(h->sample_count, 7);
	assert_true(h->sample_sum == 16);
	assert_int_equal(h->n_bucket, 3);
	for (size_t j = 0; j < 3; j++)
		assert_int_equal(h->bucket[j]->cumulative_count, cum_x[j]);
	assert_label(d.f[0]->metric[1], 0, "k", "y");
	h = d.f[0]->metric[1]->histogram;
	assert_int_equal(h->sample_count, 1);
	assert_true(h->sample_sum == 1);
	for (size_t j = 0; j < 3; j++)
		assert_int_equal(h->bucket[j]->cumulative_count, cum_y[j]);
	pb_decoded_free(&d);
	buf__free(&b);
	series_fold__free(&mg);
}

static void test_merge_stats(void **state)
{
	uint64_t keys[4] = { 1, 2, 3, 4 };
	/* count, sum, min, max (signed); key 3 saw no event: its 99s are not values */
	uint64_t values[16] = {
		2,
		10,
		(uint64_t)-3,
		8, /* x */
		1,
		5,
		5,
		5, /* y */
		0,
		0,
		99,
		99, /* x */
		3,
		(uint64_t)-6,
		(uint64_t)-5,
		1, /* x */
	};
	uint64_t keys2[3] = { 3, 2, 1 };
	uint64_t values2[12] = {
		0, 0, 99, 99, /* x, no event, first */
		1, 5, 5,  5, /* y */
		1, 4, 4,  4, /* x */
	};
	struct series_fold mg = { 0 };
	struct buf b = { 0 };
	struct test_metric m = {
		.name = "app_ret",
		.help = "Returns.",
		.agg = BPFPROM_AGG_STATS,
		.value_signed = true,
		.scale = 1,
		.nlabels = 1,
		.labels = { alike_label },
		.nseries = 4,
		.key_size = 8,
		.value_words = 4,
	};
	struct decoded d;

	(void)state;
	merge_render(&mg, &m, (uint8_t *)keys, values, RENDER_FMT_TEXT, &b);
	assert_bytes(&b, "# HELP app_ret Returns.\n"
			 "# TYPE app_ret summary\n"
			 "app_ret_sum{k=\"x\"} 4\n"
			 "app_ret_count{k=\"x\"} 5\n"
			 "app_ret_sum{k=\"y\"} 5\n"
			 "app_ret_count{k=\"y\"} 1\n"
			 "# HELP app_ret_min Returns. (minimum)\n"
			 "# TYPE app_ret_min gauge\n"
			 "app_ret_min{k=\"x\"} -5\n"
			 "app_ret_min{k=\"y\"} 5\n"
			 "# HELP app_ret_max Returns. (maximum)\n"
			 "# TYPE app_ret_max gauge\n"
			 "app_ret_max{k=\"x\"} 8\n"
			 "app_ret_max{k=\"y\"} 5\n");

	/* a series without events first: the next one's min and max replace its */
	m.nseries = 3;
	merge_render(&mg, &m, (uint8_t *)keys2, values2, RENDER_FMT_PROTOBUF, &b);
	pb_decode(&b, &d);
	assert_int_equal(d.n, 3);
	assert_family(d.f[0], "app_ret", "Returns.", T_SUMMARY, 2);
	assert_label(d.f[0]->metric[0], 0, "k", "x");
	assert_int_equal(d.f[0]->metric[0]->summary->sample_count, 1);
	assert_true(d.f[0]->metric[0]->summary->sample_sum == 4);
	assert_family(d.f[1], "app_ret_min", "Returns. (minimum)", T_GAUGE, 2);
	assert_true(d.f[1]->metric[0]->gauge->value == 4);
	assert_family(d.f[2], "app_ret_max", "Returns. (maximum)", T_GAUGE, 2);
	assert_true(d.f[2]->metric[0]->gauge->value == 4);
	assert_label(d.f[2]->metric[1], 0, "k", "y");
	assert_true(d.f[2]->metric[1]->gauge->value == 5);
	pb_decoded_free(&d);
	buf__free(&b);
	series_fold__free(&mg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_text_golden, setup_keys),
		cmocka_unit_test_setup(test_openmetrics_golden, setup_keys),
		cmocka_unit_test(test_openmetrics_units),
		cmocka_unit_test_setup(test_protobuf_all, setup_keys),
		cmocka_unit_test_setup(test_openmetrics2_golden, setup_keys),
		cmocka_unit_test(test_openmetrics2_edges),
		cmocka_unit_test_setup(test_protobuf_created, setup_keys),
		cmocka_unit_test(test_protobuf_native_seams),
		cmocka_unit_test(test_protobuf_native_schema),
		cmocka_unit_test(test_text_schema),
		cmocka_unit_test_setup(test_protobuf_reuse, setup_keys),
		cmocka_unit_test_setup(test_negotiate_accept, setup_keys),
		cmocka_unit_test(test_negotiate_escaping),
		cmocka_unit_test(test_negotiate_encoding),
		cmocka_unit_test_setup(test_gzip_round_trip, setup_keys),
		cmocka_unit_test(test_merge_counter),
		cmocka_unit_test(test_merge_strings),
		cmocka_unit_test(test_merge_hist),
		cmocka_unit_test(test_merge_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
