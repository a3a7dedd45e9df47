/* SPDX-License-Identifier: GPL-2.0 */
/*
 * legacy: kprobes and uprobes as tracefs events, the way kernels without the
 * kprobe PMU (before 4.17) or the uprobe PMU take them, and what
 * --probe.mechanism=legacy asks for: an event written into
 * TRACEFS/kprobe_events or TRACEFS/uprobe_events, opened as a perf tracepoint
 * by its id. Returns perf event fds for the loader to attach a BPF program
 * to. Touches those two files, TRACEFS/events/bpfprom_* and abstract unix
 * sockets, and sysfs's uprobe PMU directory to detect it; no libbpf here.
 *
 * Events live in one group per program, bpfprom_<16 hex>, kprobes and
 * uprobes alike. The group is held by an abstract unix socket of the same
 * name: a start-up removes every bpfprom_* group whose holder is gone (a
 * killed run), and the kernel itself refuses to remove an event still open
 * (EBUSY).
 */
#ifndef BPFPROM_LEGACY_H
#define BPFPROM_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEGACY_GROUP_PREFIX "bpfprom_"
/* The kernel's limit on group and event names (MAX_EVENT_NAME_LEN - 1). */
#define LEGACY_NAME_MAX 63

struct legacy;

/* A new group for this process. NULL with errno set, and a message in err. */
struct legacy *legacy__new(const char *tracefs, char *err, size_t errlen);
/*
 * Create the event p:GROUP/NAME FUNC+OFF (r: for a return) in kprobe_events
 * and open it as a perf event. Returns the fd or a negative errno, with a
 * message in err.
 */
int legacy__open_kprobe(struct legacy *lg, const char *func, uint64_t off, bool ret, char *err,
			size_t errlen);
/*
 * Create the event p:GROUP/NAME PATH:0xOFF (r: for a return) in uprobe_events,
 * OFF a file offset, and open it as a perf event of process pid (-1: every
 * process that maps PATH). func (may be NULL) names the event. Returns the
 * fd or a negative errno, with a message in err.
 */
int legacy__open_uprobe(struct legacy *lg, const char *path, const char *func, uint64_t off,
			bool ret, int pid, char *err, size_t errlen);
/* Remove every event of the group; their perf fds must be closed first. */
void legacy__free(struct legacy *lg);

/*
 * Remove the events of bpfprom_* groups whose process is gone, from
 * kprobe_events and uprobe_events; returns how many.
 */
int legacy__clean_stale(const char *tracefs);

/*
 * What this kernel offers for uprobes: the uprobe PMU
 * (SYSFS/bus/event_source/devices/uprobe, 4.17+) and TRACEFS/uprobe_events.
 */
void legacy__detect_uprobes(const char *sysfs_root, const char *tracefs, bool *pmu, bool *events);

#endif /* BPFPROM_LEGACY_H */
