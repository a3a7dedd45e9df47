// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "kernel/kprobe.h"
#include "kernel/ksyms.h"
#include "util/file.h"
#include "util/suggest.h"

void kprobe__detect(const char *sysfs_root, const char *tracefs, struct kprobe_support *ks)
{
	char path[PATH_MAX], buf[64];
	FILE *f;

	ks->pmu_type = -1;
	ks->retprobe_bit = 0;
	snprintf(path, sizeof(path), "%s/bus/event_source/devices/kprobe/type", sysfs_root);
	if (file__read_int(path, &ks->pmu_type))
		ks->pmu_type = -1;
	/* "config:0": the bit that turns a kprobe into a kretprobe */
	snprintf(path, sizeof(path), "%s/bus/event_source/devices/kprobe/format/retprobe",
		 sysfs_root);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && strncmp(buf, "config:", 7) == 0)
			ks->retprobe_bit = atoi(buf + 7);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs);
	ks->legacy = access(path, F_OK) == 0;
}

static int perf_open(struct perf_event_attr *attr)
{
	int fd;

	/* every CPU (cpu -1 needs a pid), every process */
	fd = syscall(SYS_perf_event_open, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int kprobe__open_pmu(const struct kprobe_support *ks, const char *func, uint64_t off, bool ret)
{
	struct perf_event_attr attr = {};

	if (ks->pmu_type < 0)
		return -EOPNOTSUPP;
	attr.size = sizeof(attr);
	attr.type = (uint32_t)ks->pmu_type;
	attr.config = ret ? 1ULL << ks->retprobe_bit : 0;
	attr.config1 = (uint64_t)(uintptr_t)func; /* kprobe_func */
	attr.config2 = off; /* probe_offset */
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	return perf_open(&attr);
}

const char *kprobe__strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such function in the kernel";
	case -EILSEQ:
		return "the offset is not on an instruction boundary of the function";
	case -ERANGE:
		return "the offset is past the end of the function";
	case -EEXIST:
		return "an event of that name already exists in kprobe_events";
	case -EBUSY:
		return "the kernel refuses a probe there (EBUSY)";
	case -EINVAL:
		return "the kernel refuses a probe there (a notrace, blacklisted or inlined function?)";
	case -EOPNOTSUPP:
		return "this kernel has no kprobe PMU";
	default:
		return strerror(-err);
	}
}

/* ---- kernel functions ------------------------------------------------- */

/* The kernel resolves a probe's name to the first symbol of that name. */
static const struct ksym *find(const struct ksyms *ks, const char *func)
{
	const struct ksym *s = ksyms__get_symbol(ks, func);

	return s && ksym__is_function(s) ? s : NULL;
}

bool kprobe__syms_has(const struct ksyms *ks, const char *func)
{
	return find(ks, func) != NULL;
}

uint64_t kprobe__syms_size(const struct ksyms *ks, const char *func)
{
	const struct ksym *s = find(ks, func);

	/* a name twice (static functions of two files): the kernel probes the
	 * first; its size is not known for sure, so none is given */
	return s && !s->dup ? s->size : 0;
}

const char *kprobe__syms_suggest(const struct ksyms *ks, const char *func)
{
	struct suggest s;

	suggest__init(&s, func, false);
	for (size_t i = 0; i < ksyms__count(ks); i++) {
		const struct ksym *k = ksyms__by_name(ks, i);

		if (ksym__is_function(k))
			suggest__add(&s, k->name);
	}
	return s.best;
}
