// SPDX-License-Identifier: GPL-2.0
/*
 * A workload for USDT tests: <sys/sdt.h> probes fired a known number of
 * times with known arguments (no semaphores: see usdt_sema.c).
 *   usdt_target COMM N     for i = 0..N-1:
 *                            bpfprom:req(int i - 3, unsigned long V[i % 9], char *S)
 *                              V = 1 2 3 4 5 8 9 16 17, S = "even" or "odd" by i
 *                            other:req(unsigned int i)
 *                            bpfprom:small(signed char -1, unsigned short 65535,
 *                                          short -2, unsigned char 200)
 *                            bpfprom:start(long i), 1 ms, bpfprom:done(long i)
 *                            bpfprom:noargs()
 *   usdt_target COMM N FILE   the same, once FILE exists (a test starts the
 *                             process, attaches to its pid, then creates FILE)
 * COMM names the process (a filter or label can pick it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/sdt.h>
#include <unistd.h>

static const unsigned long values[9] = { 1, 2, 3, 4, 5, 8, 9, 16, 17 };

int main(int argc, char **argv)
{
	long n;

	struct stat st;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: usdt_target COMM N [FILE]\n");
		return 2;
	}
	prctl(PR_SET_NAME, argv[1]);
	n = atol(argv[2]);
	/* at most 30 s: a test that never creates FILE does not leave it behind */
	for (int t = 0; argc == 4 && stat(argv[3], &st) && t < 3000; t++)
		usleep(10000);
	for (long i = 0; i < n; i++) {
		/* volatile: the arguments stay runtime values in registers or memory */
		volatile int a = (int)i - 3;
		volatile unsigned long v = values[i % 9];
		const char *volatile s = i % 2 ? "odd" : "even";
		volatile unsigned int u = (unsigned int)i;
		volatile signed char sc = -1;
		volatile unsigned short us = 65535;
		volatile short ss = -2;
		volatile unsigned char uc = 200;
		volatile long t0 = 10, t1 = 11, t2 = 12, t3 = 13, t4 = 14, t5 = 15, t6 = 16,
			      t7 = 17;

		DTRACE_PROBE3(bpfprom, req, a, v, s);
		DTRACE_PROBE1(other, req, u);
		DTRACE_PROBE4(bpfprom, small, sc, us, ss, uc);
		DTRACE_PROBE1(bpfprom, start, i);
		usleep(1000);
		DTRACE_PROBE1(bpfprom, done, i);
		DTRACE_PROBE(bpfprom, noargs);
		/* 8 arguments: arg6 and arg7 exist only for USDT (10 + k each) */
		DTRACE_PROBE8(bpfprom, wide, t0, t1, t2, t3, t4, t5, t6, t7);
	}
	return 0;
}
