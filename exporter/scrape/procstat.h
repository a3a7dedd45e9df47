/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procstat: the standard process_* metrics of a Prometheus exporter, read
 * from procfs the way client_golang's process collector reads them.
 */
#ifndef BPFPROM_PROCSTAT_H
#define BPFPROM_PROCSTAT_H

#include <stdbool.h>
#include <stdint.h>

struct procstat {
	double cpu_seconds; /* utime + stime */
	uint64_t resident_bytes;
	uint64_t virtual_bytes;
	uint64_t open_fds;
	uint64_t max_fds; /* the soft RLIMIT_NOFILE */
	double start_time; /* seconds since the epoch */
};

/* The process_* families, in the order a scrape prints them. */
enum procstat_family {
	PROCSTAT_CPU_SECONDS = 0,
	PROCSTAT_MAX_FDS,
	PROCSTAT_OPEN_FDS,
	PROCSTAT_RESIDENT_BYTES,
	PROCSTAT_START_TIME,
	PROCSTAT_VIRTUAL_BYTES,
	PROCSTAT__COUNT,
};

/* Names and help as client_golang's process collector writes them: what
 * scrape prints, and what config refuses as a user metric's name. */
struct procstat_family_desc {
	const char *name; /* a counter's ends in _total */
	const char *help;
	bool counter;
};

extern const struct procstat_family_desc procstat__families[PROCSTAT__COUNT];

/*
 * Read PROC/PID/{stat,fd,limits} and PROC/stat (boot time); proc is "/proc"
 * and pid "self" outside tests. Returns 0 or a negative errno.
 */
int procstat__read(const char *proc, const char *pid, struct procstat *out);

#endif /* BPFPROM_PROCSTAT_H */
