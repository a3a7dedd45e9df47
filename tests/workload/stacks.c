// SPDX-License-Identifier: GPL-2.0
/*
 * A workload for kstack and ustack labels: known call chains, each call
 * counted.
 *   stacks COMM N M [S] names itself COMM, then calls stk_target N times
 *                       through main -> stk_a -> stk_b and M times through
 *                       main -> stk_c; stk_target renames the thread to COMM
 *                       (prctl PR_SET_NAME: tracepoint task:task_rename, in
 *                       the kernel's prctl path); then prints "done" and
 *                       sleeps S seconds (its mappings stay to be read)
 * Built with -O0 and frame pointers (Makefile), each function noinline: the
 * kernel's frame-pointer walk sees every caller.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#define FRAME __attribute__((noinline, used))

static const char *comm;

FRAME void stk_target(void)
{
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	__asm__ volatile("" ::: "memory");
}

FRAME void stk_b(void)
{
	stk_target();
	__asm__ volatile("" ::: "memory");
}

FRAME void stk_a(void)
{
	stk_b();
	__asm__ volatile("" ::: "memory");
}

FRAME void stk_c(void)
{
	stk_target();
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	long n, m;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: stacks COMM N M [S]\n");
		return 2;
	}
	comm = argv[1];
	n = atol(argv[2]);
	m = atol(argv[3]);
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	for (long i = 0; i < n; i++)
		stk_a();
	for (long i = 0; i < m; i++)
		stk_c();
	if (argc == 5) {
		printf("done\n");
		fflush(stdout);
		sleep((unsigned int)atoi(argv[4]));
	}
	return 0;
}
