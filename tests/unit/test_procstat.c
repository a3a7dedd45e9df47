// SPDX-License-Identifier: GPL-2.0
/* procstat on a fake procfs: every field from the right place. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scrape/procstat.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char path[PATH_MAX];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/bpfprom-proc-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(path, sizeof(path), "%s/42", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/42/fd", root);
	mkdir(path, 0755);
	put("42/fd/0", "");
	put("42/fd/1", "");
	put("42/fd/7", "");
	/* a comm with spaces and parentheses; utime 250, stime 150, starttime 1234,
	 * vsize 123456789, rss 1000 pages */
	put("42/stat",
	    "42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 3 0 1234 "
	    "123456789 1000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
	put("stat", "cpu  1 2 3 4\nintr 5\nctxt 6\nbtime 1700000000\nprocesses 7\n");
	put("42/limits",
	    "Limit                     Soft Limit           Hard Limit           Units     \n"
	    "Max cpu time              unlimited            unlimited            seconds   \n"
	    "Max open files            1024                 524288               files     \n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void test_fake_proc(void **state)
{
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct procstat ps;

	(void)state;
	assert_int_equal(procstat__read(root, "42", &ps), 0);
	assert_true(ps.cpu_seconds == 400.0 / (double)tick);
	assert_int_equal(ps.resident_bytes, 1000 * (uint64_t)page);
	assert_int_equal(ps.virtual_bytes, 123456789);
	assert_int_equal(ps.open_fds, 3);
	assert_int_equal(ps.max_fds, 1024);
	assert_true(ps.start_time == 1700000000.0 + 1234.0 / (double)tick);
}

static void test_errors(void **state)
{
	struct procstat ps;

	(void)state;
	assert_int_equal(procstat__read(root, "43", &ps), -ENOENT);
	put("42/limits", "Max cpu time unlimited\n");
	assert_int_equal(procstat__read(root, "42", &ps), -EINVAL);
	put("42/limits",
	    "Max open files            unlimited            unlimited            files\n");
	assert_int_equal(procstat__read(root, "42", &ps), 0);
	assert_int_equal(ps.max_fds, UINT64_MAX);
	put("42/stat", "42 (truncated\n");
	assert_int_equal(procstat__read(root, "42", &ps), -EINVAL);
}

/* the real thing: this test's own process */
static void test_self(void **state)
{
	struct procstat ps;

	(void)state;
	assert_int_equal(procstat__read("/proc", "self", &ps), 0);
	assert_true(ps.resident_bytes > 0);
	assert_true(ps.virtual_bytes >= ps.resident_bytes);
	/* stdin, stdout, stderr at least */
	assert_true(ps.open_fds >= 3);
	assert_true(ps.max_fds >= ps.open_fds);
	assert_true(ps.start_time > 1.6e9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_proc),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_self),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
