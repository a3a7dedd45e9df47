// SPDX-License-Identifier: GPL-2.0
/*
 * A workload for the config/examples tests, whose events are known:
 *   examples COMM [malloc SIZE N] [signals N] [touch PAGES] [sleep N] [read PATH SIZE N]
 * It renames itself COMM (so the tests find its series by name), then:
 * malloc: N calls of malloc(SIZE); signals: N SIGUSR1 sent to itself, each
 * handled before kill(2) returns; touch: writes one byte into each of PAGES
 * fresh anonymous pages (one fault each at least); sleep: N sleeps of 1 ms
 * (one wakeup each); read: N read(2) calls of SIZE bytes from PATH (the file
 * must hold N * SIZE bytes).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static int do_malloc(size_t size, long n)
{
	for (long i = 0; i < n; i++) {
		/* volatile: the compiler may not drop a malloc whose result is unused */
		char *volatile p = malloc(size);

		if (!p)
			return 1;
		p[0] = 1;
		free(p);
	}
	return 0;
}

static int do_signals(long n)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	if (sigaction(SIGUSR1, &sa, NULL))
		return 1;
	for (long i = 0; i < n; i++)
		kill(getpid(), SIGUSR1);
	return handled == n ? 0 : 1;
}

static int do_touch(long pages)
{
	long psz = sysconf(_SC_PAGESIZE);
	char *p =
		mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	/* a transparent huge page would take 512 pages in one fault */
	madvise(p, pages * psz, MADV_NOHUGEPAGE);
	for (long i = 0; i < pages; i++)
		((volatile char *)p)[i * psz] = 1;
	return munmap(p, pages * psz);
}

static void do_sleep(long n)
{
	struct timespec ts = { 0, 1000000 };

	for (long i = 0; i < n; i++)
		nanosleep(&ts, NULL);
}

static int do_read(const char *path, size_t size, long n)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY);
	int ret = 0;

	if (fd < 0 || size > sizeof(buf))
		return 1;
	for (long i = 0; i < n; i++) {
		if (read(fd, buf, size) != (ssize_t)size)
			ret = 1;
	}
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	int i = 2;

	if (argc < 2) {
		fprintf(stderr,
			"usage: examples COMM [malloc SIZE N] [signals N] [touch PAGES] [sleep N] [read PATH SIZE N]\n");
		return 2;
	}
	prctl(PR_SET_NAME, argv[1]);
	while (i < argc) {
		const char *cmd = argv[i++];

		if (strcmp(cmd, "malloc") == 0 && i + 1 < argc) {
			if (do_malloc(strtoul(argv[i], NULL, 0), atol(argv[i + 1])))
				return 1;
			i += 2;
		} else if (strcmp(cmd, "signals") == 0 && i < argc) {
			if (do_signals(atol(argv[i++])))
				return 1;
		} else if (strcmp(cmd, "touch") == 0 && i < argc) {
			if (do_touch(atol(argv[i++])))
				return 1;
		} else if (strcmp(cmd, "read") == 0 && i + 2 < argc) {
			if (do_read(argv[i], strtoul(argv[i + 1], NULL, 0), atol(argv[i + 2])))
				return 1;
			i += 3;
		} else if (strcmp(cmd, "sleep") == 0 && i < argc) {
			do_sleep(atol(argv[i++]));
		} else {
			fprintf(stderr, "examples: unknown command \"%s\"\n", cmd);
			return 2;
		}
	}
	return 0;
}
