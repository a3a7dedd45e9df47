/* SPDX-License-Identifier: GPL-2.0 */
/*
 * landing: the HTML page served at / (as exporter-toolkit's
 * web/landing_page.go is its web package's): the version, a link to the
 * metrics, and a row per probe of each metric with the series, capacity,
 * drops and map memory that a collect finds now. Reads the plan and the
 * scrape's status; writes only the caller's buffer.
 */
#ifndef BPFPROM_LANDING_H
#define BPFPROM_LANDING_H

#include "kernel/plan.h"
#include "scrape/scrape.h"
#include "util/buf.h"

/* Collect every metric of s (plan's), then write the page to out.
 * Returns 0, a collect's negative errno, or -ENOMEM. */
int landing__page(struct scrape *s, const struct plan *plan, const char *telemetry_path,
		  struct buf *out);

#endif /* BPFPROM_LANDING_H */
