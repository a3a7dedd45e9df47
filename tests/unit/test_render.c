// SPDX-License-Identifier: GPL-2.0
/*
 * Golden-bytes tests of the text exposition format 0.0.4: every expected
 * output is the exact, complete text a scrape would return for the metric.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "render/render.h"
#include "metric_test.h"

/* Key of the two-label metrics: comm[16] then pid (u64, host order). */
#define KEY2_SIZE 24

static void key2(uint8_t *k, const char *comm, size_t comm_len, uint64_t pid)
{
	memset(k, 0, KEY2_SIZE);
	memcpy(k, comm, comm_len);
	memcpy(k + BPFPROM_COMM_LEN, &pid, sizeof(pid));
}

static const struct test_label comm_label = {
	.name = "comm",
	.key_off = 0,
	.key_size = BPFPROM_COMM_LEN,
	.is_str = true,
};

static const struct test_label pid_label = {
	.name = "pid",
	.key_off = BPFPROM_COMM_LEN,
	.key_size = 8,
};

static void assert_buf(const struct buf *b, const char *want)
{
	assert_false(b->oom);
	assert_non_null(b->data);
	assert_string_equal(b->data, want);
	assert_int_equal(b->len, strlen(want));
}

static void expect_metric(const struct test_metric *m, const char *want)
{
	struct buf b = { 0 };

	tm_text_metric(&b, m);
	assert_buf(&b, want);
	buf__free(&b);
}

static void expect_float(double v, const char *want)
{
	char out[32];
	size_t n;

	memset(out, 'x', sizeof(out));
	n = render__float(out, v);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_count_no_labels(void **state)
{
	uint8_t key[4] = { 0 };
	uint64_t values[1] = { 3 };
	struct test_metric m = {
		.name = "bpfprom_exec_total",
		.help = "Processes executed.",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nseries = 1,
		.key_size = sizeof(key),
		.keys = key,
		.value_words = 1,
		.values = values,
	};

	(void)state;
	expect_metric(&m, "# HELP bpfprom_exec_total Processes executed.\n"
			  "# TYPE bpfprom_exec_total counter\n"
			  "bpfprom_exec_total 3\n");
}

static void test_count_two_labels(void **state)
{
	uint8_t keys[2 * KEY2_SIZE];
	/* wider than the layout needs: value_words is the stride */
	uint64_t values[2 * 2] = { 7, 99, UINT64_MAX, 99 };
	struct test_metric m = {
		.name = "bpfprom_exec_total",
		.help = "Processes executed.",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nlabels = 2,
		.labels = { comm_label, pid_label },
		.nseries = 2,
		.key_size = KEY2_SIZE,
		.keys = keys,
		.value_words = 2,
		.values = values,
	};

	(void)state;
	key2(keys, "bash", 4, 42);
	/* a comm of all 16 bytes has no NUL: all of them are the value */
	key2(keys + KEY2_SIZE, "abcdefghijklmnop", 16, UINT64_MAX);
	expect_metric(&m,
		      "# HELP bpfprom_exec_total Processes executed.\n"
		      "# TYPE bpfprom_exec_total counter\n"
		      "bpfprom_exec_total{comm=\"bash\",pid=\"42\"} 7\n"
		      "bpfprom_exec_total{comm=\"abcdefghijklmnop\",pid=\"18446744073709551615\"} "
		      "18446744073709551615\n");
}

/* Integers are printed two digits at a time: every count of digits, and
 * the values around each power of ten. */
static void test_count_digits(void **state)
{
	static const uint64_t v[] = {
		0,    1,    9,	   10,	  11,	  99,	   100,		101,	    999,
		1000, 1009, 10000, 99999, 100000, 1234567, 10000000000, 1ull << 63, UINT64_MAX - 1
	};
	uint64_t keys[sizeof(v) / sizeof(v[0])], values[sizeof(v) / sizeof(v[0])];
	struct test_metric m = {
		.name = "n_total",
		.help = "N.",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nlabels = 1,
		.labels = { { .name = "v", .key_off = 0, .key_size = 8 } },
		.nseries = sizeof(v) / sizeof(v[0]),
		.key_size = 8,
		.keys = (const uint8_t *)keys,
		.value_words = 1,
		.values = values,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		keys[i] = v[i];
		values[i] = v[sizeof(v) / sizeof(v[0]) - 1 - i];
	}
	expect_metric(&m, "# HELP n_total N.\n"
			  "# TYPE n_total counter\n"
			  "n_total{v=\"0\"} 18446744073709551614\n"
			  "n_total{v=\"1\"} 9223372036854775808\n"
			  "n_total{v=\"9\"} 10000000000\n"
			  "n_total{v=\"10\"} 1234567\n"
			  "n_total{v=\"11\"} 100000\n"
			  "n_total{v=\"99\"} 99999\n"
			  "n_total{v=\"100\"} 10000\n"
			  "n_total{v=\"101\"} 1009\n"
			  "n_total{v=\"999\"} 1000\n"
			  "n_total{v=\"1000\"} 999\n"
			  "n_total{v=\"1009\"} 101\n"
			  "n_total{v=\"10000\"} 100\n"
			  "n_total{v=\"99999\"} 99\n"
			  "n_total{v=\"100000\"} 11\n"
			  "n_total{v=\"1234567\"} 10\n"
			  "n_total{v=\"10000000000\"} 9\n"
			  "n_total{v=\"9223372036854775808\"} 1\n"
			  "n_total{v=\"18446744073709551614\"} 0\n");
}

static void test_zero_series(void **state)
{
	struct test_metric m = {
		.name = "bpfprom_exec_total",
		.help = "Processes executed.",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nlabels = 2,
		.labels = { comm_label, pid_label },
		.key_size = KEY2_SIZE,
		.value_words = 1,
	};

	(void)state;
	expect_metric(&m, "# HELP bpfprom_exec_total Processes executed.\n"
			  "# TYPE bpfprom_exec_total counter\n");
}

static void test_sum_signed_negative(void **state)
{
	uint8_t keys[3 * 8];
	uint64_t values[3 * 2] = {
		2, (uint64_t)-1234, 1, (uint64_t)INT64_MIN, 5, (uint64_t)INT64_MAX,
	};
	int64_t ret[3] = { -11, 0, 4 };
	struct test_metric m = {
		.name = "app_ret_sum_total",
		.help = "Sum of return values.",
		.agg = BPFPROM_AGG_SUM,
		.value_signed = true,
		.scale = 1,
		.nlabels = 1,
		.labels = { { .name = "ret", .key_off = 0, .key_size = 8, .is_signed = true } },
		.nseries = 3,
		.key_size = 8,
		.keys = keys,
		.value_words = 2,
		.values = values,
	};

	(void)state;
	memcpy(keys, ret, sizeof(keys));
	expect_metric(&m, "# HELP app_ret_sum_total Sum of return values.\n"
			  "# TYPE app_ret_sum_total counter\n"
			  "app_ret_sum_total{ret=\"-11\"} -1234\n"
			  "app_ret_sum_total{ret=\"0\"} -9223372036854775808\n"
			  "app_ret_sum_total{ret=\"4\"} 9223372036854775807\n");
}

static void test_sum_unsigned_scaled(void **state)
{
	uint8_t key[8] = { 0 };
	/* 7 ns: 7 * 1e-9 would print 7.000000000000001e-09 */
	uint64_t values[2] = { 1, 7 };
	struct test_metric m = {
		.name = "app_wait_seconds_total",
		.help = "Time waited.",
		.agg = BPFPROM_AGG_SUM,
		.scale = 1e-9,
		.nseries = 1,
		.key_size = sizeof(key),
		.keys = key,
		.value_words = 2,
		.values = values,
	};

	(void)state;
	expect_metric(&m, "# HELP app_wait_seconds_total Time waited.\n"
			  "# TYPE app_wait_seconds_total counter\n"
			  "app_wait_seconds_total 7e-09\n");
}

static void test_hist_log2(void **state)
{
	/* slots 0..4 kept (le 0, 1, 2, 4, 8), then the overflow */
	static const double bounds[5] = { 0, 1, 2, 4, 8 };
	uint8_t keys[2 * BPFPROM_COMM_LEN] = { 0 };
	uint64_t values[2 * 8] = {
		0, 123, 1, 2, 3, 0, 4, 5, /* cumulative 1 3 6 6 10, total 15 */
		0, 0,	0, 0, 0, 0, 0, 0,
	};
	struct test_metric m = {
		.name = "app_read_bytes",
		.help = "Bytes read.",
		.agg = BPFPROM_AGG_HIST,
		.scale = 1,
		.nlabels = 1,
		.labels = { comm_label },
		.nbuckets = 5,
		.bounds = bounds,
		.nseries = 2,
		.key_size = BPFPROM_COMM_LEN,
		.keys = keys,
		.value_words = 8,
		.values = values,
	};

	(void)state;
	memcpy(keys, "cat", 3);
	memcpy(keys + BPFPROM_COMM_LEN, "dd", 2);
	expect_metric(&m, "# HELP app_read_bytes Bytes read.\n"
			  "# TYPE app_read_bytes histogram\n"
			  "app_read_bytes_bucket{comm=\"cat\",le=\"0\"} 1\n"
			  "app_read_bytes_bucket{comm=\"cat\",le=\"1\"} 3\n"
			  "app_read_bytes_bucket{comm=\"cat\",le=\"2\"} 6\n"
			  "app_read_bytes_bucket{comm=\"cat\",le=\"4\"} 6\n"
			  "app_read_bytes_bucket{comm=\"cat\",le=\"8\"} 10\n"
			  "app_read_bytes_bucket{comm=\"cat\",le=\"+Inf\"} 15\n"
			  "app_read_bytes_sum{comm=\"cat\"} 123\n"
			  "app_read_bytes_count{comm=\"cat\"} 15\n"
			  "app_read_bytes_bucket{comm=\"dd\",le=\"0\"} 0\n"
			  "app_read_bytes_bucket{comm=\"dd\",le=\"1\"} 0\n"
			  "app_read_bytes_bucket{comm=\"dd\",le=\"2\"} 0\n"
			  "app_read_bytes_bucket{comm=\"dd\",le=\"4\"} 0\n"
			  "app_read_bytes_bucket{comm=\"dd\",le=\"8\"} 0\n"
			  "app_read_bytes_bucket{comm=\"dd\",le=\"+Inf\"} 0\n"
			  "app_read_bytes_sum{comm=\"dd\"} 0\n"
			  "app_read_bytes_count{comm=\"dd\"} 0\n");
}

static void test_hist_big_bounds(void **state)
{
	/* le from 2^20 on prints in exponent form, as Go's %g does */
	static const double bounds[3] = { 524288, 1048576, 2097152 };
	uint8_t key[4] = { 0 };
	uint64_t values[6] = { 0, 3000000, 1, 0, 1, 1 };
	struct test_metric m = {
		.name = "app_alloc_bytes",
		.help = "Allocation sizes.",
		.agg = BPFPROM_AGG_HIST,
		.scale = 1,
		.nbuckets = 3,
		.bounds = bounds,
		.nseries = 1,
		.key_size = sizeof(key),
		.keys = key,
		.value_words = 6,
		.values = values,
	};

	(void)state;
	expect_metric(&m, "# HELP app_alloc_bytes Allocation sizes.\n"
			  "# TYPE app_alloc_bytes histogram\n"
			  "app_alloc_bytes_bucket{le=\"524288\"} 1\n"
			  "app_alloc_bytes_bucket{le=\"1.048576e+06\"} 1\n"
			  "app_alloc_bytes_bucket{le=\"2.097152e+06\"} 2\n"
			  "app_alloc_bytes_bucket{le=\"+Inf\"} 3\n"
			  "app_alloc_bytes_sum 3000000\n"
			  "app_alloc_bytes_count 3\n");
}

static void test_lhist_signed(void **state)
{
	/* min -10, step 4: le -6, -2, 2, 6, 10, then the overflow */
	static const double bounds[5] = { -6, -2, 2, 6, 10 };
	uint8_t key[8];
	uint64_t pid = 7;
	uint64_t values[8] = { 0, (uint64_t)-17, 2, 0, 3, 1, 0, 4 };
	struct test_metric m = {
		.name = "app_delta",
		.help = "Deltas.",
		.agg = BPFPROM_AGG_LHIST,
		.value_signed = true,
		.scale = 1,
		.nlabels = 1,
		.labels = { { .name = "pid", .key_off = 0, .key_size = 8 } },
		.nbuckets = 5,
		.bounds = bounds,
		.nseries = 1,
		.key_size = sizeof(key),
		.keys = key,
		.value_words = 8,
		.values = values,
	};

	(void)state;
	memcpy(key, &pid, sizeof(pid));
	expect_metric(&m, "# HELP app_delta Deltas.\n"
			  "# TYPE app_delta histogram\n"
			  "app_delta_bucket{pid=\"7\",le=\"-6\"} 2\n"
			  "app_delta_bucket{pid=\"7\",le=\"-2\"} 2\n"
			  "app_delta_bucket{pid=\"7\",le=\"2\"} 5\n"
			  "app_delta_bucket{pid=\"7\",le=\"6\"} 6\n"
			  "app_delta_bucket{pid=\"7\",le=\"10\"} 6\n"
			  "app_delta_bucket{pid=\"7\",le=\"+Inf\"} 10\n"
			  "app_delta_sum{pid=\"7\"} -17\n"
			  "app_delta_count{pid=\"7\"} 10\n");
}

static void test_hist_latency_seconds(void **state)
{
	double bounds[4];
	uint8_t key[4] = { 0 };
	/* (2^30 + 7) ns in all */
	uint64_t values[7] = { 0, 1073741831, 1, 1, 0, 2, 3 };
	struct test_metric m = {
		.name = "app_read_latency_seconds",
		.help = "Time spent in read(2).",
		.agg = BPFPROM_AGG_HIST,
		.scale = 1e-9,
		.nbuckets = 4,
		.bounds = bounds,
		.nseries = 1,
		.key_size = sizeof(key),
		.keys = key,
		.value_words = 7,
		.values = values,
	};

	(void)state;
	/* what collect hands over: 2^k ns in seconds */
	bounds[0] = ldexp(1, 0) / 1e9;
	bounds[1] = ldexp(1, 10) / 1e9;
	bounds[2] = ldexp(1, 20) / 1e9;
	bounds[3] = ldexp(1, 30) / 1e9;
	expect_metric(&m, "# HELP app_read_latency_seconds Time spent in read(2).\n"
			  "# TYPE app_read_latency_seconds histogram\n"
			  "app_read_latency_seconds_bucket{le=\"1e-09\"} 1\n"
			  "app_read_latency_seconds_bucket{le=\"1.024e-06\"} 2\n"
			  "app_read_latency_seconds_bucket{le=\"0.001048576\"} 2\n"
			  "app_read_latency_seconds_bucket{le=\"1.073741824\"} 4\n"
			  "app_read_latency_seconds_bucket{le=\"+Inf\"} 7\n"
			  "app_read_latency_seconds_sum 1.073741831\n"
			  "app_read_latency_seconds_count 7\n");
}

static void test_stats(void **state)
{
	uint8_t keys[2 * BPFPROM_COMM_LEN] = { 0 };
	uint64_t values[2 * 4] = {
		3,  60, (uint64_t)-7,
		40, /* count sum min max */
		0,  0,	0,
		0, /* no events: no min, no max */
	};
	struct test_metric m = {
		.name = "app_malloc_size_bytes",
		.help = "Sizes passed to malloc.",
		.agg = BPFPROM_AGG_STATS,
		.value_signed = true,
		.scale = 1,
		.nlabels = 1,
		.labels = { comm_label },
		.nseries = 2,
		.key_size = BPFPROM_COMM_LEN,
		.keys = keys,
		.value_words = 4,
		.values = values,
	};

	(void)state;
	memcpy(keys, "a", 1);
	memcpy(keys + BPFPROM_COMM_LEN, "b", 1);
	expect_metric(&m, "# HELP app_malloc_size_bytes Sizes passed to malloc.\n"
			  "# TYPE app_malloc_size_bytes summary\n"
			  "app_malloc_size_bytes_sum{comm=\"a\"} 60\n"
			  "app_malloc_size_bytes_count{comm=\"a\"} 3\n"
			  "app_malloc_size_bytes_sum{comm=\"b\"} 0\n"
			  "app_malloc_size_bytes_count{comm=\"b\"} 0\n"
			  "# HELP app_malloc_size_bytes_min Sizes passed to malloc. (minimum)\n"
			  "# TYPE app_malloc_size_bytes_min gauge\n"
			  "app_malloc_size_bytes_min{comm=\"a\"} -7\n"
			  "# HELP app_malloc_size_bytes_max Sizes passed to malloc. (maximum)\n"
			  "# TYPE app_malloc_size_bytes_max gauge\n"
			  "app_malloc_size_bytes_max{comm=\"a\"} 40\n");
}

static void test_stats_zero_series_scaled(void **state)
{
	struct test_metric m = {
		.name = "app_wait_seconds",
		.help = "Waits.",
		.agg = BPFPROM_AGG_STATS,
		.scale = 1e-9,
		.key_size = 8,
		.value_words = 4,
	};

	(void)state;
	expect_metric(&m, "# HELP app_wait_seconds Waits.\n"
			  "# TYPE app_wait_seconds summary\n"
			  "# HELP app_wait_seconds_min Waits. (minimum)\n"
			  "# TYPE app_wait_seconds_min gauge\n"
			  "# HELP app_wait_seconds_max Waits. (maximum)\n"
			  "# TYPE app_wait_seconds_max gauge\n");
}

static void test_hostile_comm(void **state)
{
	/*
	 * quote, backslash, newline; 0xff; a 3-byte sequence cut after two
	 * bytes; an overlong '/' (c0 af) running into 0xff: each maximal run of
	 * invalid bytes becomes one U+FFFD (Go's strings.ToValidUTF8 rule).
	 */
	static const char comm[] = "q\"\\\n\xff"
				   "x\xe2\x82"
				   "y\xc0\xaf\xff"
				   "z";
	uint8_t keys[KEY2_SIZE];
	uint64_t values[1] = { 1 };
	struct test_metric m = {
		.name = "bpfprom_exec_total",
		.help = "Processes executed.",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nlabels = 2,
		.labels = { comm_label, pid_label },
		.nseries = 1,
		.key_size = KEY2_SIZE,
		.keys = keys,
		.value_words = 1,
		.values = values,
	};

	(void)state;
	key2(keys, comm, sizeof(comm) - 1, 1);
	expect_metric(&m, "# HELP bpfprom_exec_total Processes executed.\n"
			  "# TYPE bpfprom_exec_total counter\n"
			  "bpfprom_exec_total{comm=\"q\\\"\\\\\\n\xef\xbf\xbd"
			  "x\xef\xbf\xbd"
			  "y\xef\xbf\xbd"
			  "z\",pid=\"1\"} 1\n");
}

/* A stand-in for decode.c: render must only call the callback and escape
 * whatever it returns. */
struct fake_decoder {
	unsigned int calls;
	uint64_t last_v;
	bool last_signed;
};

static const char *fake_decode(void *ctx, uint64_t v, bool is_signed, char *buf, size_t buflen,
			       size_t *len)
{
	struct fake_decoder *f = ctx;
	const char *text;

	f->calls++;
	f->last_v = v;
	f->last_signed = is_signed;
	switch (v) {
	case 0xffffffff81000000ull:
		text = "do_sys_open";
		break;
	case 7:
		/* quote, backslash, newline, an invalid byte: a cgroup directory
		 * may be named anything */
		text = "/a\"b\\c\nd\xff"
		       "e";
		break;
	case (uint64_t)-2:
		text = "ENOENT";
		break;
	case 8:
		/* the contract says never NULL; render survives it anyway */
		return NULL;
	default:
		text = "";
		break;
	}
	*len = strlen(text);
	assert_true(*len < buflen);
	memcpy(buf, text, *len + 1);
	return buf;
}

/* Key of the decoded metrics: an s32 errno, 4 bytes of padding, a u64. */
#define KEYD_SIZE 16

static void keyd(uint8_t *k, int32_t err, uint64_t id)
{
	memset(k, 0, KEYD_SIZE);
	memcpy(k, &err, sizeof(err));
	memcpy(k + 8, &id, sizeof(id));
}

static void test_decoded_labels(void **state)
{
	struct fake_decoder errs = { 0 }, ids = { 0 };
	uint8_t keys[4 * KEYD_SIZE];
	uint64_t values[4] = { 1, 2, 3, 4 };
	struct test_metric m = {
		.name = "app_errors_total",
		.help = "Errors.",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nlabels = 2,
		.labels = {
			{ .name = "errno", .key_off = 0, .key_size = 4, .is_signed = true,
			  .decode = fake_decode, .decode_ctx = &errs },
			{ .name = "where", .key_off = 8, .key_size = 8,
			  .decode = fake_decode, .decode_ctx = &ids },
		},
		.nseries = 4,
		.key_size = KEYD_SIZE,
		.keys = keys,
		.value_words = 1,
		.values = values,
	};

	(void)state;
	keyd(keys, -2, 0xffffffff81000000ull);
	keyd(keys + KEYD_SIZE, -2, 7);
	keyd(keys + 2 * KEYD_SIZE, -2, 9);
	keyd(keys + 3 * KEYD_SIZE, -2, 8);
	expect_metric(&m, "# HELP app_errors_total Errors.\n"
			  "# TYPE app_errors_total counter\n"
			  "app_errors_total{errno=\"ENOENT\",where=\"do_sys_open\"} 1\n"
			  "app_errors_total{errno=\"ENOENT\",where=\"/a\\\"b\\\\c\\nd\xef\xbf\xbd"
			  "e\"} 2\n"
			  "app_errors_total{errno=\"ENOENT\",where=\"\"} 3\n"
			  "app_errors_total{errno=\"ENOENT\",where=\"8\"} 4\n");
	/* one call per printed label; the s32 reaches the decoder sign-extended */
	assert_int_equal(errs.calls, 4);
	assert_int_equal(errs.last_v, (uint64_t)-2);
	assert_true(errs.last_signed);
	assert_int_equal(ids.calls, 4);
	assert_int_equal(ids.last_v, 8);
	assert_false(ids.last_signed);
}

/* Every series line of a histogram prints the labels, decoded once per
 * series (series__fold makes the text; render calls no decoder). */
static void test_decoded_label_histogram(void **state)
{
	static const double bounds[1] = { 1 };
	struct fake_decoder f = { 0 };
	uint64_t key = 7;
	uint64_t values[4] = { 0, 5, 2, 1 };
	struct test_metric m = {
		.name = "app_size",
		.help = "Sizes.",
		.agg = BPFPROM_AGG_HIST,
		.scale = 1,
		.nlabels = 1,
		.labels = { { .name = "cg",
			      .key_size = 8,
			      .decode = fake_decode,
			      .decode_ctx = &f } },
		.nbuckets = 1,
		.bounds = bounds,
		.nseries = 1,
		.key_size = sizeof(key),
		.keys = (const uint8_t *)&key,
		.value_words = 4,
		.values = values,
	};

	(void)state;
	expect_metric(&m, "# HELP app_size Sizes.\n"
			  "# TYPE app_size histogram\n"
			  "app_size_bucket{cg=\"/a\\\"b\\\\c\\nd\xef\xbf\xbd"
			  "e\",le=\"1\"} 2\n"
			  "app_size_bucket{cg=\"/a\\\"b\\\\c\\nd\xef\xbf\xbd"
			  "e\",le=\"+Inf\"} 3\n"
			  "app_size_sum{cg=\"/a\\\"b\\\\c\\nd\xef\xbf\xbd"
			  "e\"} 5\n"
			  "app_size_count{cg=\"/a\\\"b\\\\c\\nd\xef\xbf\xbd"
			  "e\"} 3\n");
	assert_int_equal(f.calls, 1);
}

static void expect_label_value(const char *s, size_t n, const char *want)
{
	struct buf b = { 0 };

	render__escape_label_value(&b, s, n);
	assert_buf(&b, want);
	buf__free(&b);
}

static void test_escape_label_value_utf8(void **state)
{
	(void)state;
	expect_label_value("", 0, "");
	/* valid 2, 3 and 4 byte sequences and a literal U+FFFD pass through */
	expect_label_value("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd", 12,
			   "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd");
	/* a lone byte, and a run of them */
	expect_label_value("\xff", 1, "\xef\xbf\xbd");
	expect_label_value("\xff\xfe\x80\xbf", 4, "\xef\xbf\xbd");
	/* ASCII ends a run, so does an escaped character */
	expect_label_value("\xff"
			   "a\xff",
			   3,
			   "\xef\xbf\xbd"
			   "a\xef\xbf\xbd");
	expect_label_value("\xff\\\xff", 3, "\xef\xbf\xbd\\\\\xef\xbf\xbd");
	/* a valid multi-byte character ends a run too */
	expect_label_value("\xff\xc3\xa9\xff", 4, "\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd");
	/* truncated at the end of the value; truncated before a valid one */
	expect_label_value("ab\xe2\x82", 4, "ab\xef\xbf\xbd");
	expect_label_value("\xe2\x82\xe2\x82\xac", 5, "\xef\xbf\xbd\xe2\x82\xac");
	expect_label_value("\xf0\x9f\x98", 3, "\xef\xbf\xbd");
	/* overlong 2, 3, 4 byte forms; a surrogate; past U+10FFFF; 0xf5 */
	expect_label_value("\xc1\xbf", 2, "\xef\xbf\xbd");
	expect_label_value("\xe0\x80\xaf", 3, "\xef\xbf\xbd");
	expect_label_value("\xf0\x80\x80\xaf", 4, "\xef\xbf\xbd");
	expect_label_value("\xed\xa0\x80", 3, "\xef\xbf\xbd");
	expect_label_value("\xf4\x90\x80\x80", 4, "\xef\xbf\xbd");
	expect_label_value("\xf5\x80\x80\x80", 4, "\xef\xbf\xbd");
	/* the largest valid ones at those seams are kept */
	expect_label_value("\xed\x9f\xbf\xf4\x8f\xbf\xbf", 7, "\xed\x9f\xbf\xf4\x8f\xbf\xbf");
	/* n bounds the value even past a NUL-free end */
	expect_label_value("abc\xc3\xa9", 4, "abc\xef\xbf\xbd");
	/* other control characters are not escaped by the text format */
	expect_label_value("\t\r", 2, "\t\r");
}

static void test_help_escaping(void **state)
{
	uint8_t key[4] = { 0 };
	uint64_t values[1] = { 1 };
	struct test_metric m = {
		.name = "app_x_total",
		.help = "C:\\path \"quoted\"\nsecond line",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nseries = 1,
		.key_size = sizeof(key),
		.keys = key,
		.value_words = 1,
		.values = values,
	};

	(void)state;
	/* HELP escapes backslash and newline, never the quote */
	expect_metric(&m, "# HELP app_x_total C:\\\\path \"quoted\"\\nsecond line\n"
			  "# TYPE app_x_total counter\n"
			  "app_x_total 1\n");
}

static void test_self_metrics(void **state)
{
	static const char *const lnames[2] = { "metric", "mechanism" };
	static const char *const lvalues[2] = { "a\"b", "tracepoint" };
	struct render_enc *e = render_enc__new();
	struct buf b = { 0 };

	(void)state;
	assert_non_null(e);
	render_enc__begin(e, RENDER_FMT_TEXT, &b);
	render_enc__family(e, "bpfprom_scrape_seconds", "Scrape time\\x\nnext.", RENDER_GAUGE);
	render_enc__sample(e, 0, NULL, NULL, 0.5);
	render_enc__sample(e, 2, lnames, lvalues, 1234567);
	render_enc__sample(e, 1, lnames, lvalues, NAN);
	render_enc__family(e, "bpfprom_events_total", "Events.", RENDER_COUNTER);
	render_enc__sample_u64(e, 0, NULL, NULL, UINT64_MAX);
	render_enc__sample_u64(e, 2, lnames, lvalues, 0);
	assert_int_equal(render_enc__end(e), 0);
	render_enc__free(e);
	assert_buf(&b, "# HELP bpfprom_scrape_seconds Scrape time\\\\x\\nnext.\n"
		       "# TYPE bpfprom_scrape_seconds gauge\n"
		       "bpfprom_scrape_seconds 0.5\n"
		       "bpfprom_scrape_seconds{metric=\"a\\\"b\",mechanism=\"tracepoint\"} "
		       "1.234567e+06\n"
		       "bpfprom_scrape_seconds{metric=\"a\\\"b\"} NaN\n"
		       "# HELP bpfprom_events_total Events.\n"
		       "# TYPE bpfprom_events_total counter\n"
		       "bpfprom_events_total 18446744073709551615\n"
		       "bpfprom_events_total{metric=\"a\\\"b\",mechanism=\"tracepoint\"} 0\n");
	buf__free(&b);
}

static void test_float(void **state)
{
	(void)state;
	expect_float(0, "0");
	/* client_golang's writeFloat prints f == 0, so also -0, as "0" */
	expect_float(-0.0, "0");
	expect_float(1, "1");
	expect_float(-1, "-1");
	expect_float(0.5, "0.5");
	expect_float(-0.5, "-0.5");
	expect_float(1e-9, "1e-09");
	expect_float(0.1, "0.1");
	expect_float(0.0001, "0.0001");
	expect_float(0.00001, "1e-05");
	expect_float(0.000123, "0.000123");
	expect_float(1024, "1024");
	expect_float(123456, "123456");
	expect_float(999999, "999999");
	/* exponent form from decimal exponent 6: eprec is 6 for shortest %g */
	expect_float(1000000, "1e+06");
	expect_float(1048576, "1.048576e+06");
	expect_float(1234567, "1.234567e+06");
	expect_float(-1234567, "-1.234567e+06");
	expect_float(123456.7, "123456.7");
	expect_float(ldexp(1, -30), "9.313225746154785e-10");
	expect_float(ldexp(1, 30) / 1e9, "1.073741824");
	expect_float(ldexp(1, 53), "9.007199254740992e+15");
	expect_float(ldexp(1, 53) + 2, "9.007199254740994e+15");
	expect_float(ldexp(1, 63), "9.223372036854776e+18");
	expect_float(ldexp(1, 64), "1.8446744073709552e+19");
	expect_float(1e21, "1e+21");
	expect_float(1e23, "1e+23");
	expect_float(1e100, "1e+100");
	expect_float(1.0 / 3, "0.3333333333333333");
	expect_float(2.0 / 3, "0.6666666666666666");
	expect_float(0.1 + 0.2, "0.30000000000000004");
	expect_float(5e-324, "5e-324");
	expect_float(-5e-324, "-5e-324");
	expect_float(2.2250738585072014e-308, "2.2250738585072014e-308");
	expect_float(1.7976931348623157e308, "1.7976931348623157e+308");
	expect_float(NAN, "NaN");
	expect_float(INFINITY, "+Inf");
	expect_float(-INFINITY, "-Inf");
}

static void test_buf_growth_and_reuse(void **state)
{
	struct buf b = { 0 };
	char chunk[1000];
	size_t i, cap;

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	for (i = 0; i < 100; i++)
		buf__put(&b, chunk, sizeof(chunk));
	buf__printf(&b, "%s-%d", "end", 42);
	assert_false(b.oom);
	assert_int_equal(b.len, 100 * sizeof(chunk) + 6);
	assert_true(b.cap > b.len);
	assert_memory_equal(b.data + b.len - 6, "end-42", 7);

	/* a reset keeps the memory for the next scrape */
	cap = b.cap;
	buf__reset(&b);
	assert_int_equal(b.len, 0);
	buf__printf(&b, "%0*d", 9000, 7);
	assert_int_equal(b.len, 9000);
	assert_int_equal(b.cap, cap);
	assert_int_equal(b.data[8999], '7');
	buf__puts(&b, "!");
	assert_string_equal(b.data + 8999, "7!");

	buf__free(&b);
	assert_null(b.data);
	buf__free(&b);
	buf__free(NULL);
}

static void test_buf_oom(void **state)
{
	struct buf b = { 0 };
	char *data;

	(void)state;
	buf__puts(&b, "abc");
	data = b.data;
	/* a size that cannot be allocated fails the append, not the process */
	b.len = SIZE_MAX - 8;
	b.cap = SIZE_MAX - 4;
	buf__put(&b, "0123456789", 10);
	assert_true(b.oom);
	assert_int_equal(b.len, SIZE_MAX - 8);
	/* once set, appends stop, whatever their size */
	b.len = 3;
	b.cap = 4096;
	buf__puts(&b, "d");
	buf__printf(&b, "%d", 1);
	assert_true(b.oom);
	assert_int_equal(b.len, 3);
	assert_ptr_equal(b.data, data);
	buf__reset(&b);
	assert_false(b.oom);
	buf__puts(&b, "d");
	assert_string_equal(b.data, "d");
	buf__free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_no_labels),
		cmocka_unit_test(test_count_two_labels),
		cmocka_unit_test(test_count_digits),
		cmocka_unit_test(test_zero_series),
		cmocka_unit_test(test_sum_signed_negative),
		cmocka_unit_test(test_sum_unsigned_scaled),
		cmocka_unit_test(test_hist_log2),
		cmocka_unit_test(test_hist_big_bounds),
		cmocka_unit_test(test_lhist_signed),
		cmocka_unit_test(test_hist_latency_seconds),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_stats_zero_series_scaled),
		cmocka_unit_test(test_hostile_comm),
		cmocka_unit_test(test_decoded_labels),
		cmocka_unit_test(test_decoded_label_histogram),
		cmocka_unit_test(test_escape_label_value_utf8),
		cmocka_unit_test(test_help_escaping),
		cmocka_unit_test(test_self_metrics),
		cmocka_unit_test(test_float),
		cmocka_unit_test(test_buf_growth_and_reuse),
		cmocka_unit_test(test_buf_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
