/* SPDX-License-Identifier: GPL-2.0 */
/*
 * term: --print INTERVAL [--once], the metrics printed to a terminal the way
 * bpftrace prints its maps (histograms as bars) instead of served over HTTP.
 * The formatting is pure (a metric's description and series in, bytes out;
 * labels through series__label as render reads them); term__run is the loop.
 */
#ifndef BPFPROM_TERM_H
#define BPFPROM_TERM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "lifecycle.h"
#include "metric.h"
#include "scrape/scrape.h"
#include "scrape/series.h"
#include "util/buf.h"

/* Width of a histogram's bar, between the | |, as bpftrace draws it. */
#define TERM_BAR_WIDTH 52
/* --print's range: 1ms .. 24h. */
#define TERM_MAX_INTERVAL_MS (24ull * 3600 * 1000)

/*
 * A duration as Prometheus writes them: an integer and a unit, ms, s, m or h
 * ("500ms", "1s", "2m"). 0 and *ms, or -EINVAL.
 */
int term__parse_interval(const char *s, uint64_t *ms);

/* The header of one print: the local time, "HH:MM:SS\n". */
void term__format_header(struct buf *b, time_t t);

/*
 * One metric, every series, nothing when it has none (a metric without
 * labels has none before its first event, as bpftrace prints no unset map):
 *   count, sum  NAME{LABELS}: VALUE
 *   stats       NAME{LABELS}: count N, avg A, min X, max Y
 *   hist, lhist NAME{LABELS}:  then one line per bucket from the first to the
 *               last that holds events, "(LO, HI]  COUNT |@@@@   |", and a
 *               blank line. Buckets are upper-inclusive as Prometheus's le:
 *               "[0]" holds 0, "(..., HI]" everything up to HI, "(LO, ...)"
 *               what lies above the last bound.
 * Values are in the metric's own unit before scaling: a latency with
 * unit: seconds prints nanoseconds, and says so ("NAME (ns):").
 */
void term__format_metric(struct buf *b, const struct metric_desc *m, const struct series *s);

struct term_opts {
	uint64_t interval_ms;
	bool once; /* print once after one interval, then return */
};

/*
 * Every interval, collect every metric and print them to out; return 0 after
 * --once, or after SIGINT or SIGTERM (a last print first, as bpftrace prints
 * its maps when it exits). sigs holds the signals, blocked by the caller.
 * SIGHUP reloads the config (lifecycle__reload), as the server does. A
 * negative errno and err on failure.
 */
int term__run(struct lifecycle *lc, const struct term_opts *opts, const sigset_t *sigs, FILE *out,
	      char *err, size_t errlen);

#endif /* BPFPROM_TERM_H */
