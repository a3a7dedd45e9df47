// SPDX-License-Identifier: GPL-2.0
/*
 * usyms: user addresses of this very process, named through /proc/self's
 * mappings and the test binary's own symbols; addresses without a name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/usyms.h"

__attribute__((noinline, used)) int usyms_probe_function(int x)
{
	__asm__ volatile("" ::"r"(x) : "memory");
	return x + 1;
}

static void test_own_function(void **state)
{
	struct usyms *u = usyms__new(NULL);
	uintptr_t at = (uintptr_t)&usyms_probe_function;
	const char *name;

	(void)state;
	assert_non_null(u);
	name = usyms__name(u, (uint32_t)getpid(), at);
	assert_non_null(name);
	assert_string_equal(name, "usyms_probe_function");
	/* inside it, not only its first byte */
	name = usyms__name(u, (uint32_t)getpid(), at + 1);
	assert_non_null(name);
	assert_string_equal(name, "usyms_probe_function");
	/* a shared library's exported function: .dynsym at least */
	name = usyms__name(u, (uint32_t)getpid(), (uintptr_t)&getpid);
	assert_non_null(name);
	assert_true(strstr(name, "getpid") != NULL);
	usyms__free(u);
}

static void test_no_name(void **state)
{
	struct usyms *u = usyms__new(NULL);
	void *anon = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)state;
	assert_non_null(u);
	assert_true(anon != MAP_FAILED);
	/* an anonymous mapping has no file */
	assert_null(usyms__name(u, (uint32_t)getpid(), (uintptr_t)anon));
	/* the mappings are read once per scrape: forget, and the answer stays */
	usyms__forget_procs(u);
	assert_null(usyms__name(u, (uint32_t)getpid(), (uintptr_t)anon));
	/* no such process (above PID_MAX_LIMIT) */
	assert_null(usyms__name(u, 4194305, (uintptr_t)&usyms_probe_function));
	munmap(anon, 4096);
	usyms__free(u);
}

/* More processes than the cache holds: it starts over, and answers stay right. */
static void test_bound(void **state)
{
	struct usyms *u = usyms__new(NULL);

	(void)state;
	for (uint32_t i = 0; i < 3 * USYMS_MAX_PROCS; i++)
		assert_null(usyms__name(u, 4194305 + i, 0x1000));
	assert_string_equal(usyms__name(u, (uint32_t)getpid(), (uintptr_t)&usyms_probe_function),
			    "usyms_probe_function");
	usyms__free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_function),
		cmocka_unit_test(test_no_name),
		cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
