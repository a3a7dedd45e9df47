// SPDX-License-Identifier: GPL-2.0
/*
 * A churn of short-lived processes in cgroups made for them, for the load
 * suite's soak:
 *   churn BIN CGROOT PREFIX PROCS PER_CGROUP SECS
 * Runs BIN (a copy of /bin/true, whose name the soak filters on) PROCS
 * times, paced over SECS seconds. Every PER_CGROUP runs share a cgroup
 * CGROOT/PREFIX-N that is made for them and removed once they have exited
 * (CGROOT "-": no cgroups); up to 4 cgroups at a time when late. Prints "execs N cgroups M seconds S": N runs that
 * exited 0 (each one exec of BIN).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* leaders, each in its cgroup, at once */
#define MAX_PARALLEL 4

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run BIN n times from this process, one after another: the count that exited 0. */
static long run(const char *bin, long from, long n, long total, double start, double secs)
{
	long ok = 0;

	for (long i = 0; i < n; i++) {
		double due = start + secs * (double)(from + i) / (double)total;
		int status;
		pid_t pid;

		while (now() < due)
			usleep(1000);
		pid = fork();
		if (pid < 0)
			continue;
		if (pid == 0) {
			execl(bin, bin, (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			ok++;
	}
	return ok;
}

/* Make cgroup k, and a leader that moves itself in and runs its share
 * there: its children are born in the cgroup. */
static pid_t start_leader(char **argv, long k, long per, long procs, double start, double secs)
{
	long from = k * per, n = procs - from < per ? procs - from : per;
	char dir[4096], file[4200];
	pid_t leader;
	int fd;

	snprintf(dir, sizeof(dir), "%s/%s-%ld", argv[2], argv[3], k);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return -1;
	}
	leader = fork();
	if (leader != 0)
		return leader;
	snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
	fd = open(file, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(255);
	close(fd);
	/* the exit status carries the count, up to 254 */
	_exit((int)run(argv[1], from, n, procs, start, secs));
}

int main(int argc, char **argv)
{
	long procs, per, ncg, started = 0, running = 0, execs = 0, cgroups = 0;
	long cg_of[MAX_PARALLEL];
	pid_t leaders[MAX_PARALLEL];
	double secs, start;
	char dir[4096];
	int status;
	pid_t pid;

	if (argc != 7) {
		fprintf(stderr, "usage: churn BIN CGROOT PREFIX PROCS PER_CGROUP SECS\n");
		return 2;
	}
	procs = atol(argv[4]);
	per = atol(argv[5]);
	secs = atof(argv[6]);
	/* a leader reports its count in its exit status */
	if (procs <= 0 || per <= 0 || per > 254 || secs <= 0)
		return 2;
	start = now();
	if (!strcmp(argv[2], "-")) {
		execs = run(argv[1], 0, procs, procs, start, secs);
		printf("execs %ld cgroups 0 seconds %.1f\n", execs, now() - start);
		return 0;
	}
	/* leaders run one after another while on time; when a busy machine
	 * makes them late, up to MAX_PARALLEL at once catch up */
	ncg = (procs + per - 1) / per;
	while (started < ncg || running) {
		while (running < MAX_PARALLEL && started < ncg) {
			pid = start_leader(argv, started, per, procs, start, secs);
			if (pid < 0)
				return 1;
			leaders[running] = pid;
			cg_of[running++] = started++;
		}
		pid = wait(&status);
		for (long i = 0; i < running; i++) {
			if (leaders[i] != pid)
				continue;
			if (!WIFEXITED(status) || WEXITSTATUS(status) == 255) {
				fprintf(stderr, "churn: the leader of cgroup %ld failed\n",
					cg_of[i]);
				return 1;
			}
			execs += WEXITSTATUS(status);
			snprintf(dir, sizeof(dir), "%s/%s-%ld", argv[2], argv[3], cg_of[i]);
			if (rmdir(dir)) {
				perror(dir);
				return 1;
			}
			cgroups++;
			leaders[i] = leaders[--running];
			cg_of[i] = cg_of[running];
			break;
		}
	}
	printf("execs %ld cgroups %ld seconds %.1f\n", execs, cgroups, now() - start);
	return 0;
}
