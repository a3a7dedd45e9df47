/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clock: the monotonic clock, for intervals (cache ages, scrape durations,
 * print periods): wall-clock steps must not make them negative or huge. And
 * the wall clock, for the timestamps an exposition carries (start
 * timestamps), in whole milliseconds: what Prometheus stores, and what every
 * format can print the same.
 */
#ifndef BPFPROM_CLOCK_H
#define BPFPROM_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock__mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The wall clock in nanoseconds since the epoch, rounded down to a millisecond. */
static inline uint64_t clock__real_ms_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)(ts.tv_nsec / 1000000) * 1000000ull;
}

#endif /* BPFPROM_CLOCK_H */
