/* SPDX-License-Identifier: GPL-2.0 */
/*
 * retire: which of a metric's series leave its map at a scrape, and what
 * they leave behind. A series keyed by a process or thread that has exited
 * (a pid, tid, ustack or usym label), by a cgroup that was removed, or
 * (series_ttl) idle that long is taken out
 * of the map with one lookup-and-delete at a scrape, and that scrape
 * exports what the delete returned: every event up to the delete. Its values
 * are kept here for one more scrape: if the key is back in the map by then
 * (an event after the delete, a reused pid), the kept values are added to
 * it, so the exported series never goes down; if not, the series is gone
 * from the exposition (stale in Prometheus) and counted as retired. Decisions
 * are made at scrape time, in user space; the kernel side never changes.
 * collect owns one per metric; the map and the system are reached only
 * through struct retire_env, so the decisions are unit-testable.
 */
#ifndef BPFPROM_RETIRE_H
#define BPFPROM_RETIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "metric.h"
#include "scrape/decode.h"

enum retire_reason {
	RETIRE_PROCESS_GONE, /* a pid or tid label's task has exited */
	RETIRE_CGROUP_GONE, /* a cgroup label's cgroup was removed */
	RETIRE_IDLE, /* values unchanged for series_ttl */
	RETIRE__COUNT,
};

extern const char *const retire__reason_names[RETIRE__COUNT];

/* What can retire a metric's series: the key labels whose task or cgroup
 * can go, and the idle time. */
struct retire_spec {
	size_t nkeys;
	const struct metric_label *keys[BPFPROM_MAX_LABELS];
	enum retire_reason why[BPFPROM_MAX_LABELS];
	/* the id is the label's value shifted right this much: a ustack's
	 * tgid is above its stack id */
	uint8_t shift[BPFPROM_MAX_LABELS];
	uint64_t ttl_ns; /* 0: never idle */
	/* the id is the u64 after the label's value: a usym's tgid */
	bool after[BPFPROM_MAX_LABELS];
};

/* The spec of the metric d describes (cm its config): false when none of its
 * series can retire (no pid, tid or cgroup label, no series_ttl). */
bool retire__spec(struct retire_spec *spec, const struct metric_desc *d,
		  const struct cfg_metric *cm);
bool retire__can(const struct retire_spec *spec, enum retire_reason r);

struct retire_env {
	/* Is the task (RETIRE_PROCESS_GONE) or cgroup (RETIRE_CGROUP_GONE)
	 * id still there: 1 yes, 0 gone, negative: cannot tell (kept). */
	int (*alive)(void *ctx, enum retire_reason why, uint64_t id);
	void *alive_ctx;
	/* Delete key from the map, returning its values as they were at the
	 * delete, CPUs combined, in values: 0, or a negative errno (the
	 * series stays). */
	int (*take)(void *ctx, const uint8_t *key, uint64_t *values);
	void *take_ctx;
};

struct retire;

struct retire *retire__new(void);
void retire__free(struct retire *r);

/*
 * At a scrape, after the map was read: n series, keys of key_size bytes and
 * values of words u64, CPUs combined (writable). Adds the values kept for a
 * key taken earlier, takes the series that are due (their values become
 * what the take returned plus what was kept) and counts those taken at the
 * last scrape that did not come back. now_ns: the monotonic clock. *taken:
 * series deleted from the map now. 0 or -ENOMEM (nothing taken then).
 */
int retire__scrape(struct retire *r, const struct retire_spec *spec, const struct retire_env *env,
		   const struct metric_desc *d, size_t key_size, size_t words, uint64_t now_ns,
		   const uint8_t *keys, uint64_t *values, size_t n, size_t *taken);

/* Series retired since the last call, by reason, added to out. */
void retire__counts(struct retire *r, uint64_t out[RETIRE__COUNT]);

/*
 * The system's answers for retire_env.alive: a task by kill(id, 0) in the
 * initial pid namespace (elsewhere the ids are not ours: cannot tell), a
 * cgroup by its handle under the cgroup v2 mount (decoder__cgroup_alive).
 */
struct retire_probe;

/* cgroups: open the cgroup root now, while privileged, for the handles */
struct retire_probe *retire_probe__new(const struct decode_env *env, bool cgroups);
void retire_probe__free(struct retire_probe *p);
int retire_probe__alive(void *probe, enum retire_reason why, uint64_t id);

#endif /* BPFPROM_RETIRE_H */
