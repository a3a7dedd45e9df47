// SPDX-License-Identifier: GPL-2.0
/*
 * perfevent's list of online CPUs against fake sysfs files (ranges, single
 * CPUs, gaps, malformed text), and the perf event names config and list
 * take from config/perfevents (names, aliases, bpftrace's default periods).
 */
#include <errno.h>
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

#include <linux/perf_event.h>

#include "config/perfevents.h"
#include "kernel/perfevent.h"

static char root[64];

static void online(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/devices/system/cpu/online", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* the CPUs listed for text, as "0 1 2", or the error as "-22" */
static void expect_cpus(const char *text, const char *want)
{
	char got[256] = "";
	size_t n = 0, off = 0;
	int *cpus = NULL;
	int err;

	online(text);
	err = perfevent__online_cpus(root, &cpus, &n);
	if (err)
		snprintf(got, sizeof(got), "%d", err);
	for (size_t i = 0; !err && i < n; i++)
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%d", i ? " " : "",
					cpus[i]);
	free(cpus);
	assert_string_equal(got, want);
}

static void test_online_cpus(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/bpfprom-perfevent-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/devices/system/cpu", root);
	assert_int_equal(system(cmd), 0);
	expect_cpus("0\n", "0");
	expect_cpus("0-1\n", "0 1");
	expect_cpus("0-3,5,7-8\n", "0 1 2 3 5 7 8");
	expect_cpus("2,4\n", "2 4");
	expect_cpus("\n", "-22");
	expect_cpus("x\n", "-22");
	expect_cpus("3-1\n", "-22");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(perfevent__online_cpus("/nonexistent", &(int *){ NULL }, &(size_t){ 0 }),
			 -ENOENT);
}

static void test_names(void **state)
{
	const struct perfevent *e;
	size_t n;

	(void)state;
	e = perfevents__find(false, "faults");
	assert_non_null(e);
	assert_string_equal(e->name, "page-faults");
	assert_int_equal(e->config, PERF_COUNT_SW_PAGE_FAULTS);
	assert_int_equal(e->period, 100);
	e = perfevents__find(false, "cs");
	assert_string_equal(e->name, "context-switches");
	assert_int_equal(e->period, 1000);
	e = perfevents__find(true, "cycles");
	assert_string_equal(e->name, "cpu-cycles");
	assert_int_equal(e->type, PERF_TYPE_HARDWARE);
	assert_int_equal(e->period, 1000000);
	assert_int_equal(perfevents__find(true, "branches")->period, 100000);
	assert_null(perfevents__find(true, "page-faults"));
	assert_null(perfevents__find(false, "cycles"));
	perfevents__table(false, &n);
	assert_int_equal(n, 11);
	perfevents__table(true, &n);
	assert_int_equal(n, 10);
	assert_int_equal(perfevents__unit_ns("hz"), 0);
	assert_int_equal(perfevents__unit_ns("ms"), 1000000);
	assert_int_equal(perfevents__unit_ns("min"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_online_cpus),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
