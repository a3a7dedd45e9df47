/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loader: the only module that touches libbpf. One instance of the generic
 * BPF object per plan group (the metrics with the same attachments): open,
 * write the plan's rodata and map sizes, load, attach. All or nothing: on any
 * failure everything loaded is torn down.
 */
#ifndef BPFPROM_LOADER_H
#define BPFPROM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct loader;

/* Programs of one group: tracepoint, uprobe, kprobe, and one per fentry target. */
#define LOADER_MAX_PROGS (3 + PLAN_MAX_ATTACH)

struct loader_maps {
	int series_fd;
	int drops_fd;
	int starts_fd; /* latency metrics; -1 otherwise */
	/* the programs of the metric's group: shared by its fused metrics */
	int prog_fds[LOADER_MAX_PROGS];
	size_t nprogs;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t starts_max;
};

/*
 * Can this kernel attach fentry programs? Loads an empty one on a function
 * of btf and attaches it for an instant. 0, or a negative errno with the
 * reason in why.
 */
int loader__probe_fentry(const struct btf *btf, char *why, size_t whylen);

/* tracefs: where legacy kprobes are created (NULL when none are planned). */
int loader__load(const struct plan *plan, const struct plan_kernel *k, struct loader **out,
		 char *err, size_t errlen);
void loader__free(struct loader *ld);
size_t loader__count(const struct loader *ld);
const struct loader_maps *loader__maps(const struct loader *ld, size_t i);

#endif /* BPFPROM_LOADER_H */
