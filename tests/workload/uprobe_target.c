// SPDX-License-Identifier: GPL-2.0
/*
 * A workload for uprobe tests: functions whose calls and arguments are known.
 *   uprobe_target COMM values V...        bpfprom_value(V) once per V
 *   uprobe_target COMM seams              0..5, then 2^k and 2^k+1, k = 1..40
 *   uprobe_target COMM schema S A B       for each native-histogram bucket
 *                                         i = A..B of schema S, le = 2^(i/2^S)
 *                                         by ldexp: prints "le LE" and calls
 *                                         bpfprom_value(t - 1, t, t + 1),
 *                                         t = floor(le), printing "v V" each
 *   uprobe_target COMM threads T N        bpfprom_value(1..N), each once, on T
 *                                         threads pinned to CPUs round-robin
 *   uprobe_target COMM sleep MS...        bpfprom_sleep(MS): sleeps MS ms
 *   uprobe_target COMM name S...          bpfprom_name(S) returns S
 *   uprobe_target COMM ret V...           bpfprom_ret(V) returns V
 *   uprobe_target COMM begin|end          bpfprom_begin() / bpfprom_end()
 * Arguments are processed left to right; several commands may follow COMM.
 */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* noinline and an empty asm: each call stays a call the uprobe sees */
#define TARGET __attribute__((noinline, used))

TARGET unsigned long bpfprom_value(unsigned long v)
{
	__asm__ volatile("" ::"r"(v) : "memory");
	return v;
}

TARGET long bpfprom_ret(long v)
{
	__asm__ volatile("" ::"r"(v) : "memory");
	return v;
}

TARGET const char *bpfprom_name(const char *s)
{
	__asm__ volatile("" ::"r"(s) : "memory");
	return s;
}

TARGET void bpfprom_begin(void)
{
	__asm__ volatile("" ::: "memory");
}

TARGET void bpfprom_end(void)
{
	__asm__ volatile("" ::: "memory");
}

TARGET void bpfprom_sleep(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		;
}

struct worker {
	unsigned long n, t, nthreads;
	int cpu;
};

static void *run(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	/* thread t takes the values congruent to t: 1..n each exactly once */
	for (unsigned long v = 1 + w->t; v <= w->n; v += w->nthreads)
		bpfprom_value(v);
	return NULL;
}

static int threads(unsigned long t, unsigned long n)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t th[64];
	struct worker w[64];

	if (t < 1 || t > 64)
		return 2;
	for (unsigned long k = 0; k < t; k++) {
		w[k] = (struct worker){ .n = n, .t = k, .nthreads = t, .cpu = (int)(k % ncpu) };
		if (pthread_create(&th[k], NULL, run, &w[k]))
			return 1;
	}
	for (unsigned long k = 0; k < t; k++)
		pthread_join(th[k], NULL);
	return 0;
}

/* the seams of native buckets a..b of a schema, bounds below 2^63 */
static void schema_seams(int schema, long a, long b)
{
	long n = 1L << schema;

	for (long i = a; i <= b; i++) {
		long e = i >= 0 ? i / n : -((-i + n - 1) / n);
		double le = ldexp((double)exp2l((long double)(i - e * n) / n), (int)e);
		unsigned long t = (unsigned long)le;

		printf("le %.17g\n", le);
		for (unsigned long v = t - 1; v <= t + 1; v++) {
			printf("v %lu\n", v);
			bpfprom_value(v);
		}
	}
}

static int is_num(const char *s)
{
	return (s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9');
}

int main(int argc, char **argv)
{
	int i = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: uprobe_target COMM COMMAND [ARGS]...\n");
		return 2;
	}
	prctl(PR_SET_NAME, argv[1]);
	while (i < argc) {
		const char *cmd = argv[i++];

		if (strcmp(cmd, "values") == 0) {
			for (; i < argc && is_num(argv[i]); i++)
				bpfprom_value(strtoul(argv[i], NULL, 0));
		} else if (strcmp(cmd, "seams") == 0) {
			for (unsigned long v = 0; v <= 5; v++)
				bpfprom_value(v);
			for (int k = 1; k <= 40; k++) {
				bpfprom_value(1UL << k);
				bpfprom_value((1UL << k) + 1);
			}
		} else if (strcmp(cmd, "schema") == 0 && i + 2 < argc) {
			schema_seams(atoi(argv[i]), atol(argv[i + 1]), atol(argv[i + 2]));
			i += 3;
		} else if (strcmp(cmd, "threads") == 0 && i + 1 < argc) {
			if (threads(strtoul(argv[i], NULL, 0), strtoul(argv[i + 1], NULL, 0)))
				return 1;
			i += 2;
		} else if (strcmp(cmd, "sleep") == 0) {
			for (; i < argc && is_num(argv[i]); i++)
				bpfprom_sleep(atol(argv[i]));
		} else if (strcmp(cmd, "name") == 0) {
			for (; i < argc && strcmp(argv[i], "--"); i++)
				bpfprom_name(argv[i]);
			i++;
		} else if (strcmp(cmd, "ret") == 0) {
			for (; i < argc && is_num(argv[i]); i++)
				bpfprom_ret(strtol(argv[i], NULL, 0));
		} else if (strcmp(cmd, "begin") == 0) {
			bpfprom_begin();
		} else if (strcmp(cmd, "end") == 0) {
			bpfprom_end();
		} else {
			fprintf(stderr, "uprobe_target: unknown command \"%s\"\n", cmd);
			return 2;
		}
	}
	return 0;
}
