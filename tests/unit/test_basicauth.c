// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of exporter/web/basicauth.c: bcrypt answers, the dummy hash for
 * unknown users, and the cache of passed pairs (only passes are kept, per
 * user and password, the oldest forgotten first). Hashes are made here with
 * libcrypt at cost 4 so the suite stays fast.
 */
#include <crypt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/basicauth.h"

static char *bcrypt(const char *pass, unsigned long cost)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *out;

	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn("$2y$", cost, NULL, 0, salt, sizeof(salt)));
	out = strdup(crypt_rn(pass, salt, cd, sizeof(*cd)));
	free(cd);
	assert_int_equal(strlen(out), 60);
	return out;
}

static void free_users(struct webconfig_user *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].name);
		free(u[i].hash);
	}
}

static void test_verify(void **state)
{
	struct webconfig_user u[2] = {
		{ strdup("alice"), bcrypt("secret", 4), 4 },
		{ strdup("bob"), bcrypt("hunter2", 5), 5 },
	};
	struct basicauth *ba;

	(void)state;
	ba = basicauth__new(u, 2);
	assert_non_null(ba);
	assert_true(basicauth__verify(ba, "alice", "secret"));
	assert_true(basicauth__verify(ba, "bob", "hunter2"));
	assert_false(basicauth__verify(ba, "alice", "Secret"));
	assert_false(basicauth__verify(ba, "alice", ""));
	assert_false(basicauth__verify(ba, "alice", "secret "));
	/* one user's password is not another's */
	assert_false(basicauth__verify(ba, "alice", "hunter2"));
	assert_false(basicauth__verify(ba, "bob", "secret"));
	assert_false(basicauth__verify(ba, "carol", "secret"));
	assert_false(basicauth__verify(ba, "", ""));
	basicauth__free(ba);
	free_users(u, 2);
	basicauth__free(NULL);
}

/* An unknown user costs the highest cost among the users: same setting shape, no hash part. */
static void test_dummy_hash(void **state)
{
	struct webconfig_user u[2] = {
		{ strdup("alice"), bcrypt("a", 5), 5 },
		{ strdup("bob"), bcrypt("b", 4), 4 },
	};
	struct basicauth *ba;
	const char *d;

	(void)state;
	ba = basicauth__new(u, 2);
	assert_non_null(ba);
	d = basicauth__dummy_hash(ba);
	assert_int_equal(strlen(d), 60);
	assert_memory_equal(d, "$2b$05$", 7);
	assert_string_equal(d + 29, "...............................");
	/* its own salt, drawn at start-up */
	assert_memory_not_equal(d + 7, u[0].hash + 7, 22);
	/* no password matches it, and it belongs to nobody */
	assert_false(basicauth__verify(ba, "nobody", ""));
	assert_false(basicauth__verify(ba, "nobody", "..............................."));
	basicauth__free(ba);
	free_users(u, 2);
}

static void test_cache(void **state)
{
	struct webconfig_user u[2] = {
		{ strdup("alice"), bcrypt("secret", 4), 4 },
		{ strdup("bob"), bcrypt("secret", 4), 4 },
	};
	struct basicauth *ba;

	(void)state;
	ba = basicauth__new(u, 2);
	assert_non_null(ba);
	assert_false(basicauth__cached(ba, "alice", "secret"));
	/* failures are never remembered: each guess pays bcrypt */
	assert_false(basicauth__verify(ba, "alice", "wrong"));
	assert_false(basicauth__cached(ba, "alice", "wrong"));
	assert_false(basicauth__verify(ba, "mallory", "secret"));
	assert_false(basicauth__cached(ba, "mallory", "secret"));
	assert_true(basicauth__verify(ba, "alice", "secret"));
	assert_true(basicauth__cached(ba, "alice", "secret"));
	/* the pair, not the password: bob has the same password but has not passed */
	assert_false(basicauth__cached(ba, "bob", "secret"));
	assert_false(basicauth__cached(ba, "alice", "secreT"));
	assert_false(basicauth__cached(ba, "alic", "esecret"));
	assert_true(basicauth__verify(ba, "bob", "secret"));
	assert_true(basicauth__cached(ba, "bob", "secret"));
	/* passing twice takes one slot */
	assert_true(basicauth__verify(ba, "alice", "secret"));
	assert_true(basicauth__cached(ba, "alice", "secret"));
	basicauth__free(ba);
	free_users(u, 2);
}

/* The oldest pass is forgotten first once every slot is taken. */
static void test_cache_eviction(void **state)
{
	enum { N = BASICAUTH_CACHE_SLOTS + 1 };
	struct webconfig_user u[N];
	struct basicauth *ba;
	char name[16];
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "user%zu", i);
		u[i] = (struct webconfig_user){ strdup(name), bcrypt(name, 4), 4 };
	}
	ba = basicauth__new(u, N);
	assert_non_null(ba);
	for (i = 0; i < N - 1; i++)
		assert_true(basicauth__verify(ba, u[i].name, u[i].name));
	for (i = 0; i < N - 1; i++)
		assert_true(basicauth__cached(ba, u[i].name, u[i].name));
	assert_true(basicauth__verify(ba, u[N - 1].name, u[N - 1].name));
	assert_false(basicauth__cached(ba, u[0].name, u[0].name));
	for (i = 1; i < N; i++)
		assert_true(basicauth__cached(ba, u[i].name, u[i].name));
	basicauth__free(ba);
	free_users(u, N);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_dummy_hash),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_eviction),
	};

	return cmocka_run_group_tests_name("basicauth", tests, NULL, NULL);
}
