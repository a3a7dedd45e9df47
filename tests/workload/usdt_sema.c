// SPDX-License-Identifier: GPL-2.0
/*
 * A workload for USDT semaphores: sema:gated(int i) is fired only while its
 * semaphore is set, i.e. while a tracer (bpfprom, through libbpf and the
 * uprobe's reference counter) is attached.
 *   usdt_sema N     tries N times, then prints "fired K semaphore S": the
 *                   probes that fired and the semaphore's last value
 */
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>

/* <sys/sdt.h>'s semaphore of sema:gated: the kernel increments it per tracer */
volatile unsigned short sema_gated_semaphore __attribute__((section(".probes")));

int main(int argc, char **argv)
{
	long n, fired = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: usdt_sema N\n");
		return 2;
	}
	n = atol(argv[1]);
	for (long i = 0; i < n; i++) {
		volatile int v = (int)i;

		if (sema_gated_semaphore) {
			DTRACE_PROBE1(sema, gated, v);
			fired++;
		}
	}
	printf("fired %ld semaphore %u\n", fired, (unsigned)sema_gated_semaphore);
	return 0;
}
