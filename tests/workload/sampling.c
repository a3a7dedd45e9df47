// SPDX-License-Identifier: GPL-2.0
/*
 * Known work for profile: and software: probes, done under a comm of the
 * test's choosing (prctl PR_SET_NAME) so that a filter on comm sees only it:
 *   sampling spin COMM MS
 *     spins until the process has used MS milliseconds of CPU time since it
 *     took COMM, then prints "cpu_ns N": the CPU time it used under COMM
 *     (CLOCK_PROCESS_CPUTIME_ID, the scheduler's own account).
 *   sampling touch COMM PAGES
 *     maps PAGES fresh anonymous pages (no transparent huge pages) and writes
 *     one byte to each: exactly PAGES page faults under COMM. The code and
 *     stack of the loop are warmed on another page first and COMM is copied
 *     to the stack beforehand, so that nothing else faults under COMM; COMM
 *     is dropped ("sampling_done") before anything else runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static __attribute__((noinline)) void touch(volatile char *p, long pages, long pagesz)
{
	for (long i = 0; i < pages; i++)
		p[i * pagesz] = 1;
}

static void *fresh(long pages, long pagesz)
{
	void *p = mmap(NULL, (size_t)(pages * pagesz), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	/* one fault per page, not one per huge page */
	madvise(p, (size_t)(pages * pagesz), MADV_NOHUGEPAGE);
	return p;
}

int main(int argc, char **argv)
{
	char name[16], done[16] = "sampling_done";
	long n, pagesz = sysconf(_SC_PAGESIZE);
	uint64_t t0, t1;
	void *warm, *p;

	if (argc != 4 || (n = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: sampling spin COMM MS | sampling touch COMM PAGES\n");
		return 2;
	}
	snprintf(name, sizeof(name), "%s", argv[2]);
	if (!strcmp(argv[1], "spin")) {
		prctl(PR_SET_NAME, name);
		t0 = cpu_ns();
		do
			t1 = cpu_ns();
		while (t1 - t0 < (uint64_t)n * 1000000u);
		prctl(PR_SET_NAME, done);
		printf("cpu_ns %llu\n", (unsigned long long)(t1 - t0));
		return 0;
	}
	if (!strcmp(argv[1], "touch")) {
		warm = fresh(1, pagesz);
		p = fresh(n, pagesz);
		touch(warm, 1, pagesz);
		prctl(PR_SET_NAME, name);
		touch(p, n, pagesz);
		prctl(PR_SET_NAME, done);
		printf("touched %ld\n", n);
		return 0;
	}
	fprintf(stderr, "sampling: unknown mode %s\n", argv[1]);
	return 2;
}
