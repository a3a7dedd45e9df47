// SPDX-License-Identifier: GPL-2.0
/*
 * --print's formatting, golden bytes: counters, sums, stats, log2 and linear
 * histograms as bpftrace-style bars with upper-inclusive buckets, the time
 * header, and the interval parser.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metric_test.h"
#include "term.h"

#define AT "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"
#define SP "                                                    "

static const struct test_label comm_label = {
	.name = "comm",
	.key_off = 0,
	.key_size = BPFPROM_COMM_LEN,
	.is_str = true,
};

static double log2_bounds[BPFPROM_LOG2_SLOTS];
static double log2_ns_bounds[BPFPROM_LOG2_SLOTS];

static int setup(void **state)
{
	(void)state;
	/* as plan makes them: slot 0 is le=0, slot s is le=2^(s-1) */
	for (int s = 0; s < BPFPROM_LOG2_SLOTS; s++) {
		log2_bounds[s] = s ? ldexp(1, s - 1) : 0;
		log2_ns_bounds[s] = s ? ldexp(1e-9, s - 1) : 0;
	}
	return 0;
}

/* m as collect hands it to term: its description and series (no decoded
 * labels here: term prints what series__label gives, as render does) */
static void format_metric(struct buf *b, const struct test_metric *m)
{
	struct metric_desc d;
	struct series s;

	tm_desc(m, &d);
	tm_series(m, &s);
	term__format_metric(b, &d, &s);
}

static void expect_metric(const struct test_metric *m, const char *want)
{
	struct buf b = { 0 };

	format_metric(&b, m);
	assert_false(b.oom);
	if (!want[0]) {
		assert_int_equal(b.len, 0);
	} else {
		assert_non_null(b.data);
		assert_string_equal(b.data, want);
		assert_int_equal(b.len, strlen(want));
	}
	buf__free(&b);
}

static void test_count(void **state)
{
	uint8_t keys[3 * 16] = "bash\0\0\0\0\0\0\0\0\0\0\0\0"
			       "q\"b\\s\nx\0\0\0\0\0\0\0\0\0"
			       "zsh";
	uint64_t values[3] = { 12, 1, 0 };
	struct test_metric m = {
		.name = "syscalls_total",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nlabels = 1,
		.labels = { comm_label },
		.nseries = 3,
		.key_size = 16,
		.keys = keys,
		.value_words = 1,
		.values = values,
	};

	(void)state;
	/* label values escaped as in the exposition: a process name cannot break a line */
	expect_metric(&m, "syscalls_total{comm=\"bash\"}: 12\n"
			  "syscalls_total{comm=\"q\\\"b\\\\s\\nx\"}: 1\n"
			  "syscalls_total{comm=\"zsh\"}: 0\n");
	m.nseries = 0;
	expect_metric(&m, "");
}

static void test_sum(void **state)
{
	uint64_t key = 0;
	uint64_t values[2] = { 3, (uint64_t)-42 };
	struct test_metric m = {
		.name = "ret_total",
		.agg = BPFPROM_AGG_SUM,
		.value_signed = true,
		.scale = 1,
		.nseries = 1,
		.key_size = 8,
		.keys = (const uint8_t *)&key,
		.value_words = 2,
		.values = values,
	};

	(void)state;
	expect_metric(&m, "ret_total: -42\n");
	m.value_signed = false;
	values[1] = UINT64_MAX;
	expect_metric(&m, "ret_total: 18446744073709551615\n");
}

static void test_stats(void **state)
{
	uint64_t key = 0;
	uint64_t values[2 * 4] = { 5, 15000001, 3000000, 3000001, 0, 0, 0, 0 };
	struct test_metric m = {
		.name = "malloc_bytes",
		.agg = BPFPROM_AGG_STATS,
		.scale = 1,
		.nseries = 1,
		.key_size = 8,
		.keys = (const uint8_t *)&key,
		.value_words = 4,
		.values = values,
	};
	uint64_t svalues[4] = { 3, (uint64_t)-7, (uint64_t)-10, 2 };

	(void)state;
	expect_metric(&m, "malloc_bytes: count 5, avg 3000000, min 3000000, max 3000001\n");
	m.values = svalues;
	m.value_signed = true;
	/* -7 / 3 truncates toward zero, as the C division bpftrace uses */
	expect_metric(&m, "malloc_bytes: count 3, avg -2, min -10, max 2\n");
	/* a latency in seconds prints the kernel's nanoseconds, and says so */
	m.values = values;
	m.value_signed = false;
	m.scale = 1e-9;
	expect_metric(&m, "malloc_bytes (ns): count 5, avg 3000000, min 3000000, max 3000001\n");
	/* a metric without labels before its first event (exported at 0 over
	 * HTTP) prints nothing, as bpftrace prints no map that was never set */
	m.values = values + 4;
	expect_metric(&m, "");
}

/* A log2 hist of every slot: counts go in buckets[] (overflow last). */
static void hist_metric(struct test_metric *m, uint64_t *values, uint32_t first, uint32_t nbuckets,
			const double *bounds)
{
	memset(m, 0, sizeof(*m));
	m->name = "size_bytes";
	m->agg = BPFPROM_AGG_HIST;
	m->scale = 1;
	m->nbuckets = nbuckets;
	m->bounds = bounds + first;
	m->hist_first_slot = first;
	m->nseries = 1;
	m->key_size = 8;
	m->keys = (const uint8_t *)"\0\0\0\0\0\0\0";
	m->value_words = BPFPROM_V_BUCKETS + nbuckets + 1;
	m->values = values;
}

/* schema 3: bounds 2^(i/8) with 4 digits; [0] and the overflow as log2's */
static void test_hist_schema(void **state)
{
	static double bounds[10];
	uint64_t v[BPFPROM_V_BUCKETS + 10 + 1] = { 0 };
	uint64_t *bk = v + BPFPROM_V_BUCKETS;
	struct test_metric m;

	(void)state;
	bounds[0] = 0;
	for (int j = 1; j < 10; j++)
		bounds[j] = ldexp((double)exp2l((long double)(j - 1) / 8), 0);
	hist_metric(&m, v, 0, 10, bounds);
	m.hist_has_schema = true;
	m.hist_schema = 3;
	m.hist_first_index = 0;
	bk[0] = 2; /* [0] */
	bk[1] = 1; /* (0, 1] */
	bk[6] = 1; /* (1.414, 1.542] */
	bk[10] = 2; /* past 2^(8/8) */
	expect_metric(
		&m,
		"size_bytes:\n"
		"[0]                    2 |" AT "|\n"
		"(0, 1]                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"(1, 1.091]             0 |" SP "|\n"
		"(1.091, 1.189]         0 |" SP "|\n"
		"(1.189, 1.297]         0 |" SP "|\n"
		"(1.297, 1.414]         0 |" SP "|\n"
		"(1.414, 1.542]         1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"(1.542, 1.682]         0 |" SP "|\n"
		"(1.682, 1.834]         0 |" SP "|\n"
		"(1.834, 2]             0 |" SP "|\n"
		"(2, ...)               2 |" AT "|\n"
		"\n");
}

static void test_hist(void **state)
{
	uint64_t v[BPFPROM_V_BUCKETS + BPFPROM_LOG2_SLOTS + 1] = { 0 };
	uint64_t *bk = v + BPFPROM_V_BUCKETS;
	struct test_metric m;

	(void)state;
	hist_metric(&m, v, 0, BPFPROM_LOG2_SLOTS, log2_bounds);
	/* from the first bucket with events to the last; bars scaled to the
	 * largest count, rounded down */
	bk[0] = 1; /* [0] */
	bk[2] = 4; /* (1, 2] */
	bk[3] = 3; /* (2, 4] */
	bk[12] = 2; /* (1K, 2K]: 2^10 < v <= 2^11 */
	expect_metric(
		&m,
		"size_bytes:\n"
		"[0]                    1 |@@@@@@@@@@@@@                                       |\n"
		"(0, 1]                 0 |" SP "|\n"
		"(1, 2]                 4 |" AT "|\n"
		"(2, 4]                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@             |\n"
		"(4, 8]                 0 |" SP "|\n"
		"(8, 16]                0 |" SP "|\n"
		"(16, 32]               0 |" SP "|\n"
		"(32, 64]               0 |" SP "|\n"
		"(64, 128]              0 |" SP "|\n"
		"(128, 256]             0 |" SP "|\n"
		"(256, 512]             0 |" SP "|\n"
		"(512, 1K]              0 |" SP "|\n"
		"(1K, 2K]               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"\n");
	/* binary suffixes up to E; the last slot is le=2^64 = 16E */
	memset(v, 0, sizeof(v));
	bk[21] = 1; /* (512K, 1M] */
	bk[31] = 1; /* (512M, 1G] */
	bk[65] = 12345678; /* (8E, 16E] */
	m.value_words = BPFPROM_V_BUCKETS + BPFPROM_LOG2_SLOTS + 1;
	{
		struct buf b = { 0 };
		char *first, *last;

		format_metric(&b, &m);
		assert_non_null(b.data);
		first = strstr(b.data, "(512K, 1M]             1 |" SP "|\n");
		assert_non_null(first);
		assert_non_null(strstr(b.data, "(512M, 1G]             1 |" SP "|\n"));
		last = strstr(b.data, "(8E, 16E]       12345678 |" AT "|\n\n");
		assert_non_null(last);
		/* 45 bucket lines from (512K, 1M] to (8E, 16E], a header, a blank */
		assert_int_equal(b.len, strlen("size_bytes:\n") + 45 * 80 + 1);
		buf__free(&b);
	}
}

static void test_hist_bounds(void **state)
{
	uint64_t v[BPFPROM_V_BUCKETS + BPFPROM_LOG2_SLOTS + 1] = { 0 };
	uint64_t *bk = v + BPFPROM_V_BUCKETS;
	struct test_metric m;

	(void)state;
	/* buckets: {min: 1024, max: 4096}: slots 11..13, le 1K 2K 4K, then overflow */
	hist_metric(&m, v, 11, 3, log2_bounds);
	bk[0] = 2;
	bk[3] = 1;
	expect_metric(
		&m,
		"size_bytes:\n"
		"(..., 1K]              2 |" AT "|\n"
		"(1K, 2K]               0 |" SP "|\n"
		"(2K, 4K]               0 |" SP "|\n"
		"(4K, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"\n");
	/* a signed value's le="0" also holds the negative ones */
	hist_metric(&m, v, 0, 3, log2_bounds);
	m.value_signed = true;
	memset(v, 0, sizeof(v));
	bk[0] = 3;
	bk[1] = 3;
	expect_metric(&m, "size_bytes:\n"
			  "(..., 0]               3 |" AT "|\n"
			  "(0, 1]                 3 |" AT "|\n"
			  "\n");
	/* latency in seconds: the buckets in nanoseconds, as measured */
	hist_metric(&m, v, 0, BPFPROM_LOG2_SLOTS, log2_ns_bounds);
	m.name = "lat_seconds";
	m.scale = 1e-9;
	memset(v, 0, sizeof(v));
	bk[11] = 1; /* (512, 1K] ns */
	bk[12] = 2;
	expect_metric(
		&m,
		"lat_seconds (ns):\n"
		"(512, 1K]              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"(1K, 2K]               2 |" AT "|\n"
		"\n");
	/* no events in any bucket, without labels: nothing, as bpftrace */
	memset(v, 0, sizeof(v));
	expect_metric(&m, "");
}

static void test_lhist(void **state)
{
	static const double bounds[] = { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 };
	uint8_t keys[2 * 16] = "a\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			       "b";
	uint64_t v[2 * 13] = { 0 };
	struct test_metric m = {
		.name = "small_bytes",
		.agg = BPFPROM_AGG_LHIST,
		.scale = 1,
		.nlabels = 1,
		.labels = { comm_label },
		.nbuckets = 10,
		.bounds = bounds,
		.nseries = 2,
		.key_size = 16,
		.keys = keys,
		.value_words = 13,
		.values = v,
	};

	(void)state;
	v[2 + 0] = 8; /* v <= 10 */
	v[2 + 3] = 1; /* (30, 40] */
	v[2 + 10] = 2; /* > 100 */
	v[13 + 2 + 9] = 5; /* b: (90, 100] */
	expect_metric(
		&m,
		"small_bytes{comm=\"a\"}:\n"
		"(..., 10]              8 |" AT "|\n"
		"(10, 20]               0 |" SP "|\n"
		"(20, 30]               0 |" SP "|\n"
		"(30, 40]               1 |@@@@@@                                              |\n"
		"(40, 50]               0 |" SP "|\n"
		"(50, 60]               0 |" SP "|\n"
		"(60, 70]               0 |" SP "|\n"
		"(70, 80]               0 |" SP "|\n"
		"(80, 90]               0 |" SP "|\n"
		"(90, 100]              0 |" SP "|\n"
		"(100, ...)             2 |@@@@@@@@@@@@@                                       |\n"
		"\n"
		"small_bytes{comm=\"b\"}:\n"
		"(90, 100]              5 |" AT "|\n"
		"\n");
	/* a value layout shorter than the buckets need is not read */
	m.value_words = 12;
	expect_metric(&m, "");
}

static void test_header(void **state)
{
	struct buf b = { 0 };

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	term__format_header(&b, 1700000000); /* 2023-11-14 22:13:20 UTC */
	assert_string_equal(b.data, "22:13:20\n");
	buf__free(&b);
}

static void test_parse_interval(void **state)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} good[] = { { "1s", 1000 }, { "500ms", 500 },	  { "2m", 120000 },	 { "1h", 3600000 },
		     { "1ms", 1 },   { "24h", 86400000 }, { "86400s", 86400000 } };
	static const char *const bad[] = { "",
					   "1",
					   "s",
					   "0s",
					   "-1s",
					   "1.5s",
					   "1 s",
					   "1S",
					   "1sec",
					   "25h",
					   "1d",
					   "86401s",
					   "99999999999999999999s",
					   "1s " };
	uint64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = 0;
		assert_int_equal(term__parse_interval(good[i].s, &ms), 0);
		assert_int_equal(ms, good[i].ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (term__parse_interval(bad[i], &ms) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),	       cmocka_unit_test(test_sum),
		cmocka_unit_test(test_stats),	       cmocka_unit_test(test_hist),
		cmocka_unit_test(test_hist_schema),    cmocka_unit_test(test_hist_bounds),
		cmocka_unit_test(test_lhist),	       cmocka_unit_test(test_header),
		cmocka_unit_test(test_parse_interval),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
