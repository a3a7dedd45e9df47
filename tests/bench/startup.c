// SPDX-License-Identifier: GPL-2.0
/*
 * startup BPFPROM [FLAG]...
 *
 * Time from exec to the first 200 answer on /metrics: start BPFPROM with the
 * flags given (which must include --web.listen-address=127.0.0.1:0), read its
 * log until "listening on ADDR", GET /metrics from ADDR, stop it with SIGTERM.
 * Prints "MS_TO_LISTENING MS_TO_200", in milliseconds since the fork.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* GET /metrics from "HOST:PORT" (IPv4); the status code, or a negative errno. */
static int get_metrics(const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64], buf[4096];
	const char *colon = strrchr(addr, ':');
	int fd, code = -EPROTO;
	ssize_t n;

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	memcpy(host, addr, colon - addr);
	host[colon - addr] = '\0';
	sa.sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		code = -errno;
		goto out;
	}
	n = snprintf(buf, sizeof(buf),
		     "GET /metrics HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", addr);
	if (write(fd, buf, n) != n) {
		code = -EIO;
		goto out;
	}
	/* the status line is all we need; the body is read to the end so the
	 * answer is complete, as a scraper would see it */
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 12) {
		buf[n] = '\0';
		if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
			code = -EPROTO;
	}
	while (n > 0)
		n = read(fd, buf, sizeof(buf));
out:
	close(fd);
	return code;
}

int main(int argc, char **argv)
{
	struct timespec t0;
	char line[1024], *addr = NULL;
	double t_listen = -1, t_200 = -1;
	int pfd[2], st, code = -1;
	FILE *log;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: startup BPFPROM [FLAG]...\n");
		return 2;
	}
	if (pipe(pfd))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[1], argv + 1);
		perror("startup: exec");
		_exit(127);
	}
	close(pfd[1]);
	log = fdopen(pfd[0], "r");
	while (log && fgets(line, sizeof(line), log)) {
		char *p = strstr(line, "listening on ");

		if (!p)
			continue;
		t_listen = since(&t0);
		addr = p + strlen("listening on ");
		addr[strcspn(addr, "\r\n")] = '\0';
		code = get_metrics(addr);
		t_200 = since(&t0);
		break;
	}
	kill(pid, SIGTERM);
	/* drain the log so the exporter never blocks on a full pipe while stopping */
	while (log && fgets(line, sizeof(line), log))
		;
	waitpid(pid, &st, 0);
	if (code != 200) {
		fprintf(stderr, "startup: %s did not answer 200 (%s, status %d)\n", argv[1],
			addr ? addr : "never listened", code);
		return 1;
	}
	printf("%.1f %.1f\n", t_listen, t_200);
	return 0;
}
