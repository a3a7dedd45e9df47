// SPDX-License-Identifier: GPL-2.0
/*
 * keyorder__sort: exact permutations for small hand-made key sets, and for
 * large random ones the permutation a stable comparison sort gives with the
 * comparator collect used before keyorder (label by label, 8-byte integers as
 * numbers, then the whole key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scrape/keyorder.h"

static const struct metric_label u64_at0 = { .name = "v", .key_off = 0, .key_size = 8 };
static const struct metric_label s64_at0 = {
	.name = "v",
	.key_off = 0,
	.key_size = 8,
	.is_signed = true,
};

/* keyorder__sort into a fresh order array, checked against want */
static void check(const struct metric_label *labels, size_t nlabels, const void *keys,
		  size_t key_size, size_t n, const uint32_t *want)
{
	struct keyorder *ko = keyorder__new();
	uint32_t *order = calloc(n ? n : 1, sizeof(*order));

	assert_non_null(ko);
	assert_non_null(order);
	assert_int_equal(keyorder__sort(ko, labels, nlabels, keys, key_size, n, order), 0);
	assert_memory_equal(order, want, n * sizeof(*order));
	free(order);
	keyorder__free(ko);
}

static void test_zero_series(void **state)
{
	struct keyorder *ko = keyorder__new();
	uint32_t order[1] = { 77 };

	(void)state;
	assert_int_equal(keyorder__sort(ko, &u64_at0, 1, NULL, 8, 0, order), 0);
	assert_int_equal(order[0], 77);
	keyorder__free(ko);
	keyorder__free(NULL);
}

static void test_one_series(void **state)
{
	uint64_t keys[1] = { 42 };
	uint32_t want[1] = { 0 };

	(void)state;
	check(&u64_at0, 1, keys, 8, 1, want);
}

static void test_u64_numeric(void **state)
{
	/* 0x100 after 0xff: numbers, not their little-endian bytes */
	uint64_t keys[7] = { 5, 1, 0x100, 0xff, 1ull << 63, 3, UINT64_MAX };
	uint32_t want[7] = { 1, 5, 0, 3, 2, 4, 6 };

	(void)state;
	check(&u64_at0, 1, keys, 8, 7, want);
}

static void test_s64_signed(void **state)
{
	int64_t keys[6] = { -1, 5, INT64_MIN, 0, INT64_MAX, -2 };
	uint32_t want[6] = { 2, 5, 0, 3, 1, 4 };

	(void)state;
	check(&s64_at0, 1, keys, 8, 6, want);
}

static void test_strings_last_byte(void **state)
{
	static const struct metric_label comm = {
		.name = "comm",
		.key_off = 0,
		.key_size = 16,
		.is_str = true,
	};
	/* only the 16th byte differs; a short name sorts before a longer one */
	uint8_t keys[5][16] = { "aaaaaaaaaaaaaaac", "aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaab", "a",
				"aaaaaaaaaaaaaaa" };
	uint32_t want[5] = { 3, 4, 1, 2, 0 };

	(void)state;
	check(&comm, 1, keys, 16, 5, want);
}

static void test_equal_keys_stable(void **state)
{
	uint64_t keys[6] = { 9, 7, 9, 7, 9, 1 };
	uint32_t want[6] = { 5, 1, 3, 0, 2, 4 };

	(void)state;
	check(&u64_at0, 1, keys, 8, 6, want);
}

/* comm[16] then pid: comm first, the pid as a number within a comm */
static void test_two_labels(void **state)
{
	static const struct metric_label labels[2] = {
		{ .name = "comm", .key_off = 0, .key_size = 16, .is_str = true },
		{ .name = "pid", .key_off = 16, .key_size = 8 },
	};
	struct {
		char comm[16];
		uint64_t pid;
	} keys[5] = {
		{ "sshd", 300 }, { "bash", 0x200 }, { "sshd", 2 }, { "bash", 0x101 }, { "bas", 1 },
	};
	uint32_t want[5] = { 4, 3, 1, 2, 0 };

	(void)state;
	assert_int_equal(sizeof(keys[0]), 24);
	check(labels, 2, keys, 24, 5, want);
}

/* a later label first in the key: the labels' order decides, not the key's */
static void test_label_order_not_key_order(void **state)
{
	static const struct metric_label labels[2] = {
		{ .name = "b", .key_off = 8, .key_size = 8 },
		{ .name = "a", .key_off = 0, .key_size = 8 },
	};
	uint64_t keys[4][2] = { { 1, 2 }, { 2, 1 }, { 0, 2 }, { 3, 1 } };
	uint32_t want[4] = { 1, 3, 2, 0 };

	(void)state;
	check(labels, 2, keys, 16, 4, want);
}

/* odd sizes: a 13-byte string, a 4-byte integer compared as its bytes (as
 * collect always did: only 8-byte integers are numbers), 3 unlabelled bytes
 * that break the ties */
static void test_odd_sizes(void **state)
{
	static const struct metric_label labels[2] = {
		{ .name = "s", .key_off = 0, .key_size = 13, .is_str = true },
		{ .name = "i", .key_off = 13, .key_size = 4 },
	};
	uint8_t keys[5][20] = {
		{ 'x', [13] = 0x00, 0x01, [17] = 9 }, /* i = 0x100 */
		{ 'x', [13] = 0x01, 0x00, [17] = 1 }, /* i = 1: its first byte is larger */
		{ 'x', [13] = 0x00, 0x01, [17] = 1, 0, 1 },
		{ 'w', [12] = 'z', 0xff, 0xff, 0xff, 0xff },
		{ 'x', [13] = 0x00, 0x01, [17] = 1 },
	};
	uint32_t want[5] = { 3, 4, 2, 0, 1 };

	(void)state;
	check(labels, 2, keys, 20, 5, want);
	/* the same keys, sizes 19 and 17: the last bytes cut off, keys made
	 * equal keep their order */
	{
		uint8_t k19[5][19], k17[5][17];
		uint32_t want19[5] = { 3, 2, 4, 0, 1 }, want17[5] = { 3, 0, 2, 4, 1 };

		for (int i = 0; i < 5; i++) {
			memcpy(k19[i], keys[i], 19);
			memcpy(k17[i], keys[i], 17);
		}
		check(labels, 2, k19, 19, 5, want19);
		check(labels, 2, k17, 17, 5, want17);
	}
}

/* decode: k8s prints one key label as three: the same bytes thrice */
static void test_repeated_label(void **state)
{
	static const struct metric_label labels[3] = {
		{ .name = "a", .key_off = 0, .key_size = 8 },
		{ .name = "b", .key_off = 0, .key_size = 8 },
		{ .name = "c", .key_off = 0, .key_size = 8 },
	};
	uint64_t keys[4] = { 1ull << 40, 7, 1ull << 32, 6 };
	uint32_t want[4] = { 3, 1, 2, 0 };

	(void)state;
	check(labels, 3, keys, 8, 4, want);
}

/* no labels (the 8-byte zero key) and a label past the key: bytes only */
static void test_no_labels_and_bad_label(void **state)
{
	static const struct metric_label outside = { .name = "x", .key_off = 4, .key_size = 8 };
	uint8_t keys[3][8] = { { 2 }, { 1, 9 }, { 1, 3 } };
	uint32_t want[3] = { 2, 1, 0 };

	(void)state;
	check(NULL, 0, keys, 8, 3, want);
	check(&outside, 1, keys, 8, 3, want);
}

/* The comparator collect sorted with before keyorder, made stable. */
struct ref {
	const struct metric_label *labels;
	size_t nlabels, key_size;
	const uint8_t *keys;
};

static int ref_cmp(const void *a, const void *b, void *arg)
{
	const struct ref *r = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	const uint8_t *ka = r->keys + (size_t)ia * r->key_size;
	const uint8_t *kb = r->keys + (size_t)ib * r->key_size;
	int c;

	for (size_t i = 0; i < r->nlabels; i++) {
		const struct metric_label *l = &r->labels[i];
		uint64_t ua, ub;

		if (l->is_str || l->key_size != 8) {
			c = memcmp(ka + l->key_off, kb + l->key_off, l->key_size);
			if (c)
				return c;
			continue;
		}
		memcpy(&ua, ka + l->key_off, 8);
		memcpy(&ub, kb + l->key_off, 8);
		if (ua == ub)
			continue;
		if (l->is_signed)
			return (int64_t)ua < (int64_t)ub ? -1 : 1;
		return ua < ub ? -1 : 1;
	}
	c = memcmp(ka, kb, r->key_size);
	if (c)
		return c;
	return ia < ib ? -1 : ia > ib;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* n random keys whose bytes come from few values, so that runs of equal
 * words are long and every level of the sort is used */
static void check_random(const struct metric_label *labels, size_t nlabels, size_t key_size,
			 size_t n, unsigned int spread)
{
	uint8_t *keys = malloc(n * key_size);
	uint32_t *want = malloc(n * sizeof(*want));
	struct ref r = { labels, nlabels, key_size, keys };

	assert_non_null(keys);
	assert_non_null(want);
	for (size_t i = 0; i < n * key_size; i++)
		keys[i] = (uint8_t)(next() % spread) + (spread < 4 ? 0x7f : 0);
	for (size_t i = 0; i < n; i++)
		want[i] = (uint32_t)i;
	qsort_r(want, n, sizeof(*want), ref_cmp, &r);
	check(labels, nlabels, keys, key_size, n, want);
	free(want);
	free(keys);
}

static void test_random_against_comparator(void **state)
{
	static const struct metric_label mixed[4] = {
		{ .name = "pid", .key_off = 32, .key_size = 8, .is_signed = true },
		{ .name = "comm", .key_off = 0, .key_size = 16, .is_str = true },
		{ .name = "n", .key_off = 16, .key_size = 8 },
		{ .name = "s", .key_off = 24, .key_size = 8, .is_signed = true },
	};

	(void)state;
	/* the bench's shape: one u64 */
	check_random(&u64_at0, 1, 8, 100000, 256);
	check_random(&s64_at0, 1, 8, 5000, 3);
	/* three byte values only: equal words everywhere, equal keys too */
	check_random(mixed, 4, 43, 20000, 3);
	check_random(mixed, 4, 40, 3001, 2);
	check_random(mixed, 4, 40, 47, 256);
	check_random(mixed, 4, 40, 48, 2);
	check_random(mixed + 1, 1, 17, 999, 2);
}

/* u64 keys under limit, some equal, against the comparator */
static void check_numbers(size_t n, uint64_t limit)
{
	uint64_t *keys = malloc(n * sizeof(*keys));
	uint32_t *want = malloc(n * sizeof(*want));
	struct ref r = { &u64_at0, 1, 8, (const uint8_t *)keys };

	assert_non_null(keys);
	assert_non_null(want);
	for (size_t i = 0; i < n; i++) {
		keys[i] = limit ? next() % limit : next();
		want[i] = (uint32_t)i;
	}
	qsort_r(want, n, sizeof(*want), ref_cmp, &r);
	check(&u64_at0, 1, keys, 8, n, want);
	free(want);
	free(keys);
}

/* Numbers whose differing bits and index fit in one u64 are sorted packed,
 * the others as pairs: both, and the edge between them (64 keys take 6 bits
 * of index: 58 bits of number still fit, 59 do not). */
static void test_numbers_packed_and_not(void **state)
{
	(void)state;
	check_numbers(100000, 1000003);
	check_numbers(100000, 70000);
	check_numbers(64, 1ull << 58);
	check_numbers(64, 1ull << 59);
	check_numbers(48, 0);
	check_numbers(47, 5);
	check_numbers(1000, 1);
}

/* The same keyorder sorts metrics of other shapes one after the other. */
static void test_reuse(void **state)
{
	struct keyorder *ko = keyorder__new();
	uint64_t small[3] = { 3, 1, 2 };
	uint8_t big[200][24];
	uint32_t order[200];
	static const struct metric_label comm = {
		.name = "comm",
		.key_off = 0,
		.key_size = 24,
		.is_str = true,
	};

	(void)state;
	for (int i = 0; i < 200; i++) {
		memset(big[i], 'a', 24);
		big[i][23] = (uint8_t)(199 - i);
	}
	assert_int_equal(keyorder__sort(ko, &comm, 1, (uint8_t *)big, 24, 200, order), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(order[i], 199 - i);
	assert_int_equal(keyorder__sort(ko, &u64_at0, 1, (uint8_t *)small, 8, 3, order), 0);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 0);
	keyorder__free(ko);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_series),
		cmocka_unit_test(test_one_series),
		cmocka_unit_test(test_u64_numeric),
		cmocka_unit_test(test_s64_signed),
		cmocka_unit_test(test_strings_last_byte),
		cmocka_unit_test(test_equal_keys_stable),
		cmocka_unit_test(test_two_labels),
		cmocka_unit_test(test_label_order_not_key_order),
		cmocka_unit_test(test_odd_sizes),
		cmocka_unit_test(test_repeated_label),
		cmocka_unit_test(test_no_labels_and_bad_label),
		cmocka_unit_test(test_random_against_comparator),
		cmocka_unit_test(test_numbers_packed_and_not),
		cmocka_unit_test(test_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
