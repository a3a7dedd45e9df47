// SPDX-License-Identifier: GPL-2.0
/*
 * retire: which series are taken out of the map at a scrape, what values the
 * scrape exports for them, and when they count as retired, against a fake
 * map (keys: one u32 pid or cgroup id; value: a count) and a fake system
 * whose gone ids the test sets. The fake map lets an event land between the
 * scrape's read and its delete, as the kernel's can.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scrape/retire.h"

#define NS 1000000000ull
#define MAXK 16

/* the fake map and system */
struct fake {
	uint32_t keys[MAXK];
	uint64_t vals[MAXK][2];
	size_t n;
	uint32_t gone[MAXK]; /* ids that are gone */
	size_t ngone;
	uint32_t gone_below; /* and every id below this */
	int cannot_tell; /* alive answers this when nonzero */
	size_t asked; /* alive calls */
	uint64_t land; /* events that land on a key between read and take */
	int take_err;
};

static long find(const struct fake *f, uint32_t k)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->keys[i] == k)
			return (long)i;
	}
	return -1;
}

/* an event on key k: a new series, or one more in it */
static void event(struct fake *f, uint32_t k, uint64_t count)
{
	long i = find(f, k);

	if (i < 0) {
		i = (long)f->n++;
		f->keys[i] = k;
		f->vals[i][0] = 0;
		f->vals[i][1] = 0;
	}
	f->vals[i][0] += count;
	f->vals[i][1] += count * 10; /* a sum: 10 per event */
}

static int fake_alive(void *ctx, enum retire_reason why, uint64_t id)
{
	struct fake *f = ctx;

	(void)why;
	f->asked++;
	if (f->cannot_tell)
		return f->cannot_tell;
	if (id < f->gone_below)
		return 0;
	for (size_t i = 0; i < f->ngone; i++) {
		if (f->gone[i] == id)
			return 0;
	}
	return 1;
}

static int fake_take(void *ctx, const uint8_t *key, uint64_t *values)
{
	struct fake *f = ctx;
	uint32_t k;
	long i;

	memcpy(&k, key, sizeof(k));
	if (f->take_err)
		return f->take_err;
	i = find(f, k);
	if (i < 0)
		return -ENOENT;
	/* what landed after the read is in the map at the delete */
	f->vals[i][0] += f->land;
	f->vals[i][1] += f->land * 10;
	values[0] = f->vals[i][0];
	values[1] = f->vals[i][1];
	f->keys[i] = f->keys[--f->n];
	memcpy(f->vals[i], f->vals[f->n], sizeof(f->vals[i]));
	return 0;
}

static const struct metric_desc sum_desc = {
	.name = "t_total",
	.agg = BPFPROM_AGG_SUM,
	.nlabels = 1,
	.labels = { { .name = "pid", .key_off = 0, .key_size = 4 } },
	.key_size = 4,
	.value_words = 2,
};

struct scraped {
	uint32_t keys[MAXK];
	uint64_t vals[MAXK][2];
	size_t n, taken;
};

/* One scrape: the fake map read as collect reads it, then retire__scrape. */
static struct scraped scrape(struct retire *r, const struct retire_spec *spec, struct fake *f,
			     uint64_t now)
{
	struct retire_env env = { fake_alive, f, fake_take, f };
	struct scraped s = { .n = f->n };

	memcpy(s.keys, f->keys, sizeof(s.keys));
	memcpy(s.vals, f->vals, sizeof(s.vals));
	assert_int_equal(retire__scrape(r, spec, &env, &sum_desc, 4, 2, now, (uint8_t *)s.keys,
					&s.vals[0][0], s.n, &s.taken),
			 0);
	return s;
}

/* the count scrape s exported for key k, or -1 when it has no such series */
static long long count_of(const struct scraped *s, uint32_t k)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->keys[i] == k)
			return (long long)s->vals[i][0];
	}
	return -1;
}

static void pid_spec(struct retire_spec *spec, uint64_t ttl_ns)
{
	memset(spec, 0, sizeof(*spec));
	spec->nkeys = 1;
	spec->keys[0] = &sum_desc.labels[0];
	spec->why[0] = RETIRE_PROCESS_GONE;
	spec->ttl_ns = ttl_ns;
}

static void counts(struct retire *r, uint64_t want_process, uint64_t want_cgroup,
		   uint64_t want_idle)
{
	uint64_t c[RETIRE__COUNT] = { 0 };

	retire__counts(r, c);
	assert_int_equal(c[RETIRE_PROCESS_GONE], want_process);
	assert_int_equal(c[RETIRE_CGROUP_GONE], want_cgroup);
	assert_int_equal(c[RETIRE_IDLE], want_idle);
}

static void test_spec(void **state)
{
	struct cfg_metric cm = { .nlabels = 4 };
	struct metric_desc d = {
		.nlabels = 6,
		.labels = {
			{ .name = "comm", .is_str = true, .key_size = 16, .cfg_label = 0 },
			{ .name = "tid", .key_off = 16, .key_size = 4, .cfg_label = 1 },
			{ .name = "namespace", .key_off = 24, .key_size = 8, .cfg_label = 2, .part = 0 },
			{ .name = "pod", .key_off = 24, .key_size = 8, .cfg_label = 2, .part = 1 },
			{ .name = "container", .key_off = 24, .key_size = 8, .cfg_label = 2, .part = 2 },
			{ .name = "uid", .key_off = 32, .key_size = 4, .cfg_label = 3 },
		},
	};
	struct retire_spec spec;

	(void)state;
	cm.labels[0].src.kind = BPFPROM_SRC_COMM;
	cm.labels[1].src.kind = BPFPROM_SRC_TID;
	cm.labels[2].src.kind = BPFPROM_SRC_CGROUP;
	cm.labels[3].src.kind = BPFPROM_SRC_UID;
	assert_true(retire__spec(&spec, &d, &cm));
	/* decode: k8s's three labels are one cgroup */
	assert_int_equal(spec.nkeys, 2);
	assert_ptr_equal(spec.keys[0], &d.labels[1]);
	assert_int_equal(spec.why[0], RETIRE_PROCESS_GONE);
	assert_ptr_equal(spec.keys[1], &d.labels[2]);
	assert_int_equal(spec.why[1], RETIRE_CGROUP_GONE);
	assert_int_equal(spec.ttl_ns, 0);
	assert_true(retire__can(&spec, RETIRE_PROCESS_GONE));
	assert_true(retire__can(&spec, RETIRE_CGROUP_GONE));
	assert_false(retire__can(&spec, RETIRE_IDLE));

	/* comm and uid only: nothing retires, unless series_ttl */
	cm.labels[1].src.kind = BPFPROM_SRC_UID;
	cm.labels[2].src.kind = BPFPROM_SRC_GID;
	assert_false(retire__spec(&spec, &d, &cm));
	cm.series_ttl_ms = 1500;
	assert_true(retire__spec(&spec, &d, &cm));
	assert_int_equal(spec.nkeys, 0);
	assert_int_equal(spec.ttl_ns, 1500 * 1000000ull);
	assert_false(retire__can(&spec, RETIRE_PROCESS_GONE));
	assert_true(retire__can(&spec, RETIRE_IDLE));
	assert_string_equal(retire__reason_names[RETIRE_PROCESS_GONE], "process_gone");
	assert_string_equal(retire__reason_names[RETIRE_CGROUP_GONE], "cgroup_gone");
	assert_string_equal(retire__reason_names[RETIRE_IDLE], "idle");
}

/* what the ustack test's system was asked about */
static uint64_t ustack_asked;

static int ustack_alive(void *ctx, enum retire_reason why, uint64_t id)
{
	(void)ctx;
	assert_int_equal(why, RETIRE_PROCESS_GONE);
	ustack_asked = id;
	return id == 1234 ? 0 : 1;
}

static int ustack_take(void *ctx, const uint8_t *key, uint64_t *values)
{
	(void)ctx;
	(void)key;
	values[0] = 3;
	values[1] = 30;
	return 0;
}

/* A ustack key is tgid << 32 | stack id: the process asked about is the tgid. */
static void test_ustack(void **state)
{
	struct cfg_metric cm = { .nlabels = 1 };
	struct metric_desc d = {
		.agg = BPFPROM_AGG_SUM,
		.nlabels = 1,
		.labels = { { .name = "ustack", .key_size = 8, .stack = METRIC_STACK_USER } },
		.key_size = 8,
		.value_words = 2,
	};
	struct retire_env env = { ustack_alive, NULL, ustack_take, NULL };
	uint64_t keys[2] = { 1234ull << 32 | 7, 99ull << 32 | 7 }, vals[2][2];
	struct retire *r = retire__new();
	struct retire_spec spec;
	size_t taken = 0;

	(void)state;
	cm.labels[0].src.kind = BPFPROM_SRC_USTACK;
	assert_true(retire__spec(&spec, &d, &cm));
	assert_int_equal(spec.nkeys, 1);
	assert_int_equal(spec.why[0], RETIRE_PROCESS_GONE);
	assert_int_equal(spec.shift[0], 32);
	/* a kstack never retires by itself */
	cm.labels[0].src.kind = BPFPROM_SRC_KSTACK;
	assert_false(retire__spec(&spec, &d, &cm));
	cm.labels[0].src.kind = BPFPROM_SRC_USTACK;
	assert_true(retire__spec(&spec, &d, &cm));
	assert_non_null(r);
	for (int i = 0; i < 2; i++) {
		vals[0][0] = vals[1][0] = 3;
		vals[0][1] = vals[1][1] = 30;
		assert_int_equal(retire__scrape(r, &spec, &env, &d, 8, 2, (uint64_t)(i + 1) * NS,
						(uint8_t *)keys, &vals[0][0], 2, &taken),
				 0);
	}
	/* unchanged at the second scrape: process 1234 is gone, 99 is not */
	assert_int_equal(taken, 1);
	assert_int_equal(ustack_asked, 99);
	retire__free(r);
}

/* The race the design is about: an event lands after the read and before
 * the delete. The delete's values are what is exported: nothing is lost. */
static void test_event_between_read_and_delete(void **state)
{
	struct retire *r = retire__new();
	struct retire_spec spec;
	struct fake f = { 0 };
	struct scraped s;

	(void)state;
	pid_spec(&spec, 0);
	event(&f, 100, 5);
	event(&f, 200, 3);
	s = scrape(r, &spec, &f, 1 * NS);
	assert_int_equal(s.taken, 0);
	assert_int_equal(count_of(&s, 100), 5);

	/* 100 exits; its last events are in the map, and one more lands
	 * between the read and the delete */
	f.gone[f.ngone++] = 100;
	f.land = 1;
	s = scrape(r, &spec, &f, 2 * NS);
	assert_int_equal(s.taken, 1);
	assert_int_equal(count_of(&s, 100), 6);
	assert_int_equal(s.vals[0][1], 60);
	assert_int_equal(count_of(&s, 200), 3);
	assert_int_equal(f.n, 1); /* only 200 is left in the map */
	counts(r, 0, 0, 0);

	/* the next scrape: gone from the exposition, counted */
	f.land = 0;
	s = scrape(r, &spec, &f, 3 * NS);
	assert_int_equal(count_of(&s, 100), -1);
	assert_int_equal(s.n, 1);
	counts(r, 1, 0, 0);
	s = scrape(r, &spec, &f, 4 * NS);
	counts(r, 0, 0, 0);
	retire__free(r);
	retire__free(NULL);
}

/* A series that changed since the last scrape had its task a moment ago:
 * it is not asked about, so a busy metric costs no system call. */
static void test_changed_series_not_asked(void **state)
{
	struct retire *r = retire__new();
	struct retire_spec spec;
	struct fake f = { 0 };
	struct scraped s;

	(void)state;
	pid_spec(&spec, 0);
	event(&f, 100, 1);
	f.gone[f.ngone++] = 100;
	s = scrape(r, &spec, &f, 1 * NS);
	/* new: not asked */
	assert_int_equal(f.asked, 0);
	assert_int_equal(s.taken, 0);
	event(&f, 100, 1);
	s = scrape(r, &spec, &f, 2 * NS);
	assert_int_equal(f.asked, 0);
	assert_int_equal(s.taken, 0);
	assert_int_equal(count_of(&s, 100), 2);
	/* unchanged: asked, gone, taken */
	s = scrape(r, &spec, &f, 3 * NS);
	assert_int_equal(f.asked, 1);
	assert_int_equal(s.taken, 1);
	assert_int_equal(count_of(&s, 100), 2);
	retire__free(r);
}

/* A key taken, then back in the map before the next scrape (an event after
 * the delete, a reused pid): it continues from what was exported, is not
 * counted, and when it goes for good its final value holds every event. */
static void test_taken_series_comes_back(void **state)
{
	struct retire *r = retire__new();
	struct retire_spec spec;
	struct fake f = { 0 };
	struct scraped s;

	(void)state;
	pid_spec(&spec, 0);
	event(&f, 7, 4);
	scrape(r, &spec, &f, 1 * NS);
	f.gone[f.ngone++] = 7;
	s = scrape(r, &spec, &f, 2 * NS);
	assert_int_equal(s.taken, 1);
	assert_int_equal(count_of(&s, 7), 4);
	/* pid 7 again, 3 events */
	f.ngone = 0;
	event(&f, 7, 3);
	s = scrape(r, &spec, &f, 3 * NS);
	assert_int_equal(s.taken, 0);
	assert_int_equal(count_of(&s, 7), 7);
	assert_int_equal(s.vals[0][1], 70);
	counts(r, 0, 0, 0);
	/* unchanged and alive: stays, still 7 */
	s = scrape(r, &spec, &f, 4 * NS);
	assert_int_equal(count_of(&s, 7), 7);
	/* gone, and an event lands at the delete */
	f.gone[f.ngone++] = 7;
	f.land = 2;
	s = scrape(r, &spec, &f, 5 * NS);
	assert_int_equal(s.taken, 1);
	assert_int_equal(count_of(&s, 7), 9);
	f.land = 0;
	s = scrape(r, &spec, &f, 6 * NS);
	assert_int_equal(s.n, 0);
	counts(r, 1, 0, 0);
	retire__free(r);
}

static void test_idle(void **state)
{
	struct retire *r = retire__new();
	struct retire_spec spec;
	struct fake f = { 0 };
	struct scraped s;

	(void)state;
	memset(&spec, 0, sizeof(spec));
	spec.ttl_ns = 10 * NS;
	event(&f, 1, 1);
	event(&f, 2, 1);
	scrape(r, &spec, &f, 0);
	/* 2 changes at 5 s, 1 never does */
	event(&f, 2, 1);
	s = scrape(r, &spec, &f, 5 * NS);
	assert_int_equal(s.taken, 0);
	s = scrape(r, &spec, &f, 10 * NS - 1);
	assert_int_equal(s.taken, 0);
	s = scrape(r, &spec, &f, 10 * NS);
	assert_int_equal(s.taken, 1);
	assert_int_equal(count_of(&s, 1), 1);
	assert_int_equal(f.n, 1);
	s = scrape(r, &spec, &f, 15 * NS);
	assert_int_equal(s.taken, 1);
	assert_int_equal(count_of(&s, 2), 2);
	assert_int_equal(count_of(&s, 1), -1);
	counts(r, 0, 0, 1);
	s = scrape(r, &spec, &f, 16 * NS);
	assert_int_equal(s.n, 0);
	counts(r, 0, 0, 1);
	/* no system call for idleness */
	assert_int_equal(f.asked, 0);
	retire__free(r);
}

/* The system cannot tell (another pid namespace, no cgroup handles), or
 * the delete fails: the series stays, with the values read. */
static void test_kept_when_unsure(void **state)
{
	struct retire *r = retire__new();
	struct retire_spec spec;
	struct fake f = { 0 };
	struct scraped s;

	(void)state;
	pid_spec(&spec, 0);
	spec.why[0] = RETIRE_CGROUP_GONE;
	event(&f, 9, 2);
	f.cannot_tell = -EOPNOTSUPP;
	scrape(r, &spec, &f, 1 * NS);
	s = scrape(r, &spec, &f, 2 * NS);
	assert_int_equal(f.asked, 1);
	assert_int_equal(s.taken, 0);
	assert_int_equal(count_of(&s, 9), 2);
	f.cannot_tell = 0;
	f.gone[f.ngone++] = 9;
	f.take_err = -EPERM;
	s = scrape(r, &spec, &f, 3 * NS);
	assert_int_equal(s.taken, 0);
	assert_int_equal(count_of(&s, 9), 2);
	assert_int_equal(f.n, 1);
	f.take_err = 0;
	s = scrape(r, &spec, &f, 4 * NS);
	assert_int_equal(s.taken, 1);
	scrape(r, &spec, &f, 5 * NS);
	counts(r, 0, 1, 0);
	retire__free(r);
}

/* Many series through the index: growth, and exact totals over churn. */
static void test_churn_exact(void **state)
{
	struct retire *r = retire__new();
	struct retire_spec spec;
	struct fake f = { 0 };
	struct scraped s;
	uint64_t exported = 0, events = 0;
	size_t taken = 0;
	uint32_t next = 1;

	(void)state;
	pid_spec(&spec, 0);
	for (int round = 0; round < 50; round++) {
		/* 4 new processes with round % 3 + 1 events each; those of
		 * the round before exit */
		f.gone_below = next;
		for (int k = 0; k < 4; k++) {
			event(&f, next++, (uint64_t)(round % 3 + 1));
			events += (uint64_t)(round % 3 + 1);
		}
		/* every other round, an event lands on each taken series */
		f.land = (uint64_t)(round % 2);
		s = scrape(r, &spec, &f, (uint64_t)round * NS);
		events += f.land * s.taken;
		taken += s.taken;
		assert_true(f.n <= 8);
		for (size_t i = 0; i < s.n; i++) {
			/* a series taken now exports its final values */
			if (find(&f, s.keys[i]) < 0)
				exported += s.vals[i][0];
		}
	}
	/* what is still in the map: the final values are still to come */
	for (size_t i = 0; i < f.n; i++)
		exported += f.vals[i][0];
	/* a round's are new at its scrape, gone and unchanged at the next,
	 * taken then, and counted at the one after */
	assert_int_equal(taken, 4 * 49);
	counts(r, 4 * 48, 0, 0);
	assert_int_equal(exported, events);
	retire__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_ustack),
		cmocka_unit_test(test_event_between_read_and_delete),
		cmocka_unit_test(test_changed_series_not_asked),
		cmocka_unit_test(test_taken_series_comes_back),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_kept_when_unsure),
		cmocka_unit_test(test_churn_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
