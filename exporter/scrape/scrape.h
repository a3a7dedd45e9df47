/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scrape: what one GET /metrics does: collect every metric's maps (decoders
 * owned here, one per decoded label), render each metric's series as soon as
 * it is read, then the exporter's own metrics. Also what --print and the
 * landing page (web/landing.h) read: the series, and each metric's status.
 */
#ifndef BPFPROM_SCRAPE_H
#define BPFPROM_SCRAPE_H

#include "kernel/loader.h"
#include "kernel/plan.h"
#include "metric.h"
#include "render/render.h"
#include "scrape/decode.h"
#include "scrape/series.h"

struct scrape;

struct scrape_opts {
	const char *telemetry_path;
	bool bpf_stats; /* --bpf.stats: export the programs' run time and count */
	bool no_exporter_metrics; /* --web.disable-exporter-metrics */
	double config_loaded_at; /* when the config was loaded, seconds since the epoch */
	/* when its programs were loaded (just before), nanoseconds since the
	 * epoch in whole milliseconds: the start timestamp of what they count
	 * from the beginning (0: config_loaded_at) */
	uint64_t loaded_ns;
	struct decode_env decode_env; /* where decoders look (zero: the defaults) */
};

/* NULL with errno: ENOMEM, or EPERM when a ksym decoder cannot see kallsyms. */
struct scrape *scrape__new(const struct plan *plan, const struct loader *ld,
			   const struct scrape_opts *opts);
void scrape__free(struct scrape *s);
/*
 * After a reload: continue prev's counters in s (scrapes, and the counts kept
 * in user space for the metrics ld took over from prev's loader) and their
 * start timestamps (the kept metrics' series keep theirs; prev gets s's).
 */
void scrape__carry(struct scrape *s, struct scrape *prev, const struct loader *ld);
/* A reload failed (true) and s serves the config before it, or it succeeded. */
void scrape__set_load_failed(struct scrape *s, bool failed);
/* The exposition in fmt. Called by http's single polling thread only: the
 * scrape's collect buffers and encoder are used without a lock. */
int scrape__metrics(void *s, enum render_format fmt, struct buf *out);
/*
 * Collect every metric (label texts decoded, drops and orphan sweeps counted
 * as a scrape does) and hand each to each(ctx, d, series) in config order;
 * each returns false to stop (-ENOMEM). For --print: the same data, not HTTP.
 */
int scrape__each_metric(struct scrape *s,
			bool (*each)(void *ctx, const struct metric_desc *d,
				     const struct series *series),
			void *ctx);
/* Collect every metric as a scrape does, rendering nothing and retiring no
 * series (the landing page). */
int scrape__collect(struct scrape *s);
/* Metric i at the last collect: the series its map held, its drops (every reason). */
void scrape__status(const struct scrape *s, size_t i, size_t *series, uint64_t *dropped);
/* Bytes the kernel charges for metric i's maps now (loader__map_memory). */
uint64_t scrape__map_memory(const struct scrape *s, size_t i);

#endif /* BPFPROM_SCRAPE_H */
