/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobe: kernel probes as perf events of the kprobe PMU (perf_event_open
 * with the function's name; kernel/legacy makes the tracefs kprobe_events
 * ones). Returns perf event fds for the loader to attach a BPF program to;
 * and, for plan, which names are kernel functions (over a struct ksyms:
 * kernel/ksyms reads kallsyms). Touches sysfs's kprobe PMU files and checks
 * that TRACEFS/kprobe_events exists; no libbpf here.
 */
#ifndef BPFPROM_KPROBE_H
#define BPFPROM_KPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksyms;

struct kprobe_support {
	int pmu_type; /* /sys/bus/event_source/devices/kprobe/type, -1 when absent */
	int retprobe_bit; /* the config bit of a return probe */
	bool legacy; /* TRACEFS/kprobe_events exists */
};

/* What this kernel offers; sysfs_root is "/sys" outside tests. */
void kprobe__detect(const char *sysfs_root, const char *tracefs, struct kprobe_support *ks);

/*
 * A perf event for FUNC+OFF (or its return) through the kprobe PMU.
 * Returns the fd or a negative errno (see kprobe__strerror).
 */
int kprobe__open_pmu(const struct kprobe_support *ks, const char *func, uint64_t off, bool ret);

/*
 * Why a kprobe could not be made, for errnos with a kprobe meaning
 * (ENOENT, EILSEQ, ERANGE, EEXIST...); strerror otherwise.
 */
const char *kprobe__strerror(int err);

/*
 * Is FUNC a function of the running kernel: is the first symbol of that name
 * in kallsyms (what the kernel probes) a text symbol, "t" or "T"?
 */
bool kprobe__syms_has(const struct ksyms *ks, const char *func);
/* FUNC's size, up to the next function; 0 when unknown (no addresses, a
 * name given to two symbols). */
uint64_t kprobe__syms_size(const struct ksyms *ks, const char *func);
/* The closest function name for a "did you mean", or NULL. */
const char *kprobe__syms_suggest(const struct ksyms *ks, const char *func);

#endif /* BPFPROM_KPROBE_H */
