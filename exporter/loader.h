/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loader: the only module that touches libbpf. One instance of the generic
 * BPF object per metric: open, write the plan's rodata and map sizes, load,
 * attach. All or nothing: on any failure everything loaded is torn down.
 */
#ifndef BPFPROM_LOADER_H
#define BPFPROM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct loader;

struct loader_maps {
	int series_fd;
	int drops_fd;
	int starts_fd; /* latency metrics; -1 otherwise */
	int prog_fds[2]; /* the metric's loaded programs, -1 when unused */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t starts_max;
};

int loader__load(const struct plan *plan, struct loader **out, char *err, size_t errlen);
void loader__free(struct loader *ld);
size_t loader__count(const struct loader *ld);
const struct loader_maps *loader__maps(const struct loader *ld, size_t i);
const char *loader__mechanism(const struct loader *ld, size_t metric, size_t probe);

#endif /* BPFPROM_LOADER_H */
