// SPDX-License-Identifier: GPL-2.0
/*
 * A workload whose system calls are known exactly, for the integration tests:
 *   syscalls COMM [getppid N] [getpid N] [getuid N] [write SIZE...] [threads T getppid N] [open PATH N]
 *            [tryopen PATH N] (opens that may fail: a missing file) [sleep US]
 *            [raise N] [close FD]
 * It renames itself COMM (so a comm filter sees only it), then makes exactly
 * the calls asked for and nothing else that the tests count. With `threads T`
 * the getppid calls are split over T threads, each pinned to its own CPU.
 * `twrite T N` has T threads, thread k pinned to CPU k, each write sizes
 * 1 + k .. N + k to /dev/null in order (rising: maxima race each other).
 * `raise N` sends itself SIGUSR1 (ignored) N times with raise(3): tgkill,
 * whose si_code is SI_TKILL (-6), a negative int in signal_generate.
 * `close FD` closes FD (0, its stdin, say) with the raw system call.
 * `sockopt LEN N` sets TCP_NODELAY on one TCP socket N times with optlen
 * LEN (4 or 8): tcp_setsockopt's optlen follows a sockptr_t passed by value.
 * `writes N` makes N writes to /dev/null whose sizes change from call to
 * call: 2^(i % 17) - 1 - (i % 3) (clamped at 0), 0 to 65535 in 17 powers of
 * two in turn, for a histogram whose bucket varies (tests/bench).
 * `zones DEV N K` asks the zoned block device DEV for its first K zones N
 * times (ioctl BLKREPORTZONE): null_blk's nullb_report_zones fires once
 * each (tests/vm, a module's raw tracepoint).
 */
#include <fcntl.h>
#include <linux/blkzoned.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct worker {
	long n;
	int cpu;
	int fd; /* twrite */
};

static void *run_write(void *arg)
{
	static char wbuf[1 << 16];
	struct worker *w = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (long i = 1; i <= w->n; i++) {
		size_t sz = (size_t)(i + w->cpu) % sizeof(wbuf);

		if (write(w->fd, wbuf, sz) < 0)
			break;
	}
	return NULL;
}

static void *run_getppid(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (long i = 0; i < w->n; i++)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int fd, i = 2;

	if (argc < 2) {
		fprintf(stderr,
			"usage: syscalls COMM [getppid N] [getpid N] [getuid N] [write SIZE...] [threads T getppid N] [open PATH N] [tryopen PATH N] [sleep US] [raise N] [close FD] [sockopt LEN N] [writes N] [zones DEV N K]\n");
		return 2;
	}
	fd = open("/dev/null", O_WRONLY);
	if (fd < 0)
		return 1;
	prctl(PR_SET_NAME, argv[1]);
	while (i < argc) {
		if (strcmp(argv[i], "getppid") == 0 && i + 1 < argc) {
			long n = atol(argv[i + 1]);

			for (long k = 0; k < n; k++)
				syscall(SYS_getppid);
			i += 2;
		} else if ((strcmp(argv[i], "getpid") == 0 || strcmp(argv[i], "getuid") == 0) &&
			   i + 1 < argc) {
			/* raw syscalls: libc may cache what getpid(3) returns */
			long n = atol(argv[i + 1]),
			     nr = argv[i][3] == 'p' ? SYS_getpid : SYS_getuid;

			for (long k = 0; k < n; k++)
				syscall(nr);
			i += 2;
		} else if (strcmp(argv[i], "write") == 0) {
			for (i++; i < argc && argv[i][0] >= '0' && argv[i][0] <= '9'; i++) {
				size_t sz = strtoul(argv[i], NULL, 0);

				if (sz > sizeof(buf))
					return 2;
				if (write(fd, buf, sz) != (ssize_t)sz)
					return 1;
			}
		} else if ((strcmp(argv[i], "open") == 0 || strcmp(argv[i], "tryopen") == 0) &&
			   i + 2 < argc) {
			long n = atol(argv[i + 2]);
			int must = argv[i][0] == 'o';

			for (long k = 0; k < n; k++) {
				int o = open(argv[i + 1], O_RDONLY);

				if (o < 0 && must)
					return 1;
				if (o >= 0)
					close(o);
			}
			i += 3;
		} else if (strcmp(argv[i], "writes") == 0 && i + 1 < argc) {
			long n = atol(argv[i + 1]);

			for (long k = 0; k < n; k++) {
				long sz = (1L << (k % 17)) - 1 - k % 3;

				if (write(fd, buf, sz < 0 ? 0 : (size_t)sz) < 0)
					return 1;
			}
			i += 2;
		} else if (strcmp(argv[i], "zones") == 0 && i + 3 < argc) {
			long n = atol(argv[i + 2]);
			unsigned int k = (unsigned int)atoi(argv[i + 3]);
			size_t sz = sizeof(struct blk_zone_report) + k * sizeof(struct blk_zone);
			struct blk_zone_report *r = calloc(1, sz);
			int zfd = open(argv[i + 1], O_RDONLY);

			if (!r || zfd < 0)
				return 1;
			for (long j = 0; j < n; j++) {
				memset(r, 0, sz);
				r->nr_zones = k;
				if (ioctl(zfd, BLKREPORTZONE, r))
					return 1;
			}
			close(zfd);
			free(r);
			i += 4;
		} else if (strcmp(argv[i], "sockopt") == 0 && i + 2 < argc) {
			/* TCP_NODELAY on a TCP socket, N times with optlen LEN (4 or 8) */
			long long one = 1;
			int sfd = socket(AF_INET, SOCK_STREAM, 0);
			long n = atol(argv[i + 2]);
			socklen_t len = (socklen_t)atoi(argv[i + 1]);

			if (sfd < 0 || (len != 4 && len != 8))
				return 1;
			for (long k = 0; k < n; k++)
				if (setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, len))
					return 1;
			close(sfd);
			i += 3;
		} else if (strcmp(argv[i], "close") == 0 && i + 1 < argc) {
			syscall(SYS_close, atoi(argv[i + 1]));
			i += 2;
		} else if (strcmp(argv[i], "sleep") == 0 && i + 1 < argc) {
			usleep(atol(argv[i + 1]));
			i += 2;
		} else if (strcmp(argv[i], "raise") == 0 && i + 1 < argc) {
			long n = atol(argv[i + 1]);

			signal(SIGUSR1, SIG_IGN);
			for (long k = 0; k < n; k++)
				raise(SIGUSR1);
			i += 2;
		} else if (strcmp(argv[i], "twrite") == 0 && i + 2 < argc) {
			int t = atoi(argv[i + 1]);
			pthread_t th[64];
			struct worker w[64];

			if (t < 1 || t > 64 || t > ncpu || atol(argv[i + 2]) + t >= 1 << 16)
				return 2;
			for (int k = 0; k < t; k++) {
				w[k].n = atol(argv[i + 2]);
				w[k].cpu = k;
				w[k].fd = fd;
				pthread_create(&th[k], NULL, run_write, &w[k]);
			}
			for (int k = 0; k < t; k++)
				pthread_join(th[k], NULL);
			i += 3;
		} else if (strcmp(argv[i], "threads") == 0 && i + 3 < argc) {
			int t = atoi(argv[i + 1]);
			long n = atol(argv[i + 3]);
			pthread_t th[64];
			struct worker w[64];

			if (t < 1 || t > 64)
				return 2;
			for (int k = 0; k < t; k++) {
				w[k].n = n / t + (k < n % t);
				w[k].cpu = k % ncpu;
				pthread_create(&th[k], NULL, run_getppid, &w[k]);
			}
			for (int k = 0; k < t; k++)
				pthread_join(th[k], NULL);
			i += 4;
		} else {
			fprintf(stderr, "syscalls: bad argument \"%s\"\n", argv[i]);
			return 2;
		}
	}
	close(fd);
	return 0;
}
