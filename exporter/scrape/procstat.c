// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scrape/procstat.h"

const struct procstat_family_desc procstat__families[PROCSTAT__COUNT] = {
	[PROCSTAT_CPU_SECONDS] = { "process_cpu_seconds_total",
				   "Total user and system CPU time spent in seconds.", true },
	[PROCSTAT_MAX_FDS] = { "process_max_fds", "Maximum number of open file descriptors.",
			       false },
	[PROCSTAT_OPEN_FDS] = { "process_open_fds", "Number of open file descriptors.", false },
	[PROCSTAT_RESIDENT_BYTES] = { "process_resident_memory_bytes",
				      "Resident memory size in bytes.", false },
	[PROCSTAT_START_TIME] = { "process_start_time_seconds",
				  "Start time of the process since unix epoch in seconds.", false },
	[PROCSTAT_VIRTUAL_BYTES] = { "process_virtual_memory_bytes",
				     "Virtual memory size in bytes.", false },
};

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

/* Fields 14, 15 (utime, stime), 22 (starttime), 23 (vsize), 24 (rss) of stat(5). */
static int parse_stat(const char *text, unsigned long long *utime, unsigned long long *stime,
		      unsigned long long *start, unsigned long long *vsize, long long *rss)
{
	/* the comm in parentheses may hold spaces and ')': the last one ends it */
	const char *p = strrchr(text, ')');

	if (!p)
		return -EINVAL;
	/* field 3 (state) is the first after the comm */
	if (sscanf(p + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %lld",
		   utime, stime, start, vsize, rss) != 5)
		return -EINVAL;
	return 0;
}

static int boot_time(const char *proc, unsigned long long *btime)
{
	char path[PATH_MAX], buf[8192];
	const char *p;
	int err;

	snprintf(path, sizeof(path), "%s/stat", proc);
	err = read_file(path, buf, sizeof(buf));
	if (err)
		return err;
	p = strstr(buf, "\nbtime ");
	if (!p || sscanf(p + 7, "%llu", btime) != 1)
		return -EINVAL;
	return 0;
}

static int count_fds(const char *proc, const char *pid, uint64_t *n)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/fd", proc, pid);
	d = opendir(path);
	if (!d)
		return -errno;
	*n = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.')
			(*n)++;
	}
	closedir(d);
	/* the directory being read is open while we count it: not one of ours to report */
	if (strcmp(pid, "self") == 0 && *n)
		(*n)--;
	return 0;
}

/* "Max open files            1024                 1048576              files" */
static int max_fds(const char *proc, const char *pid, uint64_t *out)
{
	char path[PATH_MAX], buf[4096], soft[32];
	const char *p;
	int err;

	snprintf(path, sizeof(path), "%s/%s/limits", proc, pid);
	err = read_file(path, buf, sizeof(buf));
	if (err)
		return err;
	p = strstr(buf, "Max open files");
	if (!p || sscanf(p + strlen("Max open files"), " %31s", soft) != 1)
		return -EINVAL;
	*out = strcmp(soft, "unlimited") == 0 ? UINT64_MAX : strtoull(soft, NULL, 10);
	return 0;
}

int procstat__read(const char *proc, const char *pid, struct procstat *out)
{
	unsigned long long utime, stime, start, vsize, btime;
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char path[PATH_MAX], buf[4096];
	long long rss;
	int err;

	snprintf(path, sizeof(path), "%s/%s/stat", proc, pid);
	err = read_file(path, buf, sizeof(buf));
	if (!err)
		err = parse_stat(buf, &utime, &stime, &start, &vsize, &rss);
	if (!err)
		err = boot_time(proc, &btime);
	if (!err)
		err = count_fds(proc, pid, &out->open_fds);
	if (!err)
		err = max_fds(proc, pid, &out->max_fds);
	if (err)
		return err;
	out->cpu_seconds = (double)(utime + stime) / (double)tick;
	out->resident_bytes = rss > 0 ? (uint64_t)rss * (uint64_t)page : 0;
	out->virtual_bytes = vsize;
	out->start_time = (double)btime + (double)start / (double)tick;
	return 0;
}
