/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobe: kernel probes as perf events, the two ways a kernel offers them:
 * the kprobe PMU (perf_event_open with the function's name), or a legacy
 * tracefs event written into kprobe_events. Returns perf event fds for the
 * loader to attach a BPF program to; and, for plan, which names are kernel
 * functions (over a struct ksyms: kernel/ksyms reads kallsyms). Touches
 * sysfs's kprobe PMU files, TRACEFS/kprobe_events and its events/bpfprom_*
 * groups, and abstract unix sockets; no libbpf here.
 *
 * Legacy events live in one group per bpfprom process, bpfprom_<16 hex>. The
 * group is held by an abstract unix socket of the same name: a start-up
 * removes every bpfprom_* group whose holder is gone (a killed run), and the
 * kernel itself refuses to remove an event still open (EBUSY).
 */
#ifndef BPFPROM_KPROBE_H
#define BPFPROM_KPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksyms;

#define KPROBE_GROUP_PREFIX "bpfprom_"
/* The kernel's limit on group and event names (MAX_EVENT_NAME_LEN - 1). */
#define KPROBE_NAME_MAX 63

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

struct kprobe_legacy;

/* A new group for this process. NULL with errno set, and a message in err. */
struct kprobe_legacy *kprobe__legacy_new(const char *tracefs, char *err, size_t errlen);
/*
 * Create the event p:GROUP/NAME FUNC+OFF (or r: for a return) and open it as
 * a perf event. Returns the fd or a negative errno, with a message in err.
 */
int kprobe__legacy_open(struct kprobe_legacy *lg, const char *func, uint64_t off, bool ret,
			char *err, size_t errlen);
/* Remove every event of the group; their perf fds must be closed first. */
void kprobe__legacy_free(struct kprobe_legacy *lg);

/* Remove the events of bpfprom_* groups whose process is gone; returns how many. */
int kprobe__legacy_clean_stale(const char *tracefs);

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
