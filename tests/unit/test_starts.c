// SPDX-License-Identifier: GPL-2.0
/*
 * Start timestamps (scrape/starts.h): a key's start is the last read that
 * did not find it (or the origin, before any read), kept while reads find
 * it, forgotten at the first read that does not; and series__fold keeps the
 * earliest start of the keys it folds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scrape/series.h"
#include "scrape/starts.h"
#include "metric_test.h"

#define ORIGIN 1000

static void test_starts_reads(void **state)
{
	struct starts *st = starts__new(ORIGIN);
	uint64_t k1[3] = { 7, 3, 9 }, k2[3] = { 3, 5, 9 }, k3[2] = { 9, 7 }, k4[1] = { 7 };
	uint64_t out[3];

	(void)state;
	assert_non_null(st);
	assert_int_equal(starts__origin(st), ORIGIN);
	/* the first read: every key was there since the origin */
	assert_int_equal(starts__read(st, 8, (uint8_t *)k1, 3, 2000, out), 0);
	assert_int_equal(out[0], ORIGIN);
	assert_int_equal(out[1], ORIGIN);
	assert_int_equal(out[2], ORIGIN);
	/* 5 is new: absent at the read at 2000; 7 is gone */
	assert_int_equal(starts__read(st, 8, (uint8_t *)k2, 3, 3000, out), 0);
	assert_int_equal(out[0], ORIGIN);
	assert_int_equal(out[1], 2000);
	assert_int_equal(out[2], ORIGIN);
	/* 7 is back after a read without it: it starts again */
	assert_int_equal(starts__read(st, 8, (uint8_t *)k3, 2, 4000, out), 0);
	assert_int_equal(out[0], ORIGIN);
	assert_int_equal(out[1], 3000);
	/* an empty read forgets every key */
	assert_int_equal(starts__read(st, 8, NULL, 0, 5000, NULL), 0);
	assert_int_equal(starts__read(st, 8, (uint8_t *)k4, 1, 6000, out), 0);
	assert_int_equal(out[0], 5000);
	assert_int_equal(starts__origin(st), ORIGIN);
	starts__free(st);
	starts__free(NULL);
}

/* Many keys: the tables grow, and every start survives the growth. */
static void test_starts_many(void **state)
{
	enum { N = 5000 };
	static uint64_t keys[N], out[N];
	struct starts *st = starts__new(ORIGIN);

	(void)state;
	for (size_t i = 0; i < N; i++)
		keys[i] = i * 2654435761u;
	assert_int_equal(starts__read(st, 8, (uint8_t *)keys, N / 2, 2000, out), 0);
	assert_int_equal(starts__read(st, 8, (uint8_t *)keys, N, 3000, out), 0);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(out[i], i < N / 2 ? ORIGIN : 2000);
	/* a key of another size: nothing of the old shape is found */
	assert_int_equal(starts__read(st, 4, (uint8_t *)keys, 3, 4000, out), 0);
	assert_int_equal(out[0], 3000);
	starts__free(st);
}

static const char *pid_parity(void *ctx, uint64_t v, bool is_signed, char *buf, size_t buflen,
			      size_t *len)
{
	(void)ctx;
	(void)is_signed;
	(void)buflen;
	*len = 1;
	buf[0] = v & 1 ? 'o' : 'e';
	return buf;
}

/* Keys that print alike fold into one series, which starts at the earliest
 * of their starts; the starts move with the series. */
static void test_fold_starts(void **state)
{
	struct test_metric m = {
		.name = "x_total",
		.help = "h",
		.agg = BPFPROM_AGG_COUNT,
		.scale = 1,
		.nlabels = 1,
		.labels = { { .name = "p", .key_size = 8, .decode = pid_parity } },
		.nseries = 4,
		.key_size = 8,
		.value_words = 1,
	};
	uint64_t keys[4] = { 2, 3, 4, 5 }, values[4] = { 1, 10, 100, 1000 };
	uint64_t starts[4] = { 500, 400, 300, 600 };
	struct series_fold f = { 0 };
	struct metric_desc d;
	struct series s;

	(void)state;
	m.starts = starts;
	assert_int_equal(tm_fold(&f, &m, (uint8_t *)keys, values, &d, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(values[0], 101);
	assert_int_equal(values[1], 1010);
	assert_ptr_equal(s.starts, starts);
	assert_int_equal(starts[0], 300);
	assert_int_equal(starts[1], 400);
	series_fold__free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_reads),
		cmocka_unit_test(test_starts_many),
		cmocka_unit_test(test_fold_starts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
