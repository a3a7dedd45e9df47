// SPDX-License-Identifier: GPL-2.0
/*
 * Slow HTTP clients, for the load tests:
 *   slowclient PORT N SECS
 * opens N connections to 127.0.0.1:PORT and, once a second, sends one more
 * byte of a request that never ends (a header line growing by one byte a
 * second) on each, for SECS seconds. Then it prints
 *   slowclient: N open, M closed, E failed to connect
 * where open means the server still held the connection (neither answered
 * nor closed it). It never reads an answer; a connection the server closed
 * counts as closed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 1024

static const char request[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	static int fds[MAX_CONNS];
	int n, secs, open = 0, closed = 0, failed = 0;
	size_t pos = 0;
	char c;

	if (argc != 4) {
		fprintf(stderr, "usage: slowclient PORT N SECS\n");
		return 2;
	}
	n = atoi(argv[2]);
	secs = atoi(argv[3]);
	if (n < 1 || n > MAX_CONNS || secs < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	sa.sin_port = htons(atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&sa, sizeof(sa))) {
			if (fds[i] >= 0)
				close(fds[i]);
			fds[i] = -1;
			failed++;
		}
	}
	for (int t = 0; t <= secs; t++) {
		/* the request line and headers, then an endless header value */
		c = pos < sizeof(request) - 1 ? request[pos] : 'a';
		pos++;
		for (int i = 0; i < n; i++) {
			if (fds[i] >= 0 && send(fds[i], &c, 1, MSG_NOSIGNAL) != 1) {
				close(fds[i]);
				fds[i] = -1;
				closed++;
			}
		}
		if (t < secs)
			sleep(1);
	}
	for (int i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		/* nothing to read and no EOF: the server still holds it */
		if (recv(fds[i], &c, 1, MSG_DONTWAIT) < 0 &&
		    (errno == EAGAIN || errno == EWOULDBLOCK))
			open++;
		else
			closed++;
		close(fds[i]);
	}
	printf("slowclient: %d open, %d closed, %d failed to connect\n", open, closed, failed);
	return 0;
}
