/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plan: resolve a validated config against the running kernel (tracepoint
 * formats from tracefs) into what the loader writes into each metric's BPF
 * rodata, and what render needs to print its series. Touches only tracefs
 * files (a directory given by the caller, so tests can fake it).
 */
#ifndef BPFPROM_PLAN_H
#define BPFPROM_PLAN_H

#include "config.h"
#include "render.h"

/* One attachment: a probe of the metric, or the end probe of a latency. */
struct plan_probe {
	enum cfg_probe_kind kind; /* tracepoint, uprobe or uretprobe */
	const char *category; /* tracepoint */
	const char *event;
	char *path; /* uprobe: the resolved binary */
	uint64_t offset; /* uprobe: file offset of the function (+OFF) */
	uint32_t cookie; /* index in the metric's probe list | BPFPROM_COOKIE_END */
	const char *spec; /* as the user wrote it */
};

#define PLAN_MAX_ATTACH (2 * BPFPROM_MAX_PROBES)
/* In-flight latency starts a metric can hold (threads inside the interval). */
#define PLAN_STARTS_MAX 16384

struct plan_metric {
	const struct cfg_metric *cm;
	struct bpfprom_metric_cfg bcfg; /* the rodata */
	uint32_t max_series;
	uint32_t starts_max; /* latency only */
	size_t nprobes; /* attachments */
	struct plan_probe probes[PLAN_MAX_ATTACH];
	/* how render prints this metric; series pointers are filled by collect */
	struct render_metric render;
	double bounds[BPFPROM_MAX_BUCKETS + BPFPROM_LOG2_SLOTS];
};

struct plan {
	const struct cfg *cfg;
	size_t nmetrics;
	struct plan_metric *metrics;
};

/*
 * Returns 0 and *out, or a negative errno and one line in err:
 *   plan: FILE:LINE:COL: metrics[I] (NAME): KEY: what is wrong
 * The plan keeps pointers into cfg: free the plan first.
 */
int plan__build(const struct cfg *cfg, const char *tracefs_root, struct plan **out, char *err,
		size_t errlen);
void plan__free(struct plan *plan);

#endif /* BPFPROM_PLAN_H */
