// SPDX-License-Identifier: GPL-2.0
/*
 * The bucket functions of bpf/bpfprom.h, the code the BPF program runs, at
 * every seam: a value on a bound belongs to that bound's bucket (le is
 * upper-inclusive), the next value to the next bucket.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bpfprom.h"

#define U 0
#define S 1

static uint64_t pow2(unsigned int k)
{
	return (uint64_t)1 << k;
}

static void test_fls64(void **state)
{
	unsigned int k;

	(void)state;
	assert_int_equal(bpfprom_fls64(0), 0);
	for (k = 0; k < 64; k++) {
		assert_int_equal(bpfprom_fls64(pow2(k)), k + 1);
		assert_int_equal(bpfprom_fls64(pow2(k) | (pow2(k) - 1)), k + 1);
	}
	assert_int_equal(bpfprom_fls64(UINT64_MAX), 64);
}

static void test_log2_small(void **state)
{
	(void)state;
	/* slot 0: v <= 0; slot 1: v == 1; slot s: 2^(s-2) < v <= 2^(s-1) */
	assert_int_equal(bpfprom_log2_slot(0, U), 0);
	assert_int_equal(bpfprom_log2_slot(1, U), 1);
	assert_int_equal(bpfprom_log2_slot(2, U), 2);
	assert_int_equal(bpfprom_log2_slot(3, U), 3);
	assert_int_equal(bpfprom_log2_slot(4, U), 3);
	assert_int_equal(bpfprom_log2_slot(5, U), 4);
	assert_int_equal(bpfprom_log2_slot(0, S), 0);
	assert_int_equal(bpfprom_log2_slot(1, S), 1);
	assert_int_equal(bpfprom_log2_slot(2, S), 2);
	assert_int_equal(bpfprom_log2_slot(3, S), 3);
	assert_int_equal(bpfprom_log2_slot(4, S), 3);
	assert_int_equal(bpfprom_log2_slot(5, S), 4);
}

static void test_log2_powers(void **state)
{
	unsigned int k;

	(void)state;
	for (k = 1; k <= 63; k++) {
		/* on the bound 2^k: le = 2^k is slot k + 1 */
		assert_int_equal(bpfprom_log2_slot(pow2(k), U), k + 1);
		/* just past it: the next slot */
		assert_int_equal(bpfprom_log2_slot(pow2(k) + 1, U), k + 2);
		/* just below it: still slot k + 1, except 2^1 - 1 == 1 */
		assert_int_equal(bpfprom_log2_slot(pow2(k) - 1, U), k == 1 ? 1 : k + 1);
		if (k < 63) {
			/* a positive signed value is slotted as the unsigned one */
			assert_int_equal(bpfprom_log2_slot(pow2(k), S), k + 1);
			assert_int_equal(bpfprom_log2_slot(pow2(k) + 1, S), k + 2);
			assert_int_equal(bpfprom_log2_slot(pow2(k) - 1, S), k == 1 ? 1 : k + 1);
		}
		/* -2^k, -2^k + 1 and (while representable) -2^k - 1 are <= 0 */
		assert_int_equal(bpfprom_log2_slot(-pow2(k), S), 0);
		assert_int_equal(bpfprom_log2_slot(-pow2(k) + 1, S), 0);
		if (k < 63)
			assert_int_equal(bpfprom_log2_slot(-pow2(k) - 1, S), 0);
	}
}

static void test_log2_extremes(void **state)
{
	(void)state;
	assert_int_equal(bpfprom_log2_slot(UINT64_MAX, U), 65);
	assert_int_equal(bpfprom_log2_slot(UINT64_MAX - 1, U), 65);
	assert_int_equal(bpfprom_log2_slot(pow2(63), U), 64);
	assert_int_equal(bpfprom_log2_slot(pow2(63) + 1, U), 65);
	assert_int_equal(bpfprom_log2_slot(INT64_MAX, S), 64);
	/* the same bits read as signed: negatives, slot 0 */
	assert_int_equal(bpfprom_log2_slot(UINT64_MAX, S), 0);
	assert_int_equal(bpfprom_log2_slot((uint64_t)-1, S), 0);
	assert_int_equal(bpfprom_log2_slot((uint64_t)INT64_MIN, S), 0);
	assert_int_equal(bpfprom_log2_slot((uint64_t)INT64_MIN + 1, S), 0);
	/* every slot fits the array */
	assert_true(bpfprom_log2_slot(UINT64_MAX, U) < BPFPROM_LOG2_SLOTS);
}

static void test_hist_bucket_all_slots(void **state)
{
	(void)state;
	/* first_slot 0 and enough buckets: bucket == slot */
	assert_int_equal(bpfprom_hist_bucket(0, U, 0, 66), 0);
	assert_int_equal(bpfprom_hist_bucket(1, U, 0, 66), 1);
	assert_int_equal(bpfprom_hist_bucket(pow2(40) + 1, U, 0, 66), 42);
	assert_int_equal(bpfprom_hist_bucket(UINT64_MAX, U, 0, 66), 65);
	assert_int_equal(bpfprom_hist_bucket(-pow2(40), S, 0, 66), 0);
}

static void test_hist_bucket_clamping(void **state)
{
	/* kept slots 3..6: le 4, 8, 16, 32; overflow (bucket 4) past 32 */
	const uint32_t f = 3, n = 4;
	unsigned int k;

	(void)state;
	/* below the first kept slot: folded into bucket 0 */
	assert_int_equal(bpfprom_hist_bucket(0, U, f, n), 0);
	assert_int_equal(bpfprom_hist_bucket(1, U, f, n), 0);
	assert_int_equal(bpfprom_hist_bucket(2, U, f, n), 0);
	assert_int_equal(bpfprom_hist_bucket(3, U, f, n), 0);
	assert_int_equal(bpfprom_hist_bucket(4, U, f, n), 0);
	assert_int_equal(bpfprom_hist_bucket((uint64_t)-5, S, f, n), 0);
	assert_int_equal(bpfprom_hist_bucket((uint64_t)INT64_MIN, S, f, n), 0);
	/* the seams of the kept slots */
	assert_int_equal(bpfprom_hist_bucket(5, U, f, n), 1);
	assert_int_equal(bpfprom_hist_bucket(8, U, f, n), 1);
	assert_int_equal(bpfprom_hist_bucket(9, U, f, n), 2);
	assert_int_equal(bpfprom_hist_bucket(16, U, f, n), 2);
	assert_int_equal(bpfprom_hist_bucket(17, U, f, n), 3);
	assert_int_equal(bpfprom_hist_bucket(32, U, f, n), 3);
	assert_int_equal(bpfprom_hist_bucket(32, S, f, n), 3);
	/* above the last kept slot: the overflow index nbuckets */
	assert_int_equal(bpfprom_hist_bucket(33, U, f, n), n);
	assert_int_equal(bpfprom_hist_bucket(33, S, f, n), n);
	for (k = 6; k < 64; k++)
		assert_int_equal(bpfprom_hist_bucket(pow2(k) + 1, U, f, n), n);
	assert_int_equal(bpfprom_hist_bucket(UINT64_MAX, U, f, n), n);
	assert_int_equal(bpfprom_hist_bucket(INT64_MAX, S, f, n), n);
	/* one kept slot only: bucket 0 or overflow */
	assert_int_equal(bpfprom_hist_bucket(4, U, 3, 1), 0);
	assert_int_equal(bpfprom_hist_bucket(5, U, 3, 1), 1);
}

static void test_hist_bucket_every_bound(void **state)
{
	/* with first_slot f, bucket i (0 < i < n) is slot f + i: le 2^(f+i-1) */
	const uint32_t f = 2, n = 60;
	unsigned int i;

	(void)state;
	for (i = 1; i < n; i++) {
		uint64_t le = pow2(f + i - 1);

		assert_int_equal(bpfprom_hist_bucket(le, U, f, n), i);
		assert_int_equal(bpfprom_hist_bucket(le - 1, U, f, n), f + i - 1 > 1 ? i : 0);
		assert_int_equal(bpfprom_hist_bucket(le + 1, U, f, n), i + 1 < n ? i + 1 : n);
	}
}

static void test_lhist_unsigned(void **state)
{
	/* min 10, step 5, 4 buckets: le 15, 20, 25, 30 (max); overflow 4 */
	const int64_t min = 10;
	const uint64_t step = 5;
	const uint32_t n = 4;

	(void)state;
	assert_int_equal(bpfprom_lhist_bucket(0, U, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket(9, U, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket(10, U, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket(11, U, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket(15, U, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket(16, U, min, step, n), 1);
	assert_int_equal(bpfprom_lhist_bucket(20, U, min, step, n), 1);
	assert_int_equal(bpfprom_lhist_bucket(21, U, min, step, n), 2);
	assert_int_equal(bpfprom_lhist_bucket(29, U, min, step, n), 3);
	assert_int_equal(bpfprom_lhist_bucket(30, U, min, step, n), 3);
	assert_int_equal(bpfprom_lhist_bucket(31, U, min, step, n), n);
	assert_int_equal(bpfprom_lhist_bucket(UINT64_MAX, U, min, step, n), n);
	/* min 0, step 1: le 1, 2, 3 */
	assert_int_equal(bpfprom_lhist_bucket(0, U, 0, 1, 3), 0);
	assert_int_equal(bpfprom_lhist_bucket(1, U, 0, 1, 3), 0);
	assert_int_equal(bpfprom_lhist_bucket(2, U, 0, 1, 3), 1);
	assert_int_equal(bpfprom_lhist_bucket(3, U, 0, 1, 3), 2);
	assert_int_equal(bpfprom_lhist_bucket(4, U, 0, 1, 3), 3);
}

static void test_lhist_signed_negative_min(void **state)
{
	/* min -10, step 4, 5 buckets: le -6, -2, 2, 6, 10 (max); overflow 5 */
	const int64_t min = -10;
	const uint64_t step = 4;
	const uint32_t n = 5;

	(void)state;
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)INT64_MIN, S, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)-11, S, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)-10, S, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)-9, S, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)-6, S, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)-5, S, min, step, n), 1);
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)-2, S, min, step, n), 1);
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)-1, S, min, step, n), 2);
	assert_int_equal(bpfprom_lhist_bucket(0, S, min, step, n), 2);
	assert_int_equal(bpfprom_lhist_bucket(2, S, min, step, n), 2);
	assert_int_equal(bpfprom_lhist_bucket(3, S, min, step, n), 3);
	assert_int_equal(bpfprom_lhist_bucket(9, S, min, step, n), 4);
	assert_int_equal(bpfprom_lhist_bucket(10, S, min, step, n), 4);
	assert_int_equal(bpfprom_lhist_bucket(11, S, min, step, n), n);
	assert_int_equal(bpfprom_lhist_bucket(INT64_MAX, S, min, step, n), n);
}

static void test_lhist_signed_full_range(void **state)
{
	/* min INT64_MIN, step 2^62: le -2^62, 0, 2^62, 2^63; no overflow of
	 * v - min in u64 even at the ends */
	const int64_t min = INT64_MIN;
	const uint64_t step = pow2(62);
	const uint32_t n = 4;

	(void)state;
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)INT64_MIN, S, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)INT64_MIN + 1, S, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket(-pow2(62), S, min, step, n), 0);
	assert_int_equal(bpfprom_lhist_bucket(-pow2(62) + 1, S, min, step, n), 1);
	assert_int_equal(bpfprom_lhist_bucket((uint64_t)-1, S, min, step, n), 1);
	assert_int_equal(bpfprom_lhist_bucket(0, S, min, step, n), 1);
	assert_int_equal(bpfprom_lhist_bucket(1, S, min, step, n), 2);
	assert_int_equal(bpfprom_lhist_bucket(pow2(62), S, min, step, n), 2);
	assert_int_equal(bpfprom_lhist_bucket(pow2(62) + 1, S, min, step, n), 3);
	assert_int_equal(bpfprom_lhist_bucket(INT64_MAX, S, min, step, n), 3);
}

static void test_lhist_every_bound(void **state)
{
	/* a bound belongs to its bucket, bound + 1 to the next */
	const int64_t min = -1000;
	const uint64_t step = 7;
	const uint32_t n = BPFPROM_MAX_BUCKETS;
	uint32_t i;

	(void)state;
	for (i = 0; i < n; i++) {
		int64_t le = min + (int64_t)step * (i + 1);

		assert_int_equal(bpfprom_lhist_bucket((uint64_t)le, S, min, step, n), i);
		assert_int_equal(bpfprom_lhist_bucket((uint64_t)(le - 1), S, min, step, n), i);
		assert_int_equal(bpfprom_lhist_bucket((uint64_t)(le + 1), S, min, step, n), i + 1);
	}
}

/*
 * A hist with a schema: thresholds from Prometheus's boundaries 2^(i / 2^s),
 * computed here with ldexp (bucket 0: le 2^zero_e, or le 0 when zero_e is
 * below 0; then native buckets first .. last). The search must agree, at one
 * below, on, and one above every threshold, with a scan of the boundaries.
 */
static __u64 thr[BPFPROM_MAX_BUCKETS];
static __u16 band[BPFPROM_HIST_BANDS];
static double bound[BPFPROM_MAX_BUCKETS];

/* band f: the first bucket whose threshold is >= the least value of fls f */
static void make_bands(uint32_t n)
{
	for (int f = 0; f < BPFPROM_HIST_BANDS - 1; f++) {
		uint64_t least = f ? (uint64_t)1 << (f - 1) : 0;
		uint32_t j = 0;

		while (j < n && thr[j] < least)
			j++;
		band[f] = (__u16)j;
	}
	band[BPFPROM_HIST_BANDS - 1] = (__u16)n;
}

/* the search as the BPF program runs it: a schema's steps */
static uint32_t thr_bucket(uint64_t v, int is_signed, unsigned int schema)
{
	return bpfprom_thr_bucket(v, is_signed, thr, band, schema + 2);
}

static double native_bound(int64_t i, unsigned int schema)
{
	int64_t n = (int64_t)1 << schema;
	int64_t e = i >= 0 ? i / n : -((-i + n - 1) / n);

	return ldexp((double)exp2l((long double)(i - e * n) / n), (int)e);
}

static uint32_t schema_table(unsigned int schema, int64_t first, int64_t last)
{
	uint32_t n = 0;

	bound[n] = first > 0 ? native_bound(first - 1, schema) : 0;
	thr[n] = (uint64_t)bound[n];
	n++;
	for (int64_t i = first; i <= last; i++, n++) {
		bound[n] = native_bound(i, schema);
		/* a double below 2^64 converts to its floor; 2^64 saturates */
		thr[n] = bound[n] >= 0x1p64 ? UINT64_MAX : (uint64_t)bound[n];
	}
	make_bands(n);
	return n;
}

/* the first bucket whose le holds v: exact double compares below 2^53 */
static uint32_t scan(uint64_t v, uint32_t n)
{
	for (uint32_t j = 0; j < n; j++)
		if (v < 0x1p53 ? (double)v <= bound[j] : v <= thr[j])
			return j;
	return n;
}

static void check_seams(unsigned int schema, int64_t first, int64_t last)
{
	uint32_t n = schema_table(schema, first, last), j, seen = 0;

	assert_true(n <= BPFPROM_MAX_BUCKETS);
	for (j = 0; j < n; j++) {
		uint64_t t = thr[j];
		uint64_t vs[3] = { t - 1, t, t + 1 };

		for (int k = 0; k < 3; k++) {
			uint64_t v = vs[k];

			if ((k == 0 && t == 0) || (k == 2 && t == UINT64_MAX))
				continue;
			if (thr_bucket(v, U, schema) != scan(v, n))
				fail_msg("schema %u: v %llu: bucket %u, want %u", schema,
					 (unsigned long long)v, thr_bucket(v, U, schema),
					 scan(v, n));
			seen++;
		}
		/* on a threshold: its own bucket or an earlier equal one */
		assert_true(thr_bucket(t, U, schema) <= j);
		assert_true(bound[thr_bucket(t, U, schema)] >= (double)t);
	}
	assert_true(seen >= 3 * n - 2);
}

static void test_schema_seams(void **state)
{
	(void)state;
	/* le 0, then 1 .. 2^63 by factors of 2^(1/2) */
	check_seams(1, 0, 2 * 63);
	/* le 0, then 1 .. 2^40 by 2^(1/8) */
	check_seams(3, 0, 8 * 40);
	/* le 2^10, then up to 2^13 by 2^(1/256) */
	check_seams(8, 256 * 10 + 1, 256 * 13);
	/* le 2^50, then past 2^53, where thresholds are the bounds themselves */
	check_seams(8, 256 * 50 + 1, 256 * 53);
}

static void test_schema_exact(void **state)
{
	uint32_t n = schema_table(3, 0, 8 * 4);

	(void)state;
	/* 0 | 1 | 2^(1/8)..2^(7/8): nothing | 2 | ... 2^(5/8) * 2 = 3.08 | 4 */
	assert_int_equal(thr_bucket(0, U, 3), 0);
	assert_int_equal(thr_bucket(1, U, 3), 1);
	assert_int_equal(thr_bucket(2, U, 3), 9);
	assert_int_equal(thr_bucket(3, U, 3), 9 + 5);
	assert_int_equal(thr_bucket(4, U, 3), 17);
	assert_int_equal(thr_bucket(5, U, 3), 17 + 3);
	assert_int_equal(thr_bucket(16, U, 3), 33);
	assert_int_equal(thr_bucket(17, U, 3), n);
	assert_int_equal(thr_bucket(UINT64_MAX, U, 3), n);
	/* signed: negatives and 0 in bucket 0, past the end in the overflow */
	assert_int_equal(thr_bucket((uint64_t)-1, S, 3), 0);
	assert_int_equal(thr_bucket((uint64_t)INT64_MIN, S, 3), 0);
	assert_int_equal(thr_bucket(3, S, 3), 9 + 5);
	assert_int_equal(thr_bucket(INT64_MAX, S, 3), n);
	/* the most buckets a series holds, 203 in the widest band (8192 ..
	 * 16383): every one reachable in schema 8's 10 steps */
	for (uint32_t j = 0; j < BPFPROM_MAX_BUCKETS; j++)
		thr[j] = 10 * (uint64_t)j;
	make_bands(BPFPROM_MAX_BUCKETS);
	for (uint32_t j = 0; j < BPFPROM_MAX_BUCKETS; j++) {
		assert_int_equal(thr_bucket(10 * (uint64_t)j, U, BPFPROM_MAX_SCHEMA), j);
		assert_int_equal(thr_bucket(10 * (uint64_t)j + 1, U, BPFPROM_MAX_SCHEMA), j + 1);
	}
	/* one step too few for that band misses */
	assert_int_not_equal(bpfprom_thr_bucket(10230, U, thr, band, 7), 1023);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fls64),
		cmocka_unit_test(test_log2_small),
		cmocka_unit_test(test_log2_powers),
		cmocka_unit_test(test_log2_extremes),
		cmocka_unit_test(test_hist_bucket_all_slots),
		cmocka_unit_test(test_hist_bucket_clamping),
		cmocka_unit_test(test_hist_bucket_every_bound),
		cmocka_unit_test(test_lhist_unsigned),
		cmocka_unit_test(test_lhist_signed_negative_min),
		cmocka_unit_test(test_lhist_signed_full_range),
		cmocka_unit_test(test_lhist_every_bound),
		cmocka_unit_test(test_schema_seams),
		cmocka_unit_test(test_schema_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
