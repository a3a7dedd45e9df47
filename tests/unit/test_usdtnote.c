// SPDX-License-Identifier: GPL-2.0
/*
 * usdtnote: finding a probe among a binary's (a table made here: the notes
 * themselves are read from a real <sys/sdt.h> binary by the integration
 * suite), each error's exact text, argument types as --list -v prints them,
 * and reading files without notes or that are no ELF.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/usdtnote.h"

static struct usdtnote_probe probes[] = {
	{ .provider = "app", .name = "done", .nsites = 1 },
	{ .provider = "app", .name = "request", .nsites = 2, .nargs = 2 },
	{ .provider = "other", .name = "request", .nsites = 1 },
};
static const struct usdtnote table = { .n = 3, .v = probes };

static void test_find(void **state)
{
	const struct usdtnote_probe *p = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(usdtnote__find(&table, "./app", "other", "request", &p, err, sizeof(err)),
			 0);
	assert_ptr_equal(p, &probes[2]);
	assert_int_equal(usdtnote__find(&table, "./app", NULL, "done", &p, err, sizeof(err)), 0);
	assert_ptr_equal(p, &probes[0]);
}

static void test_errors(void **state)
{
	const struct usdtnote empty = { 0 };
	const struct usdtnote_probe *p;
	char err[256];

	(void)state;
	assert_int_equal(usdtnote__find(&table, "./app", NULL, "request", &p, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(
		err,
		"USDT probe \"request\" is in several providers of ./app: app, other; write usdt:BINARY:PROVIDER:request");
	assert_int_equal(usdtnote__find(&table, "./app", "app", "reqest", &p, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(
		err, "no USDT probe \"app:reqest\" in ./app (did you mean \"app:request\"?)");
	assert_int_equal(usdtnote__find(&table, "./app", NULL, "don", &p, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "no USDT probe \"don\" in ./app (did you mean \"done\"?)");
	assert_int_equal(usdtnote__find(&table, "./app", "x", "zzzzzz", &p, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "no USDT probe \"x:zzzzzz\" in ./app");
	assert_int_equal(usdtnote__find(&empty, "/bin/true", NULL, "x", &p, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(
		err,
		"/bin/true has no USDT probes (no .note.stapsdt notes: build it with <sys/sdt.h> probes)");
}

static void test_arg_type(void **state)
{
	static const struct {
		struct usdtnote_arg a;
		const char *want;
	} cases[] = {
		{ { 1, true }, "int8" },    { { 1, false }, "uint8" },	{ { 2, true }, "int16" },
		{ { 2, false }, "uint16" }, { { 4, true }, "int32" },	{ { 4, false }, "uint32" },
		{ { 8, true }, "int64" },   { { 8, false }, "uint64" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(usdtnote__arg_type(&cases[i].a), cases[i].want);
}

static void test_read(void **state)
{
	struct usdtnote *u = NULL;
	char err[256];

	(void)state;
	/* coreutils are built without probes: an ELF file, no notes, no error */
	assert_int_equal(usdtnote__read("/bin/true", &u, err, sizeof(err)), 0);
	assert_int_equal(u->n, 0);
	usdtnote__free(u);
	assert_int_equal(usdtnote__read("/etc/passwd", &u, err, sizeof(err)), -ENOEXEC);
	assert_string_equal(err, "\"/etc/passwd\" is not an ELF file");
	assert_int_equal(usdtnote__read("/nonexistent/app", &u, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "cannot open \"/nonexistent/app\": No such file or directory");
	usdtnote__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_arg_type),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
