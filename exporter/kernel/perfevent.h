/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfevent: open the perf events that profile:, software: and hardware:
 * probes sample with, one per online CPU (pid -1: every task). Touches only
 * perf_event_open(2) and sysfs's list of online CPUs.
 */
#ifndef BPFPROM_PERFEVENT_H
#define BPFPROM_PERFEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a perf event counts and how often it samples. */
struct perfevent_spec {
	uint32_t type; /* PERF_TYPE_SOFTWARE or PERF_TYPE_HARDWARE */
	uint64_t config;
	uint64_t period; /* events per sample; with freq, samples per second */
	bool freq;
};

/* The event on cpu for every task: an fd (close-on-exec), or a negative errno. */
int perfevent__open(const struct perfevent_spec *s, int cpu);

/*
 * The online CPUs (sysfs: NULL for /sys), from devices/system/cpu/online:
 * 0 and *cpus (malloc-ed, ascending) and *n, or a negative errno.
 */
int perfevent__online_cpus(const char *sysfs, int **cpus, size_t *n);

#endif /* BPFPROM_PERFEVENT_H */
