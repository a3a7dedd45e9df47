/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lifecycle: the configuration in use (config, plan, loaded programs, scrape
 * state) and its replacement on reload. It finds tracefs and looks at what
 * the kernel offers for the plan (kprobe PMU or kprobe_events, removing stale
 * events of killed runs; BTF and an fentry test, once). A reload builds the
 * new configuration whole beside the old, taking over the programs and maps
 * of unchanged metrics, and swaps them under the lock scrapes take; on any
 * error the old keeps running. Serves the http handlers from the scrape state
 * in use, and drops the process's capabilities once everything is attached.
 */
#ifndef BPFPROM_LIFECYCLE_H
#define BPFPROM_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/plan.h"
#include "render/render.h"
#include "scrape/scrape.h"

struct lifecycle_opts {
	const char *config_file;
	enum plan_mech force; /* --probe.mechanism */
	bool unfused; /* --bpf.fuse=false */
	bool check_load; /* --config.check.load: lifecycle__check loads the programs too */
	struct scrape_opts scrape; /* config_loaded_at is set by each load */
};

struct lifecycle;

/* --config.check: parse and plan against this kernel, attach nothing; with
 * o->check_load, load every program too (loader__verify). */
int lifecycle__check(const struct lifecycle_opts *o, size_t *nmetrics, char *err, size_t errlen);

/* Load and attach the config. 0, or a negative errno with one line in err. */
int lifecycle__start(const struct lifecycle_opts *o, struct lifecycle **out, char *err,
		     size_t errlen);

/*
 * Read the config file again and switch to it. On failure the config in use
 * stays and bpfprom_config_last_load_success turns 0. The summary (or the
 * error) is one line in msg.
 */
int lifecycle__reload(struct lifecycle *lc, char *msg, size_t msglen);

size_t lifecycle__nmetrics(const struct lifecycle *lc);

/* The scrape state in use, for --print (which never reloads). */
struct scrape *lifecycle__scrape(struct lifecycle *lc);

/*
 * --capabilities.keep=none: drop every capability (effective, permitted,
 * inheritable, ambient and, where allowed, the bounding set). Refused before
 * dropping anything when this kernel would then refuse to let us read our own
 * maps (kernel.unprivileged_bpf_disabled before 6.5). Reloads are refused
 * from then on.
 */
int lifecycle__drop_caps(struct lifecycle *lc, char *err, size_t errlen);

/* http handlers: ctx is the lifecycle. */
int lifecycle__metrics(void *ctx, enum render_format fmt, struct buf *out);
int lifecycle__landing(void *ctx, struct buf *out);

void lifecycle__free(struct lifecycle *lc);

#endif /* BPFPROM_LIFECYCLE_H */
