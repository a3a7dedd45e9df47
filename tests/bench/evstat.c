// SPDX-License-Identifier: GPL-2.0
/*
 * evstat [-n MIN_RUNS] [-w WARM_CMD] [-t SECS] PID -- CMD [ARG]...
 *
 * The kernel's per-program cost of the BPF programs that process PID holds
 * (bpfprom, bpftrace, tests/bench/hand), over the run of CMD:
 *   1. enable BPF run-time stats (BPF_ENABLE_STATS: on while our fd is open,
 *      so they switch off by themselves however we exit);
 *   2. run WARM_CMD (sh -c) until the programs' run count grows: they are
 *      attached and warm (bpftrace compiles for a second or two first);
 *   3. read run_time_ns and run_cnt of each program from /proc/PID/fdinfo,
 *      run CMD, read them again.
 * Prints one line: "TOTAL_NS RUNS NPROGS": the run time of all the programs
 * together, the runs of the busiest one (the events that reached them) and
 * how many programs ran. Exits 1 if RUNS < MIN_RUNS (not attached to the
 * events the workload makes), with the reason on stderr.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#define MAX_PROGS 256

struct prog {
	unsigned int id;
	unsigned long long time_ns, cnt;
};

struct snap {
	size_t n;
	struct prog p[MAX_PROGS];
};

static struct prog *find(struct snap *s, unsigned int id)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->p[i].id == id)
			return &s->p[i];
	}
	return NULL;
}

/* Every BPF program PID has an fd of, once each (several fds may share one). */
static int snapshot(int pid, struct snap *s)
{
	char path[300], line[256];
	struct dirent *de;
	DIR *d;

	s->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct prog p = { 0 };
		bool is_prog = false;
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "prog_type:", 10) == 0)
				is_prog = true;
			else if (strncmp(line, "link_type:", 10) == 0)
				is_prog = false; /* a link names its prog_id too */
			sscanf(line, "prog_id: %u", &p.id);
			sscanf(line, "run_time_ns: %llu", &p.time_ns);
			sscanf(line, "run_cnt: %llu", &p.cnt);
		}
		fclose(f);
		if (is_prog && p.id && !find(s, p.id) && s->n < MAX_PROGS)
			s->p[s->n++] = p;
	}
	closedir(d);
	return 0;
}

/* Sum of run time over the programs of after; runs of the busiest one. */
static void delta(struct snap *before, struct snap *after, unsigned long long *ns,
		  unsigned long long *runs, unsigned int *nprogs)
{
	*ns = *runs = 0;
	*nprogs = 0;
	for (size_t i = 0; i < after->n; i++) {
		struct prog *b = find(before, after->p[i].id);
		unsigned long long t = after->p[i].time_ns - (b ? b->time_ns : 0);
		unsigned long long c = after->p[i].cnt - (b ? b->cnt : 0);

		*ns += t;
		if (c > *runs)
			*runs = c;
		if (c)
			(*nprogs)++;
	}
}

static int run(char **argv)
{
	int st;
	pid_t p = fork();

	if (p < 0)
		return -errno;
	if (p == 0) {
		execvp(argv[0], argv);
		perror("evstat: exec");
		_exit(127);
	}
	if (waitpid(p, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

int main(int argc, char **argv)
{
	unsigned long long ns, runs, min_runs = 1;
	const char *warm = NULL;
	double timeout = 30;
	static struct snap before, after;
	struct timespec t0, t;
	unsigned int nprogs;
	int opt, pid, fd;

	while ((opt = getopt(argc, argv, "+n:w:t:")) != -1) {
		switch (opt) {
		case 'n':
			min_runs = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			warm = optarg;
			break;
		case 't':
			timeout = atof(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind + 2 >= argc || strcmp(argv[optind + 1], "--"))
		goto usage;
	pid = atoi(argv[optind]);
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0) {
		fprintf(stderr, "evstat: BPF_ENABLE_STATS: %s (kernel 5.8+, CAP_SYS_ADMIN)\n",
			strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char *sh[] = { "sh", "-c", (char *)warm, NULL };

		if (snapshot(pid, &before)) {
			fprintf(stderr, "evstat: process %d is gone\n", pid);
			return 1;
		}
		if (!warm)
			break;
		if (run(sh)) {
			fprintf(stderr, "evstat: warm-up command failed: %s\n", warm);
			return 1;
		}
		snapshot(pid, &after);
		delta(&before, &after, &ns, &runs, &nprogs);
		if (runs > 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 > timeout) {
			fprintf(stderr, "evstat: process %d's programs did not run within %.0f s\n",
				pid, timeout);
			return 1;
		}
		usleep(20000);
	}
	snapshot(pid, &before);
	if (run(argv + optind + 2)) {
		fprintf(stderr, "evstat: the workload failed: %s\n", argv[optind + 2]);
		return 1;
	}
	if (snapshot(pid, &after)) {
		fprintf(stderr, "evstat: process %d is gone\n", pid);
		return 1;
	}
	close(fd);
	delta(&before, &after, &ns, &runs, &nprogs);
	printf("%llu %llu %u\n", ns, runs, nprogs);
	if (runs < min_runs) {
		fprintf(stderr, "evstat: %llu runs, expected at least %llu\n", runs, min_runs);
		return 1;
	}
	return 0;
usage:
	fprintf(stderr,
		"usage: evstat [-n MIN_RUNS] [-w WARM_CMD] [-t SECS] PID -- CMD [ARG]...\n");
	return 2;
}
