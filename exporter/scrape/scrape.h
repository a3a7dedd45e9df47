/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scrape: what one GET /metrics does: collect every metric's maps, render
 * them, then the exporter's own metrics. Also the landing page.
 */
#ifndef BPFPROM_SCRAPE_H
#define BPFPROM_SCRAPE_H

#include "scrape/decode.h"
#include "kernel/loader.h"
#include "kernel/plan.h"
#include "render/render.h"

struct scrape;

struct scrape_opts {
	const char *telemetry_path;
	bool bpf_stats; /* --bpf.stats: export the programs' run time and count */
	bool no_exporter_metrics; /* --web.disable-exporter-metrics */
	double config_loaded_at; /* when the config was loaded, seconds since the epoch */
	struct decode_env decode_env; /* where decoders look (zero: the defaults) */
};

/* NULL with errno: ENOMEM, or EPERM when a ksym decoder cannot see kallsyms. */
struct scrape *scrape__new(const struct plan *plan, const struct loader *ld,
			   const struct scrape_opts *opts);
void scrape__free(struct scrape *s);
/*
 * After a reload: continue prev's counters in s (scrapes, and the counts kept
 * in user space for the metrics ld took over from prev's loader).
 */
void scrape__carry(struct scrape *s, const struct scrape *prev, const struct loader *ld);
/* A reload failed (true) and s serves the config before it, or it succeeded. */
void scrape__set_load_failed(struct scrape *s, bool failed);
/* The exposition in fmt. Called by http's single polling thread only: the
 * scrape's collect buffers and encoder are used without a lock. */
int scrape__metrics(void *s, enum render_format fmt, struct buf *out);
int scrape__landing(void *s, struct buf *out);
/*
 * Collect every metric (decoders hooked in, drops and orphan sweeps counted
 * as a scrape does) and hand each to each(ctx, m) in config order; each
 * returns false to stop (-ENOMEM). For --print: the same data, not HTTP.
 */
int scrape__each_metric(struct scrape *s, bool (*each)(void *ctx, const struct render_metric *m),
			void *ctx);

#endif /* BPFPROM_SCRAPE_H */
