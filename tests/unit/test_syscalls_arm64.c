// SPDX-License-Identifier: GPL-2.0
/*
 * arm64's syscall table, as tools/gen-syscalls.sh generates it for make
 * cross-arm64 and for a native arm64 build, checked on any machine: arm64
 * numbers its syscalls after asm-generic/unistd.h, not x86-64's unistd_64.h
 * (x86-64's table would name arm64's ppoll "flock"), and a few of its names
 * are aliases (__NR_fcntl is __NR3264_fcntl) that the generator follows.
 * Built by make unit and make test, not make all: it needs arm64's
 * <asm/unistd.h> (linux-libc-dev:arm64, which make test's deps install).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/array.h"
#include "arch/arm64/syscalls.h"

static const char *name_of(unsigned int nr)
{
	return nr < ARRAY_SIZE(syscall_names) ? syscall_names[nr] : NULL;
}

static void expect_name(unsigned int nr, const char *want)
{
	const char *got = name_of(nr);

	if (!got || strcmp(got, want))
		fail_msg("arm64 syscall %u: expected \"%s\", got \"%s\"", nr, want,
			 got ? got : "(none)");
}

/* the numbers the brief of this table named, and those x86-64 gives others */
static void test_asm_generic_numbers(void **state)
{
	(void)state;
	expect_name(0, "io_setup");
	expect_name(32, "flock");
	expect_name(56, "openat");
	expect_name(63, "read");
	expect_name(64, "write");
	expect_name(73, "ppoll");
	expect_name(93, "exit");
	expect_name(94, "exit_group");
	expect_name(172, "getpid");
	expect_name(173, "getppid");
	expect_name(220, "clone");
	expect_name(221, "execve");
	expect_name(222, "mmap");
}

/* the names asm-generic defines through __NR3264_ aliases on 64-bit */
static void test_aliases_followed(void **state)
{
	(void)state;
	expect_name(25, "fcntl");
	expect_name(62, "lseek");
	expect_name(71, "sendfile");
	expect_name(79, "newfstatat");
	expect_name(80, "fstat");
	expect_name(223, "fadvise64");
}

/* what arm64's asm/unistd.h asks asm-generic for (__ARCH_WANT_RENAMEAT,
 * _SET_GET_RLIMIT, _SYS_CLONE3), and what it has not: no open, no fork */
static void test_arch_wants(void **state)
{
	size_t i;

	(void)state;
	expect_name(38, "renameat");
	expect_name(163, "getrlimit");
	expect_name(164, "setrlimit");
	expect_name(435, "clone3");
	/* __NR_arch_specific_syscall (244) is a base, not a syscall */
	assert_null(name_of(244));
	for (i = 0; i < ARRAY_SIZE(syscall_names); i++) {
		if (!syscall_names[i])
			continue;
		if (!strcmp(syscall_names[i], "open") || !strcmp(syscall_names[i], "fork") ||
		    !strcmp(syscall_names[i], "syscalls") || !strncmp(syscall_names[i], "3264", 4))
			fail_msg("arm64 syscall %zu: \"%s\" is not an arm64 syscall", i,
				 syscall_names[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_asm_generic_numbers),
		cmocka_unit_test(test_aliases_followed),
		cmocka_unit_test(test_arch_wants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
