// SPDX-License-Identifier: GPL-2.0
/*
 * ksyms, the kallsyms reader: both orders (address and name), the first of
 * equal addresses and of equal names, hidden addresses, sizes, the lines it
 * skips, and a file read again through the descriptor opened at start-up.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/ksyms.h"

/* text as a kallsyms file: a memfd, and its /proc/self/fd path */
static int make_file(const char *text, char *path, size_t len)
{
	size_t n = strlen(text);
	int fd = memfd_create("kallsyms", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

static struct ksyms *load(const char *text)
{
	char path[64];
	struct ksyms *ks;
	int fd = make_file(text, path, sizeof(path));

	ks = ksyms__load(path);
	close(fd);
	assert_non_null(ks);
	return ks;
}

/* Unsorted, every type, a module symbol, two names at one address, one name twice. */
static const char text[] = "ffffffff82000000 d some_data\n"
			   "ffffffff81002000 T do_sys_open\n"
			   "ffffffffc0001000 t mod_func\t[mymod]\n"
			   "ffffffff81001000 t helper_func\n"
			   "ffffffff81002000 T do_sys_open_alias\n"
			   "ffffffff81000000 T _stext\n"
			   "ffffffff81003000 t helper_func\n";

static void expect_addr(const struct ksyms *ks, uint64_t addr, const char *name)
{
	const struct ksym *s = ksyms__map_addr(ks, addr);

	if (!name) {
		assert_null(s);
		return;
	}
	assert_non_null(s);
	assert_string_equal(s->name, name);
}

static void test_map_addr(void **state)
{
	struct ksyms *ks = load(text);

	(void)state;
	expect_addr(ks, 0xffffffff81000000ull, "_stext");
	expect_addr(ks, 0xffffffff81001abcull, "helper_func");
	/* of two names at one address, the first in the file */
	expect_addr(ks, 0xffffffff81002000ull, "do_sys_open");
	expect_addr(ks, 0xffffffff82000010ull, "some_data");
	expect_addr(ks, 0xffffffffc0001010ull, "mod_func");
	expect_addr(ks, UINT64_MAX, "mod_func");
	expect_addr(ks, 0xffffffff80ffffffull, NULL);
	expect_addr(ks, 0, NULL);
	ksyms__free(ks);
}

static void test_get_symbol(void **state)
{
	struct ksyms *ks = load(text);
	const struct ksym *s;

	(void)state;
	assert_int_equal(ksyms__count(ks), 7);
	s = ksyms__get_symbol(ks, "mod_func");
	assert_non_null(s);
	assert_int_equal(s->addr, 0xffffffffc0001000ull);
	assert_int_equal(s->type, 't');
	assert_false(s->dup);
	assert_int_equal(s->size, 0); /* the last function */
	/* a name twice: the first in the file, and both know */
	s = ksyms__get_symbol(ks, "helper_func");
	assert_non_null(s);
	assert_int_equal(s->addr, 0xffffffff81001000ull);
	assert_true(s->dup);
	assert_int_equal(s->size, 0x1000);
	/* up to the next function, past the alias at the same address */
	assert_int_equal(ksyms__get_symbol(ks, "do_sys_open")->size, 0x1000);
	assert_int_equal(ksyms__get_symbol(ks, "_stext")->size, 0x1000);
	/* data has no size; the next function is above it */
	assert_int_equal(ksyms__get_symbol(ks, "some_data")->size, 0);
	assert_true(ksym__is_function(ksyms__get_symbol(ks, "_stext")));
	assert_false(ksym__is_function(ksyms__get_symbol(ks, "some_data")));
	assert_null(ksyms__get_symbol(ks, "helper"));
	assert_null(ksyms__get_symbol(ks, "zzz"));
	assert_null(ksyms__get_symbol(ks, ""));
	/* by name, then file order */
	assert_string_equal(ksyms__by_name(ks, 0)->name, "_stext");
	assert_string_equal(ksyms__by_name(ks, 3)->name, "helper_func");
	assert_int_equal(ksyms__by_name(ks, 3)->addr, 0xffffffff81001000ull);
	assert_int_equal(ksyms__by_name(ks, 4)->addr, 0xffffffff81003000ull);
	assert_string_equal(ksyms__by_name(ks, 6)->name, "some_data");
	ksyms__free(ks);
}

/* What an unprivileged reader sees (kptr_restrict): names, no addresses. */
static void test_hidden_addresses(void **state)
{
	struct ksyms *ks = load("0000000000000000 T _stext\n"
				"0000000000000000 T do_sys_open\n"
				"0000000000000000 t mod_func\t[mymod]\n");
	const struct ksym *s;

	(void)state;
	expect_addr(ks, 0, NULL);
	expect_addr(ks, UINT64_MAX, NULL);
	s = ksyms__get_symbol(ks, "do_sys_open");
	assert_non_null(s);
	assert_int_equal(s->size, 0);
	assert_non_null(ksyms__get_symbol(ks, "mod_func"));
	ksyms__free(ks);
}

static void test_skipped_lines(void **state)
{
	struct ksyms *ks;

	(void)state;
	ks = load("");
	assert_int_equal(ksyms__count(ks), 0);
	assert_null(ksyms__get_symbol(ks, "x"));
	expect_addr(ks, 1, NULL);
	ksyms__free(ks);
	ks = load("garbage\n\nffffffff81000000\nffffffff81000000 T\n"
		  "ffffffff81000000 TT two_letters\n ffffffff81000000 T indented\n"
		  "ffffffff81000000 T ok\n");
	assert_int_equal(ksyms__count(ks), 1);
	assert_non_null(ksyms__get_symbol(ks, "ok"));
	ksyms__free(ks);
}

static void test_errors(void **state)
{
	(void)state;
	errno = 0;
	assert_null(ksyms__load("/nonexistent/kallsyms"));
	assert_int_equal(errno, ENOENT);
	ksyms__free(NULL);
}

/* Read again, from the start, through a descriptor the caller keeps. */
static void test_load_fd(void **state)
{
	char path[64];
	int fd = make_file(text, path, sizeof(path));
	struct ksyms *ks;
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		ks = ksyms__load_fd(fd);
		assert_non_null(ks);
		assert_int_equal(ksyms__count(ks), 7);
		expect_addr(ks, 0xffffffff81001000ull, "helper_func");
		ksyms__free(ks);
	}
	assert_int_equal(fcntl(fd, F_GETFD) >= 0, 1);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_addr),	 cmocka_unit_test(test_get_symbol),
		cmocka_unit_test(test_hidden_addresses), cmocka_unit_test(test_skipped_lines),
		cmocka_unit_test(test_errors),		 cmocka_unit_test(test_load_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
