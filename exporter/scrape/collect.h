/* SPDX-License-Identifier: GPL-2.0 */
/*
 * collect: read a metric's per-CPU map in batches, combine the CPUs, sort the
 * series by key, make their label texts and fold those that print alike
 * (series.h): it owns the metric's series of one scrape, which render and
 * term read, and when each of its keys started counting (starts.h).
 * Buffers are kept and reused from scrape to scrape: a steady-state scrape
 * allocates nothing.
 */
#ifndef BPFPROM_COLLECT_H
#define BPFPROM_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/loader.h"
#include "metric.h"
#include "scrape/retire.h"
#include "scrape/series.h"

struct collect;

/* One per metric: the buffers keep that metric's shape. */
struct collect *collect__new(void);
void collect__free(struct collect *c);

/*
 * Read the series of the metric d describes (keys, values, the texts dec
 * makes of its decoded labels, series that print the same labels folded
 * into one: series__fold) and the drop counters its program keeps
 * (drops[0 .. BPFPROM_DROP__KERNEL - 1]). Returns 0 or a negative errno.
 */
int collect__metric(struct collect *c, const struct loader_maps *maps, const struct metric_desc *d,
		    const struct series_decoders *dec, uint64_t *drops);

/* What the last collect__metric read: valid until the next call on c. */
const struct series *collect__series(const struct collect *c);

/* Series the map held at the last collect__metric, before series__fold
 * folded those that print alike (collect__series(c)->n counts what prints). */
size_t collect__map_series(const struct collect *c);

/* Combine per-CPU value words into out: sums, and for stats min/max over the
 * CPUs that saw an event. Exposed for unit tests. */
void collect__combine(enum bpfprom_agg agg, bool is_signed, const uint64_t *percpu, size_t ncpus,
		      size_t words, uint64_t *out);

/* What the kernel knows of a metric's programs, summed over them. */
struct collect_prog_stats {
	/* events skipped because another BPF program was running on the CPU
	 * (bpf_prog_info.recursion_misses, kernel 5.12+; 0 where unknown) */
	uint64_t recursion_misses;
	/* time in the programs and runs, counted only while BPF stats are
	 * enabled (--bpf.stats: BPF_ENABLE_STATS, kernel 5.8+) */
	uint64_t run_time_ns;
	uint64_t run_cnt;
};

void collect__prog_stats(const struct loader_maps *maps, struct collect_prog_stats *out);

/*
 * Delete latency starts whose thread has exited (they would never end) and
 * return how many. Only in the initial pid namespace, where the kernel's
 * pid/tid are ours to look up in /proc; elsewhere returns 0.
 */
uint64_t collect__sweep_starts(struct collect *c, const struct loader_maps *maps);

/*
 * Delete from the metric's stack map (kstack, ustack labels) the stacks no
 * series of its map named at this sweep nor at the last one: those of
 * series retired since (a series that never retires keeps its stack). The
 * deleted stacks' ids are given to forget (stacks__forget). Returns how many.
 */
uint64_t collect__sweep_stacks(struct collect *c, const struct loader_maps *maps,
			       const struct metric_desc *d,
			       void (*forget)(void *ctx, int fd, uint32_t id), void *ctx);

/*
 * Retire the metric's series as spec says (retire.h), asking alive(ctx, ...)
 * whether a task or cgroup is still there: from the next collect__metric on,
 * each deletes the series that are due from the map, after reading them,
 * and exports their last values. A copy of spec is kept.
 */
int collect__set_retire(struct collect *c, const struct retire_spec *spec,
			int (*alive)(void *ctx, enum retire_reason why, uint64_t id), void *ctx);

/*
 * Start timestamps (starts.h): from now on each collect__metric gives every
 * series its start (series.starts), counted from origin_ns, when the
 * metric's maps were made (nanoseconds since the epoch). 0 or -ENOMEM.
 */
int collect__set_origin(struct collect *c, uint64_t origin_ns);
/* That origin (0: none set). */
uint64_t collect__origin(const struct collect *c);
/* A reload kept the metric's maps: c continues prev's starts (and origin),
 * prev gets c's. No system call, no allocation: done under the swap's lock. */
void collect__adopt_starts(struct collect *c, struct collect *prev);

/* While paused, collect__metric reads without retiring: a read whose series
 * nobody exports (the landing page) must not take any. */
void collect__pause_retire(struct collect *c, bool paused);

/* Series retired since the last call, by reason, added to out. */
void collect__retired(struct collect *c, uint64_t out[RETIRE__COUNT]);

/* Ablation for benchmarks: read with get_next_key + lookup instead of batches. */
void collect__set_batch(struct collect *c, bool use_batch);

#endif /* BPFPROM_COLLECT_H */
