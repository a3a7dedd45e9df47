/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfevents: the names of the perf events that software: and hardware:
 * probes take, and of profile:'s units, spelt as bpftrace spells them
 * (bpftrace's SW_PROBE_LIST and HW_PROBE_LIST, with their default periods).
 * Pure data: config validates names with it, plan turns them into
 * perf_event_attr fields, list prints them.
 */
#ifndef BPFPROM_PERFEVENTS_H
#define BPFPROM_PERFEVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct perfevent {
	const char *name;
	const char *alias; /* NULL: none */
	uint32_t type; /* PERF_TYPE_SOFTWARE or PERF_TYPE_HARDWARE */
	uint64_t config; /* PERF_COUNT_SW_* or PERF_COUNT_HW_* */
	uint64_t period; /* bpftrace's default: events per sample */
};

/* The software (hardware false) or hardware events, sorted by name; *n of them. */
const struct perfevent *perfevents__table(bool hardware, size_t *n);
/* The event named or aliased word; NULL when there is none. */
const struct perfevent *perfevents__find(bool hardware, const char *word);

/* profile:UNIT:N: hz, s, ms, us, in bpftrace's order of listing (sorted). */
#define PERFEVENTS_NUNITS 4
extern const char *const perfevents__units[PERFEVENTS_NUNITS];
/* Nanoseconds per N of unit (0 for hz: N is a frequency); -1 if unit is none. */
int64_t perfevents__unit_ns(const char *unit);

#endif /* BPFPROM_PERFEVENTS_H */
