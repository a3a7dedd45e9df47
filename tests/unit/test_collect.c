// SPDX-License-Identifier: GPL-2.0
/*
 * collect__merge_same_labels: series whose keys differ but whose labels print
 * the same (invalid UTF-8 made U+FFFD, decoders that give two numbers one
 * name) become one series, combined as CPUs are; all else is left as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collect.h"

/* comm[16] then an integer label (u64) */
#define KS 24

static void key(uint8_t *k, const char *comm, uint64_t id)
{
	memset(k, 0, KS);
	memcpy(k, comm, strlen(comm));
	memcpy(k + BPFPROM_COMM_LEN, &id, sizeof(id));
}

static uint64_t key_id(const uint8_t *k)
{
	uint64_t id;

	memcpy(&id, k + BPFPROM_COMM_LEN, sizeof(id));
	return id;
}

static struct render_metric metric(enum bpfprom_agg agg, bool is_signed, size_t words)
{
	struct render_metric m = {
		.name = "m",
		.help = "h",
		.agg = agg,
		.value_signed = is_signed,
		.scale = 1,
		.nlabels = 2,
		.labels = {
			{ .name = "comm", .key_off = 0, .key_size = BPFPROM_COMM_LEN, .is_str = true },
			{ .name = "id", .key_off = BPFPROM_COMM_LEN, .key_size = 8 },
		},
		.key_size = KS,
		.value_words = words,
	};
	return m;
}

static void test_invalid_utf8_counts_merge(void **state)
{
	struct render_metric m = metric(BPFPROM_AGG_COUNT, false, 1);
	struct collect *c = collect__new();
	uint8_t keys[6 * KS];
	uint64_t values[6] = { 1, 32, 2, 4, 8, 16 };
	size_t n = 6;

	(void)state;
	assert_non_null(c);
	key(keys, "a", 1);
	key(keys + KS, "\xef\xbf\xbd", 1); /* U+FFFD itself, valid */
	key(keys + 2 * KS, "\xfe", 1);
	key(keys + 3 * KS, "\xfe\xff", 1); /* one run: one U+FFFD */
	key(keys + 4 * KS, "\xff", 1);
	key(keys + 5 * KS, "\xff", 2); /* another id: its own series */
	assert_int_equal(collect__merge_same_labels(c, &m, keys, values, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal((char *)keys, "a");
	assert_int_equal(key_id(keys), 1);
	assert_int_equal(values[0], 1);
	/* the group keeps its first key, in its place */
	assert_string_equal((char *)keys + KS, "\xef\xbf\xbd");
	assert_int_equal(key_id(keys + KS), 1);
	assert_int_equal(values[1], 32 + 2 + 4 + 8);
	assert_string_equal((char *)keys + 2 * KS, "\xff");
	assert_int_equal(key_id(keys + 2 * KS), 2);
	assert_int_equal(values[2], 16);
	collect__free(c);
}

static void test_stats_merge_signed(void **state)
{
	struct render_metric m = metric(BPFPROM_AGG_STATS, true, 4);
	struct collect *c = collect__new();
	uint8_t keys[3 * KS];
	/* count, sum, min, max */
	uint64_t values[12] = {
		2, (uint64_t)-5, (uint64_t)-4, (uint64_t)-1, 1, 10, 10, 10, 3, 9, (uint64_t)-2, 7
	};
	const uint64_t want[8] = { 5, 4, (uint64_t)-4, 7, 1, 10, 10, 10 };
	size_t n = 3;

	(void)state;
	assert_non_null(c);
	key(keys, "x\xff", 5);
	key(keys + KS, "y", 5);
	key(keys + 2 * KS, "x\xc3", 5); /* a sequence cut short: x U+FFFD too */
	assert_int_equal(collect__merge_same_labels(c, &m, keys, values, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(values, want, sizeof(want));
	assert_string_equal((char *)keys, "x\xff");
	assert_string_equal((char *)keys + KS, "y");
	collect__free(c);
}

static void test_hist_buckets_add(void **state)
{
	struct render_metric m = metric(BPFPROM_AGG_HIST, false, 5);
	struct collect *c = collect__new();
	uint8_t keys[2 * KS];
	/* unused, sum, three buckets */
	uint64_t values[10] = { 0, 100, 1, 2, 3, 0, 1000, 10, 20, 30 };
	const uint64_t want[5] = { 0, 1100, 11, 22, 33 };
	size_t n = 2;

	(void)state;
	assert_non_null(c);
	key(keys, "\x80", 0);
	key(keys + KS, "\xbf", 0);
	assert_int_equal(collect__merge_same_labels(c, &m, keys, values, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(values, want, sizeof(want));
	collect__free(c);
}

/* like errno's decoder: the sign is ignored, 2 is a name, others numbers */
static const char *abs_decode(void *ctx, uint64_t v, bool is_signed, char *buf, size_t buflen,
			      size_t *len)
{
	(void)ctx;
	(void)buf;
	(void)buflen;
	if (is_signed && (int64_t)v < 0)
		v = -v;
	if (v != 2)
		return NULL;
	*len = 6;
	return "ENOENT";
}

static void test_decoded_names_merge(void **state)
{
	struct render_metric m = {
		.name = "e_total",
		.help = "h",
		.agg = BPFPROM_AGG_SUM,
		.scale = 1,
		.nlabels = 1,
		.labels = { { .name = "errno",
			      .key_off = 0,
			      .key_size = 8,
			      .is_signed = true,
			      .decode = abs_decode } },
		.key_size = 8,
		.value_words = 2,
	};
	struct collect *c = collect__new();
	int64_t keys[4] = { -3, -2, 2, 3 };
	/* count, sum */
	uint64_t values[8] = { 1, 10, 2, 20, 3, 30, 4, 40 };
	const int64_t want_keys[3] = { -3, -2, 3 };
	const uint64_t want[6] = { 1, 10, 5, 50, 4, 40 };
	size_t n = 4;

	(void)state;
	assert_non_null(c);
	assert_int_equal(collect__merge_same_labels(c, &m, (uint8_t *)keys, values, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(keys, want_keys, sizeof(want_keys));
	assert_memory_equal(values, want, sizeof(want));
	collect__free(c);
}

static void test_distinct_labels_untouched(void **state)
{
	struct render_metric m = metric(BPFPROM_AGG_COUNT, false, 1);
	struct collect *c = collect__new();
	uint8_t keys[4 * KS], before[4 * KS];
	uint64_t values[4] = { 1, 2, 3, 4 };
	const uint64_t want[4] = { 1, 2, 3, 4 };
	size_t n = 4;

	(void)state;
	assert_non_null(c);
	key(keys, "caf\xc3\xa9", 1); /* valid and distinct: é and è */
	key(keys + KS, "caf\xc3\xa8", 1);
	key(keys + 2 * KS, "cafe", 1);
	key(keys + 3 * KS, "cafe", 2);
	memcpy(before, keys, sizeof(keys));
	assert_int_equal(collect__merge_same_labels(c, &m, keys, values, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(keys, before, sizeof(keys));
	assert_memory_equal(values, want, sizeof(want));
	/* and a scrape later, with the buffers reused, the same answer */
	n = 4;
	assert_int_equal(collect__merge_same_labels(c, &m, keys, values, &n), 0);
	assert_int_equal(n, 4);
	collect__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_utf8_counts_merge),
		cmocka_unit_test(test_stats_merge_signed),
		cmocka_unit_test(test_hist_buckets_add),
		cmocka_unit_test(test_decoded_names_merge),
		cmocka_unit_test(test_distinct_labels_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
