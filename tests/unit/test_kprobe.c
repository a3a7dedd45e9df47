// SPDX-License-Identifier: GPL-2.0
/*
 * kprobe's function checks over kallsyms (kprobe__syms_* on a ksyms): which
 * names are kernel functions, their sizes from the next symbol's address,
 * suggestions, and the files with no function at all that fuzz_kallsyms found
 * (bsearch on NULL).
 */
#include <errno.h>
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

#include "kernel/kprobe.h"
#include "kernel/ksyms.h"

/* text as a kallsyms file: a memfd, named by its /proc/self/fd path */
static struct ksyms *load(const char *text)
{
	struct ksyms *ks;
	char path[64];
	size_t len = strlen(text);
	int fd;

	fd = memfd_create("kallsyms", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ks = ksyms__load(path);
	close(fd);
	assert_non_null(ks);
	return ks;
}

static void expect_none(const char *text)
{
	struct ksyms *ks = load(text);

	assert_false(kprobe__syms_has(ks, "vfs_read"));
	assert_int_equal(kprobe__syms_size(ks, "vfs_read"), 0);
	assert_null(kprobe__syms_suggest(ks, "vfs_raed"));
	ksyms__free(ks);
}

static void test_no_functions(void **state)
{
	(void)state;
	expect_none("");
	expect_none("\n\n");
	expect_none("ffffffff81002000 d data\nffffffff81003000 D jiffies\n");
	expect_none("garbage\n");
}

static void test_functions(void **state)
{
	struct ksyms *ks;

	(void)state;
	ks = load("ffffffff81000000 T _stext\n"
		  "ffffffff81000100 t vfs_read\n"
		  "ffffffff81000180 T vfs_write\n"
		  "ffffffff81000200 t vfs_read\n"
		  "ffffffff81000300 d data\n"
		  "ffffffff81000400 t ext4_read\t[ext4]\n");
	assert_true(kprobe__syms_has(ks, "_stext"));
	assert_true(kprobe__syms_has(ks, "vfs_read"));
	assert_true(kprobe__syms_has(ks, "vfs_write"));
	assert_true(kprobe__syms_has(ks, "ext4_read"));
	assert_false(kprobe__syms_has(ks, "data"));
	assert_false(kprobe__syms_has(ks, "vfs_rea"));
	assert_int_equal(kprobe__syms_size(ks, "_stext"), 0x100);
	assert_int_equal(kprobe__syms_size(ks, "vfs_write"), 0x80);
	/* a name twice: which one the kernel probes is not sure, so no size */
	assert_int_equal(kprobe__syms_size(ks, "vfs_read"), 0);
	/* the last function: no next symbol */
	assert_int_equal(kprobe__syms_size(ks, "ext4_read"), 0);
	assert_string_equal(kprobe__syms_suggest(ks, "vfs_raed"), "vfs_read");
	assert_null(kprobe__syms_suggest(ks, "completely_different"));
	ksyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_functions),
		cmocka_unit_test(test_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
