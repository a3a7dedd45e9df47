/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loader: the plan's metrics into the kernel through libbpf (collect reads
 * the maps it creates; nothing else loads or attaches BPF).
 *
 * A plan group, the metrics with the same probes, is fused into one program:
 * each metric is a slot of one copy of the generic object (open, write the
 * slots' rodata and map sizes, autoload only the programs its probes need,
 * load, attach). The object is embedded in two builds: bpfprom_one for a group
 * of one metric, bpfprom for 2 to BPFPROM_MAX_FUSED (the unused slots' maps
 * are not created). fentry/fexit programs are verified against their one
 * target, so each target gets another copy sharing the group's maps. kprobes
 * are perf events that kernel/kprobe opens (PMU), legacy kprobes and uprobes
 * ones that kernel/legacy opens (kprobe_events, uprobe_events); tracepoints,
 * uprobes of the PMU and fentry attach through libbpf.
 *
 * A reload keeps, attached all along, the programs of the metrics whose
 * kernel side did not change, and turns off the slots of those that went
 * (loader__take_over). All or nothing: on any failure what this load made is
 * torn down and the previous loader is untouched.
 */
#ifndef BPFPROM_LOADER_H
#define BPFPROM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/plan.h"

struct loader;

/* Programs of one group: tracepoint, uprobe, kprobe, raw_tp, and one per fentry or
 * tp_btf target. */
#define LOADER_MAX_PROGS (4 + PLAN_MAX_ATTACH)

struct loader_maps {
	int series_fd;
	int drops_fd;
	int starts_fd; /* latency metrics; -1 otherwise */
	int stacks_fd; /* metrics with kstack or ustack labels; -1 otherwise */
	uint32_t stack_frames; /* the frames each stack of stacks_fd holds at most */
	/* the programs of the metric's group: shared by its fused metrics */
	int prog_fds[LOADER_MAX_PROGS];
	size_t nprogs;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t starts_max;
	bool starts_by_thread; /* starts keyed by pid_tgid (no match:), so orphans can be found */
	/* series is a per-CPU array of one element (a metric without labels):
	 * the element exists, all zero, before the first event */
	bool series_array;
	/* series holds one value per series, not one per possible CPU
	 * (series_map: shared); a shared stats' min and max are stored as
	 * bpfprom_shared_min/max */
	bool series_shared;
};

/*
 * Can this kernel attach fentry programs? Loads an empty one on a function
 * of btf and attaches it for an instant. 0, or a negative errno with the
 * reason in why.
 */
int loader__probe_fentry(const struct btf *btf, char *why, size_t whylen);
/* Can this kernel attach BTF-typed tracepoints (tp_btf)? The same way, on sched_switch. */
int loader__probe_tp_btf(const struct btf *btf, char *why, size_t whylen);
/* Can this kernel attach a multi-kprobe link (5.18, CONFIG_FPROBE)? Tried on vfs_read. */
int loader__probe_kprobe_multi(char *why, size_t whylen);
/* BPF_TRACE_UPROBE_MULTI of enum bpf_attach_type (6.6), newer than libbpf 1.1's headers */
#define LOADER_TRACE_UPROBE_MULTI 48
/* Can this kernel attach a multi-uprobe link (6.6)? Tried on path at file offset offset. */
int loader__probe_uprobe_multi(const char *path, uint64_t offset, char *why, size_t whylen);

/*
 * Load and attach every metric of plan. With prev (a reload), a metric whose
 * kernel side is unchanged (same name, rodata, map sizes and probes) is not
 * loaded again: loader__take_over later moves its program, links and maps
 * from prev, attached all along, so no event is lost or counted twice and its
 * counters continue. A program moves whole, with every kept metric it serves;
 * the slots of its metrics that changed or went are turned off. The other
 * metrics are grouped as plan groups them, among themselves: they never join
 * a program that is already loaded. All or nothing: on failure prev is
 * untouched.
 */
int loader__load(const struct plan *plan, const struct plan_kernel *k, struct loader *prev,
		 struct loader **out, char *err, size_t errlen);

/*
 * --config.check.load: load every program of plan as loader__load would
 * (the verifier's verdict, trampolines included), attach nothing, unload.
 * 0, or a negative errno with loader__load's message in err.
 */
int loader__verify(const struct plan *plan, const struct plan_kernel *k, char *err, size_t errlen);

/*
 * Move the unchanged metrics' programs from prev into ld and turn off the
 * slots of their metrics that went (cheap: no system call, memory writes
 * only); until then ld is not usable and prev is. prev keeps the programs
 * that were not taken over: free it to detach them.
 */
void loader__take_over(struct loader *ld, struct loader *prev);
/* Metric i's index in the prev it was taken over from, or -1 if loaded anew. */
long loader__adopted_from(const struct loader *ld, size_t i);
void loader__free(struct loader *ld);
const struct loader_maps *loader__maps(const struct loader *ld, size_t i);
/* The programs loaded, and which one serves metric i (metrics sharing one share its stats). */
size_t loader__nprograms(const struct loader *ld);
size_t loader__program_of(const struct loader *ld, size_t i);
/*
 * Bytes the kernel charges for metric i's maps: `memlock` of each map's
 * /proc/self/fdinfo (what 6.4+ counts as in use, older kernels the maximum
 * the map can hold). The maps a group of metrics shares (scratch, rodata, a
 * dropped metric's) count in the group's first metric, so the sum over the
 * metrics is every map's once.
 */
uint64_t loader__map_memory(const struct loader *ld, size_t i);

#endif /* BPFPROM_LOADER_H */
