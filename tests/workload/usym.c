// SPDX-License-Identifier: GPL-2.0
/*
 * A workload for decode: usym: functions whose addresses are passed and
 * returned, each call counted.
 *   usym COMM call N M U   usym_call(&usym_f1) N times, usym_call(&usym_f2)
 *                          M times, usym_call(0x10) U times (0x10 is in no
 *                          mapping: no name)
 *   usym COMM pick N M     usym_pick(1) N times, usym_pick(2) M times: each
 *                          returns &usym_f1 or &usym_f2
 *   usym COMM spin MS      spins in usym_spin for MS ms of CPU time
 *   usym COMM wait S       prints "done", then sleeps S seconds (its
 *                          mappings stay to be read)
 *   usym COMM addr         prints the address of usym_f1, as 0x%lx
 * Commands run left to right; several may follow COMM, which the process
 * names itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* noinline and an empty asm: each call stays a call the uprobe sees */
#define TARGET __attribute__((noinline, used))

TARGET void usym_f1(void)
{
	__asm__ volatile("" ::: "memory");
}

TARGET void usym_f2(void)
{
	__asm__ volatile("" ::: "memory");
}

TARGET void usym_call(void (*fn)(void))
{
	__asm__ volatile("" ::"r"(fn) : "memory");
}

TARGET void *usym_pick(int i)
{
	void *fn = i == 1 ? (void *)&usym_f1 : (void *)&usym_f2;

	__asm__ volatile("" : "+r"(fn)::"memory");
	return fn;
}

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* the samples taken while it runs are in it, in user mode */
TARGET void usym_spin(long ms)
{
	double end = cpu_ms() + (double)ms;
	volatile unsigned long x = 0;

	while (cpu_ms() < end) {
		for (int i = 0; i < 100000; i++)
			x = x + (unsigned long)i;
	}
}

int main(int argc, char **argv)
{
	int i = 2;

	if (argc < 3) {
		fprintf(stderr,
			"usage: usym COMM call N M U | pick N M | spin MS | addr | wait S ...\n");
		return 2;
	}
	prctl(PR_SET_NAME, argv[1], 0, 0, 0);
	while (i < argc) {
		const char *cmd = argv[i++];

		if (!strcmp(cmd, "call") && i + 3 <= argc) {
			long n = atol(argv[i]), m = atol(argv[i + 1]), u = atol(argv[i + 2]);

			for (long k = 0; k < n; k++)
				usym_call(usym_f1);
			for (long k = 0; k < m; k++)
				usym_call(usym_f2);
			for (long k = 0; k < u; k++)
				usym_call((void (*)(void))0x10);
			i += 3;
		} else if (!strcmp(cmd, "pick") && i + 2 <= argc) {
			long n = atol(argv[i]), m = atol(argv[i + 1]);

			for (long k = 0; k < n; k++)
				usym_pick(1);
			for (long k = 0; k < m; k++)
				usym_pick(2);
			i += 2;
		} else if (!strcmp(cmd, "spin") && i + 1 <= argc) {
			usym_spin(atol(argv[i++]));
		} else if (!strcmp(cmd, "addr")) {
			printf("0x%lx\n", (unsigned long)(void *)&usym_f1);
			fflush(stdout);
		} else if (!strcmp(cmd, "wait") && i + 1 <= argc) {
			printf("done\n");
			fflush(stdout);
			sleep((unsigned int)atoi(argv[i++]));
		} else {
			fprintf(stderr, "usym: bad command \"%s\"\n", cmd);
			return 2;
		}
	}
	return 0;
}
